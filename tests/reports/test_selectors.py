"""The annual report's figures against numbers worked out by hand on the fixed year of
``tests.support.reports`` (read its table first): films per genre, track, origin, unit and state;
the schedule kept per stage and where projects stall; the panels' spreads, agreement, verdicts
and rectification rounds; audiences; homogeneity. Also an empty year, cancelled projects left out
of the schedule, a film shown in two years, viewers counted once, and the query count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports import selectors
from reports.selectors import Scope, Spread
from tests.support import reports as data
from tests.support.reports import TODAY


@pytest.fixture
def world(reference_data):
    return data.build()


Y = Scope(2024)


def test_films_are_counted_per_genre_track_origin_unit_and_state(world):
    films = selectors.films_by(Y)
    row = lambda total, in_progress, completed, stopped: {  # noqa: E731
        "total": total, "in_progress": in_progress, "completed": completed, "stopped": stopped}
    assert films["total"] == row(6, 2, 2, 2)
    assert films["genre"] == {"exemplary": row(4, 1, 2, 1), "micro_film": row(2, 1, 0, 1)}
    assert films["track"] == {"project": row(5, 2, 2, 1), "mandatory": row(1, 0, 0, 1)}
    assert films["origin"] == {"self_selected": row(5, 2, 2, 1), "assigned": row(1, 0, 0, 1)}
    assert films["unit"] == {"huashan": row(3, 0, 2, 1), "huguo": row(3, 2, 0, 1)}
    assert {k: v["total"] for k, v in films["state"].items()} == {
        "archived": 1, "production": 1, "cancelled": 1, "rejected": 1, "screening": 1, "topic": 1}


def test_a_topic_call_counts_only_its_own_projects(world):
    films = selectors.films_by(Scope(2024, world.calls["c24b"].pk))
    assert films["total"]["total"] == 1 and films["state"] == {"topic": {"total": 1, "in_progress": 1, "completed": 0, "stopped": 0}}


def test_the_schedule_is_judged_per_stage_without_the_cancelled_and_rejected(world):
    result = selectors.on_time(Y, today=TODAY)
    stages = result["stages"]
    # script: P1 met, P2 two days late, P5 met (P3, cancelled, is left out)
    assert stages["script"] == {"planned": 3, "done": 3, "met": 2, "late": 1, "overdue": 0, "rate": 2 / 3, "median_days_late": 2}
    assert stages["storyboard"] == {"planned": 3, "done": 3, "met": 2, "late": 1, "overdue": 0, "rate": 2 / 3, "median_days_late": 4}
    # production: P2 not done, due 06-01: twenty days overdue on 06-21
    assert stages["production"] == {"planned": 3, "done": 2, "met": 2, "late": 0, "overdue": 1, "rate": 2 / 3, "median_days_late": 20}
    # panel review: P1 ten days late, P5 six; P2's is not due yet and counts for neither
    assert stages["panel_review"] == {"planned": 3, "done": 2, "met": 0, "late": 2, "overdue": 0, "rate": 0.0, "median_days_late": 8}
    assert result["rate"] == 6 / 11
    assert result["median_days_late"] == 6  # of 2, 4, 20, 10, 6


def test_stalls_show_the_open_projects_per_state_and_where_the_cancelled_stopped(world):
    result = selectors.stalls(Y, today=TODAY)
    assert result["open"] == {
        "topic": {"open": 1, "late": 0, "median_days_in_state": 20},  # P6, pitched 06-01
        "production": {"open": 1, "late": 1, "median_days_in_state": 112},  # P2, since 03-01, next milestone past due
        "screening": {"open": 1, "late": 0, "median_days_in_state": 31},  # P5, since 05-21
    }
    assert result["cancelled_from"] == {"script": 1}


def test_spread_is_the_five_numbers_with_inclusive_quartiles_to_two_decimals():
    assert Spread.of([10, 6, 4, 8, 6]) == Spread(5, 4, 6, 6, 8, 10, 6.8)
    assert Spread.of([80, 55]) == Spread(2, 55, 61.25, 67.5, 73.75, 80, 67.5)
    assert Spread.of([70]) == Spread(1, 70, 70, 70, 70, 70, 70)
    assert Spread.of([1, 2, 2]).mean == 1.67
    assert Spread.of([]) is None


def _interval_alpha(units):
    """Krippendorff's alpha (interval) from its definition, for pairable units of values."""
    values = [v for unit in units for v in unit]
    n = len(values)
    observed = sum(sum((a - b) ** 2 for a in u for b in u) / (len(u) - 1) for u in units) / n
    expected = sum((a - b) ** 2 for a in values for b in values) / (n * (n - 1))
    return 1 - observed / expected


