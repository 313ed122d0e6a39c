"""media.storage with local files (the embedded default): resumable chunked uploads, atomic
finalize, key and name safety. Real files in a temporary storage folder."""

import hashlib
import json
import os
import subprocess
import sys
import uuid

import pytest

from media import storage
from tests.support import ROOT

MiB = 1024 * 1024
# Linux carries ru_maxrss across exec: a child exec'd straight from pytest would start at pytest's
# peak and hide its own. LAUNCHER is a small Python that starts the real child.
LAUNCHER = "import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:]))"


pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def local(settings, tmp_path):
    """Local mode with its own storage folder; returns that folder."""
    location = tmp_path / "storage"
    location.mkdir()
    settings.REELWORK_S3 = None
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": location},
    }}
    return location


@pytest.fixture
def partial():
    return storage.upload_key(uuid.uuid4())


def test_chunks_are_appended_at_their_offsets(local, partial):
    assert storage.local_size(key=partial) == 0
    assert storage.local_append(key=partial, offset=0, chunk_iter=[b"abc", b"def"]) == 6
    assert storage.local_append(key=partial, offset=6, chunk_iter=iter([b"gh"])) == 8
    assert storage.local_size(key=partial) == 8
    assert (local / partial).read_bytes() == b"abcdefgh"
    assert partial.startswith("uploads/") and partial.endswith("/data")


@pytest.mark.parametrize("offset", [4, 10])
def test_a_chunk_at_the_wrong_offset_is_refused_with_the_offset_to_resume_from(local, partial, offset):
    storage.local_append(key=partial, offset=0, chunk_iter=[b"abcdefgh"])
    with pytest.raises(storage.OffsetMismatch) as refused:
        storage.local_append(key=partial, offset=offset, chunk_iter=[b"XXXX"])
    assert refused.value.current_offset == 8
    assert "Resume from byte 8" in refused.value.message
    assert (local / partial).read_bytes() == b"abcdefgh"


def test_the_first_chunk_must_start_at_zero(local, partial):
    with pytest.raises(storage.OffsetMismatch) as refused:
        storage.local_append(key=partial, offset=5, chunk_iter=[b"x"])
    assert refused.value.current_offset == 0


def test_an_upload_resumes_after_the_connection_drops(local, partial):
    data = os.urandom(3 * MiB + 11)

    def dropped_after_one_mib():
        yield data[:MiB]
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):  # the caller's error, passed through unchanged
        storage.local_append(key=partial, offset=0, chunk_iter=dropped_after_one_mib())
    resume_at = storage.local_size(key=partial)
    assert resume_at == MiB

    pieces = (data[i : i + 256 * 1024] for i in range(resume_at, len(data), 256 * 1024))
    assert storage.local_append(key=partial, offset=resume_at, chunk_iter=pieces) == len(data)
    assert storage.local_sha256(key=partial) == hashlib.sha256(data).hexdigest()


def test_a_damaged_chunk_can_be_cut_off_and_sent_again(local, partial):
    storage.local_append(key=partial, offset=0, chunk_iter=[b"good", b"bad!"])
    storage.local_truncate(key=partial, size=4)
    storage.local_truncate(key=partial, size=100)  # never grows
    assert storage.local_append(key=partial, offset=4, chunk_iter=[b"more"]) == 8
    assert (local / partial).read_bytes() == b"goodmore"


def test_two_connections_cannot_write_one_upload_at_once(local, partial):
    def first_connection():
        yield b"a" * 10
        with pytest.raises(storage.StorageError, match="Another connection"):
            storage.local_append(key=partial, offset=10, chunk_iter=[b"b"])
        with pytest.raises(storage.StorageError, match="Another connection"):
            storage.local_finalize(partial_key=partial, final_key=storage.cut_key(1, 1, "a.mp4"))
        yield b"a" * 10

    assert storage.local_append(key=partial, offset=0, chunk_iter=first_connection()) == 20
    assert storage.head(key=storage.cut_key(1, 1, "a.mp4")) is None


