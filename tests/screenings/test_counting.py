"""Audiences: headcounts entered per showing (corrections keep the history), online views counted
once per viewer, film and cloud showing — also when the same viewer's beacons race on PostgreSQL."""

import datetime as dt
import threading
import uuid

import pytest
from django.db import connection, connections  # noqa: F401  (connection: read by the skipif condition)
from django.utils import timezone, translation

from screenings import services
from screenings.models import Event, InPersonCount, OnlineView, Slot
from studio.errors import Conflict, Forbidden, Invalid

needs_postgres = pytest.mark.skipif(
    "connection.vendor != 'postgresql'",
    reason="needs real concurrent transactions: runs on PostgreSQL (DATABASE_URL), as CI does",
)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def hours_ago(n):
    return timezone.now() - dt.timedelta(hours=n)


@pytest.fixture
def past_week(organiser):
    return services.event_create(user=organiser, kind=Event.Kind.FILM_WEEK, title="上周的电影周",
                                 starts_at=hours_ago(24 * 6), ends_at=hours_ago(1))


@pytest.fixture
def shown(past_week, film, cinema, organiser):
    """A showing that has taken place."""
    return services.slot_add(event=past_week, user=organiser, film=film, venue=cinema, starts_at=hours_ago(5), ends_at=hours_ago(3))


@pytest.fixture
def live_cloud(organiser, film):
    event = services.event_create(user=organiser, kind=Event.Kind.CLOUD, title="正在进行的云展播", platform="五华先锋",
                                  starts_at=hours_ago(2), ends_at=timezone.now() + dt.timedelta(days=2))
    services.slot_add(event=event, user=organiser, film=film)
    return event


# --- in person -------------------------------------------------------------------------------


def test_a_headcount_is_recorded_and_a_correction_keeps_the_first(shown, organiser, office):
    first = services.inperson_record(slot=shown, user=organiser, headcount=210, roster=250)
    second = services.inperson_record(slot=shown, user=office, headcount=230)
    rows = list(InPersonCount.objects.filter(slot=shown).order_by("pk").values_list("headcount", "roster", "current", "recorded_by"))
    assert rows == [(210, 250, False, organiser.pk), (230, None, True, office.pk)]
    assert first.pk != second.pk


def test_a_course_headcount_is_against_its_roster_unless_another_is_given(organiser, hall, course_kinds, film):
    course = services.event_create(user=organiser, kind=Event.Kind.COURSE, title="已结束的培训班", course_kind=course_kinds["activists"],
                                   venue=hall, roster_size=90, starts_at=hours_ago(8), ends_at=hours_ago(4))
    slot = services.slot_add(event=course, user=organiser, film=film)
    assert services.inperson_record(slot=slot, user=organiser, headcount=85).roster == 90


@pytest.mark.parametrize("headcount, refused, message", [
    (-1, Invalid, "A headcount must be between 0 and 1000000."),
    (10**9, Invalid, "A headcount must be between 0 and 1000000."),
    (301, Conflict, "A headcount of 301 is more than 红色影院 holds (300 seats)."),
])
def test_a_negative_or_absurd_headcount_is_refused(shown, organiser, headcount, refused, message):
    with pytest.raises(refused) as info:
        services.inperson_record(slot=shown, user=organiser, headcount=headcount)
    assert str(info.value.message) == message
    assert not InPersonCount.objects.exists()


def test_a_showing_that_has_not_begun_has_no_headcount_yet(film_week, film, cinema, organiser):
    from tests.support.screenings import at

    slot = services.slot_add(event=film_week, user=organiser, film=film, venue=cinema, starts_at=at(1, "14:00"), ends_at=at(1, "16:00"))
    with pytest.raises(Conflict):
        services.inperson_record(slot=slot, user=organiser, headcount=10)


def test_a_cloud_showings_audience_is_not_entered_by_hand(live_cloud, organiser):
    with pytest.raises(Conflict) as info:
        services.inperson_record(slot=live_cloud.slots.get(), user=organiser, headcount=10)
    assert str(info.value.message) == "A cloud showing's audience is counted by its link, not entered by hand."


