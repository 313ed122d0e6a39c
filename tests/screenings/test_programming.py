"""Programming films into events: clashes, capacity, windows and the films' state, each refused
with the other booking named, and the first programming of a film starting its screening."""

import pytest
from django.utils import translation

from projects.models import ProjectTransition, State, VideoProject
from screenings import services
from screenings.models import Event, Slot
from studio.errors import Conflict, Forbidden, Invalid
from tests.support.screenings import at


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def refusal(refused, call, **kwargs):
    with pytest.raises(refused) as info:
        call(**kwargs)
    return str(info.value.message)


def test_a_film_week_slot_is_programmed_in_its_venue(film_week, film, cinema, organiser):
    slot = services.slot_add(event=film_week, user=organiser, film=film, venue=cinema,
                             starts_at=at(1, "14:00"), ends_at=at(1, "16:00"), expected_audience=250)
    assert (slot.venue, slot.starts_at, slot.ends_at, slot.expected_audience) == (cinema, at(1, "14:00"), at(1, "16:00"), 250)


def test_a_slot_overlapping_another_in_the_same_venue_is_refused_naming_it(film_week, film, film2, cinema, organiser):
    services.slot_add(event=film_week, user=organiser, film=film, venue=cinema, starts_at=at(1, "14:00"), ends_at=at(1, "16:00"))
    other_week = services.event_create(user=organiser, kind=Event.Kind.FILM_WEEK, title="红色影院专场周", starts_at=at(0), ends_at=at(5))

    message = refusal(Conflict, services.slot_add, event=other_week, user=organiser, film=film2, venue=cinema,
                      starts_at=at(1, "15:30"), ends_at=at(1, "17:00"))

    day = at(1).date().isoformat()
    assert message == f"红色影院 is booked {day} 14:00–16:00: “五华山下的初心故事” in “2026年党员教育电影周”."
    assert Slot.objects.count() == 1


def test_back_to_back_slots_in_one_venue_do_not_clash(film_week, film, film2, cinema, organiser):
    services.slot_add(event=film_week, user=organiser, film=film, venue=cinema, starts_at=at(1, "14:00"), ends_at=at(1, "16:00"))
    services.slot_add(event=film_week, user=organiser, film=film2, venue=cinema, starts_at=at(1, "16:00"), ends_at=at(1, "18:00"))
    assert Slot.objects.count() == 2


def test_the_same_time_in_another_venue_does_not_clash(film_week, film, cinema, hall, organiser):
    services.slot_add(event=film_week, user=organiser, film=film, venue=cinema, starts_at=at(1, "14:00"), ends_at=at(1, "16:00"))
    services.slot_add(event=film_week, user=organiser, film=film, venue=hall, starts_at=at(1, "14:00"), ends_at=at(1, "16:00"))
    assert Slot.objects.count() == 2


def test_a_venue_booked_by_a_course_is_refused_to_a_film_week_naming_the_course(course, film_week, film, hall, organiser):
    message = refusal(Conflict, services.slot_add, event=film_week, user=organiser, film=film, venue=hall,
                      starts_at=at(2, "11:00"), ends_at=at(2, "13:00"))
    assert message == f"华山街道党群服务中心 is booked for the course “发展党员培训班第一期”, {at(2).date()} 09:00–12:00."


def test_a_course_in_a_venue_a_film_week_slot_holds_is_refused_naming_the_slot(film_week, film, hall, organiser, course_kinds):
    services.slot_add(event=film_week, user=organiser, film=film, venue=hall, starts_at=at(4, "19:00"), ends_at=at(4, "21:00"))
    message = refusal(Conflict, services.event_create, user=organiser, kind=Event.Kind.COURSE, title="入党积极分子培训",
                      course_kind=course_kinds["activists"], venue=hall, roster_size=50,
                      starts_at=at(4, "18:00"), ends_at=at(4, "20:00"))
    assert message == f"华山街道党群服务中心 is booked {at(4).date()} 19:00–21:00: “五华山下的初心故事” in “2026年党员教育电影周”."
    assert Event.objects.filter(kind=Event.Kind.COURSE).count() == 0


