"""Processing never gets stuck: a worker killed mid-transcode, the storage refusing the previews,
an unexpected error. Each ends with the cut queued for another try and then ready, or failed with
a reason the producer can read; never "processing" for good."""

import json
import os
import signal
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from media import claims, pipeline, services, storage
from media.models import Cut, Upload
from media.tasks import process_cut
from projects.models import State
from tests.support.clips import make_mpeg4_clip
from tests.support.workers import ffmpeg_reading, kill_ffmpeg_reading, shared_database, start, stop, wait_for


@pytest.fixture
def production(make_project, storage_dir):
    return make_project(State.PRODUCTION)


def _readable(cut: Cut, language: str) -> str:
    with translation.override(language):
        return cut.failure


def test_a_storage_outage_queues_the_cut_again_then_fails_it_with_a_readable_reason(
    production, producer_a, storage_dir, tmp_path, settings, client
):
    settings.REELWORK_MAX_ATTEMPTS = 3
    cut = services.cut_import(project=production, user=producer_a, path=make_mpeg4_clip(tmp_path / "cut.avi", seconds=2))
    # The storage refuses every write of the proxy: a directory stands where the file must go
    # (the OS answers EISDIR, root or not).
    blocked = storage_dir / cut.prefix / "proxy.mp4"
    (blocked / "in-the-way").mkdir(parents=True)

    assert process_cut.call(cut.pk) == "retry"
    cut.refresh_from_db()
    assert (cut.status, cut.attempts, cut.failure_code) == (Cut.Status.QUEUED, 1, "storage")
    assert "proxy.mp4" in cut.failure_detail
    client.force_login(producer_a)
    waiting = client.get(reverse("cut-detail", args=[cut.pk])).text
    assert "Attempt 1 did not finish; Reelwork tries again automatically." in waiting and "proxy.mp4" not in waiting
    assert process_cut.call(cut.pk) == "retry"
    assert process_cut.call(cut.pk) == "failed"

    cut.refresh_from_db()
    assert (cut.status, cut.attempts) == (Cut.Status.FAILED, 3)
    assert "could not be stored after 3 attempts" in _readable(cut, "en")
    assert "3" in _readable(cut, "zh-hans") and "存储" in _readable(cut, "zh-hans")
    page = client.get(reverse("cut-detail", args=[cut.pk]))
    assert page.status_code == 200
    assert "Processing failed:" in page.text and "could not be stored after 3 attempts" in page.text
    status = client.get(reverse("cut-status", args=[cut.pk])).json()
    assert status["status"] == "failed" and "could not be stored" in status["failure"]
    assert process_cut.call(cut.pk) == "skipped"  # a failed cut stays failed; nothing half-done


