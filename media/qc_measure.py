"""Technical QC, the measuring: the ffmpeg filters that run beside the proxy encode (or alone, for a
browser-ready source) and the parsing of their log lines into a :class:`media.qc.QCReport`. No
verdicts here: what passes is :mod:`media.qc`, against the project's targets.
"""

from __future__ import annotations

import math
import re

from media.ffmpeg import Probe
from media.qc import QCReport

# QC looks at a small, low-rate copy of the picture: enough to see black and frozen frames, and it
# keeps QC within a few per cent of the proxy encode (full-size frames cost ~+38 %).
QC_WIDTH = 320
QC_FPS = 5
BLACK_MIN, FREEZE_MIN, SILENCE_MIN = 0.5, 1.0, 1.0  # detection floors (s); findings use Targets
SILENCE_NOISE_DB = -50
FREEZE_NOISE_DB = -60


def video_filters(stream, probe: Probe):
    """Black and freeze detection on a small, low-rate copy of the picture."""
    width = min(QC_WIDTH, probe.width - probe.width % 2)
    if probe.fps > QC_FPS:
        stream = stream.filter("fps", QC_FPS)
    return (
        stream.filter("scale", width, -2, flags="fast_bilinear")
        .filter("format", "yuv420p")
        .filter("blackdetect", d=BLACK_MIN, pix_th=0.10)
        .filter("freezedetect", n=f"{FREEZE_NOISE_DB}dB", d=FREEZE_MIN)
    )


def audio_filters(stream, probe: Probe):
    """EBU R128 loudness and true peak, and silence detection."""
    kwargs = {"peak": "true"}
    if probe.audio_channels == 1:
        kwargs["dualmono"] = "true"  # a mono track plays on both speakers
    return stream.filter("ebur128", **kwargs).filter("silencedetect", n=f"{SILENCE_NOISE_DB}dB", d=SILENCE_MIN)


_BLACK = re.compile(r"black_start:\s*(\S+)\s+black_end:\s*(\S+)")
_SILENCE_START = re.compile(r"silence_start:\s*(\S+)")
_SILENCE_END = re.compile(r"silence_end:\s*([-\d.]+)")
_FREEZE_START = re.compile(r"freeze_start:\s*(\S+)")
_FREEZE_END = re.compile(r"freeze_end:\s*(\S+)")
_SUMMARY_I = re.compile(r"^\s*I:\s+(\S+) LUFS", re.M)
_SUMMARY_LRA = re.compile(r"^\s*LRA:\s+(\S+) LU", re.M)
_SUMMARY_PEAK = re.compile(r"True peak:\s*\n\s*Peak:\s+(\S+) dBFS")


def parse(stderr: str, probe: Probe) -> QCReport:
    """The QC filters' log lines → QCReport. Segments still open at the end close at the duration."""
    duration = probe.duration
    black = [(_num(a), _num(b)) for a, b in _BLACK.findall(stderr)]
    silence = _pairs(stderr, _SILENCE_START, _SILENCE_END, duration)
    freeze = _pairs(stderr, _FREEZE_START, _FREEZE_END, duration)
    # A black stretch is also "frozen"; report it once, as black.
    freeze = [seg for seg in _subtract(freeze, black) if seg[1] - seg[0] >= FREEZE_MIN]
    lufs = lra = peak = None
    summary = stderr.rfind("Summary:")
    if probe.has_audio and summary >= 0:
        tail = stderr[summary:]
        lufs = _finite(_SUMMARY_I.search(tail))
        lra = _finite(_SUMMARY_LRA.search(tail))
        peak = _finite(_SUMMARY_PEAK.search(tail))
    return QCReport(
        duration=duration, width=probe.width, height=probe.height, fps=probe.fps, has_audio=probe.has_audio,
        integrated_lufs=lufs, true_peak_dbtp=peak, loudness_range_lu=lra,
        black=black, silence=silence, freeze=freeze, audio_tracks=probe.audio_tracks,
    )


def _pairs(text: str, start_re, end_re, duration: float) -> list[tuple[float, float]]:
    events = sorted(
        [(m.start(), "s", _num(m.group(1))) for m in start_re.finditer(text)]
        + [(m.start(), "e", _num(m.group(1))) for m in end_re.finditer(text)]
    )
    out, start = [], None
    for _pos, kind, value in events:
        if kind == "s":
            start = max(0.0, value)
        elif start is not None:
            out.append((round(start, 3), round(value, 3)))
            start = None
    if start is not None:
        out.append((round(start, 3), round(duration, 3)))
    return out


def _subtract(segments, holes):
    result = []
    for start, end in segments:
        pieces = [(start, end)]
        for h_start, h_end in holes:
            pieces = [
                piece
                for s, e in pieces
                for piece in ((s, min(e, h_start)), (max(s, h_end), e))
                if piece[1] - piece[0] > 1e-6
            ]
        result += pieces
    return result


def _num(text: str) -> float:
    value = float(text)
    return round(value, 3) if math.isfinite(value) else 0.0


def _finite(match) -> float | None:
    if not match:
        return None
    try:
        value = float(match.group(1))
    except ValueError:
        return None
    # ebur128 floors the integrated loudness of silence at −70 LUFS and reports its peak as −inf.
    return value if math.isfinite(value) else None
