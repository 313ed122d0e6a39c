"""Blind review: until a member submits their own scorecard, no page, fragment, API answer, export
or notification shows them another member's scores, remarks, verdicts or private comments; after
they submit, they see the panel's. Every route of the reviews app is fetched, so a new route that
is not listed here fails ``test_every_panel_route_is_checked``."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from reviews import api_urls, services, urls
from reviews.models import Comment, Item
from tests.reviews.conftest import fresh_entry, score

REMARK = "BLIND-REMARK-OF-THE-EXPERT"
PRIVATE = "BLIND-PRIVATE-COMMENT"
OPEN = "OPEN-COMMENT-FOR-EVERYONE"

# route name: args from the world
ARGS = {
    "panel-home": lambda w: [],
    "panel-create": lambda w: [],
    "panel-detail": lambda w: [w.panel.pk],
    "panel-member-add": lambda w: [w.panel.pk],
    "panel-member-remove": lambda w: [w.panel.pk, w.m_expert.pk],
    "panel-session-open": lambda w: [w.panel.pk],
    "panel-session": lambda w: [w.session.pk],
    "panel-entry-add": lambda w: [w.session.pk],
    "panel-session-phase": lambda w: [w.session.pk, "close"],
    "panel-board": lambda w: [w.session.pk],
    "panel-export": lambda w: [w.session.pk, "xlsx"],
    "panel-entry": lambda w: [w.session.pk, w.entry.pk],
    "panel-entry-queue": lambda w: [w.session.pk, w.entry.pk, "up"],
    "panel-entry-score": lambda w: [w.session.pk, w.entry.pk],
    "panel-entry-comment": lambda w: [w.session.pk, w.entry.pk],
    "panel-entry-decide": lambda w: [w.session.pk, w.entry.pk],
    "panel-entry-file": lambda w: [w.session.pk, w.entry.pk, "proxy.mp4"],
    "panel-entry-compare": lambda w: [w.session.pk, w.entry.pk],
    "panel-comment-resolve": lambda w: [w.private.pk],
    "panel-comment-frame": lambda w: [w.private.pk],
    "project-rectification": lambda w: [w.project.pk],
    "rectification-frame": lambda w: [w.item.pk],
    "rectification-action": lambda w: [w.item.pk, "close"],
    "notifications": lambda w: [],
    "notifications-read": lambda w: [],
    "api-panel-sessions": lambda w: [],
    "api-panel-session": lambda w: [w.session.pk],
    "api-panel-board": lambda w: [w.session.pk],
    "api-panel-comments": lambda w: [w.session.pk, w.entry.pk],
    "api-panel-scorecard": lambda w: [w.session.pk, w.entry.pk],
    "api-panel-decision": lambda w: [w.session.pk, w.entry.pk],
    "api-project-rectification": lambda w: [w.project.pk],
    "api-rectification-answer": lambda w: [w.item.pk],
    "api-rectification-close": lambda w: [w.item.pk],
    "api-rectification-reopen": lambda w: [w.item.pk],
    "api-notifications": lambda w: [],
}


def test_every_panel_route_is_checked():
    names = {p.name for p in urls.urlpatterns + api_urls.urlpatterns}
    assert names == set(ARGS)


@pytest.fixture
def blind(world, storage_dir):
    """The expert has submitted (with a remark) and left a private and an open comment; an earlier
    round's item exists on the project so its routes have something to show."""
    w = world
    w.private = services.comment_add(entry=fresh_entry(w), user=w.expert, body=PRIVATE, frame=40, private=True)
    services.comment_add(entry=fresh_entry(w), user=w.expert, body=OPEN, frame=60, private=False)
    score(w, w.expert, 7.5, remark=REMARK)
    w.item = Item.objects.create(project=w.project, comment=Comment.objects.create(entry=w.entry, author=w.expert, body="旧事项", frame=3))
    return w


