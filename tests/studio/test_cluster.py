"""The cluster smoke test: ``scripts/cluster.sh start`` brings up two web processes behind the
balancer, three RQ workers, the sweep, PostgreSQL, Redis and S3 as a deployment has them; a
producer signs in through the balancer and uploads a cut over HTTP (straight to the bucket, as the
browser does); an RQ worker processes it to READY; ``scripts/cluster.sh stop`` leaves no process.

The cluster here has a directory, ports, a database and a Redis database of its own, so it runs
beside a developer's ``scripts/cluster.sh`` and the rest of the suite. Without PostgreSQL, Redis or
the S3 server it skips with a loud reason, and fails on CI."""

import hashlib
import http.client
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

import pytest

from tests.support.clips import make_mpeg4_clip
from tests.support.workers import alive

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
PORT = int(os.environ.get("REELWORK_SMOKE_PORT", 8890))
DB = "reelwork_cluster_smoke"
REDIS_DB = "12"  # the tests' own Redis database is 14, a developer's cluster uses 13


def _cannot_run(reason):
    loud = f"CLUSTER SMOKE TEST NOT RUN — {reason}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(loud, pytrace=False)
    pytest.skip(loud)


def _ours(directory: Path) -> list[int]:
    """Pids of the live processes started for this cluster (they carry its directory in their environment)."""
    mark = f"REELWORK_CLUSTER_DIR={directory}".encode()
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if mark in (proc / "environ").read_bytes().split(b"\0") and alive(int(proc.name)):
                    pids.append(int(proc.name))
            except OSError:
                continue
    return pids


