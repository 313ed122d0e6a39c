"""The one wrapper around ffmpeg and ffprobe.

ffmpeg-python builds argument lists (``command(stream_spec)``); ``subprocess`` runs them through
``run()``: stdin from /dev/null, ``nice -n 19`` (the web stays responsive while a worker encodes),
killed with the worker (``setpriv --pdeathsig``: a worker that dies leaves no ffmpeg running on),
a hard timeout, and a stall watchdog that reads ffmpeg's ``-progress pipe:1`` output line by line
and kills the process when it stops advancing. Failures are typed exceptions carrying the tail of
ffmpeg's stderr for the log and a ``message`` a user can act on.

``probe()`` reads a file with ffprobe and returns a ``Probe``; it raises ``NotAVideo``,
``Truncated`` or ``BadDimensions`` for files Reelwork must reject before spending a decode on them.

No Django here except ``gettext_lazy`` for the user-facing messages: the callers (tasks, the
benchmark) decide where the files come from and what to store.
"""

from __future__ import annotations

import functools
import json
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
from dataclasses import asdict, dataclass, replace
from fractions import Fraction
from pathlib import Path

from django.utils.translation import gettext_lazy as _

log = logging.getLogger(__name__)

FFMPEG = "ffmpeg"
FFPROBE = "ffprobe"
NICE = ("nice", "-n", "19")
# ffmpeg runs in a session of its own (so a kill reaches all of it), which also means a worker that
# is killed does not take it along: the kernel sends it SIGKILL when the thread that started it goes.
DIE_WITH_PARENT = ("setpriv", "--pdeathsig", "KILL")

PROBE_TIMEOUT = 60.0
STALL_TIMEOUT = 60.0
MIN_SIDE, MAX_SIDE = 16, 8192
# Beyond this a proxy is cheaper to stream to a panelist than the camera original.
BROWSER_MAX_BIT_RATE = 20_000_000
STDERR_TAIL_LINES = 20

