"""The panel's maths against worked examples, by hand (the arithmetic is in the comments) and, for
agreement, Krippendorff's own published example. No database."""

import math

import pytest

from reviews.scoring import (
    Card,
    Criterion,
    VerdictRule,
    agreement,
    card_total,
    normalised,
    outlier_raters,
    propose_verdict,
    ranking,
    summarise_cut,
)

CRITERIA = [
    Criterion(key=1, weight=3, min_score=0, max_score=10),
    Criterion(key=2, weight=1, min_score=1, max_score=5),
    Criterion(key=9, weight=0, min_score=0, max_score=0, is_veto=True),
]
RULE = VerdictRule()
EQUAL = {"expert": 1, "leader": 1, "grassroots": 1}


def card(rater, group, s1, s2, veto=True):
    return Card(rater=rater, group=group, scores={1: s1, 2: s2}, vetoes={9: veto})


def test_a_total_places_each_score_in_its_range_then_weighs_it():
    # (3 * 8/10 + 1 * (4-1)/(5-1)) / 4 * 100 = (2.4 + 0.75) / 4 * 100 = 78.75
    assert card_total(card(1, "expert", 8, 4), CRITERIA) == pytest.approx(78.75)
    assert card_total(card(1, "expert", 10, 5), CRITERIA) == pytest.approx(100)
    assert card_total(card(1, "expert", 0, 1), CRITERIA) == pytest.approx(0)


def test_a_missing_score_is_an_error_not_a_zero():
    with pytest.raises(ValueError):
        card_total(Card(rater=1, group="expert", scores={1: 5}, vetoes={}), CRITERIA)


def test_group_weights_weigh_the_group_means():
    cards = [card(1, "expert", 10, 5), card(2, "expert", 8, 5), card(3, "leader", 6, 5), card(4, "grassroots", 4, 5)]
    # totals: (3*1.0 + 1)/4 -> 100; (3*0.8 + 1)/4 -> 85; (3*0.6 + 1)/4 -> 70; (3*0.4 + 1)/4 -> 55
    s = summarise_cut(cards, CRITERIA, {"expert": 50, "leader": 30, "grassroots": 20}, RULE)
    assert s.totals == pytest.approx({1: 100, 2: 85, 3: 70, 4: 55})
    assert s.group_means == pytest.approx({"expert": 92.5, "leader": 70, "grassroots": 55})
    # (92.5*50 + 70*30 + 55*20) / 100 = 46.25 + 21 + 11 = 78.25
    assert s.weighted_mean == pytest.approx(78.25)
    assert s.mean == pytest.approx(77.5)
    assert s.median == pytest.approx(77.5)
    # sample SD of 100, 85, 70, 55: mean 77.5, squares 506.25+56.25+56.25+506.25 = 1125, /3 = 375
    assert s.sd == pytest.approx(math.sqrt(375))
    # trim 0.2 of 4 = floor(0.8) = 0: nothing cut
    assert s.trimmed_mean == pytest.approx(77.5)
    assert s.criterion_means == pytest.approx({1: 7.0, 2: 5.0})


def test_a_group_that_did_not_score_does_not_drag_the_mean_down():
    cards = [card(1, "expert", 10, 5), card(2, "leader", 6, 5)]
    # only experts (100, weight 50) and leaders (70, weight 30): (5000 + 2100) / 80 = 88.75
    s = summarise_cut(cards, CRITERIA, {"expert": 50, "leader": 30, "grassroots": 20}, RULE)
    assert s.weighted_mean == pytest.approx(88.75)


def test_the_trimmed_mean_cuts_the_extremes():
    cards = [card(i, "expert", v, 1) for i, v in enumerate([0, 5, 5, 5, 10], start=1)]
    # totals 0, 37.5, 37.5, 37.5, 75 (3*v/10/4*100); floor(5 * 0.2) = 1 cut at each end -> 37.5
    s = summarise_cut(cards, CRITERIA, EQUAL, RULE)
    assert s.trimmed_mean == pytest.approx(37.5)
    assert s.mean == pytest.approx(37.5)


def test_a_single_member():
    s = summarise_cut([card(1, "leader", 8, 3)], CRITERIA, EQUAL, RULE)
    assert s.n == 1 and s.sd == 0.0 and not s.disagreement
    assert s.weighted_mean == s.mean == s.median == s.trimmed_mean


