"""Backward schedule (倒排摄制日程) in working days, and its red/yellow/green status (三色预警).

A stage of n working days due on D occupies the n working days ending on D; the stage before it is
due on the last working day before that. Weekends are non-working unless the calendar says a
weekend day is a working day (调休); listed holidays are non-working.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext_lazy

from projects.models import Holiday, VideoProject
from projects.models.workflow import OPEN_STATES, STAGE_ORDER  # noqa: F401  (STAGE_ORDER: read from here too)

ONE_DAY = dt.timedelta(days=1)

DONE, GREEN, YELLOW, RED = "done", "green", "yellow", "red"
# The colours in the reader's words: the project tables' tag, the report's timeline and its table.
WORDS = {RED: gettext_lazy("late"), YELLOW: gettext_lazy("at risk"), GREEN: gettext_lazy("on track"), DONE: gettext_lazy("done")}


class WorkCalendar:
    def __init__(self, holidays=(), workdays=()):
        self.holidays = frozenset(holidays)
        self.workdays = frozenset(workdays)

    @classmethod
    def load(cls) -> "WorkCalendar":
        """One query: every calendar exception the office entered."""
        holidays, workdays = [], []
        for date, kind in Holiday.objects.values_list("date", "kind"):
            (workdays if kind == Holiday.Kind.WORKDAY else holidays).append(date)
        return cls(holidays, workdays)

    def is_workday(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def previous_workday(self, day: dt.date) -> dt.date:
        day -= ONE_DAY
        while not self.is_workday(day):
            day -= ONE_DAY
        return day

    def start_of(self, due: dt.date, workdays: int) -> dt.date:
        """First day of a span of ``workdays`` working days that ends on ``due``."""
        day = due if self.is_workday(due) else self.previous_workday(due)
        for _ in range(max(workdays, 1) - 1):
            day = self.previous_workday(day)
        return day

    def first_day_with_more_slack(self, today: dt.date, warn_days: int) -> dt.date:
        """The earliest due date that leaves more than ``warn_days`` working days after ``today``:
        a milestone due before it is yellow (or red), one due on or after it is green."""
        day, count = today, 0
        while count <= warn_days:
            day += ONE_DAY
            count += self.is_workday(day)
        return day

    def workdays_after(self, today: dt.date, until: dt.date) -> int:
        """Working days left after ``today`` up to and including ``until``."""
        count, day = 0, today + ONE_DAY
        while day <= until:
            count += self.is_workday(day)
            day += ONE_DAY
        return count


@dataclass(frozen=True)
class PlannedMilestone:
    stage: str
    starts_on: dt.date
    due_on: dt.date
    warn_days: int


def plan_backwards(deadline: dt.date, durations: list[tuple[str, int, int]], calendar: WorkCalendar):
    """Plan ``(stage, workdays, warn_days)`` spans, given in working order, back from ``deadline``."""
    planned, due = [], deadline
    for stage, workdays, warn_days in reversed(durations):
        starts = calendar.start_of(due, workdays)
        planned.append(PlannedMilestone(stage, starts, due, warn_days))
        due = calendar.previous_workday(starts)
    return list(reversed(planned))


def status_of(*, due_on: dt.date, done_on, warn_days: int, today: dt.date, calendar: WorkCalendar) -> str:
    if done_on is not None:
        return DONE
    if today > due_on:
        return RED
    if calendar.workdays_after(today, due_on) <= warn_days:
        return YELLOW
    return GREEN


def pending_warn_days() -> list[int]:
    """The few distinct warning thresholds in use; the yellow filter has one term per value."""
    # order_by() drops the model's default ordering, which would defeat DISTINCT.
    return list(
        VideoProject.objects.filter(next_warn__isnull=False).order_by().values_list("next_warn", flat=True).distinct()
    )


def light(project, *, due_on, done_on, warn_days: int, today: dt.date, calendar: WorkCalendar) -> str:
    """The traffic light of a project's milestone: none at all once the project is closed
    (cancelled, rejected, archived), whose unmet milestones will never be met and are not late."""
    if project.state not in OPEN_STATES:
        return DONE if done_on else ""
    return status_of(due_on=due_on, done_on=done_on, warn_days=warn_days, today=today, calendar=calendar)


def refresh_next(project) -> None:
    """Store the earliest open milestone on the project (call after milestones change or the
    project closes: a closed project has none, so nothing sorts or filters it among the late)."""
    upcoming = (project.milestones.filter(done_on__isnull=True).order_by("due_on").first()
                if project.state in OPEN_STATES else None)
    project.next_due = upcoming.due_on if upcoming else None
    project.next_warn = upcoming.warn_days if upcoming else None
    # update(), not save(): this is bookkeeping and must not race the state field.
    type(project).objects.filter(pk=project.pk).update(next_due=project.next_due, next_warn=project.next_warn)


def late(projects, *, today: dt.date):
    """Open projects whose next milestone is past due (red): the one colour that needs no calendar."""
    return projects.filter(state__in=OPEN_STATES, next_due__lt=today)


def filter_status(projects, status: str, *, today: dt.date, calendar: WorkCalendar):
    """Open projects whose colour is ``status``, as an indexed filter on ``next_due``, so the
    office's late and at-risk lists cost the same at 100 or 100,000 projects."""
    if status == RED:
        return late(projects, today=today)
    projects = projects.filter(state__in=OPEN_STATES, next_due__isnull=False)
    yellow = Q(pk__in=[])
    for warn in pending_warn_days():
        yellow |= Q(next_warn=warn, next_due__lt=calendar.first_day_with_more_slack(today, warn))
    if status == YELLOW:
        return projects.filter(yellow, next_due__gte=today)
    if status == GREEN:
        return projects.filter(next_due__gte=today).exclude(yellow)
    raise ValueError(status)


def next_open(milestones):
    """The earliest milestone not yet done: it decides the project's colour."""
    pending = [m for m in milestones if m.done_on is None]
    return min(pending, key=lambda m: m.due_on) if pending else None
