"""View beacons written behind in batches (``screenings.ingest``, production on PostgreSQL): a
beacon answers 202 and is counted at the next flush, once per viewer, event and film, with the
link's checks made for the time the beacon came; a link that stopped playing counts nothing more
from the flush on; a failed flush keeps its beacons; the writer thread flushes on its own."""

import datetime as dt
import os
import threading
import time
import uuid

import pytest
from django.db import connection, connections  # noqa: F401  (connection: read by the skipif condition)
from django.test import Client
from django.utils import timezone

from screenings import ingest, links, services
from screenings.models import Event, OnlineView, Slot

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the batch statement reads arrays: PostgreSQL (DATABASE_URL), as CI runs it"),
]


@pytest.fixture
def buffered(settings, monkeypatch):
    """Buffering on, with no writer thread of its own: the test flushes (in its own transaction)."""
    settings.REELWORK_VIEW_BUFFER_MS = 60_000
    monkeypatch.setattr(ingest, "_writer", (os.getpid(), threading.Event(), None))  # a writer that never writes
    monkeypatch.setattr(ingest, "_pending", [])
    return ingest


@pytest.fixture
def link(organiser, film):
    now = timezone.now()
    event = services.event_create(user=organiser, kind=Event.Kind.CLOUD, title="正在进行的云展播", platform="五华先锋",
                                  starts_at=now - dt.timedelta(hours=2), ends_at=now + dt.timedelta(days=2))
    services.slot_add(event=event, user=organiser, film=film)
    return services.link_create(event=event, user=organiser, film=film, label="五华先锋")


def claim(link):
    return links.claim_of(links.token_for(link))


def test_beacons_count_at_the_flush_once_per_viewer_whatever_repeats_and_links(buffered, link, organiser, film):
    other = services.link_create(event=link.event, user=organiser, film=film, label="学习强国")
    one, two = uuid.uuid4(), uuid.uuid4()
    for c, viewer in [(claim(link), one), (claim(link), one), (claim(other), one), (claim(link), two)]:
        ingest.offer(c, viewer)
    assert ingest.pending() == 4 and not OnlineView.objects.exists()
    assert ingest.flush() == 2
    assert sorted(OnlineView.objects.values_list("viewer_id", flat=True)) == sorted([one, two])
    # A later batch with the same viewers adds nothing; a new one counts.
    ingest.offer(claim(link), one)
    ingest.offer(claim(link), three := uuid.uuid4())
    assert ingest.flush() == 1 and OnlineView.objects.filter(viewer_id=three).count() == 1
    assert ingest.flush() == 0


def _revoke(link, organiser):
    services.link_revoke(link=link, user=organiser)


def _unprogramme(link, organiser):
    Slot.objects.filter(event=link.event, film=link.film).delete()


def _other_nonce(link, organiser):
    type(link).objects.filter(pk=link.pk).update(nonce="someone-else")


@pytest.mark.parametrize("change", [_revoke, _unprogramme, _other_nonce])
def test_a_link_that_stopped_playing_counts_nothing_from_the_flush_on(buffered, link, organiser, change):
    ingest.offer(claim(link), uuid.uuid4())
    change(link, organiser)
    assert ingest.flush() == 0 and not OnlineView.objects.exists()


def test_a_beacon_counts_for_the_time_it_came_not_the_flush(buffered, link):
    ends_at = link.event.slots.get().ends_at
    ingest.offer(claim(link), late := uuid.uuid4(), at=ends_at + dt.timedelta(seconds=1))  # after the window
    ingest.offer(claim(link), early := uuid.uuid4(), at=ends_at - dt.timedelta(seconds=1))
    assert ingest.flush() == 1
    view = OnlineView.objects.get()
    assert view.viewer_id == early and view.counted_at == ends_at - dt.timedelta(seconds=1)
    assert not OnlineView.objects.filter(viewer_id=late).exists()


def test_the_page_beacon_answers_202_and_counts_once_across_a_reload(buffered, live):
    browser = Client()
    assert browser.get(live.page).status_code == 200  # the page gives this browser its viewer id
    first = browser.post(live.seen)
    assert browser.get(live.page).status_code == 200
    again = browser.post(live.seen)
    assert (first.status_code, first.json()) == (202, {"queued": True}) and again.status_code == 202
    assert first["Cache-Control"] == "no-store"
    assert ingest.flush() == 1 and OnlineView.objects.filter(event=live.event, film=live.film).count() == 1
    # What needs no database is still refused in the request: no viewer cookie, a tampered token.
    assert Client().post(live.seen).status_code == 400
    assert browser.post(f"/watch/{live.token[:-2]}xx/seen").status_code == 404
    assert ingest.pending() == 0


def test_a_failed_flush_keeps_its_beacons_for_the_next(buffered, link, monkeypatch):
    ingest.offer(claim(link), viewer := uuid.uuid4())
    with monkeypatch.context() as broken:
        broken.setattr(ingest, "_FLUSH_SQL", "SELECT no_such_function()")
        with pytest.raises(Exception, match="no_such_function"):
            ingest.flush()
    assert ingest.pending() == 1
    assert ingest.flush() == 1 and OnlineView.objects.get().viewer_id == viewer


def test_while_the_database_is_away_a_process_keeps_at_most_max_pending_beacons(buffered, link, monkeypatch):
    monkeypatch.setattr(ingest, "MAX_PENDING", 3)
    viewers = [uuid.uuid4() for _ in range(5)]
    for viewer in viewers:
        ingest.offer(claim(link), viewer)
    with monkeypatch.context() as broken:
        broken.setattr(ingest, "_FLUSH_SQL", "SELECT no_such_function()")
        with pytest.raises(Exception, match="no_such_function"):
            ingest.flush()
    assert ingest.pending() == 3
    assert ingest.flush() == 3  # the newest three
    assert set(OnlineView.objects.values_list("viewer_id", flat=True)) == set(viewers[2:])


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_writer_thread_flushes_on_its_own(settings, monkeypatch, link):
    settings.REELWORK_VIEW_BUFFER_MS = 50
    monkeypatch.setattr(ingest, "_writer", None)  # this process has no writer yet: offer starts one
    monkeypatch.setattr(ingest, "_pending", [])
    try:
        ingest.offer(claim(link), viewer := uuid.uuid4())
        deadline = time.monotonic() + 10
        while not OnlineView.objects.filter(viewer_id=viewer).exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert OnlineView.objects.filter(viewer_id=viewer).count() == 1
        assert ingest.pending() == 0
    finally:
        ingest.stop_writer()
