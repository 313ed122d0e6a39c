"""A project in production and its producer, made in a running cluster's database through the
real services: ``manage.py shell -c "from tests.support.cluster_world import main; main()"`` with
the cluster's environment prints ``{"project": id, "username": …, "password": …}``."""

import datetime as dt
import json

from django.apps import apps
from django.utils import timezone

from projects import reference_data
from projects import services
from projects.models import Genre, Origin, State, TopicCall, Unit
from tests.support.factories import advance, make_user, track


def production_project() -> dict:
    if not Genre.objects.exists():
        reference_data.load(apps)
    unit = Unit.objects.create(name="华山街道", code="huashan")
    office = make_user("office", "office")
    producer = make_user("producer_a", "producer", units=[unit])
    organiser = make_user("organiser", "organiser")
    today = timezone.localdate()
    call = TopicCall.objects.create(year=today.year, theme="讲好身边的党员故事", opens_on=today - dt.timedelta(days=10),
                                    closes_on=today + dt.timedelta(days=30))
    genre, tr = Genre.objects.get(code="exemplary"), track("project")
    author = office if tr.assigned_by_office else producer
    topic = services.topic_pitch(user=author, call=call, unit=unit, title="集群里的一部片子",
                                 logline="一个关于社区党员的故事。", genre=genre, proposed_track=tr)
    project = topic.project
    services.project_plan(project=project, user=office, genre=genre, track=tr, origin=Origin.SELF_SELECTED,
                          deadline=today + dt.timedelta(days=120))
    services.project_fire(project=project, user=office, name="approve", reason="同意")
    while project.state != State.PRODUCTION:
        advance(project, producer, office, organiser)
    return {"project": project.pk, "username": "producer_a", "password": "pw-producer_a",
            "office": "office", "office_password": "pw-office"}


def main() -> None:
    print(json.dumps(production_project()))
