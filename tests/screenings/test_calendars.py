"""Screening calendars: each event's .ics, the organiser's private feed at a tokenised URL (which
a rotated or wrong token no longer opens), and the public feed of cloud showings (no other kinds,
no viewer links). Every calendar is read back with the icalendar package."""

import datetime as dt

import icalendar
import pytest
from django.test import Client
from django.urls import reverse

from screenings import links, services
from screenings.models import CalendarFeed, Event
from tests.support.screenings import at



def _calendar(response) -> icalendar.Calendar:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(response.content)


def _events(cal) -> dict[str, icalendar.Event]:
    return {str(e["summary"]): e for e in cal.walk("VEVENT")}


def _private_url(organiser) -> str:
    return reverse("calendar-private", args=[CalendarFeed.objects.get(user=organiser).token])


@pytest.fixture
def programme(organiser, film, film2, cloud, film_week, course, cinema):
    services.slot_add(event=cloud, user=organiser, film=film)
    services.slot_add(event=film_week, user=organiser, film=film2, venue=cinema, starts_at=at(1, "14:00"), ends_at=at(1, "16:00"))
    services.slot_add(event=course, user=organiser, film=film, starts_at=at(2, "10:00"), ends_at=at(2, "11:00"))
    link = services.link_create(event=cloud, user=organiser, film=film, label="五华先锋 公众号")
    return {"cloud": cloud, "film_week": film_week, "course": course, "link": link}


def test_an_events_ics_has_the_event_in_shanghai_time_with_its_tzid(client, organiser, programme):
    client.force_login(organiser)
    course = programme["course"]
    response = client.get(reverse("event-ics", args=[course.pk]))
    assert response["Content-Disposition"] == f'attachment; filename="reelwork-screening-{course.pk}.ics"'
    cal = _calendar(response)
    (event,) = cal.walk("VEVENT")
    assert event["summary"] == "发展党员培训班第一期"
    assert event.decoded("dtstart") == at(2, "09:00") and event.decoded("dtend") == at(2, "12:00")
    assert event["dtstart"].params["TZID"] == "Asia/Shanghai"
    assert event.decoded("dtstart").utcoffset() == dt.timedelta(hours=8)
    assert [tz["tzid"] for tz in cal.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    assert "华山街道党群服务中心" in event["location"] and "五华山下的初心故事" in event["description"]
    assert event["url"].endswith(reverse("event-detail", args=[course.pk]))


def test_a_film_weeks_ics_has_one_event_more_per_slot(client, organiser, programme):
    client.force_login(organiser)
    cal = _calendar(client.get(reverse("event-ics", args=[programme["film_week"].pk])))
    events = _events(cal)
    assert set(events) == {"2026年党员教育电影周", "西翥山村的数字课堂 · 2026年党员教育电影周"}
    slot = events["西翥山村的数字课堂 · 2026年党员教育电影周"]
    assert slot.decoded("dtstart") == at(1, "14:00") and slot["location"] == "红色影院"


@pytest.mark.parametrize("who", ["producer_a", "panelist", "outsider"])
def test_an_events_ics_is_not_there_for_people_outside_screenings(client, who, request, programme):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("event-ics", args=[programme["cloud"].pk])).status_code == 404


def test_the_private_feed_opens_without_a_login_and_holds_the_organisers_events(client, organiser, organiser_b, programme):
    other = services.event_create(user=organiser_b, kind=Event.Kind.CLOUD, title="别人的云展播", platform="学习强国",
                                  starts_at=at(4), ends_at=at(5))
    client.force_login(organiser)
    assert client.post(reverse("calendar-feed-rotate")).status_code == 302
    page = client.get(reverse("event-list")).content.decode()
    url = _private_url(organiser)
    assert url in page
    cal = _calendar(Client().get(url))
    assert set(_events(cal)) >= {"“五华先锋”云展播", "2026年党员教育电影周", "发展党员培训班第一期"}
    assert other.title not in _events(cal)


def test_a_rotated_tokens_old_url_stops_working_and_the_new_one_works(client, organiser, programme):
    client.force_login(organiser)
    client.post(reverse("calendar-feed-rotate"))
    old = _private_url(organiser)
    assert Client().get(old).status_code == 200
    client.post(reverse("calendar-feed-rotate"))
    new = _private_url(organiser)
    assert new != old
    assert Client().get(old).status_code == 404
    assert Client().get(new).status_code == 200


def test_a_wrong_token_opens_nothing(organiser, programme):
    services.calendar_feed_rotate(user=organiser)
    token = CalendarFeed.objects.get(user=organiser).token
    for wrong in (token[:-1] + ("A" if token[-1] != "A" else "B"), "x", token.upper() if token.upper() != token else token + "x"):
        assert Client().get(reverse("calendar-private", args=[wrong])).status_code == 404


def test_a_token_stops_working_when_its_owner_stops_organising(organiser, programme):
    services.calendar_feed_rotate(user=organiser)
    url = _private_url(organiser)
    organiser.groups.clear()
    organiser.user_permissions.clear()
    assert Client().get(url).status_code == 404


def test_rotating_is_a_post_for_organisers_only(client, producer_a, organiser):
    client.force_login(organiser)
    assert client.get(reverse("calendar-feed-rotate")).status_code == 405
    assert not CalendarFeed.objects.exists()
    client.force_login(producer_a)
    assert client.post(reverse("calendar-feed-rotate")).status_code == 404
    assert not CalendarFeed.objects.exists()


def test_the_public_feed_has_cloud_showings_only_and_no_viewer_links(programme):
    response = Client().get(reverse("calendar-public"))
    cal = _calendar(response)
    events = _events(cal)
    assert set(events) == {"“五华先锋”云展播"}
    cloud = events["“五华先锋”云展播"]
    assert cloud.decoded("dtstart") == at(0, "08:00") and cloud.decoded("dtend") == at(3, "22:00")
    assert cloud["location"] == "五华先锋" and "五华山下的初心故事" in cloud["description"]
    body = response.content.decode()
    assert "/watch/" not in body and links.token_for(programme["link"]) not in body
    assert "url" not in cloud  # the event's page is the organisers'
    assert "public" in response["Cache-Control"] and "max-age" in response["Cache-Control"]
