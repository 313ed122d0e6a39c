"""The pieces of the role × endpoint tables (API, pages, media): the role columns, a row of
expected answers, a client signed in as a column's role, and a snapshot of a project that a
refused request must leave exactly as it was."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.test import Client
from django.utils import timezone

from projects import services
from projects.models import (
    Deliverable,
    Origin,
    ProjectTransition,
    StageReview,
    State,
    Topic,
    TopicCall,
    VideoProject,
)
from tests.support.factories import processed_cut

ROLES = ["office", "own", "other", "panelist", "organiser", "anon"]
# Every project in the tables belongs to unit A.
ROLE_FIXTURE = {
    "office": "office",
    "own": "producer_a",
    "other": "producer_b",
    "panelist": "panelist",
    "organiser": "organiser",
    "anon": None,
}


def row(office, own, other, panelist, organiser, anon):
    return dict(office=office, own=own, other=other, panelist=panelist, organiser=organiser, anon=anon)


def cases(table, xfail):
    """One pytest param per (row, role); the pairs in ``xfail`` (row, role) -> reason are strict xfails."""
    for name in table:
        for role in ROLES:
            marks = [pytest.mark.xfail(strict=True, reason=xfail[(name, role)])] if (name, role) in xfail else []
            yield pytest.param(name, role, id=f"{name} | {role}", marks=marks)


def client_for(request, role, client_class=Client, **defaults):
    """A ``client_class`` signed in as the role's fixture user (anonymous for ``anon``)."""
    client = client_class(**defaults)
    name = ROLE_FIXTURE[role]
    if name is not None:
        client.force_login(request.getfixturevalue(name))
    return client


def snapshot(project):
    project = VideoProject.objects.get(pk=project.pk)
    return {
        "state": project.state,
        "deadline": project.deadline.isoformat() if project.deadline else None,
        "track": project.track_id,
        "n_deliverables": project.deliverables.count(),
        "deliverables": list(project.deliverables.order_by("kind", "version").values_list("kind", "version", "status")),
        "latest": project.deliverables.order_by("-pk").values_list("kind", "version", "status").first(),
        "reviews": StageReview.objects.filter(project=project).count(),
        "transitions": ProjectTransition.objects.filter(project=project).count(),
        "milestones": list(project.milestones.order_by("stage").values_list("stage", "due_on", "done_on")),
        "topics": Topic.objects.count(),
        "projects": VideoProject.objects.count(),
        "all_deliverables": Deliverable.objects.count(),
    }


# The state each setup's project is in, where the setup is not itself a state.
SETUP_STATE = {
    "topic_planned": State.TOPIC, "mandatory": State.SCRIPT, "script_draft": State.SCRIPT,
    "script_submitted": State.SCRIPT, "production_cut_draft": State.PRODUCTION,
}


def situation(setup, *, make_project, office, producer_a, call):
    """SimpleNamespace(project, call, version): a unit-A project in the named setup (a state, or
    one of ``SETUP_STATE``'s, or ``closed_call``: a topic and a call that has closed)."""
    if setup == "closed_call":
        project = make_project(State.TOPIC)
        today = timezone.localdate()
        closed = TopicCall.objects.create(
            year=today.year - 1, theme="往年征集", opens_on=today - dt.timedelta(days=400), closes_on=today - dt.timedelta(days=300)
        )
        return SimpleNamespace(project=VideoProject.objects.get(pk=project.pk), call=closed, version=None)
    if setup == "topic_planned":
        project = make_project(State.TOPIC)
        services.project_plan(
            project=project, user=office, genre=project.genre, track=project.track, origin=Origin.SELF_SELECTED,
            deadline=timezone.localdate() + dt.timedelta(days=120),
        )
    elif setup == "mandatory":
        project = make_project(State.SCRIPT, track_code="mandatory")
    elif setup in ("script_draft", "script_submitted"):
        project = make_project(State.SCRIPT)
        services.deliverable_save(project=project, user=producer_a, kind="script", base_version=0, script="开场：清晨的社区。")
        if setup == "script_submitted":
            services.deliverable_submit(project=project, user=producer_a, kind="script")
    elif setup == "production_cut_draft":
        project = make_project(State.PRODUCTION)
        cut = services.deliverable_save(project=project, user=producer_a, kind="cut", base_version=0, note="粗剪", from_upload=True)
        processed_cut(cut)
    else:
        project = make_project(State(setup))
    project = VideoProject.objects.get(pk=project.pk)
    assert project.state == SETUP_STATE.get(setup, setup)
    latest = project.deliverables.order_by("-created_at", "-pk").first()
    return SimpleNamespace(project=project, call=call, version=latest)
