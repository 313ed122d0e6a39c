"""S3 fixtures, a pytest plugin (``pytest_plugins`` in ``tests/conftest.py``): a real S3 API server
on 127.0.0.1 (Ceph RADOS Gateway, started by ``scripts/s3-server.sh``) and a fresh bucket for each
test session.

``s3_server`` starts the server once per session (about 20 s the first time; instant when it is
already running, e.g. after ``scripts/s3-server.sh start``) and stops it at the end only if this
session started it and no other session is still using it. Where it cannot run (not root, no apt,
packages unavailable, port taken) the S3 tests skip with a loud reason, and fail under ``CI=true``.
"""

import fcntl
import os
import shlex
import subprocess
import tempfile
import uuid
import warnings
from pathlib import Path

import pytest

from tests.support import ROOT

SCRIPT = ROOT / "scripts" / "s3-server.sh"
# The script's exit codes for "cannot run here" (as opposed to "broke while starting").
PACKAGES_UNAVAILABLE, PORT_TAKEN = 3, 4
TEST_ORIGIN = "http://testserver"


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def _cannot_run(reason: str):
    loud = f"S3 TESTS NOT RUN — {reason}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(loud, pytrace=False)
    pytest.skip(loud)


def _script(*args, timeout):
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL, cwd=ROOT)


def _server_env() -> dict:
    values = {}
    for line in _script("env", timeout=30).stdout.splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        values[name] = shlex.split(value)[0] if value else ""
    return values


def _users_lock() -> Path:
    # Next to the server's data directory (the script's default, or REELWORK_S3_DATA), not inside
    # it: `wipe` deletes that.
    data = Path(os.environ.get("REELWORK_S3_DATA") or Path(tempfile.gettempdir()) / "reelwork-s3")
    return data.with_name(data.name + ".sessions.lock")


def _empty_and_delete_bucket(cfg: dict) -> None:
    from django.test import override_settings

    from media import storage

    with override_settings(REELWORK_S3=cfg):
        storage.empty_bucket(storage.client(), cfg["bucket"], delete=True)


@pytest.fixture(scope="session")
def s3_server():
    """The settings dict (``settings.REELWORK_S3``) for a real S3 server with a bucket of our own."""
    if not SCRIPT.exists():
        pytest.fail(f"{SCRIPT} is missing", pytrace=False)
    # Every session using the server holds this lock shared; whoever stops it must get it exclusive.
    lock = os.open(_users_lock(), os.O_RDONLY | os.O_CREAT, 0o666)
    fcntl.flock(lock, fcntl.LOCK_SH)
    started_here = False
    try:
        if _script("status", timeout=60).returncode != 0:
            try:
                result = _script("start", timeout=900)
            except subprocess.TimeoutExpired:
                pytest.fail("scripts/s3-server.sh start took more than 15 minutes", pytrace=False)
            if result.returncode in (PACKAGES_UNAVAILABLE, PORT_TAKEN):
                _cannot_run(f"scripts/s3-server.sh start could not start the S3 server here:\n{_tail(result.stderr)}")
            if result.returncode != 0:
                pytest.fail(f"scripts/s3-server.sh start failed (exit {result.returncode}):\n{_tail(result.stderr)}", pytrace=False)
            started_here = True
        env = _server_env()
        cfg = {
            "endpoint_url": env["REELWORK_S3_ENDPOINT_URL"],
            # Unique per session: runs in parallel or after a crash never see each other's objects.
            "bucket": f"reelwork-test-{uuid.uuid4().hex[:12]}",
            "access_key": env["REELWORK_S3_ACCESS_KEY"],
            "secret_key": env["REELWORK_S3_SECRET_KEY"],
            "region": env["REELWORK_S3_REGION"],
            "addressing_style": env["REELWORK_S3_ADDRESSING_STYLE"],
        }
        from django.test import override_settings

        from media import storage

        with override_settings(REELWORK_S3=cfg):
            storage.ensure_bucket(cors_origins=[TEST_ORIGIN])
        try:
            yield cfg
        finally:
            try:
                _empty_and_delete_bucket(cfg)
            except Exception as exc:  # noqa: BLE001 (a dead server must not hide the tests' own failures)
                warnings.warn(f"could not remove the test bucket {cfg['bucket']}: {exc!r}", stacklevel=1)
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        if started_here:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                pass  # another test session is using the server: leave it running
            else:
                _script("stop", timeout=120)
        os.close(lock)


@pytest.fixture
def s3_settings(settings, s3_server):
    """Turn S3 mode on for one test: ``settings.REELWORK_S3`` points at the session's bucket."""
    settings.REELWORK_S3 = dict(s3_server)
    return settings.REELWORK_S3
