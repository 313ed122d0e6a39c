"""The RQ worker class Reelwork runs on Redis (``RQ["WORKER_CLASS"]``, so a plain
``manage.py rqworker`` uses it): RQ's forking worker, whose work horse dies with it.

RQ forks a work horse for every job and puts it in a process group of its own. A worker killed
with SIGKILL (or by the OOM killer) would leave that horse running on, unsupervised: no job
timeout, no one to record the outcome, a transcode competing with the one that replaces it. Here
the kernel kills the horse when its worker goes (``PR_SET_PDEATHSIG``), the horse's ffmpeg follows
(``setpriv --pdeathsig`` in media.ffmpeg), the cut's lease stops being renewed, and
``manage.py media_sweep`` hands the cut back to the queue for another worker.

Linux only, like ``setpriv``; elsewhere the horse behaves as RQ's own."""

import ctypes
import logging
import os
import signal
import sys

from rq.worker import Worker as ForkingWorker

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


class Worker(ForkingWorker):
    def main_work_horse(self, job, queue):
        _die_with(self.pid)
        super().main_work_horse(job, queue)


def _die_with(worker_pid: int | None) -> None:
    """Ask the kernel for SIGKILL when the process that forked this one exits. If it is gone
    already (it died between the fork and here), do not start the job at all."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        log.warning("work horse %s: prctl(PR_SET_PDEATHSIG) failed: errno %s", os.getpid(), ctypes.get_errno())
        return
    if worker_pid is not None and os.getppid() != worker_pid:
        os.kill(os.getpid(), signal.SIGKILL)
