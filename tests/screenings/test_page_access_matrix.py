"""Role × page matrix for the screening pages (``screenings/urls.py``).

Columns as in ``tests/support/matrix.py``; the events are the ``organiser`` column's. Expected
values: an HTTP status, ``LOGIN`` (302 to the login page) or ``EVENT`` (302 to the event's page:
done). Screenings are the organisers' and the office's: everyone else finds nothing (404). GET
changes nothing; a refused POST changes nothing and says why.
"""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from screenings import rules, services
from screenings.models import Event, InPersonCount, Slot
from tests.support.http import alerts, assert_not_found
from tests.support.matrix import cases, client_for, row
from tests.support.screenings import iso, screening_rows

LOGIN, EVENT = "login", "event"
NOW = timezone.now()


@pytest.fixture
def ctx(organiser, film, film2, cinema, hall):
    """A film week running from six days ago to six days ahead, with one showing already shown."""
    week = services.event_create(user=organiser, kind=Event.Kind.FILM_WEEK, title="本周电影周",
                                 starts_at=NOW - dt.timedelta(days=6), ends_at=NOW + dt.timedelta(days=6))
    shown = services.slot_add(event=week, user=organiser, film=film, venue=cinema,
                              starts_at=NOW - dt.timedelta(hours=5), ends_at=NOW - dt.timedelta(hours=3))
    return SimpleNamespace(event=week, slot=shown, film=film, film2=film2, cinema=cinema, hall=hall)


def slot_data(ctx, **changes):
    return {"film": ctx.film2.pk, "venue": ctx.hall.pk, "starts_at": iso(NOW + dt.timedelta(days=1)),
            "ends_at": iso(NOW + dt.timedelta(days=1, hours=2)), "expected_audience": "80", **changes}


EVENT_ARGS = lambda c: [c.event.pk]  # noqa: E731
SLOT_ARGS = lambda c: [c.slot.pk]  # noqa: E731

# key                          url name, args                       office organiser-made other roles
GET_PAGES = {
    "event list": ("event-list", lambda c: []),
    "new film week": ("event-create", lambda c: ["film_week"]),
    "new cloud showing": ("event-create", lambda c: ["cloud"]),
    "new course showing": ("event-create", lambda c: ["course"]),
    "totals": ("screening-totals", lambda c: []),
    "event detail": ("event-detail", EVENT_ARGS),
    "event edit": ("event-edit", EVENT_ARGS),
    "slot edit": ("slot-edit", SLOT_ARGS),
}
#                               office  own  other panel organiser anon
GET_EXPECTED = {name: row(200, 404, 404, 404, 200, LOGIN) for name in GET_PAGES}