def test_more_bytes_than_declared_are_refused(local, partial):
    with pytest.raises(storage.StorageError, match="larger than the size declared"):
        storage.local_append(key=partial, offset=0, chunk_iter=[b"12345", b"67890"], max_size=8)
    assert storage.local_size(key=partial) == 8


def test_finalize_makes_the_whole_file_appear_at_once(local, partial):
    final = storage.cut_key(7, 2, "第二版 样片.mp4")
    data = os.urandom(2 * MiB)
    storage.local_append(key=partial, offset=0, chunk_iter=[data[:MiB]])
    assert storage.head(key=final) is None and not (local / final).exists()
    storage.local_append(key=partial, offset=MiB, chunk_iter=[data[MiB:]])
    assert storage.head(key=final) is None  # complete, but not yet verified and moved

    storage.local_finalize(partial_key=partial, final_key=final)

    assert (local / final).read_bytes() == data
    assert storage.sha256(key=final) == hashlib.sha256(data).hexdigest()
    assert storage.head(key=final)["size"] == len(data)
    assert storage.local_size(key=partial) == 0
    assert not (local / partial).parent.exists()  # uploads/<uuid>/ is gone too


def test_finalize_never_replaces_an_original(local, partial):
    final = storage.cut_key(7, 1, "v1.mp4")
    storage.save(key=final, content=b"version one")
    storage.local_append(key=partial, offset=0, chunk_iter=[b"impostor"])
    with pytest.raises(storage.StorageError, match="never overwritten"):
        storage.local_finalize(partial_key=partial, final_key=final)
    assert (local / final).read_bytes() == b"version one"
    assert (local / partial).read_bytes() == b"impostor"


def test_a_failed_upload_is_deleted_with_its_folder(local, partial):
    storage.local_append(key=partial, offset=0, chunk_iter=[b"x"])
    storage.local_delete(key=partial)
    storage.local_delete(key=partial)
    assert not [p for p in local.rglob("*") if p.is_file()]
    assert not (local / "uploads").exists() or not any((local / "uploads").iterdir())


@pytest.mark.parametrize("key", ["../outside", "uploads/../../outside", "/etc/passwd", "cuts//x", "a\\b", ""])
def test_keys_cannot_leave_the_storage_folder(local, key):
    with pytest.raises(storage.StorageError, match="cannot be stored"):
        storage.local_append(key=key, offset=0, chunk_iter=[b"x"])
    assert not (local.parent / "outside").exists()


def test_stored_files_read_hash_copy_and_replace_in_local_mode(local, tmp_path):
    key = storage.rendition_key(3, 1, "proxy.mp4")
    data = os.urandom(MiB + 5)
    storage.save(key=key, content=data)
    with pytest.raises(storage.StorageError, match="never overwritten"):
        storage.save(key=key, content=b"other")
    with storage.open_stream(key=key, first_byte=10, last_byte=19) as stream:
        assert stream.read() == data[10:20]
    assert b"".join(storage.iter_chunks(key=key)) == data
    assert storage.download_to(key=key, path=tmp_path / "copy") == len(data)
    assert (tmp_path / "copy").read_bytes() == data
    assert storage.ffmpeg_input(key=key) == str(local / key)

    (tmp_path / "new.mp4").write_bytes(b"regenerated")
    storage.put_file(key=key, path=tmp_path / "new.mp4")
    assert (local / key).read_bytes() == b"regenerated"
    storage.delete(key=key)
    assert storage.head(key=key) is None
    with pytest.raises(storage.StorageError, match="not in storage"):
        storage.sha256(key=key)


@pytest.mark.parametrize(
    "filename, expected",
    [
        ("「第二版 样片.mp4」", "「第二版 样片.mp4」"),
        ("第二版 样片.mp4", "第二版 样片.mp4"),
        ("../../etc/passwd", "passwd"),
        ("C:\\fakepath\\成片.mp4", "成片.mp4"),
        ("bad\x00na\x1fme\n.mp4", "badname.mp4"),
        ("clip\u202e4pm.exe", "clip4pm.exe"),  # a right-to-left override disguising the extension
        ("样片\u3000终版.mov", "样片 终版.mov"),
        ('a<b>:"c"|d?*.mp4', "a_b___c__d__.mp4"),
        ("..", "file"),
        (".hidden.mp4", "hidden.mp4"),
        ("", "file"),
    ],
)
def test_safe_name_keeps_the_name_a_person_gave_minus_the_dangerous_parts(filename, expected):
    assert storage.safe_name(filename) == expected


