"""Backward schedule against dates counted by hand on a 2026 calendar, and the red/yellow/green
status at given dates. The holiday rows here are test data, not the official calendar."""

import datetime as dt

import pytest

from projects import schedule, services
from projects.models import Genre, Holiday, State

D = dt.date
DEADLINE = D(2026, 12, 18)  # a Friday


def plan(genre_code, deadline=DEADLINE):
    genre = Genre.objects.get(code=genre_code)
    spans = [(d.stage, d.workdays, d.warn_days) for d in sorted(genre.durations.all(), key=lambda d: schedule.STAGE_ORDER.index(d.stage))]
    return {m.stage: (m.starts_on, m.due_on) for m in schedule.plan_backwards(deadline, spans, schedule.WorkCalendar.load())}


# (script, storyboard, production, panel review) as (first day, due day), counted on the calendar.
EXPECTED = {
    # 10 / 5 / 25 / 10 working days
    "exemplary": [(D(2026, 10, 12), D(2026, 10, 23)), (D(2026, 10, 26), D(2026, 10, 30)),
                  (D(2026, 11, 2), D(2026, 12, 4)), (D(2026, 12, 7), D(2026, 12, 18))],
    "feature": [(D(2026, 10, 12), D(2026, 10, 23)), (D(2026, 10, 26), D(2026, 10, 30)),
                (D(2026, 11, 2), D(2026, 12, 4)), (D(2026, 12, 7), D(2026, 12, 18))],
    # 8 / 5 / 15 / 10
    "micro_lecture": [(D(2026, 10, 28), D(2026, 11, 6)), (D(2026, 11, 9), D(2026, 11, 13)),
                      (D(2026, 11, 16), D(2026, 12, 4)), (D(2026, 12, 7), D(2026, 12, 18))],
    "lecture": [(D(2026, 10, 28), D(2026, 11, 6)), (D(2026, 11, 9), D(2026, 11, 13)),
                (D(2026, 11, 16), D(2026, 12, 4)), (D(2026, 12, 7), D(2026, 12, 18))],
    # 15 / 10 / 30 / 10
    "micro_film": [(D(2026, 9, 21), D(2026, 10, 9)), (D(2026, 10, 12), D(2026, 10, 23)),
                   (D(2026, 10, 26), D(2026, 12, 4)), (D(2026, 12, 7), D(2026, 12, 18))],
    # 10 / 10 / 25 / 10
    "arts": [(D(2026, 10, 5), D(2026, 10, 16)), (D(2026, 10, 19), D(2026, 10, 30)),
             (D(2026, 11, 2), D(2026, 12, 4)), (D(2026, 12, 7), D(2026, 12, 18))],
    # 15 / 5 / 40 / 10
    "documentary": [(D(2026, 9, 14), D(2026, 10, 2)), (D(2026, 10, 5), D(2026, 10, 9)),
                    (D(2026, 10, 12), D(2026, 12, 4)), (D(2026, 12, 7), D(2026, 12, 18))],
    # 10 / 15 / 40 / 10
    "animation": [(D(2026, 9, 7), D(2026, 9, 18)), (D(2026, 9, 21), D(2026, 10, 9)),
                  (D(2026, 10, 12), D(2026, 12, 4)), (D(2026, 12, 7), D(2026, 12, 18))],
}


@pytest.mark.django_db
@pytest.mark.parametrize("genre_code", sorted(EXPECTED))
def test_each_genre_template_plans_back_from_the_deadline(genre_code):
    assert list(plan(genre_code).values()) == EXPECTED[genre_code]


@pytest.mark.django_db
def test_holidays_and_working_weekend_days_move_the_plan():
    # National Day week off, and the Saturday after it worked (调休), as an office would enter them.
    for day in range(1, 8):
        Holiday.objects.create(date=D(2026, 10, day), name="国庆节")
    Holiday.objects.create(date=D(2026, 10, 10), name="国庆调休", kind=Holiday.Kind.WORKDAY)
    planned = plan("documentary")
    assert planned["production"] == (D(2026, 10, 12), D(2026, 12, 4))
    # The storyboard ends on the working Saturday and skips the holiday week.
    assert planned["storyboard"] == (D(2026, 9, 29), D(2026, 10, 10))
    assert planned["script"] == (D(2026, 9, 8), D(2026, 9, 28))


