"""From pitch to the script gate, clicked through by the people who do it.

A producer of unit A pitches a topic to the open call; the office plans and approves it; the
producer writes and submits the script; the office passes it against the checklist. Elements are
found by ids, names and data attributes only, because the interface language is zh-hans and its
translations are still being written: texts are compared with the labels Django renders in
zh-hans (``zh()``), whichever language those turn out to be in.
"""

import datetime as dt
import re

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from projects.models import (
    ChecklistItem,
    Deliverable,
    Genre,
    Origin,
    StageReview,
    State,
    Track,
    VideoProject,
)
from projects.models.workflow import review_clears_veto
from tests.support.factories import submit_version

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TITLE = "楼道里的红色议事厅"
LOGLINE = "老党员王阿姨把楼道变成议事厅，邻里的难事在这里一件件解决。"
LOCAL = "华山街道的石库门弄堂"
SCRIPT = "第一场：清晨，石库门弄堂。王阿姨在楼道口摆开小板凳。"
NARRATION = "在华山街道，有这样一位老党员，她把楼道变成了居民议事厅……"


def zh(label):
    """What the page shows for a lazy label in the default language."""
    with translation.override("zh-hans"):
        return str(label)


def click_and_wait(page, selector):
    """Click something that submits or navigates, and wait until the next page has loaded."""
    with page.expect_navigation():
        page.click(selector)


def project_pk_from(page):
    match = re.search(r"/projects/(\d+)/$", page.url)
    assert match, f"not on a project page: {page.url}"
    return int(match.group(1))


