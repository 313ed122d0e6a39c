"""What can go wrong with ffmpeg and ffprobe, as typed exceptions: a code and parameters to store,
worded for a reader by ``MESSAGES`` when read; the stderr tail for the log."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

STDERR_TAIL_LINES = 20


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
