"""scripts/fetch_npm.py: the files come out of the tarball only when its SHA-512 is the integrity
pinned in the lock (npm's ``dist.integrity``), and each file only when its SHA-256 is the pinned one.
A tarball made here and read from a file:// URL: the check, not the network, is under test."""

import hashlib
import importlib.util
import io
import json
import tarfile

import pytest

from tests.support import ROOT

spec = importlib.util.spec_from_file_location("fetch_npm", ROOT / "scripts" / "fetch_npm.py")
fetch_npm = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fetch_npm)

FILES = {"package/dist/hls.min.js": b"var Hls=1;\n//# sourceMappingURL=hls.min.js.map\n",
         "package/dist/hls.min.js.map": b'{"version":3}'}


@pytest.fixture
def tarball(tmp_path):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in FILES.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    path = tmp_path / "hls.js-9.9.9.tgz"
    path.write_bytes(buffer.getvalue())
    return path


def _lock(tmp_path, source, **changes):
    lock = {"package": "hls.js", "version": "9.9.9", "tarball": source.as_uri(),
            "integrity": fetch_npm.integrity_of(source.read_bytes()),
            "files": {name: hashlib.sha256(data).hexdigest() for name, data in FILES.items()},
            "target_dir": str(tmp_path / "vendor"), **changes}
    path = tmp_path / "hlsjs.lock.json"
    path.write_text(json.dumps(lock))
    return path


def test_the_pinned_files_are_put_in_place(tmp_path, tarball):
    script = fetch_npm.ensure(_lock(tmp_path, tarball))
    assert script == tmp_path / "vendor" / "hls.min.js"
    assert script.read_bytes() == FILES["package/dist/hls.min.js"]
    assert (tmp_path / "vendor" / "hls.min.js.map").read_bytes() == FILES["package/dist/hls.min.js.map"]
    tarball.unlink()  # in place: nothing is fetched again
    assert fetch_npm.ensure(tmp_path / "hlsjs.lock.json") == script


def test_a_tarball_whose_integrity_is_not_the_pinned_one_is_refused(tmp_path, tarball):
    other = "sha512-" + "A" * 86 + "=="
    with pytest.raises(fetch_npm.FetchError, match="integrity"):
        fetch_npm.ensure(_lock(tmp_path, tarball, integrity=other))
    assert not (tmp_path / "vendor").exists()


def test_a_file_that_is_not_the_pinned_one_is_refused(tmp_path, tarball):
    files = {name: "0" * 64 for name in FILES}
    with pytest.raises(fetch_npm.FetchError, match="SHA-256"):
        fetch_npm.ensure(_lock(tmp_path, tarball, files=files))
    assert not (tmp_path / "vendor" / "hls.min.js").exists()


def test_a_failed_fetch_says_so_and_exits_1(tmp_path, tarball, capsys, monkeypatch):
    _lock(tmp_path, tarball, tarball=(tmp_path / "missing.tgz").as_uri())
    monkeypatch.setattr(fetch_npm, "LOCKS", tmp_path)
    assert fetch_npm.main([]) == 1
    assert "hls.js NOT FETCHED" in capsys.readouterr().err


def test_every_lock_is_fetched_and_one_can_be_asked_for_alone(tmp_path, tarball, capsys, monkeypatch):
    _lock(tmp_path, tarball)
    other = json.loads((tmp_path / "hlsjs.lock.json").read_text()) | {"package": "other", "target_dir": str(tmp_path / "other")}
    (tmp_path / "other.lock.json").write_text(json.dumps(other))
    monkeypatch.setattr(fetch_npm, "LOCKS", tmp_path)
    assert fetch_npm.main(["--only", "other"]) == 0
    assert (tmp_path / "other" / "hls.min.js").is_file() and not (tmp_path / "vendor").exists()
    assert fetch_npm.main([]) == 0
    assert (tmp_path / "vendor" / "hls.min.js").is_file()
    assert fetch_npm.main(["--only", "nothing"]) == 2
