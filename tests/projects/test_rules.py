"""What a user may do now is computed once (``projects.rules``): the page offers exactly what the
service accepts, and the API says the same."""

import pytest
from django.db import transaction
from django.urls import reverse
from rest_framework.test import APIClient

from projects import rules, services
from projects.models import Deliverable, State
from studio.errors import ActionRefused
from tests.support.factories import submit_version

ROLES = ["office", "producer_a", "producer_b", "organiser"]


def accepted(action) -> bool:
    """Whether the service takes the action; whatever it did is rolled back."""
    try:
        with transaction.atomic():
            action()
            raise _Undo
    except _Undo:
        return True
    except ActionRefused:
        return False


class _Undo(Exception):
    pass


@pytest.mark.parametrize("state", [State.SCRIPT, State.STORYBOARD])
@pytest.mark.parametrize("under_review", [False, True], ids=["draft", "under review"])
@pytest.mark.parametrize("role", ROLES)
def test_writing_and_submitting_are_offered_exactly_when_the_service_accepts_them(
    make_project, request, producer_a, state, under_review, role
):
    project = make_project(state)
    kind = Deliverable.Kind(state)
    if under_review:
        submit_version(project, producer_a, kind)
    else:
        services.deliverable_save(project=project, user=producer_a, kind=kind, base_version=0, script="初稿",
                                  shots=[{"number": 1, "picture": "全景", "duration_seconds": 5}])
    user = request.getfixturevalue(role)
    actions = rules.project_actions(project, user)
    latest = project.deliverables.get(kind=kind).version
    save = lambda: services.deliverable_save(  # noqa: E731
        project=project, user=user, kind=kind, base_version=latest, script="二稿",
        shots=[{"number": 1, "picture": "近景", "duration_seconds": 4}])
    submit = lambda: services.deliverable_submit(project=project, user=user, kind=kind)  # noqa: E731
    assert actions.write.allowed == accepted(save)
    assert actions.submit.allowed == accepted(submit)
    assert actions.write.allowed or actions.write.reason
    assert actions.under_review == under_review


def test_the_page_shows_the_buttons_the_actions_allow(client, make_project, producer_a, office):
    project = make_project(State.SCRIPT)
    submit_version(project, producer_a, Deliverable.Kind.SCRIPT)
    client.force_login(producer_a)
    page = client.get(reverse("project-detail", args=[project.pk]), headers={"Accept-Language": "en"}).content.decode()
    assert "Version 1 is with the office for review." in page
    assert reverse("script-edit", args=[project.pk]) not in page and 'name="submit-deliverable"' not in page
    client.force_login(office)
    page = client.get(reverse("project-detail", args=[project.pk]), headers={"Accept-Language": "en"}).content.decode()
    assert reverse("stage-review", args=[project.pk]) in page and reverse("project-plan", args=[project.pk]) in page


def test_approving_a_flagged_topic_asks_for_a_reason_on_the_page_and_in_the_api(make_project, office, client):
    make_project(State.TOPIC, title="社区里的红色管家")
    flagged = make_project(State.TOPIC, title="社区里的红色管家（二）")
    assert flagged.topic.flagged
    services.project_plan(project=flagged, user=office, genre=flagged.genre, track=flagged.track,
                          origin=flagged.origin or "self_selected", deadline=flagged.created_at.date().replace(year=flagged.created_at.year + 1))
    api = APIClient()
    api.force_authenticate(office)
    offers = {o["name"]: o for o in api.get(f"/api/projects/{flagged.pk}/transitions/").json()["available"]}
    assert offers["approve"]["needs_reason"] is True
    client.force_login(office)
    page = client.get(reverse("project-detail", args=[flagged.pk])).content.decode()
    form = page.split('data-transition="approve"')[1].split("</form>")[0]
    assert 'name="reason"' in form
    assert not accepted(lambda: services.project_fire(project=flagged, user=office, name="approve", reason=""))
    assert accepted(lambda: services.project_fire(project=flagged, user=office, name="approve", reason="角度不同"))


def test_a_cut_that_passed_qc_offers_no_waiver_and_the_service_refuses_one(client, make_project, producer_a, office, storage_dir):
    from media import services as media_services
    from media.models import QCWaiver
    from tests.support.factories import processed_cut

    project = make_project(State.PRODUCTION)
    deliverable = services.deliverable_save(project=project, user=producer_a, kind=Deliverable.Kind.CUT, base_version=0,
                                            from_upload=True)
    cut = processed_cut(deliverable, qc_passed=True)
    client.force_login(office)
    page = client.get(reverse("cut-detail", args=[cut.pk]), headers={"Accept-Language": "en"}).content.decode()
    assert reverse("cut-waive-qc", args=[cut.pk]) not in page
    assert not media_services.cut_actions(cut, office).waive
    response = client.post(reverse("cut-waive-qc", args=[cut.pk]), {"reason": "无需"}, follow=True,
                           headers={"Accept-Language": "en"})
    assert "nothing to waive" in response.content.decode()
    assert not QCWaiver.objects.filter(cut=cut).exists()
