"""Running ffmpeg and ffprobe: stdin from /dev/null, ``nice -n 19`` (the web stays responsive while
a worker encodes), killed with the worker (``setpriv --pdeathsig``: a worker that dies leaves no
ffmpeg running on), a hard timeout, and a stall watchdog that reads ffmpeg's ``-progress pipe:1``
output line by line and kills the process when it stops advancing."""

from __future__ import annotations

import functools
import logging
import math
import os
import queue
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from media.ffmpeg.errors import (
    FFmpegError,
    NotAVideo,
    Stalled,
    Timeout,
    Truncated,
    tail,
)

log = logging.getLogger("media.ffmpeg")

FFMPEG = "ffmpeg"
FFPROBE = "ffprobe"
NICE = ("nice", "-n", "19")
# ffmpeg runs in a session of its own (so a kill reaches all of it), which also means a worker that
# is killed does not take it along: the kernel sends it SIGKILL when the thread that started it goes.
DIE_WITH_PARENT = ("setpriv", "--pdeathsig", "KILL")

PROBE_TIMEOUT = 60.0
STALL_TIMEOUT = 60.0
_TRUNCATION_MARKERS = ("partial file", "File ended prematurely")


def finite_float(text) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


@dataclass(frozen=True)
class RunResult:
    returncode: int
    stderr: str
    elapsed: float  # wall seconds
    cpu_seconds: float  # user + system of the child
    max_rss_kb: int  # peak resident set of the child


def command(stream_spec, *, progress: bool = True, loglevel: str = "info") -> list[str]:
    """The full ffmpeg argument list for an ffmpeg-python stream spec (an output or merged outputs)."""
    base = [FFMPEG, "-nostdin", "-hide_banner", "-y", "-loglevel", loglevel]
    if progress:
        base += ["-progress", "pipe:1", "-nostats"]
    return base + stream_spec.get_args()


def run(
    cmd: Sequence[str],
    *,
    timeout: float,
    stall_timeout: float = STALL_TIMEOUT,
    finish_timeout: float | None = None,
    duration: float | None = None,
    on_progress: Callable[[float], None] | None = None,
) -> RunResult:
    """Run ``cmd`` (normally from ``command()``) under ``nice``, watching its progress lines on stdout.

    - ``timeout``: hard limit in seconds for the whole run → ``Timeout``.
    - ``stall_timeout``: kill when ``-progress`` has not advanced for this long → ``Stalled``.
      ffmpeg prints a progress block about twice a second while it works.
    - ``finish_timeout``: the stall limit once progress has reached the end (≥ 98 %): ffmpeg
      prints nothing while it finishes, e.g. while ``+faststart`` rewrites a large file.
    - ``on_progress(fraction)``: 0..1 from ``out_time_us`` / ``duration``, non-decreasing, called
      when it moves by ≥ 0.5 % and with 1.0 at the end. Raise from it to cancel the run.

    Non-zero exit raises ``FFmpegError`` (or ``NotAVideo``/``Truncated`` when stderr says so); a
    zero exit whose stderr reports a cut-off input raises ``Truncated``.
    """
    argv = [*_prefix(), *cmd]
    log.debug("running %s", subprocess.list2cmdline(argv))
    started = time.monotonic()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err, start_new_session=True)
        lines: queue.SimpleQueue = queue.SimpleQueue()
        threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True).start()
        watch = _Watch(started, duration, on_progress)
        try:
            while True:
                now = time.monotonic()
                limit = finish_timeout if (finish_timeout and watch.fraction >= 0.98) else stall_timeout
                if now >= started + timeout:
                    raise Timeout(f"timed out after {timeout:g} s", cmd=cmd)
                if now >= watch.last_advance + limit:
                    raise Stalled(f"no progress for {limit:g} s", cmd=cmd)
                try:
                    line = lines.get(timeout=min(started + timeout, watch.last_advance + limit) - now)
                except queue.Empty:
                    continue
                if line is None:
                    break
                watch.feed(line)
            returncode, cpu, rss = _reap(proc, deadline=started + timeout)
            if returncode is None:
                raise Timeout(f"timed out after {timeout:g} s (after closing its output)", cmd=cmd)
        except FFmpegError as exc:
            _kill(proc)
            exc.stderr_tail = tail(_read(err))
            log.warning("ffmpeg killed: %s", exc)
            raise
        except BaseException:
            _kill(proc)
            raise
        finally:
            proc.stdout.close()
        stderr = _read(err)
    elapsed = time.monotonic() - started
    if returncode != 0:
        raise _error_from(returncode, stderr, cmd)
    if any(marker in stderr for marker in _TRUNCATION_MARKERS):
        raise Truncated("the input ends early", stderr_tail=tail(stderr), returncode=0, cmd=cmd)
    watch.finish()
    return RunResult(returncode=returncode, stderr=stderr, elapsed=elapsed, cpu_seconds=cpu, max_rss_kb=rss)