def test_another_organiser_may_not_record_a_headcount(shown, organiser_b):
    with pytest.raises(Forbidden):
        services.inperson_record(slot=shown, user=organiser_b, headcount=10)


def test_a_showing_with_a_headcount_stays_on_the_record(shown, organiser, film2, cinema):
    services.inperson_record(slot=shown, user=organiser, headcount=100)
    with pytest.raises(Conflict):
        services.slot_remove(slot=shown, user=organiser)
    with pytest.raises(Conflict):
        services.slot_update(slot=shown, user=organiser, film=film2, venue=cinema, starts_at=shown.starts_at, ends_at=shown.ends_at)
    assert Slot.objects.get(pk=shown.pk).film_id == shown.film_id


# --- online ----------------------------------------------------------------------------------


def test_the_same_viewer_counts_once_and_two_viewers_twice(live_cloud, film):
    viewer, other = uuid.uuid4(), uuid.uuid4()
    assert services.view_count(event=live_cloud, film=film, viewer_id=viewer) is True
    assert services.view_count(event=live_cloud, film=film, viewer_id=viewer) is False
    assert services.view_count(event=live_cloud, film=film, viewer_id=other) is True
    assert OnlineView.objects.filter(event=live_cloud, film=film).count() == 2


def test_a_view_of_a_film_the_event_does_not_show_is_refused(live_cloud, film2):
    with pytest.raises(Invalid) as info:
        services.view_count(event=live_cloud, film=film2, viewer_id=uuid.uuid4())
    assert str(info.value.message) == "“正在进行的云展播” does not show this film."
    assert not OnlineView.objects.exists()


def test_a_view_outside_the_window_is_refused(live_cloud, film):
    with pytest.raises(Conflict):
        services.view_count(event=live_cloud, film=film, viewer_id=uuid.uuid4(), at=timezone.now() + dt.timedelta(days=3))
    assert not OnlineView.objects.exists()


def test_only_cloud_showings_count_online_views(shown, film):
    with pytest.raises(Conflict):
        services.view_count(event=shown.event, film=film, viewer_id=uuid.uuid4())


def test_a_cloud_film_with_views_stays_on_the_record(live_cloud, film, organiser):
    services.view_count(event=live_cloud, film=film, viewer_id=uuid.uuid4())
    with pytest.raises(Conflict):
        services.slot_remove(slot=live_cloud.slots.get(), user=organiser)


def race(*jobs):
    """Each job in its own thread and database connection; ``ready()`` waits for all of them."""
    barrier = threading.Barrier(len(jobs))
    errors = []

    def run(job):
        try:
            job(lambda: barrier.wait(timeout=10))
        except Exception as exc:  # reported below: a thread's exception would otherwise vanish
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors


@pytest.mark.postgres
@needs_postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_racing_beacons_of_one_viewer_count_once(live_cloud, film):
    viewer, results = uuid.uuid4(), []

    def beacon(ready):
        ready()
        results.append(services.view_count(event=live_cloud, film=film, viewer_id=viewer))

    race(*[beacon] * 8)
    assert sorted(results) == [False] * 7 + [True]
    assert OnlineView.objects.filter(event=live_cloud, film=film, viewer_id=viewer).count() == 1


@pytest.mark.postgres
@needs_postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_organisers_booking_one_venue_at_once_one_wins_the_other_hears_the_clash(film, film2, cinema, organiser, office):
    from tests.support.screenings import at

    weeks = [services.event_create(user=who, kind=Event.Kind.FILM_WEEK, title=f"电影周{n}", starts_at=at(0), ends_at=at(7))
             for n, who in enumerate([organiser, office])]
    outcomes = []

    def book(event, who, what):
        def job(ready):
            translation.activate("en")  # the language is per thread
            ready()
            try:
                services.slot_add(event=event, user=who, film=what, venue=cinema, starts_at=at(1, "14:00"), ends_at=at(1, "16:00"))
                outcomes.append("booked")
            except Conflict as exc:
                outcomes.append(str(exc.message))

        return job

    race(book(weeks[0], organiser, film), book(weeks[1], office, film2))
    assert sorted(outcomes)[0] == "booked" and "红色影院 is booked" in sorted(outcomes)[1], outcomes
    assert Slot.objects.filter(venue=cinema).count() == 1


