"""Workers on Redis (django-tasks-rq): processing a cut goes to the long queue and checking an upload
to the short one, real RQ worker processes take them from there, and a worker killed with SIGKILL
mid-transcode loses nothing: its work horse and ffmpeg die with it, ``manage.py media_sweep`` hands
the cut back, and another RQ worker finishes it."""

import io
import json
import os
import signal
import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from media import claims, services
from media.models import Cut
from media.tasks import process_cut, verify_upload
from projects.models import State
from tests.support.clips import make_mpeg4_clip
from tests.support.workers import (
    alive,
    children,
    ffmpeg_reading,
    kill_ffmpeg_reading,
    shared_database,
    start,
    stop,
    wait_for,
)


def _waiting(queue_name: str) -> list[tuple[str, list]]:
    """(task, arguments) of the jobs waiting on an RQ queue, oldest first."""
    import django_rq

    return [(job.func_name, list(job.args)) for job in django_rq.get_queue(queue_name).get_jobs()]


def _scheduled(queue_name: str) -> list[tuple[str, list, object]]:
    import django_rq
    from rq.registry import ScheduledJobRegistry

    queue = django_rq.get_queue(queue_name)
    registry = ScheduledJobRegistry(queue=queue)
    return [(job.func_name, list(job.args), registry.get_scheduled_time(job))
            for job in (queue.fetch_job(job_id) for job_id in registry.get_job_ids())]


@pytest.fixture
def production(make_project, storage_dir):
    return make_project(State.PRODUCTION)


@pytest.fixture
def local_storage(tmp_path, settings):
    """Files under this test's own directory, which the worker processes are told to use too."""
    var = tmp_path / "var"
    location = var / "storage"
    location.mkdir(parents=True)
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": location}}}
    settings.MEDIA_ROOT = location
    return var


def _worker_env(tmp_path, var, database_url, tasks_env) -> dict:
    return {**os.environ, **tasks_env, "DATABASE_URL": database_url, "REELWORK_VAR_DIR": str(var),
            "REELWORK_LEASE_SECONDS": "2", "REELWORK_SWEEP_SECONDS": "1", "REELWORK_RETRY_AFTER_SECONDS": "0",
            "REELWORK_S3_ENDPOINT_URL": "",
            # A killed worker's scratch directory is never cleaned up by it: keep it in the test's.
            "TMPDIR": str(tmp_path)}


# ---------------------------------------------------------------- queues