def test_no_cards():
    s = summarise_cut([], CRITERIA, EQUAL, RULE)
    assert s.n == 0 and s.mean is None and s.weighted_mean is None and s.sd is None
    assert propose_verdict(s, RULE) is None


def test_a_failed_veto_is_flagged_and_proposes_the_rubrics_veto_verdict():
    s = summarise_cut([card(1, "expert", 10, 5), card(2, "expert", 10, 5, veto=False)], CRITERIA, EQUAL, RULE)
    assert s.veto_failed and s.vetoes_failed == 1
    assert propose_verdict(s, RULE) == "revise"
    assert propose_verdict(s, VerdictRule(veto_verdict="reject")) == "reject"


def test_disagreement_is_a_spread_over_the_threshold():
    s = summarise_cut([card(1, "expert", 10, 5), card(2, "expert", 2, 1)], CRITERIA, EQUAL, RULE)
    # totals 100 and 15: SD = 85 / sqrt(2) = 60.1 > 15
    assert s.disagreement


@pytest.mark.parametrize(("total", "verdict"), [(80.0, "pass"), (79.99, "revise"), (60.0, "revise"), (59.99, "reject")])
def test_the_verdict_boundaries(total, verdict):
    # one criterion of weight 1 on 0-100 so the total is the score itself
    criteria = [Criterion(key=1, weight=1, min_score=0, max_score=100)]
    s = summarise_cut([Card(rater=1, group="expert", scores={1: total}, vetoes={})], criteria, EQUAL, RULE)
    assert propose_verdict(s, RULE) == verdict


def test_normalised_scores_are_per_rater_z_scores():
    totals = {(1, 10): 60, (1, 11): 80, (1, 12): 70, (2, 10): 90, (2, 11): 90}
    z = normalised(totals)
    # rater 1: mean 70, sample SD 10 -> -1, 1, 0; rater 2 scores the same everywhere -> 0
    assert z[(1, 10)] == pytest.approx(-1) and z[(1, 11)] == pytest.approx(1) and z[(1, 12)] == pytest.approx(0)
    assert z[(2, 10)] == 0.0 and z[(2, 11)] == 0.0


def test_krippendorffs_published_example():
    # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": 4 observers, 12 units,
    # missing values; interval alpha = 0.849.
    rows = {
        "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
        "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
        "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
        "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
    }
    totals = {(rater, unit): v for rater, (_, values) in enumerate(rows.items()) for unit, v in enumerate(values) if v is not None}
    assert agreement(totals) == pytest.approx(0.849, abs=5e-4)


def test_agreement_is_undefined_for_one_rater_or_no_overlap_or_no_variance():
    assert agreement({(1, 1): 80, (1, 2): 70}) is None
    assert agreement({(1, 1): 80, (2, 2): 70}) is None
    assert agreement({(1, 1): 80, (2, 1): 80, (1, 2): 80, (2, 2): 80}) is None


def test_perfect_agreement_is_one():
    assert agreement({(1, 1): 80, (2, 1): 80, (1, 2): 60, (2, 2): 60}) == pytest.approx(1.0)


def test_an_outlier_rater_scores_far_from_the_others():
    totals = {(1, 1): 80, (2, 1): 82, (3, 1): 40, (1, 2): 70, (2, 2): 72, (3, 2): 30}
    # rater 3: 40 - 81 = -41, 30 - 71 = -41 -> bias -41; rater 1: 80 - 61 = 19, 70 - 51 = 19 -> 19;
    # rater 2: 82 - 60 = 22, 72 - 50 = 22 -> 22
    out = outlier_raters(totals)
    assert out[3] == pytest.approx(-41)
    assert out[1] == pytest.approx(19)
    assert outlier_raters(totals, threshold=20) == pytest.approx({3: -41, 2: 22})


def test_ranking_shares_ranks_on_ties_and_puts_vetoed_and_unscored_last():
    def summary(total, veto=True):
        criteria = [Criterion(key=1, weight=1, min_score=0, max_score=100), CRITERIA[2]]
        return summarise_cut([Card(rater=1, group="expert", scores={1: total}, vetoes={9: veto})], criteria, EQUAL, RULE)

    summaries = {"a": summary(70), "b": summary(90), "c": summary(70), "d": summary(95, veto=False), "e": summarise_cut([], CRITERIA, EQUAL, RULE), "f": summary(60)}
    assert ranking(summaries) == [("b", 1), ("a", 2), ("c", 2), ("f", 4), ("d", 5), ("e", None)]
