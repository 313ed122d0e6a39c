"""Claims on background work, as leases: a worker takes a cut (or an upload to check) with a
conditional update that also sets ``lease_until``, renews the lease while it works
(``lease_kept``), and writes its outcome only while the claim is still its own (the attempt
number is the claim's token). A worker that dies stops renewing; ``media_sweep``, run by
``manage.py media_worker`` (the database backend) or ``manage.py media_sweep`` (beside RQ
workers), hands the work back through django.tasks, so it lands on whichever backend is set. Every outcome is queued-for-retry (bounded by
``REELWORK_MAX_ATTEMPTS``) or failed with a reason code (``media.reasons``)."""

import contextlib
import logging
import os
import socket
import threading
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from media.models import Cut, Upload

log = logging.getLogger(__name__)


def _lease() -> datetime:
    return timezone.now() + timedelta(seconds=settings.REELWORK_LEASE_SECONDS)


def worker_name() -> str:
    """Who holds a claim, as the cluster page names it: this machine and process (an RQ work horse
    is a process of its own, forked by the worker)."""
    return f"{socket.gethostname()}/{os.getpid()}"[:100]


def _waiting(task, task_id: str) -> bool:
    """Whether the task queued as ``task_id`` still waits on its queue (or for its retry time)."""
    if not task_id:
        return False
    try:
        return str(task.get_backend().get_result(task_id).status) == "READY"
    except NOT_FOUND:
        return False


def _not_found() -> tuple:
    from django.tasks.exceptions import TaskResultDoesNotExist

    found = [TaskResultDoesNotExist]
    # django-tasks-rq raises the one of the django-tasks package it is built on.
    with contextlib.suppress(ImportError):
        from django_tasks.exceptions import TaskResultDoesNotExist as Backported

        found.append(Backported)
    return tuple(found)


NOT_FOUND = _not_found()


def _enqueue(task, model, pk, arg, run_after, field="task_id") -> bool:
    """Queue ``task(arg)`` and note its id on the row. A queue that does not answer (Redis away)
    is logged, not raised: the row is saved as due already, the request that asked goes on (the
    upload is accepted and its cut shows as queued), and ``media_sweep`` queues it again once the
    queue answers. Any error, not one library's: this runs after the commit, where raising would
    only turn the user's saved upload into an error page."""
    try:
        result = (task.using(run_after=run_after) if run_after else task).enqueue(arg)
    except Exception as exc:
        log.warning("%s %s: could not be queued (%s: %s); the sweep queues it again later",
                    model._meta.model_name, pk, type(exc).__name__, exc)
        return False
    model.objects.filter(pk=pk).update(**{field: result.id})
    return True


def cut_enqueue(cut_id: int, *, run_after: datetime | None = None) -> bool:
    """Queue processing of a cut that is due (QUEUED): False when the queue did not answer."""
    from media.tasks import process_cut

    return _enqueue(process_cut, Cut, cut_id, cut_id, run_after)


def hls_enqueue(cut_id: int) -> bool:
    """Queue the HLS packaging of a cut unless a task for it waits on the queue already (every new
    viewer link asks while the package is missing): False when the queue did not answer."""
    from media.tasks import package_hls

    task_id = Cut.objects.filter(pk=cut_id).values_list("hls_task_id", flat=True).first()
    if task_id is None:
        return False
    try:
        if _waiting(package_hls, task_id):
            return True
    except Exception as exc:  # the queue's state unknown: queue it (a second run finds it made, or busy)
        log.warning("cut %s: could not ask whether HLS packaging waits (%s: %s)", cut_id, type(exc).__name__, exc)
    return _enqueue(package_hls, Cut, cut_id, cut_id, None, field="hls_task_id")


def upload_enqueue(upload_id, *, run_after: datetime | None = None) -> bool:
    """Queue the check of an upload that is due (VERIFYING, unclaimed): False when the queue did not answer."""
    from media.tasks import verify_upload

    return _enqueue(verify_upload, Upload, upload_id, str(upload_id), run_after)


def cut_claim(*, cut_id: int) -> int | None:
    """Take a queued cut for processing, leased for ``REELWORK_LEASE_SECONDS``: the claim's number
    (the attempt, which every later write of this claim checks), or None when another worker has
    it or it is done."""
    attempts = Cut.objects.filter(pk=cut_id, status=Cut.Status.QUEUED).values_list("attempts", flat=True).first()
    if attempts is None:
        return None
    claimed = Cut.objects.filter(pk=cut_id, status=Cut.Status.QUEUED, attempts=attempts).update(
        status=Cut.Status.PROCESSING, attempts=attempts + 1, progress=0, progress_step="", lease_until=_lease(),
        claimed_at=timezone.now(), claimed_by=worker_name(),
        failure_code="", failure_params={}, failure_detail="",
    )
    return attempts + 1 if claimed else None


