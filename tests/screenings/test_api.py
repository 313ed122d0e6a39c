"""The screening API: role × endpoint (the same answers as the pages), what each write does, and
what it refuses. Anonymous callers get 401 (token authentication comes first). Viewer links of a
cloud showing (list, create, revoke) answer as the event's page does
(tests/screenings/test_page_access_matrix.py)."""

import datetime as dt
import uuid
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from projects.models import State
from screenings import links, services
from screenings.models import Event, InPersonCount, Slot, ViewerLink
from tests.support.http import EN, assert_refused
from tests.support.matrix import cases, client_for, row
from tests.support.screenings import screening_rows

NOW = timezone.now()
LATER = NOW + dt.timedelta(days=1)


@pytest.fixture
def ctx(organiser, film, film2, cinema, hall):
    week = services.event_create(user=organiser, kind=Event.Kind.FILM_WEEK, title="本周电影周",
                                 starts_at=NOW - dt.timedelta(days=6), ends_at=NOW + dt.timedelta(days=6))
    shown = services.slot_add(event=week, user=organiser, film=film, venue=cinema,
                              starts_at=NOW - dt.timedelta(hours=5), ends_at=NOW - dt.timedelta(hours=3))
    cloud = services.event_create(user=organiser, kind=Event.Kind.CLOUD, title="“五华先锋”云展播", platform="五华先锋",
                                  starts_at=NOW - dt.timedelta(hours=1), ends_at=NOW + dt.timedelta(days=2))
    services.slot_add(event=cloud, user=organiser, film=film)
    link = services.link_create(event=cloud, user=organiser, film=film, label="五华先锋 公众号")
    return SimpleNamespace(event=week, slot=shown, film=film, film2=film2, cinema=cinema, hall=hall, cloud=cloud, link=link)


def api(request, role, user=None):
    client = client_for(request, role, APIClient, **EN)
    if user is not None:
        client.force_login(user)
    return client


def new_slot(c, **changes):
    return {"film": c.film2.pk, "venue": c.hall.pk, "starts_at": LATER.isoformat(),
            "ends_at": (LATER + dt.timedelta(hours=2)).isoformat(), "expected_audience": 80, **changes}


EVENT = lambda c: [c.event.pk]  # noqa: E731
SLOT = lambda c: [c.slot.pk]  # noqa: E731
NONE = lambda c: []  # noqa: E731
CLOUD = lambda c: [c.cloud.pk]  # noqa: E731
LINK = lambda c: [c.link.pk]  # noqa: E731

