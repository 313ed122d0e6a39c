"""The ffmpeg wrapper: what probe() tells about real files, what it refuses, and how runs are policed."""

import dataclasses
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.utils import translation

from media import ffmpeg as ff
from tests.support.clips import FFMPEG


def test_it_probes_an_h264_aac_mp4_as_browser_ready(clips):
    probe = ff.probe(clips.h264_aac())

    assert (probe.width, probe.height, probe.rotation) == (320, 240, 0)
    assert probe.duration == pytest.approx(3.0, abs=0.1)
    assert probe.fps == 25
    assert (probe.video_codec, probe.audio_codec, probe.pix_fmt) == ("h264", "aac", "yuv420p")
    assert "mp4" in probe.format_names
    assert probe.size == clips.h264_aac().stat().st_size and probe.bit_rate > 0
    assert probe.browser_ready, probe.not_browser_ready_reasons()


def test_it_reads_the_display_matrix_of_a_phone_clip_and_swaps_the_displayed_size(clips):
    probe = ff.probe(clips.rotated())

    assert probe.rotation in (90, 270)
    assert (probe.width, probe.height) == (240, 320)
    assert not probe.browser_ready
    assert any("rotated" in r for r in probe.not_browser_ready_reasons())


def test_hevc_in_mkv_is_not_browser_ready(clips):
    probe = ff.probe(clips.hevc())

    assert probe.video_codec in ("hevc", "vp9")
    assert not probe.browser_ready
    reasons = " ".join(probe.not_browser_ready_reasons())
    assert "video codec" in reasons and "container" in reasons


@pytest.mark.parametrize(
    ("change", "ready"),
    [
        ({}, True),
        ({"width": 1920, "height": 1080}, True),
        ({"width": 1080, "height": 1920}, True),  # portrait pixels, upright: plays
        ({"width": 3840, "height": 2160}, False),
        ({"pix_fmt": "yuv420p10le"}, False),
        ({"pix_fmt": "yuv422p"}, False),
        ({"audio_codec": None}, True),
        ({"audio_codec": "pcm_s16le"}, False),
        ({"format_names": ("matroska", "webm")}, False),
        ({"fps": 50.0}, True),
        ({"fps": 120.0}, False),
        ({"interlaced": True}, False),
        ({"sample_aspect_ratio": 4 / 3}, False),
        ({"bit_rate": 60_000_000}, False),
    ],
)
def test_browser_ready_means_h264_420_aac_mp4_within_1080p_and_60fps(clips, change, ready):
    base = ff.probe(clips.h264_aac())
    assert dataclasses.replace(base, **change).browser_ready is ready


@pytest.mark.parametrize(
    ("make", "error", "words"),
    [
        ("pdf_as_mp4", ff.NotAVideo, "not a video"),
        ("empty", ff.NotAVideo, "empty"),
        ("audio_only", ff.NotAVideo, "no picture"),
        ("audio_with_cover", ff.NotAVideo, "no picture"),
        ("still_image_as_mp4", ff.NotAVideo, "still image"),
        ("truncated", ff.Truncated, "incomplete"),
        ("truncated_faststart", ff.Truncated, "incomplete"),
    ],
)
def test_it_refuses_files_that_are_not_playable_videos_with_a_message(clips, make, error, words):
    with pytest.raises(error) as caught:
        ff.probe(getattr(clips, make)())

    with translation.override("en"):
        assert words in caught.value.message
    assert str(caught.value)  # the log line


@pytest.mark.parametrize("size", ["8200x16", "16x8200", "8x8"])
def test_it_refuses_absurd_picture_sizes(clips, size):
    with pytest.raises(ff.BadDimensions) as caught:
        ff.probe(clips.sized(size))

    assert isinstance(caught.value, ff.NotAVideo)
    with translation.override("en"):
        width, height = size.split("x")
        assert f"{width}×{height}" in caught.value.message and "8192" in caught.value.message


def test_a_stderr_tail_comes_with_the_error(clips):
    with pytest.raises(ff.NotAVideo) as caught:
        ff.probe(clips.pdf_as_mp4())

    tail = caught.value.stderr_tail
    assert tail and len(tail.splitlines()) <= ff.STDERR_TAIL_LINES
    assert "Invalid data" in tail or "moov" in tail


def test_a_missing_file_is_the_callers_problem_not_the_uploaders(tmp_path):
    with pytest.raises(FileNotFoundError):
        ff.probe(tmp_path / "nowhere.mp4")


def test_a_webm_without_duration_gets_it_from_the_packets(clips):
    probe = ff.probe(clips.webm_without_duration())

    assert probe.duration == pytest.approx(3.0, abs=0.1)


# ---------------------------------------------------------------- run()


def _lavfi_null(seconds, *extra):
    return [FFMPEG, "-nostdin", "-hide_banner", "-y", "-progress", "pipe:1", "-nostats", *extra,
            "-f", "lavfi", "-i", f"testsrc2=size=160x120:rate=25:duration={seconds}", "-f", "null", "-"]