def test_two_courses_in_one_venue_at_overlapping_times_are_refused(course, organiser, hall, course_kinds):
    message = refusal(Conflict, services.event_create, user=organiser, kind=Event.Kind.COURSE, title="党务工作专题研讨班",
                      course_kind=course_kinds["party_affairs"], venue=hall, starts_at=at(2, "11:30"), ends_at=at(2, "15:00"))
    assert "“发展党员培训班第一期”" in message and "09:00–12:00" in message


def test_a_course_shows_its_films_in_its_venue_and_slots_inside_it_clash_with_each_other(course, film, film2, organiser, hall):
    first = services.slot_add(event=course, user=organiser, film=film, starts_at=at(2, "09:30"), ends_at=at(2, "10:30"))
    assert first.venue == hall
    message = refusal(Conflict, services.slot_add, event=course, user=organiser, film=film2,
                      starts_at=at(2, "10:00"), ends_at=at(2, "11:00"))
    assert "“五华山下的初心故事” in “发展党员培训班第一期”" in message
    services.slot_add(event=course, user=organiser, film=film2, starts_at=at(2, "10:30"), ends_at=at(2, "11:30"))


def test_a_course_slot_without_times_runs_the_whole_course(course, film, organiser):
    slot = services.slot_add(event=course, user=organiser, film=film)
    assert (slot.starts_at, slot.ends_at) == (course.starts_at, course.ends_at)


def test_a_course_slot_in_another_venue_is_refused(course, film, cinema, organiser):
    message = refusal(Invalid, services.slot_add, event=course, user=organiser, film=film, venue=cinema)
    assert message == "A course's films are shown in the course's venue, 华山街道党群服务中心."


def test_an_expected_audience_over_the_venues_seats_is_refused(film_week, film, hall, organiser):
    message = refusal(Conflict, services.slot_add, event=film_week, user=organiser, film=film, venue=hall,
                      starts_at=at(1, "14:00"), ends_at=at(1, "16:00"), expected_audience=121)
    assert message == "The expected audience of 121 is more than 华山街道党群服务中心 holds (120 seats)."
    services.slot_add(event=film_week, user=organiser, film=film, venue=hall, starts_at=at(1, "14:00"), ends_at=at(1, "16:00"),
                      expected_audience=120)


def test_a_course_roster_over_the_venues_seats_is_refused(organiser, hall, course_kinds):
    message = refusal(Conflict, services.event_create, user=organiser, kind=Event.Kind.COURSE, title="万名党员进党校",
                      course_kind=course_kinds["party_school"], venue=hall, roster_size=500,
                      starts_at=at(3, "09:00"), ends_at=at(3, "17:00"))
    assert message == "The roster of 500 is more than 华山街道党群服务中心 holds (120 seats)."


@pytest.mark.parametrize("state", [State.TOPIC, State.PRODUCTION, State.PANEL_REVIEW, State.ARCHIVED, State.CANCELLED])
def test_only_approved_films_can_be_programmed(make_project, film_week, cinema, organiser, state):
    project = make_project(state, title="还没审完的片子")
    message = refusal(Conflict, services.slot_add, event=film_week, user=organiser, film=project, venue=cinema,
                      starts_at=at(1, "14:00"), ends_at=at(1, "16:00"))
    assert message.startswith("“还没审完的片子” is “") and message.endswith("”: only approved films can be programmed.")
    assert not Slot.objects.exists()
    assert VideoProject.objects.get(pk=project.pk).state == state


def test_an_event_whose_end_precedes_its_start_is_refused(organiser):
    message = refusal(Invalid, services.event_create, user=organiser, kind=Event.Kind.FILM_WEEK, title="倒着的电影周",
                      starts_at=at(7), ends_at=at(0))
    assert message == f"The end ({at(0):%Y-%m-%d} 00:00) must come after the start ({at(7):%Y-%m-%d} 00:00)."
    assert not Event.objects.exists()


