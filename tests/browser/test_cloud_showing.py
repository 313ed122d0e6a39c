"""A cloud showing, end to end in Chromium: the organiser programmes an approved film into a cloud
showing that is on and makes a viewer link on the event page; the media task packages the film as
HLS (the live server has no worker, so the test runs it); a viewer without an account opens the
link, the video element plays HLS (``currentTime`` advances) and after five seconds of playback
the beacon counts one view — one still after a reload and another five seconds; when the window
has closed the same link refuses, in Chinese, with no video on the page."""

import datetime as dt
import subprocess
import sys

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from media.tasks import package_hls
from projects.models import State
from screenings import services
from screenings.models import Event, OnlineView, Slot
from tests.support import ROOT
from tests.support.clips import make_clip
from tests.support.pages import leave
from tests.support.screenings import give_proxy, open_window

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(scope="module")
def hlsjs():
    """hls.js as ./test fetches it (Debian's Chromium has no HLS of its own): fetched now if missing."""
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "fetch_npm.py"), "--only", "hls.js"], capture_output=True, text=True,
                            timeout=180, stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        pytest.fail(f"hls.js could not be fetched for the browser test:\n{result.stderr}", pytrace=False)


@pytest.fixture
def film(make_project, storage_dir, settings, tmp_path):
    settings.REELWORK_HLS_SEGMENT_SECONDS = 2
    film = make_project(State.APPROVED, title="五华山下的初心故事")
    clip = make_clip(tmp_path / "proxy.mp4", seconds=12, extra=["-g", "25", "-movflags", "+faststart"])
    give_proxy(film, clip)
    return film


def _play_until(page, seconds):
    page.evaluate("() => { const v = document.getElementById('film'); v.muted = true; return v.play(); }")
    page.wait_for_function(f"() => document.getElementById('film').currentTime > {seconds}", timeout=30_000)


def test_a_viewer_watches_a_cloud_showing_through_its_link_and_counts_once(browser, live_server, login, organiser, film, hlsjs):
    starts_at, ends_at = open_window()
    event = services.event_create(user=organiser, kind=Event.Kind.CLOUD, title="“五华先锋”党员教育片云展播",
                                  platform="五华先锋", starts_at=starts_at, ends_at=ends_at)
    page = login("organiser")
    page.goto(f"/screenings/events/{event.pk}/")
    page.select_option("#slot-form select[name=film]", label=film.title)
    with page.expect_navigation():
        page.click("#slot-form button[type=submit]")
    expect(page.locator("#slots")).to_contain_text(film.title)
    leave(page)
    cut = film.deliverables.get(kind="cut").cut
    assert package_hls.call(cut.pk) == "ready"  # queued by the programming; no worker here

    page.goto(f"/screenings/events/{event.pk}/")
    expect(page.locator("#slots .hls-state")).to_have_text("可以播放")
    page.fill("#link-form input[name=label]", "五华先锋 公众号")
    with page.expect_navigation():
        page.click("#link-form button[type=submit]")
    url = page.locator("#links input.link-url").input_value()
    assert url.startswith(live_server.url + "/watch/")
    leave(page)

    viewer = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    viewer.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=""))
    try:
        watch = viewer.new_page()
        watch.goto(url)
        expect(watch.locator("h1")).to_have_text(film.title)
        with watch.expect_response(lambda r: r.url.endswith("/seen")) as beacon:
            _play_until(watch, 6)
        assert beacon.value.status == 201
        # The video really decoded frames from the HLS segments.
        assert watch.evaluate("() => document.getElementById('film').getVideoPlaybackQuality().totalVideoFrames") > 50
        watch.reload()
        with watch.expect_response(lambda r: r.url.endswith("/seen")) as again:
            _play_until(watch, 6)
        assert again.value.status == 200  # the same viewer: not counted again
        leave(watch)
        assert OnlineView.objects.filter(event=event, film=film).count() == 1

        # The window closes: the same link refuses, and the page holds no video.
        closed = timezone.now() - dt.timedelta(minutes=1)
        Slot.objects.filter(event=event).update(starts_at=closed - dt.timedelta(hours=2), ends_at=closed)
        Event.objects.filter(pk=event.pk).update(starts_at=closed - dt.timedelta(hours=2), ends_at=closed)
        response = watch.goto(url)
        assert response.status == 410
        expect(watch.locator("#watch-status")).to_contain_text("展播已结束")
        assert watch.locator("video").count() == 0
    finally:
        viewer.close()
