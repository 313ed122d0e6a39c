"""Storage failures as :class:`StorageError`: a message the user can act on (in the UI language) plus
the detail for the log. ``s3_errors`` and ``local_errors`` translate what boto3 and the file system
raise; nothing else here lets their exceptions out."""

import contextlib
import logging

from django.core.exceptions import SuspiciousFileOperation
from django.utils.translation import gettext as _

log = logging.getLogger("media.storage")


class StorageError(Exception):
    """Storage refused or failed. ``message`` is for the user (translated, actionable);
    ``detail`` is for the log (the storage's own error, the key, the operation)."""

    def __init__(self, message, *, detail: str = ""):
        super().__init__(str(message))
        self.message = message
        self.detail = detail

    def __str__(self) -> str:
        return str(self.message)


class OffsetMismatch(StorageError):
    """A chunk arrived for the wrong offset. ``current_offset`` is where the client must resume."""

    def __init__(self, *, key: str, offset: int, current_offset: int):
        super().__init__(
            _("The server has %(current)d bytes of this upload, not %(offset)d. Resume from byte %(current)d.")
            % {"current": current_offset, "offset": offset},
            detail=f"local_append {key!r}: offset {offset} != current size {current_offset}",
        )
        self.current_offset = current_offset



def _s3_message(code: str, status):
    if code in {"NoSuchUpload"}:
        return _("This upload is no longer open on the storage server (it was completed or cancelled). Start the upload again.")
    if code in {"InvalidPart", "InvalidPartOrder", "EntityTooSmall"}:
        return _("Some parts of the upload are missing or damaged. Resume the upload to send them again.")
    if code in {"NoSuchKey", "404", "NotFound"} or status == 404:
        return _("The file is not in storage (it may have been deleted).")
    if code == "PreconditionFailed" or status == 412:
        return _("The file changed while it was being read. Try again.")
    if code in {"NoSuchBucket", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"} or status == 403:
        return _("The server cannot use its file storage (bucket or credentials are wrong). Tell the administrator.")
    return _("The file storage refused the request. Try again; if it keeps happening, tell the administrator.")


def unreachable():
    return _("The file storage cannot be reached right now. Try again in a few minutes; if it keeps happening, tell the administrator.")


def code_of(exc) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def status_of(exc) -> int | None:
    return exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")


def upload_gone(exc) -> bool:
    # Ceph RGW answers NoSuchKey (not NoSuchUpload) for parts of an upload that was aborted.
    return code_of(exc) in {"NoSuchUpload", "NoSuchKey"} or status_of(exc) == 404


@contextlib.contextmanager
def s3_errors(action: str, key: str = "", *, upload_id: str | None = None):
    from boto3.exceptions import Boto3Error
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except (ClientError, Boto3Error) as exc:
        # boto3's transfers (upload_file, download_file) wrap the server's ClientError in an
        # S3UploadFailedError and the like: the server's answer is the cause.
        refusal = exc if isinstance(exc, ClientError) else exc.__cause__
        if not isinstance(refusal, ClientError):
            detail = f"S3 {action} {key!r}: {type(exc).__name__}: {exc}"
            log.warning("%s", detail)
            raise StorageError(unreachable(), detail=detail) from exc
        code = "NoSuchUpload" if upload_id is not None and upload_gone(refusal) else code_of(refusal)
        message = refusal.response.get("Error", {}).get("Message") or refusal
        detail = f"S3 {action} {key!r}{f' upload {upload_id}' if upload_id else ''}: {code_of(refusal)} (HTTP {status_of(refusal)}): {message}"
        log.warning("%s", detail)
        raise StorageError(_s3_message(code, status_of(refusal)), detail=detail) from exc
    except BotoCoreError as exc:
        detail = f"S3 {action} {key!r}: {type(exc).__name__}: {exc}"
        log.warning("%s", detail)
        raise StorageError(unreachable(), detail=detail) from exc


@contextlib.contextmanager
def local_errors(action: str, key: str = ""):
    try:
        yield
    except StorageError:
        raise
    except FileNotFoundError as exc:
        raise StorageError(_("The file is not in storage (it may have been deleted)."), detail=f"{action} {key!r}: {exc}") from exc
    except (SuspiciousFileOperation, NotImplementedError) as exc:
        raise StorageError(_("This file name cannot be stored."), detail=f"{action} {key!r}: {exc!r}") from exc
    except OSError as exc:
        detail = f"{action} {key!r}: {exc!r}"
        log.warning("%s", detail)
        if exc.errno == 28:  # ENOSPC
            raise StorageError(_("The server has no room left for this file. Tell the administrator."), detail=detail) from exc
        raise StorageError(_("The server could not write or read this file. Try again; if it keeps happening, tell the administrator."), detail=detail) from exc

