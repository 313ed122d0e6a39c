import pytest
from django.urls import reverse

from projects.models import State


@pytest.mark.parametrize("state", [State.TOPIC, State.SCRIPT, State.STORYBOARD, State.PRODUCTION, State.PANEL_REVIEW, State.ARCHIVED])
def test_office_pages_render_in_every_state(client, office, make_project, state):
    project = make_project(state)
    client.force_login(office)
    for url in [reverse("dashboard"), reverse("project-list"), reverse("project-detail", args=[project.pk]), reverse("call-list")]:
        response = client.get(url)
        assert response.status_code == 200, url
    assert project.topic.title in client.get(reverse("project-list")).content.decode()