def cut_lease_renew(*, cut_id: int, attempt: int) -> bool:
    """Keep holding a cut while working on it; False when the claim was lost (handed back)."""
    return bool(Cut.objects.filter(pk=cut_id, status=Cut.Status.PROCESSING, attempts=attempt).update(lease_until=_lease()))


def cut_fail(*, cut_id: int, attempt: int, code: str, params: dict, detail: str, transient: bool) -> str:
    """Processing attempt ``attempt`` failed for reason ``code``: queue the cut again when the
    reason may pass (``transient``) and attempts are left, else fail it with the reason. Returns
    "retry", "failed", or "lost" when the claim had already been handed back."""
    retry = transient and attempt < settings.REELWORK_MAX_ATTEMPTS
    later = timezone.now() + timedelta(seconds=settings.REELWORK_RETRY_AFTER_SECONDS * attempt)
    changed = Cut.objects.filter(pk=cut_id, status=Cut.Status.PROCESSING, attempts=attempt).update(
        status=Cut.Status.QUEUED if retry else Cut.Status.FAILED, lease_until=None, queued_at=later,
        failure_code=code, failure_params=params, failure_detail=detail,
    )
    if not changed:
        return "lost"
    if retry:
        transaction.on_commit(lambda: cut_enqueue(cut_id, run_after=later))
    return "retry" if retry else "failed"


def upload_claim(*, upload_id) -> int | None:
    """Take an upload waiting to be checked (VERIFYING), leased like a cut: the attempt, or None."""
    attempts = Upload.objects.filter(pk=upload_id, status=Upload.Status.VERIFYING).values_list("attempts", flat=True).first()
    if attempts is None:
        return None
    claimed = Upload.objects.filter(pk=upload_id, status=Upload.Status.VERIFYING, attempts=attempts).update(
        attempts=attempts + 1, lease_until=_lease(), claimed_at=timezone.now(), claimed_by=worker_name()
    )
    return attempts + 1 if claimed else None


def upload_lease_renew(*, upload_id, attempt: int) -> bool:
    return bool(Upload.objects.filter(pk=upload_id, status=Upload.Status.VERIFYING, attempts=attempt).update(lease_until=_lease()))


def upload_verify_failed(*, upload_id, attempt: int, code: str) -> str:
    """Checking attempt ``attempt`` failed without a verdict on the file (the storage did not
    answer, an unexpected error): check again later while attempts are left, else fail the upload
    with the reason. "retry", "failed" or "lost"."""
    retry = attempt < settings.REELWORK_MAX_ATTEMPTS
    later = timezone.now() + timedelta(seconds=settings.REELWORK_RETRY_AFTER_SECONDS * attempt)
    held = Upload.objects.filter(pk=upload_id, status=Upload.Status.VERIFYING, attempts=attempt)
    if retry:
        changed = held.update(lease_until=None, queued_at=later)
    else:
        changed = held.update(status=Upload.Status.FAILED, lease_until=None, error_code=code, error_params={"attempts": attempt})
    if not changed:
        return "lost"
    if retry:
        transaction.on_commit(lambda: upload_enqueue(upload_id, run_after=later))
    return "retry" if retry else "failed"


def media_sweep() -> int:
    """Hand back work whose worker stopped renewing its lease (killed, machine lost): the cut or
    upload is queued again, or fails with the reason once its attempts are used up. Then queue
    again what has been due for ``REELWORK_REQUEUE_AFTER_SECONDS`` with no task waiting for it
    (``requeue_lost``). Run every ``REELWORK_SWEEP_SECONDS`` by ``sweep_forever``. Safe to run in
    several processes at once: each hand-back is a conditional update only one of them wins.
    Returns how many."""
    now, count = timezone.now(), 0
    # No lease at all: claimed before leases existed; nothing renews it.
    stale = Cut.objects.filter(Q(lease_until__lt=now) | Q(lease_until=None), status=Cut.Status.PROCESSING)
    for cut_id, attempts in stale.values_list("pk", "attempts"):
        retry = attempts < settings.REELWORK_MAX_ATTEMPTS
        held = Cut.objects.filter(Q(lease_until__lt=now) | Q(lease_until=None), pk=cut_id, attempts=attempts,
                                  status=Cut.Status.PROCESSING)
        changes = {"status": Cut.Status.QUEUED if retry else Cut.Status.FAILED, "queued_at": now,
                   "failure_code": "worker_lost", "failure_params": {"attempts": attempts}}
        if held.update(lease_until=None, **changes):
            log.warning("cut %s: lease expired on attempt %s, %s", cut_id, attempts, "queued again" if retry else "failed")
            count += 1
            if retry:
                cut_enqueue(cut_id)
    for upload_id, attempts in Upload.objects.filter(status=Upload.Status.VERIFYING, lease_until__lt=now).values_list(
        "pk", "attempts"
    ):
        retry = attempts < settings.REELWORK_MAX_ATTEMPTS
        held = Upload.objects.filter(pk=upload_id, attempts=attempts, status=Upload.Status.VERIFYING, lease_until__lt=now)
        changes = {"queued_at": now} if retry else {
            "status": Upload.Status.FAILED, "error_code": "verify_lost", "error_params": {"attempts": attempts}}
        if held.update(lease_until=None, **changes):
            log.warning("upload %s: lease expired on attempt %s", upload_id, attempts)
            count += 1
            if retry:
                upload_enqueue(upload_id)
    return count + requeue_lost(now)


