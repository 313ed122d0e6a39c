"""The panel's maths on plain data: a card's total, a cut's summary, normalised scores, agreement,
outlier raters, the proposed verdict and the ranking. No Django here, so it is tested alone.

- Totals are on 0–100: each criterion's score is placed in its own range, then weighted.
- Group weights (experts, leaders, grassroots) weigh the groups' means; they are renormalised over
  the groups that scored, so a group with no card does not pull a cut towards zero.
- Spread is the sample SD (n − 1): a panel is a sample of possible raters.
- Agreement is Krippendorff's alpha with the interval metric (totals are interval data); it copes
  with missing cells (an excluded member, a card not in). It is undefined (None) with fewer than
  two raters, no cut rated twice, or no variance at all.
"""

import math
import statistics
from dataclasses import dataclass

GROUPS = ("expert", "leader", "grassroots")
PASS, REVISE, REJECT = "pass", "revise", "reject"


@dataclass(frozen=True)
class Criterion:
    key: int
    weight: float
    min_score: float
    max_score: float
    is_veto: bool = False


@dataclass(frozen=True)
class Card:
    rater: int
    group: str
    scores: dict
    vetoes: dict


@dataclass(frozen=True)
class VerdictRule:
    pass_at: float = 80.0
    reject_below: float = 60.0
    veto_verdict: str = REVISE
    disagreement_sd: float = 15.0


@dataclass(frozen=True)
class CutSummary:
    n: int
    totals: dict
    mean: float | None
    weighted_mean: float | None
    median: float | None
    trimmed_mean: float | None
    sd: float | None
    group_means: dict
    criterion_means: dict
    veto_failed: bool
    vetoes_failed: int
    disagreement: bool


def card_total(card: Card, criteria: list[Criterion]) -> float:
    scored = [c for c in criteria if not c.is_veto]
    weight = sum(c.weight for c in scored)
    total = 0.0
    for c in scored:
        if c.key not in card.scores:
            raise ValueError(f"criterion {c.key} has no score")
        span = c.max_score - c.min_score
        total += c.weight * ((card.scores[c.key] - c.min_score) / span if span else 1.0)
    return 100.0 * total / weight if weight else 0.0


def trimmed_mean(values: list[float], proportion: float = 0.2) -> float | None:
    if not values:
        return None
    cut = math.floor(len(values) * proportion)
    kept = sorted(values)[cut:len(values) - cut] if cut else sorted(values)
    return statistics.fmean(kept)


def summarise_cut(cards: list[Card], criteria: list[Criterion], group_weights: dict, rule: VerdictRule,
                  trim: float = 0.2) -> CutSummary:
    totals = {card.rater: card_total(card, criteria) for card in cards}
    values = list(totals.values())
    by_group: dict[str, list[float]] = {}
    for card in cards:
        by_group.setdefault(card.group, []).append(totals[card.rater])
    group_means = {g: statistics.fmean(v) for g, v in by_group.items()}
    present = {g: group_weights.get(g, 0.0) for g in group_means if group_weights.get(g, 0.0) > 0}
    weighted = (sum(group_means[g] * w for g, w in present.items()) / sum(present.values())) if present else (
        statistics.fmean(values) if values else None)
    sd = (statistics.stdev(values) if len(values) > 1 else 0.0) if values else None
    failed = sum(1 for card in cards if any(v is False for v in card.vetoes.values()))
    criterion_means = {
        c.key: statistics.fmean([card.scores[c.key] for card in cards if c.key in card.scores])
        for c in criteria if not c.is_veto and any(c.key in card.scores for card in cards)
    }
    return CutSummary(
        n=len(cards), totals=totals, mean=statistics.fmean(values) if values else None, weighted_mean=weighted,
        median=statistics.median(values) if values else None, trimmed_mean=trimmed_mean(values, trim), sd=sd,
        group_means=group_means, criterion_means=criterion_means, veto_failed=failed > 0, vetoes_failed=failed,
        disagreement=sd is not None and sd > rule.disagreement_sd,
    )


def normalised(totals: dict) -> dict:
    by_rater: dict[int, list[float]] = {}
    for (rater, _cut), value in totals.items():
        by_rater.setdefault(rater, []).append(value)
    out = {}
    for (rater, cut), value in totals.items():
        values = by_rater[rater]
        sd = statistics.stdev(values) if len(values) > 1 else 0.0
        out[(rater, cut)] = (value - statistics.fmean(values)) / sd if sd > 0 else 0.0
    return out


def agreement(totals: dict) -> float | None:
    import krippendorff
    import numpy as np

    raters = sorted({r for r, _ in totals})
    cuts = sorted({c for _, c in totals})
    if len(raters) < 2:
        return None
    rated_twice = [c for c in cuts if sum(1 for r in raters if (r, c) in totals) >= 2]
    if not rated_twice:
        return None
    data = np.array([[totals.get((r, c), np.nan) for c in cuts] for r in raters], dtype=float)
    present = data[~np.isnan(data)]
    if present.size == 0 or np.all(present == present[0]):
        return None
    try:
        alpha = krippendorff.alpha(reliability_data=data, level_of_measurement="interval")
    except (ValueError, ZeroDivisionError):
        return None
    return None if alpha is None or not math.isfinite(alpha) else float(alpha)


def outlier_raters(totals: dict, threshold: float = 15.0) -> dict:
    by_cut: dict[int, dict[int, float]] = {}
    for (rater, cut), value in totals.items():
        by_cut.setdefault(cut, {})[rater] = value
    diffs: dict[int, list[float]] = {}
    for ratings in by_cut.values():
        for rater, value in ratings.items():
            others = [v for r, v in ratings.items() if r != rater]
            if others:
                diffs.setdefault(rater, []).append(value - statistics.fmean(others))
    biases = {rater: statistics.fmean(d) for rater, d in diffs.items()}
    return {rater: bias for rater, bias in biases.items() if abs(bias) > threshold}


def propose_verdict(summary: CutSummary, rule: VerdictRule) -> str | None:
    if summary.n == 0 or summary.weighted_mean is None:
        return None
    if summary.veto_failed:
        return rule.veto_verdict
    if summary.weighted_mean >= rule.pass_at:
        return PASS
    if summary.weighted_mean < rule.reject_below:
        return REJECT
    return REVISE


def ranking(summaries: dict) -> list[tuple[int, int | None]]:
    """Best first by weighted mean; cuts with a failed veto after the rest; cuts without cards
    last with rank None. Ties share a rank (1, 2, 2, 4)."""
    def key(item):
        cut, s = item
        return (s.weighted_mean is None, s.veto_failed, -(s.weighted_mean or 0.0))

    ordered = sorted(summaries.items(), key=key)
    out, previous, rank = [], None, 0
    for index, (cut, s) in enumerate(ordered, start=1):
        if s.weighted_mean is None:
            out.append((cut, None))
            continue
        marker = (s.veto_failed, round(s.weighted_mean, 9))
        if marker != previous:
            rank, previous = index, marker
        out.append((cut, rank))
    return out