class Browser:
    """HTTP through the balancer with a cookie jar of its own (the cluster runs production
    settings, whose cookies are marked Secure: a real browser keeps them on localhost)."""

    def __init__(self, port):
        self.port, self.cookies = port, {}

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = {"Host": f"127.0.0.1:{self.port}", "Accept-Language": "en", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if "csrftoken" in self.cookies and method != "GET":
            sent.setdefault("X-CSRFToken", self.cookies["csrftoken"])
            sent.setdefault("Origin", f"http://127.0.0.1:{self.port}")
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        conn.close()
        return response.status, response.headers, data

    def json(self, method, path, payload=None):
        status, _, data = self.request(method, path, json.dumps(payload).encode() if payload is not None else None,
                                       {"Content-Type": "application/json"} if payload is not None else None)
        return status, json.loads(data) if data else None

    def sign_in(self, username, password):
        status, _, page = self.request("GET", "/accounts/login/")
        assert status == 200
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        form = urllib.parse.urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token})
        status, headers, _ = self.request("POST", "/accounts/login/", form.encode(),
                                          {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 302 and "sessionid" in self.cookies, (status, dict(headers))


def _put(url: str, data: bytes) -> int:
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    conn.request("PUT", f"{parts.path}?{parts.query}", body=data, headers={"Content-Length": str(len(data))})
    status = conn.getresponse().status
    conn.close()
    return status


def _until(what, predicate, logs: Path, limit=120):
    # A guard against a hung run, not a timing assertion.
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.3)
    tails = "\n".join(f"--- {p.name}\n{p.read_text()[-1500:]}" for p in sorted(logs.glob("*.log")))
    pytest.fail(f"gave up waiting for {what}\n{tails}")


@pytest.fixture
def cluster(tmp_path):
    directory = tmp_path / "cluster"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "TASKS_", "REELWORK_", "DJANGO_"))}
    env.update(REELWORK_CLUSTER_DIR=str(directory), REELWORK_CLUSTER_PORT=str(PORT), REELWORK_CLUSTER_DB=DB,
               REELWORK_CLUSTER_REDIS_DB=REDIS_DB, PY=sys.executable)
    script = [str(ROOT / "scripts" / "cluster.sh")]
    for tool in ("psql", "redis-cli", "curl"):
        if subprocess.run(["which", tool], capture_output=True).returncode:
            _cannot_run(f"{tool} is missing")
    if subprocess.run(["psql", "postgres://postgres@127.0.0.1:5432/postgres", "-qc", f'DROP DATABASE IF EXISTS "{DB}"'],
                      capture_output=True).returncode:
        _cannot_run("PostgreSQL at 127.0.0.1:5432 does not answer")
    subprocess.run(["redis-cli", "-n", REDIS_DB, "flushdb"], capture_output=True)
    started = subprocess.run(script + ["start"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    try:
        if started.returncode == 3:
            _cannot_run(started.stderr.strip().splitlines()[-1])
        assert started.returncode == 0, started.stderr
        yield directory, env, script
    finally:
        stopped = subprocess.run(script + ["stop"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        subprocess.run(["redis-cli", "-n", REDIS_DB, "flushdb"], capture_output=True)
        assert stopped.returncode == 0, stopped.stderr
        assert _ours(directory) == [], "a process of the cluster outlived scripts/cluster.sh stop"


def _world(env, directory) -> dict:
    run_env = dict(env)
    for line in (directory / "env").read_text().splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            run_env[key] = value
    out = subprocess.run([sys.executable, "manage.py", "shell", "-c",
                          "from tests.support.cluster_world import main; main()"],
                         cwd=ROOT, env=run_env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_cut_uploaded_through_the_balancer_is_processed_by_a_worker_on_redis(cluster, tmp_path):
    directory, env, script = cluster
    status = subprocess.run(script + ["status"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert status.returncode == 0, status.stdout + status.stderr
    for name in ("web-1", "web-2", "lb", "worker-media-1", "worker-media-2", "worker-default", "sweep"):
        assert re.search(rf"^{name}\s+running", status.stdout, re.M), status.stdout
    assert '"backend": "RQBackend"' in status.stdout and '"kind": "s3"' in status.stdout

    world = _world(env, directory)
    clip = make_mpeg4_clip(tmp_path / "cut.avi", seconds=2)
    data = clip.read_bytes()
    producer = Browser(PORT)
    producer.sign_in(world["username"], world["password"])
    code, upload = producer.json("POST", f"/projects/{world['project']}/uploads/", {
        "filename": "cut.avi", "size": len(data), "sha256": hashlib.sha256(data).hexdigest(), "note": "集群"})
    assert code == 201 and upload["mode"] == "s3", upload
    size, count = upload["part_size"], upload["parts_total"]
    code, urls = producer.json("GET", f"/uploads/{upload['id']}/part-urls/?first=1&count={count}")
    assert code == 200, urls
    parts = [data[i:i + size] for i in range(0, len(data), size)]
    for number, part in enumerate(parts, start=1):
        assert _put(urls["urls"][str(number)], part) == 200
    code, answer = producer.json("POST", f"/uploads/{upload['id']}/complete/",
                                 {"parts": [hashlib.sha256(p).hexdigest() for p in parts]})
    assert code == 202, answer

    logs = directory / "log"
    cut_id = _until("the upload to be checked (worker-default)",
                    lambda: producer.json("GET", f"/uploads/{upload['id']}/")[1]["cut"], logs)
    final = _until("the cut to be processed (worker-media-*)",
                   lambda: (s := producer.json("GET", f"/cuts/{cut_id}/status/")[1])["status"] in {"ready", "failed"} and s,
                   logs)
    assert final["status"] == "ready", final
    media_logs = (logs / "worker-media-1.log").read_text() + (logs / "worker-media-2.log").read_text()
    assert "media.tasks.process_cut" in media_logs
    assert "verify_upload" in (logs / "worker-default.log").read_text()
    code, _, proxy = producer.request("GET", f"/cuts/{cut_id}/files/proxy.mp4")
    assert code in {200, 302}
    # The balancer handed the producer's requests to both web processes.
    for web in ("web-1", "web-2"):
        assert re.search(r'"(GET|POST) /(uploads|cuts)/', (logs / f"{web}.log").read_text()), web

    office = Browser(PORT)
    office.sign_in(world["office"], world["office_password"])
    code, overview = office.json("GET", "/api/cluster/")
    assert code == 200 and overview["backend"] == "redis"
    assert len(overview["workers"]) == 3 and overview["stuck"] == 0
    assert {q["name"]: q["waiting"] for q in overview["queues"]} == {"default": 0, "media": 0}
