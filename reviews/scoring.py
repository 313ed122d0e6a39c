"""The panel's maths on plain data: a card's total, a cut's summary, normalised scores, agreement,
outlier raters, the proposed verdict and the ranking. Plain dataclasses in and out, no Django, so
it is tested (and benchmarked) alone; the service checks input first, the ValueErrors here guard.

- A card's total is on 0–100: each score is placed in its criterion's own range, then the criteria
  are weighted, so a 1–5 item and a 0–10 item count by their weights and not by their ranges.
- Group weights (experts, leaders, grassroots) weigh the groups' *means*, not the cards, so a group
  that sends five members does not outvote one that sends two. They are renormalised over the
  groups that have scored: while the grassroots cards are not in, the cut is judged on the groups
  that are, instead of being dragged towards 0 by an empty group. A group weighted 0 never counts;
  if only such groups have scored there is no weighted mean yet (None) and so no proposal.
- Spread is the sample SD (n − 1): the panel is a handful of raters standing for all the raters
  who could have sat, and with three to fifteen cards the population SD would understate it.
- Agreement is Krippendorff's alpha with the interval metric: totals are differences-matter
  numbers (70 is as far from 80 as 80 from 90), and alpha, unlike kappa or ICC, copes with the
  missing cells every panel has (an excluded member, a card not yet in) and with any number of
  raters. Only cuts rated at least twice carry information about agreement (others are dropped).
  1 is perfect agreement, 0 is what chance would give, below 0 is systematic disagreement.
  Undefined (None) is different from 0: there is no evidence either way — fewer than two raters,
  no cut rated twice, or every pairable total the same (alpha's expected disagreement is 0 and
  the ratio 0/0 means nothing). The board should say "not measurable", not show a number.
- Normalised scores are per-rater z-scores, so a strict rater's 70 and a generous rater's 90 can
  be read side by side; a rater with one cut or no spread has no scale and gets 0.0.
"""

import math
import statistics
from dataclasses import dataclass

import krippendorff
import numpy as np

GROUPS = ("expert", "leader", "grassroots")  # 专家, 分管领导, 基层群众代表
PASS, REVISE, REJECT = "pass", "revise", "reject"
_TIE = 1e-9  # totals closer than this are the same score (float noise from the weighting)


@dataclass(frozen=True)
class Criterion:
    key: int  # criterion id
    weight: float  # relative weight (> 0) of a scored criterion; ignored for veto criteria
    min_score: float
    max_score: float
    is_veto: bool = False  # pass/fail, not scored (政治导向)


@dataclass(frozen=True)
class Card:
    """One member's submitted scorecard for one cut."""

    rater: int  # user id
    group: str  # one of GROUPS
    scores: dict[int, float]  # criterion key -> score, scored criteria only
    vetoes: dict[int, bool]  # veto criterion key -> True passed / False failed

    def __post_init__(self):
        if self.group not in GROUPS:
            raise ValueError(f"rater {self.rater}: unknown group {self.group!r}")


@dataclass(frozen=True)
class VerdictRule:
    pass_at: float = 80.0  # weighted mean >= pass_at and no veto -> pass
    reject_below: float = 60.0  # weighted mean < reject_below -> reject; in between -> revise
    veto_verdict: str = REVISE  # what a failed veto proposes
    disagreement_sd: float = 15.0

    def __post_init__(self):
        if self.veto_verdict not in (REVISE, REJECT):
            raise ValueError(f"a failed veto proposes revise or reject, not {self.veto_verdict!r}")


@dataclass(frozen=True)
class CutSummary:
    n: int  # number of cards
    totals: dict[int, float]  # rater -> card total
    mean: float | None
    weighted_mean: float | None  # by group weights, renormalised over the groups that scored
    median: float | None
    trimmed_mean: float | None
    sd: float | None  # sample SD; 0.0 for a single card, None for none
    group_means: dict[str, float]
    criterion_means: dict[int, float]  # raw score mean per scored criterion
    veto_failed: bool  # any card failed any veto
    vetoes_failed: int  # how many cards failed a veto
    disagreement: bool  # sd > rule.disagreement_sd


