"""Schemathesis against the live test server: every check, every phase (stateful included).

The schema is the one the server serves (``/api/schema/``), the answers are the real ones; a
failure means the schema and the answers disagree, or the API answered 500. The run is bounded
(a few examples per operation, fixed seed) so it costs well under a minute. It runs as the
office (who sees everything) with an API token, plus a session cookie and CSRF header for the
upload endpoints the browser calls.
"""

import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.test.testcases import QuietWSGIRequestHandler
from rest_framework.authtoken.models import Token

from projects.models import State

pytestmark = pytest.mark.schemathesis

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
CONFIG = Path(__file__).with_name("schemathesis.toml")
CSRF = "x" * 32  # Django accepts a CSRF cookie and header that carry the same secret
MAX_EXAMPLES = 15


@pytest.fixture
def seeded(make_project, storage_dir):
    """Projects in several states (ids 1…), so generated ids also reach real objects."""
    return [make_project(state) for state in (State.TOPIC, State.SCRIPT, State.PRODUCTION, State.APPROVED)]


@pytest.fixture
def quick_live_server(live_server, monkeypatch):
    # The test server writes headers and body apart; with Nagle's algorithm on, each answer then
    # waits for the client's delayed ACK (~40 ms), which made up most of this run's time.
    monkeypatch.setattr(QuietWSGIRequestHandler, "disable_nagle_algorithm", True)
    return live_server


def test_schemathesis_finds_no_failure(quick_live_server, seeded, office, settings, tmp_path):
    live_server = quick_live_server
    # the ignored_auth check calls every operation without credentials, many times
    settings.REELWORK_ANON_API_RATE = "10000/min"
    token = Token.objects.create(user=office)
    browser = Client()
    browser.force_login(office)
    assert browser.session[SESSION_KEY]
    session = browser.cookies["sessionid"].value
    # 127.0.0.1, not localhost: resolving localhost to ::1 first costs a failed connect per request
    base = live_server.url.replace("localhost", "127.0.0.1")
    # the schema as the server serves it to a signed-in client
    fetch = urllib.request.Request(f"{base}/api/schema/?format=json", headers={"Authorization": f"Token {token.key}"})
    with urllib.request.urlopen(fetch, timeout=30) as answer:
        (tmp_path / "schema.json").write_bytes(answer.read())
    command = [
        str(SCHEMATHESIS), "--config-file", str(CONFIG), "run", str(tmp_path / "schema.json"), "--url", base,
        "--checks", "all", "--max-examples", str(MAX_EXAMPLES), "--seed", "20261202", "--workers", "1",
        "--generation-database", "none", "--no-color", "--request-timeout", "20",
        "--report", "junit", "--report-dir", str(tmp_path),
    ]
    run = subprocess.run(command, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL, cwd=tmp_path,
                         env={**os.environ, "SCHEMATHESIS_TELEMETRY": "false", "REELWORK_TEST_TOKEN": token.key,
                              "REELWORK_TEST_SESSION": session, "REELWORK_TEST_CSRF": CSRF})
    (tmp_path / "schemathesis.txt").write_text(run.stdout + run.stderr)
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-3000:]
