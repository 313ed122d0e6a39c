"""The panel pages over HTTP: what each refusal answers (status, message, nothing changed), comments
by time code with drawings, escaping, the frame thumbnail made by real ffmpeg, and the exports."""

import io
import json

import pytest
from django.urls import reverse
from django.utils.html import escape
from openpyxl import load_workbook

from media import storage
from media.models import Rendition
from projects.models import VideoProject
from reviews import services
from reviews.models import Comment, Decision, Scorecard, Session
from tests.reviews.conftest import fresh_entry, score
from tests.support.clips import make_clip


def room(w):
    return reverse("panel-entry", args=[w.session.pk, w.entry.pk])


def post_comment(client, w, **data):
    return client.post(reverse("panel-entry-comment", args=[w.session.pk, w.entry.pk]), {"body": "意见", "private": "1", **data})


def test_the_room_shows_the_score_form_with_each_criterions_text(world, client):
    client.force_login(world.expert)
    page = client.get(room(world)).content.decode()
    for c in world.criteria:
        assert escape(c.name_en) in page and escape(c.description_en) in page
    assert 'name="c%d" value="pass"' % world.veto.pk in page


def test_a_scorecard_with_a_score_out_of_range_is_refused_on_the_page(world, client):
    client.force_login(world.expert)
    data = {f"c{c.pk}": "8" for c in world.scored} | {f"c{world.scored[0].pk}": "12", f"c{world.veto.pk}": "pass", "submit": "1"}
    response = client.post(reverse("panel-entry-score", args=[world.session.pk, world.entry.pk]), data)
    assert response.status_code == 400
    assert "must lie between 0 and 10" in response.content.decode()
    assert not Scorecard.objects.exists()


def test_a_submitted_scorecard_over_http(world, client):
    client.force_login(world.expert)
    data = {f"c{c.pk}": "9" for c in world.scored} | {f"c{world.veto.pk}": "pass", "submit": "1", "remark": "好"}
    response = client.post(reverse("panel-entry-score", args=[world.session.pk, world.entry.pk]), data)
    assert response.status_code == 302
    assert Scorecard.objects.get().submitted
    again = client.post(reverse("panel-entry-score", args=[world.session.pk, world.entry.pk]), data)
    assert again.status_code == 409


def test_a_comment_by_time_code_is_stored_as_frames(world, client):
    client.force_login(world.expert)
    shapes = {"shapes": [{"type": "rect", "points": [[0.1, 0.2], [0.5, 0.6]], "color": "#E53935"}]}
    response = post_comment(client, world, timecode="00:00:02:10", end_timecode="00:00:03:00", drawing=json.dumps(shapes))
    assert response.status_code == 302
    c = Comment.objects.get()
    assert (c.frame, c.end_frame, c.private) == (60, 75, True)
    assert c.drawing == {"shapes": [{"type": "rect", "points": [[0.1, 0.2], [0.5, 0.6]], "color": "#e53935"}]}
    assert "00:00:02:10–00:00:03:00" in client.get(room(world)).content.decode()


@pytest.mark.parametrize(("data", "message"), [
    ({"timecode": "00:00:10:00"}, "past the end of the cut (00:00:10:00)"),
    ({"timecode": "00:00:02:30"}, "HH:MM:SS:FF (25 frames a second)"),
    ({"timecode": "00:00:02:00", "end_timecode": "00:00:01:00"}, "out point must come after"),
    ({}, "Say where in the cut"),
    ({"timecode": "00:00:01:00", "drawing": "{not json"}, "not valid JSON"),
    ({"timecode": "00:00:01:00", "drawing": json.dumps({"shapes": [{"type": "rect", "points": [[0, 0], [1.5, 0.5]]}]})}, "outside the frame"),
    ({"timecode": "00:00:01:00", "drawing": json.dumps({"shapes": [{"type": "free", "points": [[0.5, 0.5]] * 2001}]})}, "at most 2000 points"),
    ({"timecode": "00:00:01:00", "drawing": json.dumps({"shapes": [{"type": "circle", "points": [[0, 0], [1, 1]]}]})}, "arrow, a rectangle"),
    ({"timecode": "00:00:01:00", "drawing": json.dumps({"shapes": [{"type": "arrow", "points": [[0, 0], ["x", 1]]}]})}, "pair of numbers"),
    ({"timecode": "00:00:01:00", "drawing": json.dumps([1, 2])}, "list of shapes"),
    ({"timecode": "00:00:01:00", "body": ""}, "Write the comment"),
])
def test_a_bad_comment_is_refused_and_nothing_is_stored(world, client, data, message):
    client.force_login(world.expert)
    response = post_comment(client, world, **data)
    assert response.status_code == 400, response.content[:300]
    assert message in response.content.decode()
    assert not Comment.objects.exists()


