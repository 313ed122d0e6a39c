"""Use cases for cuts: start a resumable upload, receive its bytes, register the verified file as a
new cut version, waive QC. The bytes never sit whole in memory; a cut row exists only for a file
that arrived completely and matched its checksum."""

import contextlib
import hashlib
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from media import claims, ffmpeg, qc, reasons, storage
from media.models import Cut, QCWaiver, Upload
from projects import services as project_services
from projects.models import Deliverable, State
from studio import roles
from studio.errors import ActionRefused, Conflict, Forbidden, Invalid

log = logging.getLogger(__name__)
SHA256 = re.compile(r"^[0-9a-f]{64}$")


class StorageUnavailable(ActionRefused):
    """The object storage failed or is unreachable: nothing changed, try again later."""

    status_code = 503


def _storage_call(function, **kwargs):
    try:
        return function(**kwargs)
    except storage.StorageError as exc:
        log.warning("storage: %s", exc.detail)
        raise StorageUnavailable(exc.message) from exc


def _check_can_upload(project, user):
    project_services.require_producer(project, user)
    if project.state != State.PRODUCTION:
        raise Conflict(
            _("Cuts are uploaded while the project is in production; it is in “%(state)s”.")
            % {"state": project.get_state_display()}
        )
    latest = project.deliverables.filter(kind="cut").order_by("-version").first()
    if latest and latest.status == Deliverable.Status.SUBMITTED:
        raise Conflict(_("Version %(v)s is under review: wait for the decision.") % {"v": latest.version})


@transaction.atomic
def upload_start(*, project, user, filename: str, size: int, sha256: str, note: str = "") -> Upload:
    """Open a resumable upload of a cut. ``size`` and ``sha256`` are what the client declares;
    the file is checked against both before it becomes a cut. With S3 configured this opens a
    multipart upload the client sends parts to directly (:func:`upload_part_urls`)."""
    _check_can_upload(project, user)
    name = storage.safe_name(filename)
    if not name:
        raise Invalid(_("The file needs a name."))
    if size <= 0:
        raise Invalid(_("The file is empty."))
    limit = settings.REELWORK_UPLOAD_MAX_BYTES
    if size > limit:
        raise Invalid(_("The file is larger than the limit of %(gb).1f GB.") % {"gb": limit / 1e9})
    sha256 = sha256.strip().lower()
    # Browsers can't hash a many-GB file in one go: they send a digest with every chunk (or part)
    # instead, and the whole-file checksum is optional (the command line always sends it).
    if sha256 and not SHA256.match(sha256):
        raise Invalid(_("The checksum must be a SHA-256 in hexadecimal (64 characters)."))
    upload = Upload(project=project, user=user, filename=name, size=size, sha256=sha256, note=note)
    if storage.s3_enabled():
        upload.key = storage.original_key(project.pk, upload.pk, name)
        upload.part_size = storage.multipart_part_size(size=size)
        upload.s3_upload_id = _storage_call(
            storage.multipart_start, key=upload.key, content_type=storage.content_type_for(name)
        )
    upload.save(force_insert=True)
    return upload


def _check_direct(upload: Upload, user) -> None:
    if upload.user_id != user.pk:
        raise Forbidden(_("Only the person who started an upload may send it."))
    if not upload.direct:
        raise Conflict(_("This upload goes through the server, not straight to the storage."))
    if upload.status != Upload.Status.OPEN:
        raise Conflict(_("This upload is %(status)s.") % {"status": upload.get_status_display()})


MAX_URLS = 100


def upload_part_urls(*, upload: Upload, user, first: int, count: int) -> dict[int, str]:
    """Presigned PUT URLs for parts ``first`` .. ``first + count - 1`` (S3 mode): each covers one
    part of this upload only, and expires after an hour (the client asks again)."""
    _check_direct(upload, user)
    _check_can_upload(upload.project, user)
    total = upload.parts_total
    if not (1 <= first <= total) or not (1 <= count <= MAX_URLS):
        raise Invalid(
            _("Ask for parts 1 to %(total)s, at most %(max)s at a time.") % {"total": total, "max": MAX_URLS}
        )
    last = min(first + count - 1, total)
    return {
        n: _storage_call(storage.multipart_part_url, key=upload.key, upload_id=upload.s3_upload_id, part_number=n)
        for n in range(first, last + 1)
    }


def upload_parts_received(*, upload: Upload) -> list[tuple[int, int]]:
    """``[(part_number, size)]`` the storage holds for an open direct upload: what a resuming
    client may skip."""
    if not upload.direct or upload.status != Upload.Status.OPEN:
        return []
    parts = _storage_call(storage.multipart_parts, key=upload.key, upload_id=upload.s3_upload_id)
    return [(p["PartNumber"], p["Size"]) for p in parts]


