"""A cut goes up from the browser: chunked, resumable, checked, processed and played.

The producer of a project in production picks a generated clip on the project page; upload.js
sends it in chunks (the chunk size is made small here so a ~1.5 MB clip takes several requests),
the page moves to the cut, and after the processing task has run (the live server has no worker,
so the test runs it) Chromium plays the proxy with its poster, the QC findings are listed and
placed on the timeline. An interrupted upload resumes from the server's offset in a new tab of the
same browser (localStorage remembers the upload), and a text file dressed as .mp4 is refused with
the server's message.
"""

import hashlib
import math
import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from media import ffmpeg
from media.models import Cut, Rendition, Upload
from media.tasks import process_cut
from projects.models import Deliverable, State
from tests.support.clips import make_clip
from tests.support.pages import leave, open_project, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CHUNK = 256 * 1024
UPLOAD_URL = re.compile(r"/uploads/[0-9a-f-]{36}/$")
CUT_URL = re.compile(r"/cuts/(\d+)/$")


@pytest.fixture
def storage_dir(storage_dir, settings):
    """Local storage, and small chunks: upload.js takes the size from the server."""
    settings.REELWORK_UPLOAD_CHUNK_BYTES = CHUNK
    return storage_dir


@pytest.fixture
def production(make_project, storage_dir):
    return make_project(State.PRODUCTION, title="弄堂里的党员先锋岗")


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """5 s of 640x360 at high quality (~1.5 MB, several chunks). The picture fades to black at
    2.4 s and the sound stops at 1.5 s, so QC has findings with a place on the timeline."""
    path = make_clip(
        tmp_path_factory.mktemp("clips") / "先锋岗 样片.mp4", seconds=5, size="640x360",
        extra=("-crf", "6", "-vf", "fade=t=out:st=2.4:d=0.2", "-af", "volume=enable='gte(t,1.5)':volume=0"),
    )
    assert path.stat().st_size > 4 * CHUNK, path.stat().st_size
    return path


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def put_ranges(page):
    """The Content-Range of every PUT the page sends to an upload, in order."""
    ranges = []
    page.on("request", lambda r: ranges.append(r.headers["content-range"]) if r.method == "PUT" and UPLOAD_URL.search(r.url) else None)
    return ranges








