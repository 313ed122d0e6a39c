"""Reading stored objects as streams: ranged reads that survive dropped S3 connections, hashing and
copying in ``IO_CHUNK`` pieces so memory stays flat whatever the file size."""

import contextlib
import hashlib
import io
import logging
import os
import tempfile
from collections.abc import Iterator

from media.storage.config import IO_CHUNK, client, local_file, require_s3, s3_enabled
from media.storage.errors import StorageError, local_errors, s3_errors, unreachable
from media.storage.keys import check_key, positive

log = logging.getLogger("media.storage")

_READ_RETRIES = 3


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
        cfg = require_s3()
        params = {"Bucket": cfg["bucket"], "Key": self.key}
        if self.pos or self.last is not None:
            params["Range"] = f"bytes={self.pos}-{'' if self.last is None else self.last}"
        if self.etag:
            params["IfMatch"] = self.etag
        with s3_errors("get_object", self.key):
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
                    raise StorageError(unreachable(), detail=f"S3 read {self.key!r} at {self.pos}: {exc!r}") from exc
                self._open()
        buffer[: len(data)] = data
        self.pos += len(data)
        return len(data)

    def close(self):
        if self.body is not None:
            with contextlib.suppress(Exception):
                self.body.close()
        super().close()


class FileSlice(io.RawIOBase):
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
    check_key(key)
    if first_byte < 0 or (last_byte is not None and last_byte < first_byte):
        raise ValueError(f"bad byte range {first_byte}-{last_byte}")
    if s3_enabled():
        return _S3Reader(key, first_byte, last_byte)
    with local_errors("open", key):
        path = local_file(key)
        size = os.path.getsize(path)
        last = size - 1 if last_byte is None else min(last_byte, size - 1)
        return FileSlice(path, first_byte, max(0, last - first_byte + 1))


def iter_chunks(*, key: str, chunk_size: int = IO_CHUNK) -> Iterator[bytes]:
    """The object's bytes in pieces of at most ``chunk_size`` (e.g. for a StreamingHttpResponse)."""
    with open_stream(key=key) as stream:
        while chunk := stream.read(chunk_size):
            yield chunk


def hash_stream(stream) -> str:
    digest = hashlib.sha256()
    buffer = bytearray(IO_CHUNK)
    view = memoryview(buffer)
    while n := stream.readinto(buffer):
        digest.update(view[:n])
    return digest.hexdigest()


def sha256(*, key: str) -> str:
    """Hex SHA-256 of the stored object, streamed (memory flat whatever the size)."""
    with open_stream(key=key) as stream:
        return hash_stream(stream)


def part_digests(*, key: str, part_size: int) -> tuple[list[str], str]:
    """Read the stored object once and return the SHA-256 of each ``part_size`` slice (the parts
    it was uploaded in) and of the whole file. Streamed: memory stays flat."""
    part_size = positive(part_size, "part_size")
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
                with local_errors("download_to", key):
                    out.write(view[:n])
                size += n
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return size