def _expected_part_size(upload: Upload, number: int) -> int:
    return upload.part_size if number < upload.parts_total else upload.size - upload.part_size * (upload.parts_total - 1)


def upload_complete(*, upload: Upload, user, part_sha256, enqueue: bool = True) -> Upload:
    """The client has sent every part (S3 mode): check that the storage holds all of them at the
    right sizes, assemble the object, and queue the read-back that compares each part with the
    SHA-256 the client computed. A missing or short part answers 409 naming it: send it again."""
    _check_direct(upload, user)
    _check_can_upload(upload.project, user)
    total = upload.parts_total
    if (
        not isinstance(part_sha256, list)
        or len(part_sha256) != total
        or not all(isinstance(d, str) and SHA256.match(d.lower()) for d in part_sha256)
    ):
        raise Invalid(_("Send the SHA-256 of each of the %(total)s parts, in order.") % {"total": total})
    held = {p["PartNumber"]: p for p in _storage_call(storage.multipart_parts, key=upload.key, upload_id=upload.s3_upload_id)}
    wrong = [n for n in range(1, total + 1) if n not in held or held[n]["Size"] != _expected_part_size(upload, n)]
    if wrong:
        raise Conflict(
            _("Parts %(parts)s did not arrive whole: send them again.") % {"parts": ", ".join(map(str, wrong[:20]))}
        )
    digests = [d.lower() for d in part_sha256]
    # Claim the upload: a second "complete" (a double click, two tabs) finds it no longer open.
    if not Upload.objects.filter(pk=upload.pk, status=Upload.Status.OPEN).update(
        status=Upload.Status.VERIFYING, part_sha256=digests, received=upload.size
    ):
        raise Conflict(_("This upload is already being checked."))
    try:
        storage.multipart_complete(key=upload.key, upload_id=upload.s3_upload_id, parts=[held[n] for n in range(1, total + 1)])
    except storage.StorageError as exc:
        Upload.objects.filter(pk=upload.pk).update(status=Upload.Status.OPEN)
        log.warning("storage: %s", exc.detail)
        raise StorageUnavailable(exc.message) from exc
    if enqueue:
        from media.tasks import verify_upload

        transaction.on_commit(lambda: verify_upload.enqueue(str(upload.pk)))
    upload.refresh_from_db()
    return upload


def upload_verify(*, upload: Upload) -> Cut | None:
    """Read the assembled object back (S3 mode): size, the SHA-256 of every part against what the
    client sent, the whole file's SHA-256 when it was declared, then ffprobe. Registers the cut,
    or marks the upload failed with the reason and deletes the object. Storage failures propagate
    (:class:`media.storage.StorageError`) with the upload left as it was, to be tried again."""
    if upload.status != Upload.Status.VERIFYING:
        return upload.cut
    stat = storage.head(key=upload.key)
    if stat is None or stat["size"] != upload.size:
        return _reject(upload, "size_mismatch")
    parts, whole = storage.part_digests(key=upload.key, part_size=upload.part_size)
    damaged = [str(n) for n, (got, sent) in enumerate(zip(parts, upload.part_sha256, strict=False), 1) if got != sent]
    if damaged or len(parts) != len(upload.part_sha256):
        log.info("upload %s: parts %s differ from the client's digests", upload.pk, damaged)
        return _reject(upload, "parts_damaged", {"parts": ", ".join(damaged[:20]) or "?"})
    if upload.sha256 and whole != upload.sha256:
        return _reject(upload, "checksum_mismatch")
    try:
        probe = probe_stored(key=upload.key, size=upload.size)
    except ffmpeg.FFmpegError as exc:
        log.info("upload %s rejected: %s", upload.pk, exc.stderr_tail)
        return _reject(upload, exc.code, exc.params)
    try:
        return cut_register_upload(upload=upload, probe=probe, sha256=whole)
    except ActionRefused as exc:
        log.info("upload %s refused: %s", upload.pk, exc.message)
        return _reject(upload, *_refusal_reason(upload))


def probe_stored(*, key: str, size: int):
    """ffprobe a stored original where it lies: a local path, or a presigned URL (the few header
    bytes the MP4 checks need come with ranged reads)."""

    def read_range(first: int, last: int) -> bytes:
        with storage.open_stream(key=key, first_byte=first, last_byte=min(last, size - 1)) as stream:
            return stream.read()

    return ffmpeg.probe(storage.ffmpeg_input(key=key), size=size, read_range=read_range)


