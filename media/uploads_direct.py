"""Direct uploads (S3): the browser PUTs parts straight to the bucket with presigned URLs; the
server checks that every part arrived, assembles the object, and reads it back against the
digests the client sent before it becomes a cut."""

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from media import claims, ffmpeg, storage, uploads
from media.models import Cut, Upload
from studio.errors import ActionRefused, Conflict, Forbidden, Invalid

log = logging.getLogger("media.services")


def check_direct(upload: Upload, user) -> None:
    if upload.user_id != user.pk:
        raise Forbidden(_("Only the person who started an upload may send it."))
    if not upload.direct:
        raise Conflict(_("This upload goes through the server, not straight to the storage."))
    if upload.status != Upload.Status.OPEN:
        raise Conflict(_("This upload is %(status)s.") % {"status": upload.get_status_display()})


MAX_URLS = 100


def upload_direct_part_urls(*, upload: Upload, user, first: int, count: int) -> dict[int, str]:
    """Presigned PUT URLs for parts ``first`` .. ``first + count - 1`` (S3 mode): each covers one
    part of this upload only, and expires after an hour (the client asks again)."""
    check_direct(upload, user)
    uploads.check_can_upload(upload.project, user)
    total = upload.parts_total
    if not (1 <= first <= total) or not (1 <= count <= MAX_URLS):
        raise Invalid(
            _("Ask for parts 1 to %(total)s, at most %(max)s at a time.") % {"total": total, "max": MAX_URLS}
        )
    last = min(first + count - 1, total)
    return {
        n: uploads.storage_call(storage.multipart_part_url, key=upload.key, upload_id=upload.s3_upload_id, part_number=n)
        for n in range(first, last + 1)
    }


def upload_direct_parts_received(*, upload: Upload) -> list[tuple[int, int]]:
    """``[(part_number, size)]`` the storage holds for an open direct upload: what a resuming
    client may skip."""
    if not upload.direct or upload.status != Upload.Status.OPEN:
        return []
    parts = uploads.storage_call(storage.multipart_parts, key=upload.key, upload_id=upload.s3_upload_id)
    return [(p["PartNumber"], p["Size"]) for p in parts]


def expected_part_size(upload: Upload, number: int) -> int:
    return upload.part_size if number < upload.parts_total else upload.size - upload.part_size * (upload.parts_total - 1)


def upload_direct_complete(*, upload: Upload, user, part_sha256, enqueue: bool = True) -> Upload:
    """The client has sent every part (S3 mode): check that the storage holds all of them at the
    right sizes, assemble the object, and queue the read-back that compares each part with the
    SHA-256 the client computed. A missing or short part answers 409 naming it: send it again."""
    check_direct(upload, user)
    uploads.check_can_upload(upload.project, user)
    total = upload.parts_total
    if (
        not isinstance(part_sha256, list)
        or len(part_sha256) != total
        or not all(isinstance(d, str) and uploads.SHA256.match(d.lower()) for d in part_sha256)
    ):
        raise Invalid(_("Send the SHA-256 of each of the %(total)s parts, in order.") % {"total": total})
    held = {p["PartNumber"]: p for p in uploads.storage_call(storage.multipart_parts, key=upload.key, upload_id=upload.s3_upload_id)}
    wrong = [n for n in range(1, total + 1) if n not in held or held[n]["Size"] != expected_part_size(upload, n)]
    if wrong:
        raise Conflict(
            _("Parts %(parts)s did not arrive whole: send them again.") % {"parts": ", ".join(map(str, wrong[:20]))}
        )
    digests = [d.lower() for d in part_sha256]
    # Claim the upload: a second "complete" (a double click, two tabs) finds it no longer open.
    if not Upload.objects.filter(pk=upload.pk, status=Upload.Status.OPEN).update(
        status=Upload.Status.VERIFYING, part_sha256=digests, received=upload.size, queued_at=timezone.now()
    ):
        raise Conflict(_("This upload is already being checked."))
    try:
        storage.multipart_complete(key=upload.key, upload_id=upload.s3_upload_id, parts=[held[n] for n in range(1, total + 1)])
    except storage.StorageError as exc:
        Upload.objects.filter(pk=upload.pk).update(status=Upload.Status.OPEN)
        log.warning("storage: %s", exc.detail)
        raise uploads.StorageUnavailable(exc.message) from exc
    if enqueue:
        transaction.on_commit(lambda: claims.upload_enqueue(upload.pk))
    upload.refresh_from_db()
    return upload


def upload_direct_verify(*, upload: Upload) -> Cut | None:
    """Read the assembled object back (S3 mode): size, the SHA-256 of every part against what the
    client sent, the whole file's SHA-256 when it was declared, then ffprobe. Registers the cut,
    or marks the upload failed with the reason and deletes the object. Storage failures propagate
    (:class:`media.storage.StorageError`) with the upload left as it was, to be tried again."""
    if upload.status != Upload.Status.VERIFYING:
        return upload.cut
    stat = storage.head(key=upload.key)
    if stat is None or stat["size"] != upload.size:
        return uploads.reject(upload, "size_mismatch")
    parts, whole = storage.part_digests(key=upload.key, part_size=upload.part_size)
    damaged = [str(n) for n, (got, sent) in enumerate(zip(parts, upload.part_sha256, strict=False), 1) if got != sent]
    if damaged or len(parts) != len(upload.part_sha256):
        log.info("upload %s: parts %s differ from the client's digests", upload.pk, damaged)
        return uploads.reject(upload, "parts_damaged", {"parts": ", ".join(damaged[:20]) or "?"})
    if upload.sha256 and whole != upload.sha256:
        return uploads.reject(upload, "checksum_mismatch")
    try:
        probe = uploads.probe_stored(key=upload.key, size=upload.size)
    except ffmpeg.FFmpegError as exc:
        log.info("upload %s rejected: %s", upload.pk, exc.stderr_tail)
        return uploads.reject(upload, exc.code, exc.params)
    try:
        return uploads.cut_register_upload(upload=upload, probe=probe, sha256=whole)
    except ActionRefused as exc:
        log.info("upload %s refused: %s", upload.pk, exc.message)
        return uploads.reject(upload, *uploads.refusal_reason(upload))
