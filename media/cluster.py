"""What the cluster is doing, for the office's cluster page and ``/api/cluster/``: the queues and
how much waits on each, the work being done now (cuts in processing, uploads being checked) with
its claim's age, lease and holder, the failures with their reasons, and the stuck work: claims
whose lease ran out that no sweep has handed back yet (no ``media_sweep`` running, or one that
cannot reach the database).

Read-only, and a fixed number of queries whatever the size of the backlog: one per kind of row
and at most ``LIMIT`` rows of each list (the counts say how many there are in all). On Redis each
queue costs a handful of round trips over a connection with short timeouts, as ``/healthz``: a
Redis that is gone shows as such on the page instead of hanging it."""

import datetime as dt
from dataclasses import asdict, dataclass, field
from datetime import datetime

from django.db.models import Count
from django.tasks import task_backends
from django.utils import timezone

from media.models import Cut, Upload
from studio.rq import quick_redis

LIMIT = 50


@dataclass
class Queue:
    name: str
    waiting: int | None = None
    running: int | None = None
    scheduled: int | None = None
    failed: int | None = None
    error: str = ""  # the class of failure when the queue could not be read


@dataclass
class Job:
    """A piece of work under a claim: a cut being processed or an upload being checked."""

    kind: str  # "cut" | "upload"
    id: str
    name: str
    project_id: int
    attempt: int
    claimed_at: datetime | None
    claim_age_seconds: int | None
    lease_until: datetime | None
    stuck: bool  # the lease ran out (or there is none) and the work was not handed back yet
    worker: str
    progress: float | None = None


@dataclass
class Failure:
    kind: str  # "cut" | "upload" | "task"
    id: str
    name: str
    project_id: int | None
    attempts: int | None
    reason: str  # in the reader's language
    code: str
    at: datetime | None
    queue: str = ""


@dataclass
class Worker:
    name: str
    state: str
    queues: list[str]
    current_job: str
    last_heartbeat: datetime | None


@dataclass
class Overview:
    backend: str  # "database" | "redis" | the backend's class name
    now: datetime
    queues: list[Queue]
    running: list[Job]
    stuck: int
    failures: list[Failure]
    failures_total: int
    workers: list[Worker] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def cluster_overview() -> Overview:
    """Everything the cluster page shows, gathered at one moment (``now``)."""
    now = timezone.now()
    backend = task_backends["default"]
    module = type(backend).__module__
    running = _running(now)
    failures, failures_total = _failed_rows()
    workers: list[Worker] = []
    if module.startswith("django_tasks_db"):
        kind, queues = "database", _db_queues(backend)
        task_failures, task_failures_total = _db_failed_tasks()
    elif module.startswith("django_tasks_rq"):
        kind = "redis"
        queues, task_failures, task_failures_total, workers = _rq_state(backend)
    else:
        kind, queues, task_failures, task_failures_total = type(backend).__name__, [], [], 0
    failures = sorted(failures + task_failures, key=lambda f: f.at or now, reverse=True)[:LIMIT]
    return Overview(
        backend=kind, now=now, queues=queues, running=running, stuck=sum(job.stuck for job in running),
        failures=failures, failures_total=failures_total + task_failures_total, workers=workers,
    )


def _age(now, then) -> int | None:
    return round((now - then).total_seconds()) if then else None


def _running(now) -> list[Job]:
    cuts = (
        Cut.objects.filter(status=Cut.Status.PROCESSING)
        .select_related("deliverable")
        .order_by("claimed_at", "pk")[:LIMIT]
    )
    uploads = Upload.objects.filter(status=Upload.Status.VERIFYING).order_by("claimed_at", "created_at")[:LIMIT]
    jobs = [
        Job(kind="cut", id=str(cut.pk), name=cut.original_name, project_id=cut.deliverable.project_id,
            attempt=cut.attempts, claimed_at=cut.claimed_at, claim_age_seconds=_age(now, cut.claimed_at),
            lease_until=cut.lease_until, stuck=cut.lease_until is None or cut.lease_until < now,
            worker=cut.claimed_by, progress=cut.progress)
        for cut in cuts
    ]
    # An upload waiting for its first check has no lease yet and is not stuck: it waits in a queue.
    jobs += [
        Job(kind="upload", id=str(upload.pk), name=upload.filename, project_id=upload.project_id,
            attempt=upload.attempts, claimed_at=upload.claimed_at, claim_age_seconds=_age(now, upload.claimed_at),
            lease_until=upload.lease_until, stuck=upload.lease_until is not None and upload.lease_until < now,
            worker=upload.claimed_by if upload.lease_until else "")
        for upload in uploads
    ]
    return jobs


