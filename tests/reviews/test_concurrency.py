"""Two office members confirming verdicts on one cut at the same moment: one wins, the other hears
409, and the project moved once."""

import pytest
from django.db import connection  # noqa: F401  (read by the skipif condition)
from rest_framework.test import APIClient

from projects.models import ProjectTransition, VideoProject
from reviews.models import Decision
from tests.projects.test_concurrency import needs_postgres, race
from tests.reviews.conftest import score
from tests.support.factories import make_user


@needs_postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_racing_confirmations_exactly_one_wins(world):
    score(world, world.expert, 9)
    second_office = make_user("office_2", "office")
    statuses = {}

    def confirm(user, verdict):
        def job(ready):
            client = APIClient()
            client.force_authenticate(user)
            ready()
            response = client.post(f"/api/panel-sessions/{world.session.pk}/entries/{world.entry.pk}/decision/",
                                   {"verdict": verdict}, format="json")
            statuses[verdict] = response.status_code
        return job

    race(confirm(world.office, "pass"), confirm(second_office, "revise"))
    assert sorted(statuses.values()) == [201, 409], statuses
    winner = next(v for v, s in statuses.items() if s == 201)
    assert list(Decision.objects.values_list("verdict", flat=True)) == [winner]
    expected = {"pass": "approved", "revise": "production"}[winner]
    assert VideoProject.objects.get(pk=world.project.pk).state == expected
    assert ProjectTransition.objects.filter(project=world.project, name__in=["pass_panel", "revise"]).count() == 1
