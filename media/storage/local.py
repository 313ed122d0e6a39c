"""Local resumable uploads (no S3): chunks appended at exact offsets into
``uploads/<upload_uuid>/data``, then one atomic rename to the final key."""

import contextlib
import fcntl
import os
from collections.abc import Iterable

from django.utils.translation import gettext as _

from media.storage.config import local_file
from media.storage.errors import OffsetMismatch, StorageError, local_errors
from media.storage.keys import check_key
from media.storage.streams import hash_stream


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
    check_key(key)
    with local_errors("local_append", key):
        path = local_file(key)
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
                with local_errors("local_append", key):
                    size += _write_all(fd, view)
                raise StorageError(
                    _("The file is larger than the size declared when the upload started. Start the upload again."),
                    detail=f"local_append {key!r}: more than max_size={max_size} bytes",
                )
            with local_errors("local_append", key):
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
    check_key(key)
    with local_errors("local_size", key):
        try:
            return os.stat(local_file(key)).st_size
        except FileNotFoundError:
            return 0


def local_truncate(*, key: str, size: int) -> None:
    """Cut the partial file ``key`` back to ``size`` bytes (drop a chunk that arrived damaged or
    incomplete, so the client resends it). Never grows the file."""
    check_key(key)
    with local_errors("local_truncate", key):
        path = local_file(key)
        if not os.path.exists(path):
            return
        with _locked(path, key, os.O_WRONLY) as fd:
            if os.fstat(fd).st_size > size:
                os.ftruncate(fd, max(0, size))


def local_delete(*, key: str) -> None:
    """Remove the partial file ``key`` (a failed or cancelled upload) and its ``uploads/<uuid>/``
    folder when that is left empty. Removing what is not there is not an error."""
    check_key(key)
    with local_errors("local_delete", key):
        path = local_file(key)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        with contextlib.suppress(OSError):
            os.rmdir(os.path.dirname(path))


def local_sha256(*, key: str) -> str:
    """Hex SHA-256 of the local file ``key``, read in chunks."""
    check_key(key)
    with local_errors("local_sha256", key), open(local_file(key), "rb") as f:
        return hash_stream(f)


def local_finalize(*, partial_key: str, final_key: str) -> None:
    """Move the finished upload ``partial_key`` to ``final_key`` in one step: before it the final key
    does not exist, after it the complete file does; never anything in between. Refuses to replace
    an existing file (originals are never overwritten) and to move an upload still being written."""
    check_key(partial_key)
    check_key(final_key)
    with local_errors("local_finalize", final_key):
        src, dst = local_file(partial_key), local_file(final_key)
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
