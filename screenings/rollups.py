"""Online views added up per (cloud showing, film, day), so the totals never read every view.

The rows of ``OnlineView`` stay the count (one per viewer, event and film: what de-duplicates).
``views_roll_up`` adds the rows after ``ViewRollupMark.last_view_id`` into ``ViewRollup`` and
moves the mark; the totals read the roll-up plus the rows after the mark in one statement
(``totals_rows``), so they are exact whenever the roll-up last ran — a late roll-up only makes
the totals read more rows, it never makes them wrong.

Why the mark is exact. Ids are handed out when a row is inserted, and a transaction that took a
lower id may commit after one that took a higher: reading ``max(id)`` while beacons insert could
pass over a row still in flight, and that row would then be neither rolled up nor after the mark.
So on PostgreSQL the roll-up first takes ``SHARE ROW EXCLUSIVE`` on the table: it waits for the
inserts in flight to commit and holds new ones back (before they take an id) until it commits, for
as long as adding up the rows since the last roll-up takes; and two roll-ups wait for each other.
SQLite has one writer at a time, so its ids commit in order and no lock is needed.

When it runs. The beacon asks for it every ``ROLL_UP_EVERY`` views it counts (``maybe_roll_up``),
so at most about that many rows lie after the mark while a worker runs; ``manage.py
screenings_roll_up`` does it by hand or from cron.
"""

import logging

from django.db import connection, transaction
from django.db.models import Count, IntegerField, Max, Subquery, Sum, Value
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear, TruncDate
from django.utils import timezone

from screenings.models import OnlineView, ViewRollup, ViewRollupMark

log = logging.getLogger(__name__)

ROLL_UP_EVERY = 5000


@transaction.atomic
def views_roll_up() -> int:
    """Add the views counted since the last roll-up into ``ViewRollup``; returns how many."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {connection.ops.quote_name(OnlineView._meta.db_table)} IN SHARE ROW EXCLUSIVE MODE")
    mark, _ = ViewRollupMark.objects.select_for_update().get_or_create(pk=1)
    top = OnlineView.objects.filter(pk__gt=mark.last_view_id).aggregate(top=Max("pk"))["top"]
    if top is None:
        return 0
    delta = (OnlineView.objects.filter(pk__gt=mark.last_view_id, pk__lte=top).order_by()
             .values_list("event_id", "film_id", TruncDate("counted_at")).annotate(n=Count("pk")))
    added = {(event_id, film_id, day): n for event_id, film_id, day, n in delta}
    keys = {(e, f) for e, f, _ in added}
    have = {(r.event_id, r.film_id, r.day): r for r in ViewRollup.objects.filter(
        event_id__in={e for e, _ in keys}, film_id__in={f for _, f in keys}, day__in={d for _, _, d in added})}
    new, changed = [], []
    for (event_id, film_id, day), n in added.items():
        row = have.get((event_id, film_id, day))
        if row is None:
            new.append(ViewRollup(event_id=event_id, film_id=film_id, day=day, views=n))
        else:
            row.views += n
            changed.append(row)
    ViewRollup.objects.bulk_create(new)
    ViewRollup.objects.bulk_update(changed, ["views"])
    mark.last_view_id, mark.rolled_at = top, timezone.now()
    mark.save(update_fields=["last_view_id", "rolled_at"])
    return sum(added.values())


def totals_rows(*, year: int | None = None, films=None):
    """(event_id, film_id, year, month, views) of every online view: the roll-up's rows and the
    rows counted after its mark, in one statement (one snapshot: a roll-up committing meanwhile
    can neither hide nor double a view). A key may come twice, once from each part. ``year`` keeps
    the views counted in that year (a roll-up day is the reader's-time-zone date of ``counted_at``,
    so both parts cut the year at the same midnight); ``films`` (a queryset of projects) keeps their views.

    The mark is read twice: once before, as a number the planner can see (a mark it cannot see it
    takes to leave a third of the table, and reads all of it), and again inside the statement,
    which is what makes the answer exact — the mark only grows, so the first reading is never
    above the second."""
    floor = ViewRollupMark.objects.filter(pk=1).values_list("last_view_id", flat=True).first() or 0
    mark = Coalesce(Subquery(ViewRollupMark.objects.filter(pk=1).values("last_view_id")[:1]), Value(0),
                    output_field=IntegerField())
    rolled, fresh = ViewRollup.objects.order_by(), OnlineView.objects.order_by().filter(pk__gt=floor).filter(pk__gt=mark)
    if year is not None:
        rolled, fresh = rolled.filter(day__year=year), fresh.filter(counted_at__year=year)
    if films is not None:
        rolled, fresh = rolled.filter(film__in=films), fresh.filter(film__in=films)
    rolled = rolled.values_list("event_id", "film_id", ExtractYear("day"), ExtractMonth("day")).annotate(n=Sum("views"))
    fresh = fresh.values_list("event_id", "film_id", ExtractYear("counted_at"), ExtractMonth("counted_at")).annotate(n=Count("pk"))
    return rolled.union(fresh, all=True)


def maybe_roll_up(view_id: int) -> None:
    """Ask for a roll-up when the view just counted is a multiple of ``ROLL_UP_EVERY`` (ids are
    handed out in order, so about once per that many views). A queue that is away costs the
    beacon nothing: the totals stay exact, they only read more rows until the next one."""
    if view_id % ROLL_UP_EVERY:
        return
    from screenings.tasks import roll_up_views

    try:
        roll_up_views.enqueue()
    except Exception:  # the view is counted either way
        log.exception("could not enqueue the roll-up of online views")
