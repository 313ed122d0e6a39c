"""The project tables (the list and the dashboard's sections): what a row says, and that a page of
rows costs the same queries however many rows it has (bench/web_list.py measures the time)."""

import datetime as dt
import re

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


def section_items(page, key, tone=""):
    """How many items (of ``tone``) the dashboard's to-do section ``key`` lists."""
    match = re.search(r'<section class="todo" data-section="%s">(.*?)</section>' % key, page, re.S)
    assert match, f"no {key} section"
    return match.group(1).count(f'class="card todo-item{tone}')


def test_the_list_and_the_dashboard_cost_the_same_queries_however_many_rows(client, office, producer_a, make_project):
    # The same kinds of rows before and after (late, waiting for review, on track), so the same
    # dashboard sections have rows: an empty section skips reading rows it does not have.
    late = timezone.localdate() + dt.timedelta(days=3)

    def add(n):
        for i in range(n):
            make_project(State.SCRIPT, title=f"迟到{n}-{i}", deadline=late)
            submit_version(make_project(State.SCRIPT, title=f"待审{n}-{i}"), producer_a, "script")
            make_project([State.TOPIC, State.STORYBOARD, State.PRODUCTION][i % 3], title=f"其他{n}-{i}")

    # The producer's "due next" has more than a section's ten rows from the start, so it is counted
    # (a section with fewer is its rows' count) before and after alike.
    add(4)
    pages = [(reverse("project-list"), {}), (reverse("project-list"), {"status": "red"}), (reverse("dashboard"), {})]
    before = {}
    for user in (office, producer_a):
        client.force_login(user)
        before[user] = [queries(client, url, **params)[0] for url, params in pages]
        assert before[user] == [queries(client, url, **params)[0] for url, params in pages]  # nothing left to warm up
    add(3)
    for user in (office, producer_a):
        client.force_login(user)
        after = [queries(client, url, **params) for url, params in pages]
        assert after[0][1].count("<tr data-project=") == 21
        assert after[1][1].count("<tr data-project=") == 7
        # the to-do sections: the office has seven late and seven waiting for its review; the
        # producer sees the seven late first among what is due next, in red
        if user == office:
            assert section_items(after[2][1], "late") == 7
            assert section_items(after[2][1], "awaiting") == 7
        else:
            assert section_items(after[2][1], "due", tone=" red") == 7
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


def test_the_producer_sees_each_returned_version_once_with_the_reviewers_notes(client, office, producer_a, make_project):
    from projects import services
    from projects.models import ChecklistItem

    results = {i.pk: (i.code != "narration", "过长" if i.code == "narration" else "")
               for i in ChecklistItem.objects.filter(stage="script", active=True)}
    returned = []
    for i in range(12):  # more than the section shows: the count says how many there are
        project = make_project(State.SCRIPT, title=f"退回{i}")
        submit_version(project, producer_a, "script")
        services.stage_review_record(project=project, user=office, decision="return", results=results, comment=f"请压缩解说词{i}。")
        returned.append(project)
    submit_version(returned[0], producer_a, "script")  # revised: v2 is with the office now, v1 is no longer to do
    client.force_login(producer_a)
    page = client.get(reverse("dashboard")).content.decode()
    assert re.search(r'<h2 id="returned">[^<]*\(11\)</h2>', page)
    assert section_items(page, "returned", tone=" red") == 10
    assert "请压缩解说词11。" in page and "请压缩解说词0。" not in page and "过长" in page


def test_a_row_escapes_what_people_typed_and_marks_a_topic_that_resembles_earlier_ones(client, office, make_project):
    project = make_project(State.TOPIC, title='<b>"红管家"</b> & 邻里')
    project.topic.flagged = True
    project.topic.save(update_fields=["flagged"])
    client.force_login(office)
    page = client.get(reverse("project-list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    row = page.split(f'<tr data-project="{project.pk}">')[1].split("</tr>")[0]
    assert f'<a href="{reverse("project-detail", args=[project.pk])}">&lt;b&gt;&quot;红管家&quot;&lt;/b&gt; &amp; 邻里</a>' in row
    assert '<span class="flag" title="resembles earlier topics">⚠</span>' in row
    assert '<span class="muted">—</span>' in row  # a topic has no schedule yet


def test_an_empty_list_says_so(client, office):
    client.force_login(office)
    page = client.get(reverse("project-list"), {"q": "没有这个标题"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<tr data-project=" not in page
    assert '<tr><td colspan="7" class="muted">No projects.</td></tr>' in page


def test_a_section_counts_what_it_cannot_show(client, office, make_project):
    late = timezone.localdate() + dt.timedelta(days=3)
    for i in range(12):
        make_project(State.SCRIPT, title=f"迟到{i}", deadline=late)
    client.force_login(office)
    page = client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert section_items(page, "late") == 10
    assert '<h2 id="late">Late (12)</h2>' in page and "All 12 …" in page
    make_project(State.TOPIC, title="待立项")
    page = client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert section_items(page, "topics") == 1 and re.search(r'<h2 id="topics">[^<]*\(1\)</h2>', page)
