"""Cut uploads straight to the bucket (S3 mode), end to end against the real S3 API server:
the app hands out presigned part URLs, the "browser" (urllib here, Chromium in tests/browser)
PUTs the parts, the app checks what the bucket holds, the verification task reads the object back
and registers the cut, and the processing task reads it through a presigned URL. The app never
holds the file's bytes. Bad input leaves no cut, no version and no object behind."""

import hashlib
import math
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from media import ffmpeg, services, storage, uploads, uploads_local
from media.models import Cut, Rendition, Upload
from media.tasks import process_cut, verify_upload
from projects.models import Deliverable, State, VideoProject
from tests.support.http import get_range, http_request, post_json
from tests.support.s3 import TEST_ORIGIN

MiB = 1024 * 1024
PART = 5 * MiB  # the S3 minimum (but for the last part): a ~11 MB clip goes up in 3 parts
NAME = "第二版 样片.mp4"

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def s3_mode(s3_settings, settings):
    settings.REELWORK_UPLOAD_CHUNK_BYTES = PART
    return s3_settings


@pytest.fixture
def production(make_project, s3_mode):
    return make_project(State.PRODUCTION)


@pytest.fixture
def big_clip(clips):
    path = clips.incompressible()
    assert 2 * PART < path.stat().st_size < 3 * PART, path.stat().st_size
    return path


def parts_of(data: bytes) -> list[bytes]:
    return [data[i:i + PART] for i in range(0, len(data), PART)]


def digests(data: bytes) -> list[str]:
    return [hashlib.sha256(part).hexdigest() for part in parts_of(data)]


def start(client, project, data: bytes, name=NAME):
    response = post_json(client, reverse("upload-start", args=[project.pk]),
                         {"filename": name, "size": len(data), "sha256": "", "note": "v1"})
    assert response.status_code == 201, response.content
    state = response.json()
    return Upload.objects.get(pk=state["id"]), state


def urls(client, upload, first=1, count=20):
    return client.get(reverse("upload-part-urls", args=[upload.pk]), {"first": first, "count": count})


def put_parts(client, upload, data: bytes, numbers=None):
    links = urls(client, upload).json()["urls"]
    chunks = parts_of(data)
    for number in numbers or range(1, len(chunks) + 1):
        status, headers, _ = http_request("PUT", links[str(number)], chunks[number - 1])
        assert status == 200 and headers["ETag"], status


def complete(client, upload, part_digests):
    return post_json(client, reverse("upload-complete", args=[upload.pk]), {"parts": part_digests})


def nothing_registered(project, upload):
    assert Deliverable.objects.filter(project=project, kind="cut").count() == 0
    assert not Cut.objects.filter(deliverable__project=project).exists()
    assert VideoProject.objects.get(pk=project.pk).state == State.PRODUCTION
    assert storage.head(key=upload.key) is None


def test_a_cut_goes_straight_to_the_bucket_and_is_checked_before_it_counts(client, production, producer_a, big_clip):
    client.force_login(producer_a)
    data = big_clip.read_bytes()
    upload, state = start(client, production, data)
    assert state["mode"] == "s3" and state["part_size"] == PART and state["parts_total"] == math.ceil(len(data) / PART)
    assert upload.key == f"cuts/{production.pk}/originals/{upload.pk}/第二版 样片.mp4"
    put_parts(client, upload, data)

    # Until "complete", the bucket shows nothing under the key: no half-uploaded cut.
    assert storage.head(key=upload.key) is None
    response = complete(client, upload, digests(data))
    assert response.status_code == 202 and response.json()["status"] == "verifying"
    assert not Cut.objects.filter(deliverable__project=production).exists()  # not before the read-back

    assert verify_upload.call(str(upload.pk)) == "ready"
    upload.refresh_from_db()
    cut = upload.cut
    assert upload.status == Upload.Status.COMPLETE
    assert (cut.original_key, cut.size, cut.sha256) == (upload.key, len(data), hashlib.sha256(data).hexdigest())
    assert cut.deliverable.version == 1 and cut.probe["width"] == 640
    assert client.get(reverse("upload-chunk", args=[upload.pk])).json()["cut"] == cut.pk
    assert verify_upload.call(str(upload.pk)) == "skipped"  # a second run changes nothing

    # ffmpeg reads the original through a presigned URL; renditions land next to the version.
    assert process_cut.call(cut.pk) == "ready"
    proxy = cut.renditions.get(kind=Rendition.Kind.PROXY)
    assert proxy.key.startswith(f"cuts/{production.pk}/v1/") and storage.head(key=proxy.key)["size"] == proxy.size
    ranged = get_range(client, reverse("cut-file", args=[cut.pk, "proxy.mp4"]), 0, 99)
    assert ranged.status_code == 206 and len(b"".join(ranged.streaming_content)) == 100


