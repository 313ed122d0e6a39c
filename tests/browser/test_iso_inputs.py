"""Date and time inputs carry ISO values whatever the page's language (issue 11, defect 1).

``<input type=date>`` accepts only ``YYYY-MM-DD``: a value written in the language's own format
(zh-hans: ``2027/04/01``) shows an empty field, and a required one blocks the form.
"""

import datetime as dt

import pytest
from playwright.sync_api import expect

from projects.models import State

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_plan_page_shows_and_saves_the_deadline_in_either_language(login, screenshot, make_project, language):
    deadline = dt.date(2027, 4, 1)
    project = make_project(State.SCRIPT, deadline=deadline)
    desk = login("office")
    if language == "en":
        with desk.expect_navigation():  # the language form submits itself on change
            desk.select_option("header select[name=language]", "en")
    desk.goto(f"/projects/{project.pk}/plan/")
    field = desk.locator("input[name=deadline]")
    expect(field).to_have_attribute("value", "2027-04-01")
    expect(field).to_have_value("2027-04-01")  # the browser took it: the field is not empty
    screenshot(desk, f"plan-{language}")
    # Saved as it stands, without typing the date again.
    with desk.expect_navigation():
        desk.click("main form button[type=submit]")
    assert desk.url.endswith(f"/projects/{project.pk}/")
    expect(desk.locator(".msg.success")).to_be_visible()
    project.refresh_from_db()
    assert project.deadline == deadline