def everything(client, w):
    """Every route's GET answer body (as text), with the route name."""
    for name, args in ARGS.items():
        response = client.get(reverse(name, args=args(w)))
        assert response.status_code < 500, name
        body = b"".join(response.streaming_content) if response.streaming else response.content
        yield name, response.status_code, body


def texts(body: bytes) -> str:
    if body[:2] == b"PK":  # an XLSX: read its cells
        import io

        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(body))
        return "\n".join(str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row if c is not None)
    return body.decode("utf-8", "replace")


def test_a_member_sees_nothing_of_the_others_before_submitting(blind, client):
    client.force_login(blind.leader)
    for name, status, body in everything(client, blind):
        text = texts(body)
        assert REMARK not in text, f"{name} shows the expert's remark"
        assert PRIVATE not in text, f"{name} shows the expert's private comment"
    scorecard = client.get(reverse("api-panel-scorecard", args=[blind.session.pk, blind.entry.pk])).json()
    assert scorecard == {"mine": None, "panel": None}
    comments = client.get(reverse("api-panel-comments", args=[blind.session.pk, blind.entry.pk])).json()
    assert [c["body"] for c in comments] == [OPEN]
    room = client.get(reverse("panel-entry", args=[blind.session.pk, blind.entry.pk])).content.decode()
    assert OPEN in room and "panel-scores" not in room
    assert client.get(reverse("panel-board", args=[blind.session.pk])).status_code == 403
    assert client.get(reverse("panel-comment-frame", args=[blind.private.pk])).status_code == 404


def test_after_submitting_the_member_sees_the_panels_work(blind, client):
    score(blind, blind.leader, 6)
    client.force_login(blind.leader)
    room = client.get(reverse("panel-entry", args=[blind.session.pk, blind.entry.pk])).content.decode()
    assert REMARK in room and PRIVATE in room and 'id="panel-scores"' in room
    scorecard = client.get(reverse("api-panel-scorecard", args=[blind.session.pk, blind.entry.pk])).json()
    assert [c["remark"] for c in scorecard["panel"]] == [REMARK]
    assert scorecard["panel"][0]["total"] == pytest.approx(75.0)


def test_an_excluded_member_does_not_see_the_cut(blind, client):
    client.force_login(blind.grassroots)
    for name, status, body in everything(client, blind):
        text = texts(body)
        assert PRIVATE not in text and REMARK not in text and OPEN not in text, name
    assert client.get(reverse("panel-entry", args=[blind.session.pk, blind.entry.pk])).status_code == 404
    session = client.get(reverse("api-panel-session", args=[blind.session.pk])).json()
    assert session["entries"][0]["title"] == "" and session["entries"][0]["excluded"]


def test_a_verdict_is_not_announced_to_a_member_who_has_not_submitted(blind, client):
    services.decision_confirm(entry=fresh_entry(blind), user=blind.office, verdict="revise")
    client.force_login(blind.leader)
    notices = client.get(reverse("api-notifications")).json()
    assert all(n["kind"] != "decided" for n in notices)
    session = client.get(reverse("api-panel-session", args=[blind.session.pk])).json()
    assert session["entries"][0]["decided"] == ""
    expert = Client()
    expert.cookies["django_language"] = "en"
    expert.force_login(blind.expert)
    assert any(n["kind"] == "decided" for n in expert.get(reverse("api-notifications")).json())


def test_the_office_sees_everything(blind, client):
    client.force_login(blind.office)
    board = client.get(reverse("panel-board", args=[blind.session.pk])).content.decode()
    assert blind.project.title in board
    export = texts(client.get(reverse("panel-export", args=[blind.session.pk, "xlsx"])).content)
    assert PRIVATE in export and OPEN in export
    csv = client.get(reverse("panel-export", args=[blind.session.pk, "csv"])).content.decode("utf-8-sig")
    assert PRIVATE in csv
    data = client.get(reverse("api-panel-board", args=[blind.session.pk])).json()
    assert data["rows"][0]["totals"] == {str(blind.expert.pk): pytest.approx(75.0)}
    assert json.dumps(data)  # serialisable as it came
