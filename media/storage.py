"""The one wrapper between Reelwork and object storage.

Everything that stores, reads, hashes or presigns a file goes through here: Django's storage API for
ordinary reads and writes, a boto3 client for what the storage API cannot do (multipart uploads,
presigned URLs, ranged and resumable reads). Failures surface as :class:`StorageError`: a message the
user can act on (in the UI language) plus the detail for the log. Tests patch *this* module where
they must, never boto3.

Two modes, chosen by settings:

* **Local** (the embedded default): files live under the default ``FileSystemStorage`` location
  (``var/storage/``). Browsers upload cuts in chunks through our own views: ``local_append`` writes
  each chunk at its offset into ``uploads/<upload_uuid>/data``; ``local_finalize`` moves the checked
  file to its final key in one rename.
* **S3** (``settings.REELWORK_S3`` set): any S3 API (AWS, MinIO, Ceph RGW). Browsers upload cuts
  straight to the bucket with presigned multipart part URLs; the server never sees the bytes.
  A multipart upload targets the final key directly: S3 shows nothing under that key until
  ``multipart_complete``, so a half-uploaded cut is never visible.

``settings.REELWORK_S3`` (absent or empty = local mode)::

    {"endpoint_url": "http://127.0.0.1:7480", "bucket": "reelwork",
     "access_key": "...", "secret_key": "...", "region": "us-east-1",
     "addressing_style": "path",            # "path" | "virtual" | "auto"
     "public_endpoint_url": ""}             # optional: where *browsers* reach S3, if not endpoint_url

Key layout (stable: keys are stored in the database; never change what an existing key means)::

    cuts/<project_id>/v<version>/original/<safe-name>   the file as uploaded (local mode); never overwritten
    cuts/<project_id>/originals/<upload_uuid>/<safe-name>
                                                         the file as uploaded (S3 mode): the browser
                                                         writes it in place before its version
                                                         number exists; never overwritten
    cuts/<project_id>/v<version>/proxy.mp4               browser proxy (H.264/AAC, fast-start)
    cuts/<project_id>/v<version>/poster.jpg              poster frame
    cuts/<project_id>/v<version>/sprite.jpg              thumbnail sprite for scrubbing
    cuts/<project_id>/v<version>/thumbs.vtt              WebVTT index into the sprite
    cuts/<project_id>/v<version>/hls/<file>              HLS playlist and segments for showings
    uploads/<upload_uuid>/data                           a local resumable upload in progress

Build keys with :func:`cut_key` and :func:`original_key` (the original), :func:`rendition_key` and
:func:`upload_key`;
user-supplied file names only ever enter a key through :func:`safe_name`.

Memory stays flat whatever the file size: every read, write, hash and copy streams in ``IO_CHUNK``
pieces. Clients send files in ``CHUNK_SIZE`` pieces: local chunks and S3 parts alike.
"""

import contextlib
import fcntl
import functools
import hashlib
import io
import logging
import mimetypes
import os
import shutil
import tempfile
import unicodedata
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation
from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)

# The unit of every read, write, hash and copy here.
IO_CHUNK = 1024 * 1024
# What a client sends per request: one local chunk or one S3 part. S3 wants parts of at least
# 5 MiB (but the last) and at most 10,000 of them: 8 MiB covers files up to 80 GB, and
# multipart_part_size() grows it for bigger ones.
CHUNK_SIZE = 8 * 1024 * 1024
MAX_PARTS = 10_000
# SigV4 presigned URLs live at most 7 days.
MAX_PRESIGN_SECONDS = 7 * 24 * 3600
SAFE_NAME_MAX_BYTES = 150
_REQUIRED = ("endpoint_url", "bucket", "access_key", "secret_key", "region", "addressing_style")
_READ_RETRIES = 3


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


# ---------------------------------------------------------------------------------------------
# Keys and names