def test_an_s3_storage_refusing_the_previews_ends_the_cut_failed_after_bounded_attempts(
    make_project, producer_a, s3_settings, tmp_path, settings
):
    settings.REELWORK_MAX_ATTEMPTS = 3
    project = make_project(State.PRODUCTION)
    cut = services.cut_import(project=project, user=producer_a, path=make_mpeg4_clip(tmp_path / "cut.avi", seconds=2))
    bucket, s3 = s3_settings["bucket"], storage.client()
    # The real S3 server refuses every write under this version's prefix; reads still work.
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{bucket}/{cut.prefix}/*"}]}))
    try:
        outcomes = [process_cut.call(cut.pk) for _attempt in range(3)]
    finally:
        s3.delete_bucket_policy(Bucket=bucket)

    assert outcomes == ["retry", "retry", "failed"]
    cut.refresh_from_db()
    assert (cut.status, cut.attempts) == (Cut.Status.FAILED, 3)
    assert "AccessDenied" in cut.failure_detail
    # The server's refusal is a storage failure (boto3 wraps it in S3UploadFailedError).
    assert "could not be stored after 3 attempts" in _readable(cut, "en")


def test_the_storage_coming_back_lets_the_retry_finish_the_cut(production, producer_a, storage_dir, tmp_path):
    cut = services.cut_import(project=production, user=producer_a, path=make_mpeg4_clip(tmp_path / "cut.avi", seconds=2))
    blocked = storage_dir / cut.prefix / "proxy.mp4"
    (blocked / "in-the-way").mkdir(parents=True)
    assert process_cut.call(cut.pk) == "retry"

    (blocked / "in-the-way").rmdir()
    blocked.rmdir()

    assert process_cut.call(cut.pk) == "ready"
    cut.refresh_from_db()
    assert (cut.status, cut.attempts, cut.failure) == (Cut.Status.READY, 2, "")


def test_an_unexpected_error_queues_the_cut_again_instead_of_leaving_it_processing(
    production, producer_a, tmp_path, monkeypatch, settings
):
    settings.REELWORK_MAX_ATTEMPTS = 2
    cut = services.cut_import(project=production, user=producer_a, path=make_mpeg4_clip(tmp_path / "cut.avi", seconds=2))

    def broken(*args, **kwargs):
        raise KeyError("bitrate")

    monkeypatch.setattr(pipeline, "proxy_with_qc", broken)

    assert process_cut.call(cut.pk) == "retry"
    assert Cut.objects.get(pk=cut.pk).status == Cut.Status.QUEUED
    assert process_cut.call(cut.pk) == "failed"
    cut.refresh_from_db()
    assert cut.status == Cut.Status.FAILED and "KeyError: 'bitrate'" in cut.failure_detail
    assert "unexpected error after 2 attempts" in _readable(cut, "en")


def test_the_sweep_hands_back_a_cut_whose_lease_expired_and_fails_it_after_the_last_attempt(
    production, producer_a, tmp_path, settings
):
    settings.REELWORK_MAX_ATTEMPTS = 2
    cut = services.cut_import(project=production, user=producer_a, path=make_mpeg4_clip(tmp_path / "cut.avi", seconds=2))
    assert claims.cut_claim(cut_id=cut.pk) == 1
    assert process_cut.call(cut.pk) == "skipped"  # held: another run does not take it
    assert claims.media_sweep() == 0  # the lease is still running

    Cut.objects.filter(pk=cut.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert claims.media_sweep() == 1
    assert Cut.objects.get(pk=cut.pk).status == Cut.Status.QUEUED

    assert claims.cut_claim(cut_id=cut.pk) == 2
    Cut.objects.filter(pk=cut.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert claims.media_sweep() == 1
    cut.refresh_from_db()
    assert (cut.status, cut.failure_code) == (Cut.Status.FAILED, "worker_lost")
    assert "interrupted 2 times" in _readable(cut, "en")


def test_a_worker_that_lost_its_lease_does_not_overwrite_the_new_claim(production, producer_a, tmp_path):
    cut = services.cut_import(project=production, user=producer_a, path=make_mpeg4_clip(tmp_path / "cut.avi", seconds=2))
    first = claims.cut_claim(cut_id=cut.pk)
    Cut.objects.filter(pk=cut.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    claims.media_sweep()
    assert process_cut.call(cut.pk) == "ready"  # the second claim

    # The first worker wakes up after all and reports a failure: it no longer holds the cut.
    assert claims.cut_fail(cut_id=cut.pk, attempt=first, code="storage", params={"attempts": 1}, detail="",
                             transient=True) == "lost"
    assert Cut.objects.get(pk=cut.pk).status == Cut.Status.READY


def test_the_sweep_hands_back_an_upload_whose_check_was_interrupted(production, producer_a, settings):
    settings.REELWORK_MAX_ATTEMPTS = 1
    upload = Upload.objects.create(project=production, user=producer_a, filename="cut.mp4", size=10, sha256="",
                                   status=Upload.Status.VERIFYING, s3_upload_id="x", key="cuts/1/originals/x/cut.mp4")
    assert claims.upload_claim(upload_id=upload.pk) == 1
    Upload.objects.filter(pk=upload.pk).update(lease_until=timezone.now() - timedelta(seconds=1))

    assert claims.media_sweep() == 1

    upload.refresh_from_db()
    assert upload.status == Upload.Status.FAILED and upload.error_code == "verify_lost"
    with translation.override("en"):
        assert "interrupted 1 times" in upload.error


# ---------------------------------------------------------------- a real worker, killed


MEDIA_WORKER = ["media_worker", "--no-reload", "--no-startup-delay", "--interval", "0.2"]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_transcode_hands_the_cut_back_and_it_ends_ready(
    make_project, producer_a, tmp_path, settings, client, database_tasks
):
    var = tmp_path / "var"
    location = var / "storage"
    location.mkdir(parents=True)
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": location}}}
    settings.MEDIA_ROOT = location
    project = make_project(State.PRODUCTION)
    # A minute and a half of 640x360: a few seconds of transcoding, time enough to kill it midway.
    cut = services.cut_import(project=project, user=producer_a,
                              path=make_mpeg4_clip(tmp_path / "long.avi", seconds=90, size="640x360"))
    url, read, sync_back = shared_database(tmp_path)
    env = {**os.environ, **database_tasks, "DATABASE_URL": url, "REELWORK_VAR_DIR": str(var),
           "REELWORK_LEASE_SECONDS": "2", "REELWORK_SWEEP_SECONDS": "1", "REELWORK_RETRY_AFTER_SECONDS": "0",
           "REELWORK_S3_ENDPOINT_URL": "",
           # The killed worker's scratch directory is never cleaned up by it: keep it in the test's.
           "TMPDIR": str(tmp_path)}
    log_path = tmp_path / "worker.log"

    first = start(MEDIA_WORKER, env, log_path)
    try:
        wait_for("the first worker to be transcoding", lambda: (row := read(cut.pk))[0] == "processing" and row[1] > 0, log_path)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
        # ffmpeg runs in a session of its own: it must die with its worker, not encode on unwatched.
        wait_for("the killed worker's ffmpeg to die with it", lambda: not ffmpeg_reading(location), log_path)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
            first.wait(timeout=30)
        kill_ffmpeg_reading(location)
    status, progress, attempts = read(cut.pk)
    assert (status, attempts) == ("processing", 1) and progress < 1, "the first worker was not killed mid-transcode"

    second = start(MEDIA_WORKER, env, log_path)
    try:
        wait_for("the cut to be handed back and processed", lambda: read(cut.pk)[0] in ("ready", "failed"), log_path)
    finally:
        stop(second)
        kill_ffmpeg_reading(location)

    sync_back()
    cut.refresh_from_db()
    assert (cut.status, cut.attempts, cut.progress) == (Cut.Status.READY, 2, 1.0)
    client.force_login(producer_a)
    page = client.get(reverse("cut-detail", args=[cut.pk]))
    assert page.status_code == 200 and 'id="player"' in page.text
    assert json.loads(client.get(reverse("cut-status", args=[cut.pk])).content)["status"] == "ready"
