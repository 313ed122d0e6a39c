"""Where Reelwork's files live, read from settings in one place.

``settings.REELWORK_S3`` (absent or empty = local files)::

    {"endpoint_url": "http://127.0.0.1:7480", "bucket": "reelwork",
     "access_key": "...", "secret_key": "...", "region": "us-east-1",
     "addressing_style": "path",            # "path" | "virtual" | "auto"
     "public_endpoint_url": ""}             # optional: where *browsers* reach S3, if not endpoint_url

The boto3 client (multipart, presigning, ranged reads) and Django's S3 storage (``storage()``, and
``STORAGES["default"]`` through :mod:`media.storage.s3_backend`) are both built from that one dict by
this module, so they can never talk to different buckets or sign differently.
"""

import functools

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation
from django.core.files.storage import Storage, default_storage
from django.utils.translation import gettext as _

from media.storage.errors import StorageError

# The unit of every read, write, hash and copy: memory stays flat whatever the file size.
IO_CHUNK = 1024 * 1024
# What a client sends per request: one local chunk or one S3 part. S3 wants parts of at least
# 5 MiB (but the last) and at most 10,000 of them: 8 MiB covers files up to 80 GB, and
# multipart_part_size() grows it for bigger ones. The fallback is for settings.configure()
# without our settings (scripts, the memory tests' child processes).
DEFAULT_UPLOAD_CHUNK_BYTES = 8 * 1024 * 1024
# SigV4 presigned URLs live at most 7 days.
MAX_PRESIGN_SECONDS = 7 * 24 * 3600
_REQUIRED = ("endpoint_url", "bucket", "access_key", "secret_key", "region", "addressing_style")


def upload_chunk_bytes() -> int:
    """``settings.REELWORK_UPLOAD_CHUNK_BYTES``: the bytes a client sends per request (a local chunk
    or an S3 part)."""
    value = getattr(settings, "REELWORK_UPLOAD_CHUNK_BYTES", DEFAULT_UPLOAD_CHUNK_BYTES)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ImproperlyConfigured(f"REELWORK_UPLOAD_CHUNK_BYTES must be a positive integer, not {value!r}.")
    return value


def expires_seconds(expires: int) -> int:
    if isinstance(expires, bool) or not isinstance(expires, int) or not 1 <= expires <= MAX_PRESIGN_SECONDS:
        raise ValueError(f"expires must be 1..{MAX_PRESIGN_SECONDS} seconds, not {expires!r}")
    return expires


def s3_config() -> dict | None:
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
    return s3_config() is not None


def frozen_config(cfg: dict) -> tuple:
    return tuple(sorted((k, str(v)) for k, v in cfg.items()))


def require_s3() -> dict:
    cfg = s3_config()
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
    cfg = require_s3()
    return _client_for(frozen_config(cfg), cfg["endpoint_url"])


def presigner():
    # SigV4 signs the Host header: URLs for browsers must be signed for the host browsers use.
    cfg = require_s3()
    return _client_for(frozen_config(cfg), cfg.get("public_endpoint_url") or cfg["endpoint_url"])


def s3_storage_options(cfg: dict) -> dict:
    """The keyword arguments of django-storages' ``S3Storage`` for the checked ``cfg``."""
    return {
        "bucket_name": cfg["bucket"],
        "endpoint_url": cfg["endpoint_url"],
        "access_key": cfg["access_key"],
        "secret_key": cfg["secret_key"],
        "region_name": cfg["region"],
        "addressing_style": cfg["addressing_style"],
        "signature_version": "s3v4",
        "client_config": _botocore_config(frozen_config(cfg)),
        "default_acl": None,
        "file_overwrite": False,
        "querystring_auth": True,
    }


@functools.lru_cache(maxsize=8)
def _s3_storage_for(frozen: tuple) -> Storage:
    from storages.backends.s3 import S3Storage

    return S3Storage(**s3_storage_options(dict(frozen)))


def storage() -> Storage:
    """The Django storage holding Reelwork's files: the S3 bucket when configured, else the default
    storage (local files)."""
    cfg = s3_config()
    return _s3_storage_for(frozen_config(cfg)) if cfg else default_storage


def local_file(key: str) -> str:
    """The file behind ``key`` in the default ``FileSystemStorage`` (local mode; the key is checked
    by the caller)."""
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
