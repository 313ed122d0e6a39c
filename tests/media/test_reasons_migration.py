"""Rows written before reasons and findings were data: the migration turns stored sentences into
codes (findings recomputed from the stored QC report; free text kept under the legacy code) and
an existing waiver into the first row of its history."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import translation

from media.models import Cut, QCWaiver, Upload
from projects.models import State

BEFORE = [("media", "0002_upload_direct_to_s3")]



def latest():
    """Every app's last migration: going back to media 0002 also unapplied the apps that depend
    on media (reviews), so forward means all of them, not media 0003 alone."""
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_stored_sentences_into_codes(make_project, producer_a, office):
    project = make_project(State.PRODUCTION)
    deliverable = project.deliverables.create(kind="cut", version=1, author=producer_a)
    old = _migrate(BEFORE)
    OldCut, OldUpload = old.get_model("media", "Cut"), old.get_model("media", "Upload")
    report = {"duration": 2.0, "width": 320, "height": 240, "fps": 25.0, "has_audio": True, "integrated_lufs": -24.0,
              "true_peak_dbtp": -3.0, "loudness_range_lu": 3.0, "black": [], "silence": [[0.5, 4.5]], "freeze": []}
    findings = [
        {"code": "silence", "severity": "warn", "start": 0.5, "end": 4.5, "message": "静音4.0秒（0:00.5–0:04.5）。"},
        {"code": "legacy_check", "severity": "warn", "start": None, "end": None, "message": "旧版检查的结论"},
    ]
    cut = OldCut.objects.create(deliverable_id=deliverable.pk, original_key="cuts/1/v1/original/a.mp4", original_name="a.mp4",
                                size=1, sha256="0" * 64, status="failed", failure="处理视频超时。\nffmpeg stderr tail",
                                qc={"report": report, "findings": findings}, qc_passed=False,
                                qc_waived_by_id=office.pk, qc_waiver_reason="先送评审")
    upload = OldUpload.objects.create(project_id=project.pk, user_id=producer_a.pk, filename="a.mp4", size=1, sha256="",
                                      status="failed", error="文件校验和不符。")

    _migrate(latest())

    cut, upload = Cut.objects.get(pk=cut.pk), Upload.objects.get(pk=upload.pk)
    assert (cut.failure_code, cut.failure_detail) == ("text", "处理视频超时。\nffmpeg stderr tail")
    assert cut.failure == "处理视频超时。" and upload.error == "文件校验和不符。"
    codes = [(f.code, f.params) for f in cut.findings]
    assert ("silence", {"len": 4.0, "span_start": 0.5, "span_end": 4.5}) in codes
    assert ("legacy_check", {"text": "旧版检查的结论"}) in codes
    with translation.override("en"):
        assert [f.message for f in cut.findings if f.code == "silence"] == ["Silence for 4.0 s (0:00.5–0:04.5)."]
        assert [f.message for f in cut.findings if f.code == "legacy_check"] == ["旧版检查的结论"]
    assert cut.qc_passed is False  # the verdict given stands
    assert list(QCWaiver.objects.filter(cut=cut).values_list("user", "reason")) == [(office.pk, "先送评审")]
