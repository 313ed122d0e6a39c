"""Production serving: `scripts/serve` starts gunicorn with production settings, whitenoise serves
hashed static files with far-future caching, and `/healthz` tells a load balancer whether the
database, the storage and the task queue answer."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url, headers=None):
    request = urllib.request.Request(url, headers={"Host": "127.0.0.1", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`scripts/serve` (migrate, collectstatic, gunicorn) on a fresh SQLite database, two workers."""
    var = tmp_path_factory.mktemp("serve")
    port = _free_port()
    # The embedded default, whatever database or task backend this test session runs on.
    env = {k: v for k, v in os.environ.items()
           if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL", "TASKS_BACKEND", "REELWORK_REDIS_URL"}}
    env.update(
        REELWORK_MODE="production",
        SECRET_KEY="production-test-secret-" + "k" * 40,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        REELWORK_VAR_DIR=str(var),
        REELWORK_ADDR=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
        PY=sys.executable,
    )
    log = open(var / "serve.log", "w+")
    proc = subprocess.Popen([str(ROOT / "scripts" / "serve")], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            pytest.fail(f"scripts/serve exited with {proc.returncode}:\n{log.read()}")
        try:
            _get(base + "/healthz")
            break
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.3)
    else:
        pytest.fail("gunicorn did not answer within 120 s")
    yield base, proc, log
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    log.close()


def test_healthz_answers_ok_for_database_storage_and_task_queue(server):
    base, _, _ = server
    status, headers, body = _get(base + "/healthz")
    assert status == 200, body
    answer = json.loads(body)
    assert answer["status"] == "ok"
    assert {name: part["status"] for name, part in answer["components"].items()} == {
        "database": "ok", "storage": "ok", "tasks": "ok"}
    assert answer["components"]["storage"]["kind"] == "local"
    assert answer["components"]["tasks"]["backend"] == "DatabaseBackend"
    assert "no-cache" in headers["Cache-Control"]


def test_static_files_are_hashed_compressed_and_cached_for_ever(server):
    base, _, _ = server
    status, _, page = _get(base + "/accounts/login/")
    assert status == 200
    css = re.search(rb'href="(/static/studio/reelwork\.[0-9a-f]{12}\.css)"', page)
    assert css, "the login page links the stylesheet by its hashed name"
    status, headers, body = _get(base + css.group(1).decode(), {"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers.get("Content-Encoding") == "gzip"
    assert "max-age=315360000" in headers["Cache-Control"] and "immutable" in headers["Cache-Control"]
    assert body[:2] == b"\x1f\x8b"


def test_the_production_server_speaks_chinese_and_hides_debug_pages(server):
    base, _, _ = server
    status, _, page = _get(base + "/accounts/login/")
    assert "登录".encode() in page
    status, _, body = _get(base + "/no-such-page/")
    assert status == 404
    assert b"Traceback" not in body and b"URLconf" not in body


def test_it_runs_the_workers_it_was_told_to_and_stops_on_sigterm(server):
    _, proc, log = server
    log.flush()
    booted = re.findall(r"Booting worker with pid: (\d+)", (Path(log.name)).read_text())
    assert len(set(booted)) >= 2
    os.killpg(proc.pid, signal.SIGTERM)
    assert proc.wait(timeout=40) == 0
    text = Path(log.name).read_text()
    assert "Shutting down: Master" in text
    # Access log lines a person can read: time, client, request line, status.
    assert re.search(r'127\.0\.0\.1 "GET /healthz HTTP/1\.1" 200', text)


@pytest.mark.django_db
def test_healthz_answers_503_naming_the_failing_part_and_nothing_more(client, tmp_path, settings):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    storages = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                                 "OPTIONS": {"location": str(blocker / "storage")}}}
    with override_settings(STORAGES=storages):
        response = client.get("/healthz")
    assert response.status_code == 503
    answer = response.json()
    assert answer["status"] == "fail"
    assert answer["components"]["storage"] == {"status": "fail", "error": "StorageError",
                                               "ms": answer["components"]["storage"]["ms"]}
    assert answer["components"]["database"]["status"] == "ok"
    assert str(tmp_path).encode() not in response.content


@pytest.mark.django_db
def test_healthz_refuses_writes(client):
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_healthz_on_redis_says_how_many_jobs_wait_on_each_queue(client, redis_tasks):
    from media.tasks import process_cut

    process_cut.enqueue(1)
    response = client.get("/healthz")
    assert response.status_code == 200
    tasks = response.json()["components"]["tasks"]
    assert (tasks["status"], tasks["backend"], tasks["waiting"]) == ("ok", "RQBackend", {"default": 0, "media": 1})


@pytest.mark.django_db
def test_healthz_answers_503_when_redis_is_gone(client, redis_tasks, settings):
    port = _free_port()  # nothing listens there
    gone = f"redis://127.0.0.1:{port}/14"
    settings.RQ_QUEUES = {name: {**config, "URL": gone} for name, config in settings.RQ_QUEUES.items()}
    response = client.get("/healthz")
    assert response.status_code == 503
    tasks = response.json()["components"]["tasks"]
    assert (tasks["status"], tasks["error"]) == ("fail", "ConnectionError")
    assert str(port).encode() not in response.content
