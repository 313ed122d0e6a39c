"""Preview and QC recipes on clips made with lavfi: what a panelist's player and the office's QC see."""

import math
import re

import pytest
from django.utils import translation
from PIL import Image

from media import ffmpeg as ff
from media import pipeline
from media.qc import QCReport, Targets
from tests.support.clips import (
    BLACK,
    DEFECT_DURATION,
    FREEZE,
    SILENCE,
    ffprobe_streams,
    top_level_boxes,
)
from tests.support.factories import qc_report

# The test clips are small and quiet; judge only what each test is about.
LENIENT = Targets(integrated_lufs=-20, lufs_tolerance=30, max_true_peak_dbtp=0, min_resolution=(0, 0), min_fps=0,
                  black_warn=1, silence_warn=1, freeze_warn=1)


def _streams(path):
    info = ffprobe_streams(path)
    return {s["codec_type"]: s for s in info["streams"]}, info["format"]


def _vtt_cues(path):
    text = path.read_text(encoding="utf-8")
    assert text.startswith("WEBVTT")
    cues = re.findall(r"(\d\d):(\d\d):(\d\d\.\d\d\d) --> (\d\d):(\d\d):(\d\d\.\d\d\d)\n(\S+)#xywh=(\d+),(\d+),(\d+),(\d+)", text)
    out = []
    for h1, m1, s1, h2, m2, s2, url, x, y, w, h in cues:
        start = int(h1) * 3600 + int(m1) * 60 + float(s1)
        end = int(h2) * 3600 + int(m2) * 60 + float(s2)
        out.append((start, end, url, int(x), int(y), int(w), int(h)))
    return out


def _assert_thumbnails_cover_the_film(preview, duration):
    cues = _vtt_cues(preview.vtt)
    assert cues[0][0] == 0 and cues[-1][1] == pytest.approx(duration, abs=0.05)
    assert all(a[1] == pytest.approx(b[0]) for a, b in zip(cues, cues[1:])), "gaps between cues"
    layout = preview.sprite_layout
    with Image.open(preview.sprite) as sprite:
        assert sprite.size == (layout.columns * layout.thumb_width, layout.rows * layout.thumb_height)
        for _s, _e, url, x, y, w, h in cues:
            assert url == "sprite.jpg" and (w, h) == (layout.thumb_width, layout.thumb_height)
            assert x + w <= sprite.width and y + h <= sprite.height
    assert len(cues) == layout.count <= pipeline.SPRITE_MAX_THUMBS


def _assert_fast_start(path):
    boxes = top_level_boxes(path)
    assert boxes.index("moov") < boxes.index("mdat"), boxes


def test_a_browser_ready_cut_is_remuxed_fast_start_without_re_encoding(clips, tmp_path):
    src = clips.h264_aac()
    probe = ff.probe(src)

    preview = pipeline.fast_preview(src, tmp_path, probe)

    assert preview.remuxed
    assert top_level_boxes(src).index("moov") > top_level_boxes(src).index("mdat")  # the source was not
    _assert_fast_start(preview.proxy)
    streams, fmt = _streams(preview.proxy)
    source_streams, _ = _streams(src)
    assert streams["video"]["codec_name"] == "h264" and streams["audio"]["codec_name"] == "aac"
    # The same packets, not a new encode.
    assert streams["video"]["nb_frames"] == source_streams["video"]["nb_frames"]
    assert int(streams["video"]["bit_rate"]) == pytest.approx(int(source_streams["video"]["bit_rate"]), rel=0.02)
    with Image.open(preview.poster) as poster:
        assert poster.size == preview.poster_size == (320, 240)
    _assert_thumbnails_cover_the_film(preview, probe.duration)


def test_a_hevc_cut_gets_a_720p_h264_proxy_and_qc_from_one_decode(clips, tmp_path):
    src = clips.defects_hevc()
    probe = ff.probe(src)
    assert not probe.browser_ready
    seen = []

    preview, qc = pipeline.proxy_with_qc(src, tmp_path, probe, on_progress=seen.append)

    proxy = ff.probe(preview.proxy)
    assert proxy.browser_ready, proxy.not_browser_ready_reasons()
    assert (proxy.video_codec, proxy.audio_codec, proxy.pix_fmt) == ("h264", "aac", "yuv420p")
    assert (proxy.width, proxy.height) == (320, 240)
    assert proxy.duration == pytest.approx(DEFECT_DURATION, abs=0.2)
    _assert_fast_start(preview.proxy)
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) >= 2
    _assert_qc_finds_the_defects(qc)
    _assert_thumbnails_cover_the_film(preview, proxy.duration)
    with Image.open(preview.poster) as poster:
        assert poster.size == (320, 240)


def _assert_qc_finds_the_defects(qc: QCReport):
    assert qc.duration == pytest.approx(DEFECT_DURATION, abs=0.2)
    assert math.isfinite(qc.integrated_lufs) and -40 < qc.integrated_lufs < 0
    assert math.isfinite(qc.true_peak_dbtp) and qc.true_peak_dbtp < 0
    for found, expected in ((qc.black, BLACK), (qc.silence, SILENCE), (qc.freeze, FREEZE)):
        assert len(found) == 1, (found, expected)
        assert found[0] == pytest.approx(expected, abs=0.5)
    codes = {(f.code, f.severity) for f in qc.findings(LENIENT)}
    assert {("black", "warn"), ("silence", "warn"), ("freeze", "warn")} <= codes


