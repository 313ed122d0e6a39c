"""Browser fixtures: one headless Chromium per session, one fresh context (= one person) per login.

Playwright must not download browsers: we drive Debian's /usr/bin/chromium. Without it the
browser tests are skipped with a loud reason, except on CI (``CI=true``), where they fail.

Django's live server runs in a thread next to the test; Playwright's sync API keeps an event
loop in the test's thread, so Django's async-safety check must be relaxed for the ORM calls the
tests make between page steps (set below, restored when the session ends). With the in-memory
SQLite of the default run, the server's threads share the test's one connection: the server
answers one request at a time (``serialised_live_server``), and a test lets the page's requests
finish before it queries the database itself.
"""

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.support import ROOT
from tests.support.a11y import AXE

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
TIMEOUT_MS = 10_000

# Playwright's sync API runs an event loop in this thread; the ORM calls in the tests and in
# pytest-django's transactional teardown would otherwise raise SynchronousOnlyOperation.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


def _no_browser(reason):
    message = f"BROWSER TESTS NOT RUN: {reason}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session", autouse=True)
def serialised_live_server():
    """A page loading a video, its poster and a frame thumbnail sends requests at once; on one
    shared SQLite connection their queries would interleave (a cursor reads another request's
    rows). Requests still arrive on threads, so a kept-alive connection blocks nobody."""
    from django.test.testcases import LiveServerThread, ThreadedWSGIServer

    lock = threading.Lock()

    class Serialised(ThreadedWSGIServer):
        def set_app(self, application):
            if not self.connections_override:  # PostgreSQL, or SQLite on disk: nothing shared
                return super().set_app(application)

            def serialised(environ, start_response):
                with lock:
                    return application(environ, start_response)

            super().set_app(serialised)

    LiveServerThread.server_class = Serialised
    try:
        yield
    finally:
        LiveServerThread.server_class = ThreadedWSGIServer


@pytest.fixture(scope="session")
def browser():
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        _no_browser(f"{CHROMIUM} is missing (apt-get install chromium); Playwright must not download browsers.")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the test extra installs it
        _no_browser("the playwright package is not installed (pip install -e '.[test]').")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(autouse=True)
def reference_data(transactional_db):
    """Genres, tracks, checklist items, role groups and the other apps' shipped rows, whether or not a previous transactional
    test flushed them (the tests also ask for ``serialized_rollback``). Autouse, so it runs before
    the role fixtures of tests/conftest.py, whose users need the groups to exist."""
    from django.apps import apps
    from django.contrib.auth.models import Group

    from projects import reference_data as seed
    from projects.models import ChecklistItem, Genre, Track

    seed.load(apps)  # get_or_create: a no-op when the migrations' rows are still there
    # The other apps' shipped rows the demo world needs (the rubric, the course kinds, the
    # homogeneity vocabulary): idempotent too, the vocabulary only when gone (it is long).
    from projects.models import VocabularyTerm
    from reviews import reference_data as review_data
    from screenings import reference_data as screening_data

    review_data.load(apps)
    screening_data.load(apps)
    if not VocabularyTerm.objects.exists():
        seed.load_vocabulary(apps)
    assert Genre.objects.filter(code="exemplary").exists()
    assert Track.objects.filter(code="project").exists()
    assert ChecklistItem.objects.filter(stage="script", active=True).count() == 5
    assert set(Group.objects.values_list("name", flat=True)) >= set(seed.ROLE_GROUPS)


@pytest.fixture
def artifacts():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def screenshot(artifacts, request):
    """``screenshot(page, "step")`` saves a full-page PNG named after the test and the step."""
    test = request.node.name

    def shoot(page, step):
        path = artifacts / f"{test}--{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return shoot


@pytest.fixture
def login(browser, live_server):
    """``login("office")`` opens a new browser context, logs in through the form, returns a page."""
    contexts = []

    def log_in(username):
        context = browser.new_context(
            base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(TIMEOUT_MS)
        # No favicon request: it would hit the shared in-memory SQLite connection concurrently.
        context.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=""))
        contexts.append(context)
        page = context.new_page()
        page.goto("/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", "pw-" + username)
        with page.expect_navigation():
            page.click("main form button[type=submit]")
        assert page.url == live_server.url + "/", f"login as {username} failed: {page.url}"
        return page

    yield log_in
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def axe():
    """axe-core as ./test fetches it: fetched now if missing (no network when it is in place)."""
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "fetch_npm.py"), "--only", "axe-core"],
                            capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL)
    if result.returncode != 0 or not AXE.is_file():
        pytest.fail(f"axe-core could not be fetched for the accessibility checks:\n{result.stderr}", pytrace=False)
    return AXE
