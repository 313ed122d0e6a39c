"""A cut goes from Chromium straight to the bucket (S3 mode), against the real S3 API server.

The producer of a project in production picks a generated ~11 MB clip and Chinese subtitles on
the project page; upload.js asks the app for presigned part URLs and PUTs the three parts (5 MiB,
5 MiB and the rest) side by side to the S3 endpoint itself (127.0.0.1:7480, another origin: the
bucket allows the live server's origin by CORS), so none of the file's bytes pass through the
app. The page then waits while the server reads the object back; the live server has no worker,
so the test runs ``verify_upload`` (and later ``process_cut``) itself, and the page moves to the
cut, which plays in Chromium with its subtitles showing. An upload interrupted after parts 1 and 3
landed resumes in a new tab of the same browser by sending part 2 only.

The live server shares one in-memory SQLite connection with this thread: the test touches the
database only while the page waits on a request the test holds or after it left the app, and the
part-URL requests reach the app one at a time (upload.js shares one request between its workers;
``one_at_a_time`` makes sure of it).

When the app refuses more part URLs half-way (the project was cancelled, the session ended), the
page says why and lets the producer try again instead of retrying forever.

Whenever a page or its context has a route (the ``login`` fixture routes the favicon), Playwright
answers CORS preflights itself, so the preflight to the bucket is checked here with a plain HTTP
OPTIONS as the browser sends it; Chromium still checks the CORS headers of the real PUT answers.
"""

import hashlib
import re
import shutil
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import translation
from playwright.sync_api import expect

from media import storage
from media.models import Cut, Rendition, Upload
from media.tasks import process_cut, verify_upload
from projects.models import Deliverable, State
from tests.support.http import http_request
from tests.support.pages import leave, open_project, wait_until
from tests.support.s3 import TEST_ORIGIN

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

MiB = 1024 * 1024
PART = 5 * MiB  # the S3 minimum (but for the last part): the ~11 MB clip goes up in 3 parts
NAME = "第二版 样片.mp4"
UPLOAD_URL = re.compile(r"/uploads/[0-9a-f-]{36}/$")
PART_URLS_URL = re.compile(r"/uploads/[0-9a-f-]{36}/part-urls/\?")
COMPLETE_URL = re.compile(r"/uploads/[0-9a-f-]{36}/complete/$")
CUT_URL = re.compile(r"/cuts/(\d+)/$")
CUES = [(0.0, 0.5, "党员先锋岗，守护弄堂烟火气"), (0.5, 1.0, "有事找我们：居民的事就是我们的事")]


@pytest.fixture
def s3_mode(s3_settings, settings):
    """S3 mode with 5 MiB parts: upload.js takes the part size from the server."""
    settings.REELWORK_UPLOAD_CHUNK_BYTES = PART
    return s3_settings


@pytest.fixture
def bucket_cors(s3_mode, live_server):
    """Let pages of the live server PUT parts to the bucket; the session's rule comes back after."""
    storage.ensure_bucket(cors_origins=[live_server.url, TEST_ORIGIN])
    yield live_server.url
    storage.ensure_bucket(cors_origins=[TEST_ORIGIN])


@pytest.fixture
def production(make_project, bucket_cors):
    return make_project(State.PRODUCTION, title="弄堂里的党员先锋岗")


@pytest.fixture(scope="module")
def big_clip(clips, tmp_path_factory):
    """The session's incompressible clip under the name the producer gave it."""
    path = tmp_path_factory.mktemp("s3clip") / NAME
    shutil.copyfile(clips.incompressible(), path)
    assert 2 * PART < path.stat().st_size < 3 * PART, path.stat().st_size
    return path


@pytest.fixture
def subtitles_file(tmp_path):
    """Two cues in UTF-8 SRT, as editing software writes them (CRLF)."""
    path = tmp_path / "第二版 字幕.srt"
    blocks = [f"{n}\r\n{srt_time(start)} --> {srt_time(end)}\r\n{text}\r\n" for n, (start, end, text) in enumerate(CUES, 1)]
    path.write_bytes("\r\n".join(blocks).encode("utf-8"))
    return path


def srt_time(seconds: float) -> str:
    millis = round(seconds * 1000)
    return f"00:00:{millis // 1000:02d},{millis % 1000:03d}"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def part_sizes(size: int) -> list[int]:
    return [min(PART, size - start) for start in range(0, size, PART)]


