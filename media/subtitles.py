"""Subtitles that come with a cut: SRT or WebVTT in, WebVTT out (what ``<track>`` plays).

Chinese subtitle files come in UTF-8 (with or without a BOM), UTF-16 or GB18030/GBK from older
editing software: all are read. Anything else — a video renamed .srt, a file with no cue, a time
code that cannot be read, a cue that ends before it starts — is refused with the line to look at.
"""

import codecs
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

MAX_BYTES = 2 * 1024 * 1024
MAX_CUES = 20_000
# 00:01:02,345 (SRT) or 00:01:02.345 / 01:02.345 (WebVTT); hours may exceed two digits.
_TIME = r"(?:(\d+):)?([0-5]\d):([0-5]\d)[,.](\d{3})"
_TIMING = re.compile(rf"^\s*{_TIME}\s*-->\s*{_TIME}(?:\s+.*)?$")
# Markup WebVTT does not know (SRT's <font>, say) is dropped; its own tags stay.
_TAG = re.compile(r"<(?!/?(?:b|i|u|c|v|lang|ruby|rt)\b)[^>]*>", re.IGNORECASE)


class SubtitleError(ValueError):
    """The file is not subtitles we can use; ``message`` tells the user what to fix."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str


def decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="strict")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SubtitleError(_("The subtitles are not text in UTF-8, UTF-16 or GB18030."))


def _seconds(hours, minutes, seconds, millis) -> float:
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(millis) / 1000


def parse(data: bytes) -> list[Cue]:
    """The cues of an SRT or WebVTT file, in order of their start."""
    if not data.strip():
        raise SubtitleError(_("The subtitles file is empty."))
    if len(data) > MAX_BYTES:
        raise SubtitleError(_("The subtitles file is larger than %(mb)s MB.") % {"mb": MAX_BYTES // (1024 * 1024)})
    if b"\x00" in data and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise SubtitleError(_("This is not a subtitles file (SRT or WebVTT)."))
    text = decode(data).replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    webvtt = lines[0].strip().startswith("WEBVTT")
    cues: list[Cue] = []
    i = 1 if webvtt else 0
    while i < len(lines):
        line = lines[i].strip()
        if webvtt and line.startswith(("NOTE", "STYLE", "REGION")):
            while i < len(lines) and lines[i].strip():
                i += 1
            continue
        match = _TIMING.match(line)
        if not match:
            next_line = lines[i + 1].strip() if i + 1 < len(lines) else ""
            if line and "-->" in next_line:  # a cue number (SRT) or identifier (WebVTT)
                i += 1
                continue
            if line:
                raise SubtitleError(
                    _("Line %(n)s is not a cue number or a time code (00:00:01,000 --> 00:00:02,000): “%(line)s”.")
                    % {"n": i + 1, "line": line[:60]}
                )
            i += 1
            continue
        groups = match.groups()
        start, end = _seconds(*groups[:4]), _seconds(*groups[4:])
        if end <= start:
            raise SubtitleError(_("Line %(n)s: the cue ends before it starts.") % {"n": i + 1})
        body = []
        i += 1
        while i < len(lines) and lines[i].strip():
            body.append(_TAG.sub("", lines[i].rstrip()))
            i += 1
        cues.append(Cue(start, end, "\n".join(body)))
        if len(cues) > MAX_CUES:
            raise SubtitleError(_("More than %(n)s cues: this is not one film's subtitles.") % {"n": MAX_CUES})
    if not cues:
        raise SubtitleError(_("No cue with a time code was found: this is not a subtitles file (SRT or WebVTT)."))
    return sorted(cues, key=lambda cue: cue.start)


def webvtt_time(seconds: float) -> str:
    """``hh:mm:ss.mmm``, as WebVTT cue timings (subtitles, the sprite's thumbnail index) want it."""
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def to_webvtt(cues: list[Cue]) -> str:
    blocks = ["WEBVTT"]
    for cue in cues:
        # A blank line would end the cue early; "-->" inside text would read as a timing line.
        text = "\n".join(line for line in cue.text.replace("-->", "→").split("\n") if line.strip())
        blocks.append(f"{webvtt_time(cue.start)} --> {webvtt_time(cue.end)}\n{text}")
    return "\n\n".join(blocks) + "\n"