def test_pitch_plan_approve_script_and_pass_the_script_gate(login, screenshot, call, producer_a, office, unit_a):
    exemplary, documentary = Genre.objects.get(code="exemplary"), Genre.objects.get(code="documentary")
    project_track = Track.objects.get(code="project")
    deadline = timezone.localdate() + dt.timedelta(days=150)

    # 1. The producer pitches a topic to the open call.
    producer = login("producer_a")
    click_and_wait(producer, "header nav a[href='/calls/']")
    click_and_wait(producer, f"a[href='/calls/{call.pk}/pitch/']")
    form = producer.locator("#pitch-form")
    expect(form.locator("select[name=unit]")).to_have_value(str(unit_a.pk))  # the producer's only unit
    offered_tracks = form.locator("select[name=proposed_track] option").evaluate_all("os => os.map(o => o.value)")
    assert str(Track.objects.get(code="mandatory").pk) not in offered_tracks  # assigned by the office only
    form.locator("input[name=title]").fill(TITLE)
    form.locator("textarea[name=logline]").fill(LOGLINE)
    form.locator("select[name=genre]").select_option(str(exemplary.pk))
    form.locator("input[name=local_elements]").fill(LOCAL)
    form.locator("select[name=proposed_track]").select_option(str(project_track.pk))
    screenshot(producer, "1a-pitch-form")
    click_and_wait(producer, "#pitch-form button[type=submit]")
    pk = project_pk_from(producer)
    expect(producer.locator("#project-state")).to_have_text(zh(State.TOPIC.label))
    expect(producer.locator("h1")).to_contain_text(TITLE)
    expect(producer.locator("main")).to_contain_text(LOCAL)
    expect(producer.locator(".msg.success")).to_be_visible()
    expect(producer.locator("#actions form[data-transition=approve]")).to_have_count(0)  # office only
    screenshot(producer, "1b-project-pitched")

    # 2. The office finds the project, plans it and approves the topic.
    desk = login("office")
    click_and_wait(desk, "header nav a[href='/projects/']")
    click_and_wait(desk, f"tr[data-project='{pk}'] a[href='/projects/{pk}/']")
    expect(desk.locator("#project-state")).to_have_text(zh(State.TOPIC.label))
    click_and_wait(desk, f"a[href='/projects/{pk}/plan/']")
    desk.select_option("select[name=genre]", str(documentary.pk))
    desk.select_option("select[name=track]", str(project_track.pk))
    desk.select_option("select[name=origin]", Origin.SELF_SELECTED.value)
    desk.fill("input[name=deadline]", deadline.isoformat())
    screenshot(desk, "2a-plan-form")
    click_and_wait(desk, "main form button[type=submit]")
    assert project_pk_from(desk) == pk
    expect(desk.locator("main")).to_contain_text(deadline.isoformat())
    expect(desk.locator("main")).to_contain_text(zh(Origin.SELF_SELECTED.label))
    expect(desk.locator("#schedule table tr")).to_have_count(1 + 4)  # header + four stages
    approve = desk.locator("#actions form[data-transition=approve]")
    expect(approve.locator("textarea[name=reason]")).to_have_count(0)  # nothing similar pitched before
    click_and_wait(desk, "#actions form[data-transition=approve] button[type=submit]")
    # 立项 cannot be undone: the page says what it does and asks once more.
    expect(desk.locator("#confirm[data-transition=approve] #consequence")).to_be_visible()
    expect(desk.locator("#project-state")).to_have_count(0)
    click_and_wait(desk, "#confirm button[type=submit]")
    expect(desk.locator("#project-state")).to_have_text(zh(State.SCRIPT.label))
    expect(desk.locator("#actions form[data-transition=approve]")).to_have_count(0)
    screenshot(desk, "2b-approved")

    # 3. The producer writes the script and submits it.
    producer.reload()
    expect(producer.locator("#project-state")).to_have_text(zh(State.SCRIPT.label))
    click_and_wait(producer, f"#actions a[href='/projects/{pk}/script/']")
    script_form = producer.locator("#script-form")
    script_form.locator("textarea[name=script]").fill(SCRIPT)
    script_form.locator("textarea[name=narration]").fill(NARRATION)
    script_form.locator("input[name=note]").fill("初稿")
    screenshot(producer, "3a-script-form")
    click_and_wait(producer, "#script-form button[type=submit]")
    assert project_pk_from(producer) == pk
    expect(producer.locator(".msg.success")).to_contain_text("1")
    deliverables = producer.locator("#deliverables")
    expect(deliverables).to_contain_text(f"{zh(Deliverable.Kind.SCRIPT.label)} v1")
    expect(deliverables).to_contain_text(zh(Deliverable.Status.DRAFT.label))
    click_and_wait(producer, "#actions button[name=submit-deliverable]")
    expect(producer.locator(".msg.success")).to_be_visible()
    expect(deliverables).to_contain_text(zh(Deliverable.Status.SUBMITTED.label))
    expect(producer.locator(f"#actions a[href='/projects/{pk}/review/']")).to_have_count(0)  # office only
    screenshot(producer, "3b-script-submitted")

    # 4. The office reviews the script against the checklist and advances it.
    desk.reload()
    click_and_wait(desk, f"#actions a[href='/projects/{pk}/review/']")
    assert desk.url.endswith(f"/projects/{pk}/review/")
    rows = desk.locator("#review-form tr[data-item]")
    items = ChecklistItem.objects.filter(stage="script", active=True)
    expect(rows).to_have_count(items.count())
    assert sorted(rows.evaluate_all("rs => rs.map(r => r.dataset.item)")) == sorted(i.code for i in items)
    for i in range(rows.count()):
        rows.nth(i).locator("input[type=radio][value='1']").check()
    desk.fill("#review-form textarea[name=comment]", "脚本通过，进入分镜。")
    screenshot(desk, "4a-review-form")
    click_and_wait(desk, "#review-form button[name=decision][value=advance]")
    assert project_pk_from(desk) == pk
    expect(desk.locator("#project-state")).to_have_text(zh(State.STORYBOARD.label))
    timeline = desk.locator("#timeline li[data-kind=state]")
    expect(timeline).to_have_count(3)  # pitched, approved, script gate passed
    expect(timeline.nth(1)).to_contain_text(f"office · {zh(State.TOPIC.label)} → {zh(State.SCRIPT.label)}")
    expect(timeline.nth(2)).to_contain_text(f"office · {zh(State.SCRIPT.label)} → {zh(State.STORYBOARD.label)}")
    expect(timeline.nth(2)).to_contain_text("脚本通过，进入分镜。")
    expect(desk.locator("#deliverables")).to_contain_text(zh(Deliverable.Status.ACCEPTED.label))
    expect(desk.locator(f"#actions a[href='/projects/{pk}/storyboard/']")).to_have_count(1)
    screenshot(desk, "4b-storyboard")

    # What the pages showed is what was stored.
    project = VideoProject.objects.select_related("topic").get(pk=pk)
    assert project.state == State.STORYBOARD
    assert (project.topic.title, project.topic.logline, project.topic.local_elements) == (TITLE, LOGLINE, LOCAL)
    assert (project.topic.pitched_by, project.topic.call, project.unit) == (producer_a, call, unit_a)
    assert (project.genre, project.track, project.origin, project.deadline) == (
        documentary, project_track, Origin.SELF_SELECTED, deadline
    )
    assert list(project.transitions.values_list("name", "source", "target", "actor__username")) == [
        ("approve", State.TOPIC, State.SCRIPT, "office"),
        ("pass_script", State.SCRIPT, State.STORYBOARD, "office"),
    ]
    (script,) = project.deliverables.all()
    assert (script.kind, script.version, script.status, script.author) == ("script", 1, Deliverable.Status.ACCEPTED, producer_a)
    assert (script.script, script.narration, script.note) == (SCRIPT, NARRATION, "初稿")
    assert script.submitted_at is not None
    (review,) = StageReview.objects.filter(deliverable=script)
    assert (review.decision, review.vetoed, review.reviewer) == ("advance", False, office)
    assert review.items.count() == items.count() and all(review.items.values_list("passed", flat=True))
    milestones = dict(project.milestones.values_list("stage", "done_on"))
    assert set(milestones) == {"script", "storyboard", "production", "panel_review"}
    assert milestones["script"] == timezone.localdate() and milestones["storyboard"] is None


