"""Real worker processes for the tests that start and kill them: a database they share with the
test, a wait that guards against a hung run, and the ffmpeg processes a test's storage has running."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from media.models import Cut
from tests.support import ROOT


def shared_database(tmp_path):
    """A database URL a worker subprocess shares with this test, a reader of one cut's state there,
    and a function that brings the subprocess's writes back into the test's connection.

    PostgreSQL: the test database itself. SQLite: the test database lives in memory, so it is
    copied to a file the worker opens, and copied back at the end."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"

        def read(cut_id):
            return Cut.objects.filter(pk=cut_id).values_list("status", "progress", "attempts").get()

        return url, read, lambda: None
    path = tmp_path / "shared.sqlite3"
    connection.ensure_connection()
    with sqlite3.connect(path) as target:
        connection.connection.backup(target)

    def read(cut_id):
        with sqlite3.connect(path, timeout=20) as db_file:
            return db_file.execute("SELECT status, progress, attempts FROM media_cut WHERE id = ?", [cut_id]).fetchone()

    def sync_back():
        with sqlite3.connect(path, timeout=20) as source:
            source.backup(connection.connection)

    return f"sqlite:///{path}", read, sync_back


def start(argv, env, log_path) -> subprocess.Popen:
    """``manage.py <argv>`` in a session of its own (so a kill of its group reaches only it)."""
    with open(log_path, "ab") as log_file:
        return subprocess.Popen(
            [sys.executable, "manage.py", *argv],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
        )


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM (a worker's warm shutdown), then SIGKILL to its group if it does not go."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


def wait_for(what, predicate, log_path, limit=180):
    # A guard against a hung run, not a timing assertion: the work itself decides how long it takes.
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"gave up waiting for {what}; worker log:\n{Path(log_path).read_text()[-3000:]}")


def children(pid: int) -> list[int]:
    """Pids of the live processes whose parent is ``pid``."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            # The command name is in parentheses and may hold spaces: the fields after it are fixed.
            fields = (proc / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(proc.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


def ffmpeg_reading(path: Path) -> list[int]:
    """Pids of the ffmpeg processes reading files under ``path`` (this test's storage)."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(str(path).encode() in arg for arg in argv) and any(arg.endswith(b"ffmpeg") for arg in argv):
            pids.append(int(proc.name))
    return pids


def kill_ffmpeg_reading(path: Path) -> None:
    """Clean-up only: end, by pid, any ffmpeg this test caused that is still running."""
    for pid in ffmpeg_reading(path):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _stat(pid: int) -> list[str] | None:
    try:
        # The fields after the command name: state, ppid, pgrp, session, ...
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None


def parent(pid: int) -> int | None:
    """The parent of a live process, or None when it is gone."""
    fields = _stat(pid)
    return int(fields[1]) if fields and fields[0] != "Z" else None


def process_group(pid: int) -> int | None:
    fields = _stat(pid)
    return int(fields[2]) if fields and fields[0] != "Z" else None


def in_groups(groups) -> list[int]:
    """Pids of the live processes in any of the process groups ``groups``."""
    groups, found = set(groups), []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            fields = _stat(int(proc.name))
            if fields and fields[0] != "Z" and int(fields[2]) in groups:
                found.append(int(proc.name))
    return found
