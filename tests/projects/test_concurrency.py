"""Two transitions racing on one project: exactly one wins, the other gets a clear conflict."""

import threading

import pytest
from django.db import connection, connections  # noqa: F401  (connection: read by the skipif condition)
from rest_framework.test import APIClient

from projects import services
from projects.models import ProjectTransition, State, VideoProject
from studio.errors import Conflict
from tests.support.factories import pass_all, submit_version

needs_postgres = pytest.mark.skipif(
    "connection.vendor != 'postgresql'",
    reason="needs real concurrent transactions: runs on PostgreSQL (DATABASE_URL), as CI does",
)


def race(*jobs):
    """Run each job in its own thread and connection; ``ready()`` inside a job waits for the others."""
    barrier = threading.Barrier(len(jobs))

    def run(job):
        try:
            job(lambda: barrier.wait(timeout=10))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)


def test_a_transition_on_a_stale_copy_is_refused_and_changes_nothing(make_project, office, organiser):
    project = make_project(State.APPROVED)
    stale = VideoProject.objects.get(pk=project.pk)
    services.project_fire(project=project, user=organiser, name="start_screening")
    with pytest.raises(Conflict) as info:
        services.project_fire(project=stale, user=office, name="cancel", reason="重复")
    assert info.value.status_code == 409 and str(info.value.message)
    assert VideoProject.objects.get(pk=project.pk).state == State.SCREENING
    assert not ProjectTransition.objects.filter(project=project, name="cancel").exists()


@needs_postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_racing_transitions_exactly_one_wins(make_project, office, organiser):
    project = make_project(State.APPROVED)
    outcomes = {}

    def fire(who, name, reason):
        def job(ready):
            copy = VideoProject.objects.get(pk=project.pk)
            ready()  # both copies are read before either writes
            try:
                services.project_fire(project=copy, user=who, name=name, reason=reason)
                outcomes[name] = "won"
            except Conflict as exc:
                outcomes[name] = f"conflict: {exc.message}"

        return job

    race(fire(organiser, "start_screening", ""), fire(office, "cancel", "撤销"))
    assert sorted(v.split(":")[0] for v in outcomes.values()) == ["conflict", "won"], outcomes
    winner = next(name for name, v in outcomes.items() if v == "won")
    project.refresh_from_db()
    assert project.state == {"start_screening": State.SCREENING, "cancel": State.CANCELLED}[winner]
    assert list(ProjectTransition.objects.filter(project=project, source=State.APPROVED).values_list("name", flat=True)) == [winner]


@needs_postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_api_answers_409_to_the_loser(make_project, office, organiser):
    project = make_project(State.APPROVED)
    statuses = []

    # Both ask for the same step: whichever request reads second finds it stale or already done.
    def post(user):
        def job(ready):
            client = APIClient()
            client.force_authenticate(user)
            ready()
            response = client.post(f"/api/projects/{project.pk}/transitions/", {"name": "start_screening"}, format="json")
            statuses.append((response.status_code, response.json().get("detail", "")))

        return job

    race(post(organiser), post(office))
    assert sorted(code for code, _ in statuses) == [200, 409], statuses
    assert all(detail for code, detail in statuses if code == 409)
    assert ProjectTransition.objects.filter(project=project, name="start_screening").count() == 1


@needs_postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_racing_stage_reviews_that_advance_a_gate_one_wins_the_rest_get_409(make_project, office, producer_a):
    # The window is narrow (~6 % of requests hit it when probed): a few projects, four reviewers each.
    for n in range(3):
        project = make_project(State.SCRIPT, title=f"并发审核{n}")
        submit_version(project, producer_a, "script")
        items = [{"item": pk, "passed": True, "note": ""} for pk in pass_all(State.SCRIPT)]
        statuses = []

        def review(ready):
            client = APIClient()
            client.force_authenticate(office)
            ready()
            response = client.post(f"/api/projects/{project.pk}/reviews/", {"decision": "advance", "items": items}, format="json")
            statuses.append((response.status_code, response.json().get("detail", "")))

        race(*[review] * 4)
        assert sorted(code for code, _ in statuses) == [201, 409, 409, 409], statuses
        assert all(detail for code, detail in statuses if code == 409)
        project.refresh_from_db()
        assert project.state == State.STORYBOARD
        assert ProjectTransition.objects.filter(project=project, name="pass_script").count() == 1
        assert project.reviews.count() == 1
