"""Multipart uploads (S3 only): the browser PUTs each part to a presigned URL. A multipart upload
targets the final key directly: S3 shows nothing under that key until ``multipart_complete``, so a
half-uploaded cut is never visible."""

from collections.abc import Iterable

from django.utils.translation import gettext as _

from media.storage.config import (
    IO_CHUNK,
    client,
    expires_seconds,
    presigner,
    require_s3,
    upload_chunk_bytes,
)
from media.storage.errors import StorageError, s3_errors, upload_gone
from media.storage.keys import check_key
from media.storage.streams import FileSlice, hash_stream

MAX_PARTS = 10_000


def multipart_part_size(*, size: int) -> int:
    """The part size for a file of ``size`` bytes: ``upload_chunk_bytes()``, or more (whole MiB) when the file
    would otherwise need more than 10,000 parts."""
    needed = -(-size // MAX_PARTS)
    return max(upload_chunk_bytes(), -(-needed // IO_CHUNK) * IO_CHUNK)


def multipart_start(*, key: str, content_type: str) -> str:
    """Open a multipart upload whose object will appear at ``key`` on completion; returns its id."""
    cfg = require_s3()
    with s3_errors("create_multipart_upload", key):
        response = client().create_multipart_upload(
            Bucket=cfg["bucket"], Key=check_key(key), ContentType=content_type or "application/octet-stream"
        )
    return response["UploadId"]


def multipart_part_url(*, key: str, upload_id: str, part_number: int, expires: int = 3600) -> str:
    """A presigned URL the browser PUTs part ``part_number`` (1..10000) to. Only that part of that
    upload: the signature covers the key, the upload id and the part number."""
    cfg = require_s3()
    if isinstance(part_number, bool) or not isinstance(part_number, int) or not 1 <= part_number <= MAX_PARTS:
        raise ValueError(f"part_number must be 1..{MAX_PARTS}, not {part_number!r}")
    return presigner().generate_presigned_url(
        "upload_part",
        Params={"Bucket": cfg["bucket"], "Key": check_key(key), "UploadId": upload_id, "PartNumber": part_number},
        ExpiresIn=expires_seconds(expires),
        HttpMethod="PUT",
    )


def multipart_put_file_part(*, key: str, upload_id: str, part_number: int, path, offset: int, length: int) -> str:
    """Send bytes ``offset`` .. ``offset + length`` of the local file ``path`` as one part, from
    this process (``upload_cut`` on the command line), streamed from the disk; returns the part's
    SHA-256. Browsers PUT to :func:`multipart_part_url` instead."""
    cfg = require_s3()
    with FileSlice(path, offset, length) as body:
        digest = hash_stream(body)
        body.seek(0)
        with s3_errors("upload_part", key, upload_id=upload_id):
            client().upload_part(
                Bucket=cfg["bucket"], Key=check_key(key), UploadId=upload_id, PartNumber=part_number,
                Body=body, ContentLength=length,
            )
    return digest


def multipart_parts(*, key: str, upload_id: str) -> list[dict]:
    """The parts the server already holds, in order: ``[{"PartNumber", "ETag", "Size"}]``. A resuming
    client sends only the parts missing here (or whose size is short)."""
    cfg = require_s3()
    parts = []
    with s3_errors("list_parts", key, upload_id=upload_id):
        pages = client().get_paginator("list_parts").paginate(Bucket=cfg["bucket"], Key=check_key(key), UploadId=upload_id)
        for page in pages:
            for part in page.get("Parts", []):
                parts.append({"PartNumber": part["PartNumber"], "ETag": part["ETag"].strip('"'), "Size": part["Size"]})
    return sorted(parts, key=lambda p: p["PartNumber"])


def multipart_complete(*, key: str, upload_id: str, parts: Iterable[dict]) -> None:
    """Assemble the parts (each ``{"PartNumber", "ETag"}``; extra keys ignored) into the object at
    ``key``. Passing ``multipart_parts(...)`` is fine: the checksum of the whole file is verified
    afterwards anyway."""
    cfg = require_s3()
    listed = sorted(({"PartNumber": int(p["PartNumber"]), "ETag": str(p["ETag"])} for p in parts), key=lambda p: p["PartNumber"])
    if not listed:
        raise StorageError(_("Nothing was uploaded yet. Resume the upload."), detail=f"complete {key!r}: no parts")
    with s3_errors("complete_multipart_upload", key, upload_id=upload_id):
        client().complete_multipart_upload(
            Bucket=cfg["bucket"], Key=check_key(key), UploadId=upload_id, MultipartUpload={"Parts": listed}
        )


def multipart_abort(*, key: str, upload_id: str) -> None:
    """Cancel the upload and free its parts. Safe to call twice."""
    from botocore.exceptions import ClientError

    cfg = require_s3()
    with s3_errors("abort_multipart_upload", key, upload_id=upload_id):
        try:
            client().abort_multipart_upload(Bucket=cfg["bucket"], Key=check_key(key), UploadId=upload_id)
        except ClientError as exc:
            if not upload_gone(exc):
                raise