def host(url: str) -> str:
    return urlsplit(url).netloc


def query(url: str, name: str) -> str:
    return parse_qs(urlsplit(url).query)[name][0]


def part_number(url: str) -> int:
    return int(query(url, "partNumber"))


def s3_part_puts(requests, endpoint_url):
    """The PUTs the page sent to the S3 endpoint, each as (part number, request)."""
    return [(part_number(r.url), r) for r in requests if r.method == "PUT" and host(r.url) == host(endpoint_url)]


def record_requests(page):
    requests = []
    page.on("request", lambda request: requests.append(request))
    return requests








def one_at_a_time(page, *, hold_when=lambda url: False):
    """upload.js's workers ask for part URLs side by side: let those requests reach the app one
    after the other, the next once the previous has finished (a blocking ``route.fetch`` in the
    handler would not do: Playwright runs the other handlers while it waits). A request for which
    ``hold_when(url)`` holds is kept waiting forever. Returns the URLs asked for."""
    asked, waiting, busy = [], [], []

    def next_one():
        if waiting and not busy:
            busy.append(True)
            waiting.pop(0).continue_()

    def queue(route):
        asked.append(route.request.url)
        if not hold_when(route.request.url):  # else never answered: nothing is left running in the app
            waiting.append(route)
            next_one()

    def finished(request):
        if PART_URLS_URL.search(request.url) and busy:
            busy.clear()
            next_one()

    page.on("requestfinished", finished)
    page.on("requestfailed", finished)
    page.route(PART_URLS_URL, queue)
    return asked


def hold_the_check(page):
    """Hold the page's status polls (GET /uploads/<id>/) once it has asked for the check (POST
    .../complete/): while the page waits on one, the test may use the database. An earlier GET
    (the resume asking what the bucket holds) goes through. ``gate["held"]`` lists the held polls;
    ``release(gate)`` lets them and any later poll through."""
    gate = {"completed": False, "open": False, "held": []}

    def complete(route):
        gate["completed"] = True
        route.continue_()

    def poll(route):
        if route.request.method == "GET" and gate["completed"] and not gate["open"]:
            gate["held"].append(route)
        else:
            route.continue_()

    page.route(COMPLETE_URL, complete)
    page.route(UPLOAD_URL, poll)
    return gate


def release(gate):
    gate["open"] = True
    for route in gate["held"]:
        route.continue_()
    gate["held"].clear()


def check_upload(page, gate, *, size, shoot=None):
    """The page has sent every part and waits for the check: run the verification task the worker
    would run, then let the page see the result. Returns the upload."""
    checking = page.locator("#upload-form").get_attribute("data-checking")
    wait_until(page, lambda: gate["held"])
    expect(page.locator("#upload-form .upload-status")).to_have_text(checking)
    assert page.locator("#upload-form [role=progressbar]").get_attribute("aria-valuenow") is None  # indeterminate
    if shoot:
        shoot(page, "1-checking")
    upload = Upload.objects.get()
    assert (upload.status, upload.size, upload.received) == (Upload.Status.VERIFYING, size, size)
    assert storage.head(key=upload.key)["size"] == size  # assembled in the bucket
    assert not Cut.objects.exists()  # not before the read-back
    assert verify_upload.call(str(upload.pk)) == "ready"
    release(gate)
    return upload


