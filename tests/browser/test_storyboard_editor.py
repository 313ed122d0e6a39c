"""The storyboard editor in Chromium (issue #11, item 3): a producer adds a shot, inserts one, moves
rows by keyboard (Alt+ArrowUp) and by dragging the handle, deletes one, gives a new row a frame and
saves: the new version holds the rows in the order they were left, each old frame with its row.
Leaving the page after an edit asks first; saving does not. axe finds nothing serious at 1366 and
390 px in Chinese and English; at 390 px the rows are cards and nothing pushes the page sideways.
Screenshots go where the layout test puts its own (``test-artifacts/screenshots``).
"""


import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from projects import services
from projects.models import Deliverable, State
from tests.support import ROOT
from tests.support.a11y import DESKTOP, PHONE, axe_violations, describe, layout_problems
from tests.support.browser import sign_in
from tests.support.factories import png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SHOTS = ROOT / "test-artifacts" / "screenshots"


def look(page, name, language, found):
    """axe and the phone layout at both widths, with a screenshot of each."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, viewport in (("1366", DESKTOP), ("390", PHONE)):
        page.set_viewport_size(viewport)
        page.wait_for_timeout(150)  # layout.js marks scrolling tables after a resize
        if violations := axe_violations(page):
            found[f"{language} {width}px {name}: axe"] = violations
        if width == "390":
            assert page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")
            if problems := layout_problems(page):
                found[f"{language} {width}px {name}: layout"] = problems
        page.screenshot(path=str(SHOTS / f"{name}-{language}-{width}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


def test_a_producer_arranges_the_shots_and_one_save_writes_them_in_that_order(
    browser, live_server, make_project, producer_a, storage_dir, axe
):
    project = make_project(State.STORYBOARD)
    v1 = services.deliverable_save(project=project, user=producer_a, kind="storyboard", base_version=0, shots=[
        {"number": 1, "picture": "甲：清晨的街道全景", "duration_seconds": 6, "shot_size": "long", "camera_movement": "航拍",
         "frame": SimpleUploadedFile("a.png", png_bytes(640, 360))},
        {"number": 2, "picture": "乙：老党员在社区门口与居民交谈", "duration_seconds": 8, "shot_size": "medium",
         "dialogue": "旁白：他在这里服务了三十年。"},
    ])
    a_frame = v1.shots.get(number=1).frame.name
    found = {}
    context, page = sign_in(browser, live_server, "producer_a", language="zh-hans")
    try:
        dialogs = []
        page.on("dialog", lambda d: (dialogs.append(d.type), d.dismiss()))
        page.goto(f"/projects/{project.pk}/storyboard/")
        rows = page.locator("#shots tbody tr")
        expect(rows).to_have_count(2)  # the blank rows for use without the script are gone
        expect(rows.nth(0).locator(".thumb img")).to_have_attribute("alt", "第 1 镜的画面")
        page.wait_for_function("() => { const i = document.querySelector('#shots tbody tr .thumb img');"
                               " return i && i.complete && i.naturalWidth > 0; }")

        def picture(i):
            return rows.nth(i).locator("textarea[name$='-picture']")

        # Add a shot at the end.
        page.click("button.add")
        expect(rows).to_have_count(3)
        expect(picture(2)).to_be_focused()
        picture(2).fill("丙：党员志愿者为老人送餐")
        rows.nth(2).locator("input[name$='-duration_seconds']").fill("5")
        assert page.locator("#storyboard-form").get_attribute("data-dirty") == "1"
        # Leaving now asks first (and staying keeps everything).
        page.locator("h1 a").click(no_wait_after=True)
        page.wait_for_timeout(500)
        assert dialogs == ["beforeunload"] and page.url.endswith(f"/projects/{project.pk}/storyboard/")

        # Insert a shot below the first.
        rows.nth(0).locator("button.below").click()
        expect(rows).to_have_count(4)
        picture(1).fill("新：社区活动室")
        rows.nth(1).locator("input[name$='-duration_seconds']").fill("4")
        # Keyboard: Alt+ArrowUp on the last row's picture moves 丙 above 乙.
        picture(3).focus()
        page.keyboard.press("Alt+ArrowUp")
        expect(picture(2)).to_have_value("丙：党员志愿者为老人送餐")
        expect(picture(2)).to_be_focused()
        expect(rows.nth(2).locator("th .shot-n")).to_have_text("3")
        # Drag 甲 by its handle below the last row (the window tall enough for both in sight).
        page.set_viewport_size({"width": DESKTOP["width"], "height": 1600})
        page.evaluate("() => window.scrollTo(0, 0)")
        handle = rows.nth(0).locator(".handle").bounding_box()
        last = rows.nth(3).bounding_box()
        page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
        page.mouse.down()
        page.mouse.move(handle["x"] + 5, last["y"] + last["height"] * 0.6, steps=8)
        page.mouse.move(handle["x"] + 5, last["y"] + last["height"] * 0.8, steps=2)
        page.mouse.up()
        assert [picture(i).input_value()[:1] for i in range(4)] == ["新", "丙", "乙", "甲"]
        page.set_viewport_size(DESKTOP)
        # Delete 新 (the first row): marked, numbered out, undoable.
        rows.nth(0).locator("button.delete").click()
        expect(rows.nth(0)).to_have_class("shot deleted")
        expect(rows.nth(1).locator("th .shot-n")).to_have_text("1")
        expect(rows.nth(0).locator("button.delete")).to_have_attribute("aria-label", "撤销删除第 — 镜")
        # A frame for 丙.
        rows.nth(1).locator("input[type=file]").set_input_files(
            files=[{"name": "丙.png", "mimeType": "image/png", "buffer": png_bytes(320, 180)}])
        # The form's prefixes follow the rows.
        names = page.eval_on_selector_all("#shots tbody tr textarea[name$='-picture']", "els => els.map(e => e.name)")
        assert names == [f"shots-{i}-picture" for i in range(4)]
        assert page.input_value("input[name=shots-TOTAL_FORMS]") == "4"

        look(page, "storyboard-editor", "zh-hans", found)

        with page.expect_navigation():
            page.click("#storyboard-form button[type=submit]")
        assert page.url.endswith(f"/projects/{project.pk}/"), page.url
        assert dialogs == ["beforeunload"]  # saving did not ask
        page.goto("about:blank")
    finally:
        context.close()

    v2 = project.deliverables.get(kind=Deliverable.Kind.STORYBOARD, version=2)
    shots = list(v2.shots.all())
    assert [(s.number, s.picture[:1], s.duration_seconds) for s in shots] == [(1, "丙", 5), (2, "乙", 8), (3, "甲", 6)]
    assert shots[0].frame.name.endswith(".png") and shots[0].thumbnail.name.endswith(".jpg")
    assert shots[1].frame.name == "" and shots[2].frame.name == a_frame
    assert (shots[1].shot_size, shots[1].dialogue, shots[2].camera_movement) == ("medium", "旁白：他在这里服务了三十年。", "航拍")

    # The same page in English, with the saved version's rows (and a frame) in it.
    context, page = sign_in(browser, live_server, "producer_a", language="en")
    try:
        page.goto(f"/projects/{project.pk}/storyboard/")
        expect(page.locator("#shots tbody tr")).to_have_count(3)
        expect(page.locator("#shots tbody tr").nth(0).locator("button.up")).to_have_attribute("aria-label", "Move shot 1 up")
        look(page, "storyboard-editor", "en", found)
        page.goto("about:blank")
    finally:
        context.close()
    assert not found, describe(found)


def test_without_its_script_the_editor_still_saves_adds_and_deletes_rows(browser, live_server, make_project, producer_a):
    project = make_project(State.STORYBOARD)
    services.deliverable_save(project=project, user=producer_a, kind="storyboard", base_version=0, shots=[
        {"number": 1, "picture": "甲", "duration_seconds": 6}, {"number": 2, "picture": "乙", "duration_seconds": 8}])
    context, page = sign_in(browser, live_server, "producer_a", javascript=False)
    try:
        page.goto(f"/projects/{project.pk}/storyboard/")
        rows = page.locator("#shots tbody tr")
        expect(rows).to_have_count(5)  # two shots and three blank rows
        expect(page.locator("button.add")).to_have_count(0)
        rows.nth(0).locator("label.check:has(input[name$='-DELETE'])").click()
        rows.nth(2).locator("textarea[name$='-picture']").fill("丙")
        rows.nth(2).locator("input[name$='-duration_seconds']").fill("3")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "storyboard-editor-nojs-zh-hans-1366.png"), full_page=True)
        with page.expect_navigation():
            page.click("#storyboard-form button[type=submit]")
        assert page.url.endswith(f"/projects/{project.pk}/"), page.url
        page.goto("about:blank")
    finally:
        context.close()
    v2 = project.deliverables.get(kind=Deliverable.Kind.STORYBOARD, version=2)
    assert [(s.number, s.picture) for s in v2.shots.all()] == [(1, "乙"), (2, "丙")]
