"""``manage.py media_worker [db_worker options]``: the database task worker, plus the sweep that
hands back cuts and uploads whose worker died mid-task (``claims.sweep_forever``) every
``REELWORK_SWEEP_SECONDS``. Run it instead of ``db_worker``: a stale claim then never waits for
someone to remember a command.

It works every queue (``TASKS_QUEUES``: default and media) unless told ``--queue-name``, so the
embedded default needs one worker; ``--queue-name default`` and ``--queue-name media`` split the
short jobs from the long ones over two. On Redis (``TASKS_BACKEND=django_tasks_rq.RQBackend``)
the workers are ``manage.py rqworker`` and the sweep is ``manage.py media_sweep``."""

import os
import sys
import threading

from django.conf import settings
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands import db_worker

from media import claims


class Command(db_worker.Command):
    help = "Run the task worker (every queue unless --queue-name) and hand back work whose worker died (expired leases)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(queue_name=",".join(settings.TASKS["default"]["QUEUES"]))

    def run_from_argv(self, argv):
        if settings.RQ_ENABLED:
            self.stderr.write(
                "media_worker runs the database task backend, and TASKS_BACKEND is Redis: run "
                "`manage.py rqworker default media` (as many as you like) and one `manage.py media_sweep`."
            )
            sys.exit(2)
        super().run_from_argv(argv)

    def handle(self, *args, **options):
        # With --reload the outer process only restarts the inner one: the sweep runs inside.
        if not options["reload"] or os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
            threading.Thread(target=claims.sweep_forever, name="media-sweep", daemon=True).start()
        super().handle(*args, **options)
