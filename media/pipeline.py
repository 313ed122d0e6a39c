"""Preview recipes on local files (one input path, one output directory) and the x264 tuning of
the proxy. The QC filters they run are :mod:`media.qc_measure`; what passes is :mod:`media.qc`.

- ``fast_preview`` for browser-ready sources (``Probe.browser_ready``): fast-start remux without
  re-encoding, poster and scrub sprite from keyframes only. Seconds, not minutes.
- ``proxy_with_qc`` for everything else: ONE decode feeds the 720p H.264/AAC proxy and, through a
  downscaled low-rate copy of the picture, the QC filters (EBU R128 loudness + true peak,
  blackdetect, freezedetect, silencedetect).
- ``qc_only`` gives browser-ready sources the same QC (one cheap decode, no encode).
- ``hls`` packages a proxy (or a browser-ready original) into fMP4 HLS for cloud showings: a
  stream copy, or an encode when the codecs can't be copied (``media.showings`` stores it).

Video without sound: the proxy is video-only (no invented silent track). The QC report then has
``integrated_lufs = true_peak_dbtp = None`` and ``findings()`` says the film has no sound; a fake
silent track would only hide that and make every player download an empty audio stream.

Everything returned is a plain dataclass; storing it is the caller's business.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import ffmpeg as ffmpeg_args  # ffmpeg-python: builds the argument lists

from media import ffmpeg as ff
from media import qc_measure
from media.ffmpeg import Probe
from media.qc import QCReport
from media.subtitles import webvtt_time

PROXY_LONG_SIDE, PROXY_SHORT_SIDE = 1280, 720
PROXY_CRF = 24
# x264 "ultrafast" plus the tools that pay for themselves: 8x8 transforms (High profile), the
# in-loop deblocking filter (no blocky picture), adaptive quantisation and macroblock tree over a
# short lookahead (together they cut plain ultrafast's bit rate by ~2/3). CAVLC, as ultrafast and
# -tune fastdecode have it: CABAC would save ~12 % of the bits for ~0.7 CPU s per minute of 1080p,
# and CAVLC is also cheaper for a reviewer's browser to decode while scrubbing. At CRF 24 the
# encode is as faithful as the former "veryfast" CRF 23 was (on the benchmark clip, against the
# scaled frames: PSNR 43.3 vs 43.0 dB, SSIM 0.9935 vs 0.9938, 1.32 vs 1.25 Mb/s) for about a third
# of its x264 CPU time (bench/README.md, "preview.py").
# No B-frames, no scene cuts: a keyframe exactly every 2 s (PROXY_GOP_SECONDS), for scrubbing and HLS.
PROXY_PRESET = "ultrafast"
PROXY_X264_PARAMS = "8x8dct=1:deblock=0,0:aq-mode=1:mbtree=1:rc-lookahead=5"  # deblock=0,0: on, default strength
PROXY_GOP_SECONDS = 2
# Downscaling to 720p: bilinear (swscale stretches the tent filter when shrinking, so it doesn't
# alias). Bicubic (the default) costs ~0.5 CPU s more per minute of 1080p for no visible gain at
# 720p; fast_bilinear is ~0.4 s cheaper but aliases fine detail, which then costs x264 ~60 % more bits.
PROXY_SCALE_FLAGS = "bilinear"
# On 2 cores, slicing the 720p scale over filter threads only adds hand-offs between threads that
# the decoder and x264 already keep busy: one filter thread saves ~0.2 s per minute of 1080p (~3 %).
# More cores: ffmpeg's default (one per core), so a 4K scale doesn't hold the main thread back.
PROXY_FILTER_THREADS = 1 if (os.cpu_count() or 1) <= 2 else None
PROXY_AUDIO_BITRATE = "128k"
POSTER_AT = 0.10  # of the duration
SPRITE_COLUMNS = 10
SPRITE_THUMB_BOX = 160  # thumbs fit a 160x160 box: 160x90 landscape, 90x160 portrait
SPRITE_MAX_THUMBS = 100


@dataclass(frozen=True)
class SpriteLayout:
    columns: int
    rows: int
    thumb_width: int
    thumb_height: int
    interval: float  # seconds between thumbs
    count: int


@dataclass(frozen=True)
class RunStats:
    """What the ffmpeg children cost: wall time of the recipe, summed CPU, largest peak RSS."""

    elapsed: float = 0.0
    cpu_seconds: float = 0.0
    max_rss_kb: int = 0

    def add(self, result: ff.RunResult) -> RunStats:
        return RunStats(self.elapsed, self.cpu_seconds + result.cpu_seconds, max(self.max_rss_kb, result.max_rss_kb))


@dataclass(frozen=True)
class Preview:
    """Files in ``out_dir``: proxy.mp4, poster.jpg, sprite.jpg, sprite.vtt."""

    proxy: Path
    poster: Path
    sprite: Path
    vtt: Path
    poster_size: tuple[int, int]
    sprite_layout: SpriteLayout
    remuxed: bool  # True: the source's own streams, fast-start; False: a new 720p encode
    stats: RunStats


@dataclass(frozen=True)
class HLSPackage:
    """Files in one directory: the playlist, the fMP4 init segment, the media segments."""

    playlist: Path
    init: Path
    segments: list[Path]
    copied: bool = True  # the source's own streams; False: encoded because they could not be copied

    @property
    def files(self) -> list[Path]:
        """Every file, the playlist last: stored in this order, a reader never finds the playlist
        before the segments it names."""
        return [self.init, *self.segments, self.playlist]


# ---------------------------------------------------------------- recipes


def fast_preview(
    src, out_dir, probe: Probe, *, sprite_url: str | None = None, on_progress: Callable[[float], None] | None = None
) -> Preview:
    """Browser-ready source → fast-start remux, poster and sprite + VTT; no re-encode, no full decode.

    The three ffmpeg runs are independent and run side by side (remux is mostly I/O; poster and
    sprite decode keyframes only). Sound with more than two channels (5.1) is the one thing
    re-encoded: previews are stereo, and a browser would otherwise get six channels to mix itself.
    ``on_progress`` gets 0..1 from the remux (poster and sprite take a fraction of its time).
    """
    src, out_dir = Path(src), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    proxy = out_dir / "proxy.mp4"
    inp = ffmpeg_args.input(str(src))
    streams = [inp[str(probe.video_index)]]
    codecs = {"c:v": "copy"}
    if probe.has_audio:
        audio = inp[str(probe.audio_index)]
        if probe.audio_channels > 2:
            audio = audio.filter("aformat", channel_layouts="stereo")
            codecs.update({"c:a": "aac", "b:a": PROXY_AUDIO_BITRATE})
        else:
            codecs["c:a"] = "copy"
        streams.append(audio)
    remux = ff.command(ffmpeg_args.output(
        *streams, str(proxy), **codecs, movflags="+faststart", map_chapters="-1", f="mp4",
    ))
    with _Clock() as clock:
        results = _parallel(
            lambda: ff.run(remux, timeout=120 + probe.size / 5e6, duration=probe.duration, finish_timeout=60 + probe.size / 5e6,
                           on_progress=on_progress),
            lambda: _poster(src, out_dir, probe),
            lambda: _sprite(src, out_dir, probe, sprite_url=sprite_url),
        )
    (_remux_result, (poster, poster_size, r_poster), (sprite, vtt, layout, r_sprite)) = results
    stats = RunStats(clock.elapsed).add(_remux_result).add(r_poster).add(r_sprite)
    return Preview(proxy, poster, sprite, vtt, poster_size, layout, True, stats)


def proxy_with_qc(
    src, out_dir, probe: Probe, on_progress: Callable[[float], None] | None = None, *, sprite_url: str | None = None
) -> tuple[Preview, QCReport]:
    """Any readable source → (previews, QC): a 720p H.264/AAC fast-start proxy + QC in one decode.

    Poster and sprite come from the proxy afterwards (keyframes of a 720p stream: a fraction of a
    second).

    Rotation is applied (ffmpeg's autorotate), pixels made square, 10-bit and 4:2:2/4:4:4 converted
    to 8-bit 4:2:0, interlaced sources deinterlaced, > 60 fps halved, > stereo downmixed (an AAC
    mono/stereo track is copied as it is). ``on_progress`` gets 0..1 (the encode is ~97 % of it).
    """
    src, out_dir = Path(src), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    proxy = out_dir / "proxy.mp4"
    cmd = proxy_command(src, proxy, probe)
    scaled = (lambda f: on_progress(0.97 * f)) if on_progress else None
    with _Clock() as clock:
        encoded = ff.run(cmd, timeout=300 + 10 * probe.duration, duration=probe.duration, on_progress=scaled,
                         finish_timeout=120)
        qc = qc_measure.parse(encoded.stderr, probe)
        proxy_probe = ff.probe(proxy)
        (poster, poster_size, r_poster), (sprite, vtt, layout_, r_sprite) = _parallel(
            lambda: _poster(proxy, out_dir, proxy_probe),
            lambda: _sprite(proxy, out_dir, proxy_probe, sprite_url=sprite_url),
        )
    if on_progress:
        on_progress(1.0)
    stats = RunStats(clock.elapsed).add(encoded).add(r_poster).add(r_sprite)
    return Preview(proxy, poster, sprite, vtt, poster_size, layout_, False, stats), qc


def proxy_command(src, proxy, probe: Probe, *, qc: bool = True) -> list[str]:
    """The ffmpeg command of ``proxy_with_qc``: one decode, split into the encode and (``qc``) the QC.

    The picture is split after decoding: one branch is scaled to the proxy size (bilinear) and
    encoded (PROXY_PRESET + PROXY_X264_PARAMS), the other goes to ``qc_measure.QC_WIDTH`` at ``QC_FPS`` for
    blackdetect + freezedetect, so QC never touches full-size frames at the full rate. The sound
    goes to ebur128 + silencedetect; the proxy copies an AAC mono/stereo 44.1/48 kHz track as it is
    (``_audio_copyable``), anything else is split off and encoded to AAC. The QC branches end in a
    null output. Decoder and x264 threads stay at ffmpeg's defaults; on ≤ 2 cores the filter graph
    runs on ffmpeg's main thread (PROXY_FILTER_THREADS).
    """
    width, height = fit_size(probe, PROXY_LONG_SIDE, PROXY_SHORT_SIDE)
    inp = ffmpeg_args.input(str(src))
    video = inp[str(probe.video_index)]
    if probe.interlaced:
        video = video.filter("yadif", deint="interlaced")
    fps = probe.fps
    if fps > 60:
        fps = fps / math.ceil(fps / 60)
        video = video.filter("fps", round(fps, 3))
    qc_streams = []
    if qc:
        split = video.split()
        video, v_qc = split[0], split[1]
        qc_streams.append(qc_measure.video_filters(v_qc, probe))
    encode_streams = [
        video.filter("scale", width, height, flags=PROXY_SCALE_FLAGS).filter("setsar", 1).filter("format", "yuv420p")
    ]
    out_kwargs = {
        "c:v": "libx264", "preset": PROXY_PRESET, "x264-params": PROXY_X264_PARAMS, "crf": PROXY_CRF,
        "pix_fmt": "yuv420p", "profile:v": "high", "g": max(1, round(PROXY_GOP_SECONDS * (fps or 25))),
        "movflags": "+faststart", "map_chapters": "-1", "f": "mp4",
    }
    if probe.has_audio:
        audio = inp[str(probe.audio_index)]
        copy_audio = _audio_copyable(probe)
        if qc and copy_audio:
            # The proxy takes the source's AAC packets as they are; the sound is decoded for the QC only.
            qc_streams.append(qc_measure.audio_filters(audio, probe))
        elif qc:
            asplit = audio.asplit()
            audio, a_qc = asplit[0], asplit[1]
            qc_streams.append(qc_measure.audio_filters(a_qc, probe))
        if copy_audio:
            out_kwargs["c:a"] = "copy"
        else:
            layout = {} if probe.audio_channels <= 2 else {"channel_layouts": "stereo"}
            rates = {} if probe.audio_sample_rate in (44100, 48000) else {"sample_rates": "48000"}
            if layout or rates:
                audio = audio.filter("aformat", **layout, **rates)
            out_kwargs.update({"c:a": "aac", "b:a": PROXY_AUDIO_BITRATE})
        encode_streams.append(audio)
    outputs = [ffmpeg_args.output(*encode_streams, str(proxy), **out_kwargs)]
    if qc_streams:
        outputs.append(ffmpeg_args.output(*qc_streams, "-", f="null"))
    merged = ffmpeg_args.merge_outputs(*outputs)
    if PROXY_FILTER_THREADS:
        merged = merged.global_args("-filter_complex_threads", str(PROXY_FILTER_THREADS))
    return ff.command(merged)


def qc_only(src, probe: Probe, on_progress: Callable[[float], None] | None = None) -> QCReport:
    """QC for a source that needs no proxy: one decode, no encode, the picture downscaled.

    The decoder skips the loop filter: QC at 320 px can't see deblocking, and skipping it saves
    ~8 % of an H.264 decode.
    """
    inp = ffmpeg_args.input(str(src), skip_loop_filter="all")
    streams = [qc_measure.video_filters(inp[str(probe.video_index)], probe)]
    if probe.has_audio:
        streams.append(qc_measure.audio_filters(inp[str(probe.audio_index)], probe))
    cmd = ff.command(ffmpeg_args.output(*streams, "-", f="null"))
    result = ff.run(cmd, timeout=120 + 3 * probe.duration, duration=probe.duration, on_progress=on_progress)
    return qc_measure.parse(result.stderr, probe)


def hls_copyable(probe: Probe) -> bool:
    """H.264 8-bit 4:2:0, upright, with AAC or no sound: what every HLS player decodes, so the
    streams are copied into the segments as they are (our proxies always are)."""
    return (probe.video_codec == "h264" and probe.pix_fmt in ("yuv420p", "yuvj420p") and not probe.rotation
            and probe.audio_codec in (None, "aac"))


def hls(src, out_dir, probe: Probe | None = None, *, segment_seconds: int = 6) -> HLSPackage:
    """Package ``src`` (the proxy, or a browser-ready original) as fMP4 HLS for showings:
    index.m3u8 (VOD), init.mp4, seg_00000.m4s, …

    A stream copy (``-c copy``) when the codecs allow (:func:`hls_copyable`); otherwise the
    picture is encoded as the proxy would be (H.264 ≤ 720p, keyframes every 2 s) and the sound to
    AAC. Only the first video and sound streams go in: a camera original's timecode or data track
    would make the HLS muxer refuse the copy. Segments are cut at keyframes (every 2 s in our
    proxies; the source's own in a remux), so they last ``segment_seconds`` or a little more.
    """
    src, out_dir = Path(src), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    probe = probe or ff.probe(src)
    playlist = out_dir / "index.m3u8"
    inp = ffmpeg_args.input(str(src))
    video = inp[str(probe.video_index)]
    streams, codecs = [video], {"c:v": "copy"}
    copy = hls_copyable(probe)
    if not copy:
        width, height = fit_size(probe, PROXY_LONG_SIDE, PROXY_SHORT_SIDE)
        fps = probe.fps if 0 < probe.fps <= 60 else 25
        streams = [video.filter("scale", width, height, flags=PROXY_SCALE_FLAGS).filter("setsar", 1).filter("format", "yuv420p")]
        codecs = {"c:v": "libx264", "preset": PROXY_PRESET, "x264-params": PROXY_X264_PARAMS, "crf": PROXY_CRF,
                  "pix_fmt": "yuv420p", "profile:v": "high", "g": max(1, round(PROXY_GOP_SECONDS * fps))}
    if probe.has_audio:
        audio = inp[str(probe.audio_index)]
        if probe.audio_codec == "aac" and probe.audio_channels <= 2:
            codecs["c:a"] = "copy"
        else:
            audio = audio.filter("aformat", channel_layouts="stereo") if probe.audio_channels > 2 else audio
            codecs.update({"c:a": "aac", "b:a": PROXY_AUDIO_BITRATE})
        streams.append(audio)
    cmd = ff.command(ffmpeg_args.output(
        *streams, str(playlist), **codecs, f="hls", hls_time=segment_seconds, hls_playlist_type="vod",
        hls_segment_type="fmp4", hls_fmp4_init_filename="init.mp4", hls_flags="independent_segments",
        hls_segment_filename=str(out_dir / "seg_%05d.m4s"), map_chapters="-1",
    ))
    if copy:
        timeout = 120 + probe.size / 5e6
    else:
        timeout = 300 + 10 * probe.duration
    ff.run(cmd, timeout=timeout, duration=probe.duration, finish_timeout=60)
    return HLSPackage(playlist, out_dir / "init.mp4", sorted(out_dir.glob("seg_*.m4s")), copy)


# ---------------------------------------------------------------- pieces


def fit_size(probe: Probe, long_side: int, short_side: int) -> tuple[int, int]:
    """Displayed size (rotation and pixel aspect applied) fitted in the box, never enlarged, even."""
    w, h = probe.width * probe.sample_aspect_ratio, float(probe.height)
    scale = min(1.0, long_side / max(w, h), short_side / min(w, h))
    return max(2, round(w * scale / 2) * 2), max(2, round(h * scale / 2) * 2)


def sprite_layout(duration: float, probe: Probe) -> SpriteLayout:
    """One thumb every ``interval`` whole seconds, at most SPRITE_MAX_THUMBS, SPRITE_COLUMNS wide."""
    interval = float(max(1, math.ceil(duration / SPRITE_MAX_THUMBS)))
    # A last slice shorter than a tenth of the interval (AAC priming, a stray frame) joins the cue before.
    count = max(1, math.ceil(duration / interval - 0.1))
    tw, th = fit_size(probe, SPRITE_THUMB_BOX, SPRITE_THUMB_BOX)
    columns = min(SPRITE_COLUMNS, count)
    return SpriteLayout(columns, math.ceil(count / columns), tw, th, interval, count)


def write_vtt(path: Path, layout: SpriteLayout, duration: float, sprite_url: str) -> None:
    """WebVTT thumbnails index: one cue per thumb, ``sprite.jpg#xywh=x,y,w,h``, covering 0..duration."""
    lines = ["WEBVTT", ""]
    for i in range(layout.count):
        start = i * layout.interval
        end = duration if i == layout.count - 1 else min((i + 1) * layout.interval, duration)
        if end <= start:
            break
        x, y = (i % layout.columns) * layout.thumb_width, (i // layout.columns) * layout.thumb_height
        lines += [f"{webvtt_time(start)} --> {webvtt_time(end)}", f"{sprite_url}#xywh={x},{y},{layout.thumb_width},{layout.thumb_height}", ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def _poster(src: Path, out_dir: Path, probe: Probe):
    # Input seek to the keyframe at or before 10 %, decode keyframes only: one frame decoded.
    poster = out_dir / "poster.jpg"
    width, height = fit_size(probe, PROXY_LONG_SIDE, PROXY_SHORT_SIDE)

    def build(keyframes_only):
        extra = {"skip_frame": "nokey"} if keyframes_only else {}
        inp = ffmpeg_args.input(str(src), ss=f"{probe.duration * POSTER_AT:.3f}", noaccurate_seek=None, **extra)
        return ff.command(ffmpeg_args.output(
            inp[str(probe.video_index)].filter("scale", width, height).filter("setsar", 1),
            str(poster), **{"frames:v": 1, "q:v": 3, "update": 1},
        ))

    result = _keyframes_first(build, poster, timeout=120 + probe.duration)
    return poster, (width, height), result


FRAME_THUMB_WIDTH = 320


def frame_thumbnail(src, out: Path, seconds: float, *, width: int = FRAME_THUMB_WIDTH) -> ff.RunResult:
    """One frame as a small JPEG: an input seek (ffmpeg jumps to the keyframe before ``seconds``
    and decodes only up to the frame, exact since ffmpeg 2.1), so its cost is one GOP of the
    proxy, not the film up to that point. For panel comments' thumbnails."""
    inp = ffmpeg_args.input(str(src), ss=f"{max(seconds, 0):.3f}")
    cmd = ff.command(ffmpeg_args.output(
        inp["v:0"].filter("scale", width, -2).filter("setsar", 1), str(out), **{"frames:v": 1, "q:v": 4, "update": 1},
    ))
    return ff.run(cmd, timeout=60)


def _sprite(src: Path, out_dir: Path, probe: Probe, *, sprite_url: str | None):
    sprite, vtt = out_dir / "sprite.jpg", out_dir / "sprite.vtt"
    layout = sprite_layout(probe.duration, probe)
    # Keyframes only: no full decode. The last keyframe is cloned to the end so every cue has a
    # thumb; fps picks one frame per interval from what is there.
    pad = (layout.columns * layout.rows - layout.count + 2) * layout.interval

    def build(keyframes_only):
        inp = ffmpeg_args.input(str(src), **({"skip_frame": "nokey"} if keyframes_only else {}))
        thumbs = (
            inp[str(probe.video_index)]
            .filter("tpad", stop_mode="clone", stop_duration=f"{pad:g}")
            .filter("fps", f"1/{layout.interval:g}")
            .filter("scale", layout.thumb_width, layout.thumb_height)
            .filter("setsar", 1)
            .filter("tile", f"{layout.columns}x{layout.rows}")
        )
        return ff.command(ffmpeg_args.output(thumbs, str(sprite), **{"frames:v": 1, "q:v": 4, "update": 1}))

    result = _keyframes_first(build, sprite, timeout=120 + 2 * probe.duration, duration=probe.duration + pad)
    write_vtt(vtt, layout, probe.duration, sprite_url or sprite.name)
    return sprite, vtt, layout, result


def _keyframes_first(build, output: Path, **run_kwargs) -> ff.RunResult:
    """Run ``build(keyframes_only=True)``; if the decoder flagged no keyframe (some streams don't),
    no image comes out: decode every frame instead."""
    output.unlink(missing_ok=True)
    result = ff.run(build(True), **run_kwargs)
    if not output.exists() or output.stat().st_size == 0:
        output.unlink(missing_ok=True)
        result = ff.run(build(False), **run_kwargs)
        if not output.exists():
            raise ff.FFmpegError(f"ffmpeg wrote no {output.name}", stderr_tail=ff.tail(result.stderr))
    return result


def _audio_copyable(probe: Probe) -> bool:
    """AAC, mono or stereo, 44.1/48 kHz (a phone's or camera's usual track): browsers play it as it
    is (``fast_preview`` remuxes the same), so the proxy copies it instead of re-encoding it
    (~1.2 CPU s per minute of stereo, on the main thread of the one pass)."""
    return probe.audio_codec == "aac" and 1 <= probe.audio_channels <= 2 and probe.audio_sample_rate in (44100, 48000)


def _parallel(first, *others):
    """Run the jobs side by side, ``first`` in the calling thread: its progress callback may write
    to the database, whose connection belongs to this thread."""
    with ThreadPoolExecutor(max_workers=max(1, len(others))) as pool:
        futures = [pool.submit(job) for job in others]
        try:
            result = first()
        finally:
            done = [f.result() for f in futures]
        return [result, *done]


class _Clock:
    def __enter__(self):
        self.started = time.monotonic()
        return self

    def __exit__(self, *exc):
        self.elapsed = time.monotonic() - self.started
        return False
