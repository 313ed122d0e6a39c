"""Clips for the tests, generated with ffmpeg's lavfi sources in a temporary directory.

Nothing here is committed media: every file is made on demand and small (a few seconds at 320x240
unless a test needs a size). The ``clips`` fixture (a plugin, see ``tests/conftest.py``) makes each
of its clips once per session; ``make_clip`` and ``make_mpeg4_clip`` make one where a test asks.
Tests that need a missing ffmpeg or encoder skip with the reason.
"""

import functools
import shutil
import subprocess
from pathlib import Path

import pytest

FFMPEG = shutil.which("ffmpeg")
FFPROBE = shutil.which("ffprobe")

# Defects in the QC clip (seconds): what the QC must find, ±0.5 s.
DEFECT_DURATION = 8.0
BLACK = (1.5, 3.5)
SILENCE = (3.0, 5.0)
FREEZE = (5.0, 7.0)
FPS = 25


def require_ffmpeg():
    if not (FFMPEG and FFPROBE):
        pytest.skip("ffmpeg/ffprobe not installed (scripts/system-deps.sh installs Debian's ffmpeg)")


@functools.cache
def encoders() -> str:
    return subprocess.run([FFMPEG, "-hide_banner", "-encoders"], capture_output=True, text=True, timeout=30).stdout


def require_encoder(name: str):
    require_ffmpeg()
    if f" {name} " not in encoders():
        pytest.skip(f"this ffmpeg has no {name} encoder")


def ffmpeg(*args, timeout=60):
    result = subprocess.run([FFMPEG, "-nostdin", "-hide_banner", "-y", "-v", "error", *map(str, args)],
                            capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stderr


def ffprobe_streams(path) -> list[dict]:
    import json

    out = subprocess.run([FFPROBE, "-v", "error", "-of", "json", "-show_streams", "-show_format", str(path)],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def top_level_boxes(path) -> list[str]:
    """The ISO-BMFF top-level box types in file order (to see where moov sits)."""
    data = Path(path).read_bytes()
    boxes, offset = [], 0
    while offset + 8 <= len(data):
        size = int.from_bytes(data[offset:offset + 4], "big")
        kind = data[offset + 4:offset + 8].decode("latin-1")
        if size == 1:
            size = int.from_bytes(data[offset + 8:offset + 16], "big")
        elif size == 0:
            size = len(data) - offset
        boxes.append(kind)
        if size < 8:
            break
        offset += size
    return boxes


def make_clip(path: Path, *, seconds=2, size="320x240", audio=True, extra=()) -> Path:
    """H.264 (+ AAC unless ``audio=False``) in MP4 at ``path``; ``extra`` goes before the output."""
    inputs = ["-f", "lavfi", "-i", f"testsrc2=d={seconds}:s={size}:r=25"]
    if audio:
        inputs += ["-f", "lavfi", "-i", f"sine=f=440:d={seconds}"]
    codecs = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"] + (["-c:a", "aac"] if audio else [])
    subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *inputs, *codecs, *extra, "-shortest", str(path)],
                   check=True, timeout=60, stdin=subprocess.DEVNULL)
    return path


def make_mpeg4_clip(path: Path, *, seconds: float, size: str = "320x240", extra=()) -> Path:
    """MPEG-4 Part 2 in AVI: not browser-ready, so processing transcodes it (and reports progress)."""
    require_encoder("mpeg4")
    subprocess.run(
        ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25:duration={seconds}",
         "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}",
         "-c:v", "mpeg4", "-q:v", "31", "-c:a", "mp2", "-b:a", "64k", *extra, "-shortest", str(path)],
        check=True, timeout=120, stdin=subprocess.DEVNULL,
    )
    return path


def make_audio(path: Path) -> Path:
    """Two seconds of AAC sound and no picture."""
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "sine=d=2", "-c:a", "aac", str(path)],
                   check=True, timeout=60, stdin=subprocess.DEVNULL)
    return path


def _picture(size="320x240", duration=3.0, rate=FPS):
    return ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}:duration={duration}"]


def _tone(duration=3.0, layout="mono"):
    return ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={duration},"
            f"aformat=channel_layouts={layout}"]


H264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", str(FPS)]
AAC = ["-c:a", "aac", "-b:a", "96k"]