def test_a_cut_goes_straight_to_the_bucket_with_subtitles_and_plays(login, screenshot, production, big_clip, subtitles_file, s3_mode, live_server):
    data = big_clip.read_bytes()
    size = len(data)
    sizes = part_sizes(size)
    assert len(sizes) == 3
    producer = login("producer_a")
    open_project(producer, production)
    requests = record_requests(producer)
    part_urls = one_at_a_time(producer)
    gate = hold_the_check(producer)

    producer.set_input_files("#cut-file", str(big_clip))
    producer.set_input_files("#cut-subtitles", str(subtitles_file))
    producer.locator("#upload-form textarea[name=note]").fill("第二版：直传对象存储")
    producer.click("#upload-form button[type=submit]")
    upload = check_upload(producer, gate, size=size, shoot=screenshot)
    producer.wait_for_url(CUT_URL)
    cut_pk = int(CUT_URL.search(producer.url).group(1))
    assert upload.s3_upload_id and upload.key == f"cuts/{production.pk}/originals/{upload.pk}/{NAME}"

    # The three parts went straight to the S3 endpoint, each once, to this upload, before "complete".
    puts = s3_part_puts(requests, s3_mode["endpoint_url"])
    assert sorted(n for n, _ in puts) == [1, 2, 3]
    assert {query(r.url, "uploadId") for _, r in puts} == {upload.s3_upload_id}
    complete = min(requests.index(r) for r in requests if r.method == "POST" and COMPLETE_URL.search(r.url))
    assert max(requests.index(r) for _, r in puts) < complete  # every part before "complete"
    for number, put in puts:
        answer = put.response()
        assert answer.status == 200 and answer.header_value("etag"), (number, answer.status)
        # Chromium let the page read this cross-origin answer: the bucket allowed the origin.
        assert answer.header_value("access-control-allow-origin") == live_server.url
        assert len(put.post_data_buffer) == sizes[number - 1]
    asked = [r for r in requests if PART_URLS_URL.search(r.url)]
    assert asked and [r.response().status for r in asked] == [200] * len(asked) == [200] * len(part_urls)

    # The app got none of the file's bytes: no PUT, and no request body near a part's size.
    app = [r for r in requests if host(r.url) == host(live_server.url)]
    assert [r.url for r in app if r.method == "PUT"] == []
    assert max(len(r.post_data_buffer or b"") for r in app) < 64 * 1024
    assert {r.method for r in requests if host(r.url) not in (host(live_server.url), host(s3_mode["endpoint_url"]))} <= {"GET"}

    # The preflight Chromium sends before a PUT to the bucket (answered by Playwright here, as the
    # pages have routes) is one the real server accepts for the live server's origin.
    status, headers, _ = http_request("OPTIONS", puts[0][1].url, headers={"Origin": live_server.url, "Access-Control-Request-Method": "PUT"})
    assert status == 200 and headers["Access-Control-Allow-Origin"] == live_server.url
    assert "PUT" in headers["Access-Control-Allow-Methods"]

    # On the cut page, queued for processing, with the subtitles that went up after the check.
    expect(producer.locator("#processing")).to_have_attribute("data-status", "queued")
    expect(producer.locator(f"#subtitles a[href='/cuts/{cut_pk}/files/subtitles.vtt']")).to_have_count(1)
    expect(producer.locator("#subtitles-error")).to_be_hidden()
    assert producer.evaluate("Object.keys(localStorage).filter(k => k.startsWith('reelwork-upload:'))") == []
    screenshot(producer, "2-queued")
    leave(producer)

    upload.refresh_from_db()
    cut = Cut.objects.select_related("deliverable").get(pk=cut_pk)
    assert (upload.status, upload.cut_id) == (Upload.Status.COMPLETE, cut_pk)
    assert (cut.deliverable.project_id, cut.deliverable.kind, cut.deliverable.version) == (production.pk, "cut", 1)
    assert cut.deliverable.note == "第二版：直传对象存储"
    assert (cut.original_name, cut.original_key, cut.size, cut.sha256) == (NAME, upload.key, size, sha256(data))
    assert upload.part_sha256 == [sha256(data[i:i + PART]) for i in range(0, size, PART)]
    assert storage.head(key=cut.original_key)["size"] == size
    vtt = b"".join(storage.iter_chunks(key=cut.subtitles_key)).decode("utf-8")
    assert vtt.startswith("WEBVTT") and all(text in vtt for _, _, text in CUES)

    # The live server has no worker: process here (ffmpeg reads the original from the bucket).
    assert process_cut.call(cut_pk) == "ready"
    assert set(cut.renditions.values_list("kind", flat=True)) == {Rendition.Kind.PROXY, Rendition.Kind.POSTER, Rendition.Kind.SPRITE, Rendition.Kind.THUMBS}

    # The poster and the subtitles wait until the video has its metadata, then go one by one: the
    # live server's one in-memory SQLite connection must not serve two requests at once.
    side_files = re.compile(r"/cuts/\d+/files/(poster\.jpg|subtitles\.vtt)$")
    held = {}
    producer.route(side_files, lambda route: held.setdefault(side_files.search(route.request.url).group(1), route))
    producer.goto(f"/cuts/{cut_pk}/", wait_until="domcontentloaded")  # "load" waits for the poster
    expect(producer.locator("#processing")).to_have_attribute("data-status", "ready")
    player = producer.locator("video#player")
    expect(player).to_have_attribute("src", f"/cuts/{cut_pk}/files/proxy.mp4")
    track = player.locator("track[kind=subtitles]")
    expect(track).to_have_count(1)
    expect(track).to_have_attribute("src", f"/cuts/{cut_pk}/files/subtitles.vtt")
    expect(track).to_have_attribute("srclang", "zh")
    producer.wait_for_function("document.getElementById('player').readyState >= 1")
    wait_until(producer, lambda: "subtitles.vtt" in held)
    held.pop("subtitles.vtt").continue_()
    producer.wait_for_function("document.querySelector('#player track[kind=subtitles]').readyState === 2")  # loaded
    wait_until(producer, lambda: "poster.jpg" in held)
    held.pop("poster.jpg").continue_()
    producer.unroute(side_files)
    assert player.evaluate("v => v.duration") == pytest.approx(1.0, abs=0.2)
    assert player.evaluate("v => [v.videoWidth, v.videoHeight]") == [640, 360]

    # The subtitles track is showing, with both cues, each on screen at its time.
    tracks = player.evaluate(
        "v => Array.from(v.textTracks, t => ({kind: t.kind, language: t.language, mode: t.mode,"
        " cues: t.cues ? Array.from(t.cues, c => [c.startTime, c.endTime, c.text]) : null}))"
    )
    subtitles = [t for t in tracks if t["kind"] == "subtitles"]
    assert len(subtitles) == 1 and (subtitles[0]["language"], subtitles[0]["mode"]) == ("zh", "showing")
    assert [(pytest.approx(start), pytest.approx(end), text) for start, end, text in subtitles[0]["cues"]] == CUES
    for at, (_, _, text) in zip((0.25, 0.75), CUES, strict=True):
        player.evaluate(f"v => {{ v.currentTime = {at}; }}")
        producer.wait_for_function(
            f"(v => Math.abs(v.currentTime - {at}) < 0.05 && v.readyState >= 2)(document.getElementById('player'))"
        )
        active = "Array.from(document.getElementById('player').textTracks).find(t => t.kind === 'subtitles').activeCues"
        producer.wait_for_function(f"(c => c && c.length === 1 && c[0].text === {text!r})({active})")
    screenshot(producer, "3-playing-with-subtitles")

    # And it plays: time advances from the start.
    player.evaluate("v => { v.muted = true; v.currentTime = 0; return v.play(); }")
    producer.wait_for_function("(v => v.currentTime > 0.2 || v.ended)(document.getElementById('player'))")
    player.evaluate("v => v.pause()")
    leave(producer)