def test_a_slot_whose_end_precedes_its_start_is_refused(film_week, film, cinema, organiser):
    with pytest.raises(Invalid):
        services.slot_add(event=film_week, user=organiser, film=film, venue=cinema, starts_at=at(1, "16:00"), ends_at=at(1, "14:00"))


def test_a_slot_outside_a_cloud_showings_window_is_refused(cloud, film, organiser):
    message = refusal(Conflict, services.slot_add, event=cloud, user=organiser, film=film,
                      starts_at=at(3, "20:00"), ends_at=at(4, "08:00"))
    assert message == (f"The showing ({at(3):%Y-%m-%d} 20:00 – {at(4):%Y-%m-%d} 08:00) lies outside ““五华先锋”云展播”, "
                       f"which runs {at(0):%Y-%m-%d} 08:00 – {at(3):%Y-%m-%d} 22:00.")


def test_a_cloud_showing_offers_a_film_for_its_whole_window_and_only_once(cloud, film, organiser):
    slot = services.slot_add(event=cloud, user=organiser, film=film)
    assert (slot.venue, slot.starts_at, slot.ends_at) == (None, cloud.starts_at, cloud.ends_at)
    message = refusal(Conflict, services.slot_add, event=cloud, user=organiser, film=film)
    assert message == "“五华山下的初心故事” is already in ““五华先锋”云展播”."


def test_a_cloud_showing_has_no_venue(cloud, film, hall, organiser):
    with pytest.raises(Invalid):
        services.slot_add(event=cloud, user=organiser, film=film, venue=hall)


def test_a_film_week_slot_needs_a_venue_and_times(film_week, film, cinema, organiser):
    with pytest.raises(Invalid):
        services.slot_add(event=film_week, user=organiser, film=film, starts_at=at(1, "14:00"), ends_at=at(1, "16:00"))
    with pytest.raises(Invalid):
        services.slot_add(event=film_week, user=organiser, film=film, venue=cinema)


# --- starting the screening ------------------------------------------------------------------


def test_programming_a_film_the_first_time_starts_its_screening_once(film_week, film, cinema, hall, organiser):
    services.slot_add(event=film_week, user=organiser, film=film, venue=cinema, starts_at=at(1, "14:00"), ends_at=at(1, "16:00"))
    film.refresh_from_db()
    assert film.state == State.SCREENING
    services.slot_add(event=film_week, user=organiser, film=film, venue=hall, starts_at=at(2, "14:00"), ends_at=at(2, "16:00"))
    entries = ProjectTransition.objects.filter(project=film, name="start_screening")
    assert [(e.source, e.target, e.actor) for e in entries] == [(State.APPROVED, State.SCREENING, organiser)]


def test_a_refused_slot_leaves_the_film_approved(film_week, film, hall, organiser):
    with pytest.raises(Conflict):
        services.slot_add(event=film_week, user=organiser, film=film, venue=hall, starts_at=at(1, "14:00"),
                          ends_at=at(1, "16:00"), expected_audience=999)
    film.refresh_from_db()
    assert film.state == State.APPROVED
    assert not ProjectTransition.objects.filter(project=film, name="start_screening").exists()


# --- who -------------------------------------------------------------------------------------


def test_another_organiser_may_not_change_an_event(film_week, film, cinema, organiser_b):
    message = refusal(Forbidden, services.slot_add, event=film_week, user=organiser_b, film=film, venue=cinema,
                      starts_at=at(1, "14:00"), ends_at=at(1, "16:00"))
    assert message == "Only the organiser who scheduled “2026年党员教育电影周”, or the office, may change it."


def test_the_office_may_change_any_event(film_week, film, cinema, office):
    services.slot_add(event=film_week, user=office, film=film, venue=cinema, starts_at=at(1, "14:00"), ends_at=at(1, "16:00"))


@pytest.mark.parametrize("who", ["producer_a", "panelist", "outsider"])
def test_only_organisers_and_the_office_schedule_events(request, who):
    with pytest.raises(Forbidden):
        services.event_create(user=request.getfixturevalue(who), kind=Event.Kind.FILM_WEEK, title="电影周",
                              starts_at=at(0), ends_at=at(7))
    assert not Event.objects.exists()
