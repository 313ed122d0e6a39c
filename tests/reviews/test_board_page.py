"""The results board page: each member's scores under their criterion, the rater groups named in
the reader's language (never their codes), and what a rectification item shows the producer."""

import re

from django.urls import reverse
from django.utils.html import strip_tags

from projects import services as project_services
from reviews import services
from reviews.models import Group, Item
from tests.reviews.conftest import fresh_entry, score
from tests.support.factories import processed_cut


def board(client, w):
    client.force_login(w.office)
    response = client.get(reverse("panel-board", args=[w.session.pk]))
    assert response.status_code == 200
    return response.content.decode()


def member_row(page, label):
    row = next(r for r in re.findall(r"<tr>.*?</tr>", page, re.S) if label in r)
    return [strip_tags(cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def test_each_members_scores_stand_under_their_criterion(world, client):
    from reviews.models import Score, Scorecard

    score(world, world.expert, 9)
    score(world, world.leader, 6, veto=False)
    # The expert's card: one criterion scored apart, to see it land in its own column.
    card = Scorecard.objects.get(member=world.m_expert)
    Score.objects.filter(card=card, criterion=world.scored[1]).update(value=4.5)
    page = board(client, world)

    columns = world.criteria  # the rubric's order: the veto first, then the scored ones
    expected_expert = ["✓" if c.is_veto else ("4.5" if c == world.scored[1] else "9") for c in columns]
    assert member_row(page, f"{world.expert.username} <span")[1:1 + len(columns)] == expected_expert
    assert member_row(page, f"{world.leader.username} <span")[1:1 + len(columns)] == ["✗" if c.is_veto else "6" for c in columns]
    assert "excluded" in member_row(page, f"{world.grassroots.username} <span")[1]


def test_the_group_means_are_headed_by_the_groups_names(world, client):
    score(world, world.expert, 9)
    page = board(client, world)
    summary = re.search(r'<table class="summary">.*?</table>', page, re.S).group(0)
    headers = [strip_tags(h) for h in re.findall(r"<th>(.*?)</th>", summary)]
    assert [str(label) for _, label in Group.choices] == [h for h in headers if h in {str(lbl) for _, lbl in Group.choices}]
    assert "expert" not in headers and "leader" not in headers
    cells = [strip_tags(c).strip() for c in re.findall(r"<td>(.*?)</td>", summary, re.S)]
    assert "90.0" in cells and cells.count("—") >= 2  # leaders and grassroots have no card on this cut


def test_the_answer_form_waits_for_the_new_version(world, client):
    services.comment_add(entry=fresh_entry(world), user=world.expert, body="字幕有错", frame=30, end_frame=60,
                         drawing_data={"shapes": [{"type": "rect", "points": [[0.1, 0.1], [0.5, 0.5]]}]})
    score(world, world.expert, 7)
    services.decision_confirm(entry=fresh_entry(world), user=world.office, verdict="revise")
    item = Item.objects.get()
    client.force_login(world.producer)
    url = reverse("project-rectification", args=[world.project.pk])

    page = client.get(url).content.decode()
    assert 'name="answer"' not in page
    assert "Upload the new version of the cut first" in page
    assert "00:00:01:05–00:00:02:10" in page

    world.project.refresh_from_db()
    v2 = project_services.deliverable_save(project=world.project, user=world.producer, kind="cut", base_version=1, from_upload=True)
    processed_cut(v2)
    page = client.get(url).content.decode()
    assert 'name="answer"' in page
    project_page = client.get(reverse("project-detail", args=[world.project.pk])).content.decode()
    assert 'name="submit-deliverable"' not in project_page
    assert f"#{item.pk} 00:00:01:05" in strip_tags(re.search(r'id="submit-refused">(.*?)</p>', project_page, re.S).group(1))