def test_producer_uploads_a_cut_in_chunks_and_plays_it(login, screenshot, production, clip, storage_dir):
    data = clip.read_bytes()
    size = len(data)
    producer = login("producer_a")
    open_project(producer, production)
    form = producer.locator("#upload-form")
    bar = form.locator("[role=progressbar]")
    ranges = put_ranges(producer)

    # Hold the 2nd and the 4th chunk in flight to look at the progress bar while it moves.
    held, puts = {}, []

    def hold(route):
        if route.request.method != "PUT":
            return route.continue_()
        puts.append(route.request.headers["content-range"])
        if len(puts) in (2, 4):
            held[len(puts)] = route
        else:
            route.continue_()

    producer.route(UPLOAD_URL, hold)
    producer.set_input_files("#cut-file", str(clip))
    form.locator("textarea[name=note]").fill("第一版：先锋岗全片")
    form.locator("button[type=submit]").click()

    seen = []
    for n in (2, 4):
        wait_until(producer, lambda: n in held)
        offset = (n - 1) * CHUNK
        assert held[n].request.headers["content-range"] == f"bytes {offset}-{offset + CHUNK - 1}/{size}"
        expect(form.locator("button[type=submit]")).to_be_disabled()
        # Bytes arrived so far (the held chunk may count what it has sent of itself already).
        expect(form.locator(".upload-status")).to_contain_text(" / 1.")
        # The bar follows XHR progress events, which may arrive after the route holds the chunk.
        producer.wait_for_function(
            "min => Number(document.querySelector('#upload-form [role=progressbar]').getAttribute('aria-valuenow')) >= min",
            arg=offset / size * 100 - 1e-2,
        )
        seen.append(float(bar.get_attribute("aria-valuenow")) / 100)
        assert offset / size - 1e-4 <= seen[-1] <= (offset + CHUNK) / size
        if n == 2:
            screenshot(producer, "1-uploading")
        held.pop(n).continue_()
    assert 0 < seen[0] < seen[1] < 1  # the bar advances

    producer.wait_for_url(CUT_URL)
    cut_pk = int(CUT_URL.search(producer.url).group(1))
    expected_puts = math.ceil(size / CHUNK)
    assert ranges == [f"bytes {o}-{min(o + CHUNK, size) - 1}/{size}" for o in range(0, size, CHUNK)]
    assert len(ranges) == expected_puts >= 5
    expect(producer.locator("#processing")).to_have_attribute("data-status", "queued")
    expect(producer.locator("#cut-progress")).to_be_visible()
    expect(producer.locator("#player")).to_have_count(0)
    screenshot(producer, "2-queued")
    assert producer.evaluate("Object.keys(localStorage).filter(k => k.startsWith('reelwork-upload:'))") == []
    leave(producer)
    producer.unroute(UPLOAD_URL)

    # What arrived is the file, byte for byte, registered as version 1 of the cut.
    cut = Cut.objects.select_related("deliverable").get(pk=cut_pk)
    assert (cut.deliverable.project_id, cut.deliverable.kind, cut.deliverable.version) == (production.pk, "cut", 1)
    assert cut.deliverable.note == "第一版：先锋岗全片"
    assert (cut.original_name, cut.size) == ("先锋岗 样片.mp4", size)
    assert sha256((storage_dir / cut.original_key).read_bytes()) == sha256(data)
    assert Upload.objects.get().status == Upload.Status.COMPLETE
    assert not list(storage_dir.glob("uploads/*/data"))

    # The live server has no worker: process here, then the page shows the player.
    assert process_cut.call(cut_pk) == "ready"
    cut.refresh_from_db()
    findings = cut.qc["findings"]
    timed = [f for f in findings if f["start"] is not None]
    assert {f["code"] for f in timed} >= {"black", "silence"}
    # The poster waits until the video has its metadata: two media requests at once would share
    # the live server's one in-memory SQLite connection from two threads.
    posters = []
    producer.route(re.compile(r"/cuts/\d+/files/poster\.jpg$"), lambda route: posters.append(route))
    producer.goto(f"/cuts/{cut_pk}/", wait_until="domcontentloaded")  # "load" waits for the poster
    expect(producer.locator("#processing")).to_have_attribute("data-status", "ready")
    player = producer.locator("video#player")
    expect(player).to_have_count(1)
    expect(player).to_have_attribute("src", f"/cuts/{cut_pk}/files/proxy.mp4")
    expect(player).to_have_attribute("poster", f"/cuts/{cut_pk}/files/poster.jpg")
    producer.wait_for_function("document.getElementById('player').readyState >= 1")  # metadata loaded
    wait_until(producer, lambda: posters)
    for route in posters:
        route.continue_()
    producer.unroute(re.compile(r"/cuts/\d+/files/poster\.jpg$"))
    duration = player.evaluate("v => v.duration")
    assert duration == pytest.approx(5.0, abs=0.2)
    assert player.evaluate("v => [v.videoWidth, v.videoHeight]") == [640, 360]
    poster_width = player.evaluate(
        "v => new Promise(done => { const i = new Image(); i.onload = () => done(i.naturalWidth); i.onerror = () => done(-1); i.src = v.poster; })"
    )
    assert poster_width > 0

    # QC: every finding listed, the timed ones placed on the timeline and seeking the player.
    qc = producer.locator("#qc")
    expect(qc.locator("h2 .rag.red")).to_have_count(1)  # 640x360 and 5 s fail the genre's targets
    items = qc.locator("ul li")
    expect(items).to_have_count(len(findings))
    with translation.override("zh-hans"):  # stored as data, worded in the browser's language
        for i, finding in enumerate(cut.findings):
            expect(items.nth(i)).to_contain_text(finding.message)
    expect(qc).to_contain_text("640×360")
    markers = producer.locator("#markers .marker")
    expect(markers).to_have_count(len(timed))
    report_duration = cut.qc["report"]["duration"]
    for i, finding in enumerate(timed):
        left = markers.nth(i).evaluate("m => parseFloat(m.style.left)")
        assert left == pytest.approx(100 * finding["start"] / report_duration, abs=0.5)
    # Findings that overlap in time sit in lanes of their own, so none hides another.
    tops = [markers.nth(i).evaluate("m => parseFloat(m.style.top)") for i in range(len(timed))]
    overlapping = [(a, b) for a in range(len(timed)) for b in range(a + 1, len(timed))
                   if timed[a]["start"] < (timed[b]["end"] or timed[b]["start"]) and timed[b]["start"] < (timed[a]["end"] or timed[a]["start"])]
    assert overlapping, "the QC clip's black and silence overlap: the lanes are exercised"
    for a, b in overlapping:
        assert tops[a] != tops[b], (timed[a], timed[b])
    screenshot(producer, "3-cut-ready")

    # A finding's time link seeks the player, which then has a decoded frame there (ranged reads).
    black = next(f for f in timed if f["code"] == "black")
    producer.click(f"#qc a[data-seek='{black['start']}']")
    producer.wait_for_function(
        f"(p => Math.abs(p.currentTime - {black['start']}) < 0.3 && p.readyState >= 2)(document.getElementById('player'))"
    )
    producer.evaluate("document.getElementById('player').pause()")
    leave(producer)
    assert set(cut.renditions.values_list("kind", flat=True)) == {Rendition.Kind.PROXY, Rendition.Kind.POSTER, Rendition.Kind.SPRITE, Rendition.Kind.THUMBS}


