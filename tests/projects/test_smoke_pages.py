import pytest
from django.urls import reverse

from projects.models import State
from tests.support.factories import submit_version


@pytest.mark.parametrize("state", [State.TOPIC, State.SCRIPT, State.STORYBOARD, State.PRODUCTION, State.PANEL_REVIEW, State.ARCHIVED])
def test_office_pages_render_in_every_state(client, office, make_project, state):
    project = make_project(state)
    client.force_login(office)
    for url in [reverse("dashboard"), reverse("project-list"), reverse("project-detail", args=[project.pk]), reverse("call-list")]:
        response = client.get(url)
        assert response.status_code == 200, url
    assert project.topic.title in client.get(reverse("project-list")).content.decode()


def test_the_dashboard_lists_late_and_waiting_projects(client, office, make_project, producer_a):
    import datetime as dt

    from django.utils import timezone

    late = make_project(State.SCRIPT, title="迟到的片子", deadline=timezone.localdate() + dt.timedelta(days=3))
    waiting = make_project(State.SCRIPT, title="等待审核的片子")
    submit_version(waiting, producer_a, "script")
    client.force_login(office)
    page = client.get(reverse("dashboard")).content.decode()
    late_part = page.split('id="late"')[1].split('id="warn"')[0]
    waiting_part = page.split('id="awaiting"')[1].split('id="late"')[0]
    assert "迟到的片子" in late_part and "等待审核的片子" not in late_part
    assert "等待审核的片子" in waiting_part and "迟到的片子" not in waiting_part
    listed = client.get(reverse("project-list"), {"status": "red"}).content.decode()
    assert "迟到的片子" in listed and "等待审核的片子" not in listed
