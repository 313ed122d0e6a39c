"""Stored objects in either mode: look up, store, replace, delete, and hand to a reader that is not
us (a presigned URL for browsers, a path or URL for ffmpeg)."""

import contextlib
import io
import mimetypes
import os
import shutil
import tempfile

from django.core.files import File
from django.utils.translation import gettext as _

from media.storage.config import (
    IO_CHUNK,
    client,
    expires_seconds,
    local_file,
    presigner,
    require_s3,
    s3_config,
    s3_enabled,
    storage,
    upload_chunk_bytes,
)
from media.storage.errors import StorageError, local_errors, s3_errors, status_of
from media.storage.keys import check_key


def head(*, key: str) -> dict | None:
    """``{"size": int, "etag": str}`` of the stored object, or None when there is none."""
    from botocore.exceptions import ClientError

    check_key(key)
    cfg = s3_config()
    if cfg is None:
        with local_errors("head", key):
            try:
                st = os.stat(local_file(key))
            except FileNotFoundError:
                return None
        return {"size": st.st_size, "etag": f"{st.st_size:x}-{st.st_mtime_ns:x}"}
    with s3_errors("head_object", key):
        try:
            response = client().head_object(Bucket=cfg["bucket"], Key=key)
        except ClientError as exc:
            if status_of(exc) == 404:
                return None
            raise
    return {"size": response["ContentLength"], "etag": response["ETag"].strip('"')}


def save(*, key: str, content, overwrite: bool = False) -> None:
    """Store ``content`` (bytes or a binary file object, read in chunks) at exactly ``key``.
    Refuses to replace an existing file unless ``overwrite`` (for renditions we regenerate;
    originals are never overwritten)."""
    check_key(key)
    target = storage()
    errors = s3_errors("save", key) if s3_enabled() else local_errors("save", key)
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
    check_key(key)
    path = os.fspath(path)
    cfg = s3_config()
    if cfg is not None:
        from boto3.s3.transfer import TransferConfig

        with s3_errors("upload_file", key):
            client().upload_file(
                Filename=path, Bucket=cfg["bucket"], Key=key,
                ExtraArgs={"ContentType": content_type or content_type_for(key)},
                Config=TransferConfig(multipart_threshold=upload_chunk_bytes(), multipart_chunksize=upload_chunk_bytes(), max_concurrency=4),
            )
        return
    with local_errors("put_file", key):
        dst = local_file(key)
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
    check_key(key)
    errors = s3_errors("delete", key) if s3_enabled() else local_errors("delete", key)
    with errors:
        storage().delete(key)


def presigned_get(*, key: str, expires: int = 3600) -> str:
    """A URL that GETs the object (with Range support) without credentials until ``expires``
    seconds from now. S3 only. ffmpeg and browsers read it directly."""
    cfg = require_s3()
    return presigner().generate_presigned_url(
        "get_object", Params={"Bucket": cfg["bucket"], "Key": check_key(key)}, ExpiresIn=expires_seconds(expires)
    )


def ffmpeg_input(*, key: str, expires: int = 6 * 3600) -> str:
    """What to give ``ffmpeg -i``: the local path, or a presigned URL ffmpeg reads over HTTP
    (seeking with Range requests) so a many-GB original is never copied first."""
    if s3_enabled():
        cfg = require_s3()
        # ffmpeg runs on our side: sign for the internal endpoint, not the browsers' one.
        return client().generate_presigned_url(
            "get_object", Params={"Bucket": cfg["bucket"], "Key": check_key(key)}, ExpiresIn=expires_seconds(expires)
        )
    with local_errors("ffmpeg_input", key):
        return local_file(check_key(key))