def safe_name(filename: str, *, max_bytes: int = SAFE_NAME_MAX_BYTES) -> str:
    """A file name that is safe as the last part of a key and on any file system.

    Keeps non-ASCII (「第二版 样片.mp4」 stays as it is), drops any directory part (``../../etc/passwd``
    becomes ``passwd``; Windows browsers may send ``C:\\\\fakepath\\\\x.mp4``), control and invisible
    format characters (e.g. right-to-left overrides that disguise an extension), characters Windows
    forbids, leading dots (hidden files, ``..``), and limits the UTF-8 length to ``max_bytes`` while
    keeping the extension. Never returns an empty string.
    """
    name = unicodedata.normalize("NFC", str(filename))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = []
    for ch in name:
        category = unicodedata.category(ch)
        if category.startswith("C"):  # Cc control, Cf format (RLO, ZWSP), Cs, Co, Cn
            continue
        if category.startswith("Z"):  # any space (incl. U+3000 ideographic space) → one plain space
            cleaned.append(" ")
        elif ch in '<>:"|?*':
            cleaned.append("_")
        else:
            cleaned.append(ch)
    name = " ".join("".join(cleaned).split())
    name = name.lstrip(". ").rstrip(" ")
    if not name:
        return "file"
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext.encode()) > 16:
        stem, ext = name, ""
    ext = "." + ext if ext else ""
    budget = max_bytes - len(ext.encode())
    if len(stem.encode()) > budget:
        # Cut on a character boundary, never in the middle of a multi-byte character.
        stem = stem.encode()[:budget].decode("utf-8", "ignore").rstrip(" .")
    return (stem or "file") + ext