def upload_receive(*, upload: Upload, offset: int, chunks, length: int, chunk_sha256: str = "") -> Upload:
    """Append ``length`` bytes at ``offset`` (local storage). When the last byte arrives the file is
    verified and registered as a cut. A wrong offset answers with the offset to resume from; a
    chunk whose digest does not match is cut off again, so the upload resumes before it."""
    if upload.status != Upload.Status.OPEN:
        raise Conflict(_("This upload is %(status)s.") % {"status": upload.get_status_display()})
    if upload.direct:
        raise Conflict(_("This upload goes straight to the storage: send its parts there."))
    if offset != upload.received:
        raise Conflict(_("Resume from byte %(offset)s.") % {"offset": upload.received})
    if offset + length > upload.size:
        raise Invalid(
            _("More bytes than the declared size of %(size)s: the file is not the one declared.") % {"size": upload.size}
        )
    digest = hashlib.sha256()

    def hashed(pieces):
        for piece in pieces:
            digest.update(piece)
            yield piece

    try:
        received = storage.local_append(key=upload.partial_key, offset=offset, chunk_iter=hashed(chunks))
    except storage.StorageError as exc:
        raise Conflict(exc.message) from exc
    except ActionRefused:
        storage.local_truncate(key=upload.partial_key, size=offset)
        raise
    if received != offset + length or (chunk_sha256 and digest.hexdigest() != chunk_sha256.lower()):
        storage.local_truncate(key=upload.partial_key, size=offset)
        raise Conflict(_("Chunk at byte %(offset)s arrived damaged or incomplete: send it again.") % {"offset": offset})
    # Claim the range: two clients sending the same range cannot both advance the offset.
    if not Upload.objects.filter(pk=upload.pk, received=offset, status=Upload.Status.OPEN).update(received=received):
        raise Conflict(_("Another connection is sending this upload. Reload to resume."))
    upload.received = received
    if received == upload.size:
        upload_finish(upload=upload)
        upload.refresh_from_db()
    return upload


def _refusal_reason(upload: Upload) -> tuple[str, dict]:
    """Why ``cut_register_upload`` refused an upload that arrived whole (the project moved on
    while the bytes travelled), as a reason code and its parameters."""
    project = upload.project
    project.refresh_from_db()
    if project.state != State.PRODUCTION:
        return "not_in_production", {"state": project.state}
    latest = project.deliverables.filter(kind="cut").order_by("-version").first()
    if latest and latest.status == Deliverable.Status.SUBMITTED:
        return "under_review", {"v": latest.version}
    return "not_allowed", {}


def _reject(upload: Upload, code: str, params: dict | None = None) -> None:
    """The uploaded file is not acceptable: record why on the upload (a reason code of
    ``media.reasons``) and delete its bytes (the local partial file, or the assembled object in
    the bucket). Nothing else was created."""
    Upload.objects.filter(pk=upload.pk).update(
        status=Upload.Status.FAILED, error_code=code, error_params=params or {}, lease_until=None
    )
    if upload.direct:
        storage.delete(key=upload.key)
    else:
        storage.local_delete(key=upload.partial_key)


def upload_finish(*, upload: Upload) -> Cut:
    """Verify size, checksum and that the file is a playable video, then register the cut."""
    actual = storage.local_size(key=upload.partial_key)
    if actual != upload.size:
        raise Conflict(_("Only %(got)s of %(size)s bytes arrived: resume the upload.") % {"got": actual, "size": upload.size})
    if upload.sha256 and storage.local_sha256(key=upload.partial_key) != upload.sha256:
        _reject(upload, "checksum_mismatch")
        raise Invalid(reasons.render("checksum_mismatch"))
    try:
        probe = probe_stored(key=upload.partial_key, size=upload.size)
    except ffmpeg.FFmpegError as exc:
        log.info("upload %s rejected: %s", upload.pk, exc.stderr_tail)
        _reject(upload, exc.code, exc.params)
        raise Invalid(exc.message) from exc
    return cut_register_upload(upload=upload, probe=probe)


@transaction.atomic
def cut_register_upload(*, upload: Upload, probe, sha256: str = "") -> Cut:
    project = upload.project
    # Re-check under the transaction: the project may have moved on while the bytes travelled.
    project.refresh_from_db()
    _check_can_upload(project, upload.user)
    latest = project.deliverables.filter(kind="cut").order_by("-version").first()
    deliverable = project_services.deliverable_save(
        project=project, user=upload.user, kind="cut", base_version=latest.version if latest else 0,
        note=upload.note or upload.filename, from_upload=True,
    )
    if upload.direct:
        key = upload.key  # already in its final place in the bucket
    else:
        key = storage.cut_key(project.pk, deliverable.version, upload.filename)
        storage.local_finalize(partial_key=upload.partial_key, final_key=key)
    cut = Cut.objects.create(
        deliverable=deliverable, original_key=key, original_name=upload.filename, size=upload.size,
        sha256=sha256 or upload.sha256, probe=probe.as_dict(),
    )
    # The upload becomes this cut once: a second verifier (the command line and the worker, say)
    # finds it taken and its transaction rolls back.
    if not Upload.objects.filter(pk=upload.pk, status__in=[Upload.Status.OPEN, Upload.Status.VERIFYING]).update(
        status=Upload.Status.COMPLETE, cut=cut
    ):
        raise Conflict(_("This upload is already registered as a cut."))
    from media.tasks import process_cut

    transaction.on_commit(lambda: process_cut.enqueue(cut.pk))
    return cut


