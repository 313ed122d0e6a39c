"""The one wrapper around ffmpeg and ffprobe.

ffmpeg-python builds argument lists (``command(stream_spec)``); ``subprocess`` runs them through
``run()`` (:mod:`media.ffmpeg.runner`: niced, killed with the worker, a hard timeout and a stall
watchdog). Failures are typed exceptions carrying the tail of ffmpeg's stderr for the log and a
``message`` a user can act on (:mod:`media.ffmpeg.errors`).

``probe()`` reads a file with ffprobe and returns a ``Probe`` (:mod:`media.ffmpeg.probing`); it
raises ``NotAVideo``, ``Truncated`` or ``BadDimensions`` for files Reelwork must reject before
spending a decode on them. What counts as acceptable or browser-ready is product policy
(:mod:`media.ffmpeg.policy`); telling a cut-off MP4 from a non-video is :mod:`media.ffmpeg.mp4`.

No Django here except ``gettext_lazy`` for the user-facing messages: the callers (tasks, the
benchmark) decide where the files come from and what to store. Callers use this package's names:
``from media import ffmpeg; ffmpeg.probe(...)``.
"""

from media.ffmpeg.errors import (
    MESSAGES,
    STDERR_TAIL_LINES,
    BadDimensions,
    FFmpegError,
    NotAVideo,
    Stalled,
    Timeout,
    Truncated,
    message_for,
    tail,
)
from media.ffmpeg.policy import BROWSER_MAX_BIT_RATE, MAX_SIDE, MIN_SIDE
from media.ffmpeg.probing import Probe, probe
from media.ffmpeg.runner import (
    FFMPEG,
    FFPROBE,
    PROBE_TIMEOUT,
    STALL_TIMEOUT,
    RunResult,
    command,
    run,
)

__all__ = [
    "BROWSER_MAX_BIT_RATE", "FFMPEG", "FFPROBE", "MAX_SIDE", "MESSAGES", "MIN_SIDE", "PROBE_TIMEOUT",
    "STALL_TIMEOUT", "STDERR_TAIL_LINES", "BadDimensions", "FFmpegError", "NotAVideo", "Probe", "RunResult",
    "Stalled", "Timeout", "Truncated", "command", "message_for", "probe", "run", "tail",
]
