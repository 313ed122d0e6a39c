"""What-if measurements on the benchmark's throwaway database (never on a real one).

They prototype fixes proposed for the app, so the report can show what they would buy:

* ``list_index``: the list's page query (ORDER BY created_at DESC, id DESC LIMIT 50 [OFFSET n])
  before and after an index on ``(created_at DESC, id DESC)``; the index is dropped again.
* ``dashboard_in_sql``: red/yellow/awaiting-review computed in SQL (a subquery for each open
  project's next open milestone; a per-``warn_days`` cut-off date computed from the work calendar),
  fetching only ``limit`` rows per section, checked against the view's own Python computation.

This is a prototype of a proposal, not app code: if the view changes, this may drift.
Import only after ``django.setup()``.
"""

import datetime as dt
import statistics
import time

from django.db import connection
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

from projects import access, schedule, views
from projects.models import Deliverable, Milestone
from projects.models.workflow import GATE_KIND, OPEN_STATES


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

    before = measure()
    with connection.cursor() as cur:
        cur.execute("CREATE INDEX bench_whatif_vp_created ON projects_videoproject (created_at DESC, id DESC)")
    try:
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("ANALYZE projects_videoproject")
        after = measure()
        plan = rows[:50].explain().splitlines()[0]
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


def dashboard_in_sql(user, limit=50) -> dict:
    today, calendar = timezone.localdate(), schedule.WorkCalendar.load()

    # The view's way: every open project and its milestones into Python.
    t0 = time.perf_counter()
    rows = views._with_schedule_status(list(views._project_rows(user).filter(state__in=OPEN_STATES)), today, calendar)
    py_ms = 1000 * (time.perf_counter() - t0)
    py_late = {p.pk for p in rows if p.rag == schedule.RED}
    py_warn = {p.pk for p in rows if p.rag == schedule.YELLOW}
    py_awaiting = sum(1 for p in rows if p.state in GATE_KIND)

    # The proposal: classify in SQL, count in SQL, fetch only `limit` rows per section.
    t0 = time.perf_counter()
    next_open = Milestone.objects.filter(project=OuterRef("pk"), done_on__isnull=True).order_by("due_on", "pk")
    open_qs = access.projects_visible_to(user).filter(state__in=OPEN_STATES).annotate(
        next_due=Subquery(next_open.values("due_on")[:1]), next_warn=Subquery(next_open.values("warn_days")[:1])
    )
    late = open_qs.filter(next_due__lt=today)
    yellow = Q(pk__in=[])
    for warn_days in Milestone.objects.order_by().values_list("warn_days", flat=True).distinct():
        yellow |= Q(next_warn=warn_days, next_due__lte=yellow_cutoff(today, calendar, warn_days))
    warn = open_qs.filter(next_due__gte=today).filter(yellow)
    submitted = Q(pk__in=[])
    for state, kind in GATE_KIND.items():
        submitted |= Q(state=state) & Exists(Deliverable.objects.filter(project=OuterRef("pk"), kind=kind, status="submitted"))
    awaiting = access.projects_visible_to(user).filter(submitted)
    counts = {"late": late.count(), "warn": warn.count(), "awaiting": awaiting.count()}

    def first(qs, *order):
        ids = qs.order_by(*order).values("pk")[:limit]
        page = views._project_rows(user).filter(pk__in=ids).annotate(next_due=Subquery(next_open.values("due_on")[:1]))
        return views._with_schedule_status(list(page.order_by(*order)), today, calendar)

    late_rows, warn_rows, awaiting_rows = first(late, "next_due", "pk"), first(warn, "next_due", "pk"), first(awaiting, "-created_at", "-pk")
    sql_ms = 1000 * (time.perf_counter() - t0)

    return {
        "python_ms": py_ms,
        "sql_ms": sql_ms,
        "python": {"late": len(py_late), "warn": len(py_warn), "awaiting": py_awaiting},
        "sql": counts,
        "same_sets": set(late.values_list("pk", flat=True)) == py_late and set(warn.values_list("pk", flat=True)) == py_warn,
        "rows_ok": all(p.rag == schedule.RED for p in late_rows) and all(p.rag == schedule.YELLOW for p in warn_rows)
        and all(p.submitted_deliverable() is not None for p in awaiting_rows),
        "fetched": len(late_rows) + len(warn_rows) + len(awaiting_rows),
    }