def card_total(card: Card, criteria: list[Criterion]) -> float:
    """0–100: sum(w_i * (s_i - min_i) / (max_i - min_i)) / sum(w_i) * 100 over the scored criteria."""
    scored = [c for c in criteria if not c.is_veto]
    if not scored:
        raise ValueError("the rubric has no scored criterion")
    total = weight = 0.0
    for c in scored:
        if c.weight <= 0 or c.max_score <= c.min_score:
            raise ValueError(f"criterion {c.key}: weight must be > 0 and the range not empty")
        if c.key not in card.scores:
            raise ValueError(f"criterion {c.key} has no score on the card of rater {card.rater}")
        score = card.scores[c.key]
        if not c.min_score <= score <= c.max_score:
            raise ValueError(f"criterion {c.key}: score {score} outside {c.min_score}–{c.max_score}")
        total += c.weight * (score - c.min_score) / (c.max_score - c.min_score)
        weight += c.weight
    return 100.0 * total / weight


def trimmed_mean(values: list[float], trim: float = 0.2) -> float | None:
    """Mean after cutting floor(n * trim) values from each end; the plain mean while that is 0."""
    if not 0 <= trim < 0.5:
        raise ValueError(f"trim must lie in [0, 0.5), not {trim}")
    if not values:
        return None
    cut = math.floor(len(values) * trim + _TIE)  # 0.29 * 100 is 28.999…: still 29
    return statistics.fmean(sorted(values)[cut:len(values) - cut])


def summarise_cut(cards: list[Card], criteria: list[Criterion], group_weights: dict[str, float],
                  rule: VerdictRule, trim: float = 0.2) -> CutSummary:
    totals = {card.rater: card_total(card, criteria) for card in cards}
    if len(totals) != len(cards):
        raise ValueError("a rater has two cards for the same cut")
    values = list(totals.values())
    by_group: dict[str, list[float]] = {}
    for card in cards:
        by_group.setdefault(card.group, []).append(totals[card.rater])
    group_means = {g: statistics.fmean(v) for g, v in by_group.items()}
    counting = {g: group_weights.get(g, 0.0) for g in group_means if group_weights.get(g, 0.0) > 0}
    weighted = (sum(group_means[g] * w for g, w in counting.items()) / sum(counting.values())
                if counting else None)
    sd = None if not values else statistics.stdev(values) if len(values) > 1 else 0.0
    failed = sum(1 for card in cards if any(passed is False for passed in card.vetoes.values()))
    criterion_means = {}
    for c in criteria:
        given = [card.scores[c.key] for card in cards if not c.is_veto and c.key in card.scores]
        if given:
            criterion_means[c.key] = statistics.fmean(given)
    return CutSummary(
        n=len(cards), totals=totals, mean=statistics.fmean(values) if values else None, weighted_mean=weighted,
        median=statistics.median(values) if values else None, trimmed_mean=trimmed_mean(values, trim), sd=sd,
        group_means=group_means, criterion_means=criterion_means, veto_failed=failed > 0, vetoes_failed=failed,
        disagreement=sd is not None and sd > rule.disagreement_sd,
    )


def _by_rater(totals: dict[tuple[int, int], float]) -> dict[int, dict[int, float]]:
    out: dict[int, dict[int, float]] = {}
    for (rater, cut), value in totals.items():
        out.setdefault(rater, {})[cut] = value
    return out


def normalised(totals: dict[tuple[int, int], float]) -> dict[tuple[int, int], float]:
    """(rater, cut) -> (x - mean_r) / sd_r over that rater's cuts (sample SD); 0.0 without a scale."""
    out = {}
    for rater, cuts in _by_rater(totals).items():
        values = list(cuts.values())
        mean = statistics.fmean(values)
        sd = statistics.stdev(values) if len(values) > 1 else 0.0
        for cut, value in cuts.items():
            out[(rater, cut)] = (value - mean) / sd if sd > 0 else 0.0
    return out