# key: (method, url name, args, body, a check of what a success did)
REQUESTS = {
    "GET venues": ("get", "api-venues", NONE, None, None),
    "GET course kinds": ("get", "api-course-kinds", NONE, None, None),
    "GET events": ("get", "api-events", NONE, None, None),
    "GET event": ("get", "api-event", EVENT, None, None),
    "GET slots": ("get", "api-event-slots", EVENT, None, None),
    "GET slot": ("get", "api-slot", SLOT, None, None),
    "GET headcounts": ("get", "api-slot-headcount", SLOT, None, None),
    "GET totals": ("get", "api-screening-totals", NONE, None, None),
    "POST event": ("post", "api-events", NONE,
                   lambda c: {"kind": "film_week", "title": "下周电影周", "starts_at": LATER.isoformat(),
                              "ends_at": (LATER + dt.timedelta(days=7)).isoformat()},
                   lambda c: Event.objects.filter(title="下周电影周").exists()),
    "PATCH event title": ("patch", "api-event", EVENT, lambda c: {"title": "改名"},
                          lambda c: Event.objects.get(pk=c.event.pk).title == "改名"),
    "POST slot": ("post", "api-event-slots", EVENT, new_slot, lambda c: Slot.objects.filter(film=c.film2).exists()),
    "POST slot clashing": ("post", "api-event-slots", EVENT,
                           lambda c: new_slot(c, venue=c.cinema.pk, starts_at=(NOW - dt.timedelta(hours=4)).isoformat(),
                                              ends_at=(NOW - dt.timedelta(hours=2)).isoformat()), None),
    "PATCH slot audience": ("patch", "api-slot", SLOT, lambda c: {"expected_audience": 250},
                            lambda c: Slot.objects.get(pk=c.slot.pk).expected_audience == 250),
    "PATCH slot over capacity": ("patch", "api-slot", SLOT, lambda c: {"expected_audience": 301}, None),
    "POST headcount": ("post", "api-slot-headcount", SLOT, lambda c: {"headcount": 240, "roster": 260},
                       lambda c: InPersonCount.objects.get().headcount == 240),
    "POST headcount negative": ("post", "api-slot-headcount", SLOT, lambda c: {"headcount": -1}, None),
    "DELETE slot": ("delete", "api-slot", SLOT, None, lambda c: not Slot.objects.filter(pk=c.slot.pk).exists()),
    "GET links": ("get", "api-event-links", CLOUD, None, None),
    "POST link": ("post", "api-event-links", CLOUD, lambda c: {"film": c.film.pk, "label": "学习强国"},
                  lambda c: ViewerLink.objects.filter(label="学习强国", event=c.cloud, film=c.film).exists()),
    "POST link, film not in the showing": ("post", "api-event-links", CLOUD, lambda c: {"film": c.film2.pk}, None),
    "POST link, expiry in the past": ("post", "api-event-links", CLOUD,
                                      lambda c: {"film": c.film.pk, "expires_at": (NOW - dt.timedelta(hours=1)).isoformat()}, None),
    "POST link to a film week": ("post", "api-event-links", EVENT, lambda c: {"film": c.film.pk}, None),
    "POST revoke": ("post", "api-link-revoke", LINK, None, lambda c: ViewerLink.objects.get(pk=c.link.pk).revoked),
}
#                                 office own  other panel organiser anon
READ = row(200, 404, 404, 404, 200, 401)
EXPECTED = {
    **{name: READ for name in REQUESTS if name.startswith("GET")},
    "POST event":                 row(201, 404, 404, 404, 201, 401),
    "PATCH event title":          row(200, 404, 404, 404, 200, 401),
    "POST slot":                  row(201, 404, 404, 404, 201, 401),
    "POST slot clashing":         row(409, 404, 404, 404, 409, 401),
    "PATCH slot audience":        row(200, 404, 404, 404, 200, 401),
    "PATCH slot over capacity":   row(409, 404, 404, 404, 409, 401),
    "POST headcount":             row(201, 404, 404, 404, 201, 401),
    "POST headcount negative":    row(400, 404, 404, 404, 400, 401),
    "DELETE slot":                row(204, 404, 404, 404, 204, 401),
    "POST link":                  row(201, 404, 404, 404, 201, 401),
    "POST link, film not in the showing": row(400, 404, 404, 404, 400, 401),
    "POST link, expiry in the past":      row(400, 404, 404, 404, 400, 401),
    "POST link to a film week":   row(409, 404, 404, 404, 409, 401),
    "POST revoke":                row(200, 404, 404, 404, 200, 401),
}


def test_tables_cover_each_other():
    assert REQUESTS.keys() == EXPECTED.keys()


@pytest.mark.parametrize("name, role", list(cases(EXPECTED, {})))
def test_api_matrix(request, ctx, name, role):
    method, url_name, args, body, done = REQUESTS[name]
    before = screening_rows()
    response = getattr(api(request, role), method)(reverse(url_name, args=args(ctx)), body(ctx) if body else None, format="json")
    expected = EXPECTED[name][role]
    assert response.status_code == expected, (response.status_code, getattr(response, "data", None))
    if expected >= 400:
        assert_refused(response, expected)
    if expected < 300 and done is not None:
        assert done(ctx)
    else:
        assert screening_rows() == before


@pytest.mark.parametrize("name", [n for n in REQUESTS if not n.startswith("GET") and n != "POST event"])
def test_another_organiser_is_refused_with_403_and_nothing_changes(request, ctx, organiser_b, name):
    method, url_name, args, body, _ = REQUESTS[name]
    before = screening_rows()
    response = getattr(api(request, "anon", organiser_b), method)(reverse(url_name, args=args(ctx)), body(ctx) if body else None,
                                                                  format="json")
    event = ctx.cloud if args in (CLOUD, LINK) else ctx.event
    assert_refused(response, 403, f"Only the organiser who scheduled “{event.title}”, or the office, may change it.")
    assert screening_rows() == before


def test_a_clash_is_named_in_the_api_as_on_the_page(request, ctx):
    method, url_name, args, body, _ = REQUESTS["POST slot clashing"]
    response = api(request, "organiser").post(reverse(url_name, args=args(ctx)), body(ctx), format="json")
    assert_refused(response, 409)
    assert "红色影院 is booked" in response.json()["detail"] and "“五华山下的初心故事” in “本周电影周”" in response.json()["detail"]


