"""The panel's review loop in Chromium, clicked through by the people who do it (issue #9).

Two films of unit A, each with a real 4 s 320x240 25 fps cut processed by the media pipeline, wait
in a panel session's queue. The expert steps frames with the keyboard, marks an in and an out
point, draws a rectangle on the frame, writes a comment and submits it with Enter, then scores both
films; the leader scores too (and sees the expert's private comment only after submitting). The
office confirms a revise and a pass on the results board. The producer finds the returned film's
rectification item through the notification, is refused the next version while the item is
unanswered, answers it against version 2 and submits; in the next session the expert closes the
item and the office passes the film.

The interface is in zh-hans (the default); texts are compared with what Django renders in zh-hans
(``zh()``), elements found by ids, names and data attributes.
"""

import json
import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from media import pipeline
from media import services as media_services
from media.models import Cut
from media.tasks import process_cut
from projects.models import State, VideoProject
from reviews import services
from reviews.models import Comment, Criterion, Decision, Group, Item, Phase, Rubric, Session, Verdict
from tests.support.clips import make_clip
from tests.support.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

REVISED, PASSED = "楼道里的红色议事厅", "弄堂里的党员先锋岗"
REMARK = "字幕与画面不同步，请核对。"
RECT = ((0.25, 0.25), (0.75, 0.6))  # the rectangle drawn, in 0–1 frame coordinates


def zh(text):
    """What the page shows for a message (or a lazy label) in the default language."""
    with translation.override("zh-hans"):
        return translation.gettext(text) if isinstance(text, str) else str(text)


def click_and_wait(page, selector):
    with page.expect_navigation():
        page.click(selector)


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return make_clip(tmp_path_factory.mktemp("clips") / "样片.mp4", seconds=4, size="320x240")


@pytest.fixture
def rubric():
    from django.apps import apps

    from reviews import reference_data

    reference_data.load(apps)  # get_or_create: a no-op while the migration's rows are there
    return Rubric.objects.get(code="standard")


def upload_cut(project, producer, office, clip, note):
    """A cut through the same import as ``upload_cut`` and the real pipeline; 320x240 and 4 s fail
    the genre's targets, so the office waives QC as it would for a test picture."""
    cut = media_services.cut_import(project=project, user=producer, path=clip, note=note)
    assert process_cut.call(cut.pk) == "ready"
    cut.refresh_from_db()
    media_services.cut_waive_qc(cut=cut, user=office, reason="测试画面，技术指标豁免。")
    return Cut.objects.get(pk=cut.pk)


@pytest.fixture
def films(make_project, producer_a, office, clip, storage_dir):
    from projects import services as project_services

    out = []
    for title in (REVISED, PASSED):
        project = make_project(State.PRODUCTION, title=title)
        upload_cut(project, producer_a, office, clip, "第一版")
        project_services.deliverable_submit(project=project, user=producer_a, kind="cut")
        project.refresh_from_db()
        assert project.state == State.PANEL_REVIEW
        out.append(project)
    return out


@pytest.fixture
def leader(db):
    return make_user("leader", "panelist")


def open_session(office, rubric, panel, projects, title):
    session = services.session_open(panel=panel, user=office, title=title, rubric=rubric,
                                    weights={"expert": 50, "leader": 30, "grassroots": 20})
    entries = [services.entry_add(session=session, user=office, project=p) for p in projects]
    services.session_start_scoring(session=session, user=office)
    return session, entries


@pytest.fixture
def session(films, office, panelist, leader, rubric):
    panel = services.panel_create(user=office, name="2026年度评审工作组")
    services.member_add(panel=panel, user=office, member_user=panelist, group="expert")
    services.member_add(panel=panel, user=office, member_user=leader, group="leader")
    session, entries = open_session(office, rubric, panel, films, "第一次集中评审")
    return panel, session, entries


def wait_for_video(page):
    page.wait_for_function("document.getElementById('player').readyState >= 2")


def tc(page):
    return page.locator("#tc")


def score_film(page, rubric, value, *, veto="pass", remark=""):
    """Fill in the scorecard on the open room page and submit it."""
    form = page.locator("#score-form")
    for c in Criterion.objects.filter(rubric=rubric):
        if c.is_veto:
            form.locator(f"input[name=c{c.pk}][value={veto}]").check()
        else:
            form.locator(f"input[name=c{c.pk}]").fill(str(value))
    if remark:
        form.locator("textarea[name=remark]").fill(remark)
    click_and_wait(page, "#score-form button[name=submit][value='1']")
    expect(page.locator("#scorecard h2 .rag.green")).to_have_text(zh("submitted"))