@transaction.atomic
def cut_waive_qc(*, cut: Cut, user, reason: str) -> Cut:
    """The office lets a cut with failing technical QC go to the panel, with a recorded reason.
    A new waiver is added to the cut's history (``QCWaiver``) and becomes the current one."""
    if not roles.is_office(user):
        raise Forbidden(_("Only the education office may waive technical QC."))
    if not reason.strip():
        raise Invalid(_("Give the reason for waiving QC."))
    if cut.status != Cut.Status.READY:
        raise Conflict(_("QC can be waived once processing has finished."))
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
    upload = upload_start(
        project=project, user=user, filename=filename or path.name, size=path.stat().st_size,
        sha256=digest.hexdigest(), note=note,
    )
    with path.open("rb") as handle:
        offset = 0
        for block in iter(lambda: handle.read(storage.upload_chunk_bytes()), b""):
            upload = upload_receive(upload=upload, offset=offset, chunks=[block], length=len(block))
            offset += len(block)
    upload.refresh_from_db()
    return upload.cut


def _import_direct(*, project, user, path: Path, note: str, filename: str | None, workers: int) -> Cut:
    upload = upload_start(project=project, user=user, filename=filename or path.name, size=path.stat().st_size,
                          sha256="", note=note)
    digests = [""] * upload.parts_total

    def send(number: int) -> None:
        # Each part streams from the file: memory stays flat whatever ``workers`` is.
        digests[number - 1] = _storage_call(
            storage.multipart_put_file_part, key=upload.key, upload_id=upload.s3_upload_id, part_number=number,
            path=path, offset=(number - 1) * upload.part_size, length=_expected_part_size(upload, number),
        )

    try:
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            list(pool.map(send, range(1, upload.parts_total + 1)))
        upload = upload_complete(upload=upload, user=user, part_sha256=digests, enqueue=False)
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
            cut = upload_verify(upload=upload)
    except storage.StorageError as exc:
        log.warning("storage: %s", exc.detail)
        claims.upload_verify_failed(upload_id=upload.pk, attempt=attempt, code="storage_unreachable")
        raise StorageUnavailable(exc.message) from exc
    if cut is None:
        upload.refresh_from_db()
        raise Invalid(upload.error)
    return cut


def upload_abandon(*, older_than) -> int:
    """Abort uploads still open since before ``older_than`` (a datetime) and free their bytes:
    ``manage.py cleanup_uploads``. Returns how many."""
    count = 0
    for upload in Upload.objects.filter(status=Upload.Status.OPEN, created_at__lt=older_than):
        if not Upload.objects.filter(pk=upload.pk, status=Upload.Status.OPEN).update(status=Upload.Status.ABORTED):
            continue
        if upload.direct:
            storage.multipart_abort(key=upload.key, upload_id=upload.s3_upload_id)
        else:
            storage.local_delete(key=upload.partial_key)
        count += 1
    return count


def cut_subtitles_save(*, cut: Cut, user, data: bytes) -> Cut:
    """Attach subtitles (SRT or WebVTT, stored as WebVTT) to a cut that has not gone to review
    yet; a new file replaces the previous one. Refused input leaves the old subtitles in place."""
    from media import subtitles

    project = cut.deliverable.project
    project_services.require_producer(project, user)
    if cut.deliverable.status != Deliverable.Status.DRAFT:
        raise Conflict(_("Version %(v)s has been submitted: upload a new version to change its subtitles.")
                       % {"v": cut.deliverable.version})
    try:
        cues = subtitles.parse(data)
    except subtitles.SubtitleError as exc:
        raise Invalid(exc.message) from exc
    duration = float(cut.probe.get("duration") or 0)
    if duration and cues[0].start > duration:
        raise Invalid(_("The first subtitle starts at %(at).0f s, after the cut ends (%(d).0f s): are they for another film?")
                      % {"at": cues[0].start, "d": duration})
    key = storage.rendition_key(project.pk, cut.deliverable.version, "subtitles.vtt")
    _storage_call(storage.save, key=key, content=subtitles.to_webvtt(cues).encode(), overwrite=True)
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