def test_a_film_the_organiser_may_not_see_is_not_found_by_id(request, ctx, make_project):
    hidden = make_project(State.PRODUCTION, title="绝密片名甲乙丙")
    before = screening_rows()
    response = api(request, "organiser").post(reverse("api-event-slots", args=[ctx.event.pk]), new_slot(ctx, film=hidden.pk), format="json")
    assert response.status_code == 400 and "绝密片名甲乙丙" not in response.content.decode()
    assert screening_rows() == before


def test_a_patch_changes_only_what_was_sent(request, ctx):
    response = api(request, "organiser").patch(reverse("api-slot", args=[ctx.slot.pk]), {"expected_audience": 200}, format="json")
    assert response.status_code == 200
    slot = Slot.objects.get(pk=ctx.slot.pk)
    assert (slot.film, slot.venue, slot.starts_at, slot.expected_audience) == (ctx.film, ctx.cinema, ctx.slot.starts_at, 200)
    assert response.json()["expected_audience"] == 200


def test_a_course_is_created_and_its_film_shown_in_its_venue(request, ctx, course_kinds):
    client = api(request, "organiser")
    created = client.post(reverse("api-events"), {
        "kind": "course", "title": "入党积极分子培训班", "course_kind": "activists", "course_name": "第三期", "venue": ctx.hall.pk,
        "roster_size": 100, "starts_at": LATER.isoformat(), "ends_at": (LATER + dt.timedelta(hours=3)).isoformat(),
    }, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["course_kind"], body["venue"], body["roster_size"], body["can_edit"]) == ("activists", ctx.hall.pk, 100, True)
    slot = client.post(reverse("api-event-slots", args=[body["id"]]), {"film": ctx.film2.pk}, format="json")
    assert slot.status_code == 201, slot.json()
    assert (slot.json()["venue"], slot.json()["starts_at"]) == (ctx.hall.pk, body["starts_at"])


def test_an_event_that_ends_before_it_starts_is_refused(request):
    response = api(request, "organiser").post(reverse("api-events"), {
        "kind": "cloud", "title": "云展播", "platform": "五华先锋", "starts_at": LATER.isoformat(), "ends_at": NOW.isoformat(),
    }, format="json")
    assert_refused(response, 400)
    assert "must come after the start" in response.json()["detail"]
    assert not Event.objects.exists()


def test_the_totals_in_the_api_are_the_pages(request, ctx, organiser):
    services.inperson_record(slot=ctx.slot, user=organiser, headcount=150)
    cloud = services.event_create(user=organiser, kind=Event.Kind.CLOUD, title="云展播", platform="五华先锋",
                                  starts_at=NOW - dt.timedelta(hours=1), ends_at=NOW + dt.timedelta(days=1))
    services.slot_add(event=cloud, user=organiser, film=ctx.film)
    services.view_count(event=cloud, film=ctx.film, viewer_id=uuid.uuid4())
    body = api(request, "office").get(reverse("api-screening-totals")).json()
    assert body["overall"] == {"online": 1, "in_person": 150, "total": 151}
    assert body["by_film"] == [{"film": ctx.film.pk, "label": "五华山下的初心故事", "online": 1, "in_person": 150, "total": 151}]
    assert {r["kind"]: r["total"] for r in body["by_kind"]} == {"cloud": 1, "course": 0, "film_week": 150}
    assert sum(r["total"] for r in body["by_month"]) == 151 and body["by_month"][-1]["cumulative"] == 151
    page = api(request, "office").get(reverse("screening-totals")).content.decode()
    assert "<td>五华山下的初心故事</td><td>1</td><td>150</td><td>151</td>" in page


@pytest.mark.parametrize("body, field", [
    ({"kind": "party", "title": "x"}, "kind"),
    ({"kind": "cloud", "title": "x" * 121, "platform": "五华先锋"}, "title"),
    ({"kind": "cloud", "title": "云展播", "platform": "五华先锋", "starts_at": "3 December"}, "starts_at"),
    ({"kind": "course", "title": "培训", "course_kind": "dancing"}, "course_kind"),
    ({"kind": "course", "title": "培训", "roster_size": -3}, "roster_size"),
])
def test_malformed_events_are_refused_naming_the_field(request, body, field):
    times = {"starts_at": LATER.isoformat(), "ends_at": (LATER + dt.timedelta(hours=2)).isoformat()}
    response = api(request, "organiser").post(reverse("api-events"), {**times, **body}, format="json")
    assert response.status_code == 400 and field in response.json(), response.json()
    assert not Event.objects.exists()