def open_room(page, session, entry):
    page.goto(f"/panel-sessions/{session.pk}/")
    click_and_wait(page, f"#entry-{entry.pk} a[href='/panel-sessions/{session.pk}/entries/{entry.pk}/']")


def pixel(page, fx, fy):
    """The overlay canvas's RGBA at a point given in 0–1 frame coordinates."""
    return page.evaluate(
        """([fx, fy]) => { const c = document.getElementById('overlay');
             return Array.from(c.getContext('2d').getImageData(Math.round(fx * c.width), Math.round(fy * c.height), 1, 1).data); }""",
        [fx, fy],
    )


def test_a_panel_reviews_returns_and_passes_a_film(login, screenshot, session, films, rubric, clip, office, producer_a, panelist):
    panel, first, (revised, passed) = session

    # 1. The expert opens the first film of the queue from the panel pages.
    expert = login("panelist")
    click_and_wait(expert, "header nav a[href='/panels/']")
    click_and_wait(expert, f"#sessions a[href='/panel-sessions/{first.pk}/']")
    expect(expert.locator(f"#entry-{revised.pk} .rag")).to_have_text(zh("to score"))
    click_and_wait(expert, f"#entry-{revised.pk} a[href='/panel-sessions/{first.pk}/entries/{revised.pk}/']")
    expect(expert.locator("h1")).to_contain_text(REVISED)
    wait_for_video(expert)
    expect(tc(expert)).to_have_text("00:00:00:00")

    # Frame steps with the keyboard: → three times is exactly three frames, ← one back.
    for _ in range(3):
        expert.keyboard.press("ArrowRight")
    expect(tc(expert)).to_have_text("00:00:00:03")
    expert.keyboard.press("ArrowLeft")
    expect(tc(expert)).to_have_text("00:00:00:02")
    assert expert.evaluate("window.reelworkRoom.frameAt()") == 2
    expert.keyboard.press("i")
    for _ in range(5):
        expert.keyboard.press("ArrowRight")
    expect(tc(expert)).to_have_text("00:00:00:07")
    expert.keyboard.press("o")
    expect(expert.locator("#tc-in")).to_have_value("00:00:00:02")
    expect(expert.locator("#tc-out")).to_have_value("00:00:00:07")
    expect(expert.locator("#range")).to_have_text("00:00:00:02 – 00:00:00:07")

    # A rectangle dragged on the frame.
    expert.click("#draw-tools [data-tool=rect]")
    box = expert.locator("#overlay").bounding_box()
    (x0, y0), (x1, y1) = RECT
    expert.mouse.move(box["x"] + x0 * box["width"], box["y"] + y0 * box["height"])
    expert.mouse.down()
    expert.mouse.move(box["x"] + x1 * box["width"], box["y"] + y1 * box["height"], steps=5)
    expert.mouse.up()
    drawn = json.loads(expert.locator("#drawing").input_value())
    assert [s["type"] for s in drawn["shapes"]] == ["rect"]
    assert drawn["shapes"][0]["points"] == [[pytest.approx(x0, abs=0.01), pytest.approx(y0, abs=0.01)],
                                            [pytest.approx(x1, abs=0.01), pytest.approx(y1, abs=0.01)]]
    assert pixel(expert, x0, (y0 + y1) / 2)[3] > 0  # the stroke shows while drawing
    screenshot(expert, "1-drawing")

    # C goes to the comment box; Enter submits it.
    expert.keyboard.press("c")
    expect(expert.locator("#comment-body")).to_be_focused()
    expert.keyboard.type(REMARK)
    with expert.expect_navigation():
        expert.keyboard.press("Enter")
    comment = Comment.objects.get()
    assert (comment.author_id, comment.frame, comment.end_frame, comment.body) == (panelist.pk, 2, 7, REMARK)
    assert comment.drawing == {"shapes": [{"type": "rect", "color": "#e53935", "points": drawn["shapes"][0]["points"]}]}
    assert comment.thumbnail_key  # made by ffmpeg from the proxy
    shown = expert.locator(f"#comment-{comment.pk}")
    expect(shown.locator("code")).to_have_text("00:00:00:02–00:00:00:07")
    expect(shown).to_contain_text(REMARK)
    thumb = shown.locator("img")
    expect(thumb).to_have_attribute("src", f"/panel-comments/{comment.pk}/frame.jpg")
    expert.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle())
    assert thumb.evaluate("img => img.naturalWidth") == pipeline.FRAME_THUMB_WIDTH

    # The stored drawing is redrawn over the video inside the comment's range, not outside it.
    wait_for_video(expert)
    expect(expert.locator("#markers .marker")).to_have_count(1)
    for _ in range(4):
        expert.keyboard.press("ArrowRight")
    expect(tc(expert)).to_have_text("00:00:00:04")
    edge = (x0, (y0 + y1) / 2)  # on the rectangle's left side
    assert pixel(expert, *edge)[:3] == [pytest.approx(v, abs=3) for v in (0xE5, 0x39, 0x35)]  # the drawing's red
    assert pixel(expert, 0.5, 0.4)[3] == 0  # inside the rectangle: the picture, untouched
    screenshot(expert, "2-comment")
    for _ in range(4):
        expert.keyboard.press("ArrowRight")
    expect(tc(expert)).to_have_text("00:00:00:08")  # past the out point
    assert pixel(expert, *edge)[3] == 0

    # The first film gets middling scores, the second good ones.
    score_film(expert, rubric, 6, remark="节奏偏慢")
    open_room(expert, first, passed)
    score_film(expert, rubric, 9)
    expert.goto(f"/panel-sessions/{first.pk}/")
    expect(expert.locator(".rag.green")).to_have_count(2)

    # 2. The leader scores both; the expert's private comment shows only after their own card.
    leader = login("leader")
    open_room(leader, first, revised)
    expect(leader.locator(f"#comment-{comment.pk}")).to_have_count(0)
    expect(leader.locator("#panel-scores")).to_have_count(0)
    score_film(leader, rubric, 7)
    expect(leader.locator(f"#comment-{comment.pk}")).to_contain_text(REMARK)
    expect(leader.locator("#panel-scores")).to_be_visible()
    open_room(leader, first, passed)
    score_film(leader, rubric, 8)

    # 3. The office confirms a revise and a pass on the results board.
    desk = login("office")
    desk.goto(f"/panel-sessions/{first.pk}/")
    click_and_wait(desk, "#phase a[href$='/board/']")
    expect(desk.locator("#alpha")).not_to_have_text(zh("not defined yet"))
    rows = {e.pk: desk.locator(f"#board-{e.pk}") for e in (revised, passed)}
    expect(rows[passed.pk].locator("h2 .state")).to_have_text("#1")  # ranked first
    groups = rows[passed.pk].locator("table.summary th")
    for label in (Group.EXPERT.label, Group.LEADER.label, Group.GRASSROOTS.label):
        expect(groups.filter(has_text=zh(label))).to_have_count(1)
    screenshot(desk, "3-board")
    rows[revised.pk].locator("input[name=verdict][value=revise]").check()
    rows[revised.pk].locator("input[name=note]").fill("请按意见整改后再审")
    with desk.expect_navigation():
        rows[revised.pk].locator("button[type=submit]").click()
    expect(desk.locator(".msg.success")).to_have_text(zh("Verdict confirmed."))
    expect(rows[revised.pk]).to_contain_text(zh(Verdict.REVISE.label))
    rows[passed.pk].locator("input[name=verdict][value=pass]").check()
    with desk.expect_navigation():
        rows[passed.pk].locator("button[type=submit]").click()
    expect(rows[passed.pk]).to_contain_text(zh(Verdict.PASS.label))
    expect(desk.locator("section.card form[action$='/decide/']")).to_have_count(0)
    screenshot(desk, "4-verdicts")
    states = dict(VideoProject.objects.filter(pk__in=[f.pk for f in films]).values_list("pk", "state"))
    assert states == {films[0].pk: State.PRODUCTION, films[1].pk: State.APPROVED}
    item = Item.objects.get()
    assert (item.comment_id, item.status) == (comment.pk, Item.Status.OPEN)

    # 4. The producer follows the notice to the rectification items.
    producer = login("producer_a")
    click_and_wait(producer, "header nav a[href='/notifications/']")
    click_and_wait(producer, f"#notifications a[href='/projects/{films[0].pk}/rectification/']")
    shown = producer.locator(f"#item-{item.pk}")
    expect(shown.locator(".state")).to_have_text(zh(Item.Status.OPEN.label))
    expect(shown.locator("code")).to_have_text("00:00:00:02–00:00:00:07")
    expect(shown).to_contain_text(REMARK)
    expect(shown.locator(".frame img")).to_have_attribute("src", f"/rectification/{item.pk}/frame.jpg")
    expect(shown.locator(".frame svg polyline")).to_have_count(1)  # the expert's rectangle over the frame
    expect(shown.locator("textarea[name=answer]")).to_have_count(0)  # no new version yet
    expect(shown).to_contain_text(zh("Upload the new version of the cut first, then answer the items against it."))
    screenshot(producer, "5-items")

    # Version 2 arrives (the upload itself is tested in test_cut_upload); submitting it is refused
    # while the item is unanswered, and the refusal names it.
    films[0].refresh_from_db()
    upload_cut(films[0], producer_a, office, clip, "第二版：字幕已对齐")
    producer.goto(f"/projects/{films[0].pk}/")
    expect(producer.locator("button[name=submit-deliverable]")).to_have_count(0)
    expect(producer.locator("#submit-refused")).to_contain_text(f"#{item.pk} 00:00:00:02")
    screenshot(producer, "6-refused")
    producer.goto(f"/projects/{films[0].pk}/rectification/")
    shown.locator("textarea[name=answer]").fill("已逐句核对字幕时间码。")
    click_and_wait(producer, f"#item-{item.pk} form[action$='/answer/'] button")
    expect(shown.locator(".state")).to_have_text(zh(Item.Status.ANSWERED.label))
    expect(shown).to_contain_text("已逐句核对字幕时间码。")
    producer.goto(f"/projects/{films[0].pk}/")
    click_and_wait(producer, "button[name=submit-deliverable]")
    expect(producer.locator("#project-state")).to_have_text(zh(State.PANEL_REVIEW.label))
    screenshot(producer, "7-resubmitted")

    # 5. The office opens the next session on version 2; the expert closes the item they raised.
    desk.goto(f"/panels/{panel.pk}/")
    form = desk.locator("form[action$='/sessions/']")
    form.locator("input[name=title]").fill("复审")
    form.locator("select[name=rubric]").select_option(str(rubric.pk))
    click_and_wait(desk, "form[action$='/sessions/'] button[type=submit]")
    second = Session.objects.get(title="复审")
    assert desk.url.endswith(f"/panel-sessions/{second.pk}/")
    desk.locator("form[action$='/entries/'] select[name=project]").select_option(str(films[0].pk))
    click_and_wait(desk, "form[action$='/entries/'] button[type=submit]")
    click_and_wait(desk, "form[action$='/phase/scoring/'] button[type=submit]")
    expect(desk.locator("h1 .state")).to_have_text(zh(Phase.SCORING.label))
    again = second.entries.get()
    assert again.cut.deliverable.version == 2
    open_room(expert, second, again)
    expect(expert.locator("h1")).to_contain_text("v2")
    raised = expert.locator(f"#items #item-{item.pk}")
    expect(raised.locator(".state")).to_have_text(zh(Item.Status.ANSWERED.label))
    expect(raised.locator("code")).to_have_text("v1 00:00:00:02–00:00:00:07")
    expect(raised).to_contain_text("已逐句核对字幕时间码。")
    click_and_wait(expert, f"#items #item-{item.pk} form[action$='/close/'] button")
    expect(raised.locator(".state")).to_have_text(zh(Item.Status.CLOSED.label))
    score_film(expert, rubric, 9)
    screenshot(expert, "8-item-closed")

    # The office passes the film.
    desk.goto(f"/panel-sessions/{second.pk}/board/")
    row = desk.locator(f"#board-{again.pk}")
    expect(row).to_contain_text(zh("Proposed by rule"))
    row.locator("input[name=verdict][value=pass]").check()
    with desk.expect_navigation():
        row.locator("button[type=submit]").click()
    expect(row).to_contain_text(zh(Verdict.PASS.label))
    screenshot(desk, "9-passed")
    films[0].refresh_from_db()
    assert films[0].state == State.APPROVED
    assert Item.objects.get().status == Item.Status.CLOSED
    assert list(Decision.objects.order_by("pk").values_list("verdict", flat=True)) == ["revise", "pass", "pass"]
