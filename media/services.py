"""Use cases for cuts: start a resumable upload, receive its bytes, register the verified file as a
new cut version, waive QC. The bytes never sit whole in memory; a cut row exists only for a file
that arrived completely and matched its checksum."""

import hashlib
import logging
import re

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from media import ffmpeg, storage
from media.models import Cut, Upload
from projects import roles
from projects import services as project_services
from projects.errors import ActionRefused, Conflict, Forbidden, Invalid
from projects.models import Deliverable, State

log = logging.getLogger(__name__)
SHA256 = re.compile(r"^[0-9a-f]{64}$")


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
    the file is checked against both before it becomes a cut."""
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
    # Browsers can't hash a many-GB file in one go: they send a digest with every chunk instead,
    # and the whole-file checksum is optional (the command line always sends it).
    if sha256 and not SHA256.match(sha256):
        raise Invalid(_("The checksum must be a SHA-256 in hexadecimal (64 characters)."))
    return Upload.objects.create(project=project, user=user, filename=name, size=size, sha256=sha256, note=note)


def upload_receive(*, upload: Upload, offset: int, chunks, length: int, chunk_sha256: str = "") -> Upload:
    """Append ``length`` bytes at ``offset`` (local storage). When the last byte arrives the file is
    verified and registered as a cut. A wrong offset answers with the offset to resume from; a
    chunk whose digest does not match is cut off again, so the upload resumes before it."""
    if upload.status != Upload.Status.OPEN:
        raise Conflict(_("This upload is %(status)s.") % {"status": upload.get_status_display()})
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


def _fail(upload: Upload, message) -> None:
    Upload.objects.filter(pk=upload.pk).update(status=Upload.Status.FAILED, error=str(message))
    storage.local_delete(key=upload.partial_key)
    raise Invalid(message)


def upload_finish(*, upload: Upload) -> Cut:
    """Verify size, checksum and that the file is a playable video, then register the cut."""
    actual = storage.local_size(key=upload.partial_key)
    if actual != upload.size:
        raise Conflict(_("Only %(got)s of %(size)s bytes arrived: resume the upload.") % {"got": actual, "size": upload.size})
    if upload.sha256 and storage.local_sha256(key=upload.partial_key) != upload.sha256:
        _fail(upload, _("The file's checksum does not match: it was damaged on the way. Upload it again."))
    try:
        probe = ffmpeg.probe(storage.local_path(key=upload.partial_key))
    except ffmpeg.FFmpegError as exc:
        log.info("upload %s rejected: %s", upload.pk, exc.stderr_tail)
        _fail(upload, exc.message)
    return cut_register_upload(upload=upload, probe=probe)


@transaction.atomic
def cut_register_upload(*, upload: Upload, probe) -> Cut:
    project = upload.project
    # Re-check under the transaction: the project may have moved on while the bytes travelled.
    project.refresh_from_db()
    _check_can_upload(project, upload.user)
    latest = project.deliverables.filter(kind="cut").order_by("-version").first()
    deliverable = project_services.deliverable_save(
        project=project, user=upload.user, kind="cut", base_version=latest.version if latest else 0,
        note=upload.note or upload.filename, from_upload=True,
    )
    key = storage.cut_key(project.pk, deliverable.version, upload.filename)
    storage.local_finalize(partial_key=upload.partial_key, final_key=key)
    cut = Cut.objects.create(
        deliverable=deliverable, original_key=key, original_name=upload.filename, size=upload.size,
        sha256=upload.sha256, probe=probe.as_dict(),
    )
    Upload.objects.filter(pk=upload.pk).update(status=Upload.Status.COMPLETE, cut=cut)
    from media.tasks import process_cut

    transaction.on_commit(lambda: process_cut.enqueue(cut.pk))
    return cut


@transaction.atomic
def cut_waive_qc(*, cut: Cut, user, reason: str) -> Cut:
    """The office lets a cut with failing technical QC go to the panel, with a recorded reason."""
    if not roles.is_office(user):
        raise Forbidden(_("Only the education office may waive technical QC."))
    if not reason.strip():
        raise Invalid(_("Give the reason for waiving QC."))
    if cut.status != Cut.Status.READY:
        raise Conflict(_("QC can be waived once processing has finished."))
    Cut.objects.filter(pk=cut.pk).update(qc_waived_by=user, qc_waiver_reason=reason.strip())
    cut.refresh_from_db()
    return cut


def cut_progress(*, cut_id: int, fraction: float) -> None:
    Cut.objects.filter(pk=cut_id, status=Cut.Status.PROCESSING).update(progress=round(min(max(fraction, 0), 1), 3))


def cut_claim(*, cut_id: int) -> bool:
    """Take a queued cut for processing; False when another worker has it or it is done."""
    return bool(
        Cut.objects.filter(pk=cut_id, status=Cut.Status.QUEUED).update(
            status=Cut.Status.PROCESSING, attempts=F("attempts") + 1, progress=0, failure=""
        )
    )


def cut_import(*, project, user, path, note: str = "", filename: str | None = None) -> Cut:
    """Upload a local file as a new cut through the same checks as the browser (``upload_cut``)."""
    from pathlib import Path

    path = Path(path)
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(storage.CHUNK_SIZE), b""):
            digest.update(block)
    upload = upload_start(
        project=project, user=user, filename=filename or path.name, size=path.stat().st_size,
        sha256=digest.hexdigest(), note=note,
    )
    with path.open("rb") as handle:
        offset = 0
        for block in iter(lambda: handle.read(storage.CHUNK_SIZE), b""):
            upload = upload_receive(upload=upload, offset=offset, chunks=[block], length=len(block))
            offset += len(block)
    upload.refresh_from_db()
    return upload.cut