@pytest.mark.django_db
def test_processing_a_cut_lands_on_the_long_queue_and_checking_an_upload_on_the_short_one(
    production, producer_a, tmp_path, redis_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        cut = services.cut_import(project=production, user=producer_a, path=make_mpeg4_clip(tmp_path / "cut.avi", seconds=1))
    upload_id = str(uuid.uuid4())
    verify_upload.enqueue(upload_id)

    assert _waiting("media") == [("media.tasks.process_cut", [cut.pk])]
    assert _waiting("default") == [("media.tasks.verify_upload", [upload_id])]


@pytest.mark.django_db
def test_on_the_database_backend_the_tasks_name_the_same_queues(production, producer_a, tmp_path, database_tasks,
                                                                 django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True):
        cut = services.cut_import(project=production, user=producer_a, path=make_mpeg4_clip(tmp_path / "cut.avi", seconds=1))
    verify_upload.enqueue(str(uuid.uuid4()))

    queued = dict(DBTaskResult.objects.values_list("task_path", "queue_name"))
    assert queued == {"media.tasks.process_cut": "media", "media.tasks.verify_upload": "default"}
    assert DBTaskResult.objects.get(task_path="media.tasks.process_cut").args_kwargs["args"] == [cut.pk]


@pytest.mark.django_db
def test_a_retry_waits_on_redis_for_its_time_instead_of_being_lost(
    production, producer_a, storage_dir, tmp_path, settings, redis_tasks, django_capture_on_commit_callbacks
):
    settings.REELWORK_RETRY_AFTER_SECONDS = 30
    cut = services.cut_import(project=production, user=producer_a, path=make_mpeg4_clip(tmp_path / "cut.avi", seconds=1))
    # The storage refuses the proxy (a directory stands where the file must go): worth another try.
    (storage_dir / cut.prefix / "proxy.mp4" / "in-the-way").mkdir(parents=True)
    before = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        assert process_cut.call(cut.pk) == "retry"

    [(task, args, when)] = _scheduled("media")
    assert (task, args) == ("media.tasks.process_cut", [cut.pk])
    assert before + timedelta(seconds=29) <= when <= timezone.now() + timedelta(seconds=31)
    assert _waiting("media") == []  # not before its time


@pytest.mark.django_db
def test_media_sweep_once_hands_an_expired_claim_back_onto_the_redis_queue(production, producer_a, tmp_path, redis_tasks):
    cut = services.cut_import(project=production, user=producer_a, path=make_mpeg4_clip(tmp_path / "cut.avi", seconds=1))
    assert claims.cut_claim(cut_id=cut.pk) == 1
    out = io.StringIO()
    call_command("media_sweep", "--once", stdout=out)
    assert out.getvalue() == "handed back: 0\n" and _waiting("media") == []  # the lease still runs

    Cut.objects.filter(pk=cut.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    out = io.StringIO()
    call_command("media_sweep", "--once", stdout=out)

    assert out.getvalue() == "handed back: 1\n"
    assert Cut.objects.get(pk=cut.pk).status == Cut.Status.QUEUED
    assert _waiting("media") == [("media.tasks.process_cut", [cut.pk])]


# ---------------------------------------------------------------- real RQ workers


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_an_rq_worker_on_the_short_queue_leaves_the_transcode_to_a_worker_on_the_long_queue(
    make_project, producer_a, tmp_path, local_storage, redis_tasks, client
):
    project = make_project(State.PRODUCTION)
    cut = services.cut_import(project=project, user=producer_a, path=make_mpeg4_clip(tmp_path / "cut.avi", seconds=2))
    assert _waiting("media") == [("media.tasks.process_cut", [cut.pk])]
    url, read, sync_back = shared_database(tmp_path)
    env = _worker_env(tmp_path, local_storage, url, redis_tasks)
    log_path = tmp_path / "worker.log"

    short = start(["rqworker", "default", "--burst"], env, log_path)
    assert short.wait(timeout=120) == 0, log_path.read_text()[-3000:]
    assert read(cut.pk)[0] == "queued" and _waiting("media") == [("media.tasks.process_cut", [cut.pk])]

    long = start(["rqworker", "media", "--burst"], env, log_path)
    assert long.wait(timeout=300) == 0, log_path.read_text()[-3000:]

    sync_back()
    cut.refresh_from_db()
    assert (cut.status, cut.attempts, cut.progress) == (Cut.Status.READY, 1, 1.0), log_path.read_text()[-3000:]
    assert _waiting("media") == []
    client.force_login(producer_a)
    page = client.get(reverse("cut-detail", args=[cut.pk]))
    assert page.status_code == 200 and 'id="player"' in page.text


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_an_rq_worker_killed_mid_transcode_loses_nothing_and_another_rq_worker_finishes_the_cut(
    make_project, producer_a, tmp_path, local_storage, redis_tasks, client
):
    location = local_storage / "storage"
    project = make_project(State.PRODUCTION)
    # A minute and a half of 640x360: a few seconds of transcoding, time enough to kill it midway.
    cut = services.cut_import(project=project, user=producer_a,
                              path=make_mpeg4_clip(tmp_path / "long.avi", seconds=90, size="640x360"))
    url, read, sync_back = shared_database(tmp_path)
    env = _worker_env(tmp_path, local_storage, url, redis_tasks)
    log_path = tmp_path / "worker.log"
    workers = ["rqworker", "default", "media", "--with-scheduler"]

    first = start(workers, env, log_path)
    second = sweep = None
    try:
        wait_for("the first worker to be transcoding", lambda: (row := read(cut.pk))[0] == "processing" and row[1] > 0, log_path)
        # The second worker and the sweep run beside it, as they would on other machines.
        second = start(workers, env, log_path)
        sweep = start(["media_sweep"], env, log_path)
        horses, encoders = children(first.pid), ffmpeg_reading(location)
        assert horses and encoders, "the first worker has no work horse running ffmpeg"
        os.killpg(first.pid, signal.SIGKILL)  # the worker only: its horse has a process group of its own
        first.wait(timeout=30)
        # The horse dies with its worker, and ffmpeg with the horse: nothing encodes on unwatched.
        wait_for("the killed worker's horse and ffmpeg to die with it",
                 lambda: not any(alive(pid) for pid in horses + encoders), log_path)
        status, progress, attempts = read(cut.pk)
        assert (status, attempts) == ("processing", 1) and progress < 1, "the work horse finished after its worker died"
        wait_for("the cut to be handed back and processed", lambda: read(cut.pk)[0] in ("ready", "failed"), log_path)
    finally:
        for proc in (first, second, sweep):
            if proc is not None:
                stop(proc)
        kill_ffmpeg_reading(location)

    sync_back()
    cut.refresh_from_db()
    assert (cut.status, cut.attempts, cut.progress) == (Cut.Status.READY, 2, 1.0), log_path.read_text()[-3000:]
    assert not ffmpeg_reading(location)
    assert "lease expired on attempt 1, queued again" in log_path.read_text()
    client.force_login(producer_a)
    page = client.get(reverse("cut-detail", args=[cut.pk]))
    assert page.status_code == 200 and 'id="player"' in page.text
    assert json.loads(client.get(reverse("cut-status", args=[cut.pk])).content)["status"] == "ready"