# key: (url name, args, form data, what a success changes)
POSTS = {
    "programme a film": ("slot-add", EVENT_ARGS, slot_data, lambda c: Slot.objects.filter(film=c.film2).exists()),
    "programme a clash": ("slot-add", EVENT_ARGS,
                          lambda c: slot_data(c, venue=c.cinema.pk, starts_at=iso(NOW - dt.timedelta(hours=4)),
                                              ends_at=iso(NOW - dt.timedelta(hours=2))), None),
    "programme over capacity": ("slot-add", EVENT_ARGS, lambda c: slot_data(c, expected_audience="121"), None),
    "programme, no film": ("slot-add", EVENT_ARGS, lambda c: slot_data(c, film=""), None),
    "edit the event": ("event-edit", EVENT_ARGS,
                       lambda c: {"title": "改名的电影周", "starts_at": iso(c.event.starts_at), "ends_at": iso(c.event.ends_at)},
                       lambda c: Event.objects.get(pk=c.event.pk).title == "改名的电影周"),
    "edit: end before start": ("event-edit", EVENT_ARGS,
                               lambda c: {"title": "x", "starts_at": iso(c.event.ends_at), "ends_at": iso(c.event.starts_at)}, None),
    "move the slot": ("slot-edit", SLOT_ARGS,
                      lambda c: slot_data(c, film=c.film.pk, venue=c.cinema.pk, starts_at=iso(NOW - dt.timedelta(hours=6)),
                                          ends_at=iso(NOW - dt.timedelta(hours=4))),
                      lambda c: Slot.objects.get(pk=c.slot.pk).expected_audience == 80),
    "record a headcount": ("slot-headcount", SLOT_ARGS, lambda c: {"headcount": "260"},
                           lambda c: InPersonCount.objects.get().headcount == 260),
    "absurd headcount": ("slot-headcount", SLOT_ARGS, lambda c: {"headcount": "-5"}, None),
    "headcount over the seats": ("slot-headcount", SLOT_ARGS, lambda c: {"headcount": "301"}, None),
    "remove the slot": ("slot-remove", SLOT_ARGS, lambda c: {}, lambda c: not Slot.objects.filter(pk=c.slot.pk).exists()),
}
#                                   office  own  other panel organiser anon
POST_EXPECTED = {
    "programme a film":          row(EVENT, 404, 404, 404, EVENT, LOGIN),
    "programme a clash":         row(409, 404, 404, 404, 409, LOGIN),
    "programme over capacity":   row(409, 404, 404, 404, 409, LOGIN),
    "programme, no film":        row(400, 404, 404, 404, 400, LOGIN),
    "edit the event":            row(EVENT, 404, 404, 404, EVENT, LOGIN),
    "edit: end before start":    row(400, 404, 404, 404, 400, LOGIN),
    "move the slot":             row(EVENT, 404, 404, 404, EVENT, LOGIN),
    "record a headcount":        row(EVENT, 404, 404, 404, EVENT, LOGIN),
    "absurd headcount":          row(400, 404, 404, 404, 400, LOGIN),
    "headcount over the seats":  row(409, 404, 404, 404, 409, LOGIN),
    "remove the slot":           row(EVENT, 404, 404, 404, EVENT, LOGIN),
}


def assert_answer(response, expected, event):
    if expected == LOGIN:
        assert response.status_code == 302 and response.url.startswith(reverse("login") + "?next="), response
    elif expected == EVENT:
        assert response.status_code == 302 and response.url == reverse("event-detail", args=[event.pk]), response
    elif expected == 404:
        assert_not_found(response)
    else:
        assert response.status_code == expected, response.status_code
        if expected >= 400:
            assert [text for text in alerts(response) if text.strip()], response.content.decode()[:1000]


def test_tables_cover_each_other():
    assert POSTS.keys() == POST_EXPECTED.keys()


@pytest.mark.parametrize("name, role", list(cases(GET_EXPECTED, {})))
def test_page_get_matrix(request, ctx, name, role):
    url_name, args = GET_PAGES[name]
    before = screening_rows()
    response = client_for(request, role).get(reverse(url_name, args=args(ctx)))
    assert_answer(response, GET_EXPECTED[name][role], ctx.event)
    assert screening_rows() == before


@pytest.mark.parametrize("name, role", list(cases(POST_EXPECTED, {})))
def test_page_post_matrix(request, ctx, name, role):
    url_name, args, data, done = POSTS[name]
    before = screening_rows()
    response = client_for(request, role).post(reverse(url_name, args=args(ctx)), data(ctx))
    expected = POST_EXPECTED[name][role]
    assert_answer(response, expected, ctx.event)
    if expected == EVENT:
        assert done(ctx)
    else:
        assert screening_rows() == before


@pytest.mark.parametrize("name", ["programme a film", "edit the event", "move the slot", "record a headcount", "remove the slot"])
def test_another_organiser_sees_the_event_but_may_not_change_it(request, ctx, organiser_b, name):
    url_name, args, data, _ = POSTS[name]
    before = screening_rows()
    client = client_for(request, "anon")
    client.force_login(organiser_b)
    assert client.get(reverse("event-detail", args=[ctx.event.pk])).status_code == 200
    response = client.post(reverse(url_name, args=args(ctx)), data(ctx))
    assert response.status_code == 403
    assert "本周电影周" in alerts(response)[0]
    assert screening_rows() == before


