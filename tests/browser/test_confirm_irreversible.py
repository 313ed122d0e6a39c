"""Irreversible steps ask once more, saying what they do for good (issue 11, item 5).

立项, rejecting a topic, cancelling and archiving first answer with their consequence and a form to
confirm; nothing changes until it comes back confirmed. It works without JavaScript (the second
test runs with scripts off), and a GET of the step's address changes nothing.
"""

import pytest
from django.utils import translation
from playwright.sync_api import expect

from projects import services
from projects.models import State, VideoProject

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def consequence(project, name):
    with translation.override("zh-hans"):
        return services.confirmation_of(project, name)


def click_and_wait(page, selector):
    with page.expect_navigation():
        page.click(selector)


def test_approving_a_topic_asks_first_and_going_back_changes_nothing(login, screenshot, make_project, office):
    project = make_project(State.TOPIC)
    services.project_plan(project=project, user=office,
                          genre=project.genre, track=project.track, origin="self_selected",
                          deadline=project.created_at.date().replace(year=project.created_at.year + 1))
    desk = login("office")
    desk.goto(f"/projects/{project.pk}/")
    click_and_wait(desk, "#actions form[data-transition=approve] button[type=submit]")
    expect(desk.locator("#consequence")).to_have_text(consequence(project, "approve"))
    screenshot(desk, "confirm-approve")
    click_and_wait(desk, "#confirm a.button.secondary")  # no, go back
    assert desk.url.endswith(f"/projects/{project.pk}/#actions")
    project.refresh_from_db()
    assert project.state == State.TOPIC and not project.transitions.exists()
    click_and_wait(desk, "#actions form[data-transition=approve] button[type=submit]")
    click_and_wait(desk, "#confirm button[type=submit]")
    expect(desk.locator(".msg.success")).to_be_visible()
    project.refresh_from_db()
    assert project.state == State.SCRIPT


def test_cancelling_without_javascript_shows_the_consequence_keeps_the_reason_and_a_get_changes_nothing(
    browser, live_server, make_project, producer_a, screenshot
):
    project = make_project(State.SCRIPT)
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/accounts/login/")
        page.fill("input[name=username]", "producer_a")
        page.fill("input[name=password]", "pw-producer_a")
        click_and_wait(page, "main form button[type=submit]")
        # A GET of the step's address is not the step.
        answer = page.request.get(f"/projects/{project.pk}/transitions/cancel/")  # with the session
        assert answer.status == 405
        page.goto(f"/projects/{project.pk}/")
        page.fill("#actions form[data-transition=cancel] textarea[name=reason]", "拍摄对象调离")
        click_and_wait(page, "#actions form[data-transition=cancel] button[type=submit]")
        expect(page.locator("#consequence")).to_have_text(consequence(project, "cancel"))
        expect(page.locator("#confirm textarea[name=reason]")).to_have_value("拍摄对象调离")
        screenshot(page, "confirm-cancel-no-js")
        assert VideoProject.objects.get(pk=project.pk).state == State.SCRIPT
        click_and_wait(page, "#confirm button[type=submit]")
        project.refresh_from_db()
        assert project.state == State.CANCELLED
        assert project.transitions.get(name="cancel").reason == "拍摄对象调离"
    finally:
        context.close()
