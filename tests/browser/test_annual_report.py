"""The annual report in Chromium, in Chinese and in English: every chart drew (an SVG with the
series it should have), the labels are in the reader's language, the organiser's report is the
audiences alone, and printed it is A4 pages that nothing overflows. Screenshots of each go to
``test-artifacts/browser/annual-report/`` (emptied first), to be looked at."""

import re
import shutil

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS
from tests.support import reports as data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
SHOTS = ARTIFACTS / "annual-report"

# chart → how many series it draws with the fixed year (tests/support/reports.py), read today:
# P2's production and panel review milestones are both past due by now.
EXPECTED = {
    "summary.figures": None, "films.genre": 3, "films.track": 3, "films.unit": 3, "schedule.stages": 3, "schedule.timeline": 2,
    "panels.criteria": 1, "panels.groups": 1, "panels.verdicts": 1, "audiences.top": 2, "audiences.by_kind": 2,
    "audiences.by_month": 3, "homogeneity.topics": 1,
}
TITLES = {"zh-CN": ("各片型影片数", "每月受众", "今天"), "en-US": ("Films by genre", "Audience per month", "today")}


@pytest.fixture(scope="module")
def shots():
    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True)
    return SHOTS


@pytest.fixture
def world():
    return data.build()


def open_as(browser, live_server, username, locale):
    context = browser.new_context(base_url=live_server.url, locale=locale, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    context.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=""))
    page = context.new_page()
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-" + username)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    return context, page


def charts_drawn(page) -> dict:
    """chart key → the distinct series its SVG drew, as the browser laid it out (each mark has
    a size: a chart that failed to draw has none)."""
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('figure[data-chart]')].map(f => {
        const svg = f.querySelector('svg');
        const box = svg.getBoundingClientRect();
        const marks = [...svg.querySelectorAll('[data-series]')].filter(m => { const b = m.getBBox(); return b.width > 0 || b.height > 0; });
        return [f.dataset.chart, {width: box.width, height: box.height, series: [...new Set(marks.map(m => m.dataset.series))].length}];
    }))""")


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_the_office_reads_the_year_with_every_chart_drawn(browser, live_server, world, shots, locale):
    context, page = open_as(browser, live_server, "r_office", locale)
    page.goto("/reports/2024/")
    expect(page.locator("h1")).to_contain_text("2024")
    drawn = charts_drawn(page)
    assert {key: c["series"] for key, c in drawn.items()} == {k: v for k, v in EXPECTED.items() if v is not None}
    assert all(c["width"] > 300 and c["height"] > 50 for c in drawn.values()), drawn
    body = page.inner_text("main")
    for words in TITLES[locale]:
        assert words in body or words in page.content(), words
    # every chart has the table of its figures right below it
    for key in drawn:
        assert page.locator(f'figure[data-chart="{key}"] + table[data-table="{key}"]').count() == 1, key
    page.screenshot(path=str(shots / f"report-{locale}.png"), full_page=True)

    # Printed: A4 pages, nothing wider than the page, the office and year in the margins.
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 680, "height": 960})  # 180 mm of A4 between 15 mm margins, at 96 dpi
    overflow = page.evaluate("() => document.documentElement.scrollWidth")
    assert overflow <= 681, overflow
    assert page.locator("header.top").is_hidden()
    page.screenshot(path=str(shots / f"report-{locale}-print.png"), full_page=True)
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    (shots / f"report-{locale}.pdf").write_bytes(pdf)
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert len(boxes) >= 4, "one section a page at least"
    assert {(round(float(w)), round(float(h))) for w, h in boxes} == {(595, 842)}  # A4 in points
    context.close()


def test_the_organiser_reads_the_audiences_alone(browser, live_server, world, shots):
    context, page = open_as(browser, live_server, "r_organiser", "zh-CN")
    page.goto("/reports/2024/")
    assert [s.get_attribute("data-section") for s in page.locator("section.part").all()] == ["audiences"]
    drawn = charts_drawn(page)
    assert {key: c["series"] for key, c in drawn.items()} == {"audiences.top": 2, "audiences.by_kind": 2, "audiences.by_month": 3}
    page.screenshot(path=str(shots / "report-organiser.png"), full_page=True)
    context.close()


def test_the_dashboard_shows_the_timeline(browser, live_server, world, shots):
    context, page = open_as(browser, live_server, "r_office", "zh-CN")
    expect(page.locator("#chart-dashboard-timeline")).to_be_visible()
    assert page.locator("#chart-dashboard-timeline [data-series]").count() == 4  # P2's four milestones
    page.locator("#timeline").screenshot(path=str(shots / "dashboard-timeline.png"))
    context.close()