def test_it_reports_progress_as_a_rising_fraction_ending_at_one(clips):
    seen = []
    result = ff.run(_lavfi_null(4), timeout=60, duration=4.0, on_progress=seen.append)

    assert seen == sorted(seen) and seen[-1] == 1.0
    assert all(0 <= f <= 1 for f in seen)
    assert result.returncode == 0 and result.cpu_seconds > 0 and result.max_rss_kb > 1000


def test_the_watchdog_kills_ffmpeg_stuck_on_an_input_that_never_comes(tmp_path):
    fifo = tmp_path / "upload.pipe"
    os.mkfifo(fifo)  # opening it for reading blocks until a writer appears: none will
    cmd = [FFMPEG, "-nostdin", "-y", "-progress", "pipe:1", "-nostats", "-i", str(fifo), "-f", "null", "-"]

    # Stalled (not Timeout) says the stall watchdog ended it, not the 30 s hard limit.
    with pytest.raises(ff.Stalled) as caught:
        ff.run(cmd, timeout=30, stall_timeout=1.0)

    with translation.override("en"):
        assert "stopped making progress" in caught.value.message


def test_the_watchdog_kills_a_process_whose_progress_stops_advancing():
    script = (
        "import sys, time\n"
        "print('out_time_us=1000000\\nprogress=continue', flush=True)\n"
        "for _ in range(100):\n"
        "    print('out_time_us=1000000\\nprogress=continue', flush=True)\n"  # same position: not progress
        "    time.sleep(0.1)\n"
    )
    with pytest.raises(ff.Stalled):
        ff.run([sys.executable, "-c", script], timeout=30, stall_timeout=1.0, duration=10)


def test_it_enforces_the_hard_timeout_even_while_progress_advances():
    with pytest.raises(ff.Timeout) as caught:  # a 30 s real-time run, a 1.5 s limit
        ff.run(_lavfi_null(30, "-re"), timeout=1.5, stall_timeout=10)

    assert caught.value.stderr_tail  # ffmpeg's banner/stream info, for the log


class Cancelled(Exception):
    pass


def test_raising_from_on_progress_cancels_the_run():
    def cancel(fraction):
        raise Cancelled

    started = time.monotonic()
    with pytest.raises(Cancelled):
        ff.run(_lavfi_null(30, "-re"), timeout=30, duration=30, on_progress=cancel)
    # Not a speed bound: the run, played in real time, would last 30 s; it did not run to its end.
    assert time.monotonic() - started < 25


def test_children_run_niced_without_stdin(tmp_path):
    out = tmp_path / "child.txt"
    script = f"import os, sys; open({str(out)!r}, 'w').write(f'{{os.nice(0)}} {{sys.stdin.read()!r}}')"

    ff.run([sys.executable, "-c", script], timeout=30)

    assert out.read_text() == "19 ''"


def test_a_failing_ffmpeg_raises_with_its_stderr_tail():
    cmd = [FFMPEG, "-nostdin", "-progress", "pipe:1", "-nostats", "-f", "lavfi", "-i", "testsrc2=duration=1",
           "-c:v", "no_such_encoder", "-f", "null", "-"]
    with pytest.raises(ff.FFmpegError) as caught:
        ff.run(cmd, timeout=30)

    assert type(caught.value) is ff.FFmpegError
    assert caught.value.returncode != 0
    assert "no_such_encoder" in caught.value.stderr_tail


def _pids_with(marker: str) -> list[int]:
    pids = []
    for proc in os.scandir("/proc"):
        if proc.name.isdigit():
            try:
                with open(f"/proc/{proc.name}/cmdline", "rb") as f:
                    argv = f.read().split(b"\0")
            except OSError:
                continue
            if any(marker.encode() in arg for arg in argv) and any(arg.endswith(b"ffmpeg") for arg in argv):
                pids.append(int(proc.name))
    return pids


def _until(what, predicate, limit=60):
    # A guard against waiting for ever, not a timing assertion.
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    pytest.fail(f"gave up waiting for {what}")


def test_ffmpeg_dies_with_the_worker_that_started_it(tmp_path):
    marker = f"reelwork-orphan-check-{tmp_path.name}"
    # Ten minutes of picture at real speed: only the worker's death can end it early.
    cmd = [FFMPEG, "-nostdin", "-y", "-progress", "pipe:1", "-nostats", "-re", "-f", "lavfi",
           "-i", "testsrc2=size=64x64:rate=5:duration=600", "-metadata", f"title={marker}", "-f", "null", "-"]
    worker = subprocess.Popen(
        [sys.executable, "-c", f"from media import ffmpeg as ff; ff.run({cmd!r}, timeout=900)"],
        cwd=Path(__file__).resolve().parents[2], stdin=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        _until("ffmpeg to start", lambda: _pids_with(marker))
        worker.kill()
        worker.wait(timeout=30)
        _until("ffmpeg to die with its worker", lambda: not _pids_with(marker))
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(timeout=30)
        for pid in _pids_with(marker):
            os.kill(pid, signal.SIGKILL)
