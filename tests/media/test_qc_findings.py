"""QC findings are stored as data and worded for each reader; the QC's former blind spots; the
office's waivers kept as history; ``upload_cut --wait`` tells the verdict."""

import subprocess

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from media import ffmpeg as ff
from media import pipeline, services
from media.models import Cut, QCWaiver
from media.qc import QCReport, Targets
from media.tasks import process_cut
from projects.models import State
from tests.support.clips import ffprobe_streams, make_clip, require_encoder


@pytest.fixture
def production(make_project, storage_dir):
    return make_project(State.PRODUCTION)


@pytest.fixture
def processed(production, producer_a, tmp_path):
    """A 2 s 320x240 cut, processed for real: too short, too small, too loud for the spec."""
    cut = services.cut_import(project=production, user=producer_a, path=make_clip(tmp_path / "clip.mp4"))
    assert process_cut.call(cut.pk) == "ready"
    cut.refresh_from_db()
    return cut


def _page(client, cut, language):
    client.cookies["django_language"] = language
    response = client.get(reverse("cut-detail", args=[cut.pk]))
    assert response.status_code == 200
    return response.text


def test_findings_are_stored_as_codes_and_numbers_not_sentences(processed):
    stored = processed.qc["findings"]
    assert {f["code"] for f in stored} == {"loudness", "duration", "resolution"}
    resolution = next(f for f in stored if f["code"] == "resolution")
    assert resolution["params"] == {"w": 320, "h": 240, "mw": 1920, "mh": 1080}
    assert not any("message" in f for f in stored)


def test_the_same_stored_findings_read_in_english_and_in_chinese(processed, client, producer_a):
    client.force_login(producer_a)

    english = _page(client, processed, "en")
    chinese = _page(client, processed, "zh-hans")

    assert "The picture is 320×240; at least 1920×1080 is required." in english
    assert "画面分辨率为320×240，至少须达到1920×1080。" in chinese
    assert "画面分辨率" not in english and "The picture is" not in chinese
    client.cookies["django_language"] = "en"
    status = client.get(reverse("cut-status", args=[processed.pk])).json()
    assert "The picture is 320×240; at least 1920×1080 is required." in [f["message"] for f in status["findings"]]
    client.cookies["django_language"] = "zh-hans"
    status = client.get(reverse("cut-status", args=[processed.pk])).json()
    assert "画面分辨率为320×240，至少须达到1920×1080。" in [f["message"] for f in status["findings"]]


def test_a_failure_reason_reads_in_the_readers_language(production, producer_a, tmp_path, client):
    cut = services.cut_import(project=production, user=producer_a, path=make_clip(tmp_path / "clip.mp4"))
    Cut.objects.filter(pk=cut.pk).update(status=Cut.Status.FAILED, failure_code="stalled", failure_detail="ffmpeg: …")
    client.force_login(producer_a)

    assert "Processing the video stopped making progress and was stopped." in _page(client, cut, "en")
    chinese = _page(client, cut, "zh-hans")
    assert "处理失败：" in chinese and "stopped making progress" not in chinese
    with translation.override("zh-hans"):
        assert ff.message_for("stalled") in chinese
    assert "ffmpeg: …" not in chinese  # the technical detail is for the office


def test_a_silence_as_long_as_the_threshold_is_reported_like_black_of_that_length():
    report = QCReport(duration=20, width=1920, height=1080, fps=25, has_audio=True, integrated_lufs=-24,
                      true_peak_dbtp=-3, loudness_range_lu=5, black=[(1.0, 4.0)], silence=[(6.0, 9.0), (9.5, 19.5)])

    findings = report.findings(Targets(black_warn=3, silence_warn=3, silence_fail=10))

    assert [(f.code, f.severity, f.start) for f in findings] == [
        ("black", "warn", 1.0), ("silence", "warn", 6.0), ("silence", "fail", 9.5)]
    with translation.override("en"):
        assert findings[1].message == "Silence for 3.0 s (0:06.0–0:09.0)."


def test_a_second_sound_track_is_a_warning(clips, tmp_path):
    require_encoder("libx264")
    src = tmp_path / "two-tracks.mp4"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=2",
         "-f", "lavfi", "-i", "sine=f=440:d=2", "-f", "lavfi", "-i", "sine=f=880:d=2",
         "-map", "0", "-map", "1", "-map", "2", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
         "-c:a", "aac", "-shortest", str(src)], check=True, timeout=60, stdin=subprocess.DEVNULL)
    probe = ff.probe(src)

    findings = pipeline.qc_only(src, probe).findings(Targets(min_resolution=(0, 0)))

    extra = [f for f in findings if f.code == "extra_audio"]
    assert [(f.severity, f.params) for f in extra] == [("warn", {"tracks": 2})]
    with translation.override("en"):
        assert extra[0].message.startswith("The file has 2 sound tracks: previews and QC use only the first.")


def test_surround_sound_is_mixed_down_to_stereo_in_the_remux_too(clips, tmp_path):
    src = clips.h264_surround()
    probe = ff.probe(src)
    assert probe.browser_ready and probe.audio_channels == 6

    preview = pipeline.fast_preview(src, tmp_path, probe)

    streams = {s["codec_type"]: s for s in ffprobe_streams(preview.proxy)["streams"]}
    assert streams["audio"]["channels"] == 2 and streams["audio"]["codec_name"] == "aac"
    assert streams["video"]["codec_name"] == "h264" and preview.remuxed


def test_every_waiver_is_kept_and_the_latest_is_the_current_one(processed, office, client):
    services.cut_waive_qc(cut=processed, user=office, reason="响度略低，专家评审时一并提出")
    services.cut_waive_qc(cut=processed, user=office, reason="分辨率按老设备标准放行")

    processed.refresh_from_db()
    assert [w.reason for w in processed.waivers.all()] == ["分辨率按老设备标准放行", "响度略低，专家评审时一并提出"]
    assert processed.qc_waiver_reason == "分辨率按老设备标准放行" and processed.reviewable
    assert QCWaiver.objects.filter(cut=processed, user=office).count() == 2
    client.force_login(office)
    page = _page(client, processed, "en")
    assert page.index("分辨率按老设备标准放行") < page.index("响度略低，专家评审时一并提出")
    assert "QC waivers" in page and page.count("Waived by office") == 2


def test_upload_cut_wait_prints_the_findings_and_fails_when_qc_refuses_the_cut(production, office, tmp_path, capsys):
    with translation.override("en"), pytest.raises(CommandError, match="technical QC failed"):
        call_command("upload_cut", str(production.pk), str(make_clip(tmp_path / "clip.mp4")), "--user", "office", "--wait")

    out = capsys.readouterr().out
    assert "ready" in out
    assert "fail: The picture is 320×240; at least 1920×1080 is required." in out
    assert Cut.objects.get().status == Cut.Status.READY


def test_upload_cut_wait_says_when_qc_passed(production, office, tmp_path, capsys):
    genre = production.genre
    genre.target_minutes_min, genre.target_minutes_max = 0, 30
    genre.save()
    production.spec_resolution = "320x240"
    production.save()
    # A quiet tone (−24 LUFS or so) that meets the loudness target.
    clip = make_clip(tmp_path / "quiet.mp4", extra=["-af", "volume=-5.5dB"])

    with translation.override("en"):
        call_command("upload_cut", str(production.pk), str(clip), "--user", "office", "--wait")

    assert "technical QC passed" in capsys.readouterr().out
