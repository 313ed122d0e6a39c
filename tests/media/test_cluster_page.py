"""The cluster page and ``/api/cluster/``: what waits on each queue, what is being worked on now
(its claim's age, lease and holder), what failed and why, and the work whose lease ran out without
a sweep handing it back, flagged. The office and staff see it; nobody else does."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from media import claims
from media.cluster import cluster_overview
from media.models import Cut, Upload
from media.tasks import process_cut, verify_upload
from projects.models import Deliverable, State
from tests.support.factories import make_user
from tests.support.matrix import ROLES, client_for


@pytest.fixture
def production(make_project):
    return make_project(State.PRODUCTION)


def _cut(project, producer, version, **fields):
    deliverable = Deliverable.objects.create(project=project, kind="cut", version=version, author=producer)
    return Cut.objects.create(deliverable=deliverable, original_key=f"k/{version}", original_name=f"v{version}.mp4",
                              size=1, sha256="0" * 64, **fields)


def _busy(project, producer, first=1):
    """A cut claimed by this process, a cut whose worker died (lease ran out, not swept yet), a cut
    that failed with a reason, an upload being checked."""
    running = _cut(project, producer, first)
    assert claims.cut_claim(cut_id=running.pk) == 1
    dead = _cut(project, producer, first + 1)
    claims.cut_claim(cut_id=dead.pk)
    Cut.objects.filter(pk=dead.pk).update(lease_until=timezone.now() - timedelta(seconds=5))
    failed = _cut(project, producer, first + 2, status=Cut.Status.FAILED, attempts=3, failure_code="worker_lost",
                  failure_params={"attempts": 3})
    upload = Upload.objects.create(project=project, user=producer, filename="u.mp4", size=1, sha256="0" * 64,
                                   status=Upload.Status.VERIFYING)
    claims.upload_claim(upload_id=upload.pk)
    return running, dead, failed, upload


@pytest.mark.django_db
def test_it_shows_running_work_with_its_worker_and_flags_the_stuck_claim(production, producer_a, english):
    running, dead, failed, upload = _busy(production, producer_a)
    overview = cluster_overview()
    jobs = {(job.kind, job.id): job for job in overview.running}
    assert set(jobs) == {("cut", str(running.pk)), ("cut", str(dead.pk)), ("upload", str(upload.pk))}
    assert claims.worker_name() == jobs["cut", str(running.pk)].worker
    assert not jobs["cut", str(running.pk)].stuck and jobs["cut", str(running.pk)].attempt == 1
    assert jobs["cut", str(running.pk)].claim_age_seconds >= 0
    assert jobs["cut", str(dead.pk)].stuck
    assert overview.stuck == 1
    [failure] = [f for f in overview.failures if f.kind == "cut"]
    assert (failure.id, failure.attempts, failure.code) == (str(failed.pk), 3, "worker_lost")
    assert failure.reason.startswith("Processing was interrupted 3 times")


@pytest.mark.django_db
def test_the_sweep_clears_the_stuck_flag(production, producer_a, database_tasks):
    _busy(production, producer_a)
    claims.media_sweep()
    assert cluster_overview().stuck == 0


@pytest.mark.django_db
def test_on_the_database_backend_it_counts_each_queue_by_state(production, producer_a, database_tasks):
    from django_tasks_db.models import DBTaskResult

    process_cut.enqueue(1)
    process_cut.enqueue(2)
    verify_upload.enqueue("x")
    process_cut.using(run_after=timezone.now() + timedelta(hours=1)).enqueue(3)
    DBTaskResult.objects.filter(args_kwargs__args=[2]).update(status="FAILED", exception_class_path="media.errors.Boom",
                                                              finished_at=timezone.now())
    overview = cluster_overview()
    assert overview.backend == "database"
    queues = {q.name: (q.waiting, q.running, q.scheduled, q.failed) for q in overview.queues}
    assert queues == {"default": (1, 0, 0, 0), "media": (1, 0, 1, 1)}
    [task] = [f for f in overview.failures if f.kind == "task"]
    assert (task.queue, task.reason) == ("media", "media.errors.Boom")
    assert overview.failures_total == 1


@pytest.mark.django_db
def test_it_reads_the_same_number_of_queries_for_a_busy_cluster_as_for_a_quiet_one(
    production, producer_a, database_tasks
):
    _busy(production, producer_a)
    with CaptureQueriesContext(connection) as quiet:
        cluster_overview()
    _busy(production, producer_a, first=10)
    _busy(production, producer_a, first=20)
    with CaptureQueriesContext(connection) as busy:
        cluster_overview()
    assert len(busy) == len(quiet) <= 10


@pytest.mark.django_db
def test_on_redis_it_counts_each_queue_and_lists_failed_jobs(production, producer_a, redis_tasks):
    import django_rq

    process_cut.enqueue(1)
    failing = verify_upload.enqueue("x")
    queue = django_rq.get_queue("default")
    job = queue.fetch_job(failing.id)
    queue.remove(job)
    with queue.connection.pipeline() as pipeline:  # what RQ's worker does with a job that raised
        job._handle_failure("Traceback (most recent call last):\nRuntimeError: storage gone", pipeline=pipeline)
        pipeline.execute()
    overview = cluster_overview()
    assert overview.backend == "redis"
    assert {q.name: (q.waiting, q.running, q.failed, q.error) for q in overview.queues} == {
        "default": (0, 0, 1, ""), "media": (1, 0, 0, "")}
    [task] = [f for f in overview.failures if f.kind == "task"]
    assert (task.queue, task.reason, task.id) == ("default", "RuntimeError: storage gone", failing.id)
    assert overview.failures_total == 1
    assert overview.workers == []


@pytest.mark.django_db
def test_on_redis_a_redis_that_is_gone_shows_on_the_page_rather_than_failing_it(
    client, office, production, producer_a, redis_tasks, settings
):
    settings.RQ_QUEUES = {name: {**config, "URL": "redis://127.0.0.1:1/14"} for name, config in settings.RQ_QUEUES.items()}
    client.force_login(office)
    response = client.get(reverse("cluster"))
    assert response.status_code == 200
    assert b"Cannot be read (ConnectionError)" in response.content


@pytest.mark.django_db
def test_the_page_and_the_api_show_it_to_the_office(client, office, production, producer_a):
    running, dead, failed, upload = _busy(production, producer_a)
    client.force_login(office)
    page = client.get(reverse("cluster")).content.decode()
    assert 'id="stuck"' in page and "1 job's lease ran out" in page
    assert "v1.mp4" in page and "stuck: lease expired" in page
    assert "Processing was interrupted 3 times" in page
    assert reverse("cluster") in client.get(reverse("dashboard")).content.decode()
    answer = client.get(reverse("api-cluster")).json()
    assert answer["stuck"] == 1
    assert {(j["kind"], j["id"], j["stuck"]) for j in answer["running"]} == {
        ("cut", str(running.pk), False), ("cut", str(dead.pk), True), ("upload", str(upload.pk), False)}
    assert [f["code"] for f in answer["failures"] if f["kind"] == "cut"] == ["worker_lost"]


@pytest.mark.django_db
def test_the_reason_is_in_the_readers_language(settings, office, production, producer_a):
    from django.test import Client

    _busy(production, producer_a)
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    client.force_login(office)
    answer = client.get(reverse("api-cluster")).json()
    [failure] = [f for f in answer["failures"] if f["kind"] == "cut"]
    assert "3" in failure["reason"] and "Processing was interrupted" not in failure["reason"]


EXPECTED = {"office": 200, "own": 403, "other": 403, "panelist": 403, "organiser": 403, "anon": None}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_only_the_office_sees_the_cluster(role, request, production, producer_a):
    _busy(production, producer_a)
    client = client_for(request, role)
    page, api = client.get(reverse("cluster")), client.get(reverse("api-cluster"))
    if role == "anon":
        assert page.status_code == 302 and page["Location"].startswith(reverse("login"))
        assert api.status_code == 401
    else:
        assert (page.status_code, api.status_code) == (EXPECTED[role], EXPECTED[role])
    if EXPECTED[role] != 200:
        assert b"v1.mp4" not in page.content + api.content
        assert reverse("cluster").encode() not in client.get(reverse("dashboard")).content


@pytest.mark.django_db
def test_staff_see_the_cluster_too(client):
    admin = make_user("operator")
    admin.is_staff = True
    admin.save()
    client.force_login(admin)
    assert client.get(reverse("cluster")).status_code == 200
    assert client.get(reverse("api-cluster")).status_code == 200


@pytest.mark.django_db
def test_it_changes_nothing_and_refuses_writes(client, office, production, producer_a):
    _busy(production, producer_a)
    before = sorted(Cut.objects.values_list("pk", "status", "lease_until", "attempts"))
    client.force_login(office)
    client.get(reverse("cluster"))
    client.get(reverse("api-cluster"))
    assert client.post(reverse("cluster")).status_code == 405
    assert client.post(reverse("api-cluster"), {}, content_type="application/json").status_code == 405
    assert sorted(Cut.objects.values_list("pk", "status", "lease_until", "attempts")) == before
