"""The one wrapper between Reelwork and where files live.

Key layout (stable; the same on local disk under the default storage's location and in a bucket):

    uploads/<upload uuid>/data                 bytes of an upload in progress (never shown as a cut)
    cuts/<project id>/v<version>/original/<name>  the uploaded file, never overwritten
    cuts/<project id>/v<version>/proxy.mp4     browser proxy (or the fast-start remux)
    cuts/<project id>/v<version>/poster.jpg    poster frame
    cuts/<project id>/v<version>/sprite.jpg    scrub sprite, with sprite.vtt beside it

Everything streams in fixed-size blocks: memory stays flat whatever the file size.
"""

import hashlib
import os
import re
import shutil
import unicodedata
from pathlib import Path

from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

CHUNK_SIZE = 8 * 1024 * 1024  # what the browser sends per request
BLOCK = 1024 * 1024  # what we read or write at a time
MAX_NAME = 120


class StorageError(Exception):
    def __init__(self, message, detail: str = ""):
        super().__init__(str(message))
        self.message = message
        self.detail = detail


def safe_name(filename: str) -> str:
    """The file's own name, safe to store: no directories (either slash), no control characters,
    Unicode kept (「第二版 样片.mp4」), at most MAX_NAME characters with the extension kept."""
    name = unicodedata.normalize("NFC", str(filename)).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().lstrip(".")
    name = re.sub(r"\s+", " ", name)
    if len(name) > MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: MAX_NAME - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else name[:MAX_NAME]
    return name


def cut_key(project_id: int, version: int, name: str) -> str:
    return f"cuts/{int(project_id)}/v{int(version)}/original/{safe_name(name)}"


def local_path(*, key: str) -> Path:
    root = Path(default_storage.location).resolve()
    path = (root / key).resolve()
    if not path.is_relative_to(root):
        raise StorageError(_("Invalid file location."), detail=key)
    return path


def local_size(*, key: str) -> int:
    path = local_path(key=key)
    return path.stat().st_size if path.exists() else 0


def local_append(*, key: str, offset: int, chunk_iter) -> int:
    """Write the pieces at exactly ``offset`` of the partial file; return its new size. Anything
    else than the current size is refused with the offset to resume from."""
    path = local_path(key=key)
    path.parent.mkdir(parents=True, exist_ok=True)
    current = path.stat().st_size if path.exists() else 0
    if offset != current:
        raise StorageError(_("Resume from byte %(offset)s.") % {"offset": current}, detail=f"{key}: {offset} != {current}")
    with path.open("ab") as handle:
        for piece in chunk_iter:
            handle.write(piece)
        handle.flush()
        os.fsync(handle.fileno())
        return handle.tell()


def local_truncate(*, key: str, size: int) -> None:
    path = local_path(key=key)
    if path.exists():
        os.truncate(path, size)


def local_sha256(*, key: str) -> str:
    digest = hashlib.sha256()
    with local_path(key=key).open("rb") as handle:
        for block in iter(lambda: handle.read(BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


def local_finalize(*, partial_key: str, final_key: str) -> None:
    """Move a complete upload to its final key in one rename: the final key never holds half a file."""
    source, target = local_path(key=partial_key), local_path(key=final_key)
    if target.exists():
        raise StorageError(_("A file is already stored under this version."), detail=final_key)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, target)
    shutil.rmtree(source.parent, ignore_errors=True)


def local_delete(*, key: str) -> None:
    path = local_path(key=key)
    path.unlink(missing_ok=True)
    if path.parent.name and path.parent != Path(default_storage.location).resolve():
        try:
            path.parent.rmdir()
        except OSError:
            pass


def put_file(*, key: str, path: Path) -> None:
    """Store a finished rendition: written beside its key first, then renamed into place, so a
    reader never sees a partly written file."""
    target = local_path(key=key)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.part")
    with Path(path).open("rb") as source, temporary.open("wb") as out:
        shutil.copyfileobj(source, out, BLOCK)
    os.replace(temporary, target)
