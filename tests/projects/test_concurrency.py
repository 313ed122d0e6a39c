"""Two transitions racing on one project: exactly one wins, the other gets a clear conflict."""

import threading

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from projects import services
from projects.errors import Conflict
from projects.models import ProjectTransition, State, VideoProject


def test_a_transition_on_a_stale_copy_is_refused_and_changes_nothing(make_project, office, organiser):
    project = make_project(State.APPROVED)
    stale = VideoProject.objects.get(pk=project.pk)
    services.project_fire(project=project, user=organiser, name="start_screening")
    with pytest.raises(Conflict) as info:
        services.project_fire(project=stale, user=office, name="cancel", reason="重复")
    assert info.value.status_code == 409 and str(info.value.message)
    assert VideoProject.objects.get(pk=project.pk).state == State.SCREENING
    assert not ProjectTransition.objects.filter(project=project, name="cancel").exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_racing_transitions_exactly_one_wins(make_project, office, organiser):
    if connection.vendor != "postgresql":
        pytest.skip("needs real concurrent transactions: runs on PostgreSQL (DATABASE_URL), as CI does")
    project = make_project(State.APPROVED)
    barrier = threading.Barrier(2)
    outcomes = {}

    def fire(who, name, reason):
        try:
            copy = VideoProject.objects.get(pk=project.pk)
            barrier.wait(timeout=10)
            services.project_fire(project=copy, user=who, name=name, reason=reason)
            outcomes[name] = "won"
        except Conflict as exc:
            outcomes[name] = f"conflict: {exc.message}"
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=fire, args=(organiser, "start_screening", "")),
        threading.Thread(target=fire, args=(office, "cancel", "撤销")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(v.split(":")[0] for v in outcomes.values()) == ["conflict", "won"], outcomes
    winner = next(name for name, v in outcomes.items() if v == "won")
    project.refresh_from_db()
    assert project.state == {"start_screening": State.SCREENING, "cancel": State.CANCELLED}[winner]
    assert list(ProjectTransition.objects.filter(project=project, source=State.APPROVED).values_list("name", flat=True)) == [winner]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_api_answers_409_to_the_loser(make_project, office, organiser):
    if connection.vendor != "postgresql":
        pytest.skip("needs real concurrent transactions: runs on PostgreSQL (DATABASE_URL), as CI does")
    project = make_project(State.APPROVED)
    barrier = threading.Barrier(2)
    statuses = []

    # Both ask for the same step: whichever request reads second finds it stale or already done.
    def post(user, body):
        client = APIClient()
        client.force_authenticate(user)
        barrier.wait(timeout=10)
        response = client.post(f"/api/projects/{project.pk}/transitions/", body, format="json")
        statuses.append((response.status_code, response.json().get("detail", "")))
        connections.close_all()

    threads = [
        threading.Thread(target=post, args=(organiser, {"name": "start_screening"})),
        threading.Thread(target=post, args=(office, {"name": "start_screening"})),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    codes = sorted(code for code, _ in statuses)
    assert codes == [200, 409], statuses
    assert all(detail for code, detail in statuses if code == 409)
    assert ProjectTransition.objects.filter(project=project, name="start_screening").count() == 1
