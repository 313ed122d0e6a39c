"""The one wrapper between Reelwork and object storage.

Everything that stores, reads, hashes or presigns a file goes through here: Django's storage API for
ordinary reads and writes, a boto3 client for what the storage API cannot do (multipart uploads,
presigned URLs, ranged and resumable reads). Failures surface as :class:`StorageError`: a message the
user can act on (in the UI language) plus the detail for the log. Callers use this package's names
(``from media import storage``; ``storage.put_file(...)``); tests patch them here where they must,
never boto3.

Two modes, chosen by settings (:mod:`media.storage.config`):

* **Local** (the embedded default): files live under the default ``FileSystemStorage`` location
  (``var/storage/``). Browsers upload cuts in chunks through our own views: ``local_append`` writes
  each chunk at its offset into ``uploads/<upload_uuid>/data``; ``local_finalize`` moves the checked
  file to its final key in one rename (:mod:`media.storage.local`).
* **S3** (``settings.REELWORK_S3`` set): any S3 API (AWS, MinIO, Ceph RGW). Browsers upload cuts
  straight to the bucket with presigned multipart part URLs; the server never sees the bytes
  (:mod:`media.storage.multipart`).

By concept: :mod:`~media.storage.keys` (the key layout; user-supplied file names only ever enter a
key through ``safe_name``), :mod:`~media.storage.config`, :mod:`~media.storage.errors`,
:mod:`~media.storage.multipart`, :mod:`~media.storage.objects` (either mode),
:mod:`~media.storage.streams` (ranged reads, hashing, copying), :mod:`~media.storage.bucket`,
:mod:`~media.storage.local`.

Clients send files in ``upload_chunk_bytes()`` pieces (``settings.REELWORK_UPLOAD_CHUNK_BYTES``):
local chunks and S3 parts alike.
"""

from media.storage.bucket import empty_bucket, ensure_bucket, reachable
from media.storage.config import (
    IO_CHUNK,
    MAX_PRESIGN_SECONDS,
    client,
    s3_enabled,
    storage,
    upload_chunk_bytes,
)
from media.storage.errors import OffsetMismatch, StorageError
from media.storage.keys import (
    SAFE_NAME_MAX_BYTES,
    cut_key,
    cut_prefix,
    original_key,
    rendition_key,
    safe_name,
    upload_key,
)
from media.storage.local import (
    local_append,
    local_delete,
    local_finalize,
    local_sha256,
    local_size,
    local_truncate,
)
from media.storage.multipart import (
    MAX_PARTS,
    multipart_abort,
    multipart_complete,
    multipart_part_size,
    multipart_part_url,
    multipart_parts,
    multipart_put_file_part,
    multipart_start,
)
from media.storage.objects import (
    content_type_for,
    delete,
    ffmpeg_input,
    head,
    presigned_get,
    put_file,
    save,
)
from media.storage.streams import (
    download_to,
    iter_chunks,
    open_stream,
    part_digests,
    sha256,
)

__all__ = [
    "IO_CHUNK", "MAX_PARTS", "MAX_PRESIGN_SECONDS", "SAFE_NAME_MAX_BYTES", "OffsetMismatch", "StorageError",
    "client", "content_type_for", "cut_key", "cut_prefix", "delete", "download_to", "empty_bucket", "ensure_bucket",
    "ffmpeg_input", "head", "reachable", "iter_chunks", "local_append", "local_delete", "local_finalize",
    "local_sha256", "local_size", "local_truncate", "multipart_abort", "multipart_complete",
    "multipart_part_size", "multipart_part_url", "multipart_parts", "multipart_put_file_part",
    "multipart_start", "open_stream", "original_key", "part_digests", "presigned_get", "put_file",
    "rendition_key", "s3_enabled", "safe_name", "save", "sha256", "storage", "upload_chunk_bytes", "upload_key",
]


def __getattr__(name):
    # The old constant, kept readable for code and tests written before the chunk size became a
    # setting. Setting it has no effect: set REELWORK_UPLOAD_CHUNK_BYTES instead.
    if name == "CHUNK_SIZE":
        return upload_chunk_bytes()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