def test_a_browser_ready_cut_gets_the_same_qc_without_an_encode(clips):
    src = clips.defects_h264()

    qc = pipeline.qc_only(src, ff.probe(src))

    _assert_qc_finds_the_defects(qc)


def test_a_phone_clip_is_turned_upright(clips, tmp_path):
    src = clips.rotated()

    preview, _qc = pipeline.proxy_with_qc(src, tmp_path, ff.probe(src))

    proxy = ff.probe(preview.proxy)
    assert (proxy.width, proxy.height, proxy.rotation) == (240, 320, 0)
    with Image.open(preview.poster) as poster:
        assert poster.size == (240, 320)
    assert preview.sprite_layout.thumb_height > preview.sprite_layout.thumb_width


@pytest.mark.parametrize(
    ("size", "expected"),
    [("1920x1080", (1280, 720)), ("1080x1920", (720, 1280)), ("321x241", (320, 240)), ("1000x130", (1000, 130))],
)
def test_the_proxy_is_at_most_720p_keeps_the_aspect_and_has_even_sides(clips, tmp_path, size, expected):
    src = clips.sized(size)

    preview, _qc = pipeline.proxy_with_qc(src, tmp_path, ff.probe(src))

    proxy = ff.probe(preview.proxy)
    assert (proxy.width, proxy.height) == expected
    assert proxy.browser_ready


def test_a_film_without_sound_gets_a_video_only_proxy_and_no_loudness(clips, tmp_path):
    src = clips.h264_silent_film()
    probe = ff.probe(src)
    assert probe.audio_codec is None and probe.browser_ready

    preview, qc = pipeline.proxy_with_qc(src, tmp_path, probe)

    streams, _ = _streams(preview.proxy)
    assert set(streams) == {"video"}
    assert qc.integrated_lufs is None and qc.true_peak_dbtp is None and not qc.has_audio
    [finding] = [f for f in qc.findings(LENIENT) if f.code == "no_audio"]
    with translation.override("en"):  # findings are worded when read, in the reader's language
        assert finding.severity == "warn" and "no sound" in finding.message
    assert pipeline.qc_only(src, probe).integrated_lufs is None


def test_surround_sound_is_mixed_down_to_stereo_in_the_proxy(clips, tmp_path):
    src = clips.h264_surround()

    preview, qc = pipeline.proxy_with_qc(src, tmp_path, ff.probe(src))

    streams, _ = _streams(preview.proxy)
    assert streams["audio"]["channels"] == 2
    assert math.isfinite(qc.integrated_lufs)


def test_hls_packages_the_proxy_without_re_encoding(clips, tmp_path):
    src = clips.defects_h264()
    preview = pipeline.fast_preview(src, tmp_path / "preview", ff.probe(src))

    package = pipeline.hls(preview.proxy, tmp_path / "hls", segment_seconds=2)

    text = package.playlist.read_text()
    assert "#EXT-X-ENDLIST" in text and '#EXT-X-MAP:URI="init.mp4"' in text
    assert package.init.exists() and len(package.segments) >= 3
    assert sum(float(d) for d in re.findall(r"#EXTINF:([\d.]+)", text)) == pytest.approx(DEFECT_DURATION, abs=0.2)
    streams, _ = _streams(package.playlist)
    assert streams["video"]["codec_name"] == "h264" and streams["audio"]["codec_name"] == "aac"


# ---------------------------------------------------------------- findings


def test_a_clean_report_passes():
    report = qc_report()
    assert report.findings() == [] and report.passed()


@pytest.mark.parametrize(
    ("changes", "code", "severity"),
    [
        ({"integrated_lufs": -30.5}, "loudness", "fail"),
        ({"integrated_lufs": -19.0}, "loudness", "fail"),
        ({"true_peak_dbtp": -0.2}, "true_peak", "fail"),
        ({"black": [(100.0, 103.0)]}, "black", "warn"),
        ({"black": [(100.0, 115.0)]}, "black", "fail"),
        ({"silence": [(10.0, 14.0)]}, "silence", "warn"),
        ({"freeze": [(30.0, 50.0)]}, "freeze", "fail"),
        ({"duration": 100.0}, "duration", "fail"),
        ({"width": 960, "height": 540}, "resolution", "fail"),
        ({"fps": 15.0}, "fps", "fail"),
        ({"has_audio": False, "integrated_lufs": None, "true_peak_dbtp": None}, "no_audio", "warn"),
    ],
)
def test_findings_name_what_is_outside_the_targets(changes, code, severity):
    targets = Targets(min_seconds=300, max_seconds=1200)

    with translation.override("en"):
        findings = qc_report(**changes).findings(targets)

    assert [(f.code, f.severity) for f in findings] == [(code, severity)]
    assert findings[0].message
    assert qc_report(**changes).passed(targets) is (severity != "fail")


def test_short_defects_and_in_tolerance_loudness_pass():
    report = qc_report(integrated_lufs=-25.9, black=[(0.0, 1.5)], silence=[(590.0, 592.0)], freeze=[(12.0, 14.0)])
    assert report.findings() == []


def test_a_portrait_film_meets_the_resolution_target_on_its_long_side():
    assert qc_report(width=1080, height=1920).findings() == []


def test_the_report_is_json_safe():
    import json

    report = qc_report(black=[(1.0, 2.5)])
    assert json.loads(json.dumps(report.as_dict()))["black"] == [[1.0, 2.5]]