def _positive(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{what} must be a positive integer, not {value!r}")
    return value


def cut_prefix(project_id: int, version: int) -> str:
    return f"cuts/{_positive(project_id, 'project_id')}/v{_positive(version, 'version')}/"


def cut_key(project_id: int, version: int, name: str) -> str:
    """Key of a cut's original, from the user's file name:
    ``cuts/<project_id>/v<version>/original/<safe-name>``."""
    return cut_prefix(project_id, version) + "original/" + safe_name(name)


def original_key(project_id: int, upload_id, name: str) -> str:
    """Key of an original uploaded straight to the bucket:
    ``cuts/<project_id>/originals/<upload_uuid>/<safe-name>``. The multipart upload writes it in
    place; the version number is only known once the verified file is registered."""
    return f"cuts/{_positive(project_id, 'project_id')}/originals/{uuid.UUID(str(upload_id))}/{safe_name(name)}"


def rendition_key(project_id: int, version: int, name: str) -> str:
    """Key of a file made from a cut: ``name`` is e.g. ``proxy.mp4``, ``poster.jpg``, ``sprite.jpg``,
    ``thumbs.vtt`` or ``hls/index.m3u8``. For names the code chooses: every part must already be
    safe, and ``original/`` belongs to :func:`cut_key`."""
    parts = name.split("/")
    if not name or parts[0] == "original" or any(part != safe_name(part) for part in parts):
        raise ValueError(f"unsafe rendition name {name!r}")
    return cut_prefix(project_id, version) + name


def upload_key(upload_id, name: str = "data") -> str:
    """Key of a local upload in progress: ``uploads/<upload_uuid>/data``."""
    return f"uploads/{uuid.UUID(str(upload_id))}/{safe_name(name)}"


def _check_key(key: str) -> str:
    if not isinstance(key, str) or not key or key.startswith("/") or "\\" in key or "\x00" in key:
        raise StorageError(_("This file name cannot be stored."), detail=f"invalid key {key!r}")
    if any(part in ("", ".", "..") for part in key.split("/")) or len(key.encode()) > 1024:
        raise StorageError(_("This file name cannot be stored."), detail=f"invalid key {key!r}")
    return key


# ---------------------------------------------------------------------------------------------
# Configuration and clients


def _s3_config() -> dict | None:
    """``settings.REELWORK_S3`` checked, or None when S3 is not configured. Fails loudly when it is
    half-configured: silently falling back to local files would lose uploads on a multi-machine site."""
    cfg = getattr(settings, "REELWORK_S3", None)
    if not cfg:
        return None
    if not isinstance(cfg, dict):
        raise ImproperlyConfigured("REELWORK_S3 must be a dict (or empty to use local files).")
    missing = [name for name in _REQUIRED if not cfg.get(name)]
    if missing:
        raise ImproperlyConfigured(f"REELWORK_S3 is missing {', '.join(missing)}.")
    if cfg["addressing_style"] not in {"path", "virtual", "auto"}:
        raise ImproperlyConfigured("REELWORK_S3 addressing_style must be 'path', 'virtual' or 'auto'.")
    return cfg


def s3_enabled() -> bool:
    """True when ``settings.REELWORK_S3`` configures an S3 bucket; False means local files."""
    return _s3_config() is not None


def _frozen(cfg: dict) -> tuple:
    return tuple(sorted((k, str(v)) for k, v in cfg.items()))


def _require_s3() -> dict:
    cfg = _s3_config()
    if cfg is None:
        raise StorageError(
            _("This operation needs the object storage, which is not configured. Tell the administrator."),
            detail="S3 operation called but settings.REELWORK_S3 is not set",
        )
    return cfg


def _botocore_config(frozen: tuple):
    from botocore.config import Config

    cfg = dict(frozen)
    return Config(
        signature_version="s3v4",
        region_name=cfg["region"],
        s3={"addressing_style": cfg["addressing_style"]},
        connect_timeout=5,
        read_timeout=60,
        retries={"mode": "standard", "max_attempts": 4},
        max_pool_connections=20,
        # boto3 >= 1.36 adds CRC checksums to uploads by default; S3-compatible servers differ in
        # what they accept, and browsers PUTting to presigned URLs cannot send them. Our end-to-end
        # integrity check is the SHA-256 of the whole file.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )


@functools.lru_cache(maxsize=8)
def _client_for(frozen: tuple, endpoint_url: str):
    import boto3.session

    cfg = dict(frozen)
    # A session per client: sessions are not thread-safe, clients are.
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint_url,
        aws_access_key_id=cfg["access_key"],
        aws_secret_access_key=cfg["secret_key"],
        region_name=cfg["region"],
        config=_botocore_config(frozen),
    )


def client():
    """The boto3 S3 client for ``settings.REELWORK_S3`` (cached; thread-safe)."""
    cfg = _require_s3()
    return _client_for(_frozen(cfg), cfg["endpoint_url"])


def _presigner():
    # SigV4 signs the Host header: URLs for browsers must be signed for the host browsers use.
    cfg = _require_s3()
    return _client_for(_frozen(cfg), cfg.get("public_endpoint_url") or cfg["endpoint_url"])


@functools.lru_cache(maxsize=8)
def _s3_storage_for(frozen: tuple) -> Storage:
    from storages.backends.s3 import S3Storage

    cfg = dict(frozen)
    return S3Storage(
        bucket_name=cfg["bucket"],
        endpoint_url=cfg["endpoint_url"],
        access_key=cfg["access_key"],
        secret_key=cfg["secret_key"],
        region_name=cfg["region"],
        addressing_style=cfg["addressing_style"],
        signature_version="s3v4",
        client_config=_botocore_config(frozen),
        default_acl=None,
        file_overwrite=False,
        querystring_auth=True,
    )


def storage() -> Storage:
    """The Django storage holding Reelwork's files: the S3 bucket when configured, else the default
    storage (local files)."""
    cfg = _s3_config()
    return _s3_storage_for(_frozen(cfg)) if cfg else default_storage


# ---------------------------------------------------------------------------------------------
# Errors


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


def _unreachable():
    return _("The file storage cannot be reached right now. Try again in a few minutes; if it keeps happening, tell the administrator.")


def _code(exc) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _status(exc) -> int | None:
    return exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")


def _upload_gone(exc) -> bool:
    # Ceph RGW answers NoSuchKey (not NoSuchUpload) for parts of an upload that was aborted.
    return _code(exc) in {"NoSuchUpload", "NoSuchKey"} or _status(exc) == 404


@contextlib.contextmanager
def _s3_errors(action: str, key: str = "", *, upload_id: str | None = None):
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
            raise StorageError(_unreachable(), detail=detail) from exc
        code = "NoSuchUpload" if upload_id is not None and _upload_gone(refusal) else _code(refusal)
        message = refusal.response.get("Error", {}).get("Message") or refusal
        detail = f"S3 {action} {key!r}{f' upload {upload_id}' if upload_id else ''}: {_code(refusal)} (HTTP {_status(refusal)}): {message}"
        log.warning("%s", detail)
        raise StorageError(_s3_message(code, _status(refusal)), detail=detail) from exc
    except BotoCoreError as exc:
        detail = f"S3 {action} {key!r}: {type(exc).__name__}: {exc}"
        log.warning("%s", detail)
        raise StorageError(_unreachable(), detail=detail) from exc


@contextlib.contextmanager
def _local_errors(action: str, key: str = ""):
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


# ---------------------------------------------------------------------------------------------
# Multipart uploads (S3 only): the browser PUTs each part to a presigned URL.


def multipart_part_size(*, size: int) -> int:
    """The part size for a file of ``size`` bytes: ``CHUNK_SIZE``, or more (whole MiB) when the file
    would otherwise need more than 10,000 parts."""
    needed = -(-size // MAX_PARTS)
    return max(CHUNK_SIZE, -(-needed // IO_CHUNK) * IO_CHUNK)


def multipart_start(*, key: str, content_type: str) -> str:
    """Open a multipart upload whose object will appear at ``key`` on completion; returns its id."""
    cfg = _require_s3()
    with _s3_errors("create_multipart_upload", key):
        response = client().create_multipart_upload(
            Bucket=cfg["bucket"], Key=_check_key(key), ContentType=content_type or "application/octet-stream"
        )
    return response["UploadId"]


def _expires(expires: int) -> int:
    if isinstance(expires, bool) or not isinstance(expires, int) or not 1 <= expires <= MAX_PRESIGN_SECONDS:
        raise ValueError(f"expires must be 1..{MAX_PRESIGN_SECONDS} seconds, not {expires!r}")
    return expires


def multipart_part_url(*, key: str, upload_id: str, part_number: int, expires: int = 3600) -> str:
    """A presigned URL the browser PUTs part ``part_number`` (1..10000) to. Only that part of that
    upload: the signature covers the key, the upload id and the part number."""
    cfg = _require_s3()
    if isinstance(part_number, bool) or not isinstance(part_number, int) or not 1 <= part_number <= MAX_PARTS:
        raise ValueError(f"part_number must be 1..{MAX_PARTS}, not {part_number!r}")
    return _presigner().generate_presigned_url(
        "upload_part",
        Params={"Bucket": cfg["bucket"], "Key": _check_key(key), "UploadId": upload_id, "PartNumber": part_number},
        ExpiresIn=_expires(expires),
        HttpMethod="PUT",
    )


def multipart_put_file_part(*, key: str, upload_id: str, part_number: int, path, offset: int, length: int) -> str:
    """Send bytes ``offset`` .. ``offset + length`` of the local file ``path`` as one part, from
    this process (``upload_cut`` on the command line), streamed from the disk; returns the part's
    SHA-256. Browsers PUT to :func:`multipart_part_url` instead."""
    cfg = _require_s3()
    with _FileSlice(path, offset, length) as body:
        digest = _hash_stream(body)
        body.seek(0)
        with _s3_errors("upload_part", key, upload_id=upload_id):
            client().upload_part(
                Bucket=cfg["bucket"], Key=_check_key(key), UploadId=upload_id, PartNumber=part_number,
                Body=body, ContentLength=length,
            )
    return digest


def multipart_parts(*, key: str, upload_id: str) -> list[dict]:
    """The parts the server already holds, in order: ``[{"PartNumber", "ETag", "Size"}]``. A resuming
    client sends only the parts missing here (or whose size is short)."""
    cfg = _require_s3()
    parts = []
    with _s3_errors("list_parts", key, upload_id=upload_id):
        pages = client().get_paginator("list_parts").paginate(Bucket=cfg["bucket"], Key=_check_key(key), UploadId=upload_id)
        for page in pages:
            for part in page.get("Parts", []):
                parts.append({"PartNumber": part["PartNumber"], "ETag": part["ETag"].strip('"'), "Size": part["Size"]})
    return sorted(parts, key=lambda p: p["PartNumber"])


def multipart_complete(*, key: str, upload_id: str, parts: Iterable[dict]) -> None:
    """Assemble the parts (each ``{"PartNumber", "ETag"}``; extra keys ignored) into the object at
    ``key``. Passing ``multipart_parts(...)`` is fine: the checksum of the whole file is verified
    afterwards anyway."""
    cfg = _require_s3()
    listed = sorted(({"PartNumber": int(p["PartNumber"]), "ETag": str(p["ETag"])} for p in parts), key=lambda p: p["PartNumber"])
    if not listed:
        raise StorageError(_("Nothing was uploaded yet. Resume the upload."), detail=f"complete {key!r}: no parts")
    with _s3_errors("complete_multipart_upload", key, upload_id=upload_id):
        client().complete_multipart_upload(
            Bucket=cfg["bucket"], Key=_check_key(key), UploadId=upload_id, MultipartUpload={"Parts": listed}
        )


def multipart_abort(*, key: str, upload_id: str) -> None:
    """Cancel the upload and free its parts. Safe to call twice."""
    from botocore.exceptions import ClientError

    cfg = _require_s3()
    with _s3_errors("abort_multipart_upload", key, upload_id=upload_id):
        try:
            client().abort_multipart_upload(Bucket=cfg["bucket"], Key=_check_key(key), UploadId=upload_id)
        except ClientError as exc:
            if not _upload_gone(exc):
                raise


# ---------------------------------------------------------------------------------------------
# Objects, in either mode


def head(*, key: str) -> dict | None:
    """``{"size": int, "etag": str}`` of the stored object, or None when there is none."""
    from botocore.exceptions import ClientError

    _check_key(key)
    cfg = _s3_config()
    if cfg is None:
        with _local_errors("head", key):
            try:
                st = os.stat(_local_path(key))
            except FileNotFoundError:
                return None
        return {"size": st.st_size, "etag": f"{st.st_size:x}-{st.st_mtime_ns:x}"}
    with _s3_errors("head_object", key):
        try:
            response = client().head_object(Bucket=cfg["bucket"], Key=key)
        except ClientError as exc:
            if _status(exc) == 404:
                return None
            raise
    return {"size": response["ContentLength"], "etag": response["ETag"].strip('"')}


def save(*, key: str, content, overwrite: bool = False) -> None:
    """Store ``content`` (bytes or a binary file object, read in chunks) at exactly ``key``.
    Refuses to replace an existing file unless ``overwrite`` (for renditions we regenerate;
    originals are never overwritten)."""
    _check_key(key)
    target = storage()
    errors = _s3_errors("save", key) if s3_enabled() else _local_errors("save", key)
    with errors:
        if target.exists(key):
            if not overwrite:
                raise StorageError(
                    _("A file is already stored under this name; it is never overwritten."),
                    detail=f"save {key!r}: exists",
                )
            target.delete(key)
        body = File(io.BytesIO(content)) if isinstance(content, bytes | bytearray) else File(content)
        name = target.save(key, body)
    if name != key:  # someone else wrote the key between our check and our write
        target.delete(name)
        raise StorageError(_("A file is already stored under this name; it is never overwritten."), detail=f"save {key!r}: raced, got {name!r}")


_CONTENT_TYPES = {".vtt": "text/vtt", ".m3u8": "application/vnd.apple.mpegurl", ".ts": "video/mp2t", ".m4s": "video/iso.segment"}


def content_type_for(key: str) -> str:
    suffix = os.path.splitext(key)[1].lower()
    return _CONTENT_TYPES.get(suffix) or mimetypes.guess_type(key)[0] or "application/octet-stream"


def put_file(*, key: str, path, content_type: str | None = None) -> None:
    """Store the local file ``path`` (e.g. a rendition ffmpeg just wrote) at ``key``, replacing what
    is there: processing a cut again regenerates its renditions. Readers see the old file or the
    new one, never a half-written one. Not for originals (see ``local_finalize``/multipart)."""
    _check_key(key)
    path = os.fspath(path)
    cfg = _s3_config()
    if cfg is not None:
        from boto3.s3.transfer import TransferConfig

        with _s3_errors("upload_file", key):
            client().upload_file(
                Filename=path, Bucket=cfg["bucket"], Key=key,
                ExtraArgs={"ContentType": content_type or content_type_for(key)},
                Config=TransferConfig(multipart_threshold=CHUNK_SIZE, multipart_chunksize=CHUNK_SIZE, max_concurrency=4),
            )
        return
    with _local_errors("put_file", key):
        dst = _local_path(key)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(dst), prefix=".put-")
        try:
            with os.fdopen(fd, "wb") as out, open(path, "rb") as src:
                shutil.copyfileobj(src, out, IO_CHUNK)
            os.chmod(tmp, 0o644)
            os.replace(tmp, dst)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise


def delete(*, key: str) -> None:
    """Delete the object; deleting what is not there is not an error."""
    _check_key(key)
    errors = _s3_errors("delete", key) if s3_enabled() else _local_errors("delete", key)
    with errors:
        storage().delete(key)


class _S3Reader(io.RawIOBase):
    """A file-like read of one S3 object (or a byte range of it) that survives dropped connections:
    it reopens with a ``Range`` from where it stopped and ``If-Match`` on the first ETag, so a
    replaced object is an error, never a silent mix of two files."""

    def __init__(self, key: str, first_byte: int, last_byte: int | None):
        self.key, self.pos, self.last = key, first_byte, last_byte
        self.etag = None
        self.body = None
        self.failures = 0
        self._open()

    def _open(self):
        cfg = _require_s3()
        params = {"Bucket": cfg["bucket"], "Key": self.key}
        if self.pos or self.last is not None:
            params["Range"] = f"bytes={self.pos}-{'' if self.last is None else self.last}"
        if self.etag:
            params["IfMatch"] = self.etag
        with _s3_errors("get_object", self.key):
            response = client().get_object(**params)
        self.etag = self.etag or response["ETag"]
        self.body = response["Body"]

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        from botocore.exceptions import BotoCoreError
        from urllib3.exceptions import HTTPError

        if self.last is not None and self.pos > self.last:
            return 0
        while True:
            try:
                data = self.body.read(len(buffer))
                break
            except (BotoCoreError, HTTPError, OSError) as exc:
                self.failures += 1
                log.info("S3 read of %r broke at byte %d (%r); reopening", self.key, self.pos, exc)
                with contextlib.suppress(Exception):
                    self.body.close()
                if self.failures > _READ_RETRIES:
                    raise StorageError(_unreachable(), detail=f"S3 read {self.key!r} at {self.pos}: {exc!r}") from exc
                self._open()
        buffer[: len(data)] = data
        self.pos += len(data)
        return len(data)

    def close(self):
        if self.body is not None:
            with contextlib.suppress(Exception):
                self.body.close()
        super().close()


class _FileSlice(io.RawIOBase):
    """Bytes ``offset`` .. ``offset + length`` of a local file as a seekable file of their own: a
    ranged read of a stored file, or a part going to S3 straight from the disk (never whole in
    memory)."""

    def __init__(self, path, offset: int, length: int):
        self.file = open(path, "rb")  # noqa: SIM115 (closed by close())
        self.offset, self.length, self.pos = offset, length, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def seek(self, pos: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.pos, io.SEEK_END: self.length}[whence]
        self.pos = min(max(base + pos, 0), self.length)
        return self.pos

    def readinto(self, buffer) -> int:
        want = min(len(buffer), self.length - self.pos)
        if want <= 0:
            return 0
        self.file.seek(self.offset + self.pos)
        n = self.file.readinto(memoryview(buffer)[:want])
        self.pos += n
        return n

    def close(self):
        self.file.close()
        super().close()


def open_stream(*, key: str, first_byte: int = 0, last_byte: int | None = None) -> io.RawIOBase:
    """A binary file object reading the object (or bytes ``first_byte``..``last_byte`` inclusive,
    like an HTTP Range) as it streams. Use it in a ``with`` block."""
    _check_key(key)
    if first_byte < 0 or (last_byte is not None and last_byte < first_byte):
        raise ValueError(f"bad byte range {first_byte}-{last_byte}")
    if s3_enabled():
        return _S3Reader(key, first_byte, last_byte)
    with _local_errors("open", key):
        path = _local_path(key)
        size = os.path.getsize(path)
        last = size - 1 if last_byte is None else min(last_byte, size - 1)
        return _FileSlice(path, first_byte, max(0, last - first_byte + 1))


def iter_chunks(*, key: str, chunk_size: int = IO_CHUNK) -> Iterator[bytes]:
    """The object's bytes in pieces of at most ``chunk_size`` (e.g. for a StreamingHttpResponse)."""
    with open_stream(key=key) as stream:
        while chunk := stream.read(chunk_size):
            yield chunk


def _hash_stream(stream) -> str:
    digest = hashlib.sha256()
    buffer = bytearray(IO_CHUNK)
    view = memoryview(buffer)
    while n := stream.readinto(buffer):
        digest.update(view[:n])
    return digest.hexdigest()


def sha256(*, key: str) -> str:
    """Hex SHA-256 of the stored object, streamed (memory flat whatever the size)."""
    if not s3_enabled():
        return local_sha256(key=key)
    with open_stream(key=key) as stream:
        return _hash_stream(stream)


def part_digests(*, key: str, part_size: int) -> tuple[list[str], str]:
    """Read the stored object once and return the SHA-256 of each ``part_size`` slice (the parts
    it was uploaded in) and of the whole file. Streamed: memory stays flat."""
    part_size = _positive(part_size, "part_size")
    whole = hashlib.sha256()
    parts: list[str] = []
    current, filled = hashlib.sha256(), 0
    buffer = bytearray(IO_CHUNK)
    view = memoryview(buffer)
    with open_stream(key=key) as stream:
        while n := stream.readinto(buffer):
            whole.update(view[:n])
            start = 0
            while start < n:
                take = min(n - start, part_size - filled)
                current.update(view[start : start + take])
                filled += take
                start += take
                if filled == part_size:
                    parts.append(current.hexdigest())
                    current, filled = hashlib.sha256(), 0
    if filled:
        parts.append(current.hexdigest())
    return parts, whole.hexdigest()


def download_to(*, key: str, path) -> int:
    """Copy the object to the local file ``path`` (e.g. for ffmpeg), streamed; returns its size.
    ``path`` appears complete or not at all."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".download-")
    try:
        with os.fdopen(fd, "wb") as out, open_stream(key=key) as stream:
            buffer = bytearray(IO_CHUNK)
            view = memoryview(buffer)
            size = 0
            while n := stream.readinto(buffer):
                with _local_errors("download_to", key):
                    out.write(view[:n])
                size += n
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return size


def presigned_get(*, key: str, expires: int = 3600) -> str:
    """A URL that GETs the object (with Range support) without credentials until ``expires``
    seconds from now. S3 only. ffmpeg and browsers read it directly."""
    cfg = _require_s3()
    return _presigner().generate_presigned_url(
        "get_object", Params={"Bucket": cfg["bucket"], "Key": _check_key(key)}, ExpiresIn=_expires(expires)
    )


def ffmpeg_input(*, key: str, expires: int = 6 * 3600) -> str:
    """What to give ``ffmpeg -i``: the local path, or a presigned URL ffmpeg reads over HTTP
    (seeking with Range requests) so a many-GB original is never copied first."""
    if s3_enabled():
        cfg = _require_s3()
        # ffmpeg runs on our side: sign for the internal endpoint, not the browsers' one.
        return client().generate_presigned_url(
            "get_object", Params={"Bucket": cfg["bucket"], "Key": _check_key(key)}, ExpiresIn=_expires(expires)
        )
    with _local_errors("ffmpeg_input", key):
        return _local_path(_check_key(key))


def ensure_bucket(*, cors_origins: Iterable[str] = (), abandon_after_days: int | None = 7) -> bool:
    """Create the bucket when missing and allow browsers on ``cors_origins`` to PUT parts and GET
    files (exposing the ETag header a multipart client needs). For deployment (``manage.py
    setup_storage``) and tests. With ``abandon_after_days``, a lifecycle rule lets the server drop
    the parts of multipart uploads nobody finished; returns False when the server refused that
    rule (``manage.py cleanup_uploads`` does the same job from our side)."""
    from botocore.exceptions import ClientError

    cfg = _require_s3()
    s3 = client()
    with _s3_errors("create_bucket", cfg["bucket"]):
        try:
            s3.head_bucket(Bucket=cfg["bucket"])
        except ClientError as exc:
            if _status(exc) != 404:
                raise
            s3.create_bucket(Bucket=cfg["bucket"])
        origins = list(cors_origins)
        if origins:
            s3.put_bucket_cors(
                Bucket=cfg["bucket"],
                CORSConfiguration={
                    "CORSRules": [
                        {
                            "AllowedOrigins": origins,
                            "AllowedMethods": ["GET", "HEAD", "PUT"],
                            "AllowedHeaders": ["*"],
                            "ExposeHeaders": ["ETag", "Content-Length", "Content-Range"],
                            "MaxAgeSeconds": 3600,
                        }
                    ]
                },
            )
    if not abandon_after_days:
        return True
    try:
        with _s3_errors("put_bucket_lifecycle_configuration", cfg["bucket"]):
            s3.put_bucket_lifecycle_configuration(
                Bucket=cfg["bucket"],
                LifecycleConfiguration={"Rules": [{
                    "ID": "reelwork-abandoned-uploads", "Status": "Enabled", "Filter": {"Prefix": ""},
                    "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": _positive(abandon_after_days, "days")},
                }]},
            )
    except StorageError as exc:
        log.warning("the S3 server refused the lifecycle rule for abandoned uploads: %s", exc.detail)
        return False
    return True


# ---------------------------------------------------------------------------------------------
# Local resumable uploads (no S3): chunks appended at exact offsets, then one atomic rename.


def _local_path(key: str) -> str:
    target = default_storage
    try:
        return target.path(key)
    except NotImplementedError as exc:
        raise StorageError(
            _("Uploads to this server's storage are not possible. Tell the administrator."),
            detail=f"default storage {type(target).__name__} has no local path (local_* needs FileSystemStorage)",
        ) from exc
    except SuspiciousFileOperation as exc:
        raise StorageError(_("This file name cannot be stored."), detail=f"{key!r}: {exc}") from exc


def local_path(*, key: str) -> Path:
    """The file behind ``key`` in local storage (for ffmpeg, or to serve it). Local mode only: with S3
    use ``ffmpeg_input``, ``download_to`` or ``presigned_get``."""
    return Path(_local_path(_check_key(key)))


def _open_locked(path: str, key: str, flags: int) -> int:
    """Open ``path`` holding an exclusive lock (released by closing the fd): one writer per upload,
    and no truncate or rename in the middle of an append."""
    fd = os.open(path, flags | os.O_CLOEXEC, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise StorageError(
            _("Another connection is still sending this upload. Wait a minute, then resume."),
            detail=f"{key!r} is locked by another request",
        ) from None
    return fd


@contextlib.contextmanager
def _locked(path: str, key: str, flags: int):
    fd = _open_locked(path, key, flags)
    try:
        yield fd
    finally:
        os.close(fd)


def local_append(*, key: str, offset: int, chunk_iter: Iterable[bytes], max_size: int | None = None) -> int:
    """Append the bytes of ``chunk_iter`` to the partial file ``key``, starting at exactly ``offset``;
    returns the new size. Refuses (:class:`OffsetMismatch`, with the offset to resume from) unless
    ``offset`` is the current size, so a retried or reordered chunk can never corrupt the file.
    If ``chunk_iter`` breaks off (the client disconnected), the bytes written so far are kept and
    ``local_size`` tells the client where to resume. ``max_size`` (the declared size) is a hard cap."""
    _check_key(key)
    with _local_errors("local_append", key):
        path = _local_path(key)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd = _open_locked(path, key, os.O_WRONLY | os.O_CREAT)
    try:
        size = os.fstat(fd).st_size
        if offset != size:
            raise OffsetMismatch(key=key, offset=offset, current_offset=size)
        os.lseek(fd, size, os.SEEK_SET)
        # Whatever the caller's iterator raises (the client went away) passes through unchanged;
        # only our own writes become StorageErrors.
        for chunk in chunk_iter:
            view = memoryview(chunk)
            if max_size is not None and size + len(view) > max_size:
                view = view[: max(0, max_size - size)]
                with _local_errors("local_append", key):
                    size += _write_all(fd, view)
                raise StorageError(
                    _("The file is larger than the size declared when the upload started. Start the upload again."),
                    detail=f"local_append {key!r}: more than max_size={max_size} bytes",
                )
            with _local_errors("local_append", key):
                size += _write_all(fd, view)
    finally:
        os.close(fd)
    return size


def _write_all(fd: int, view: memoryview) -> int:
    written = 0
    while written < len(view):
        written += os.write(fd, view[written:])
    return written


def local_size(*, key: str) -> int:
    """Bytes received so far for the partial file ``key`` (0 when nothing arrived yet)."""
    _check_key(key)
    with _local_errors("local_size", key):
        try:
            return os.stat(_local_path(key)).st_size
        except FileNotFoundError:
            return 0


def local_truncate(*, key: str, size: int) -> None:
    """Cut the partial file ``key`` back to ``size`` bytes (drop a chunk that arrived damaged or
    incomplete, so the client resends it). Never grows the file."""
    _check_key(key)
    with _local_errors("local_truncate", key):
        path = _local_path(key)
        if not os.path.exists(path):
            return
        with _locked(path, key, os.O_WRONLY) as fd:
            if os.fstat(fd).st_size > size:
                os.ftruncate(fd, max(0, size))


def local_delete(*, key: str) -> None:
    """Remove the partial file ``key`` (a failed or cancelled upload) and its ``uploads/<uuid>/``
    folder when that is left empty. Removing what is not there is not an error."""
    _check_key(key)
    with _local_errors("local_delete", key):
        path = _local_path(key)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        with contextlib.suppress(OSError):
            os.rmdir(os.path.dirname(path))


def local_sha256(*, key: str) -> str:
    """Hex SHA-256 of the local file ``key``, read in chunks."""
    _check_key(key)
    with _local_errors("local_sha256", key), open(_local_path(key), "rb") as f:
        return _hash_stream(f)


def local_finalize(*, partial_key: str, final_key: str) -> None:
    """Move the finished upload ``partial_key`` to ``final_key`` in one step: before it the final key
    does not exist, after it the complete file does; never anything in between. Refuses to replace
    an existing file (originals are never overwritten) and to move an upload still being written."""
    _check_key(partial_key)
    _check_key(final_key)
    with _local_errors("local_finalize", final_key):
        src, dst = _local_path(partial_key), _local_path(final_key)
        with _locked(src, partial_key, os.O_RDONLY) as fd:
            os.fsync(fd)  # the data is on disk before the name says the file is complete
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            try:
                # link() fails if dst exists, unlike rename(): no check-then-act race.
                os.link(src, dst)
            except FileExistsError:
                raise StorageError(
                    _("A file is already stored under this name; it is never overwritten."),
                    detail=f"local_finalize: {final_key!r} exists",
                ) from None
            os.unlink(src)
        _fsync_dir(os.path.dirname(dst))
        with contextlib.suppress(OSError):
            os.rmdir(os.path.dirname(src))  # uploads/<uuid>/ when it is now empty


def _fsync_dir(directory: str) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
