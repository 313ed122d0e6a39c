"""A task queue that does not answer loses no work. An upload finished while Redis is away is
accepted (the cut is saved and shows as queued; the request does not fail), and once Redis answers
again ``media_sweep`` queues what has been due for ``REELWORK_REQUEUE_AFTER_SECONDS`` with no task
waiting for it; a cut whose task waits its turn is left alone. Redis "away" is a port on which
nothing listens (connection refused), in this suite's own range."""

import hashlib
import io
import socket
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from media import claims
from media.models import Cut, Upload
from media.tasks import process_cut, verify_upload  # noqa: F401  (declared under the session's backend)
from projects.models import State
from tests.support.http import post_json
from tests.support.task_backends import rq_settings

pytestmark = pytest.mark.usefixtures("english")


def _closed_port() -> int:
    """A port on 127.0.0.1 nothing listens on: bound for a moment by us, then let go."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_away(settings, redis_tasks, redis_url):
    """The Redis backend, with its queues on a Redis that does not answer; ``back()`` restores them."""
    for name, value in rq_settings(f"redis://127.0.0.1:{_closed_port()}/0").items():
        setattr(settings, name, value)

    def back():
        for name, value in rq_settings(redis_url).items():
            setattr(settings, name, value)

    return back


def _waiting(queue_name: str) -> list[tuple[str, list, str]]:
    import django_rq

    return [(job.func_name, list(job.args), job.id) for job in django_rq.get_queue(queue_name).get_jobs()]


def _sweep() -> str:
    out = io.StringIO()
    call_command("media_sweep", "--once", stdout=out)
    return out.getvalue()


def _upload_local(client, project, data: bytes):
    started = post_json(client, reverse("upload-start", args=[project.pk]),
                        {"filename": "clip.mp4", "size": len(data), "sha256": hashlib.sha256(data).hexdigest()})
    assert started.status_code == 201, started.content
    upload_id = started.json()["id"]
    return client.generic("PUT", reverse("upload-chunk", args=[upload_id]), data, content_type="application/octet-stream",
                          headers={"Content-Range": f"bytes 0-{len(data) - 1}/{len(data)}",
                                   "X-Chunk-SHA256": hashlib.sha256(data).hexdigest()})


def _age(model, pk, seconds):
    model.objects.filter(pk=pk).update(queued_at=timezone.now() - timedelta(seconds=seconds))


@pytest.mark.django_db
def test_a_cut_uploaded_while_redis_is_away_is_accepted_and_queued_again_by_the_sweep_when_it_is_back(
    client, make_project, producer_a, storage_dir, clips, redis_away, settings, django_capture_on_commit_callbacks, caplog
):
    import django_rq
    from rq import SimpleWorker

    settings.REELWORK_REQUEUE_AFTER_SECONDS = 120
    project = make_project(State.PRODUCTION)
    client.force_login(producer_a)
    with django_capture_on_commit_callbacks(execute=True):
        answer = _upload_local(client, project, clips.short().read_bytes())

    # Accepted: the last chunk answers as usual, the cut exists and shows as queued.
    assert answer.status_code == 200, answer.content
    cut = Cut.objects.get(pk=answer.json()["cut"])
    assert (cut.status, cut.task_id) == (Cut.Status.QUEUED, "")
    assert "could not be queued" in caplog.text
    assert client.get(reverse("cut-status", args=[cut.pk])).json()["status"] == "queued"

    # The sweep while Redis is still away: nothing to do yet, then nothing it can do; no error.
    assert _sweep() == "handed back: 0\n"
    _age(Cut, cut.pk, 121)
    assert _sweep() == "handed back: 0\n"
    cut.refresh_from_db()
    assert (cut.status, cut.task_id) == (Cut.Status.QUEUED, "")

    redis_away()  # Redis is back
    assert _sweep() == "handed back: 1\n"
    [(task, args, job_id)] = _waiting("media")
    cut.refresh_from_db()
    assert (task, args, cut.task_id) == ("media.tasks.process_cut", [cut.pk], job_id)
    # Its task now waits on the queue: later sweeps leave it alone, however long it waits.
    _age(Cut, cut.pk, 3600)
    assert _sweep() == "handed back: 0\n" and len(_waiting("media")) == 1

    # A worker on the queue takes it and processes the cut (in this process: the test's database).
    django_rq.get_worker("media", worker_class=SimpleWorker).work(burst=True)
    cut.refresh_from_db()
    assert (cut.status, cut.attempts) == (Cut.Status.READY, 1)


@pytest.mark.django_db
def test_a_queued_cut_whose_task_was_lost_from_redis_is_queued_again(
    make_project, producer_a, storage_dir, clips, redis_tasks, redis_url, django_capture_on_commit_callbacks
):
    import redis

    from media import services

    project = make_project(State.PRODUCTION)
    with django_capture_on_commit_callbacks(execute=True):
        cut = services.cut_import(project=project, user=producer_a, path=clips.short())
    cut.refresh_from_db()
    [(_task, _args, first)] = _waiting("media")
    assert cut.task_id == first
    redis.Redis.from_url(redis_url).flushdb()  # Redis restarted without its data
    _age(Cut, cut.pk, 3600)

    assert _sweep() == "handed back: 1\n"
    [(task, args, second)] = _waiting("media")
    assert (task, args) == ("media.tasks.process_cut", [cut.pk]) and second != first
    assert Cut.objects.get(pk=cut.pk).task_id == second


@pytest.mark.django_db
def test_an_upload_completed_into_the_bucket_while_redis_is_away_is_checked_once_it_is_back(
    client, make_project, producer_a, s3_settings, settings, clips, redis_away, django_capture_on_commit_callbacks
):
    from media import storage

    settings.REELWORK_UPLOAD_CHUNK_BYTES = 5 * 1024 * 1024
    project = make_project(State.PRODUCTION)
    client.force_login(producer_a)
    data = clips.short().read_bytes()
    started = post_json(client, reverse("upload-start", args=[project.pk]),
                        {"filename": "clip.mp4", "size": len(data), "sha256": ""})
    upload = Upload.objects.get(pk=started.json()["id"])
    etag = storage.client().upload_part(Bucket=s3_settings["bucket"], Key=upload.key, UploadId=upload.s3_upload_id,
                                        PartNumber=1, Body=data)["ETag"]
    assert etag
    with django_capture_on_commit_callbacks(execute=True):
        answer = post_json(client, reverse("upload-complete", args=[upload.pk]), {"parts": [hashlib.sha256(data).hexdigest()]})

    assert answer.status_code == 202 and answer.json()["status"] == "verifying", answer.content
    upload.refresh_from_db()
    assert (upload.status, upload.task_id) == (Upload.Status.VERIFYING, "")

    redis_away()
    assert _sweep() == "handed back: 0\n"  # not due yet: its task may just be on the way
    _age(Upload, upload.pk, 121)
    assert _sweep() == "handed back: 1\n"
    [(task, args, job_id)] = _waiting("default")
    assert (task, args, Upload.objects.get(pk=upload.pk).task_id) == ("media.tasks.verify_upload", [str(upload.pk)], job_id)


@pytest.mark.django_db
def test_on_the_database_backend_a_queued_cut_without_a_waiting_task_is_queued_again(
    make_project, producer_a, storage_dir, clips, database_tasks, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    from media import services

    project = make_project(State.PRODUCTION)
    with django_capture_on_commit_callbacks(execute=True):
        cut = services.cut_import(project=project, user=producer_a, path=clips.short())
    cut.refresh_from_db()
    assert str(DBTaskResult.objects.get().id) == cut.task_id
    _age(Cut, cut.pk, 3600)
    assert claims.media_sweep() == 0  # its task waits (however long): left alone

    DBTaskResult.objects.all().delete()  # the task removed (by hand, or a wiped table)
    assert claims.media_sweep() == 1
    again = DBTaskResult.objects.get()
    assert (again.task_path, again.args_kwargs["args"], str(again.id)) == ("media.tasks.process_cut", [cut.pk],
                                                                           Cut.objects.get(pk=cut.pk).task_id)
