"""Viewer links: the page a link opens (no account) during the window, and what it says — in
Chinese, or in English for an English browser — before it, after it, and for a revoked, expired or
tampered link, with no media URL in any of those pages; and the organiser's side: make, list,
revoke."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from screenings import links, services
from screenings.models import Event, ViewerLink
from studio.errors import Conflict, Forbidden, Invalid
from tests.support.screenings import screening_rows

MEDIA_MARKERS = ("m3u8", "/watch/file/", ".m4s", "init.mp4", "proxy.mp4", "X-Amz-", "/seen")


def _get(client, url, lang="zh-hans"):
    return client.get(url, HTTP_ACCEPT_LANGUAGE=lang)


def assert_no_media_url(response):
    body = response.content.decode()
    for marker in MEDIA_MARKERS:
        assert marker not in body, f"the page hands out {marker!r}"
    assert "<video" not in body


def _link_to(event, organiser, film, **kwargs):
    link = services.link_create(event=event, user=organiser, film=film, **kwargs)
    return reverse("watch", args=[links.token_for(link)])


def test_during_the_window_the_page_plays_the_film_and_gives_a_viewer_id(live):
    response = _get(Client(), live.page)
    assert response.status_code == 200
    body = response.content.decode()
    assert live.film.title in body and f'data-src="{live.playlist}"' in body and "hls.min.js" in body
    cookie = response.cookies["reelwork_viewer"]
    assert cookie["samesite"] == "Lax" and cookie["httponly"] and cookie["path"] == "/watch/"
    assert response["Cache-Control"] == "no-store"


def test_before_the_window_the_page_says_when_it_opens(cloud, organiser, film):
    services.slot_add(event=cloud, user=organiser, film=film)
    url = _link_to(cloud, organiser, film)
    response = _get(Client(), url)
    assert response.status_code == 200
    assert "展播尚未开始" in response.content.decode()
    assert_no_media_url(response)
    english = _get(Client(), url, "en")
    assert "The showing has not begun" in english.content.decode()
    assert "reelwork_viewer" not in response.cookies


def test_after_the_window_the_page_says_it_has_ended(organiser, film):
    now = timezone.now()
    past = services.event_create(user=organiser, kind=Event.Kind.CLOUD, title="上周的云展播", platform="五华先锋",
                                 starts_at=now - dt.timedelta(days=3), ends_at=now - dt.timedelta(hours=1))
    services.slot_add(event=past, user=organiser, film=film)
    url = _link_to(past, organiser, film)
    response = _get(Client(), url)
    assert response.status_code == 410
    assert "展播已结束" in response.content.decode()
    assert_no_media_url(response)
    assert "The showing has ended" in _get(Client(), url, "en").content.decode()


def test_a_revoked_link_is_refused_at_once(live, organiser):
    services.link_revoke(link=live.link, user=organiser)
    response = _get(Client(), live.page)
    assert response.status_code == 410
    assert "主办方停用" in response.content.decode() and live.film.title not in response.content.decode()
    assert_no_media_url(response)
    assert "withdrawn" in _get(Client(), live.page, "en").content.decode()


def test_an_expired_link_says_so(live, organiser):
    link = services.link_create(event=live.event, user=organiser, film=live.film,
                                expires_at=timezone.now() + dt.timedelta(minutes=5))
    token = links.token_for(link)
    # The row and the token both carry the expiry; a row moved back in time refuses too.
    ViewerLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    response = _get(Client(), reverse("watch", args=[token]))
    assert response.status_code == 410 and "已过期" in response.content.decode()
    assert_no_media_url(response)
    # And at a later time the token alone is expired, whatever the row says.
    assert links.open_token(links.token_for(live.link), now=live.link.expires_at + dt.timedelta(seconds=1)).status == "expired"


@pytest.mark.parametrize("tamper", [
    lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),          # the signature
    lambda t: "x" + t,                                            # the payload
    lambda t: t.split(":")[0],                                    # no signature at all
    lambda t: "not-a-token",
])
def test_a_tampered_token_is_not_a_link(live, tamper):
    response = _get(Client(), reverse("watch", args=[tamper(live.token)]))
    assert response.status_code == 404
    body = response.content.decode()
    assert "链接无效" in body and live.film.title not in body and live.event.title not in body
    assert_no_media_url(response)
    assert "reelwork_viewer" not in response.cookies


def test_a_token_for_a_deleted_or_renewed_row_is_refused_though_its_signature_is_good(live):
    from django.core import signing

    forged_nonce = signing.Signer(salt=links.LINK_SALT).sign_object({"l": live.link.pk, "n": "guessed", "e": 2**31})
    assert _get(Client(), reverse("watch", args=[forged_nonce])).status_code == 404
    ViewerLink.objects.filter(pk=live.link.pk).delete()
    assert _get(Client(), live.page).status_code == 404


def test_a_film_taken_off_the_programme_is_no_longer_shown(live, organiser):
    services.slot_remove(slot=live.event.slots.get(), user=organiser)
    response = _get(Client(), live.page)
    assert response.status_code == 410 and "不在本次展播中" in response.content.decode()
    assert_no_media_url(response)


def test_a_film_not_packaged_yet_says_it_is_being_prepared(organiser, film, storage_dir):
    from tests.support.screenings import open_window

    starts_at, ends_at = open_window()
    event = services.event_create(user=organiser, kind=Event.Kind.CLOUD, title="云展播", platform="五华先锋",
                                  starts_at=starts_at, ends_at=ends_at)
    services.slot_add(event=event, user=organiser, film=film)
    response = _get(Client(), _link_to(event, organiser, film))
    assert response.status_code == 200 and "正在准备" in response.content.decode()
    assert_no_media_url(response)


# --- the organiser's side ------------------------------------------------------------------------


def test_the_organiser_makes_a_link_and_copies_its_url(live, organiser):
    client = Client()
    client.force_login(organiser)
    response = client.post(reverse("link-create", args=[live.event.pk]), {"film": live.film.pk, "label": "学习强国"})
    assert response.status_code == 302
    made = ViewerLink.objects.get(label="学习强国")
    assert made.expires_at == live.event.ends_at + services.LINK_OUTLIVES_SHOWING
    page = client.get(reverse("event-detail", args=[live.event.pk])).content.decode()
    assert f'value="http://testserver{reverse("watch", args=[links.token_for(made)])}"' in page
    assert "Ready to stream" in page or "可以播放" in page


def test_the_organiser_revokes_a_link(live, organiser):
    client = Client()
    client.force_login(organiser)
    assert client.post(reverse("link-revoke", args=[live.link.pk])).status_code == 302
    live.link.refresh_from_db()
    assert live.link.revoked and live.link.revoked_by == organiser
    again = client.post(reverse("link-revoke", args=[live.link.pk]))
    assert again.status_code == 409


def test_another_organiser_may_not_make_or_revoke_links(live, organiser_b):
    before = screening_rows()
    client = Client()
    client.force_login(organiser_b)
    assert client.post(reverse("link-create", args=[live.event.pk]), {"film": live.film.pk}).status_code == 403
    assert client.post(reverse("link-revoke", args=[live.link.pk])).status_code == 403
    with pytest.raises(Forbidden):
        services.link_revoke(link=live.link, user=organiser_b)
    assert screening_rows() == before


def test_a_producer_finds_no_links_to_make_or_revoke(live, producer_a):
    before = screening_rows()
    client = Client()
    client.force_login(producer_a)
    assert client.post(reverse("link-create", args=[live.event.pk]), {"film": live.film.pk}).status_code == 404
    assert client.post(reverse("link-revoke", args=[live.link.pk])).status_code == 404
    assert screening_rows() == before


def test_links_are_for_cloud_showings_and_their_films(live, organiser, film_week, film2):
    before = screening_rows()
    with pytest.raises(Conflict):
        services.link_create(event=film_week, user=organiser, film=live.film)
    with pytest.raises(Invalid):
        services.link_create(event=live.event, user=organiser, film=film2)
    with pytest.raises(Invalid):
        services.link_create(event=live.event, user=organiser, film=live.film, expires_at=timezone.now() - dt.timedelta(minutes=1))
    client = Client()
    client.force_login(organiser)
    response = client.post(reverse("link-create", args=[live.event.pk]), {"film": film2.pk})
    assert response.status_code == 400  # not one of the showing's films: not a choice
    response = client.post(reverse("link-create", args=[live.event.pk]), {"film": live.film.pk, "label": "长" * 61})
    assert response.status_code == 400
    assert screening_rows() == before


def test_a_token_signed_with_a_key_rotated_out_stops_opening_though_it_opened_before(live, settings):
    """A link's signature check is remembered per token (``links._verified``); the keys are part of
    what it is remembered under, so rotating a key out is not undone by that memory."""
    token, old_key = live.token, settings.SECRET_KEY
    assert links.open_token(token).status == "open"
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a-new-key-" + "k" * 50, [old_key]
    assert links.open_token(token).status == "open"  # still signed by a key in use
    settings.SECRET_KEY_FALLBACKS = []
    assert links.open_token(token).status == "bad"
    assert links.claim_of(token) is None
    assert _get(Client(), reverse("watch", args=[token])).status_code == 404