def _submitted_script_project(make_project, producer_a):
    project = make_project(State.SCRIPT, title="巷口的党员修车摊")
    submit_version(project, producer_a, "script")
    return project


def test_office_returns_the_script_with_comments(login, screenshot, make_project, producer_a):
    project = _submitted_script_project(make_project, producer_a)
    comment = "解说词太长，请压缩到三百字以内。"

    desk = login("office")
    desk.goto(f"/projects/{project.pk}/review/")
    rows = desk.locator("#review-form tr[data-item]")
    for i in range(rows.count()):
        rows.nth(i).locator("input[type=radio][value='1']").check()
    desk.locator("#review-form tr[data-item=narration] input[type=radio][value='0']").check()
    desk.fill("#review-form tr[data-item=narration] input[type=text]", "过长")
    desk.fill("#review-form textarea[name=comment]", comment)
    click_and_wait(desk, "#review-form button[name=decision][value=return]")
    expect(desk.locator("#project-state")).to_have_text(zh(State.SCRIPT.label))
    screenshot(desk, "office-returned")

    producer = login("producer_a")
    click_and_wait(producer, "header nav a[href='/projects/']")
    click_and_wait(producer, f"tr[data-project='{project.pk}'] a[href='/projects/{project.pk}/']")
    expect(producer.locator("#project-state")).to_have_text(zh(State.SCRIPT.label))
    deliverables = producer.locator("#deliverables")
    expect(deliverables).to_contain_text(zh(Deliverable.Status.RETURNED.label))
    expect(deliverables).to_contain_text(f"{zh(StageReview.Decision.RETURN.label)}: {comment}")
    expect(producer.locator(f"#actions a[href='/projects/{project.pk}/script/']")).to_have_count(1)
    screenshot(producer, "producer-sees-returned")

    project.refresh_from_db()
    assert project.state == State.SCRIPT
    assert not project.transitions.filter(name="pass_script").exists()
    script = project.deliverables.get()
    assert script.status == Deliverable.Status.RETURNED
    review = script.reviews.get()
    assert (review.decision, review.comment, review.vetoed) == ("return", comment, False)
    assert review.items.get(item__code="narration").note == "过长"


def test_failed_veto_item_cannot_advance(login, screenshot, make_project, producer_a):
    project = _submitted_script_project(make_project, producer_a)

    desk = login("office")
    desk.goto(f"/projects/{project.pk}/review/")
    rows = desk.locator("#review-form tr[data-item]")
    for i in range(rows.count()):
        rows.nth(i).locator("input[type=radio][value='1']").check()
    desk.locator("#review-form tr[data-item=political] input[type=radio][value='0']").check()
    with desk.expect_response(lambda r: r.request.method == "POST" and r.url.endswith(f"/projects/{project.pk}/review/")) as posted:
        click_and_wait(desk, "#review-form button[name=decision][value=advance]")
    assert posted.value.status == 409
    expect(desk.locator(".msg.error")).to_have_text(zh(review_clears_veto.message))
    expect(desk.locator("#review-form tr[data-item=political] input[type=radio][value='0']")).to_be_checked()
    screenshot(desk, "veto-refused")

    desk.goto(f"/projects/{project.pk}/")
    expect(desk.locator("#project-state")).to_have_text(zh(State.SCRIPT.label))
    project.refresh_from_db()
    assert project.state == State.SCRIPT
    assert project.deliverables.get().status == Deliverable.Status.SUBMITTED
    assert not StageReview.objects.filter(project=project).exists()  # the refused review was rolled back
    assert not project.transitions.filter(name="pass_script").exists()
