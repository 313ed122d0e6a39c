"""Bucket setup for deployment (``manage.py setup_storage``) and tests."""

import logging
from collections.abc import Iterable

from media.storage.config import client, require_s3
from media.storage.errors import StorageError, s3_errors, status_of
from media.storage.keys import positive

log = logging.getLogger("media.storage")


def ensure_bucket(*, cors_origins: Iterable[str] = (), abandon_after_days: int | None = 7) -> bool:
    """Create the bucket when missing and allow browsers on ``cors_origins`` to PUT parts and GET
    files (exposing the ETag header a multipart client needs). For deployment (``manage.py
    setup_storage``) and tests. With ``abandon_after_days``, a lifecycle rule lets the server drop
    the parts of multipart uploads nobody finished; returns False when the server refused that
    rule (``manage.py cleanup_uploads`` does the same job from our side)."""
    from botocore.exceptions import ClientError

    cfg = require_s3()
    s3 = client()
    with s3_errors("create_bucket", cfg["bucket"]):
        try:
            s3.head_bucket(Bucket=cfg["bucket"])
        except ClientError as exc:
            if status_of(exc) != 404:
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
        with s3_errors("put_bucket_lifecycle_configuration", cfg["bucket"]):
            s3.put_bucket_lifecycle_configuration(
                Bucket=cfg["bucket"],
                LifecycleConfiguration={"Rules": [{
                    "ID": "reelwork-abandoned-uploads", "Status": "Enabled", "Filter": {"Prefix": ""},
                    "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": positive(abandon_after_days, "days")},
                }]},
            )
    except StorageError as exc:
        log.warning("the S3 server refused the lifecycle rule for abandoned uploads: %s", exc.detail)
        return False
    return True



def empty_bucket(s3, bucket: str, *, delete: bool = False) -> None:
    """Abort every unfinished multipart upload and delete every object in ``bucket`` (and the
    bucket itself with ``delete``) through the boto3 client ``s3``: for tests and benchmarks that
    make throwaway buckets. A bucket that is already gone is not an error."""
    from botocore.exceptions import ClientError

    try:
        for page in s3.get_paginator("list_multipart_uploads").paginate(Bucket=bucket):
            for upload in page.get("Uploads", []):
                s3.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if keys:
                s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
        if delete:
            s3.delete_bucket(Bucket=bucket)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "NoSuchBucket":
            raise


def reachable() -> None:
    """Raise :class:`StorageError` unless the configured storage can be used now: the bucket
    answers (S3) or the storage directory can be written (local). For ``/healthz``."""
    import os

    from django.core.files.storage import default_storage

    from media.storage.config import s3_enabled

    if s3_enabled():
        cfg = require_s3()
        with s3_errors("head_bucket", cfg["bucket"]):
            client().head_bucket(Bucket=cfg["bucket"])
        return
    # FileSystemStorage makes its directory on the first write: a fresh install is healthy when
    # the nearest existing ancestor is writable.
    location = os.path.abspath(default_storage.location)
    existing = location
    while not os.path.exists(existing) and os.path.dirname(existing) != existing:
        existing = os.path.dirname(existing)
    if not (os.path.isdir(existing) and os.access(existing, os.W_OK | os.X_OK)):
        raise StorageError("The storage directory is not writable.", detail=f"local storage at {location!r}")
