"""Page steps the browser tests share (Playwright pages)."""

from playwright.sync_api import expect


def open_project(page, project):
    page.goto(f"/projects/{project.pk}/")
    expect(page.locator("#upload-form")).to_be_visible()


def leave(page):
    """Navigate away before the test touches the database: a queued cut's page polls its status
    every 2 s, and the live server shares one in-memory SQLite connection with this thread."""
    page.goto("about:blank")


def wait_until(page, condition, timeout_ms=15_000):
    """Let Playwright's event loop run (route handlers and events fire) until ``condition()`` holds."""
    for _ in range(timeout_ms // 50):
        if condition():
            return
        page.wait_for_timeout(50)
    raise AssertionError("condition not met in time")