@pytest.mark.parametrize("body, message", [
    ({"kind": "cloud", "title": "云展播"}, "Name the platform the cloud showing is on."),
    ({"kind": "course", "title": "培训", "course_kind": "activists"}, "A course showing needs its course kind and its venue."),
    ({"kind": "film_week", "title": "   "}, None),
])
def test_events_missing_what_their_kind_needs_are_refused(request, course_kinds, body, message):
    times = {"starts_at": LATER.isoformat(), "ends_at": (LATER + dt.timedelta(hours=2)).isoformat()}
    response = api(request, "organiser").post(reverse("api-events"), {**times, **body}, format="json")
    assert_refused(response, 400, message)
    assert not Event.objects.exists()


@pytest.mark.parametrize("body", [{"expected_audience": "many"}, {"film": 10**9}, {"venue": "cinema"}, {"starts_at": 5}])
def test_malformed_slots_are_refused(request, ctx, body):
    before = screening_rows()
    response = api(request, "organiser").post(reverse("api-event-slots", args=[ctx.event.pk]), new_slot(ctx, **body), format="json")
    assert_refused(response, 400)
    assert screening_rows() == before


# --- viewer links -------------------------------------------------------------------------------


def test_the_list_gives_each_links_url_and_state(request, ctx, organiser):
    expired = services.link_create(event=ctx.cloud, user=organiser, film=ctx.film, label="到期",
                                   expires_at=timezone.now() + dt.timedelta(days=1))
    ViewerLink.objects.filter(pk=expired.pk).update(expires_at=NOW - dt.timedelta(minutes=1))
    revoked = services.link_create(event=ctx.cloud, user=organiser, film=ctx.film, label="撤回")
    services.link_revoke(link=revoked, user=organiser)
    body = api(request, "organiser").get(reverse("api-event-links", args=[ctx.cloud.pk])).json()
    by_label = {row["label"]: row for row in body}
    assert {label: row["state"] for label, row in by_label.items()} == {"五华先锋 公众号": "valid", "到期": "expired", "撤回": "revoked"}
    assert by_label["五华先锋 公众号"]["url"] == "http://testserver" + links.watch_path(ctx.link)
    assert by_label["撤回"]["revoked_by"] == organiser.username and by_label["五华先锋 公众号"]["revoked_by"] is None
    assert by_label["五华先锋 公众号"]["film_title"] == ctx.film.title


def test_a_link_made_through_the_api_opens_and_once_revoked_opens_nothing(request, ctx):
    client = api(request, "organiser")
    made = client.post(reverse("api-event-links", args=[ctx.cloud.pk]), {"film": ctx.film.pk, "label": "学习强国"}, format="json")
    assert made.status_code == 201 and made.json()["state"] == "valid"
    link = ViewerLink.objects.get(pk=made.json()["id"])
    assert made.json()["url"].endswith(links.watch_path(link))
    assert links.open_token(links.token_for(link)).status in (links.Status.OPEN, links.Status.PREPARING)
    revoked = client.post(reverse("api-link-revoke", args=[link.pk]))
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
    assert links.open_token(links.token_for(link)).status == links.Status.REVOKED
    again = client.post(reverse("api-link-revoke", args=[link.pk]))
    assert_refused(again, 409)


def test_link_refusals_say_why_in_the_callers_words(request, ctx):
    client = api(request, "organiser")
    response = client.post(reverse("api-event-links", args=[ctx.cloud.pk]), {"film": ctx.film2.pk}, format="json")
    assert_refused(response, 400, f"“{ctx.film2.title}” is not in “{ctx.cloud.title}”: programme it first.")
    response = client.post(reverse("api-event-links", args=[ctx.event.pk]), {"film": ctx.film.pk}, format="json")
    assert_refused(response, 409, "Viewer links are for cloud showings; “本周电影周” is not one.")
    response = client.post(reverse("api-event-links", args=[ctx.cloud.pk]), {"film": ctx.film.pk, "label": "x" * 200}, format="json")
    assert_refused(response, 400)
