"""The project tables (the list and the dashboard's sections): what a row says, and that a page of
rows costs the same queries however many rows it has (bench/web_list.py measures the time)."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from projects import schedule
from projects.models import State
from tests.support.factories import submit_version


def queries(client, url, **params):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured.captured_queries), response.content.decode()


def test_the_list_and_the_dashboard_cost_the_same_queries_however_many_rows(client, office, producer_a, make_project):
    make_project(State.SCRIPT, title="第一部")
    pages = [(reverse("project-list"), {}), (reverse("project-list"), {"status": "green"}), (reverse("dashboard"), {})]
    before = {}
    for user in (office, producer_a):
        client.force_login(user)
        before[user] = [queries(client, url, **params)[0] for url, params in pages]
        assert before[user] == [queries(client, url, **params)[0] for url, params in pages]  # nothing left to warm up
    late = timezone.localdate() + dt.timedelta(days=3)
    for n, state in enumerate([State.TOPIC, State.SCRIPT, State.STORYBOARD, State.PRODUCTION, State.SCRIPT]):
        project = make_project(state, title=f"又一部{n}", deadline=late if n % 2 else None)
    submit_version(project, producer_a, "script")
    for user in (office, producer_a):
        client.force_login(user)
        after = [queries(client, url, **params) for url, params in pages]
        assert after[0][1].count("<tr data-project=") == 6
        # two late (the office also sees one waiting for its review)
        assert after[2][1].count("<tr data-project=") >= (3 if user == office else 2)
        assert [n for n, _ in after] == before[user]


def test_a_row_shows_the_next_open_milestone_and_its_colour(client, office, make_project):
    project = make_project(State.STORYBOARD, deadline=timezone.localdate() + dt.timedelta(days=2))
    upcoming = project.milestones.filter(done_on__isnull=True).order_by("due_on").first()
    colour = schedule.status_of(due_on=upcoming.due_on, done_on=None, warn_days=upcoming.warn_days,
                                today=timezone.localdate(), calendar=schedule.WorkCalendar.load())
    client.force_login(office)
    for language in ("zh-hans", "en"):
        with translation.override(language):
            stage, state, genre, track = (str(upcoming.get_stage_display()), str(project.get_state_display()),
                                          project.genre.label, project.track.label)
        page = client.get(reverse("project-list"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
        row = page.split(f'<tr data-project="{project.pk}">')[1].split("</tr>")[0]
        assert f"{stage} · {upcoming.due_on:%Y-%m-%d}" in row
        assert f'<span class="rag {colour}">' in row
        assert f'<span class="state">{state}</span>' in row and f"<td>{genre}</td>" in row and f"<td>{track}</td>" in row
        assert project.topic.title in row and project.unit.name in row