def test_html_in_a_comment_is_shown_as_text_everywhere(world, client):
    client.force_login(world.expert)
    post_comment(client, world, timecode="00:00:01:00", body="<script>alert(1)</script>", private="")
    score(world, world.expert, 8)
    page = client.get(room(world)).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    client.force_login(world.office)
    board = client.get(reverse("panel-board", args=[world.session.pk])).content.decode()
    assert "<script>alert(1)</script>" not in board
    api = client.get(reverse("api-panel-comments", args=[world.session.pk, world.entry.pk]))
    assert api["Content-Type"].startswith("application/json")


def test_a_comment_in_a_spreadsheet_cannot_become_a_formula(world, client):
    client.force_login(world.expert)
    post_comment(client, world, timecode="00:00:01:00", body="=HYPERLINK(\"http://x\")")
    client.force_login(world.office)
    book = load_workbook(io.BytesIO(client.get(reverse("panel-export", args=[world.session.pk, "xlsx"])).content))
    cells = [c for row in book["Comments"].iter_rows(values_only=True) for c in row]
    assert "'=HYPERLINK(\"http://x\")" in cells


def test_the_export_has_every_score(world, client):
    score(world, world.expert, 8)
    score(world, world.leader, 6)
    client.force_login(world.office)
    book = load_workbook(io.BytesIO(client.get(reverse("panel-export", args=[world.session.pk, "xlsx"])).content))
    assert book.sheetnames == ["Summary", "Scores", "Comments"]
    rows = list(book["Scores"].iter_rows(values_only=True))[1:]
    assert len(rows) == 2 * len(world.criteria)
    summary = list(book["Summary"].iter_rows(values_only=True))[1]
    # experts 80 (weight 50), leaders 60 (weight 30): (4000 + 1800) / 80 = 72.5
    assert summary[4] == 72.5


def test_the_comment_gets_a_thumbnail_of_its_frame(world, client, storage_dir, tmp_path):
    clip = make_clip(tmp_path / "proxy.mp4", seconds=3, size="320x240")
    key = storage.rendition_key(world.project.pk, 1, "proxy.mp4")
    storage.put_file(key=key, path=clip)
    Rendition.objects.create(cut=world.cut, kind=Rendition.Kind.PROXY, key=key, size=clip.stat().st_size)
    client.force_login(world.expert)
    post_comment(client, world, timecode="00:00:01:12")
    comment = Comment.objects.get()
    assert comment.thumbnail_key.endswith("/frames/frame-37.jpg")
    response = client.get(reverse("panel-comment-frame", args=[comment.pk]))
    body = b"".join(response.streaming_content)
    assert response.status_code == 200 and body[:3] == b"\xff\xd8\xff"  # a JPEG
    from PIL import Image

    assert Image.open(io.BytesIO(body)).size == (320, 240)
    # the producer's unit is barred from the panel room, and sees the frame only once it is an item
    client.force_login(world.producer)
    assert client.get(reverse("panel-comment-frame", args=[comment.pk])).status_code == 404


def test_confirming_from_the_board_moves_the_project(world, client):
    score(world, world.expert, 9)
    client.force_login(world.office)
    response = client.post(reverse("panel-entry-decide", args=[world.session.pk, world.entry.pk]), {"verdict": "pass"})
    assert response.status_code == 302
    world.project.refresh_from_db()
    assert world.project.state == "approved"
    again = client.post(reverse("panel-entry-decide", args=[world.session.pk, world.entry.pk]), {"verdict": "reject"})
    assert again.status_code == 409 and Decision.objects.get().verdict == "pass"


def test_a_reject_verdict_asks_first_keeps_the_note_and_changes_nothing_until_confirmed(world, client):
    score(world, world.expert, 2)
    client.force_login(world.office)
    decide = reverse("panel-entry-decide", args=[world.session.pk, world.entry.pk])
    asked = client.post(decide, {"verdict": "reject", "note": "主题偏离"})
    page = asked.content.decode()
    assert asked.status_code == 200
    assert escape(services.decision_consequence(world.entry, "reject")) in page and "The film is rejected for good" in page
    assert 'name="confirmed" value="1"' in page and 'name="verdict" value="reject"' in page and "主题偏离</textarea>" in page
    world.project.refresh_from_db()
    assert world.project.state == "panel_review" and not Decision.objects.exists()
    assert client.get(decide).status_code == 405  # a GET of the step is not the step
    done = client.post(decide, {"verdict": "reject", "note": "主题偏离", "confirmed": "1"})
    assert done.status_code == 302
    world.project.refresh_from_db()
    assert world.project.state == "rejected" and Decision.objects.get().note == "主题偏离"


