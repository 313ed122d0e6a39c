"""Phone layout and accessibility of the main pages (issue #11, items 6 and 7), in Chromium.

The world is the demo (``tests/support/walk.py``: ``manage.py seed_demo`` through the real services
and media pipeline). Each role logs in through the form (the login page is checked too, the
language chosen in its header); every page of the main walk is opened in
Chinese and in English, at 1366 px and at 390×844. axe-core (fetched from the npm registry at set-up,
integrity-checked, injected into the page) must find no serious or critical violation at either
width; at 390 px nothing may push the page sideways (tables reflow into cards or scroll inside their
box), every control is a 44 px target, and no text breaks one character per line. The dashboard,
project, review and cut pages are photographed at both widths in both languages into
``test-artifacts/screenshots`` (emptied when this module starts).

A second test walks the cut page by keyboard alone: the skip link, the player, and a QC marker that
seeks the player with Enter.
"""

import shutil

import pytest
from django.utils import translation
from playwright.sync_api import expect

from media import services as media_services
from media.models import Cut
from media.tasks import process_cut
from projects.models import State
from tests.support import ROOT, walk
from tests.support.a11y import DESKTOP, PHONE, axe_violations, describe, layout_problems
from tests.support.browser import sign_in
from tests.support.clips import make_clip

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SHOTS = ROOT / "test-artifacts" / "screenshots"
LANGUAGES = ("zh-hans", "en")


@pytest.fixture(scope="module")
def shots():
    """The screenshots of this module's last run, and only those."""
    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True)
    return SHOTS


@pytest.mark.walk
def test_the_main_pages_pass_axe_and_fit_a_phone_in_both_languages(browser, live_server, storage_dir, axe, shots):
    walk.seed()
    pages = walk.pages()
    found = {}

    def check(page, name, url, language):
        """The page (the language already chosen), loaded at each width."""
        for width, viewport in (("1366", DESKTOP), ("390", PHONE)):
            page.set_viewport_size(viewport)
            response = page.goto(url)
            assert response.status == 200, (name, url, response.status)
            expect(page.locator("html")).to_have_attribute("lang", language)
            where = f"{language} {width}px {name} ({url})"
            if violations := axe_violations(page):
                found[f"{where}: axe"] = violations
            if width == "390" and (problems := layout_problems(page)):
                found[f"{where}: layout"] = problems
            if name in walk.SCREENSHOTS:
                page.screenshot(path=str(shots / f"{name}-{language}-{width}.png"), full_page=True)

    for language in LANGUAGES:
        for i, username in enumerate(dict.fromkeys(user for user, _, _ in pages)):
            first = (lambda page, name, language=language: check(page, name, "/accounts/login/", language)) if i == 0 else None
            context, page = sign_in(browser, live_server, username, password=walk.PASSWORD, language=language,
                                    timeout_ms=15_000, check_login_page=first)
            try:
                for _, name, url in (p for p in pages if p[0] == username):
                    check(page, name, url, language)
            finally:
                page.goto("about:blank")  # no request of the page's may outlive the test's database
                context.close()
    assert not found, describe(found)
    expected = {f"{name}-{language}-{width}.png" for name in walk.SCREENSHOTS for language in LANGUAGES for width in ("1366", "390")}
    assert {path.name for path in shots.iterdir()} == expected


@pytest.fixture(scope="module")
def qc_clip(tmp_path_factory):
    """5 s whose sound stops at 1.5 s and whose picture fades to black at 2.4 s (as in
    test_cut_upload): QC findings with a place on the timeline."""
    return make_clip(tmp_path_factory.mktemp("clips") / "键盘.mp4", seconds=5, size="320x240",
                     extra=("-vf", "fade=t=out:st=2.4:d=0.2", "-af", "volume=enable='gte(t,1.5)':volume=0"))


def focused(page) -> dict:
    return page.evaluate("() => { const e = document.activeElement;"
                         " return {tag: e.tagName, id: e.id, cls: e.className, start: e.dataset ? e.dataset.start : null}; }")


def tab_until(page, wanted, limit=80):
    """Press Tab until ``wanted(focused)`` holds; the stops on the way, for the failure message."""
    stops = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        stops.append(now)
        if wanted(now):
            return now
    raise AssertionError(f"never reached by Tab: {stops}")


def test_the_cut_page_works_by_keyboard_alone(make_project, producer_a, login, storage_dir, qc_clip):
    project = make_project(State.PRODUCTION)
    cut = media_services.cut_import(project=project, user=producer_a, path=qc_clip, note="键盘")
    assert process_cut.call(cut.pk) == "ready"
    cut = Cut.objects.get(pk=cut.pk)
    timed = [f for f in cut.qc["findings"] if f["start"] is not None]
    assert timed, cut.qc["findings"]

    page = login("producer_a")
    page.goto(f"/cuts/{cut.pk}/")
    page.wait_for_function("document.getElementById('player').readyState >= 1")
    # The first Tab shows the skip link; Enter moves the focus past the header to the content.
    page.keyboard.press("Tab")
    skip = page.locator("a.skip")
    expect(skip).to_be_focused()
    with translation.override("zh-hans"):
        expect(skip).to_have_text(translation.gettext("Skip to content"))
    assert skip.bounding_box()["y"] >= 0, "the focused skip link is on the screen"
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"
    # Then Tab reaches the player, and after it each QC marker; Enter on one seeks the player there.
    tab_until(page, lambda f: f["id"] == "player")
    marker = tab_until(page, lambda f: "marker" in (f["cls"] or ""))
    page.keyboard.press("Enter")
    page.wait_for_function(
        f"Math.abs(document.getElementById('player').currentTime - {float(marker['start'])}) < 0.3")
    page.evaluate("document.getElementById('player').pause()")
    label = page.locator(f"#markers .marker[data-start='{marker['start']}']").get_attribute("aria-label")
    assert label and any(label.endswith(f["message"]) for f in _messages(cut)), label
    page.goto("about:blank")


def _messages(cut):
    with translation.override("zh-hans"):
        return [{"message": str(f.message)} for f in cut.findings]
