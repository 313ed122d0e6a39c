"""The totals' roll-up of online views (``screenings.rollups``): the totals are the same numbers
worked out by hand before it ran, after it ran, and with views counted on both sides of its mark;
running it twice adds nothing; views counted while it runs on PostgreSQL are neither lost nor
doubled."""

import datetime as dt
import threading
import uuid

import pytest
from django.core.management import call_command
from django.db import connection, connections  # noqa: F401  (connection: read by the skipif condition)
from django.utils import timezone

from screenings import rollups, services
from screenings.models import Event, OnlineView, ViewRollup, ViewRollupMark
from screenings.totals import audience_totals
from tests.screenings.test_totals import Y1, Y2, local, micro_film, record, table  # noqa: F401  (fixtures)


def _online(totals):
    return {"film": table(totals.by_film), "event": table(totals.by_event), "year": table(totals.by_year),
            "month": table(totals.by_month), "overall": totals.overall.online}


def test_the_totals_are_the_same_before_and_after_the_roll_up(record):
    before = _online(audience_totals())
    assert rollups.views_roll_up() == 4
    assert ViewRollupMark.objects.get().last_view_id == OnlineView.objects.latest("pk").pk
    # Per day: c1 had 4 views on one day (two films), c2 one.
    rows = sorted(ViewRollup.objects.values_list("event_id", "film_id", "day", "views"))
    c1, c2, f1, f2 = record["c1"].pk, record["c2"].pk, record["f1"].pk, record["f2"].pk
    assert rows == sorted([(c1, f1, dt.date(Y1, 6, 2), 2), (c1, f2, dt.date(Y1, 6, 2), 1), (c2, f1, dt.date(Y2, 6, 2), 1)])
    assert _online(audience_totals()) == before
    assert before["overall"] == 4  # the hand-worked figure of test_totals


def test_a_year_and_a_films_scope_read_the_same_numbers_through_the_roll_up(record):
    """The annual report's scopes (``audience_totals(year=…, films=…)``) before and after the roll-up."""
    from projects.models import VideoProject

    only_f1 = VideoProject.objects.filter(pk=record["f1"].pk)
    scopes = [{"year": Y1}, {"year": Y2}, {"films": only_f1}, {"year": Y1, "films": only_f1}]
    before = [_online(audience_totals(**scope)) for scope in scopes]
    assert [b["overall"] for b in before] == [3, 1, 3, 2]  # c1 in Y1: f1 twice, f2 once; c2 in Y2: f1 once
    rollups.views_roll_up()
    assert [_online(audience_totals(**scope)) for scope in scopes] == before


def test_views_on_both_sides_of_the_mark_add_up_exactly(record):
    rollups.views_roll_up()
    c1, f1 = record["c1"], record["f1"]
    for hour in (1, 23):  # local 2 June 01:00 and 23:00: the same rolled-up day, the same month
        services.view_count(event=c1, film=f1, viewer_id=uuid.uuid4(), at=local(Y1, 6, 2, hour))
    totals = audience_totals()
    assert table(totals.by_film)[f1.pk] == (5, 130, 135)
    assert table(totals.by_month)[(Y1, 6)] == (5, 0, 5)
    assert totals.overall.online == 6
    assert rollups.views_roll_up() == 2
    assert rollups.views_roll_up() == 0  # twice: nothing more
    assert ViewRollup.objects.get(event=c1, film=f1, day=dt.date(Y1, 6, 2)).views == 4
    assert _online(audience_totals()) == _online(totals)


def test_the_roll_up_counts_the_day_in_the_sites_time_zone(film, organiser, settings):
    assert settings.TIME_ZONE == "Asia/Shanghai"
    event = services.event_create(user=organiser, kind=Event.Kind.CLOUD, title="跨零点", platform="五华先锋",
                                  starts_at=local(Y1, 6, 30), ends_at=local(Y1, 7, 2))
    services.slot_add(event=event, user=organiser, film=film)
    # 30 June 23:30 in Kunming is 15:30 UTC: the day is the 30th, the month June.
    services.view_count(event=event, film=film, viewer_id=uuid.uuid4(), at=local(Y1, 6, 30, 23) + dt.timedelta(minutes=30))
    rollups.views_roll_up()
    assert ViewRollup.objects.get().day == dt.date(Y1, 6, 30)
    assert table(audience_totals().by_month) == {(Y1, 6): (1, 0, 1)}


def test_the_command_rolls_up(record, capsys):
    call_command("screenings_roll_up")
    assert "rolled up: 4" in capsys.readouterr().out


def test_the_beacon_asks_for_a_roll_up_every_so_many_views(film, organiser, monkeypatch):
    from django_tasks_db.models import DBTaskResult

    event = services.event_create(user=organiser, kind=Event.Kind.CLOUD, title="进行中", platform="五华先锋",
                                  starts_at=timezone.now() - dt.timedelta(hours=1), ends_at=timezone.now() + dt.timedelta(hours=1))
    services.slot_add(event=event, user=organiser, film=film)
    monkeypatch.setattr(rollups, "ROLL_UP_EVERY", 3)
    views = [services.view_count(event=event, film=film, viewer_id=uuid.uuid4()) for _ in range(7)]
    ids = list(OnlineView.objects.order_by("pk").values_list("pk", flat=True))
    asked = DBTaskResult.objects.filter(task_path="screenings.tasks.roll_up_views")
    assert views == [True] * 7 and asked.count() == sum(1 for pk in ids if pk % 3 == 0) >= 2
    assert asked.first().task.call() == 7  # what the worker then does: add them all up
    assert audience_totals().overall.online == 7


needs_postgres = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="needs real concurrent transactions")


@pytest.mark.postgres
@needs_postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_views_counted_while_the_roll_up_runs_are_neither_lost_nor_doubled(film, organiser):
    event = services.event_create(user=organiser, kind=Event.Kind.CLOUD, title="进行中", platform="五华先锋",
                                  starts_at=timezone.now() - dt.timedelta(hours=1), ends_at=timezone.now() + dt.timedelta(hours=1))
    services.slot_add(event=event, user=organiser, film=film)
    stop, errors, counted = threading.Event(), [], []

    def beacons():
        try:
            while not stop.is_set():
                if services.view_count(event=event, film=film, viewer_id=uuid.uuid4()):
                    counted.append(1)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=beacons) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        for _ in range(10):
            rollups.views_roll_up()
            # Between two reads the beacons go on counting: the totals lie between the two.
            low = OnlineView.objects.count()
            online = audience_totals().overall.online
            assert low <= online <= OnlineView.objects.count()
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
    assert not errors, errors
    rollups.views_roll_up()
    assert sum(ViewRollup.objects.values_list("views", flat=True)) == OnlineView.objects.count() == len(counted) > 0
    assert audience_totals().overall.online == len(counted)


def test_a_roll_up_between_reading_the_mark_and_the_totals_neither_hides_nor_doubles_a_view(record):
    rows = rollups.totals_rows()  # the mark read now, the statement run below (querysets are lazy)
    assert rollups.views_roll_up() == 4
    assert sum(n for *_, n in rows) == 4
    c1 = record["c1"]
    services.view_count(event=c1, film=record["f1"], viewer_id=uuid.uuid4(), at=local(Y1, 6, 2, 11))
    assert sum(n for *_, n in rollups.totals_rows()) == 5
