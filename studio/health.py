"""``/healthz``: may a load balancer send this process traffic? The database, the storage and the
task queue each answer, and the whole answers 200 when all do, 503 when one does not.

The answer is for machines and operators: no account needed, so it names components and says
"ok" or the class of failure, never a host name, a key or an error message that could carry one
(the log has the detail). GET and HEAD only, and nothing is written: a balancer polls it every
few seconds on every process.
"""

import logging
import time

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

log = logging.getLogger("studio.health")


def check_database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {}


def check_storage() -> dict:
    from media import storage

    storage.reachable()
    return {"kind": "s3" if storage.s3_enabled() else "local"}


def check_tasks() -> dict:
    """The task backend is configured and its queue can be read. For the database backend the
    answer also says how long the oldest ready task has waited: a queue nobody works shows as a
    growing number here before users notice it. On Redis, Redis must answer, and the answer says
    how many jobs wait on each queue."""
    from django.tasks import task_backends

    backend = task_backends["default"]
    answer = {"backend": type(backend).__name__}
    if type(backend).__module__.startswith("django_tasks_db"):
        from django.utils import timezone
        from django_tasks_db.models import DBTaskResult

        oldest = DBTaskResult.objects.ready().order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
        answer["oldest_ready_seconds"] = round((timezone.now() - oldest).total_seconds()) if oldest else 0
    elif type(backend).__module__.startswith("django_tasks_rq"):
        answer["waiting"] = {name: _rq_waiting(name) for name in sorted(backend.queues)}
    elif hasattr(backend, "check_connection"):
        backend.check_connection()
    return answer


def _rq_waiting(queue_name: str) -> int:
    """How many jobs wait on an RQ queue, asked over a short-timeout connection of its own."""
    from rq import Queue

    from studio.rq import quick_redis

    with quick_redis(queue_name) as connection:
        return Queue(queue_name, connection=connection).count


CHECKS = {"database": check_database, "storage": check_storage, "tasks": check_tasks}


@never_cache
@require_safe
def healthz(request):
    components, healthy = {}, True
    for name, check in CHECKS.items():
        began = time.monotonic()
        try:
            components[name] = {"status": "ok", **check()}
        except Exception as exc:  # noqa: BLE001 - any failure of a component is "unhealthy", not a 500
            log.warning("healthz: %s failed: %r", name, exc)
            components[name] = {"status": "fail", "error": type(exc).__name__}
            healthy = False
        components[name]["ms"] = round((time.monotonic() - began) * 1000, 1)
    return JsonResponse({"status": "ok" if healthy else "fail", "components": components}, status=200 if healthy else 503)
