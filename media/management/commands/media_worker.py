"""``manage.py media_worker [db_worker options]``: the database task worker, plus the sweep that
hands back cuts and uploads whose worker died mid-task (``claims.media_sweep``) every
``REELWORK_SWEEP_SECONDS``. Run it instead of ``db_worker``: a stale claim then never waits for
someone to remember a command."""

import logging
import os
import threading
import time

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands import db_worker

from media import claims

log = logging.getLogger(__name__)


class Command(db_worker.Command):
    help = "Run the task worker and hand back work whose worker died (expired leases)."

    def handle(self, *args, **options):
        # With --reload the outer process only restarts the inner one: the sweep runs inside.
        if not options["reload"] or os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
            threading.Thread(target=_sweep_forever, name="media-sweep", daemon=True).start()
        super().handle(*args, **options)


def _sweep_forever() -> None:
    while True:
        try:
            claims.media_sweep()
        except DatabaseError as exc:
            log.warning("media sweep: %s", exc)
            connection.close()
        time.sleep(settings.REELWORK_SWEEP_SECONDS)