@pytest.mark.parametrize("role", ["office", "organiser"])
def test_creating_an_event_of_each_kind_from_its_page(request, role, hall, course_kinds):
    client = client_for(request, role)
    start, end = NOW + dt.timedelta(days=20), NOW + dt.timedelta(days=20, hours=3)
    forms = {
        "cloud": {"title": "云展播", "platform": "五华先锋", "starts_at": iso(start), "ends_at": iso(end)},
        "course": {"title": "培训", "course_kind": course_kinds["activists"].pk, "course_name": "第二期", "venue": hall.pk,
                   "starts_at": iso(start), "ends_at": iso(end), "roster_size": "60"},
        "film_week": {"title": "电影周", "starts_at": iso(start), "ends_at": iso(end + dt.timedelta(days=6))},
    }
    for kind, data in forms.items():
        response = client.post(reverse("event-create", args=[kind]), data)
        event = Event.objects.get(kind=kind)
        assert response.status_code == 302 and response.url == reverse("event-detail", args=[event.pk]), kind
    assert Event.objects.get(kind="course").venue == hall


@pytest.mark.parametrize("role", ["own", "panelist", "other"])
def test_creating_an_event_is_not_found_for_others(request, role):
    response = client_for(request, role).post(reverse("event-create", args=["film_week"]),
                                              {"title": "电影周", "starts_at": iso(NOW), "ends_at": iso(NOW + dt.timedelta(days=2))})
    assert_not_found(response)
    assert not Event.objects.exists()


def test_an_unknown_kind_of_event_is_not_found(request):
    assert_not_found(client_for(request, "organiser").get(reverse("event-create", args=["party"])))


@pytest.mark.parametrize("url_name", ["slot-add", "slot-remove", "slot-headcount"])
def test_get_on_a_post_only_page_is_405_and_changes_nothing(request, ctx, url_name):
    before = screening_rows()
    args = [ctx.event.pk] if url_name == "slot-add" else [ctx.slot.pk]
    response = client_for(request, "organiser").get(reverse(url_name, args=args))
    assert response.status_code == 405
    assert screening_rows() == before


def test_a_clash_is_named_in_the_readers_language(request, ctx):
    """The site speaks Chinese unless asked otherwise; times read the same in both languages."""
    url_name, args, data, _ = POSTS["programme a clash"]
    response = client_for(request, "organiser").post(reverse(url_name, args=args(ctx)), data(ctx))
    assert response.status_code == 409
    [message] = alerts(response)
    assert message == f"红色影院在 {rules.when(ctx.slot.starts_at, ctx.slot.ends_at)} 已有安排：“本周电影周”放映“五华山下的初心故事”。"


@pytest.mark.parametrize("data", [
    {"title": "电影周", "starts_at": "12/03/2026 14:00", "ends_at": "12/10/2026 14:00"},  # not ISO
    {"title": "", "starts_at": iso(NOW), "ends_at": iso(NOW + dt.timedelta(days=2))},
    {"title": "电影周", "starts_at": iso(NOW), "ends_at": iso(NOW + dt.timedelta(days=400))},  # too long
    {"title": "电影周", "starts_at": iso(NOW + dt.timedelta(days=3650)), "ends_at": iso(NOW + dt.timedelta(days=3652))},
])
def test_a_malformed_event_form_is_refused_with_400_and_nothing_made(request, data):
    response = client_for(request, "organiser").post(reverse("event-create", args=["film_week"]), data)
    assert response.status_code == 400
    assert not Event.objects.exists()


def test_the_event_form_sends_iso_times_whatever_the_language(request, ctx):
    page = client_for(request, "organiser").get(reverse("event-edit", args=[ctx.event.pk])).content.decode()
    assert 'type="datetime-local"' in page and f'value="{iso(ctx.event.starts_at)}"' in page
