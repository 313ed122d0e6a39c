"""A Redis that does not answer makes queueing a task fail within seconds with an error that says
so, instead of hanging the request (or the sweep) that queues it: the connections django-rq makes
carry a connect and a read timeout (``studio.rq.with_timeouts``, from ``REELWORK_REDIS_URL`` and
``REELWORK_REDIS_CONNECT_TIMEOUT`` / ``REELWORK_REDIS_TIMEOUT``)."""

import json
import logging
import os
import socket
import subprocess
import sys

import pytest

from media import claims
from media.models import Cut
from media.tasks import process_cut  # noqa: F401  (declared under the session's backend)
from projects import services
from projects.models import State
from studio.rq import with_timeouts
from tests.support import ROOT
from tests.support.task_backends import rq_settings


@pytest.fixture
def silent_redis():
    """A port that accepts connections and never answers (a hung Redis, or a firewall that lets
    the handshake through): without a read timeout a client waits on it for ever."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield server.getsockname()[1]


def test_the_redis_url_carries_timeouts_unless_it_names_its_own():
    assert with_timeouts("redis://127.0.0.1:6379/3", connect=5, read=10) == (
        "redis://127.0.0.1:6379/3?socket_connect_timeout=5&socket_timeout=10")
    assert with_timeouts("redis://:secret@cache:6380/0?socket_timeout=30", connect=2, read=10) == (
        "redis://:secret@cache:6380/0?socket_timeout=30&socket_connect_timeout=2")


def test_the_settings_give_every_queue_the_timeouts_from_the_environment(tmp_path):
    pytest.importorskip("django_tasks_rq")
    env = {**os.environ, "TASKS_BACKEND": "django_tasks_rq.RQBackend", "REELWORK_REDIS_URL": "redis://10.0.0.9:6379/2",
           "REELWORK_REDIS_CONNECT_TIMEOUT": "3", "DJANGO_SETTINGS_MODULE": "studio.settings",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    env.pop("REELWORK_REDIS_TIMEOUT", None)
    out = subprocess.run([sys.executable, "-c", "import json; from django.conf import settings; "
                          "print(json.dumps({k: v['URL'] for k, v in settings.RQ_QUEUES.items()}))"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True).stdout
    url = "redis://10.0.0.9:6379/2?socket_connect_timeout=3&socket_timeout=10"
    assert json.loads(out) == {"default": url, "media": url}


@pytest.mark.django_db
def test_queueing_on_a_redis_that_does_not_answer_fails_with_a_timeout_and_the_cut_stays_due(
        settings, redis_tasks, silent_redis, make_project, producer_a, caplog):
    import django_rq
    import redis

    url = with_timeouts(f"redis://127.0.0.1:{silent_redis}/0", connect=1, read=1)
    for name, value in rq_settings(url).items():
        setattr(settings, name, value)
    with pytest.raises(redis.TimeoutError):
        django_rq.get_connection("media").ping()

    deliverable = services.deliverable_save(project=make_project(State.PRODUCTION), user=producer_a, kind="cut",
                                            base_version=0, note="v1", from_upload=True)
    cut = Cut.objects.create(deliverable=deliverable, original_key="cuts/x/v1/original/cut.mp4", original_name="cut.mp4",
                             size=1, sha256="0" * 64)
    with caplog.at_level(logging.WARNING, logger="media.claims"):
        assert claims.cut_enqueue(cut.pk) is False
    assert f"cut {cut.pk}: could not be queued (TimeoutError" in caplog.text
    cut.refresh_from_db()
    assert cut.status == Cut.Status.QUEUED and cut.task_id == ""  # still due: the sweep queues it again
