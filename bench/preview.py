#!/usr/bin/env python
"""Preview pipeline benchmark on a 60 s 1080p25 clip. Not a test: it measures and writes RESULTS.md.

    .venv/bin/python bench/preview.py [--kitsu-seconds 0] [--repeats 2] [--results bench/RESULTS.md] [--keep]

See bench/README.md ("preview.py") for what each number means.
"""

import os
import resource
import shutil
import statistics
import subprocess
import time
from pathlib import Path

import common  # first: it puts the repository on sys.path
import ffmpeg as ffmpeg_args  # ffmpeg-python
from media import ffmpeg as ff
from media import pipeline as pl
from media import qc_measure as qm

SECTION = "## Preview pipeline (60 s 1080p25)"
INTRO = ("Produced by `bench/preview.py`; re-running it replaces the block below (the current code at run time). "
         "See bench/README.md for what each line measures.")
TARGETS = {"first_preview_s": 1.5, "qc_overhead_pct": 15.0, "proxy_qc_vs_decode": 2.8, "kitsu_speedup_proxy": 6.0,
           "kitsu_speedup_ready": 100.0}
LONG = {"timeout": 3600, "stall_timeout": 120}


def main():
    parser = common.parser(__doc__, keep_help="keep the temp dir")
    parser.add_argument("--seconds", type=float, default=60, help="clip length (default 60)")
    parser.add_argument("--kitsu-seconds", type=float, default=0,
                        help="run Kitsu's recipe on a cut this long and extrapolate linearly (default 0: the whole clip)")
    parser.add_argument("--repeats", type=int, default=2,
                        help="runs of proxy / proxy+QC / decode / the full proxied set (the minimum is kept)")
    args = parser.parse_args()

    began = time.monotonic()
    runs: list[tuple[str, ff.RunResult]] = []
    with common.throwaway(args, prefix="preview", database=False) as box:
        report = bench(box.tmpdir, args, runs)
    report["whole_run_s"] = time.monotonic() - began
    report["python_max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report["children_max_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    stages = {}
    for label, result in runs:
        stages[label] = max(stages.get(label, 0), result.max_rss_kb / 1024)
    report["rss_by_stage"] = stages
    common.write_results(args, section=SECTION, key="preview", intro=INTRO, text=render(report, args))


def run(label, cmd, runs, duration=None):
    result = ff.run(cmd, duration=duration, **LONG)
    runs.append((label, result))
    print(f"  {label}: {result.elapsed:.2f} s wall, {result.cpu_seconds:.2f} s CPU, {result.max_rss_kb / 1024:.0f} MB", flush=True)
    return result


def best(results):
    return min(r.elapsed for r in results), min(r.cpu_seconds for r in results)


def bench(tmp: Path, args, runs) -> dict:
    seconds = args.seconds
    report = {"seconds": seconds, "load_start": os.getloadavg()}
    print("generating clips …", flush=True)
    t = time.monotonic()
    src = tmp / "film.mp4"
    ff.run(ff.command(ffmpeg_args.output(
        ffmpeg_args.input(f"testsrc2=size=1920x1080:rate=25:duration={seconds}", f="lavfi"),
        ffmpeg_args.input(f"sine=frequency=440:sample_rate=48000:duration={seconds}", f="lavfi"),
        str(src), **{"c:v": "libx264", "preset": "ultrafast", "g": 50, "pix_fmt": "yuv420p", "c:a": "aac",
                     "b:a": "128k", "ac": 2, "shortest": None},
    )), duration=seconds, **LONG)
    if " libx265 " in encoders():
        proxied_src, codec = tmp / "film-hevc.mov", {"c:v": "libx265", "preset": "ultrafast", "tag:v": "hvc1",
                                                    "x265-params": "log-level=error"}
        report["proxied_kind"] = "HEVC (libx265 ultrafast) + AAC in MOV, as a phone writes it"
    else:
        proxied_src, codec = tmp / "film-prores.mov", {"c:v": "prores_ks", "profile:v": 0}
        report["proxied_kind"] = "ProRes Proxy + AAC in MOV (no libx265 here)"
    ff.run(ff.command(ffmpeg_args.output(ffmpeg_args.input(str(src)), str(proxied_src), **codec, **{"c:a": "copy"})),
           duration=seconds, **LONG)
    report["generate_s"] = time.monotonic() - t
    probe = ff.probe(src)
    proxied_probe = ff.probe(proxied_src)
    assert probe.browser_ready, probe.not_browser_ready_reasons()
    assert not proxied_probe.browser_ready
    report["src"] = probe
    report["proxied"] = proxied_probe

    # (a) first playable preview of the browser-ready clip
    print("(a) first playable preview (probe + remux + poster + sprite) …", flush=True)
    firsts = []
    for i in range(3):
        out = tmp / f"fast{i}"
        t = time.monotonic()
        preview = pl.fast_preview(src, out, ff.probe(src))
        firsts.append((time.monotonic() - t, preview.stats.cpu_seconds))
        runs.append(("fast_preview", ff.RunResult(0, "", 0, preview.stats.cpu_seconds, preview.stats.max_rss_kb)))
        shutil.rmtree(out)
    report["first"] = firsts
    print(f"  {[round(w, 3) for w, _ in firsts]} s", flush=True)
    t = time.monotonic()
    pl.qc_only(src, probe)
    report["qc_only_s"] = time.monotonic() - t

    # (b) proxy + QC in one pass vs proxy alone vs separate commands; (c) vs decode only
    # Interleaved with (c)'s decode-only and decode + scale runs, so a change of load hits them alike.
    print("(b, c) decode only / decode + scale / proxy alone / proxy + QC (interleaved) …", flush=True)
    alone, one_pass, decode, scaled = [], [], [], []
    for i in range(args.repeats):
        decode.append(run("decode only", decode_command(src), runs, seconds))
        scaled.append(run("decode + 720p scale", scale_command(src, probe), runs, seconds))
        alone.append(run("proxy alone", pl.proxy_command(src, tmp / "alone.mp4", probe, qc=False), runs, seconds))
        one_pass.append(run("proxy + QC, one pass", pl.proxy_command(src, tmp / "qc.mp4", probe), runs, seconds))
    print("(b) the same QC as separate commands …", flush=True)
    separate = [
        run("blackdetect pass", qc_pass(src, probe, "blackdetect"), runs, seconds),
        run("freezedetect pass", qc_pass(src, probe, "freezedetect"), runs, seconds),
        run("ebur128 pass", qc_pass(src, probe, "ebur128"), runs, seconds),
        run("silencedetect pass", qc_pass(src, probe, "silencedetect"), runs, seconds),
    ]
    naive = run("proxy + QC on full-size frames", naive_command(src, tmp / "naive.mp4", probe), runs, seconds)
    report.update(alone=best(alone), one_pass=best(one_pass), separate=[(r.elapsed, r.cpu_seconds) for r in separate],
                  naive=(naive.elapsed, naive.cpu_seconds), decode=best(decode), scaled=best(scaled))
    report["proxy_mbps"] = (ff.probe(tmp / "qc.mp4").bit_rate or 0) / 1e6

    # (d) Kitsu's recipe vs Reelwork's full preview set
    cut = args.kitsu_seconds if 0 < args.kitsu_seconds < seconds else seconds
    print(f"(d) Kitsu's recipe on {cut:g} s …", flush=True)
    kitsu = [run(label, cmd, runs, cut) for label, cmd in kitsu_commands(src, tmp, cut)]
    report["kitsu_cut"] = cut
    report["kitsu"] = [(r.elapsed, r.cpu_seconds) for r in kitsu]
    print("(d) Reelwork's full preview set for the proxied source …", flush=True)
    fulls = []
    for i in range(args.repeats):
        t = time.monotonic()
        preview, qc = pl.proxy_with_qc(proxied_src, tmp / f"full{i}", ff.probe(proxied_src))
        fulls.append((time.monotonic() - t, preview.stats.cpu_seconds))
        runs.append(("proxy_with_qc (proxied source)", ff.RunResult(0, "", 0, preview.stats.cpu_seconds, preview.stats.max_rss_kb)))
        print(f"  {fulls[-1][0]:.2f} s wall, {fulls[-1][1]:.2f} s CPU", flush=True)
    report["full_proxied"] = min(fulls)
    report["full_qc"] = qc
    t = time.monotonic()
    package = pl.hls(preview.proxy, tmp / "hls")
    report["hls_s"] = (time.monotonic() - t, len(package.segments))
    version = subprocess.run([ff.FFMPEG, "-version"], capture_output=True, text=True).stdout.splitlines()[0]
    report["machine"] = common.machine(version.split(" Copyright")[0], load_start=report["load_start"])
    return report


def encoders() -> str:
    return subprocess.run([ff.FFMPEG, "-hide_banner", "-encoders"], capture_output=True, text=True, timeout=30).stdout


def decode_command(src):
    """(c)'s baseline: decode every stream of the clip (default threads) into the null muxer."""
    return ff.command(ffmpeg_args.output(ffmpeg_args.input(str(src)), "-", f="null"))


def scale_command(src, probe):
    """Decode + the proxy's 720p scale, no encode, sound decoded: what the proxy costs before x264."""
    inp = ffmpeg_args.input(str(src))
    w, h = pl.fit_size(probe, pl.PROXY_LONG_SIDE, pl.PROXY_SHORT_SIDE)
    video = inp[str(probe.video_index)].filter("scale", w, h, flags=pl.PROXY_SCALE_FLAGS).filter("format", "yuv420p")
    return ff.command(ffmpeg_args.output(video, inp[str(probe.audio_index)], "-", f="null"))


def qc_pass(src, probe, name):
    """One QC filter as its own command: a decode of its own, the same downscale as the one-pass graph."""
    inp = ffmpeg_args.input(str(src))
    if name in ("blackdetect", "freezedetect"):
        v = inp[str(probe.video_index)].filter("fps", qm.QC_FPS).filter("scale", qm.QC_WIDTH, -2, flags="fast_bilinear")
        v = v.filter("blackdetect", d=qm.BLACK_MIN, pix_th=0.10) if name == "blackdetect" else \
            v.filter("freezedetect", n=f"{qm.FREEZE_NOISE_DB}dB", d=qm.FREEZE_MIN)
        return ff.command(ffmpeg_args.output(v, "-", f="null"))
    a = inp[str(probe.audio_index)]
    a = a.filter("ebur128", peak="true") if name == "ebur128" else \
        a.filter("silencedetect", n=f"{qm.SILENCE_NOISE_DB}dB", d=qm.SILENCE_MIN)
    return ff.command(ffmpeg_args.output(a, "-", f="null"))


def naive_command(src, proxy, probe):
    """The one-pass graph with the video QC filters on full-size frames at the full rate (for reference);
    the encode and the sound as in ``proxy_command``."""
    inp = ffmpeg_args.input(str(src))
    split = inp[str(probe.video_index)].split()
    audio = inp[str(probe.audio_index)]
    w, h = pl.fit_size(probe, pl.PROXY_LONG_SIDE, pl.PROXY_SHORT_SIDE)
    codec = {"c:a": "copy"} if pl._audio_copyable(probe) else {"c:a": "aac", "b:a": pl.PROXY_AUDIO_BITRATE}
    enc = ffmpeg_args.output(
        split[0].filter("scale", w, h, flags=pl.PROXY_SCALE_FLAGS).filter("format", "yuv420p"), audio, str(proxy),
        **{"c:v": "libx264", "preset": pl.PROXY_PRESET, "x264-params": pl.PROXY_X264_PARAMS, "crf": pl.PROXY_CRF,
           "movflags": "+faststart", "g": 50, **codec},
    )
    qc = ffmpeg_args.output(
        split[1].filter("blackdetect", d=qm.BLACK_MIN, pix_th=0.10).filter("freezedetect", n="-60dB", d=qm.FREEZE_MIN),
        audio.filter("ebur128", peak="true").filter("silencedetect", n="-50dB", d=qm.SILENCE_MIN),
        "-", f="null",
    )
    merged = ffmpeg_args.merge_outputs(enc, qc)
    if pl.PROXY_FILTER_THREADS:
        merged = merged.global_args("-filter_complex_threads", str(pl.PROXY_FILTER_THREADS))
    return ff.command(merged)


def kitsu_commands(src, tmp, cut):
    """Kitsu's preview recipe: two slow re-encodes with a keyframe every 2 frames, letterboxed, and a
    tile sheet of every frame (8 columns, 100 px high) from a full decode."""
    out = []
    for label, (w, h), rate in (("Kitsu 1920x1080 28 Mb/s", (1920, 1080), "28M"), ("Kitsu 1280x720 6 Mb/s", (1280, 720), "6M")):
        inp = ffmpeg_args.input(str(src), t=cut)
        v = (inp.video.filter("scale", w, h, force_original_aspect_ratio="decrease")
             .filter("pad", w, h, "(ow-iw)/2", "(oh-ih)/2").filter("setsar", 1))
        out.append((label, ff.command(ffmpeg_args.output(
            v, inp.audio, str(tmp / f"kitsu-{h}.mp4"),
            **{"c:v": "libx264", "preset": "slow", "b:v": rate, "x264-params": "keyint=2:scenecut=0",
               "pix_fmt": "yuv420p", "c:a": "aac", "movflags": "+faststart"},
        ))))
    (tmp / "tiles").mkdir(exist_ok=True)
    inp = ffmpeg_args.input(str(src), t=cut)
    out.append(("Kitsu tile sheet", ff.command(ffmpeg_args.output(
        inp.video.filter("scale", -2, 100).filter("tile", "8x8"), str(tmp / "tiles" / "tile%03d.png"), vsync=0,
    ))))
    return out


# ---------------------------------------------------------------- report


def render(r: dict, args) -> str:
    seconds = r["seconds"]
    first_wall = statistics.median(w for w, _ in r["first"])
    first_cpu = statistics.median(c for _, c in r["first"])
    alone_w, alone_c = r["alone"]
    one_w, one_c = r["one_pass"]
    sep_w = alone_w + sum(w for w, _ in r["separate"])
    sep_c = alone_c + sum(c for _, c in r["separate"])
    naive_w, naive_c = r["naive"]
    dec_w, dec_c = r["decode"]
    scaled_w, scaled_c = r["scaled"]
    overhead_w = (one_w / alone_w - 1) * 100
    overhead_c = (one_c / alone_c - 1) * 100
    naive_over_w = (naive_w / alone_w - 1) * 100
    naive_over_c = (naive_c / alone_c - 1) * 100
    scale = seconds / r["kitsu_cut"]
    kitsu_w = sum(w for w, _ in r["kitsu"]) * scale
    kitsu_c = sum(c for _, c in r["kitsu"]) * scale
    full_w, full_c = r["full_proxied"]
    speed_proxy = kitsu_w / full_w
    speed_ready = kitsu_w / first_wall
    speed_ready_qc = kitsu_w / (first_wall + r["qc_only_s"])
    src, px = r["src"], r["proxied"]

    def verdict(ok):
        return "**met**" if ok else "**not met**"

    extrapolated = r["kitsu_cut"] < seconds
    lines = [
        r["machine"],
        "",
        f"Proxy: {pl.PROXY_LONG_SIDE}x{pl.PROXY_SHORT_SIDE} max, x264 `{pl.PROXY_PRESET}` + `{pl.PROXY_X264_PARAMS}`, "
        f"CRF {pl.PROXY_CRF}, keyframe every {pl.PROXY_GOP_SECONDS} s, `{pl.PROXY_SCALE_FLAGS}` scaling; AAC copied when "
        f"the source's is mono/stereo 44.1/48 kHz (as here), else AAC {pl.PROXY_AUDIO_BITRATE}; it came out at "
        f"{r['proxy_mbps']:.2f} Mb/s (picture + sound).",
        "",
        f"Clip: {seconds:g} s testsrc2 1920x1080 25 fps + 440 Hz tone, H.264 (x264 ultrafast, keyframe every 2 s, "
        f"{src.bit_rate / 1e6:.1f} Mb/s) + AAC in MP4 — browser-ready. Proxy-needing version of the same clip: "
        f"{r['proxied_kind']} ({px.bit_rate / 1e6:.1f} Mb/s). Making both took {r['generate_s']:.0f} s (not counted). "
        "Every ffmpeg runs through `media.ffmpeg.run` (niced, progress watchdog), Kitsu's recipe too. "
        "Wall = seconds on the clock; CPU = user + system seconds of the ffmpeg children (from wait4), "
        "steadier than wall time on this shared machine.",
        "",
        "| measurement | wall s | CPU s | ratio | target | verdict |",
        "|---|---:|---:|---:|---|---|",
        f"| (a) first playable preview, browser-ready clip: probe + fast-start remux + poster + sprite/VTT (median of 3: "
        f"{', '.join(f'{w:.2f}' for w, _ in r['first'])}) | {first_wall:.2f} | {first_cpu:.2f} | | ≤ {TARGETS['first_preview_s']} s "
        f"| {verdict(first_wall <= TARGETS['first_preview_s'])} |",
        f"| (a′) QC of the browser-ready clip (`qc_only`, runs after the preview is playable) | {r['qc_only_s']:.2f} | | | | |",
        f"| (b) proxy 720p alone (min of {args.repeats}) | {alone_w:.2f} | {alone_c:.2f} | 1.00 | | |",
        f"| (b) proxy 720p + QC in one pass (min of {args.repeats}) | {one_w:.2f} | {one_c:.2f} | {one_w / alone_w:.2f} "
        f"(CPU {one_c / alone_c:.2f}) | QC overhead ≤ {TARGETS['qc_overhead_pct']:g} % | "
        f"overhead {overhead_w:+.1f} % wall, {overhead_c:+.1f} % CPU: {verdict(max(overhead_w, overhead_c) <= TARGETS['qc_overhead_pct'])} |",
        f"| (b) the same as separate commands: proxy, then blackdetect, freezedetect, ebur128, silencedetect passes "
        f"({', '.join(f'{w:.2f}' for w, _ in r['separate'])}) | {sep_w:.2f} | {sep_c:.2f} | {sep_w / one_w:.2f}× the one pass | | |",
        f"| (b) reference: one pass with the video QC filters on full-size frames at 25 fps | {naive_w:.2f} | {naive_c:.2f} | "
        f"{naive_w / alone_w:.2f} | | overhead {naive_over_w:+.1f} % wall, {naive_over_c:+.1f} % CPU |",
        f"| (c) decode only (`-f null -`, default threads, min of {args.repeats}) | {dec_w:.2f} | {dec_c:.2f} | 1.00 | | |",
        f"| (c) decode + scale to 720p, no encode (min of {args.repeats}) | {scaled_w:.2f} | {scaled_c:.2f} | "
        f"{scaled_w / dec_w:.2f} (CPU {scaled_c / dec_c:.2f}) | | |",
        f"| (c) proxy + QC in one pass (b) against decode only | {one_w:.2f} | {one_c:.2f} | **{one_w / dec_w:.2f}×** "
        f"(CPU {one_c / dec_c:.2f}×) | ≤ {TARGETS['proxy_qc_vs_decode']:g}× | "
        f"{verdict(one_w / dec_w <= TARGETS['proxy_qc_vs_decode'])} |",
        f"| (d) Kitsu's recipe: 1080p 28 Mb/s + 720p 6 Mb/s, x264 slow, keyint=2, letterboxed, + 8-column tile sheet "
        f"of every frame ({' + '.join(f'{w:.1f}' for w, _ in r['kitsu'])} s on {r['kitsu_cut']:g} s"
        f"{f', × {scale:g} extrapolated linearly' if extrapolated else ''}) | {kitsu_w:.0f} | {kitsu_c:.0f} | 1 | | |",
        f"| (d) Reelwork's full preview set for the {px.video_codec.upper()} source: probe + proxy + QC + poster + sprite/VTT "
        f"(min of {args.repeats}) | {full_w:.2f} | {full_c:.2f} | **{speed_proxy:.1f}× faster** | ≥ {TARGETS['kitsu_speedup_proxy']:g}× | "
        f"{verdict(speed_proxy >= TARGETS['kitsu_speedup_proxy'])} |",
        f"| (d) Reelwork's first playable preview for the browser-ready source (a) | {first_wall:.2f} | {first_cpu:.2f} | "
        f"**{speed_ready:.0f}× faster** | ≥ {TARGETS['kitsu_speedup_ready']:g}× | {verdict(speed_ready >= TARGETS['kitsu_speedup_ready'])} |",
        f"| (d) … and with its QC (a + a′) | {first_wall + r['qc_only_s']:.2f} | | {speed_ready_qc:.0f}× faster | | |",
        f"| HLS packaging of the proxy (stream copy, {r['hls_s'][1]} fMP4 segments) | {r['hls_s'][0]:.2f} | | | | |",
        "",
        f"Memory: Python process peak RSS {r['python_max_rss_mb']:.0f} MB; largest ffmpeg child {r['children_max_rss_mb']:.0f} MB "
        "(RUSAGE_CHILDREN, clip generation included). Per stage (peak RSS of its largest child): "
        + ", ".join(f"{label} {mb:.0f} MB" for label, mb in r["rss_by_stage"].items()) + ".",
        "",
        f"QC of the proxied source (a test pattern: no black, silence or freeze expected): integrated "
        f"{r['full_qc'].integrated_lufs} LUFS, true peak {r['full_qc'].true_peak_dbtp} dBTP, black {r['full_qc'].black}, "
        f"silence {r['full_qc'].silence}, freeze {r['full_qc'].freeze}.",
        "",
        "Kitsu's recipe ran on the H.264 clip, which decodes faster than the proxied one Reelwork is timed on in (d): "
        "the comparison favours Kitsu."
        + (f" It ran on the first {r['kitsu_cut']:g} s only; its time is multiplied by {scale:g} (all of it is "
           "per-frame work, so it scales linearly with the length)." if extrapolated else " It ran on the whole clip."),
        "",
        f"Whole run: {r['whole_run_s']:.0f} s.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
