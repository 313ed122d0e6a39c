"""Viewer links through the API: list, create and revoke the links of a cloud showing, role ×
endpoint with the same answers as the event's page (tests/screenings/test_page_access_matrix.py),
what each write does, and what it refuses (nothing changed)."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from screenings import links, services
from screenings.models import Event, ViewerLink
from tests.support.http import EN, assert_refused
from tests.support.matrix import cases, client_for, row
from tests.support.screenings import screening_rows

NOW = timezone.now().replace(microsecond=0)


@pytest.fixture
def ctx(organiser, film, film2, cinema):
    cloud = services.event_create(user=organiser, kind=Event.Kind.CLOUD, title="“五华先锋”云展播", platform="五华先锋",
                                  starts_at=NOW - dt.timedelta(hours=1), ends_at=NOW + dt.timedelta(days=2))
    services.slot_add(event=cloud, user=organiser, film=film)
    link = services.link_create(event=cloud, user=organiser, film=film, label="五华先锋 公众号")
    week = services.event_create(user=organiser, kind=Event.Kind.FILM_WEEK, title="本周电影周",
                                 starts_at=NOW - dt.timedelta(days=1), ends_at=NOW + dt.timedelta(days=6))
    services.slot_add(event=week, user=organiser, film=film2, venue=cinema,
                      starts_at=NOW + dt.timedelta(hours=2), ends_at=NOW + dt.timedelta(hours=4))
    return SimpleNamespace(cloud=cloud, link=link, week=week, film=film, film2=film2)


def api(request, role, user=None):
    client = client_for(request, role, APIClient, **EN)
    if user is not None:
        client.force_login(user)
    return client


CLOUD = lambda c: [c.cloud.pk]  # noqa: E731
LINK = lambda c: [c.link.pk]  # noqa: E731

# key: (method, url name, args, body, a check of what a success did)
REQUESTS = {
    "GET links": ("get", "api-event-links", CLOUD, None, None),
    "POST link": ("post", "api-event-links", CLOUD, lambda c: {"film": c.film.pk, "label": "学习强国"},
                  lambda c: ViewerLink.objects.filter(label="学习强国", event=c.cloud, film=c.film).exists()),
    "POST link, film not in the showing": ("post", "api-event-links", CLOUD, lambda c: {"film": c.film2.pk}, None),
    "POST link, expiry in the past": ("post", "api-event-links", CLOUD,
                                      lambda c: {"film": c.film.pk, "expires_at": (NOW - dt.timedelta(hours=1)).isoformat()}, None),
    "POST link to a film week": ("post", "api-event-links", lambda c: [c.week.pk], lambda c: {"film": c.film2.pk}, None),
    "POST revoke": ("post", "api-link-revoke", LINK, None, lambda c: ViewerLink.objects.get(pk=c.link.pk).revoked),
}
#                                                  office own  other panel organiser anon
EXPECTED = {
    "GET links":                               row(200, 404, 404, 404, 200, 401),
    "POST link":                               row(201, 404, 404, 404, 201, 401),
    "POST link, film not in the showing":      row(400, 404, 404, 404, 400, 401),
    "POST link, expiry in the past":           row(400, 404, 404, 404, 400, 401),
    "POST link to a film week":                row(409, 404, 404, 404, 409, 401),
    "POST revoke":                             row(200, 404, 404, 404, 200, 401),
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
        assert screening_rows() == before
    elif done is not None:
        assert done(ctx)


@pytest.mark.parametrize("name", [n for n in REQUESTS if n.startswith("POST")])
def test_another_organiser_is_refused_with_403_and_nothing_changes(request, ctx, organiser_b, name):
    method, url_name, args, body, _ = REQUESTS[name]
    before = screening_rows()
    response = getattr(api(request, "anon", organiser_b), method)(reverse(url_name, args=args(ctx)), body(ctx) if body else None,
                                                                  format="json")
    assert_refused(response, 403)
    assert screening_rows() == before


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


def test_refusals_say_why_in_the_callers_words(request, ctx):
    client = api(request, "organiser")
    response = client.post(reverse("api-event-links", args=[ctx.cloud.pk]), {"film": ctx.film2.pk}, format="json")
    assert_refused(response, 400, f"“{ctx.film2.title}” is not in “{ctx.cloud.title}”: programme it first.")
    response = client.post(reverse("api-event-links", args=[ctx.week.pk]), {"film": ctx.film2.pk}, format="json")
    assert_refused(response, 409, "Viewer links are for cloud showings; “本周电影周” is not one.")
    response = client.post(reverse("api-event-links", args=[ctx.cloud.pk]), {"film": ctx.film.pk, "label": "x" * 200}, format="json")
    assert_refused(response, 400)
