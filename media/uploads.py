"""What both upload protocols share: opening an upload, probing the stored file, turning a
verified upload into a cut (or refusing it with a reason code), and dropping abandoned uploads.
The protocols themselves: :mod:`media.uploads_local` (chunks through our server into local files)
and :mod:`media.uploads_direct` (parts straight from the browser to the S3 bucket)."""

import logging
import re

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from media import claims, ffmpeg, storage
from media.models import Cut, Upload
from projects import rules
from projects import services as project_services
from projects.models import Deliverable, State
from studio.errors import ActionRefused, Conflict, Invalid

log = logging.getLogger("media.services")
SHA256 = re.compile(r"^[0-9a-f]{64}$")


class StorageUnavailable(ActionRefused):
    """The object storage failed or is unreachable: nothing changed, try again later."""

    status_code = 503


def storage_call(function, **kwargs):
    try:
        return function(**kwargs)
    except storage.StorageError as exc:
        log.warning("storage: %s", exc.detail)
        raise StorageUnavailable(exc.message) from exc


def check_can_upload(project, user):
    """Cuts are versions of the deliverable "cut": the same rule as writing any version."""
    rules.check_can_write(project, user, Deliverable.Kind.CUT)


@transaction.atomic
def upload_start(*, project, user, filename: str, size: int, sha256: str, note: str = "") -> Upload:
    """Open a resumable upload of a cut. ``size`` and ``sha256`` are what the client declares;
    the file is checked against both before it becomes a cut. With S3 configured this opens a
    multipart upload the client sends parts to directly (:func:`media.uploads_direct.upload_direct_part_urls`)."""
    check_can_upload(project, user)
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
        upload.s3_upload_id = storage_call(
            storage.multipart_start, key=upload.key, content_type=storage.content_type_for(name)
        )
    upload.save(force_insert=True)
    return upload


def probe_stored(*, key: str, size: int):
    """ffprobe a stored original where it lies: a local path, or a presigned URL (the few header
    bytes the MP4 checks need come with ranged reads)."""

    def read_range(first: int, last: int) -> bytes:
        with storage.open_stream(key=key, first_byte=first, last_byte=min(last, size - 1)) as stream:
            return stream.read()

    return ffmpeg.probe(storage.ffmpeg_input(key=key), size=size, read_range=read_range)


def refusal_reason(upload: Upload) -> tuple[str, dict]:
    """Why ``cut_register_upload`` refused an upload that arrived whole (the project moved on
    while the bytes travelled), as a reason code and its parameters."""
    project = upload.project
    project.refresh_from_db()
    if project.state != State.PRODUCTION:
        return "not_in_production", {"state": project.state}
    latest = project.deliverables.filter(kind=Deliverable.Kind.CUT).order_by("-version").first()
    if latest and latest.status == Deliverable.Status.SUBMITTED:
        return "under_review", {"v": latest.version}
    return "not_allowed", {}


def reject(upload: Upload, code: str, params: dict | None = None) -> None:
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


@transaction.atomic
def cut_register_upload(*, upload: Upload, probe, sha256: str = "") -> Cut:
    project = upload.project
    # Re-check under the transaction: the project may have moved on while the bytes travelled.
    project.refresh_from_db()
    check_can_upload(project, upload.user)
    latest = project.deliverables.filter(kind=Deliverable.Kind.CUT).order_by("-version").first()
    deliverable = project_services.deliverable_save(
        project=project, user=upload.user, kind=Deliverable.Kind.CUT, base_version=latest.version if latest else 0,
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
    transaction.on_commit(lambda: claims.cut_enqueue(cut.pk))
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
