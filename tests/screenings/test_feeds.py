"""The films' feeds for new-media platforms: JSON Feed and RSS list approved and screening films
only, with title, synopsis, genre, running time, a poster URL a platform can fetch without an
account (signed; 404 once the film leaves the feed) and the viewer links of cloud showings open
now or soon."""

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from media import showings, storage
from media.models import Cut, Rendition
from projects import services as project_services
from projects.models import State
from screenings import feeds, links, services
from screenings.models import Event
from tests.support.factories import png_bytes
from tests.support.screenings import open_window

POSTER = png_bytes(4, 4)


def _with_poster_and_duration(film, seconds=754.4):
    cut = showings.film_cut(film)
    key = storage.rendition_key(film.pk, cut.deliverable.version, "poster.jpg")
    storage.save(key=key, content=POSTER)
    Rendition.objects.create(cut=cut, kind=Rendition.Kind.POSTER, key=key, size=len(POSTER))
    Cut.objects.filter(pk=cut.pk).update(probe={"duration": seconds})
    return cut


@pytest.fixture
def world(storage_dir, make_project, organiser, film, film2):
    in_production = make_project(State.PANEL_REVIEW, title="还在拍的片子")
    _with_poster_and_duration(film)
    starts_at, ends_at = open_window()
    now_on = services.event_create(user=organiser, kind=Event.Kind.CLOUD, title="云展播（进行中）", platform="五华先锋",
                                   starts_at=starts_at, ends_at=ends_at)
    services.slot_add(event=now_on, user=organiser, film=film)
    live = services.link_create(event=now_on, user=organiser, film=film, label="公众号")
    revoked = services.link_revoke(link=services.link_create(event=now_on, user=organiser, film=film), user=organiser)
    later = timezone.now() + dt.timedelta(days=30)
    far = services.event_create(user=organiser, kind=Event.Kind.CLOUD, title="下个月的云展播", platform="五华先锋",
                                starts_at=later, ends_at=later + dt.timedelta(days=1))
    services.slot_add(event=far, user=organiser, film=film2)
    not_soon = services.link_create(event=far, user=organiser, film=film2)
    return {"film": film, "film2": film2, "in_production": in_production, "live": live, "revoked": revoked, "not_soon": not_soon}


def _json(client=None):
    response = (client or Client()).get(reverse("feed-films-json"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/feed+json")
    return response, response.json()


def test_the_json_feed_lists_published_films_with_their_fields(world):
    response, body = _json()
    assert body["version"] == "https://jsonfeed.org/version/1.1"
    items = {item["title"]: item for item in body["items"]}
    assert set(items) == {"五华山下的初心故事", "西翥山村的数字课堂"}
    item = items["五华山下的初心故事"]
    assert item["content_text"] == "一个关于社区党员的故事。"
    assert item["tags"] == [world["film"].genre.name]
    extra = item["_reelwork"]
    assert extra["genre"]["code"] == "exemplary" and extra["running_time_seconds"] == 754
    assert extra["state"] == State.SCREENING
    (showing,) = extra["showings"]
    assert showing["url"] == "http://testserver" + links.watch_path(world["live"])
    assert showing["event"] == "云展播（进行中）" and showing["platform"] == "五华先锋"
    assert item["url"] == showing["url"]
    assert item["image"].startswith("http://testserver/feeds/posters/")
    # The film without a poster or a current showing is listed without them.
    assert "image" not in items["西翥山村的数字课堂"] and items["西翥山村的数字课堂"]["_reelwork"]["showings"] == []
    assert "还在拍的片子" not in response.content.decode()
    assert links.token_for(world["revoked"]) not in response.content.decode()
    assert links.token_for(world["not_soon"]) not in response.content.decode()


def test_a_film_leaves_the_feeds_when_it_is_no_longer_approved(world, office):
    world["film2"].refresh_from_db()
    project_services.project_fire(project=world["film2"], user=office, name="archive", reason="展播结束")
    _, body = _json()
    assert [item["title"] for item in body["items"]] == ["五华山下的初心故事"]


def test_the_rss_feed_lists_the_same_films_with_poster_genre_and_links(world):
    response = Client().get(reverse("feed-films-rss"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/rss+xml")
    channel = ET.fromstring(response.content).find("channel")
    items = {item.findtext("title"): item for item in channel.findall("item")}
    assert set(items) == {"五华山下的初心故事", "西翥山村的数字课堂"}
    item = items["五华山下的初心故事"]
    assert item.findtext("category") == world["film"].genre.name
    assert item.findtext("guid") == f"reelwork-film-{world['film'].pk}"
    assert item.find("enclosure").get("url").startswith("http://testserver/feeds/posters/")
    description = item.findtext("description")
    assert "一个关于社区党员的故事。" in description and "13" in description
    assert links.watch_path(world["live"]) in description and item.findtext("link").endswith(links.watch_path(world["live"]))
    assert "还在拍的片子" not in response.content.decode()


def test_a_platform_fetches_the_poster_without_an_account(world):
    _, body = _json()
    url = next(item["image"] for item in body["items"] if "image" in item)
    response = Client().get(url.removeprefix("http://testserver"))
    assert response.status_code == 200 and b"".join(response.streaming_content) == POSTER
    assert "public" in response["Cache-Control"]


def test_a_tampered_poster_url_or_one_of_a_film_that_left_the_feed_is_404(world, office):
    film = world["film"]
    cut = showings.film_cut(film)
    good = feeds.poster_path(film.pk, cut.pk)
    signed = good.removeprefix("/feeds/posters/").removesuffix(".jpg")
    tampered = reverse("feed-poster", args=[signed[:-1] + ("A" if signed[-1] != "A" else "B")])
    assert Client().get(tampered).status_code == 404
    # A poster of a film in production: signing its ids by hand still gets nothing.
    hidden = world["in_production"]
    hidden_cut = _with_poster_and_duration(hidden)
    assert Client().get(feeds.poster_path(hidden.pk, hidden_cut.pk)).status_code == 404
    assert Client().get(good).status_code == 200
    film.refresh_from_db()
    project_services.project_fire(project=film, user=office, name="archive", reason="展播结束")
    assert Client().get(good).status_code == 404


def test_the_feeds_are_cached_briefly(world):
    response, _ = _json()
    assert f"max-age={feeds.CACHE_SECONDS}" in response["Cache-Control"]
    rss = Client().get(reverse("feed-films-rss"))
    assert f"max-age={feeds.CACHE_SECONDS}" in rss["Cache-Control"]


def test_the_feeds_answer_head_and_refuse_changes(world):
    for name in ("feed-films-json", "feed-films-rss", "calendar-public"):
        assert Client().head(reverse(name)).status_code == 200
        assert Client().post(reverse(name)).status_code == 405