class _Watch:
    """Turns ffmpeg's progress lines into a fraction and the time it last advanced."""

    def __init__(self, started: float, duration: float | None, on_progress):
        self.last_advance = started
        self.duration = duration if duration and duration > 0 else None
        self.on_progress = on_progress
        self.fraction = 0.0
        self._reported = -1.0
        self._state: dict[str, str] = {}
        self._last_block: tuple | None = None

    def feed(self, line: str) -> None:
        key, sep, value = line.partition("=")
        if not sep:
            return
        self._state[key] = value
        if key != "progress":
            return
        # One block per "progress=" line: advancing means new output time, frames or bytes.
        block = (self._state.get("out_time_us"), self._state.get("frame"), self._state.get("total_size"), value)
        if block != self._last_block:
            self._last_block = block
            self.last_advance = time.monotonic()
        out_us = finite_float(self._state.get("out_time_us"))
        if self.duration and out_us is not None and out_us > 0:
            self.fraction = max(self.fraction, min(1.0, out_us / 1e6 / self.duration))
        if value == "end":
            self.fraction = 1.0
        self._report()

    def finish(self) -> None:
        self.fraction = 1.0
        self._report()

    def _report(self) -> None:
        if self.on_progress and (self.fraction - self._reported >= 0.005 or (self.fraction == 1.0 > self._reported)):
            self._reported = self.fraction
            self.on_progress(self.fraction)


def _pump(stream, lines: queue.SimpleQueue) -> None:
    try:
        for raw in iter(stream.readline, b""):
            lines.put(raw.decode("utf-8", "replace").strip())
    except (OSError, ValueError):
        pass
    finally:
        lines.put(None)


def _reap(proc: subprocess.Popen, *, deadline: float) -> tuple[int | None, float, int]:
    """Wait for the child with wait4 (its own CPU time and peak RSS), until ``deadline``."""
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return proc.returncode, usage.ru_utime + usage.ru_stime, usage.ru_maxrss
        if time.monotonic() >= deadline:
            return None, 0.0, 0
        time.sleep(0.01)


def _kill(proc: subprocess.Popen) -> None:
    if proc.returncode is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # its own session: ffmpeg and anything it spawned
    except ProcessLookupError:
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        log.error("pid %s survived SIGKILL", proc.pid)


def _read(f) -> str:
    f.seek(0)
    return f.read().decode("utf-8", "replace")


@functools.cache
def _prefix() -> tuple[str, ...]:
    return (DIE_WITH_PARENT if shutil.which(DIE_WITH_PARENT[0]) else ()) + (NICE if shutil.which(NICE[0]) else ())


def run_captured(cmd: Sequence[str], *, timeout: float) -> subprocess.CompletedProcess:
    argv = [*_prefix(), *cmd]
    try:
        return subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, errors="replace",
                              timeout=timeout, start_new_session=True)
    except subprocess.TimeoutExpired as exc:
        stderr = exc.stderr.decode("utf-8", "replace") if isinstance(exc.stderr, bytes) else (exc.stderr or "")
        raise Timeout(f"{cmd[0]} timed out after {timeout:g} s", stderr_tail=tail(stderr), cmd=cmd) from exc


def _error_from(returncode: int, stderr: str, cmd: Sequence[str]) -> FFmpegError:
    kwargs = {"stderr_tail": tail(stderr), "returncode": returncode, "cmd": cmd}
    if "No space left on device" in stderr:
        return FFmpegError("disk full", code="no_space", **kwargs)
    if "moov atom not found" in stderr or any(m in stderr for m in _TRUNCATION_MARKERS):
        return Truncated("the input ends early", **kwargs)
    if re.search(r"Invalid data found when processing input|does not contain any stream", stderr):
        return NotAVideo("ffmpeg can't read the input", **kwargs)
    return FFmpegError(f"{cmd[0]} failed", **kwargs)
