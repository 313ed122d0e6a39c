"""The viewer page's beacon: a view counts once per viewer (the cookie the page sets), event and
film, whatever the reloads, tabs and replays; a beacon without the page's cookie, from another
site, or for a link that does not play now counts nothing."""

from django.test import Client
from django.urls import reverse

from screenings import links, services
from screenings.models import OnlineView


def _viewer(live) -> Client:
    """A browser that opened the link's page (and so holds a viewer id)."""
    client = Client()
    assert client.get(live.page).status_code == 200
    return client


def _views(live):
    return OnlineView.objects.filter(event=live.event, film=live.film).count()


def test_the_same_viewer_counts_once_whatever_reloads_and_replays(live):
    viewer = _viewer(live)
    first = viewer.post(live.seen)
    assert first.status_code == 201 and first.json() == {"counted": True}
    viewer_id = viewer.cookies["reelwork_viewer"].value
    # A reload keeps the viewer id; a replay or another tab sends the beacon again.
    reload = viewer.get(live.page)
    assert "reelwork_viewer" not in reload.cookies and viewer.cookies["reelwork_viewer"].value == viewer_id
    again = viewer.post(live.seen)
    assert again.status_code == 200 and again.json() == {"counted": False}
    assert _views(live) == 1
    assert str(OnlineView.objects.get().viewer_id) == viewer_id


def test_another_viewer_counts_again(live):
    assert _viewer(live).post(live.seen).status_code == 201
    assert _viewer(live).post(live.seen).status_code == 201
    assert _views(live) == 2


def test_a_second_link_to_the_same_film_counts_the_same_viewer_once(live, organiser):
    other = services.link_create(event=live.event, user=organiser, film=live.film, label="学习强国")
    viewer = _viewer(live)
    viewer.post(live.seen)
    assert viewer.post(reverse("watch-seen", args=[links.token_for(other)])).status_code == 200
    assert _views(live) == 1


def test_a_beacon_without_the_pages_cookie_counts_nothing(live):
    response = Client().post(live.seen)
    assert response.status_code == 400 and "先打开展播页面" in response.content.decode()
    client = Client()
    client.cookies["reelwork_viewer"] = "not-a-uuid"
    assert client.post(live.seen).status_code == 400
    assert _views(live) == 0


def test_a_beacon_from_another_site_is_refused(live):
    viewer = _viewer(live)
    assert viewer.post(live.seen, HTTP_SEC_FETCH_SITE="cross-site").status_code == 403
    assert viewer.post(live.seen, HTTP_ORIGIN="https://evil.example").status_code == 403
    assert _views(live) == 0
    assert viewer.post(live.seen, HTTP_SEC_FETCH_SITE="same-origin", HTTP_ORIGIN="http://testserver").status_code == 201


def test_a_beacon_for_a_link_that_does_not_play_now_counts_nothing(live, organiser, cloud, film2):
    viewer = _viewer(live)
    # A bad token, a showing not yet open, a film taken off the programme, a revoked link.
    assert viewer.post(live.seen.replace(live.token, live.token + "x")).status_code == 404
    services.slot_add(event=cloud, user=organiser, film=film2)
    early = services.link_create(event=cloud, user=organiser, film=film2)
    assert viewer.post(reverse("watch-seen", args=[links.token_for(early)])).status_code == 403
    services.link_revoke(link=live.link, user=organiser)
    assert viewer.post(live.seen).status_code == 410
    assert OnlineView.objects.count() == 0


def test_a_beacon_for_a_film_no_longer_in_the_showing_counts_nothing(live, organiser):
    viewer = _viewer(live)
    services.slot_remove(slot=live.event.slots.get(), user=organiser)
    assert viewer.post(live.seen).status_code == 410
    assert OnlineView.objects.count() == 0


def test_the_beacon_is_post_only(live):
    viewer = _viewer(live)
    assert viewer.get(live.seen).status_code == 405
    assert _views(live) == 0
