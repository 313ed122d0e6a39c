"""Cancelled and rejected projects carry no traffic light (issue 11, defect 4).

A closed project's milestones will never be met, and that is not lateness: no red 逾期 badge in the
list or on its page, no colour at all, and no next milestone that would sort it among the late.
"""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from projects.models import State, VideoProject

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_closed_projects_show_no_late_badge_in_the_list_or_on_their_page(login, screenshot, make_project):
    soon = timezone.localdate() + dt.timedelta(days=3)  # planned backwards, the script is already overdue
    late = make_project(State.SCRIPT, title="真的逾期的片子", deadline=soon)
    cancelled = make_project(State.CANCELLED, title="已取消的片子", deadline=soon)
    rejected = make_project(State.REJECTED, title="已驳回的片子", deadline=soon)
    assert cancelled.milestones.exists() and rejected.milestones.exists()

    desk = login("office")
    desk.goto("/projects/")
    expect(desk.locator(f"tr[data-project='{late.pk}'] .rag.red")).to_have_count(1)
    for closed in (cancelled, rejected):
        row = desk.locator(f"tr[data-project='{closed.pk}']")
        expect(row).to_have_count(1)
        expect(row.locator(".rag")).to_have_count(0)
    screenshot(desk, "list")
    desk.goto(f"/projects/{cancelled.pk}/")
    expect(desk.locator("#schedule tr")).to_have_count(1 + cancelled.milestones.count())
    expect(desk.locator("#schedule .rag.red, #schedule .rag.yellow, #schedule .rag.green")).to_have_count(0)
    screenshot(desk, "cancelled-project")
    desk.goto("/")
    expect(desk.locator("section[data-section=late]")).to_contain_text("真的逾期的片子")
    expect(desk.locator("section[data-section=late]")).not_to_contain_text("已取消的片子")
    # Nothing left that would sort a closed project among the late.
    assert list(VideoProject.objects.filter(pk__in=[cancelled.pk, rejected.pk]).values_list("next_due", flat=True)) == [None, None]