def agreement(totals: dict[tuple[int, int], float]) -> float | None:
    """Krippendorff's alpha (interval) over (rater, cut) totals; None where it is undefined."""
    by_rater = _by_rater(totals)
    if len(by_rater) < 2:
        return None
    cuts = sorted({cut for _, cut in totals})
    # Raters as rows, cuts as columns, nan where a rater has no total; only the pairable columns.
    data = np.array([[row.get(c, np.nan) for c in cuts] for _, row in sorted(by_rater.items())])
    data = data[:, (~np.isnan(data)).sum(axis=0) >= 2]
    if data.shape[1] == 0:
        return None
    pairable = data[~np.isnan(data)]
    if np.all(pairable == pairable[0]):
        return None
    try:
        alpha = krippendorff.alpha(reliability_data=data, level_of_measurement="interval")
    except (ValueError, ZeroDivisionError):
        return None
    return float(alpha) if math.isfinite(alpha) else None


def outlier_raters(totals: dict[tuple[int, int], float], threshold: float = 15.0) -> dict[int, float]:
    """rater -> bias in points: the mean over the rater's cuts of (own total - mean of the others'
    totals on that cut), over cuts someone else also rated; only raters with |bias| > threshold."""
    by_cut: dict[int, dict[int, float]] = {}
    for (rater, cut), value in totals.items():
        by_cut.setdefault(cut, {})[rater] = value
    diffs: dict[int, list[float]] = {}
    for ratings in by_cut.values():
        if len(ratings) < 2:
            continue
        whole = sum(ratings.values())
        for rater, value in ratings.items():
            diffs.setdefault(rater, []).append(value - (whole - value) / (len(ratings) - 1))
    biases = {rater: statistics.fmean(d) for rater, d in diffs.items()}
    return {rater: bias for rater, bias in biases.items() if abs(bias) > threshold}


def propose_verdict(summary: CutSummary, rule: VerdictRule) -> str | None:
    """pass / revise / reject by the rule; a failed veto proposes rule.veto_verdict whatever the
    score. None when there are no cards, or only cards of groups weighted 0 (nothing to go on)."""
    if summary.n == 0:
        return None
    if summary.veto_failed:
        return rule.veto_verdict
    if summary.weighted_mean is None:
        return None
    if summary.weighted_mean >= rule.pass_at:
        return PASS
    if summary.weighted_mean < rule.reject_below:
        return REJECT
    return REVISE


def ranking(summaries: dict[int, CutSummary]) -> list[tuple[int, int | None]]:
    """[(cut key, rank)], best first by weighted mean, for selecting the best works (择优).

    Cuts with a failed veto come after all the others (they cannot be selected, however they
    scored) and are ranked among themselves. Cuts without a weighted mean (no cards yet) come last
    with rank None: they are unranked, not tied for last. Equal scores share a rank and the next
    rank skips (1, 2, 2, 4); the input order breaks the tie in the listing.
    """
    ordered = sorted(summaries.items(), key=lambda item: (
        item[1].weighted_mean is None, item[1].veto_failed, -(item[1].weighted_mean or 0.0)))
    out: list[tuple[int, int | None]] = []
    previous, rank = None, 0
    for position, (cut, s) in enumerate(ordered, start=1):
        if s.weighted_mean is None:
            out.append((cut, None))
            continue
        tied = previous is not None and previous[0] == s.veto_failed and math.isclose(
            previous[1], s.weighted_mean, rel_tol=0, abs_tol=_TIE)
        if not tied:
            rank = position
        previous = (s.veto_failed, s.weighted_mean)
        out.append((cut, rank))
    return out
