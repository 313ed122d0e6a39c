"""Use cases for cuts: import a file as a new cut from the command line, attach subtitles, waive QC,
judge QC again when the targets change. The browser's uploads are :mod:`media.uploads` (what both
protocols share), :mod:`media.uploads_local` and :mod:`media.uploads_direct`."""

import contextlib
import hashlib
import logging
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from media import claims, qc, storage, uploads, uploads_direct, uploads_local
from media.models import Cut, QCWaiver, Rendition, Upload
from projects import rules
from projects.models import Deliverable
from studio import roles
from studio.errors import Conflict, Forbidden, Invalid

log = logging.getLogger(__name__)


@transaction.atomic
def check_can_waive(cut: Cut, user) -> None:
    """The office may waive failed technical QC once processing has finished."""
    if not roles.is_office(user):
        raise Forbidden(_("Only the education office may waive technical QC."))
    if cut.status != Cut.Status.READY:
        raise Conflict(_("QC can be waived once processing has finished."))
    if cut.qc_passed:
        raise Conflict(_("This cut passed technical QC: there is nothing to waive."))


@dataclass(frozen=True)
class CutActions:
    """What a user may do on a cut's page now (each from its one rule)."""

    subtitle: rules.Verdict
    waive: rules.Verdict
    sees_detail: bool  # the office reads the technical detail of a failure (ffmpeg's last lines)


def cut_actions(cut: Cut, user) -> CutActions:
    return CutActions(
        subtitle=rules.verdict(check_can_subtitle, cut, user),
        waive=rules.verdict(check_can_waive, cut, user),
        sees_detail=roles.is_office(user),
    )


def cut_waive_qc(*, cut: Cut, user, reason: str) -> Cut:
    """The office lets a cut with failing technical QC go to the panel, with a recorded reason.
    A new waiver is added to the cut's history (``QCWaiver``) and becomes the current one."""
    check_can_waive(cut, user)
    if not reason.strip():
        raise Invalid(_("Give the reason for waiving QC."))
    waiver = QCWaiver.objects.create(cut=cut, user=user, reason=reason.strip())
    Cut.objects.filter(pk=cut.pk).update(qc_waived_by=user, qc_waiver_reason=waiver.reason)
    cut.refresh_from_db()
    return cut


def cut_progress(*, cut_id: int, fraction: float) -> None:
    Cut.objects.filter(pk=cut_id, status=Cut.Status.PROCESSING).update(progress=round(min(max(fraction, 0), 1), 3))


def cut_import(*, project, user, path, note: str = "", filename: str | None = None, workers: int = 4) -> Cut:
    """Upload a local file as a new cut through the same checks as the browser (``upload_cut``):
    chunks through the server in local mode; with S3, ``workers`` parts at a time straight to the
    bucket, then the same read-back check the browser's uploads get."""
    path = Path(path)
    if storage.s3_enabled():
        return _import_direct(project=project, user=user, path=path, note=note, filename=filename, workers=workers)
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(storage.upload_chunk_bytes()), b""):
            digest.update(block)
    upload = uploads.upload_start(
        project=project, user=user, filename=filename or path.name, size=path.stat().st_size,
        sha256=digest.hexdigest(), note=note,
    )
    with path.open("rb") as handle:
        offset = 0
        for block in iter(lambda: handle.read(storage.upload_chunk_bytes()), b""):
            upload = uploads_local.upload_local_receive(upload=upload, offset=offset, chunks=[block], length=len(block))
            offset += len(block)
    upload.refresh_from_db()
    return upload.cut


def _import_direct(*, project, user, path: Path, note: str, filename: str | None, workers: int) -> Cut:
    upload = uploads.upload_start(project=project, user=user, filename=filename or path.name, size=path.stat().st_size,
                          sha256="", note=note)
    digests = [""] * upload.parts_total

    def send(number: int) -> None:
        # Each part streams from the file: memory stays flat whatever ``workers`` is.
        digests[number - 1] = uploads.storage_call(
            storage.multipart_put_file_part, key=upload.key, upload_id=upload.s3_upload_id, part_number=number,
            path=path, offset=(number - 1) * upload.part_size, length=uploads_direct.expected_part_size(upload, number),
        )

    try:
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            list(pool.map(send, range(1, upload.parts_total + 1)))
        upload = uploads_direct.upload_direct_complete(upload=upload, user=user, part_sha256=digests, enqueue=False)
    except BaseException:
        upload.refresh_from_db()
        if upload.status == Upload.Status.OPEN:
            with contextlib.suppress(storage.StorageError):
                storage.multipart_abort(key=upload.key, upload_id=upload.s3_upload_id)
            Upload.objects.filter(pk=upload.pk, status=Upload.Status.OPEN).update(status=Upload.Status.ABORTED)
        raise
    # Claimed and leased like the worker's check: if this command dies, the sweep hands the
    # upload to the worker instead of leaving it "verifying".
    attempt = claims.upload_claim(upload_id=upload.pk)
    try:
        with claims.lease_kept(lambda: claims.upload_lease_renew(upload_id=upload.pk, attempt=attempt)):
            cut = uploads_direct.upload_direct_verify(upload=upload)
    except storage.StorageError as exc:
        log.warning("storage: %s", exc.detail)
        claims.upload_verify_failed(upload_id=upload.pk, attempt=attempt, code="storage_unreachable")
        raise uploads.StorageUnavailable(exc.message) from exc
    if cut is None:
        upload.refresh_from_db()
        raise Invalid(upload.error)
    return cut


