"""Editing an event or a slot checks everything again, leaving the thing edited out of its own way."""

import pytest
from django.utils import translation

from screenings import services
from screenings.models import Event, Slot
from studio.errors import Conflict, Forbidden
from tests.support.screenings import at


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def week_fields(event, **changes):
    return {"title": event.title, "starts_at": event.starts_at, "ends_at": event.ends_at, **changes}


def course_fields(event, **changes):
    return {"title": event.title, "starts_at": event.starts_at, "ends_at": event.ends_at, "course_kind": event.course_kind,
            "course_name": event.course_name, "venue": event.venue, "roster_size": event.roster_size, **changes}


def test_a_slot_moved_within_its_own_time_does_not_clash_with_itself(film_week, film, cinema, organiser):
    slot = services.slot_add(event=film_week, user=organiser, film=film, venue=cinema, starts_at=at(1, "14:00"), ends_at=at(1, "16:00"))
    moved = services.slot_update(slot=slot, user=organiser, film=film, venue=cinema, starts_at=at(1, "15:00"), ends_at=at(1, "17:00"),
                                 expected_audience=200)
    assert (moved.starts_at, moved.expected_audience) == (at(1, "15:00"), 200)


def test_a_slot_moved_onto_another_is_refused_and_stays_where_it_was(film_week, film, film2, cinema, organiser):
    services.slot_add(event=film_week, user=organiser, film=film, venue=cinema, starts_at=at(1, "14:00"), ends_at=at(1, "16:00"))
    second = services.slot_add(event=film_week, user=organiser, film=film2, venue=cinema, starts_at=at(2, "14:00"), ends_at=at(2, "16:00"))
    with pytest.raises(Conflict) as info:
        services.slot_update(slot=second, user=organiser, film=film2, venue=cinema, starts_at=at(1, "15:00"), ends_at=at(1, "17:00"))
    assert "“五华山下的初心故事” in “2026年党员教育电影周”" in str(info.value.message)
    assert Slot.objects.get(pk=second.pk).starts_at == at(2, "14:00")


def test_an_edited_course_does_not_clash_with_its_own_booking_or_slots(course, film, organiser):
    services.slot_add(event=course, user=organiser, film=film, starts_at=at(2, "09:30"), ends_at=at(2, "10:30"))
    services.event_update(event=course, user=organiser, **course_fields(course, ends_at=at(2, "13:00"), title="发展党员培训班（延长）"))
    course.refresh_from_db()
    assert (course.title, course.ends_at) == ("发展党员培训班（延长）", at(2, "13:00"))


def test_a_course_moved_onto_a_booked_venue_is_refused(course, film_week, film, cinema, organiser):
    services.slot_add(event=film_week, user=organiser, film=film, venue=cinema, starts_at=at(2, "10:00"), ends_at=at(2, "11:00"))
    with pytest.raises(Conflict) as info:
        services.event_update(event=course, user=organiser, **course_fields(course, venue=cinema))
    assert str(info.value.message) == f"红色影院 is booked {at(2).date()} 10:00–11:00: “五华山下的初心故事” in “2026年党员教育电影周”."
    assert Event.objects.get(pk=course.pk).venue.name == "华山街道党群服务中心"


def test_a_course_moved_to_a_free_venue_takes_its_slots_along(course, film, cinema, organiser):
    slot = services.slot_add(event=course, user=organiser, film=film, starts_at=at(2, "09:30"), ends_at=at(2, "10:30"))
    services.event_update(event=course, user=organiser, **course_fields(course, venue=cinema))
    assert Slot.objects.get(pk=slot.pk).venue == cinema


def test_a_course_moved_to_a_smaller_venue_than_its_roster_is_refused(course, organiser, db):
    from screenings.models import Venue

    room = Venue.objects.create(name="小会议室", capacity=30)
    with pytest.raises(Conflict) as info:
        services.event_update(event=course, user=organiser, **course_fields(course, venue=room))
    assert str(info.value.message) == "The roster of 80 is more than 小会议室 holds (30 seats)."


def test_shortening_an_event_past_one_of_its_slots_is_refused_naming_the_slot(film_week, film, cinema, organiser):
    services.slot_add(event=film_week, user=organiser, film=film, venue=cinema, starts_at=at(6, "14:00"), ends_at=at(6, "16:00"))
    with pytest.raises(Conflict) as info:
        services.event_update(event=film_week, user=organiser, **week_fields(film_week, ends_at=at(5)))
    assert str(info.value.message) == (f"“五华山下的初心故事” ({at(6).date()} 14:00–16:00) would lie outside “2026年党员教育电影周”, "
                                       f"which would run {at(0).date()} 00:00 – {at(5).date()} 00:00.")
    assert Event.objects.get(pk=film_week.pk).ends_at == at(7)


def test_a_cloud_showings_whole_window_films_follow_its_window(cloud, film, film2, organiser):
    whole = services.slot_add(event=cloud, user=organiser, film=film)
    part = services.slot_add(event=cloud, user=organiser, film=film2, starts_at=at(1, "08:00"), ends_at=at(1, "22:00"))
    services.event_update(event=cloud, user=organiser, title=cloud.title, platform="五华先锋", starts_at=at(0, "08:00"), ends_at=at(5, "22:00"))
    assert (Slot.objects.get(pk=whole.pk).ends_at, Slot.objects.get(pk=part.pk).ends_at) == (at(5, "22:00"), at(1, "22:00"))


def test_another_organiser_may_not_edit_or_remove(film_week, film, cinema, organiser, organiser_b):
    slot = services.slot_add(event=film_week, user=organiser, film=film, venue=cinema, starts_at=at(1, "14:00"), ends_at=at(1, "16:00"))
    with pytest.raises(Forbidden):
        services.event_update(event=film_week, user=organiser_b, **week_fields(film_week, title="改名"))
    with pytest.raises(Forbidden):
        services.slot_remove(slot=slot, user=organiser_b)
    assert Event.objects.get(pk=film_week.pk).title == "2026年党员教育电影周" and Slot.objects.filter(pk=slot.pk).exists()


def test_a_slot_without_an_audience_can_be_removed(film_week, film, cinema, organiser):
    slot = services.slot_add(event=film_week, user=organiser, film=film, venue=cinema, starts_at=at(1, "14:00"), ends_at=at(1, "16:00"))
    services.slot_remove(slot=slot, user=organiser)
    assert not Slot.objects.exists()
