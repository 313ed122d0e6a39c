"""What-if measurements on the benchmark's throwaway database (never on a real one).

They prototype fixes proposed for the app, so the report can show what they would buy:

* ``list_index``: the list's page query (ORDER BY created_at DESC, id DESC LIMIT 50 [OFFSET n])
  before and after an index on ``(created_at DESC, id DESC)``; the index is dropped again. If an
  index already serves that order (no sort in the plan), it only reports the current timings.
* ``dashboard_bounded``: the dashboard's late / at-risk / awaiting-review sections without loading
  every open project: one query for the open milestones due on or before the last date that can
  still be yellow (``(project_id, due_on, warn_days)`` tuples, no model instances), classified with
  the app's own ``schedule.status_of``; awaiting review = a submitted deliverable exists (SQL
  ``EXISTS``); then only ``limit`` full rows per section. Checked against the view's own result.

This is a prototype of a proposal, not app code: if the view changes, this may drift.
Import only after ``django.setup()``.
"""

import datetime as dt
import statistics
import time

from django.db import connection
from django.db.models import Exists, Max, OuterRef, Prefetch, Q
from django.utils import timezone

from projects import access, schedule
from projects.models import Deliverable, Milestone
from projects.models.workflow import GATE_KIND, OPEN_STATES


def classified(projects, today, calendar):
    """``projects`` (a queryset) as model instances with all their milestones, each given its next
    open milestone (``next_milestone``) and colour (``rag``) from those milestones with the app's own
    ``schedule`` functions: the slow, obvious way, independent of the next milestone stored on the
    project that the pages read."""
    rows = list(projects.select_related("topic", "unit", "genre", "track").prefetch_related(
        Prefetch("milestones", queryset=Milestone.objects.order_by("due_on"))))
    for project in rows:
        project.next_milestone = schedule.next_open(project.milestones.all())
        project.rag = schedule.status_of(
            due_on=project.next_milestone.due_on, done_on=None, warn_days=project.next_milestone.warn_days,
            today=today, calendar=calendar,
        ) if project.next_milestone else ""
    return rows


def _median_ms(fn, repeats=7):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(1000 * (time.perf_counter() - t0))
    return statistics.median(times)


def list_index(user) -> dict:
    rows = access.projects_visible_to(user).select_related("topic", "unit", "genre", "track").order_by("-created_at", "-pk")

    def measure():
        return {
            "page 1": _median_ms(lambda: list(rows[:50])),
            "page 50": _median_ms(lambda: list(rows[2450:2500])),
        }

    plan_before = rows[:50].explain()
    if "TEMP B-TREE" not in plan_before and "Sort" not in plan_before:
        # An index already serves the order (the app has one since migration 0003): nothing to try.
        return {"already": next((line for line in plan_before.splitlines() if "INDEX" in line.upper()), plan_before.splitlines()[0]),
                "now": measure()}
    before = measure()
    with connection.cursor() as cur:
        cur.execute("CREATE INDEX bench_whatif_vp_created ON projects_videoproject (created_at DESC, id DESC)")
    try:
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("ANALYZE projects_videoproject")
        after = measure()
        lines = rows[:50].explain().splitlines()
        plan = next((line for line in lines if "bench_whatif_vp_created" in line), lines[0])
    finally:
        with connection.cursor() as cur:
            cur.execute("DROP INDEX bench_whatif_vp_created")
    return {"before": before, "after": after, "plan_after": plan}


def yellow_cutoff(today: dt.date, calendar: schedule.WorkCalendar, warn_days: int) -> dt.date:
    """Last due date that is still yellow: ``workdays_after(today, due) <= warn_days``, i.e. the
    day before the (warn_days + 1)-th working day after today."""
    day, seen = today, 0
    while True:
        day += dt.timedelta(days=1)
        if calendar.is_workday(day):
            seen += 1
            if seen == warn_days + 1:
                return day - dt.timedelta(days=1)


def dashboard_bounded(user, limit=50) -> dict:
    today, calendar = timezone.localdate(), schedule.WorkCalendar.load()

    # The old view's way: every open project and its milestones into Python.
    t0 = time.perf_counter()
    rows = classified(access.projects_visible_to(user).filter(state__in=OPEN_STATES), today, calendar)
    py_ms = 1000 * (time.perf_counter() - t0)
    py_late = {p.pk for p in rows if p.rag == schedule.RED}
    py_warn = {p.pk for p in rows if p.rag == schedule.YELLOW}
    py_awaiting = sum(1 for p in rows if p.state in GATE_KIND)

    # The proposal. Only a milestone due on or before the latest yellow cut-off can make a project
    # red or yellow, and if a project's next open milestone is due after it, so are all its open
    # milestones: so the first row per project of this small set is that project's next milestone.
    t0 = time.perf_counter()
    visible = access.projects_visible_to(user)
    max_warn = Milestone.objects.aggregate(m=Max("warn_days"))["m"] or 0
    horizon = yellow_cutoff(today, calendar, max_warn)
    candidates = (
        Milestone.objects.filter(project__in=visible.filter(state__in=OPEN_STATES).values("pk"), done_on__isnull=True, due_on__lte=horizon)
        .order_by("project_id", "due_on", "pk")
        .values_list("project_id", "due_on", "warn_days")
    )
    next_due = {}
    for project_id, due_on, warn_days in candidates:
        next_due.setdefault(project_id, (due_on, warn_days))
    late, warn = [], []
    for project_id, (due_on, warn_days) in next_due.items():
        rag = schedule.status_of(due_on=due_on, done_on=None, warn_days=warn_days, today=today, calendar=calendar)
        (late if rag == schedule.RED else warn if rag == schedule.YELLOW else []).append((due_on, project_id))
    submitted = Q(pk__in=[])
    for state, kind in GATE_KIND.items():
        submitted |= Q(state=state) & Exists(Deliverable.objects.filter(project=OuterRef("pk"), kind=kind, status="submitted"))
    awaiting = visible.filter(submitted)
    n_awaiting = awaiting.count()

    def fetch(ids):
        order = {pk: i for i, pk in enumerate(ids)}
        page = classified(visible.filter(pk__in=ids), today, calendar)
        return sorted(page, key=lambda p: order[p.pk])

    late_rows = fetch([pk for _, pk in sorted(late)[:limit]])
    warn_rows = fetch([pk for _, pk in sorted(warn)[:limit]])
    awaiting_rows = classified(visible.filter(pk__in=list(awaiting.order_by("-created_at", "-pk").values_list("pk", flat=True)[:limit])), today, calendar)
    sql_ms = 1000 * (time.perf_counter() - t0)

    return {
        "python_ms": py_ms,
        "sql_ms": sql_ms,
        "candidates": len(next_due),
        "python": {"late": len(py_late), "warn": len(py_warn), "awaiting": py_awaiting},
        "sql": {"late": len(late), "warn": len(warn), "awaiting": n_awaiting},
        "same_sets": {pk for _, pk in late} == py_late and {pk for _, pk in warn} == py_warn,
        "rows_ok": all(p.rag == schedule.RED for p in late_rows) and all(p.rag == schedule.YELLOW for p in warn_rows)
        and all(p.submitted_deliverable() is not None for p in awaiting_rows),
        "fetched": len(late_rows) + len(warn_rows) + len(awaiting_rows),
    }