def test_a_resumed_upload_sends_only_the_missing_parts(client, production, producer_a, big_clip):
    client.force_login(producer_a)
    data = big_clip.read_bytes()
    upload, _ = start(client, production, data)
    put_parts(client, upload, data, numbers=[1, 3])
    # A new tab asks what the bucket holds.
    state = client.get(reverse("upload-chunk", args=[upload.pk])).json()
    assert state["status"] == "open" and [n for n, _ in state["parts"]] == [1, 3]
    assert state["parts"][0][1] == PART
    # Completing now names the missing part and leaves the upload open.
    response = complete(client, upload, digests(data))
    assert response.status_code == 409 and "2" in response.json()["detail"] and response.json()["status"] == "open"
    put_parts(client, upload, data, numbers=[2])
    assert complete(client, upload, digests(data)).status_code == 202
    assert verify_upload.call(str(upload.pk)) == "ready"


def test_a_part_damaged_on_the_way_fails_the_upload_and_leaves_nothing(client, production, producer_a, big_clip):
    client.force_login(producer_a)
    data = big_clip.read_bytes()
    upload, _ = start(client, production, data)
    chunks = parts_of(data)
    damaged = chunks[1][:100] + bytes([chunks[1][100] ^ 0xFF]) + chunks[1][101:]
    put_parts(client, upload, chunks[0] + damaged + chunks[2])
    assert complete(client, upload, digests(data)).status_code == 202
    assert verify_upload.call(str(upload.pk)) == "rejected"
    upload.refresh_from_db()
    with translation.override(settings.LANGUAGE_CODE):
        assert upload.status == Upload.Status.FAILED and upload.error == gettext("Parts %(parts)s arrived damaged (their checksum differs from your file's): upload the file again.") % {"parts": "2"}
    nothing_registered(production, upload)
    state = client.get(reverse("upload-chunk", args=[upload.pk])).json()
    assert state["status"] == "failed" and state["error"] == upload.error


def test_a_file_that_is_not_a_video_is_refused_after_the_read_back(client, production, producer_a):
    client.force_login(producer_a)
    data = b"%PDF-1.4\n" + b"not a video " * 1000
    upload, state = start(client, production, data, name="样片.mp4")
    assert state["parts_total"] == 1
    put_parts(client, upload, data)
    assert complete(client, upload, digests(data)).status_code == 202
    assert verify_upload.call(str(upload.pk)) == "rejected"
    upload.refresh_from_db()
    # The worker records the reason as a code; each reader gets it in their own language.
    assert upload.status == Upload.Status.FAILED and upload.error_code == "not_a_video"
    with translation.override("zh-hans"):
        assert "不是" in upload.error and upload.error == ffmpeg.message_for("not_a_video")
    with translation.override("en"):
        assert upload.error.startswith("This file is not a video Reelwork can read.")
    assert "This file is not a video" in client.get(reverse("upload-chunk", args=[upload.pk])).json()["error"]
    nothing_registered(production, upload)


def test_complete_needs_one_digest_per_part(client, production, producer_a, big_clip):
    client.force_login(producer_a)
    data = big_clip.read_bytes()
    upload, _ = start(client, production, data)
    put_parts(client, upload, data)
    for bad in (None, [], digests(data)[:2], ["x" * 64] * 3, "abc"):
        response = complete(client, upload, bad)
        assert response.status_code == 400, bad
        assert "SHA-256 of each of the 3 parts" in response.json()["detail"]
    upload.refresh_from_db()
    assert upload.status == Upload.Status.OPEN
    response = client.post(reverse("upload-complete", args=[upload.pk]), b"not json", content_type="application/json")
    assert response.status_code == 400


def test_part_urls_are_bounded_and_only_for_the_uploader(client, production, producer_a, producer_b, office, big_clip):
    client.force_login(producer_a)
    data = big_clip.read_bytes()
    upload, _ = start(client, production, data)
    links = urls(client, upload, first=2, count=50).json()["urls"]
    assert sorted(links) == ["2", "3"]
    for first, count in ((0, 1), (4, 1), (1, 0), (1, 101)):
        response = urls(client, upload, first, count)
        assert response.status_code == 400 and "parts 1 to 3" in response.json()["detail"]
    assert client.get(reverse("upload-part-urls", args=[upload.pk]), {"first": "x"}).status_code == 400
    # The chunk endpoint of the local mode refuses a direct upload.
    response = client.generic("PUT", reverse("upload-chunk", args=[upload.pk]), b"x",
                              headers={"Content-Range": f"bytes 0-0/{len(data)}"})
    assert response.status_code == 409
    for other in (producer_b, office):
        client.force_login(other)
        assert urls(client, upload).status_code == 404
        assert complete(client, upload, digests(data)).status_code == 404
        assert client.get(reverse("upload-chunk", args=[upload.pk])).status_code == 404
    client.logout()
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # a signed-out visitor's language comes from the browser
    for response in (urls(client, upload), complete(client, upload, digests(data))):
        assert response.status_code == 401 and "log in again" in response.json()["detail"]


