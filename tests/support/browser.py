"""Signing in through the login form in a new Chromium context, for the browser tests."""

from playwright.sync_api import expect

from tests.support.a11y import DESKTOP


def sign_in(browser, live_server, username, *, password=None, language=None, locale="zh-CN", viewport=DESKTOP,
            javascript=True, timeout_ms=10_000, check_login_page=None):
    """``(context, page)``: a new context signed in as ``username`` (password ``pw-<username>``,
    the fixtures' own, unless given). ``language``: chosen in the login page's header menu first
    (the choice outlives the login), and checked on the page after. ``check_login_page(page,
    name)`` looks at the login page before signing in."""
    context = browser.new_context(base_url=live_server.url, viewport=viewport, locale=locale,
                                  java_script_enabled=javascript)
    context.set_default_timeout(timeout_ms)
    # No favicon request: it would hit the shared in-memory SQLite connection concurrently.
    context.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=""))
    page = context.new_page()
    page.goto("/accounts/login/")
    if language not in (None, "zh-hans"):
        with page.expect_navigation():  # the header's language menu submits itself
            page.select_option("header select[name=language]", language)
    if language:
        expect(page.locator("html")).to_have_attribute("lang", language)
    if check_login_page:
        check_login_page(page, "login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password or "pw-" + username)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.url == live_server.url + "/", f"login as {username} failed: {page.url}"
    if language:
        expect(page.locator("html")).to_have_attribute("lang", language)
    return context, page