def requeue_lost(now: datetime) -> int:
    """Queue again the cuts (QUEUED) and uploads (VERIFYING, unclaimed) that have been due for
    ``REELWORK_REQUEUE_AFTER_SECONDS`` while no task of theirs waits on the queue: Redis did not
    answer when they were enqueued, or restarted without its data, or the task was removed. The
    delay only lets a fresh row's task be noted (it is queued after the commit); one that waits
    its turn behind others is left alone. Each is taken by moving its ``queued_at`` on, so of two
    sweeps one queues it. The first queue that does not answer ends the round: the rest wait for
    the next. Returns how many were queued."""
    from media.tasks import process_cut, verify_upload

    due = now - timedelta(seconds=settings.REELWORK_REQUEUE_AFTER_SECONDS)
    kinds = (
        (Cut, process_cut, cut_enqueue, Q(status=Cut.Status.QUEUED, queued_at__lt=due)),
        # Uploads being checked before they noted when (older versions) count as due.
        (Upload, verify_upload, upload_enqueue,
         Q(status=Upload.Status.VERIFYING, lease_until=None) & (Q(queued_at__lt=due) | Q(queued_at=None))),
    )
    count = 0
    for model, task, enqueue, lost in kinds:
        for pk, queued_at, task_id in model.objects.filter(lost).values_list("pk", "queued_at", "task_id"):
            try:
                if _waiting(task, task_id):
                    continue
            except Exception as exc:  # the queue does not answer: nothing can be queued either
                log.warning("sweep: the task queue does not answer (%s: %s)", type(exc).__name__, exc)
                return count
            if not model.objects.filter(lost, pk=pk, queued_at=queued_at).update(queued_at=now):
                continue  # another sweep took it, or a worker did
            if not enqueue(pk):
                model.objects.filter(pk=pk, queued_at=now).update(queued_at=queued_at)
                return count
            log.warning("%s %s: due since %s with no task waiting for it, queued again",
                        model._meta.model_name, pk, queued_at)
            count += 1
    return count


def sweep_forever(stop: threading.Event | None = None) -> None:
    """``media_sweep`` every ``REELWORK_SWEEP_SECONDS`` until ``stop`` is set: the loop of the
    sweep thread in ``manage.py media_worker`` and of ``manage.py media_sweep``. A database that
    or a task queue that is away for a while is logged and tried again at the next round: the
    loop itself never ends on an error."""
    stop = stop or threading.Event()
    while not stop.is_set():
        began = time.monotonic()
        try:
            media_sweep()
        except DatabaseError as exc:
            log.warning("media sweep: %s", exc)
            connection.close()
        except Exception:
            log.exception("media sweep")
        stop.wait(max(0.0, settings.REELWORK_SWEEP_SECONDS - (time.monotonic() - began)))


@contextlib.contextmanager
def lease_kept(renew):
    """Renew the claim's lease three times per lease period while the block runs, from a thread
    of its own: a long encode, a large upload of the proxy or ffmpeg's silent finishing pass
    report no progress, and the lease must outlive them all, but not a killed worker."""
    stop = threading.Event()

    def beat():
        try:
            while not stop.wait(settings.REELWORK_LEASE_SECONDS / 3):
                try:
                    if not renew():
                        log.warning("lease lost: the work was handed back")
                except DatabaseError as exc:
                    log.warning("renewing a lease: %s", exc)
        finally:
            connection.close()  # this thread's own connection

    beater = threading.Thread(target=beat, name="lease", daemon=True)
    beater.start()
    try:
        yield
    finally:
        stop.set()
        beater.join()
