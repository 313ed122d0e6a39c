"""Task backend fixtures, a pytest plugin (``pytest_plugins`` in ``tests/conftest.py``): the tests
run on whichever backend ``TASKS_BACKEND`` names (CI runs the media tests on both), and a test that
needs one backend in particular says so.

``redis_tasks`` puts one test on the Redis backend (django-tasks-rq) against the Redis at
``REELWORK_TEST_REDIS_URL`` (default ``redis://127.0.0.1:6379/14``): a database number of the tests'
own, emptied before and after each test, never another. Where Redis does not answer, or the scale
extra is not installed, those tests skip with a loud reason, and fail under ``CI=true``. When the
whole session runs on Redis, its queues are moved to that same test database for the session.
"""

import os

import pytest
from django.conf import settings as django_settings
from django.test import override_settings

from studio.rq import with_timeouts

TEST_REDIS_URL = os.environ.get("REELWORK_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
QUEUES = ["default", "media"]
DATABASE = "django_tasks_db.DatabaseBackend"
REDIS = "django_tasks_rq.RQBackend"


def rq_settings(url: str) -> dict:
    """The settings a process on the Redis backend has (as studio.settings builds them)."""
    return {
        "TASKS": {"default": {"BACKEND": REDIS, "QUEUES": QUEUES}},
        "RQ_QUEUES": {name: {"URL": with_timeouts(url, connect=5, read=10), "DEFAULT_TIMEOUT": 600} for name in QUEUES},
        "RQ": {"JOB_CLASS": "django_tasks_rq.Job", "WORKER_CLASS": "media.rq_worker.Worker"},
    }


def _cannot_run(reason: str):
    loud = f"REDIS TESTS NOT RUN — {reason}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(loud, pytrace=False)
    pytest.skip(loud)


def _redis(url: str):
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)


@pytest.fixture(scope="session")
def redis_url():
    """The tests' own Redis database, answering; skip (fail on CI) when it cannot be had."""
    try:
        import django_tasks_rq  # noqa: F401
        import redis
    except ImportError:
        _cannot_run("django-tasks-rq is not installed (pip install .[scale]; ./test installs it)")
    try:
        _redis(TEST_REDIS_URL).ping()
    except redis.RedisError as exc:
        _cannot_run(f"Redis at {TEST_REDIS_URL} does not answer ({exc}); start it, or set REELWORK_TEST_REDIS_URL")
    return TEST_REDIS_URL


@pytest.fixture(scope="session", autouse=True)
def _session_on_redis(request):
    """A session run with TASKS_BACKEND on Redis enqueues into the tests' own database, not the
    operator's REELWORK_REDIS_URL."""
    if not django_settings.TASKS["default"]["BACKEND"].startswith("django_tasks_rq."):
        yield
        return
    url = request.getfixturevalue("redis_url")
    _redis(url).flushdb()
    with override_settings(**rq_settings(url)):
        yield
    _redis(url).flushdb()


@pytest.fixture
def redis_tasks(settings, redis_url):
    """This test on the Redis backend; the environment a worker process needs to be on it too."""
    connection = _redis(redis_url)
    connection.flushdb()
    for name, value in rq_settings(redis_url).items():
        setattr(settings, name, value)
    yield {"TASKS_BACKEND": REDIS, "TASKS_QUEUES": ",".join(QUEUES), "REELWORK_REDIS_URL": redis_url}
    connection.flushdb()


@pytest.fixture
def database_tasks(settings):
    """This test on the database backend; the environment for a worker. Not in a session on Redis:
    there ``media.tasks`` was declared with the Redis backend's task class, which the database
    backend refuses (one process has one backend in any real deployment). The runs on the
    database backend cover these tests."""
    if django_settings.TASKS["default"]["BACKEND"].startswith("django_tasks_rq."):
        pytest.skip("database-backend test; this session runs on Redis (the database runs cover it)")
    settings.TASKS = {"default": {"BACKEND": DATABASE, "QUEUES": QUEUES}}
    return {"TASKS_BACKEND": DATABASE, "TASKS_QUEUES": ",".join(QUEUES)}
