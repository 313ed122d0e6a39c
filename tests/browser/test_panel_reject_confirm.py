"""The panel's reject verdict asks once more, saying what it does for good (issue 11, item 5).

On the results board the office chooses 驳回 with a note; the board answers with the consequence
and a form to confirm that keeps the note. Going back changes nothing; confirming ends the project.
No real cut is needed: the entry's cut carries the probe of a 10 s file (``panel_cut``).
"""

import pytest
from django.utils import translation
from playwright.sync_api import expect

from projects.models import State
from reviews import services
from reviews.models import Decision, Rubric
from tests.reviews.conftest import panel_cut, score

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def click_and_wait(page, selector):
    with page.expect_navigation():
        page.click(selector)


@pytest.fixture
def world(make_project, office, panelist):
    from types import SimpleNamespace

    from django.apps import apps

    from reviews import reference_data
    from reviews.models import Criterion

    if not Rubric.objects.filter(code="standard").exists():
        reference_data.load(apps)
    rubric = Rubric.objects.get(code="standard")
    w = SimpleNamespace(office=office, expert=panelist, project=make_project(State.PANEL_REVIEW))
    panel_cut(w.project)
    panel = services.panel_create(user=office, name="2026年度评审工作组")
    services.member_add(panel=panel, user=office, member_user=panelist, group="expert")
    w.session = services.session_open(panel=panel, user=office, title="第一次集中评审", rubric=rubric,
                                      weights={"expert": 100})
    w.entry = services.entry_add(session=w.session, user=office, project=w.project)
    w.session = services.session_start_scoring(session=w.session, user=office)
    criteria = list(Criterion.objects.filter(rubric=rubric))
    w.veto = next(c for c in criteria if c.is_veto)
    w.scored = [c for c in criteria if not c.is_veto]
    score(w, panelist, 2)
    return w


def test_rejecting_on_the_board_asks_first_keeps_the_note_and_going_back_changes_nothing(world, login, screenshot):
    with translation.override("zh-hans"):
        consequence = services.decision_consequence(world.entry, "reject")
    desk = login("office")
    desk.goto(f"/panel-sessions/{world.session.pk}/board/")
    card = desk.locator(f"#board-{world.entry.pk}")
    card.locator("input[name=verdict][value=reject]").check()
    card.locator("input[name=note]").fill("主题表达偏离立项要求")
    click_and_wait(desk, f"#board-{world.entry.pk} form button[type=submit]")
    expect(desk.locator("#consequence")).to_have_text(consequence)
    expect(desk.locator("#confirm textarea[name=note]")).to_have_value("主题表达偏离立项要求")
    screenshot(desk, "confirm-panel-reject")
    click_and_wait(desk, "#confirm a.button.secondary")  # no, go back
    assert desk.url.endswith(f"/panel-sessions/{world.session.pk}/board/#board-{world.entry.pk}")
    world.project.refresh_from_db()
    assert world.project.state == State.PANEL_REVIEW and not Decision.objects.exists()

    card.locator("input[name=verdict][value=reject]").check()
    click_and_wait(desk, f"#board-{world.entry.pk} form button[type=submit]")
    desk.fill("#confirm textarea[name=note]", "主题表达偏离立项要求")
    click_and_wait(desk, "#confirm button[type=submit]")
    expect(desk.locator(".msg.success")).to_be_visible()
    world.project.refresh_from_db()
    assert world.project.state == State.REJECTED
    assert Decision.objects.get().note == "主题表达偏离立项要求"