def test_panel_results_match_the_cards_worked_out_by_hand(world):
    result = selectors.panel_results(Y)
    criteria = {c.code: spread for c, spread in result["criteria"]}
    # c1 over the five submitted cards of 2024 sessions (the draft 1 is left out) and S2's 10
    assert criteria["c1"] == Spread.of([8, 6, 10, 4, 6, 10]) == Spread(6, 4, 6, 7, 9.5, 10, 7.33)
    assert criteria["c2"] == Spread(6, 6, 6, 7, 9.5, 10, 7.67)
    # card totals are 2.5 × c1 + 7.5 × c2
    assert result["groups"]["expert"] == Spread(3, 55, 67.5, 80, 90, 100, 78.33)
    assert result["groups"]["leader"] == Spread(2, 60, 67.5, 75, 82.5, 90, 75)
    assert result["groups"]["grassroots"] == Spread(1, 70, 70, 70, 70, 70, 70)
    s1, s2 = result["sessions"]
    assert (s1.title, s1.cuts, s1.cards, s1.verdicts) == ("第一次评审会", 2, 5, {"pass": 1, "revise": 1})
    assert s1.alpha == pytest.approx(28 / 41) == pytest.approx(_interval_alpha([[80, 90, 70], [55, 60]]))
    assert (s2.cuts, s2.cards, s2.alpha, s2.verdicts) == (1, 1, None, {"pass": 1})  # one rater: not measurable
    assert result["verdicts"] == {"pass": 2, "revise": 1, "reject": 0}  # 2023's reject is not 2024's
    assert (result["decisions"], result["confirmed_as_proposed"]) == (3, 2)
    assert result["rounds"] == {world.p["P5"].pk: 1} and result["rounds_histogram"] == {1: 1}
    assert result["items"] == {world.p["P5"].pk: 2}
    assert result["cards"] == 6
    assert result["totals"] == Spread(6, 55, 62.5, 75, 87.5, 100, 75.83)  # 55 60 70 80 90 100


def test_audiences_count_each_viewer_once_and_a_film_in_each_year_it_was_shown(world):
    a24 = selectors.audiences(Y)
    t = a24["totals"]
    assert (t.overall.online, t.overall.in_person) == (5, 150)
    p1, p5, p7 = (world.p[n].pk for n in ("P1", "P5", "P7"))
    assert {r.key: (r.audience.online, r.audience.in_person) for r in t.by_film} == {p1: (2, 100), p5: (1, 50), p7: (2, 0)}
    assert [r.key for r in a24["top"]] == [p1, p5, p7]
    assert {r.key: r.audience.total for r in t.by_kind} == {"cloud": 5, "course": 0, "film_week": 150}
    assert [(r.key, r.audience.total, r.extra["cumulative"]) for r in t.by_month] == [
        ((2024, 1), 1, 1), ((2024, 3), 3, 4), ((2024, 5), 150, 154), ((2024, 12), 1, 155)]
    assert a24["viewers"] == 2  # v1 and v3, whatever how many films they watched
    a23 = selectors.audiences(Scope(2023))
    assert (a23["totals"].overall.online, a23["totals"].overall.in_person, a23["viewers"]) == (2, 30, 2)
    assert {r.key: r.audience.total for r in a23["totals"].by_film} == {p7: 32}  # P7 again, with 2023's audience


def test_a_topic_calls_audience_is_its_films_whenever_counted(world):
    a = selectors.audiences(Scope(2024, world.calls["c24"].pk))
    assert (a["totals"].overall.total, a["viewers"]) == (153, 2)
    assert selectors.audiences(Scope(2024, world.calls["c24b"].pk))["totals"].overall.total == 0


def test_homogeneity_counts_the_flagged_pitches_and_what_became_of_them(world):
    assert selectors.homogeneity(Y) == {
        "pitched": 6, "flagged": 4, "approved": 2, "approved_with_reason": 1, "waiting": 1, "rejected": 1}


def test_an_empty_year_has_zeros_and_no_rates(world):
    empty = Scope(2022)
    assert selectors.films_by(empty)["total"]["total"] == 0
    schedule = selectors.on_time(empty, today=TODAY)
    assert schedule["rate"] is None and all(s["planned"] == 0 and s["rate"] is None for s in schedule["stages"].values())
    assert selectors.stalls(empty, today=TODAY) == {"open": {}, "cancelled_from": {}}
    panels = selectors.panel_results(empty)
    assert panels["sessions"] == [] and panels["decisions"] == 0 and panels["groups"] == {}
    a = selectors.audiences(empty)
    assert a["totals"].overall.total == 0 and a["top"] == [] and a["viewers"] == 0
    assert selectors.homogeneity(empty)["pitched"] == 0


def _queries(fn):
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_the_query_count_does_not_grow_with_the_projects(world):
    def everything():
        for f in (selectors.films_by, selectors.panel_results, selectors.audiences, selectors.homogeneity):
            f(Y)
        selectors.on_time(Y, today=TODAY)
        selectors.stalls(Y, today=TODAY)

    before = _queries(everything)
    data.more(world, 30)
    assert _queries(everything) == before
