import os
import subprocess
import sys

from django.urls import reverse

from projects.models import State
from tests.support import ROOT


def test_the_schedule_exports_as_icalendar(client, office, make_project):
    project = make_project(State.SCRIPT)
    client.force_login(office)
    response = client.get(reverse("project-calendar", args=[project.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    assert body.count("BEGIN:VEVENT") == project.milestones.count() == 4
    for m in project.milestones.all():
        assert f"DTSTART;VALUE=DATE:{m.due_on:%Y%m%d}" in body
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))


def test_production_settings_pass_check_deploy(tmp_path):
    # The browser tests' harness allows sync DB calls under Playwright's loop; a deployment never does.
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {
        **env,
        "REELWORK_MODE": "production",
        "SECRET_KEY": "x" * 20 + "production-secret-key-with-enough-entropy-0123456789",
        "ALLOWED_HOSTS": "reelwork.example.org",
        "DEBUG": "false",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_mode_refuses_to_start_without_a_secret_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(REELWORK_MODE="production", ALLOWED_HOSTS="x", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