def test_an_interrupted_upload_sends_only_the_missing_part_from_a_new_tab(login, screenshot, production, big_clip, s3_mode, live_server):
    data = big_clip.read_bytes()
    size = len(data)
    sizes = part_sizes(size)
    endpoint = s3_mode["endpoint_url"]
    s3_parts = re.compile(rf"^{re.escape(endpoint)}/.*[?&]partNumber=\d+")

    # First tab: parts 1 and 3 land in the bucket, then part 2 loses the connection.
    first = login("producer_a")
    open_project(first, production)
    retrying = first.locator("#upload-form").get_attribute("data-retrying")
    sent, landed, part_2 = record_requests(first), [], []
    first.on("response", lambda r: landed.append(part_number(r.url)) if r.request.method == "PUT" and s3_parts.search(r.url) and r.ok else None)
    first.route(s3_parts, lambda route: part_2.append(route) if part_number(route.request.url) == 2 else route.continue_())
    # The retry asks for a fresh URL for part 2, which never comes: nothing is left in the app.
    one_at_a_time(first, hold_when=lambda url: bool(part_2) and query(url, "first") == "2")
    first.set_input_files("#cut-file", str(big_clip))
    first.click("#upload-form button[type=submit]")
    wait_until(first, lambda: sorted(landed) == [1, 3] and part_2)
    part_2.pop().abort("internetdisconnected")
    # upload.js waits to try again, and says so next to the progress it keeps.
    expect(first.locator("#upload-form .upload-status")).to_contain_text(f" · {retrying}")
    bar = first.locator("#upload-form [role=progressbar]")
    assert float(bar.get_attribute("aria-valuenow")) == pytest.approx(100 * (sizes[0] + sizes[2]) / size, abs=0.01)
    screenshot(first, "1-connection-lost")
    context = first.context
    first.close()
    assert sorted(n for n, _ in s3_part_puts(sent, endpoint)) == [1, 2, 3]

    upload = Upload.objects.get()
    assert (upload.status, upload.size, upload.parts_total) == (Upload.Status.OPEN, size, 3)
    held_parts = storage.multipart_parts(key=upload.key, upload_id=upload.s3_upload_id)
    assert [(p["PartNumber"], p["Size"]) for p in held_parts] == [(1, sizes[0]), (3, sizes[2])]
    assert not Cut.objects.exists()

    # A new tab of the same browser: the same file again resumes the same upload with part 2 only.
    second = context.new_page()
    open_project(second, production)
    memo = second.evaluate("Object.entries(localStorage).filter(([k]) => k.startsWith('reelwork-upload:'))")
    assert [value for _, value in memo] == [str(upload.pk)]
    requests = record_requests(second)
    part_urls = one_at_a_time(second)
    gate = hold_the_check(second)
    second.set_input_files("#cut-file", str(big_clip))
    with second.expect_response(lambda r: r.request.method == "GET" and r.url.endswith(f"/uploads/{upload.pk}/")) as asked:
        second.click("#upload-form button[type=submit]")
    state = asked.value.json()
    assert (state["status"], state["mode"], state["parts_total"]) == ("open", "s3", 3)
    assert state["parts"] == [[1, sizes[0]], [3, sizes[2]]]
    upload = check_upload(second, gate, size=size)
    second.wait_for_url(CUT_URL)
    cut_pk = int(CUT_URL.search(second.url).group(1))
    assert second.evaluate("Object.keys(localStorage).filter(k => k.startsWith('reelwork-upload:'))") == []
    screenshot(second, "2-resumed-cut")

    puts = s3_part_puts(requests, endpoint)
    assert [n for n, _ in puts] == [2]
    assert query(puts[0][1].url, "uploadId") == upload.s3_upload_id
    assert puts[0][1].response().status == 200 and len(puts[0][1].post_data_buffer) == sizes[1]
    assert [query(u, "first") for u in part_urls] == ["2"]  # URLs asked for from part 2 only
    assert [r.response().status for r in requests if PART_URLS_URL.search(r.url)] == [200]
    assert [r.url for r in requests if r.method == "PUT" and host(r.url) == host(live_server.url)] == []
    leave(second)

    upload.refresh_from_db()
    assert (Upload.objects.count(), upload.status, upload.cut_id) == (1, Upload.Status.COMPLETE, cut_pk)
    cut = Cut.objects.get()
    assert (cut.pk, cut.size, cut.sha256, cut.original_key) == (cut_pk, size, sha256(data), upload.key)
    assert storage.head(key=cut.original_key)["size"] == size
    assert Deliverable.objects.filter(project=production, kind="cut").count() == 1