def _failed_rows() -> tuple[list[Failure], int]:
    cuts = list(
        Cut.objects.filter(status=Cut.Status.FAILED).select_related("deliverable")
        .order_by("-claimed_at", "-created_at")[:LIMIT]
    )
    uploads = list(Upload.objects.filter(status=Upload.Status.FAILED).order_by("-claimed_at", "-created_at")[:LIMIT])
    counts = {
        "cut": Cut.objects.filter(status=Cut.Status.FAILED).count(),
        "upload": Upload.objects.filter(status=Upload.Status.FAILED).count(),
    }
    failures = [
        Failure(kind="cut", id=str(cut.pk), name=cut.original_name, project_id=cut.deliverable.project_id,
                attempts=cut.attempts, reason=cut.failure, code=cut.failure_code, at=cut.claimed_at or cut.created_at)
        for cut in cuts
    ] + [
        Failure(kind="upload", id=str(upload.pk), name=upload.filename, project_id=upload.project_id,
                attempts=upload.attempts, reason=upload.error, code=upload.error_code,
                at=upload.claimed_at or upload.created_at)
        for upload in uploads
    ]
    return failures, counts["cut"] + counts["upload"]


def _db_queues(backend) -> list[Queue]:
    from django_tasks_db.models import DBTaskResult

    statuses = {"READY": "waiting", "RUNNING": "running", "FAILED": "failed"}
    queues = {name: Queue(name=name, waiting=0, running=0, scheduled=0, failed=0) for name in sorted(backend.queues)}
    now = timezone.now()
    rows = (
        DBTaskResult.objects.filter(status__in=statuses)
        .values("queue_name", "status", later=_run_after_later(now))
        .annotate(n=Count("pk"))
    )
    for row in rows:
        queue = queues.setdefault(row["queue_name"], Queue(name=row["queue_name"], waiting=0, running=0, scheduled=0, failed=0))
        what = "scheduled" if row["status"] == "READY" and row["later"] else statuses[row["status"]]
        setattr(queue, what, getattr(queue, what) + row["n"])
    return list(queues.values())


def _run_after_later(now):
    """A ready task that waits for its ``run_after`` (a retry's back-off); the backend marks "no
    time set" with the largest date there is."""
    from django.db.models import BooleanField, Case, Q, Value, When
    from django_tasks_db.models import get_date_max

    later = Q(run_after__gt=now) & ~Q(run_after=get_date_max())
    return Case(When(later, then=Value(True)), default=Value(False), output_field=BooleanField())


def _db_failed_tasks() -> tuple[list[Failure], int]:
    from django_tasks_db.models import DBTaskResult

    failed = DBTaskResult.objects.failed()
    rows = failed.order_by("-finished_at").values(
        "id", "task_path", "queue_name", "exception_class_path", "finished_at", "args_kwargs")[:LIMIT]
    return [
        Failure(kind="task", id=str(row["id"]), name=row["task_path"], project_id=None, attempts=None,
                reason=row["exception_class_path"], code="", at=row["finished_at"], queue=row["queue_name"])
        for row in rows
    ], failed.count()


def _rq_state(backend) -> tuple[list[Queue], list[Failure], int, list[Worker]]:
    import redis
    from rq import Queue as RQQueue
    from rq import Worker as RQWorker
    from rq.job import Job as RQJob

    queues, failures, total, workers, seen = [], [], 0, [], set()
    for name in sorted(backend.queues):
        try:
            with quick_redis(name) as conn:
                rq_queue = RQQueue(name, connection=conn)
                failed = rq_queue.failed_job_registry
                queue = Queue(name=name, waiting=rq_queue.count, running=rq_queue.started_job_registry.count,
                              scheduled=rq_queue.scheduled_job_registry.count, failed=failed.count)
                total += queue.failed
                for job in RQJob.fetch_many(failed.get_job_ids(0, LIMIT - 1), connection=conn):
                    if job is not None:
                        failures.append(_rq_failure(job, name))
                for worker in RQWorker.all(queue=rq_queue):
                    if worker.name not in seen:
                        seen.add(worker.name)
                        workers.append(Worker(name=worker.name, state=str(worker.get_state()),
                                              queues=worker.queue_names(), current_job=worker.get_current_job_id() or "",
                                              last_heartbeat=worker.last_heartbeat))
        except redis.RedisError as exc:
            queue = Queue(name=name, error=type(exc).__name__)
        queues.append(queue)
    return queues, failures, total, sorted(workers, key=lambda w: w.name)


def _rq_failure(job, queue_name: str) -> Failure:
    # The worker records the traceback as the job's latest result.
    result = job.latest_result()
    text = ((getattr(result, "exc_string", "") if result else "") or "").strip().splitlines()
    ended = job.ended_at
    if ended is not None and timezone.is_naive(ended):
        ended = ended.replace(tzinfo=dt.UTC)  # RQ keeps UTC
    return Failure(kind="task", id=job.id, name=job.func_name or "", project_id=None, attempts=None,
                   reason=text[-1][:300] if text else "", code="", at=ended, queue=queue_name)
