"""Local uploads (no S3): the browser sends the file in chunks through our views; each is appended
at its exact offset, and the last one triggers the check that turns the file into a cut."""

import hashlib
import logging

from django.utils.translation import gettext as _

from media import ffmpeg, reasons, storage, uploads
from media.models import Cut, Upload
from studio.errors import ActionRefused, Conflict, Invalid

log = logging.getLogger("media.services")


def upload_local_receive(*, upload: Upload, offset: int, chunks, length: int, chunk_sha256: str = "") -> Upload:
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
        upload_local_finish(upload=upload)
        upload.refresh_from_db()
    return upload


def upload_local_finish(*, upload: Upload) -> Cut:
    """Verify size, checksum and that the file is a playable video, then register the cut."""
    actual = storage.local_size(key=upload.partial_key)
    if actual != upload.size:
        raise Conflict(_("Only %(got)s of %(size)s bytes arrived: resume the upload.") % {"got": actual, "size": upload.size})
    if upload.sha256 and storage.local_sha256(key=upload.partial_key) != upload.sha256:
        uploads.reject(upload, "checksum_mismatch")
        raise Invalid(reasons.render("checksum_mismatch"))
    try:
        probe = uploads.probe_stored(key=upload.partial_key, size=upload.size)
    except ffmpeg.FFmpegError as exc:
        log.info("upload %s rejected: %s", upload.pk, exc.stderr_tail)
        uploads.reject(upload, exc.code, exc.params)
        raise Invalid(exc.message) from exc
    return uploads.cut_register_upload(upload=upload, probe=probe)
