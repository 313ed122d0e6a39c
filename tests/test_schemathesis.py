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
from pathlib import Path

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from rest_framework.authtoken.models import Token

from projects.models import State

pytestmark = pytest.mark.schemathesis

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
CONFIG = Path(__file__).with_name("schemathesis.toml")
CSRF = "x" * 32  # Django accepts a CSRF cookie and header that carry the same secret
MAX_EXAMPLES = 5


@pytest.fixture
def seeded(make_project, storage_dir):
    """Projects in several states (ids 1…), so generated ids also reach real objects."""
    return [make_project(state) for state in (State.TOPIC, State.SCRIPT, State.PRODUCTION, State.APPROVED)]


def test_schemathesis_finds_no_failure(live_server, seeded, office, settings, tmp_path):
    # the ignored_auth check calls every operation without credentials, many times
    settings.REELWORK_ANON_API_RATE = "10000/min"
    token = Token.objects.create(user=office)
    browser = Client()
    browser.force_login(office)
    assert browser.session[SESSION_KEY]
    session = browser.cookies["sessionid"].value
    command = [
        str(SCHEMATHESIS), "--config-file", str(CONFIG), "run", f"{live_server.url}/api/schema/?format=json", "--url", live_server.url,
        "--checks", "all", "--max-examples", str(MAX_EXAMPLES), "--seed", "20261202", "--workers", "1",
        "--generation-database", "none", "--no-color", "--request-timeout", "20",
        "--header", f"Authorization: Token {token.key}",
        "--header", f"Cookie: sessionid={session}; csrftoken={CSRF}",
        "--header", f"X-CSRFToken: {CSRF}",
        "--report", "junit", "--report-dir", str(tmp_path),
    ]
    run = subprocess.run(command, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
                         env={**os.environ, "SCHEMATHESIS_TELEMETRY": "false"})
    (tmp_path / "schemathesis.txt").write_text(run.stdout + run.stderr)
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-3000:]