def interrupt_after_two_chunks(login, screenshot, project, clip):
    """Start uploading ``clip``, let two chunks through, then cut the connection and close the tab.
    Returns the browser context (its localStorage remembers the upload) and the open upload."""
    size = clip.stat().st_size
    first = login("producer_a")
    open_project(first, project)
    retrying = first.locator("#upload-form").get_attribute("data-retrying")
    passed = []

    def cut_off(route):
        if route.request.method == "PUT":
            if len(passed) >= 2:
                return route.abort("internetdisconnected")
            passed.append(route.request.headers["content-range"])
        route.continue_()

    first.route(UPLOAD_URL, cut_off)
    first.set_input_files("#cut-file", str(clip))
    first.click("#upload-form button[type=submit]")
    expect(first.locator("#upload-form .upload-status")).to_contain_text(retrying)  # upload.js waits to retry
    if screenshot:
        screenshot(first, "1-connection-lost")
    first.close()
    assert passed == [f"bytes 0-{CHUNK - 1}/{size}", f"bytes {CHUNK}-{2 * CHUNK - 1}/{size}"]
    upload = Upload.objects.get()
    assert (upload.status, upload.received, upload.size) == (Upload.Status.OPEN, 2 * CHUNK, size)
    assert not Cut.objects.exists()
    return first.context, upload


def resume_in_new_tab(context, project, clip, upload):
    """Open the project in a new tab of the same browser, pick the same file, submit; return the
    page (on the cut once the upload completed) and the Content-Range of every PUT it sent."""
    page = context.new_page()
    open_project(page, project)
    memo = page.evaluate("Object.entries(localStorage).filter(([k]) => k.startsWith('reelwork-upload:'))")
    assert [value for _, value in memo] == [str(upload.pk)]
    ranges = put_ranges(page)
    page.set_input_files("#cut-file", str(clip))
    with page.expect_response(lambda r: r.request.method == "GET" and r.url.endswith(f"/uploads/{upload.pk}/")) as asked:
        page.click("#upload-form button[type=submit]")
    assert asked.value.json()["offset"] == 2 * CHUNK
    page.wait_for_url(CUT_URL)
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('reelwork-upload:'))") == []
    return page, ranges


def test_an_interrupted_upload_resumes_in_a_new_tab(login, screenshot, production, clip, storage_dir):
    data = clip.read_bytes()
    size = len(data)
    context, upload = interrupt_after_two_chunks(login, screenshot, production, clip)
    second, ranges = resume_in_new_tab(context, production, clip, upload)
    cut_pk = int(CUT_URL.search(second.url).group(1))

    # The new tab started at the server's offset, never at 0, and sent the rest without a gap.
    starts_ends = [tuple(map(int, re.fullmatch(rf"bytes (\d+)-(\d+)/{size}", r).groups())) for r in ranges]
    assert starts_ends[0][0] == 2 * CHUNK
    assert not [r for r in ranges if r.startswith("bytes 0-")]
    assert all(b[0] == a[1] + 1 for a, b in zip(starts_ends, starts_ends[1:]))
    assert starts_ends[-1][1] == size - 1
    screenshot(second, "2-resumed-cut")
    leave(second)

    upload.refresh_from_db()
    assert (Upload.objects.count(), upload.status, upload.cut_id) == (1, Upload.Status.COMPLETE, cut_pk)
    cut = Cut.objects.get()
    assert cut.pk == cut_pk and cut.size == size
    assert sha256((storage_dir / cut.original_key).read_bytes()) == sha256(data)
    assert Deliverable.objects.filter(project=production, kind="cut").count() == 1


def test_a_resumed_upload_keeps_the_servers_chunk_size(login, production, clip, storage_dir):
    size = clip.stat().st_size
    context, upload = interrupt_after_two_chunks(login, None, production, clip)
    page, ranges = resume_in_new_tab(context, production, clip, upload)
    leave(page)
    assert ranges == [f"bytes {o}-{min(o + CHUNK, size) - 1}/{size}" for o in range(2 * CHUNK, size, CHUNK)]


def test_a_text_file_named_mp4_is_refused_with_the_servers_message(login, screenshot, production, storage_dir, tmp_path):
    fake = tmp_path / "样片.mp4"
    fake.write_text("这不是视频，是会议纪要。\n" * 400, encoding="utf-8")
    with pytest.raises(ffmpeg.FFmpegError) as refused, translation.override("zh-hans"):
        ffmpeg.probe(fake)
    with translation.override("zh-hans"):
        message = refused.value.message

    producer = login("producer_a")
    open_project(producer, production)
    producer.set_input_files("#cut-file", str(fake))
    with producer.expect_response(lambda r: r.request.method == "PUT" and UPLOAD_URL.search(r.url)) as put:
        producer.click("#upload-form button[type=submit]")
    assert put.value.status == 400
    assert put.value.json()["detail"] == message
    status = producer.locator("#upload-form .upload-status")
    expect(status).to_have_text(message)
    expect(producer.locator("#upload-form button[type=submit]")).to_be_enabled()  # may pick another file
    screenshot(producer, "refused")
    assert re.search(r"/projects/\d+/$", producer.url)

    upload = Upload.objects.get()
    with translation.override("zh-hans"):  # the reason is stored as a code, worded when read
        assert (upload.status, upload.error) == (Upload.Status.FAILED, message)
    assert not Cut.objects.exists()
    assert not Deliverable.objects.filter(project=production, kind="cut").exists()
    assert not [p for p in storage_dir.rglob("*") if p.is_file()]  # the partial bytes are gone
