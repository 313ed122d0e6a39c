"""The panel's maths against worked examples, by hand (the arithmetic is in the comments) and, for
agreement, Krippendorff's own published example. No database."""

import math

import pytest

from reviews.scoring import (
    Card,
    Criterion,
    VerdictRule,
    agreement,
    trimmed_mean,
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


def test_unequal_weights_and_ranges_count_by_weight_not_by_range():
    criteria = [Criterion(key=1, weight=2, min_score=0, max_score=10), Criterion(key=2, weight=1, min_score=1, max_score=5),
                Criterion(key=3, weight=0.5, min_score=50, max_score=100)]
    # (2 * 6/10 + 1 * (2-1)/(5-1) + 0.5 * (90-50)/(100-50)) / 3.5 * 100
    # = (1.2 + 0.25 + 0.4) / 3.5 * 100 = 1.85 / 3.5 * 100 = 52.857142...
    assert card_total(Card(rater=1, group="expert", scores={1: 6, 2: 2, 3: 90}, vetoes={}), criteria) == pytest.approx(185 / 3.5)


def test_a_missing_score_is_an_error_naming_the_criterion_not_a_zero():
    with pytest.raises(ValueError, match="criterion 2"):
        card_total(Card(rater=1, group="expert", scores={1: 5}, vetoes={}), CRITERIA)


def test_a_score_outside_its_range_is_an_error():
    with pytest.raises(ValueError, match="criterion 2"):
        card_total(card(1, "expert", 5, 0), CRITERIA)  # criterion 2 runs 1-5
    with pytest.raises(ValueError, match="criterion 1"):
        card_total(card(1, "expert", 11, 3), CRITERIA)


def test_a_rubric_that_cannot_be_scored_is_an_error_not_full_marks():
    flat = [Criterion(key=1, weight=1, min_score=5, max_score=5)]
    with pytest.raises(ValueError, match="criterion 1"):
        card_total(Card(rater=1, group="expert", scores={1: 5}, vetoes={}), flat)
    with pytest.raises(ValueError, match="no scored criterion"):
        card_total(Card(rater=1, group="expert", scores={}, vetoes={9: True}), [CRITERIA[2]])


def test_bad_cards_and_rules_are_refused():
    with pytest.raises(ValueError, match="group"):
        Card(rater=1, group="public", scores={}, vetoes={})
    with pytest.raises(ValueError, match="veto"):
        VerdictRule(veto_verdict="pass")
    with pytest.raises(ValueError, match="two cards"):
        summarise_cut([card(1, "expert", 5, 3), card(1, "leader", 6, 3)], CRITERIA, EQUAL, RULE)
    with pytest.raises(ValueError, match="trim"):
        trimmed_mean([1.0, 2.0], 0.5)


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
    assert s.criterion_means == pytest.approx({1: 7.0, 2: 5.0})  # (10+8+6+4)/4 = 7; all gave 5
    assert s.n == 4 and not s.veto_failed and s.vetoes_failed == 0
    assert s.disagreement  # sqrt(375) = 19.36 > 15


def test_a_group_that_did_not_score_does_not_drag_the_mean_down():
    cards = [card(1, "expert", 10, 5), card(2, "leader", 6, 5)]
    # only experts (100, weight 50) and leaders (70, weight 30): (5000 + 2100) / 80 = 88.75
    s = summarise_cut(cards, CRITERIA, {"expert": 50, "leader": 30, "grassroots": 20}, RULE)
    assert s.weighted_mean == pytest.approx(88.75)


def test_a_group_weighted_zero_never_counts():
    weights = {"expert": 50, "leader": 50, "grassroots": 0}
    cards = [card(1, "expert", 10, 5), card(2, "grassroots", 2, 1)]
    # totals 100 and 15; the grassroots mean (15) has weight 0: (100 * 50) / 50 = 100
    assert summarise_cut(cards, CRITERIA, weights, RULE).weighted_mean == pytest.approx(100)
    # only the uncounted group has scored: no weighted mean, nothing to propose yet...
    only_grassroots = summarise_cut([card(2, "grassroots", 2, 1)], CRITERIA, weights, RULE)
    assert only_grassroots.weighted_mean is None and only_grassroots.mean == pytest.approx(15)
    assert propose_verdict(only_grassroots, RULE) is None
    # ...but a failed veto (政治导向) stands whoever raised it
    vetoed = summarise_cut([card(2, "grassroots", 2, 1, veto=False)], CRITERIA, weights, RULE)
    assert propose_verdict(vetoed, RULE) == "revise"


def test_the_trimmed_mean_of_ten_drops_two_at_each_end():
    values = [5, 40, 60, 62, 64, 66, 68, 70, 95, 100]
    criteria = [Criterion(key=1, weight=1, min_score=0, max_score=100)]
    cards = [Card(rater=i, group="expert", scores={1: v}, vetoes={}) for i, v in enumerate(values)]
    s = summarise_cut(cards, criteria, EQUAL, RULE)
    # floor(10 * 0.2) = 2: drop 5, 40 and 95, 100 -> (60+62+64+66+68+70) / 6 = 390 / 6 = 65
    assert s.trimmed_mean == pytest.approx(65)
    assert s.mean == pytest.approx(63)  # 630 / 10
    assert s.median == pytest.approx(65)  # (64 + 66) / 2
    # trim 0.1: floor(1.0) = 1 from each end: (630 - 5 - 100) / 8 = 65.625
    assert summarise_cut(cards, criteria, EQUAL, RULE, trim=0.1).trimmed_mean == pytest.approx(65.625)


def test_the_trim_count_is_not_lost_to_float_rounding():
    # 0.29 * 100 is 28.999999999999996 in floats; the trim is still 29 from each end.
    # squares 0..99, keep 29..70: (sum of i^2 to 70 - sum to 28) / 42 = (70*71*141/6 - 28*29*57/6) / 42
    # = (116795 - 7714) / 42 = 109081 / 42
    assert trimmed_mean([float(i * i) for i in range(100)], 0.29) == pytest.approx(109081 / 42)


def test_the_trimmed_mean_cuts_the_extremes():
    cards = [card(i, "expert", v, 1) for i, v in enumerate([0, 5, 5, 5, 10], start=1)]
    # totals 0, 37.5, 37.5, 37.5, 75 (3*v/10/4*100); floor(5 * 0.2) = 1 cut at each end -> 37.5
    s = summarise_cut(cards, CRITERIA, EQUAL, RULE)
    assert s.trimmed_mean == pytest.approx(37.5)
    assert s.mean == pytest.approx(37.5)


def test_a_single_member():
    s = summarise_cut([card(1, "leader", 8, 3)], CRITERIA, EQUAL, RULE)
    # (3 * 0.8 + 1 * 2/4) / 4 * 100 = 2.9 / 4 * 100 = 72.5
    assert s.n == 1 and s.sd == 0.0 and not s.disagreement
    assert s.weighted_mean == s.mean == s.median == s.trimmed_mean == pytest.approx(72.5)
    assert s.group_means == pytest.approx({"leader": 72.5})
    assert propose_verdict(s, RULE) == "revise"
    # one member over a whole session still has nobody to agree with
    assert agreement({(1, cut): total for cut, total in [(10, 72.5), (11, 90), (12, 40)]}) is None
    assert outlier_raters({(1, 10): 72.5}) == {}


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
    totals = {(1, 10): 60, (1, 11): 80, (1, 12): 70, (2, 10): 90, (2, 11): 90, (3, 10): 50}
    z = normalised(totals)
    # rater 1: mean 70, sample SD sqrt((100 + 100 + 0) / 2) = 10 -> -1, 1, 0
    assert z[(1, 10)] == pytest.approx(-1) and z[(1, 11)] == pytest.approx(1) and z[(1, 12)] == pytest.approx(0)
    # rater 2 gives 90 everywhere (no spread), rater 3 has a single cut: no scale, 0.0
    assert z[(2, 10)] == 0.0 and z[(2, 11)] == 0.0 and z[(3, 10)] == 0.0
    assert set(z) == set(totals)


def test_krippendorffs_published_example():
    # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": 4 observers, 12 units,
    # missing values; interval alpha = 0.849.
    rows = {
        "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
        "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
        "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
        "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
    }
    totals = {(rater, unit): v for rater, values in enumerate(rows.values())
              for unit, v in enumerate(values) if v is not None}
    assert agreement(totals) == pytest.approx(0.849, abs=5e-4)


def test_agreement_with_missing_scores_uses_the_pairable_cuts():
    # rows raters, columns cuts 1-3, nan where missing:
    #   r1: 80  60  90
    #   r2: 70  60  nan
    #   r3: nan 50  nan
    # cut 3 has one total: not pairable, dropped. Pairable values 80, 70 | 60, 60, 50 (n = 5).
    # D_o = (1/n) * sum_u (1/(m_u - 1)) * sum of ordered within-cut pairs (a - b)^2
    #     = (1/5) * (2*100 / 1 + (0 + 2*100 + 2*100) / 2) = (200 + 200) / 5 = 80
    # D_e = sum of ordered pairs over all pairable values / (n (n - 1)); the values' mean is 64,
    #     sum of squares about it 256+36+16+16+196 = 520, ordered pair sum = 2 * n * 520 = 5200 -> 5200 / 20 = 260
    # alpha = 1 - D_o / D_e = 1 - 80/260 = 9/13
    totals = {(1, 1): 80, (1, 2): 60, (1, 3): 90, (2, 1): 70, (2, 2): 60, (3, 2): 50}
    assert agreement(totals) == pytest.approx(9 / 13)
    assert agreement({**totals, (1, 3): 10}) == pytest.approx(9 / 13)  # the unpairable total does not count


def test_agreement_is_undefined_for_one_rater_or_no_overlap_or_no_variance():
    assert agreement({}) is None
    assert agreement({(1, 1): 80, (1, 2): 70}) is None
    assert agreement({(1, 1): 80, (2, 2): 70}) is None
    assert agreement({(1, 1): 80, (2, 1): 80, (1, 2): 80, (2, 2): 80}) is None
    # the only cut rated twice got the same total: no variance among the pairable values
    assert agreement({(1, 1): 80, (2, 1): 80, (1, 2): 40}) is None


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


def test_an_outliers_bias_counts_only_cuts_someone_else_rated():
    totals = {(1, 1): 90, (2, 1): 60, (1, 2): 20}
    # cut 2 has rater 1 alone: skipped. Cut 1: rater 1 90 - 60 = 30, rater 2 60 - 90 = -30
    assert outlier_raters(totals) == pytest.approx({1: 30, 2: -30})
    assert outlier_raters(totals, threshold=30) == {}  # |bias| must pass the threshold


def summary_of(total, veto=True):
    criteria = [Criterion(key=1, weight=1, min_score=0, max_score=100), CRITERIA[2]]
    return summarise_cut([Card(rater=1, group="expert", scores={1: total}, vetoes={9: veto})], criteria, EQUAL, RULE)


def test_ranking_shares_ranks_on_ties_and_puts_vetoed_and_unscored_last():
    summaries = {"a": summary_of(70), "b": summary_of(90), "c": summary_of(70), "d": summary_of(95, veto=False),
                 "e": summarise_cut([], CRITERIA, EQUAL, RULE), "f": summary_of(60), "g": summary_of(80, veto=False)}
    # b 90 | a, c 70 share 2 | f 60 is 4th | vetoed d 95, g 80 after all others | e has no cards
    assert ranking(summaries) == [("b", 1), ("a", 2), ("c", 2), ("f", 4), ("d", 5), ("g", 6), ("e", None)]


def test_totals_equal_but_for_float_noise_are_a_tie():
    criteria = [Criterion(key=1, weight=1, min_score=0, max_score=1), Criterion(key=2, weight=1, min_score=0, max_score=1)]
    # (0.1 + 0.2) / 2 * 100 and (0.3 + 0.0) / 2 * 100 are both 15 on paper; in floats the first is 15.000000000000002
    a = summarise_cut([Card(rater=1, group="expert", scores={1: 0.1, 2: 0.2}, vetoes={})], criteria, EQUAL, RULE)
    b = summarise_cut([Card(rater=1, group="expert", scores={1: 0.3, 2: 0.0}, vetoes={})], criteria, EQUAL, RULE)
    assert a.weighted_mean != b.weighted_mean  # the noise is really there
    assert ranking({1: a, 2: b, 3: summary_of(10)}) == [(1, 1), (2, 1), (3, 3)]