class Clips:
    """Makes each clip once, in ``root``; methods return the path."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def _once(self, name, build):
        path = self.root / name
        if not path.exists():
            tmp = path.with_name("tmp-" + name)
            build(tmp)
            tmp.rename(path)
        return path

    def h264_aac(self, size="320x240", duration=3.0):
        """Browser-ready: H.264 yuv420p + AAC in a non-fast-start MP4."""
        require_encoder("libx264")
        return self._once(f"h264-{size}-{duration}.mp4", lambda p: ffmpeg(
            *_picture(size, duration), *_tone(duration), *H264, *AAC, "-shortest", p))

    def h264_silent_film(self, duration=3.0):
        """Picture only, no sound track."""
        require_encoder("libx264")
        return self._once("h264-nosound.mp4", lambda p: ffmpeg(*_picture("320x240", duration), *H264, p))

    def h264_surround(self, duration=2.0):
        require_encoder("libx264")
        return self._once("h264-51.mp4", lambda p: ffmpeg(
            *_picture("320x240", duration), *_tone(duration, "5.1"), *H264, *AAC, "-shortest", p))

    def hevc(self, name="hevc", duration=3.0, filters=()):
        """HEVC in MKV (libx265), or VP9 in WebM where this ffmpeg has no libx265."""
        require_ffmpeg()
        if " libx265 " in encoders():
            codec, ext = ["-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error"], "mkv"
        else:
            require_encoder("libvpx-vp9")
            codec, ext = ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8"], "webm"
        audio = ["-c:a", "libopus"] if ext == "webm" else AAC
        return self._once(f"{name}.{ext}", lambda p: ffmpeg(
            *_picture("320x240", duration), *_tone(duration), *filters, *codec, "-pix_fmt", "yuv420p", *audio,
            "-shortest", p))

    def rotated(self):
        """A phone clip: 320x240 pixels with a 90° display matrix (shown 240x320)."""
        src = self.h264_aac()
        return self._once("rotated.mp4", lambda p: ffmpeg("-i", src, "-c", "copy", "-metadata:s:v", "rotate=90", p))

    def _defect_filters(self):
        first, last = round(FREEZE[0] * FPS), round(FREEZE[1] * FPS) - 1
        video = (f"[0:v]drawbox=color=black:t=fill:enable='between(t,{BLACK[0]},{BLACK[1]})',split[a][b];"
                 f"[a][b]freezeframes=first={first}:last={last}:replace={first}[v]")
        audio = f"volume=volume=0:enable='between(t,{SILENCE[0]},{SILENCE[1]})'"
        return ["-filter_complex", video, "-map", "[v]", "-map", "1:a", "-af", audio]

    def defects_hevc(self):
        """8 s with black 1.5–3.5 s, silence 3–5 s, a frozen picture 5–7 s; HEVC/MKV (or VP9/WebM)."""
        return self.hevc("defects-hevc", duration=DEFECT_DURATION, filters=self._defect_filters())

    def defects_h264(self):
        require_encoder("libx264")
        return self._once("defects-h264.mp4", lambda p: ffmpeg(
            *_picture("320x240", DEFECT_DURATION), *_tone(DEFECT_DURATION), *self._defect_filters(),
            *H264, *AAC, "-shortest", p))

    def audio_only(self):
        return self._once("audio.m4a", lambda p: ffmpeg(*_tone(2.0), *AAC, p))

    def audio_with_cover(self):
        """A music file with cover art: a 'video' stream that is a still picture."""
        cover = self._once("cover.png", lambda p: ffmpeg("-f", "lavfi", "-i", "testsrc2=size=64x64", "-frames:v", 1, p))
        return self._once("cover.m4a", lambda p: ffmpeg(
            *_tone(2.0), "-i", cover, "-map", "0", "-map", "1", *AAC, "-c:v", "png",
            "-disposition:v", "attached_pic", p))

    def still_image_as_mp4(self):
        cover = self._once("still.png", lambda p: ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x240", "-frames:v", 1, p))
        return self._once("still.mp4", lambda p: shutil.copyfile(cover, p))

    def pdf_as_mp4(self):
        return self._once("report.mp4", lambda p: p.write_bytes(
            b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n" + b"%%EOF\n" * 50))

    def empty(self):
        return self._once("empty.mp4", lambda p: p.write_bytes(b""))

    def truncated(self):
        """First half of a normal MP4 (index at the end): the moov box is missing."""
        full = self.h264_aac()
        data = full.read_bytes()
        return self._once("truncated.mp4", lambda p: p.write_bytes(data[: len(data) // 2]))

    def truncated_faststart(self):
        """First half of a fast-start MP4: the index is there, the media data is cut off."""
        full = self.h264_aac()
        faststart = self._once("faststart.mp4", lambda p: ffmpeg("-i", full, "-c", "copy", "-movflags", "+faststart", p))
        data = faststart.read_bytes()
        return self._once("truncated-faststart.mp4", lambda p: p.write_bytes(data[: len(data) // 2]))

    def sized(self, size, duration=1.0):
        """H.264 at any size (absurd ones included), no sound."""
        require_encoder("libx264")
        return self._once(f"sized-{size}.mp4", lambda p: ffmpeg(*_picture(size, duration), *H264, p))

    def short(self):
        """``make_clip``'s 2 s H.264 + AAC at 320x240: the upload tests' everyday cut."""
        require_encoder("libx264")
        return self._once("short.mp4", make_clip)

    def incompressible(self):
        """A playable 1 s 640x360 clip of a little over two 5 MiB parts (lossless noise does not
        compress): the smallest that S3 takes in three parts."""
        require_encoder("libx264")
        return self._once("noise.mp4", lambda p: make_clip(p, seconds=1, size="640x360",
                                                           extra=["-qp", "0", "-vf", "noise=alls=60:allf=t"]))

    def webm_without_duration(self):
        """WebM written to a pipe, as browsers' recorders do: no duration in the header."""
        require_encoder("libvpx-vp9")

        def build(path):
            with open(path, "wb") as out:
                result = subprocess.run(
                    [FFMPEG, "-nostdin", "-v", "error", *_picture("320x240", 3.0), "-c:v", "libvpx-vp9",
                     "-deadline", "realtime", "-cpu-used", "8", "-f", "webm", "pipe:1"],
                    stdout=out, stderr=subprocess.PIPE, timeout=60)
            assert result.returncode == 0, result.stderr

        return self._once("piped.webm", build)


_clips = None


@pytest.fixture(scope="session")
def clips(tmp_path_factory) -> Clips:
    global _clips
    require_ffmpeg()
    if _clips is None:
        _clips = Clips(tmp_path_factory.mktemp("clips"))
    return _clips