def check_can_subtitle(cut: Cut, user) -> None:
    """Subtitles belong to a draft version: the producing unit adds or replaces them until it is submitted."""
    rules.check_produces(cut.deliverable.project, user)
    if cut.deliverable.status != Deliverable.Status.DRAFT:
        raise Conflict(_("Version %(v)s has been submitted: upload a new version to change its subtitles.")
                       % {"v": cut.deliverable.version})


def cut_subtitles_save(*, cut: Cut, user, data: bytes) -> Cut:
    """Attach subtitles (SRT or WebVTT, stored as WebVTT) to a cut that has not gone to review
    yet; a new file replaces the previous one. Refused input leaves the old subtitles in place."""
    from media import subtitles

    project = cut.deliverable.project
    check_can_subtitle(cut, user)
    try:
        cues = subtitles.parse(data)
    except subtitles.SubtitleError as exc:
        raise Invalid(exc.message) from exc
    duration = float(cut.probe.get("duration") or 0)
    if duration and cues[0].start > duration:
        raise Invalid(_("The first subtitle starts at %(at).0f s, after the cut ends (%(d).0f s): are they for another film?")
                      % {"at": cues[0].start, "d": duration})
    key = storage.rendition_key(project.pk, cut.deliverable.version, "subtitles.vtt")
    uploads.storage_call(storage.save, key=key, content=subtitles.to_webvtt(cues).encode(), overwrite=True)
    Cut.objects.filter(pk=cut.pk).update(subtitles_key=key)
    cut.subtitles_key = key
    return cut


def qc_targets(project):
    """What a cut of ``project`` must meet: the genre's running time, the project's spec."""
    genre = project.genre
    return qc.Targets(
        min_seconds=genre.target_minutes_min * 60, max_seconds=genre.target_minutes_max * 60,
        min_resolution=project.spec_size, fps=float(project.spec_fps),
    )


def qc_verdict(report, project) -> tuple[list, bool]:
    """The findings of a QC report against the project's current targets, and whether it passes."""
    findings = report.findings(qc_targets(project))
    return findings, qc.passing(findings)


def qc_recheck(*, project) -> int:
    """The genre or spec changed: judge the processed cuts not yet submitted again (the measures
    are stored; nothing is decoded). Submitted and decided versions keep their verdict."""
    count = 0
    cuts = Cut.objects.filter(deliverable__project=project, deliverable__status=Deliverable.Status.DRAFT,
                              status=Cut.Status.READY).exclude(qc={})
    for cut in cuts:
        findings, passed = qc_verdict(qc.QCReport.from_dict(cut.qc["report"]), project)
        Cut.objects.filter(pk=cut.pk).update(
            qc={**cut.qc, "findings": [f.as_dict() for f in findings]}, qc_passed=passed
        )
        count += 1
    return count


def cut_frame_thumbnail(*, cut: Cut, seconds: float, name: str) -> str:
    """Store a thumbnail of the frame at ``seconds`` beside the cut's previews, from the proxy
    (or the remuxed original, which is what the proxy rendition is for a browser-ready file);
    returns its key, or "" while the cut has no proxy yet."""
    from media import pipeline

    proxy = cut.renditions.filter(kind=Rendition.Kind.PROXY).first()
    if proxy is None:
        return ""
    key = f"{cut.prefix}/frames/{storage.safe_name(name)}"
    if storage.head(key=key) is not None:
        return key
    with tempfile.TemporaryDirectory(prefix="reelwork-frame-") as tmp:
        out = Path(tmp) / "frame.jpg"
        pipeline.frame_thumbnail(storage.ffmpeg_input(key=proxy.key), out, seconds)
        storage.put_file(key=key, path=out)
    return key
