"""Object keys: the stored layout and the one way a user's file name enters a key.

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
"""

import unicodedata
import uuid

from django.utils.translation import gettext as _

from media.storage.errors import StorageError

SAFE_NAME_MAX_BYTES = 150


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


def positive(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{what} must be a positive integer, not {value!r}")
    return value


def cut_prefix(project_id: int, version: int) -> str:
    return f"cuts/{positive(project_id, 'project_id')}/v{positive(version, 'version')}/"


def cut_key(project_id: int, version: int, name: str) -> str:
    """Key of a cut's original, from the user's file name:
    ``cuts/<project_id>/v<version>/original/<safe-name>``."""
    return cut_prefix(project_id, version) + "original/" + safe_name(name)


def original_key(project_id: int, upload_id, name: str) -> str:
    """Key of an original uploaded straight to the bucket:
    ``cuts/<project_id>/originals/<upload_uuid>/<safe-name>``. The multipart upload writes it in
    place; the version number is only known once the verified file is registered."""
    return f"cuts/{positive(project_id, 'project_id')}/originals/{uuid.UUID(str(upload_id))}/{safe_name(name)}"


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


def check_key(key: str) -> str:
    if not isinstance(key, str) or not key or key.startswith("/") or "\\" in key or "\x00" in key:
        raise StorageError(_("This file name cannot be stored."), detail=f"invalid key {key!r}")
    if any(part in ("", ".", "..") for part in key.split("/")) or len(key.encode()) > 1024:
        raise StorageError(_("This file name cannot be stored."), detail=f"invalid key {key!r}")
    return key

