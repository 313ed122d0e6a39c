"""Uploads that inform (issue 11, item 4): while a new cut goes up, the page says how many bytes
have gone, how fast and how long is left, and the bar moves within a chunk, not only when one has
arrived; leaving the page mid-upload asks first, and only then; the previous version's actions
are disabled, with the reason, until the new one has arrived.

Chromium's own network throttling (DevTools' upload throughput) slows the first chunk so the test
can watch inside it; then the throttle is lifted and the upload finishes as usual.
"""

import re

import pytest
from playwright.sync_api import expect

from media.models import Cut
from projects import services as project_services
from projects.models import State
from tests.browser.conftest import TIMEOUT_MS
from tests.support.browser import sign_in
from tests.support.clips import make_clip
from tests.support.factories import processed_cut
from tests.support.pages import leave, open_project, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CHUNK = 256 * 1024
UPLOAD_URL = re.compile(r"/uploads/[0-9a-f-]{36}/$")
CUT_URL = re.compile(r"/cuts/(\d+)/$")
# "320 KB / 1.1 MB · 64.0 KB/s · 剩余约 15秒"
BYTES = r"[\d.,]+ (B|KB|MB)"


@pytest.fixture
def storage_dir(storage_dir, settings):
    settings.REELWORK_UPLOAD_CHUNK_BYTES = CHUNK
    return storage_dir


@pytest.fixture
def with_version_1(make_project, producer_a, storage_dir):
    """A project in production whose cut v1 is processed, QC passed, a draft: submittable."""
    project = make_project(State.PRODUCTION, title="弄堂里的党员先锋岗")
    deliverable = project_services.deliverable_save(project=project, user=producer_a, kind="cut", base_version=0,
                                                    note="v1", from_upload=True)
    processed_cut(deliverable)
    return project


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    path = make_clip(tmp_path_factory.mktemp("clips") / "v2.mp4", seconds=3, size="640x360", extra=("-crf", "8"))
    assert path.stat().st_size > 2 * CHUNK, path.stat().st_size
    return path


def log_in(browser, live_server, locale):
    return sign_in(browser, live_server, "producer_a", locale=locale, viewport={"width": 1280, "height": 900},
                   timeout_ms=TIMEOUT_MS)


def throttle(page, bytes_per_second):
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": bytes_per_second,
    })
    return cdp


@pytest.mark.parametrize("locale, speed_word, left_word", [("zh-CN", "/s", "剩余约"), ("en-US", "/s", "left")], ids=["zh", "en"])
def test_an_upload_says_bytes_speed_and_time_left_within_a_chunk_and_guards_the_page(
    browser, live_server, screenshot, with_version_1, clip, locale, speed_word, left_word
):
    size = clip.stat().st_size
    context, page = log_in(browser, live_server, locale)
    try:
        open_project(page, with_version_1)
        submit_v1 = page.locator("button[name=submit-deliverable]")
        expect(submit_v1).to_be_enabled()
        expect(page.locator("#submit-held")).to_be_hidden()
        answered, dialogs = [], []
        page.on("response", lambda r: answered.append(r.url) if r.request.method == "PUT" and UPLOAD_URL.search(r.url) else None)

        def on_dialog(dialog):
            dialogs.append(dialog.type)
            dialog.dismiss()  # stay on the page

        page.on("dialog", on_dialog)
        cdp = throttle(page, 48 * 1024)  # the first 256 KiB chunk takes about five seconds
        page.set_input_files("#cut-file", str(clip))
        page.click("#upload-form button[type=submit]")

        status = page.locator("#upload-form .upload-status")
        bar = page.locator("#upload-form [role=progressbar]")
        # Inside the first chunk (no PUT has been answered): the text and the bar move.
        expect(status).to_contain_text(speed_word, timeout=TIMEOUT_MS)
        first_text, first_value = status.text_content(), float(bar.get_attribute("aria-valuenow"))
        wait_until(page, lambda: float(bar.get_attribute("aria-valuenow")) > first_value + 2)
        later_text, later_value = status.text_content(), float(bar.get_attribute("aria-valuenow"))
        assert answered == [], "the bar should move before the first chunk is answered"
        assert 0 < first_value < later_value < 100 * CHUNK / size
        for text in (first_text, later_text):
            assert re.match(rf"^{BYTES} / {BYTES} · {BYTES}{re.escape(speed_word)} · .*{left_word}", text), text
        assert later_text != first_text
        assert re.match(rf"^{BYTES} / {BYTES}", bar.get_attribute("aria-valuetext"))  # what a screen reader reads on the bar
        # The live region is not fed every figure: it says the upload's state at a calm rate.
        assert page.locator("#upload-form .upload-announce").get_attribute("role") == "status"

        # The previous version's actions wait, saying why.
        expect(submit_v1).to_be_disabled()
        expect(page.locator("#submit-held")).to_be_visible()
        expect(page.locator("#submit-held")).to_contain_text("1")  # names the version it holds back
        screenshot(page, f"uploading-{locale}")

        # Leaving mid-upload asks first; staying keeps the upload going.
        page.evaluate("() => { window.location.href = '/'; }")
        wait_until(page, lambda: dialogs)
        assert dialogs == ["beforeunload"]
        assert re.search(r"/projects/\d+/$", page.url)

        # Lift the throttle: the upload ends, and the page moves to the new cut without asking.
        cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
        page.wait_for_url(CUT_URL)
        assert dialogs == ["beforeunload"]
        cut_pk = int(CUT_URL.search(page.url).group(1))
        leave(page)
        assert dialogs == ["beforeunload"]
    finally:
        context.close()
    cut = Cut.objects.select_related("deliverable").get(pk=cut_pk)
    assert (cut.deliverable.version, cut.size) == (2, size)


def test_after_a_refused_upload_leaving_asks_nothing_and_version_1_can_be_submitted(
    browser, live_server, with_version_1, tmp_path
):
    fake = tmp_path / "样片.mp4"
    fake.write_text("这不是视频。\n" * 300, encoding="utf-8")
    context, page = log_in(browser, live_server, "zh-CN")
    try:
        dialogs = []
        page.on("dialog", lambda d: (dialogs.append(d.type), d.dismiss()))
        open_project(page, with_version_1)
        page.set_input_files("#cut-file", str(fake))
        with page.expect_response(lambda r: r.request.method == "PUT" and UPLOAD_URL.search(r.url)) as put:
            page.click("#upload-form button[type=submit]")
        assert put.value.status == 400
        expect(page.locator("#upload-form .upload-status")).to_have_text(put.value.json()["detail"])
        expect(page.locator("button[name=submit-deliverable]")).to_be_enabled()
        expect(page.locator("#submit-held")).to_be_hidden()
        with page.expect_navigation():
            page.evaluate("() => { window.location.href = '/'; }")
        assert dialogs == []
    finally:
        context.close()
