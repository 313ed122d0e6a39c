"""``manage.py media_sweep [--once]``: hand back cuts and uploads whose worker died mid-task (their
lease expired), every ``REELWORK_SWEEP_SECONDS`` until stopped, or once with ``--once``.

The database worker (``manage.py media_worker``) runs the sweep in a thread of its own; RQ
workers (``manage.py rqworker``) know nothing of leases, so beside them run this, once or more
anywhere (each hand-back is a conditional update: two sweeps never hand back the same cut twice).
Handed-back work is enqueued through django.tasks, so it lands on Redis when that is the backend."""

import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand

from media import claims


class Command(BaseCommand):
    help = "Hand back work whose worker died (expired leases): every REELWORK_SWEEP_SECONDS, or once."

    def add_arguments(self, parser):
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--once", action="store_true", help="Sweep once, print how many were handed back, and exit.")
        mode.add_argument("--forever", action="store_true", help="Sweep every REELWORK_SWEEP_SECONDS until stopped (the default).")

    def handle(self, *args, once=False, **options):
        if once:
            self.stdout.write(f"handed back: {claims.media_sweep()}")
            return
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        self.stdout.write(f"media sweep: every {settings.REELWORK_SWEEP_SECONDS} s (SIGTERM stops it)")
        claims.sweep_forever(stop)