# Containers whose files start with an ISO-BMFF box; a file that starts like one but that ffprobe
# cannot open was cut short (the index, "moov", is written last unless the file is fast-start).
_MP4_BOX_TYPES = {b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot", b"uuid", b"styp", b"sidx", b"moof"}
_TRUNCATION_MARKERS = ("partial file", "File ended prematurely")


# ---------------------------------------------------------------- errors


class FFmpegError(Exception):
    """ffmpeg or ffprobe failed. ``code`` and ``params`` are what to store (``MESSAGES`` words them
    for a reader); ``str()`` and ``stderr_tail`` are for the log.

    ``message`` is evaluated when read, in the language active then.
    """

    code = "ffmpeg_failed"
    # Timeouts and stalls are worth another try (a busy machine); a file ffmpeg cannot read is not.
    transient = False

    def __init__(self, detail: str = "", *, code: str | None = None, params=None, stderr_tail: str = "", returncode=None, cmd=None):
        self.detail = detail
        if code is not None:
            self.code = code
        self.params = params or {}
        self.stderr_tail = stderr_tail
        self.returncode = returncode
        self.cmd = list(cmd) if cmd else None
        super().__init__(detail or type(self).__name__)

    @property
    def message(self) -> str:
        return message_for(self.code, self.params)

    def __str__(self) -> str:
        parts = [self.detail or type(self).__name__]
        if self.returncode is not None:
            parts.append(f"exit status {self.returncode}")
        if self.stderr_tail:
            parts.append("stderr tail:\n" + self.stderr_tail)
        return "; ".join(parts)


class NotAVideo(FFmpegError):
    """ffprobe can't read the file, or it holds no moving picture (audio only, a still, a document)."""

    code = "not_a_video"


class BadDimensions(NotAVideo):
    code = "bad_dimensions"


class Truncated(FFmpegError):
    code = "truncated"


class Timeout(FFmpegError):
    code = "timeout"
    transient = True


class Stalled(FFmpegError):
    code = "stalled"
    transient = True


# What each code says to a reader; parameters are filled in when it is read.
MESSAGES = {
    "ffmpeg_failed": _("The video could not be processed. Check the file and upload it again."),
    "not_a_video": _(
        "This file is not a video Reelwork can read. Upload the cut as a video file (MP4, MOV, MKV, WebM, AVI)."
    ),
    "bad_dimensions": _("The picture size %(width)s×%(height)s is outside what Reelwork accepts (%(min)s to %(max)s pixels per side)."),
    "truncated": _(
        "The file is incomplete: it ends early, as if the export or the upload was interrupted. Export or upload it again."
    ),
    "timeout": _("Processing the video took too long and was stopped. Try again later or ask the office for help."),
    "stalled": _("Processing the video stopped making progress and was stopped. Try again later."),
    "empty": _("The file is empty (0 bytes). Upload it again."),
    "audio_only": _("This file has sound but no picture. Upload the video file of the cut."),
    "still": _("This file is a still image, not a video."),
    "no_space": _("The server ran out of disk space while processing the video. The office has to free space; then try again."),
}


def message_for(code: str, params: dict | None = None) -> str:
    text = str(MESSAGES.get(code, MESSAGES["ffmpeg_failed"]))
    return text % params if params else text


def tail(text: str, lines: int = STDERR_TAIL_LINES) -> str:
    """The last ``lines`` lines of an ffmpeg log."""
    return "\n".join(text.rstrip().splitlines()[-lines:])


# ---------------------------------------------------------------- probe


@dataclass(frozen=True)
class Probe:
    """What ffprobe says about a file. ``width``/``height`` are as displayed: swapped for ±90° rotation."""

    duration: float
    width: int
    height: int
    fps: float
    video_codec: str
    pix_fmt: str | None
    audio_codec: str | None
    rotation: int  # clockwise degrees a player turns the picture: 0, 90, 180 or 270
    format_names: tuple[str, ...]
    bit_rate: int | None
    size: int
    video_index: int = 0
    audio_index: int | None = None
    audio_channels: int = 0
    audio_sample_rate: int = 0
    sample_aspect_ratio: float = 1.0
    interlaced: bool = False
    video_profile: str | None = None
    audio_tracks: int = 0  # sound tracks in the file: previews and QC use ``audio_index`` only

    def as_dict(self) -> dict:
        """JSON-safe, for a JSONField."""
        data = asdict(self)
        data["format_names"] = list(self.format_names)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "Probe":
        """The inverse of :meth:`as_dict`: a probe stored when the upload was checked."""
        return cls(**{**data, "format_names": tuple(data["format_names"])})

    @property
    def has_audio(self) -> bool:
        return self.audio_codec is not None

    @property
    def display_aspect(self) -> float:
        return self.width * self.sample_aspect_ratio / self.height

    def not_browser_ready_reasons(self) -> list[str]:
        """Why browsers can't play the file as it is (empty when they can). For logs, not users."""
        reasons = []
        if self.video_codec != "h264":
            reasons.append(f"video codec {self.video_codec}")
        if self.pix_fmt not in ("yuv420p", "yuvj420p"):
            reasons.append(f"pixel format {self.pix_fmt}")
        if self.audio_codec not in (None, "aac"):
            reasons.append(f"audio codec {self.audio_codec}")
        if not {"mp4", "mov"} & set(self.format_names):
            reasons.append(f"container {','.join(self.format_names)}")
        # A 1920x1080 box in either orientation: portrait phone video shot as 1080x1920 pixels plays.
        if max(self.width, self.height) > 1920 or min(self.width, self.height) > 1080:
            reasons.append(f"size {self.width}x{self.height}")
        if self.rotation:
            reasons.append(f"rotated {self.rotation}°")
        if not 0 < self.fps <= 60:
            reasons.append(f"{self.fps:g} fps")
        if abs(self.sample_aspect_ratio - 1) > 0.01:
            reasons.append(f"non-square pixels ({self.sample_aspect_ratio:.3f})")
        if self.interlaced:
            reasons.append("interlaced")
        if self.bit_rate and self.bit_rate > BROWSER_MAX_BIT_RATE:
            reasons.append(f"bit rate {self.bit_rate / 1e6:.0f} Mb/s")
        return reasons

    @property
    def browser_ready(self) -> bool:
        """H.264 8-bit 4:2:0 + AAC or no sound, in MP4/MOV, ≤ 1920x1080, upright, ≤ 60 fps.

        Also progressive, square pixels and ≤ BROWSER_MAX_BIT_RATE. Such a file needs only a
        fast-start remux (``pipeline.fast_preview``); anything else gets a proxy.
        """
        return not self.not_browser_ready_reasons()


def probe(source, *, timeout: float = PROBE_TIMEOUT, size: int | None = None, read_range=None) -> Probe:
    """Read ``source`` with ffprobe. Raises NotAVideo, BadDimensions, Truncated, Timeout.

    ``source`` is a local path, or a URL ffprobe reads over HTTP (a presigned S3 URL): then pass
    the object's ``size`` and ``read_range(first, last) -> bytes`` for the few header bytes the
    MP4 checks need. A missing local file raises FileNotFoundError: that is the caller's
    (storage's) problem, not the uploader's.
    """
    if read_range is None:
        local = Path(source)
        size = local.stat().st_size

        def read_range(first: int, last: int) -> bytes:
            with open(local, "rb") as f:
                f.seek(first)
                return f.read(last - first + 1)

    if size is None:
        raise ValueError("probe of a URL needs the size of the object")
    if size == 0:
        raise NotAVideo("empty file", code="empty")
    target = str(source)
    cmd = [FFPROBE, "-v", "error", "-of", "json", "-show_format", "-show_streams", target]
    proc = _run_captured(cmd, timeout=timeout)
    if proc.returncode != 0:
        stderr_tail = tail(proc.stderr)
        if _starts_like_mp4(read_range, size):
            raise Truncated("ffprobe can't read an MP4/MOV file", stderr_tail=stderr_tail, returncode=proc.returncode, cmd=cmd)
        raise NotAVideo("ffprobe can't read the file", stderr_tail=stderr_tail, returncode=proc.returncode, cmd=cmd)
    try:
        data = json.loads(proc.stdout or "{}")
    except ValueError as exc:
        raise NotAVideo(f"ffprobe printed no JSON: {exc}", cmd=cmd) from exc
    result = _parse_probe(data, size)
    if result.duration <= 0:
        result = _with_duration_from_packets(result, target, timeout)
    if {"mov", "mp4"} & set(result.format_names) and _mp4_box_overruns(read_range, size):
        raise Truncated("an MP4/MOV box runs past the end of the file", cmd=cmd)
    return result


def _parse_probe(data: dict, size: int) -> Probe:
    streams = data.get("streams") or []
    fmt = data.get("format") or {}
    format_names = tuple(n for n in (fmt.get("format_name") or "").split(",") if n)
    # Cover art in an audio file is a "video" stream with the attached_pic disposition: not a film.
    videos = [
        s for s in streams
        if s.get("codec_type") == "video" and not (s.get("disposition") or {}).get("attached_pic")
    ]
    audios = [s for s in streams if s.get("codec_type") == "audio"]
    if not videos:
        if audios:
            raise NotAVideo("audio only", code="audio_only")
        raise NotAVideo(f"no video stream in {fmt.get('format_name')}")
    if fmt.get("format_name") in ("image2", "tty") or any(n.endswith("_pipe") for n in format_names):
        raise NotAVideo(f"still image or text ({fmt.get('format_name')})", code="still")
    v = min(videos, key=lambda s: (not (s.get("disposition") or {}).get("default"), s["index"]))
    a = min(audios, key=lambda s: (not (s.get("disposition") or {}).get("default"), s["index"])) if audios else None

    coded_w, coded_h = int(v.get("width") or 0), int(v.get("height") or 0)
    if not coded_w or not coded_h:
        raise NotAVideo(f"video stream {v.get('codec_name')} without a picture size")
    if not (MIN_SIDE <= coded_w <= MAX_SIDE and MIN_SIDE <= coded_h <= MAX_SIDE):
        raise BadDimensions(
            f"picture size {coded_w}x{coded_h}",
            params={"width": coded_w, "height": coded_h, "min": MIN_SIDE, "max": MAX_SIDE},
        )
    rotation = _rotation(v)
    width, height = (coded_h, coded_w) if rotation in (90, 270) else (coded_w, coded_h)
    sar = _ratio(v.get("sample_aspect_ratio")) or 1.0
    fps = _ratio(v.get("avg_frame_rate")) or _ratio(v.get("r_frame_rate")) or 0.0
    duration = _float(fmt.get("duration")) or _float(v.get("duration")) or 0.0
    return Probe(
        duration=duration,
        width=width,
        height=height,
        fps=round(fps, 3),
        video_codec=v.get("codec_name") or "unknown",
        pix_fmt=v.get("pix_fmt"),
        audio_codec=a.get("codec_name") if a else None,
        rotation=rotation,
        format_names=format_names,
        bit_rate=int(_float(fmt.get("bit_rate")) or 0) or None,
        size=size,
        video_index=int(v["index"]),
        audio_index=int(a["index"]) if a else None,
        audio_channels=int(a.get("channels") or 0) if a else 0,
        audio_sample_rate=int(_float(a.get("sample_rate")) or 0) if a else 0,
        sample_aspect_ratio=sar,
        interlaced=v.get("field_order") in ("tt", "bb", "tb", "bt"),
        video_profile=v.get("profile"),
        audio_tracks=len(audios),
    )


def _rotation(stream: dict) -> int:
    """Clockwise degrees to turn the picture upright, snapped to a multiple of 90.

    ffprobe reports the display matrix counter-clockwise; old files carry a clockwise ``rotate`` tag.
    """
    degrees = None
    for side in stream.get("side_data_list") or []:
        if "rotation" in side:
            degrees = -float(side["rotation"])
            break
    if degrees is None and (stream.get("tags") or {}).get("rotate"):
        degrees = _float(stream["tags"]["rotate"])
    if not degrees or math.isnan(degrees):
        return 0
    return int(round(degrees / 90.0)) * 90 % 360


def _ratio(text) -> float | None:
    if not text or text in ("0/0", "0:1", "N/A"):
        return None
    try:
        value = float(Fraction(str(text).replace(":", "/")))
    except (ValueError, ZeroDivisionError):
        return None
    return value if value > 0 and math.isfinite(value) else None


def _float(text) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _with_duration_from_packets(result: Probe, path: str, timeout: float) -> Probe:
    # Files written to a pipe (browser recordings, some WebM) carry no duration: read the packet
    # timestamps (demux only, no decode).
    cmd = [FFPROBE, "-v", "error", "-select_streams", str(result.video_index), "-show_entries",
           "packet=pts_time,duration_time", "-of", "csv=p=0", str(path)]
    proc = _run_captured(cmd, timeout=timeout)
    end = 0.0
    for line in proc.stdout.splitlines():
        pts, _sep, dur = line.partition(",")
        t = _float(pts)
        if t is not None:
            end = max(end, t + (_float(dur) or 0.0))
    if end <= 0:
        raise NotAVideo("no duration and no timed video packets", stderr_tail=tail(proc.stderr), cmd=cmd)
    return replace(result, duration=round(end, 3))


def _starts_like_mp4(read_range, size: int) -> bool:
    head = read_range(0, min(7, size - 1))
    return len(head) == 8 and head[4:8] in _MP4_BOX_TYPES


def _mp4_box_overruns(read_range, size: int) -> bool:
    """True when a top-level box claims more bytes than the file has (a cut-off fast-start file)."""
    offset = 0
    for _i in range(10_000):
        if offset + 8 > size:
            return offset != size
        header = read_range(offset, min(offset + 15, size - 1))
        box_size = int.from_bytes(header[0:4], "big")
        if box_size == 1 and len(header) >= 16:
            box_size = int.from_bytes(header[8:16], "big")
        elif box_size == 0:  # runs to the end of the file
            return False
        if box_size < 8:
            return False  # not a box structure we understand; let ffmpeg judge
        offset += box_size
    return offset > size


# ---------------------------------------------------------------- running ffmpeg


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
        out_us = _float(self._state.get("out_time_us"))
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


def _run_captured(cmd: Sequence[str], *, timeout: float) -> subprocess.CompletedProcess:
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
