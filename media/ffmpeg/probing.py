"""Reading a file with ffprobe into a :class:`Probe`, and refusing before any decode what Reelwork
must not accept (``NotAVideo``, ``BadDimensions``, ``Truncated``)."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, replace
from fractions import Fraction
from pathlib import Path

from media.ffmpeg import policy
from media.ffmpeg.errors import BadDimensions, NotAVideo, Truncated, tail
from media.ffmpeg.mp4 import mp4_box_overruns, starts_like_mp4
from media.ffmpeg.runner import FFPROBE, PROBE_TIMEOUT, finite_float, run_captured


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

    def not_browser_ready_reasons(self) -> list[str]:
        """Why browsers can't play the file as it is (empty when they can). For logs, not users."""
        return policy.not_browser_ready_reasons(self)

    @property
    def browser_ready(self) -> bool:
        """H.264 8-bit 4:2:0 + AAC or no sound, in MP4/MOV, ≤ 1920x1080, upright, ≤ 60 fps.

        Also progressive, square pixels and ≤ ``policy.BROWSER_MAX_BIT_RATE``. Such a file needs only a
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
    proc = run_captured(cmd, timeout=timeout)
    if proc.returncode != 0:
        stderr_tail = tail(proc.stderr)
        if starts_like_mp4(read_range, size):
            raise Truncated("ffprobe can't read an MP4/MOV file", stderr_tail=stderr_tail, returncode=proc.returncode, cmd=cmd)
        raise NotAVideo("ffprobe can't read the file", stderr_tail=stderr_tail, returncode=proc.returncode, cmd=cmd)
    try:
        data = json.loads(proc.stdout or "{}")
    except ValueError as exc:
        raise NotAVideo(f"ffprobe printed no JSON: {exc}", cmd=cmd) from exc
    result = _parse_probe(data, size)
    if result.duration <= 0:
        result = _with_duration_from_packets(result, target, timeout)
    if {"mov", "mp4"} & set(result.format_names) and mp4_box_overruns(read_range, size):
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
    if not (policy.MIN_SIDE <= coded_w <= policy.MAX_SIDE and policy.MIN_SIDE <= coded_h <= policy.MAX_SIDE):
        raise BadDimensions(
            f"picture size {coded_w}x{coded_h}",
            params={"width": coded_w, "height": coded_h, "min": policy.MIN_SIDE, "max": policy.MAX_SIDE},
        )
    rotation = _rotation(v)
    width, height = (coded_h, coded_w) if rotation in (90, 270) else (coded_w, coded_h)
    sar = _ratio(v.get("sample_aspect_ratio")) or 1.0
    fps = _ratio(v.get("avg_frame_rate")) or _ratio(v.get("r_frame_rate")) or 0.0
    duration = finite_float(fmt.get("duration")) or finite_float(v.get("duration")) or 0.0
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
        bit_rate=int(finite_float(fmt.get("bit_rate")) or 0) or None,
        size=size,
        video_index=int(v["index"]),
        audio_index=int(a["index"]) if a else None,
        audio_channels=int(a.get("channels") or 0) if a else 0,
        audio_sample_rate=int(finite_float(a.get("sample_rate")) or 0) if a else 0,
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
        degrees = finite_float(stream["tags"]["rotate"])
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


def _with_duration_from_packets(result: Probe, path: str, timeout: float) -> Probe:
    # Files written to a pipe (browser recordings, some WebM) carry no duration: read the packet
    # timestamps (demux only, no decode).
    cmd = [FFPROBE, "-v", "error", "-select_streams", str(result.video_index), "-show_entries",
           "packet=pts_time,duration_time", "-of", "csv=p=0", str(path)]
    proc = run_captured(cmd, timeout=timeout)
    end = 0.0
    for line in proc.stdout.splitlines():
        pts, _sep, dur = line.partition(",")
        t = finite_float(pts)
        if t is not None:
            end = max(end, t + (finite_float(dur) or 0.0))
    if end <= 0:
        raise NotAVideo("no duration and no timed video packets", stderr_tail=tail(proc.stderr), cmd=cmd)
    return replace(result, duration=round(end, 3))