# --- the beacon's one-statement path (services.view_count_by_link) ----------------------------


def _claim(link):
    from screenings import links

    return links.claim_of(links.token_for(link))


@pytest.fixture
def live_link(live_cloud, film, organiser):
    return services.link_create(event=live_cloud, user=organiser, film=film, label="五华先锋")


def test_the_link_path_counts_a_viewer_once_and_another_again(live_link):
    viewer = uuid.uuid4()
    assert services.view_count_by_link(claim=_claim(live_link), viewer_id=viewer) is True
    assert services.view_count_by_link(claim=_claim(live_link), viewer_id=viewer) is False
    assert services.view_count_by_link(claim=_claim(live_link), viewer_id=uuid.uuid4()) is True
    rows = OnlineView.objects.filter(event=live_link.event, film=live_link.film)
    assert rows.count() == 2 and rows.filter(viewer_id=viewer).count() == 1


def _revoke(link, organiser, **_):
    services.link_revoke(link=link, user=organiser)


def _expire(link, organiser, **_):
    type(link).objects.filter(pk=link.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))


def _close(link, organiser, **_):
    services.event_update(event=link.event, user=organiser, title=link.event.title, platform="五华先锋",
                          starts_at=hours_ago(3), ends_at=hours_ago(1))


def _unprogramme(link, organiser, **_):
    Slot.objects.filter(event=link.event, film=link.film).delete()


def _other_nonce(link, organiser, **_):
    type(link).objects.filter(pk=link.pk).update(nonce="someone-else")


@pytest.mark.parametrize("change, status", [
    (_revoke, "revoked"), (_expire, "expired"), (_close, "after"), (_unprogramme, "gone"), (_other_nonce, "bad"),
])
def test_the_link_path_stops_counting_with_the_next_beacon_when_the_link_stops_playing(live_link, organiser, change, status):
    from screenings import links

    claim = _claim(live_link)
    assert services.view_count_by_link(claim=claim, viewer_id=uuid.uuid4()) is True
    change(live_link, organiser)
    # What the link path refuses is what the page refuses, with nothing cached in between.
    assert links.open_token(links.token_for(live_link)).status == status
    assert services.view_count_by_link(claim=claim, viewer_id=uuid.uuid4()) is None
    assert OnlineView.objects.count() == 1


def test_the_link_path_counts_nothing_for_a_link_of_another_kind_of_event(shown, film, organiser):
    from screenings.models import ViewerLink

    # Not reachable through the services (links are made for cloud showings only): a row put in by hand.
    link = ViewerLink.objects.create(event=shown.event, film=film, expires_at=timezone.now() + dt.timedelta(days=1), created_by=organiser)
    assert services.view_count_by_link(claim=_claim(link), viewer_id=uuid.uuid4()) is None
    assert not OnlineView.objects.exists()


def test_a_tampered_or_expired_token_makes_no_claim(live_link):
    from django.core import signing

    from screenings import links

    token = links.token_for(live_link)
    assert links.claim_of(token[:-2] + "xx") is None
    assert links.claim_of(token, now=live_link.expires_at) is None
    forged = signing.Signer(salt=links.FILE_SALT).sign_object({"l": live_link.pk, "n": live_link.nonce})
    assert links.claim_of(forged) is None


@pytest.mark.postgres
@needs_postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_racing_beacons_through_the_link_count_each_viewer_once(live_link):
    viewers = [uuid.uuid4() for _ in range(3)]
    claim, results = _claim(live_link), []

    def beacon(viewer):
        def job(ready):
            ready()
            results.append((viewer, services.view_count_by_link(claim=claim, viewer_id=viewer)))
        return job

    race(*[beacon(v) for v in viewers for _ in range(4)])
    for viewer in viewers:
        assert sorted(counted for v, counted in results if v == viewer) == [False, False, False, True]
    assert OnlineView.objects.filter(event=live_link.event).count() == 3
