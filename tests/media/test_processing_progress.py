"""Processing progress in percent, with its step: real ffmpeg on tiny clips writes a rising
percentage into the cut's row (at a bounded rate) and the cut page's status endpoint reads it back
in the reader's language."""

import pytest
from django.urls import reverse

from media import progress, services
from media.models import Cut
from media.tasks import process_cut
from projects.models import State
from tests.support.clips import make_mpeg4_clip
from tests.support.http import signed_in


@pytest.fixture
def production(make_project, storage_dir):
    return make_project(State.PRODUCTION)


@pytest.fixture
def recorded(monkeypatch):
    """Every progress write, read back from the cut's row right after it (what a poll would see).
    No interval between writes: the tiny clips take well under a second."""
    rows = []
    write = services.cut_progress

    def spy(*, cut_id, fraction, step=""):
        write(cut_id=cut_id, fraction=fraction, step=step)
        rows.append(Cut.objects.values_list("status", "progress", "progress_step").get(pk=cut_id))

    monkeypatch.setattr(services, "cut_progress", spy)
    monkeypatch.setattr(progress, "MIN_INTERVAL", 0.0)
    return rows


def _processed(project, user, path, rows):
    cut = services.cut_import(project=project, user=user, path=path, note="v1")
    assert process_cut.call(cut.pk) == "ready"
    cut.refresh_from_db()
    return cut


def _assert_rising_to_the_end(rows, steps):
    assert rows, "no progress was written"
    assert all(status == Cut.Status.PROCESSING for status, _, _ in rows)
    fractions = [fraction for _, fraction, _ in rows]
    assert fractions == sorted(fractions) and fractions[0] < 0.5 and len(set(fractions)) >= 3, fractions
    assert [s for s in dict.fromkeys(step for _, _, step in rows)] == steps


def test_a_browser_ready_cut_reports_preview_qc_and_storing_in_order_up_to_ready(production, producer_a, clips, recorded):
    cut = _processed(production, producer_a, clips.short(), recorded)
    _assert_rising_to_the_end(recorded, ["preview", "qc", "store"])
    # The storing step starts where QC ended (90 %), and the cut ends ready at 100 %.
    assert [f for _, f, s in recorded if s == "store"][0] == pytest.approx(0.9, abs=0.001)
    assert (cut.status, cut.progress, cut.progress_step) == (Cut.Status.READY, 1.0, "")


def test_a_transcoded_cut_reports_the_encode_as_it_goes(production, producer_a, tmp_path, recorded):
    cut = _processed(production, producer_a, make_mpeg4_clip(tmp_path / "v1.avi", seconds=3), recorded)
    _assert_rising_to_the_end(recorded, ["preview_qc", "store"])
    during_encode = [f for _, f, s in recorded if s == "preview_qc"]
    assert len(during_encode) >= 3 and during_encode[-1] <= 0.9  # the encode moves the bar, not only its end
    assert (cut.status, cut.progress) == (Cut.Status.READY, 1.0)


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_progress_is_written_at_most_once_a_second_and_never_backwards():
    writes, clock = [], FakeClock()
    tracker = progress.CutProgress(1, progress.FAST_PLAN, clock=clock, write=lambda **w: writes.append((clock.now, w)))
    preview, qc = tracker.for_step("preview"), tracker.for_step("qc")
    for tick in range(50):  # ffmpeg reports about twice a second; here ten times
        clock.now += 0.1
        (preview if tick < 20 else qc)(tick / 50 if tick < 20 else (tick - 20) / 30)
    times = [t for t, _ in writes]
    assert all(b - a >= progress.MIN_INTERVAL - 1e-9 for a, b in zip(times, times[1:]))
    assert 4 <= len(writes) <= 6  # 5 s of reports: about one write a second
    fractions = [w["fraction"] for _, w in writes]
    assert fractions == sorted(fractions) and max(fractions) <= 0.2 + 0.7
    count = len(writes)
    clock.now += 5
    preview(0.0)  # a late report from a step already past: ignored, though a write is due
    assert len(writes) == count
    qc(1.0)
    assert len(writes) == count + 1 and writes[-1][1] == {"cut_id": 1, "fraction": pytest.approx(0.9), "step": "qc"}


def test_the_status_endpoint_says_percent_and_step_in_the_readers_language(production, producer_a, office, panelist):
    from tests.support.factories import processed_cut
    from projects import services as project_services

    deliverable = project_services.deliverable_save(project=production, user=producer_a, kind="cut", base_version=0,
                                                    note="v1", from_upload=True)
    cut = processed_cut(deliverable)
    Cut.objects.filter(pk=cut.pk).update(status=Cut.Status.PROCESSING, progress=0.423, progress_step="qc")
    url = reverse("cut-status", args=[cut.pk])
    chinese = signed_in(producer_a, HTTP_ACCEPT_LANGUAGE="zh-hans").get(url).json()
    assert (chinese["status"], chinese["step"], chinese["progress_text"]) == ("processing", "qc", "处理中 42% · 技术质检")
    english = signed_in(office, HTTP_ACCEPT_LANGUAGE="en").get(url).json()
    assert english["progress_text"] == "Processing 42% · technical QC"
    page = signed_in(producer_a, HTTP_ACCEPT_LANGUAGE="zh-hans").get(reverse("cut-detail", args=[cut.pk])).content.decode()
    assert "处理中 42% · 技术质检" in page
    # Others see no cut of this project; a GET only reads, and nothing else is allowed.
    assert signed_in(panelist).get(url).status_code == 404
    assert signed_in(producer_a).post(url).status_code == 405
    assert Cut.objects.values_list("progress", "progress_step").get(pk=cut.pk) == (0.423, "qc")