@pytest.mark.django_db
def test_a_deadline_on_a_weekend_ends_the_last_stage_on_that_day():
    planned = plan("exemplary", deadline=D(2026, 12, 20))  # Sunday
    assert planned["panel_review"] == (D(2026, 12, 7), D(2026, 12, 20))
    assert planned["production"][1] == D(2026, 12, 4)


@pytest.mark.parametrize(
    "today, expected",
    [
        (D(2026, 12, 14), schedule.GREEN),  # 4 working days left
        (D(2026, 12, 15), schedule.YELLOW),  # 3 left: at the warning threshold
        (D(2026, 12, 18), schedule.YELLOW),  # due today
        (D(2026, 12, 19), schedule.RED),  # a day late
        (D(2026, 11, 2), schedule.GREEN),
    ],
)
def test_status_by_slack(today, expected):
    status = schedule.status_of(due_on=DEADLINE, done_on=None, warn_days=3, today=today, calendar=schedule.WorkCalendar())
    assert status == expected


def test_holidays_eat_into_slack():
    due, today = D(2026, 10, 9), D(2026, 9, 30)
    plain = schedule.WorkCalendar()
    with_holiday = schedule.WorkCalendar(holidays=[D(2026, 10, d) for d in range(1, 8)])
    assert schedule.status_of(due_on=due, done_on=None, warn_days=3, today=today, calendar=plain) == schedule.GREEN
    assert schedule.status_of(due_on=due, done_on=None, warn_days=3, today=today, calendar=with_holiday) == schedule.YELLOW


def test_a_done_milestone_is_done_even_when_late():
    status = schedule.status_of(due_on=DEADLINE, done_on=D(2026, 12, 30), warn_days=3, today=D(2027, 1, 5), calendar=schedule.WorkCalendar())
    assert status == schedule.DONE


def test_moving_the_deadline_replans_and_keeps_what_is_done(make_project, office):
    project = make_project(State.STORYBOARD, deadline=DEADLINE)
    assert project.milestones.get(stage="script").done_on is not None
    services.project_plan(project=project, user=office, genre=project.genre, track=project.track, origin=project.origin, deadline=D(2026, 12, 25))
    panel = project.milestones.get(stage="panel_review")
    assert (panel.starts_on, panel.due_on) == (D(2026, 12, 14), D(2026, 12, 25))
    assert project.milestones.get(stage="script").done_on is not None
    assert project.milestones.get(stage="production").due_on == D(2026, 12, 11)


@pytest.mark.parametrize("today", [D(2026, 12, 14), D(2026, 12, 15), D(2026, 12, 16), D(2026, 12, 18), D(2026, 12, 21)])
def test_the_sql_filter_agrees_with_the_status_of_each_project(make_project, today):
    Holiday.objects.create(date=D(2026, 12, 16), name="测试假日")
    # In panel review the next open milestone is the deadline itself: Dec 18, 20, 22, … 28.
    projects = [make_project(State.PANEL_REVIEW, title=f"选题{i}", deadline=DEADLINE + dt.timedelta(days=i * 2)) for i in range(6)]
    calendar = schedule.WorkCalendar.load()
    expected = {}
    for p in projects:
        m = schedule.next_open(p.milestones.all())
        expected[p.pk] = schedule.status_of(due_on=m.due_on, done_on=None, warn_days=m.warn_days, today=today, calendar=calendar)
    assert len(set(expected.values())) >= 2, expected  # each date mixes colours
    assert sorted(schedule.pending_warn_days()) == [3]  # one term per threshold, not per milestone
    annotated = type(projects[0]).objects.all()
    assert all(p.next_due == schedule.next_open(p.milestones.all()).due_on for p in annotated)
    for status in (schedule.RED, schedule.YELLOW, schedule.GREEN):
        found = set(schedule.filter_status(annotated, status, today=today, calendar=calendar).values_list("pk", flat=True))
        assert found == {pk for pk, s in expected.items() if s == status}, status
