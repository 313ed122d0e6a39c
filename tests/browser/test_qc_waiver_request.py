"""A cut that fails QC does not stall both sides (issue 11, defect 3).

The producer is not offered a submission that would answer 409: the button is disabled and says
why, and points to the cut page, where the producer asks the office for a waiver with a reason.
The request lands on the office's to-do list; the office opens it from there and grants it (or
declines it with a note, which the producer reads); then the producer submits the cut.
"""

import pytest
from django.utils import translation
from playwright.sync_api import expect

from media import services as media_services
from media.models import WaiverRequest
from media.tasks import process_cut
from projects.models import State
from tests.support.clips import make_clip

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

REASON = "这是活动现场的手机素材，画幅达不到 1080p，内容无法重拍。"


def zh(text):
    with translation.override("zh-hans"):
        return translation.gettext(text)


def refusal(project):
    """Why the project's cut may not be submitted, as the page words it in zh-hans."""
    with translation.override("zh-hans"):
        return " ".join(media_services.cut_submit_refusals(project))


def click_and_wait(page, selector):
    with page.expect_navigation():
        page.click(selector)


@pytest.fixture
def failed_cut(make_project, producer_a, storage_dir, tmp_path):
    project = make_project(State.PRODUCTION, title="弄堂里的党员先锋岗")
    clip = make_clip(tmp_path / "样片.mp4", seconds=3, size="320x240")
    cut = media_services.cut_import(project=project, user=producer_a, path=clip, note="第一版")
    assert process_cut.call(cut.pk) == "ready"
    cut.refresh_from_db()
    assert cut.qc_passed is False and not cut.reviewable
    return project, cut


def test_the_producer_asks_for_a_waiver_the_office_grants_it_and_the_cut_goes_to_the_panel(login, screenshot, failed_cut):
    project, cut = failed_cut
    producer = login("producer_a")
    producer.goto(f"/projects/{project.pk}/")
    # No submit button that would answer 409: a disabled one, with why and where to go.
    expect(producer.locator("#actions button[name=submit-deliverable]")).to_have_count(0)
    blocked = producer.locator("#actions .blocked button[disabled]")
    expect(blocked).to_have_count(1)
    before = refusal(project)
    expect(producer.locator("#submit-refused")).to_have_text(before)
    expect(producer.locator(f"#actions a[href='/cuts/{cut.pk}/#qc']")).to_have_count(1)
    screenshot(producer, "1-submit-disabled")
    # The producer's to-do list names the failed cut too, and links to it.
    producer.goto("/")
    expect(producer.locator("section[data-section=qc] .todo-item")).to_have_count(1)
    click_and_wait(producer, "section[data-section=qc] .todo-item a.button")
    assert producer.url.endswith(f"/cuts/{cut.pk}/#qc")
    producer.fill("#waiver-request-form textarea[name=reason]", REASON)
    click_and_wait(producer, "#waiver-request-form button[type=submit]")
    expect(producer.locator(".msg.success")).to_be_visible()
    expect(producer.locator("#waiver-requests li[data-status=open]")).to_contain_text(REASON)
    expect(producer.locator("#waiver-request-form")).to_have_count(0)  # one open request at a time
    screenshot(producer, "2-waiver-requested")
    producer.goto(f"/projects/{project.pk}/")
    expect(producer.locator("#submit-refused")).to_have_text(refusal(project))  # now: waiting for the office
    assert refusal(project) != before

    # The office finds it on its to-do list, with the reason, and goes straight to the cut.
    desk = login("office")
    waivers = desk.locator("section[data-section=waivers] .todo-item")
    expect(waivers).to_have_count(1)
    expect(waivers).to_contain_text(REASON)
    screenshot(desk, "3-office-todo")
    click_and_wait(desk, "section[data-section=waivers] .todo-item a.button")
    assert desk.url.endswith(f"/cuts/{cut.pk}/#qc")
    expect(desk.locator("#waiver-decline-form")).to_have_count(1)
    desk.fill("#waive-form textarea[name=reason]", "同意：活动现场素材，无法重拍。")
    click_and_wait(desk, "#waive-form button[type=submit]")
    expect(desk.locator("#waiver-requests li[data-status=granted]")).to_have_count(1)
    desk.goto("/")
    expect(desk.locator("section[data-section=waivers] .todo-item")).to_have_count(0)

    # Now the producer may submit, and does.
    producer.goto(f"/projects/{project.pk}/")
    click_and_wait(producer, "#actions button[name=submit-deliverable]")
    expect(producer.locator("#project-state")).to_have_text(zh("Panel review"))
    project.refresh_from_db()
    assert project.state == State.PANEL_REVIEW
    assert WaiverRequest.objects.get().status == WaiverRequest.Status.GRANTED


def test_a_declined_request_tells_the_producer_why_and_they_may_ask_again(login, screenshot, failed_cut, producer_a):
    project, cut = failed_cut
    media_services.cut_waiver_request(cut=cut, user=producer_a, reason=REASON)
    desk = login("office")
    desk.goto(f"/cuts/{cut.pk}/")
    desk.fill("#waiver-decline-form textarea[name=answer]", "请重新调色后再上传。")
    click_and_wait(desk, "#waiver-decline-form button[type=submit]")
    producer = login("producer_a")
    producer.goto(f"/cuts/{cut.pk}/")
    expect(producer.locator("#waiver-requests li[data-status=declined]")).to_contain_text("请重新调色后再上传。")
    expect(producer.locator("#waiver-request-form")).to_have_count(1)
    screenshot(producer, "declined")
    # An empty reason is refused in the producer's language and nothing is stored.
    producer.evaluate("document.querySelector('#waiver-request-form textarea').removeAttribute('required')")
    with producer.expect_response(lambda r: r.request.method == "POST") as posted:
        click_and_wait(producer, "#waiver-request-form button[type=submit]")
    assert posted.value.status == 400
    expect(producer.locator(".messages .msg.error")).to_have_text(zh("Say why the cut should go to the panel anyway."))
    assert WaiverRequest.objects.count() == 1
