"""The office's main job from its to-do dashboard (issue 11, item 1): reviewing a cut stage with
the player on the same page, in at most four clicks from the dashboard to a recorded decision.

Every click the office makes goes through ``click()``, which counts it; typing a comment is not a
click. The producer's dashboard then shows the returned cut with the reviewer's notes, linking to
the project, and the office's sections each link straight to where their work is done.
"""

import pytest
from django.utils import translation
from playwright.sync_api import expect

from media import services as media_services
from media.tasks import process_cut
from projects import services
from projects.models import Deliverable, StageReview, State
from tests.support.clips import make_clip
from tests.support.factories import submit_version

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TITLE = "楼道里的红色议事厅"


def zh(text):
    with translation.override("zh-hans"):
        return translation.gettext(text)


class Clicks:
    def __init__(self, page):
        self.page, self.count = page, 0

    def click(self, selector, *, navigates=True):
        self.count += 1
        if navigates:
            with self.page.expect_navigation():
                self.page.click(selector)
        else:
            self.page.click(selector)


@pytest.fixture
def cut_in_panel_review(make_project, producer_a, office, storage_dir, tmp_path):
    project = make_project(State.PRODUCTION, title=TITLE)
    clip = make_clip(tmp_path / "样片.mp4", seconds=4, size="320x240")
    cut = media_services.cut_import(project=project, user=producer_a, path=clip, note="第一版")
    assert process_cut.call(cut.pk) == "ready"
    cut.refresh_from_db()
    media_services.cut_waive_qc(cut=cut, user=office, reason="测试画面")
    services.deliverable_submit(project=project, user=producer_a, kind="cut")
    project.refresh_from_db()
    assert project.state == State.PANEL_REVIEW
    return project, cut


def test_the_office_reviews_a_cut_from_its_dashboard_in_four_clicks(login, screenshot, cut_in_panel_review):
    project, cut = cut_in_panel_review
    desk = login("office")  # lands on the dashboard
    clicks = Clicks(desk)
    waiting = desk.locator("section[data-section=awaiting] .todo-item")
    expect(waiting).to_have_count(1)
    expect(waiting).to_contain_text(TITLE)
    screenshot(desk, "1-dashboard")
    clicks.click("section[data-section=awaiting] .todo-item a.button")  # 1: straight to the review
    assert desk.url.endswith(f"/projects/{project.pk}/review/")
    player = desk.locator("#exhibit video#player")
    desk.wait_for_function("document.getElementById('player').readyState >= 1")
    clicks.click("#exhibit video#player", navigates=False)  # 2: watch it, on the same page
    desk.wait_for_function("document.getElementById('player').currentTime > 0.2")
    assert player.evaluate("v => !v.paused || v.ended")
    clicks.click("#review-form #all-passed", navigates=False)  # 3: every checklist item passed
    desk.fill("#review-form textarea[name=comment]", "画面、声音、字幕均符合要求。")
    screenshot(desk, "2-review-with-player")
    clicks.click("#review-form button[name=decision][value=advance]")  # 4: the decision, recorded
    assert clicks.count <= 4
    expect(desk.locator(".msg.success")).to_be_visible()
    expect(desk.locator("#project-state")).to_have_text(zh("Approved"))
    review = StageReview.objects.get(project=project, deliverable__kind="cut")
    assert review.decision == "advance" and review.items.count() and all(review.items.values_list("passed", flat=True))
    desk.goto("/")
    expect(desk.locator("section[data-section=awaiting] .todo-item")).to_have_count(0)


def test_the_producer_sees_what_came_back_with_the_notes_and_each_office_item_links_to_its_work(
    login, screenshot, make_project, producer_a, office
):
    returned = make_project(State.SCRIPT, title="退回的脚本")
    submit_version(returned, producer_a, "script")
    from projects.models import ChecklistItem

    results = {i.pk: (i.code != "narration", "解说词过长" if i.code == "narration" else "")
               for i in ChecklistItem.objects.filter(stage="script", active=True)}
    services.stage_review_record(project=returned, user=office, decision="return", results=results, comment="请压缩解说词。")
    topic = make_project(State.TOPIC, title="待立项的选题")

    producer = login("producer_a")
    item = producer.locator("section[data-section=returned] .todo-item")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("退回的脚本")
    expect(item).to_contain_text("请压缩解说词。")
    expect(item.locator(".todo-notes")).to_contain_text("解说词过长")
    expect(producer.locator("section[data-section=due] .todo-item").first).to_be_visible()
    expect(producer.locator("section[data-section=awaiting]")).to_have_count(0)  # the office's work
    screenshot(producer, "producer-dashboard")
    with producer.expect_navigation():
        item.locator("a.button").click()
    assert producer.url.endswith(f"/projects/{returned.pk}/#actions")
    expect(producer.locator(f"#actions a[href='/projects/{returned.pk}/script/']")).to_have_count(1)

    desk = login("office")
    topics = desk.locator("section[data-section=topics] .todo-item")
    expect(topics).to_contain_text("待立项的选题")
    with desk.expect_navigation():
        topics.filter(has_text="待立项的选题").locator("a.button").click()
    assert desk.url.endswith(f"/projects/{topic.pk}/#actions")
    assert Deliverable.objects.get(project=returned).status == Deliverable.Status.RETURNED
