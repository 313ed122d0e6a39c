#!/usr/bin/env python3
"""Fetch the front-end files Reelwork takes from the npm registry, each pinned by a lock file.

One lock per package, ``scripts/<name>.lock.json``: the version, the tarball and the integrity hash
npm publishes for it (``dist.integrity``, the SHA-512 of the tarball), the SHA-256 of each file
taken from it, where the files go and what is missing without them. The locks are committed, the
JavaScript is not (``.gitignore``). Run by ``./run`` and ``./test`` at set-up; Node is not needed.

- ``hlsjs.lock.json``: hls.js (``dist/hls.min.js`` and its source map, which ``collectstatic``'s
  manifest storage follows from the script's ``sourceMappingURL``), the HLS player of the
  cloud-showing page for browsers without HLS of their own.
- ``axe-core.lock.json``: axe-core (``axe.min.js``), the accessibility checker the browser tests
  inject into the pages they check; never served by the app.

    scripts/fetch_npm.py                    make sure every pinned file is in place (no network when it is)
    scripts/fetch_npm.py --only axe-core    the same for one package
    scripts/fetch_npm.py --pin hls.js 1.7.4 pin another version: read its dist.integrity from the
                                            registry, fetch and check it, rewrite its lock file

A tarball whose SHA-512 is not the pinned one is refused, and so is a file whose SHA-256 differs
from the lock's. On any failure the script says what failed and what goes without it, fetches the
other packages and exits 1.
"""

import argparse
import base64
import hashlib
import io
import json
import os
import sys
import tarfile
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCKS = ROOT / "scripts"
REGISTRY = os.environ.get("NPM_CONFIG_REGISTRY", "https://registry.npmjs.org").rstrip("/")
TIMEOUT = 60
MAX_TARBALL_BYTES = 64 * 1024 * 1024


class FetchError(Exception):
    pass


def _get(url: str) -> bytes:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": "*/*"}), timeout=TIMEOUT) as response:
            data = response.read(MAX_TARBALL_BYTES + 1)
    except (urllib.error.URLError, OSError) as exc:
        raise FetchError(f"could not fetch {url}: {exc}") from exc
    if len(data) > MAX_TARBALL_BYTES:
        raise FetchError(f"{url} is larger than {MAX_TARBALL_BYTES} bytes")
    return data


def integrity_of(data: bytes) -> str:
    """The Subresource-Integrity form npm publishes: ``sha512-<base64 of the digest>``."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def _extract(tarball: bytes, member: str) -> bytes:
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        try:
            entry = archive.getmember(member)
        except KeyError as exc:
            raise FetchError(f"the tarball has no {member}") from exc
        if not entry.isfile():
            raise FetchError(f"{member} in the tarball is not a file")
        return archive.extractfile(entry).read()


def _write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".npm-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _checked_files(lock: dict) -> dict[str, bytes]:
    """The pinned files from the tarball, once its integrity is the pinned one."""
    tarball = _get(lock["tarball"])
    got = integrity_of(tarball)
    if got != lock["integrity"]:
        raise FetchError(f"the tarball's integrity is {got}, not the pinned {lock['integrity']}: refused")
    return {member: _extract(tarball, member) for member in lock["files"]}


def _target(lock: dict, member: str) -> Path:
    return ROOT / lock["target_dir"] / member.rsplit("/", 1)[-1]


def _in_place(lock: dict) -> bool:
    for member, digest in lock["files"].items():
        target = _target(lock, member)
        if not target.is_file() or hashlib.sha256(target.read_bytes()).hexdigest() != digest:
            return False
    return True


def locks() -> dict[str, Path]:
    """The lock files, by package name."""
    return {json.loads(path.read_text())["package"]: path for path in sorted(LOCKS.glob("*.lock.json"))}


def ensure(lock_path: Path) -> Path:
    """Make sure the package's pinned files are in place; returns the first one's path. Raises FetchError."""
    lock = json.loads(lock_path.read_text())
    script = _target(lock, next(iter(lock["files"])))
    if _in_place(lock):
        return script
    for member, data in _checked_files(lock).items():
        if hashlib.sha256(data).hexdigest() != lock["files"][member]:
            raise FetchError(f"{member} in the tarball is not the file the lock pins (SHA-256 differs): refused")
        _write(_target(lock, member), data)
    return script


def pin(version: str, lock_path: Path) -> dict:
    """Pin ``version``: its tarball and dist.integrity as the registry publishes them."""
    lock = json.loads(lock_path.read_text())
    meta = json.loads(_get(f"{REGISTRY}/{lock['package']}/{version}"))
    dist = meta.get("dist") or {}
    if meta.get("version") != version or not dist.get("integrity", "").startswith("sha512-"):
        raise FetchError(f"the registry has no sha512 integrity for {lock['package']}@{version}")
    lock.update(version=version, tarball=dist["tarball"], integrity=dist["integrity"])
    files = _checked_files(lock)
    lock["files"] = {member: hashlib.sha256(data).hexdigest() for member, data in files.items()}
    lock_path.write_text(json.dumps(lock, indent=2) + "\n")
    for member, data in files.items():
        _write(_target(lock, member), data)
    return lock


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", metavar="PACKAGE", help="only this package")
    parser.add_argument("--pin", nargs=2, metavar=("PACKAGE", "VERSION"), help="pin another version of a package")
    args = parser.parse_args(argv)
    known = locks()
    wanted = args.pin[0] if args.pin else args.only
    if wanted and wanted not in known:
        print(f"no lock for {wanted} (known: {', '.join(known)})", file=sys.stderr)
        return 2
    failed = 0
    for package, lock_path in known.items():
        if wanted and package != wanted:
            continue
        try:
            if args.pin:
                lock = pin(args.pin[1], lock_path)
                print(f"{package} {lock['version']} pinned ({lock['integrity']})")
            else:
                target = ensure(lock_path)
                print(f"{package} {json.loads(lock_path.read_text())['version']}: {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
        except (FetchError, OSError, ValueError, KeyError, tarfile.TarError) as exc:
            without = json.loads(lock_path.read_text()).get("without", "")
            print(f"{package} NOT FETCHED: {exc}\n  {without} Run scripts/fetch_npm.py again when the npm "
                  f"registry can be reached.", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