def test_pass_and_revise_need_no_confirmation_and_a_refused_reject_is_refused_before_asking(world, client):
    assert services.decision_consequence(world.entry, "pass") == "" == services.decision_consequence(world.entry, "revise")
    client.force_login(world.office)
    decide = reverse("panel-entry-decide", args=[world.session.pk, world.entry.pk])
    early = client.post(decide, {"verdict": "reject"})  # no scorecard yet: nothing to confirm
    assert early.status_code == 409 and "No member has submitted a scorecard" in early.content.decode()
    client.force_login(world.expert)
    assert client.post(decide, {"verdict": "reject"}).status_code == 403
    assert not Decision.objects.exists()


def test_a_panelist_may_not_confirm_or_manage(world, client):
    score(world, world.expert, 9)
    client.force_login(world.expert)
    assert client.post(reverse("panel-entry-decide", args=[world.session.pk, world.entry.pk]), {"verdict": "pass"}).status_code == 403
    assert client.post(reverse("panel-session-phase", args=[world.session.pk, "close"])).status_code == 403
    assert client.get(reverse("panel-detail", args=[world.panel.pk])).status_code == 404
    assert not Decision.objects.exists()
    assert Session.objects.get(pk=world.session.pk).phase == "scoring"
    assert fresh_entry(world).project.state == "panel_review"


def test_the_panel_compares_the_new_version_with_the_previous_one(world, client):
    from tests.support.factories import submit_version

    score(world, world.expert, 7)
    from reviews import services

    services.decision_confirm(entry=fresh_entry(world), user=world.office, verdict="revise")
    project = VideoProject.objects.get(pk=world.project.pk)
    submit_version(project, world.producer, "cut")
    from tests.reviews.conftest import panel_cut

    project = VideoProject.objects.get(pk=world.project.pk)
    panel_cut(project)
    session = services.session_open(panel=world.panel, user=world.office, title="复审", rubric=world.rubric)
    entry = services.entry_add(session=session, user=world.office, project=project)
    services.session_start_scoring(session=session, user=world.office)
    client.force_login(world.expert)
    assert "Compare with v1" in client.get(reverse("panel-entry", args=[session.pk, entry.pk])).content.decode()
    page = client.get(reverse("panel-entry-compare", args=[session.pk, entry.pk])).content.decode()
    files = reverse("panel-entry-file", args=[session.pk, entry.pk, "proxy.mp4"])
    assert f'src="{files}"' in page and f'src="{files}?of=previous"' in page
    # the first session's cut has nothing before it
    assert client.get(reverse("panel-entry-compare", args=[world.session.pk, world.entry.pk])).status_code == 404
    client.force_login(world.producer)
    cuts = sorted(world.project.deliverables.filter(kind="cut"), key=lambda d: d.version)
    assert client.get(reverse("cut-compare", args=[cuts[1].cut.pk, cuts[0].cut.pk])).status_code == 200


def test_a_criterion_without_room_to_score_is_refused_in_the_admin(world, client):
    from django.contrib.auth.models import User

    from reviews.models import Criterion

    admin = User.objects.create_superuser("root", password="pw-root")
    client.force_login(admin)
    c = world.scored[0]
    url = reverse("admin:reviews_criterion_change", args=[c.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None} | {"min_score": 5, "max_score": 5, "rubric": c.rubric_id}
    response = client.post(url, data)
    assert response.status_code == 200 and "The highest score must be above the lowest." in response.content.decode()
    assert Criterion.objects.get(pk=c.pk).max_score == 10


def test_the_rooms_queries_do_not_grow_with_its_comments(world, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.expert)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(room(world)).status_code == 200
        return len(ctx)

    services.comment_add(entry=fresh_entry(world), user=world.expert, body="第一条", frame=25)
    one = queries()
    for n in range(5):
        services.comment_add(entry=fresh_entry(world), user=world.expert, body=f"意见{n}", frame=50 + n)
    assert queries() == one