def test_a_project_that_left_production_takes_no_cut(client, production, producer_a, office, big_clip):
    client.force_login(producer_a)
    data = big_clip.read_bytes()
    upload, _ = start(client, production, data)
    put_parts(client, upload, data)
    assert complete(client, upload, digests(data)).status_code == 202
    # The office cancels the project while the file is being checked.
    VideoProject.objects.filter(pk=production.pk).update(state=State.CANCELLED)
    assert verify_upload.call(str(upload.pk)) == "rejected"
    upload.refresh_from_db()
    assert upload.status == Upload.Status.FAILED and upload.error
    assert not Cut.objects.filter(deliverable__project=production).exists()
    assert storage.head(key=upload.key) is None


def test_an_unreachable_storage_during_the_check_is_retried_not_lost(client, production, producer_a, big_clip, monkeypatch):
    client.force_login(producer_a)
    data = big_clip.read_bytes()
    upload, _ = start(client, production, data)
    put_parts(client, upload, data)
    assert complete(client, upload, digests(data)).status_code == 202

    def unreachable(**kwargs):
        raise storage.StorageError("The file storage cannot be reached.", detail="test: connection refused")

    monkeypatch.setattr(storage, "part_digests", unreachable)
    assert verify_upload.call(str(upload.pk)) == "retry"
    upload.refresh_from_db()
    assert upload.status == Upload.Status.VERIFYING and storage.head(key=upload.key)["size"] == len(data)
    assert verify_upload.call(str(upload.pk)) == "retry"
    assert verify_upload.call(str(upload.pk)) == "failed"  # the third attempt: REELWORK_MAX_ATTEMPTS
    monkeypatch.undo()
    upload.refresh_from_db()
    assert upload.status == Upload.Status.FAILED and upload.error_code == "storage_unreachable"
    with translation.override("en"):
        assert upload.error == "The file could not be checked: the storage did not answer after 3 attempts. Upload it again later."


def test_upload_cut_sends_parts_in_parallel_and_verifies(production, producer_a, big_clip, capsys):
    call_command("upload_cut", str(production.pk), str(big_clip), "--user", producer_a.username, "--note", "批量")
    cut = Cut.objects.get(deliverable__project=production)
    assert cut.sha256 == hashlib.sha256(big_clip.read_bytes()).hexdigest()
    assert cut.original_key.startswith(f"cuts/{production.pk}/originals/")
    assert Upload.objects.get(cut=cut).status == Upload.Status.COMPLETE
    assert "version 1" in capsys.readouterr().out


def test_abandoned_uploads_are_aborted_and_their_parts_freed(client, production, producer_a, big_clip):
    client.force_login(producer_a)
    data = big_clip.read_bytes()
    upload, _ = start(client, production, data)
    put_parts(client, upload, data, numbers=[1])
    fresh, _ = start(client, production, data)
    Upload.objects.filter(pk=upload.pk).update(created_at=timezone.now() - timedelta(days=8))
    call_command("cleanup_uploads", "--days", "7")
    upload.refresh_from_db()
    fresh.refresh_from_db()
    assert upload.status == Upload.Status.ABORTED and fresh.status == Upload.Status.OPEN
    with pytest.raises(storage.StorageError):
        storage.multipart_parts(key=upload.key, upload_id=upload.s3_upload_id)
    assert storage.multipart_parts(key=fresh.key, upload_id=fresh.s3_upload_id) == []


def test_setup_storage_lets_the_site_origin_put_parts(s3_settings, settings):
    settings.REELWORK_S3_CORS_ORIGINS = ["https://reelwork.example"]
    try:
        call_command("setup_storage")
        cors = storage.client().get_bucket_cors(Bucket=s3_settings["bucket"])["CORSRules"][0]
        assert cors["AllowedOrigins"] == ["https://reelwork.example"]
        assert "PUT" in cors["AllowedMethods"] and "ETag" in cors["ExposeHeaders"]
    finally:
        storage.ensure_bucket(cors_origins=[TEST_ORIGIN])


def test_services_refuse_a_direct_upload_to_a_local_chunk(production, producer_a, big_clip):
    data = big_clip.read_bytes()
    upload = uploads.upload_start(project=production, user=producer_a, filename="a.mp4", size=len(data), sha256="")
    with pytest.raises(services.Conflict):
        uploads_local.upload_local_receive(upload=upload, offset=0, chunks=[b"x"], length=1)