@pytest.mark.parametrize("interruption", ["project cancelled", "signed out"])
def test_a_refusal_half_way_is_shown_not_retried_forever(login, production, big_clip, interruption):
    producer = login("producer_a")
    open_project(producer, production)
    held = []
    producer.route(re.compile(r"[?&]partNumber=\d+"), lambda route: held.append(route))
    asked = one_at_a_time(producer)
    producer.set_input_files("#cut-file", str(big_clip))
    producer.click("#upload-form button[type=submit]")
    wait_until(producer, lambda: len(held) == 3)  # every part on its way to the bucket, none arrived
    # Nothing talks to the app now: the test may use the database.
    if interruption == "project cancelled":
        production.__class__.objects.filter(pk=production.pk).update(state=State.CANCELLED)
        with translation.override("zh-hans"):
            message = translation.gettext("Cuts are uploaded while the project is in production; it is in “%(state)s”.") % {
                "state": State.CANCELLED.label}
    else:
        producer.context.clear_cookies()
        with translation.override("zh-hans"):
            message = translation.gettext("Your session has ended: log in again (an upload resumes where it stopped).")
    for route in held:
        route.abort("internetdisconnected")  # the parts fail: upload.js asks the app for fresh URLs
    status = producer.locator("#upload-form .upload-status")
    expect(status).to_have_text(message, timeout=20_000)
    expect(producer.locator("#upload-form button[type=submit]")).to_be_enabled()
    assert len([url for url in asked if "first=1" in url]) >= 1 and len(asked) <= 4, asked
    leave(producer)
    assert Upload.objects.get().status == Upload.Status.OPEN and not Cut.objects.exists()