def test_safe_name_limits_length_without_breaking_characters_or_the_extension():
    for long_name in ("第" * 200 + ".mp4", "a" * 400 + ".mov"):
        name = storage.safe_name(long_name)
        assert len(name.encode()) <= storage.SAFE_NAME_MAX_BYTES
        assert name.endswith((".mp4", ".mov")) and len(name) > 20
        name.encode().decode("utf-8")  # whole characters only


def test_key_helpers_follow_the_documented_layout():
    assert storage.cut_key(7, 2, "第二版 样片.mp4") == "cuts/7/v2/original/第二版 样片.mp4"
    assert storage.cut_key(7, 2, "../../etc/passwd") == "cuts/7/v2/original/passwd"
    assert storage.rendition_key(7, 2, "proxy.mp4") == "cuts/7/v2/proxy.mp4"
    assert storage.rendition_key(7, 2, "hls/index.m3u8") == "cuts/7/v2/hls/index.m3u8"
    upload_id = uuid.uuid4()
    assert storage.upload_key(upload_id) == f"uploads/{upload_id}/data"
    for bad in ("../x.mp4", "original/x.mp4", "hls/../../x", ""):
        with pytest.raises(ValueError):
            storage.rendition_key(7, 2, bad)
    for project_id, version in ((0, 1), (1, 0), (True, 1), ("7", 1)):
        with pytest.raises(ValueError):
            storage.cut_prefix(project_id, version)
    with pytest.raises(ValueError):
        storage.upload_key("../../etc")


LOCAL_MEMORY_CHILD = r"""
import hashlib, json, resource, sys
import django
from django.conf import settings
settings.configure(STORAGES={"default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                         "OPTIONS": {"location": sys.argv[1]}}})
django.setup()
from media import storage

size = int(sys.argv[2])
partial, final = storage.upload_key("00000000-0000-4000-8000-000000000000"), storage.cut_key(1, 1, "big.mp4")
try:  # forget the peak of start-up (imports): measure only what the upload adds
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
except OSError:
    pass
baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
digest = hashlib.sha256()

def chunks(start, end):  # generated 1 MiB at a time, like a request body read in pieces
    for offset in range(start, end, 1 << 20):
        block = (hashlib.sha256(str(offset).encode()).digest() * 32768)[: min(1 << 20, end - offset)]
        digest.update(block)
        yield block

received = 0
for start in range(0, size, storage.CHUNK_SIZE):
    received = storage.local_append(key=partial, offset=received, chunk_iter=chunks(start, min(size, start + storage.CHUNK_SIZE)))
assert received == size
assert storage.local_sha256(key=partial) == digest.hexdigest()
storage.local_finalize(partial_key=partial, final_key=final)
assert storage.sha256(key=final) == digest.hexdigest()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"baseline_kib": baseline, "peak_kib": peak}))
"""


def test_a_200_mb_local_upload_keeps_memory_flat(tmp_path):
    size = 200 * MiB
    child = subprocess.run(
        [sys.executable, "-c", LAUNCHER, sys.executable, "-c", LOCAL_MEMORY_CHILD, str(tmp_path), str(size)],
        capture_output=True, text=True, timeout=300, cwd=ROOT, stdin=subprocess.DEVNULL,
    )
    assert child.returncode == 0, child.stderr[-3000:]
    assert (tmp_path / storage.cut_key(1, 1, "big.mp4")).stat().st_size == size
    result = json.loads(child.stdout.strip().splitlines()[-1])
    growth_mib = (result["peak_kib"] - result["baseline_kib"]) / 1024
    print(f"\nlocal 200 MiB chunked upload + sha256 x2 + finalize: peak RSS growth {growth_mib:.1f} MiB")
    assert growth_mib < 64
