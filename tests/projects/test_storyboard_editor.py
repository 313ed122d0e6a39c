"""The storyboard editor page (issue #11, item 3): one save makes one version; rows are numbered by
their order on the page, so inserting, moving and deleting rows is what the posted order says; a
frame follows the row it belongs to; a wrong row is shown on its row with everything typed kept;
a stale save names the current version and keeps the rows; thumbnails are served to those who may
see the version, and only them."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from projects import services
from projects.models import Deliverable, State
from studio import limits
from tests.support.factories import png_bytes

FIELDS = ("picture", "shot_size", "dialogue", "camera_movement", "duration_seconds", "notes", "source")


def post_data(rows, *, base=0, note=""):
    """The form as the editor posts it: ``rows`` in page order, each a dict of its fields."""
    data = {"base_version": base, "note": note, "shots-TOTAL_FORMS": len(rows), "shots-INITIAL_FORMS": 0,
            "shots-MIN_NUM_FORMS": 0, "shots-MAX_NUM_FORMS": limits.SHOTS}
    for i, row in enumerate(rows):
        for key, value in row.items():
            if key == "DELETE":
                if value:
                    data[f"shots-{i}-DELETE"] = "on"
            elif key == "remove_frame":
                if value:
                    data[f"shots-{i}-remove_frame"] = "on"
            else:
                data[f"shots-{i}-{key}"] = value
    return data


def shot(picture, seconds=5, **extra):
    return {"picture": picture, "duration_seconds": seconds, **extra}


def frame(name="f.png", w=64, h=36):
    return SimpleUploadedFile(name, png_bytes(w, h), content_type="image/png")


@pytest.fixture
def editor(client, make_project, producer_a, storage_dir):
    project = make_project(State.STORYBOARD)
    client.force_login(producer_a)
    url = reverse("storyboard-edit", args=[project.pk])

    def post(rows, **kwargs):
        return client.post(url, post_data(rows, **kwargs), headers={"Accept-Language": "en"})

    return project, url, post


def versions(project):
    return list(project.deliverables.filter(kind="storyboard").order_by("version"))


def listed(deliverable):
    return [(s.number, s.picture) for s in deliverable.shots.all()]


def test_one_save_writes_one_version_numbered_by_row_order(editor):
    project, url, post = editor
    response = post([shot("远景 城市", shot_size="long", dialogue="旁白一", camera_movement="推", notes="清晨"),
                     shot("", seconds=""),  # a blank row is left out
                     shot("近景 人物", 3, shot_size="closeup")], note="初稿")
    assert response.status_code == 302, response.content.decode()[:3000]
    (v1,) = versions(project)
    assert v1.note == "初稿"
    assert [(s.number, s.picture, s.shot_size, s.dialogue, s.camera_movement, s.duration_seconds, s.notes)
            for s in v1.shots.all()] == [(1, "远景 城市", "long", "旁白一", "推", 5, "清晨"), (2, "近景 人物", "closeup", "", "", 3, "")]


def test_the_page_shows_the_latest_rows_with_their_sources_and_blank_rows_for_no_script(editor, client):
    project, url, post = editor
    post([shot("甲"), shot("乙")])
    v1 = versions(project)[0]
    page = client.get(url).content.decode()
    for s in v1.shots.all():
        assert f'name="shots-{s.number - 1}-source" value="{s.pk}"' in page
    assert 'name="shots-TOTAL_FORMS" value="5"' in page  # two shots and three blank rows
    assert 'id="shot-template"' in page and "shots-__prefix__-picture" in page
    assert "projects/storyboard.js" in page


def test_inserting_moving_and_deleting_rows_is_the_posted_order(editor, storage_dir):
    project, url, post = editor
    post([shot("甲", frame=frame()), shot("乙"), shot("丙")])
    a, b, c = versions(project)[0].shots.all()
    # Move 丙 to the top, insert 新 after it, delete 乙 (its row still posted, marked).
    response = post([shot("丙", source=c.pk), shot("新"), shot("甲", source=a.pk), shot("乙", source=b.pk, DELETE=True)], base=1)
    assert response.status_code == 302
    v2 = versions(project)[1]
    assert listed(v2) == [(1, "丙"), (2, "新"), (3, "甲")]
    # 甲's frame moved with its row to number 3; nothing else has one.
    assert [(s.number, s.frame.name) for s in v2.shots.all()] == [(1, ""), (2, ""), (3, a.frame.name)]


def test_a_deleted_row_is_not_checked(editor):
    project, url, post = editor
    response = post([shot("甲"), shot("", seconds="abc", DELETE=True)])
    assert response.status_code == 302
    assert listed(versions(project)[0]) == [(1, "甲")]


def test_a_wrong_row_shows_its_error_on_its_row_and_keeps_what_was_typed(editor):
    project, url, post = editor
    response = post([shot("第一个镜头的画面"), shot("", 4, dialogue="只写了旁白"), shot("第三", seconds=0)])
    assert response.status_code == 400
    page = response.content.decode()
    assert "Some shots need changes before saving: shot 2, 3." in page
    rows = page.split("data-shot-row")[1:4]
    assert "errorlist" not in rows[0] and "第一个镜头的画面" in rows[0]
    assert "This field is required." in rows[1] and "只写了旁白" in rows[1]
    assert "greater than or equal to 1" in rows[2] and "第三" in rows[2]
    assert versions(project) == []


@pytest.mark.parametrize("bad", [
    {"frame": SimpleUploadedFile("f.png", b"<html>not a picture</html>", content_type="image/png")},
    {"shot_size": "wide-ish"},
    {"duration_seconds": limits.SHOT_SECONDS + 1},
    {"picture": "x" * (limits.SHOT_TEXT + 1)},
    {"source": "not-a-number"},
])
def test_bad_input_in_a_row_answers_400_on_that_row_and_saves_nothing(editor, bad):
    project, url, post = editor
    response = post([shot("甲"), {**shot("乙"), **bad}])
    assert response.status_code == 400
    row = response.content.decode().split("data-shot-row")[2]
    assert "errorlist" in row
    assert versions(project) == []


def test_more_shots_than_the_limit_answer_400_with_the_rows_kept(editor):
    project, url, post = editor
    response = post([shot(f"画面{n}") for n in range(limits.SHOTS + 1)])
    assert response.status_code == 400
    page = response.content.decode()
    assert f"Please submit at most {limits.SHOTS} forms." in page and "画面300" in page
    assert versions(project) == []


def test_a_stale_save_names_the_current_version_keeps_the_rows_and_the_next_save_builds_on_it(editor, office, client):
    project, url, post = editor
    post([shot("甲")])
    services.deliverable_save(project=project, user=office, kind="storyboard", base_version=1,
                              shots=[{"number": 1, "picture": "办公室改的", "duration_seconds": 2}])
    response = post([shot("我的新行"), shot("我的第二行", 7, notes="别丢")], base=1)
    assert response.status_code == 409
    page = response.content.decode()
    assert "Version 2 was saved while you were editing version 1." in page
    assert 'id="stale"' in page and "save again to write version 3 from these rows" in page
    assert "我的新行" in page and "我的第二行" in page and "别丢" in page
    assert 'name="base_version" value="2"' in page
    assert len(versions(project)) == 2
    # Saving again, deliberately, writes version 3 from their rows.
    assert post([shot("我的新行"), shot("我的第二行", 7, notes="别丢")], base=2).status_code == 302
    assert listed(versions(project)[2]) == [(1, "我的新行"), (2, "我的第二行")]


def test_a_refused_save_asks_for_a_chosen_frame_again(editor, office):
    project, url, post = editor
    post([shot("甲")])
    services.deliverable_save(project=project, user=office, kind="storyboard", base_version=1,
                              shots=[{"number": 1, "picture": "乙", "duration_seconds": 2}])
    response = post([shot("甲", frame=frame())], base=1)
    assert response.status_code == 409
    assert "Choose the frame again" in response.content.decode()


def test_a_frame_uploaded_on_the_page_gets_a_thumbnail_shown_in_its_row_and_can_be_removed(editor, client, storage_dir):
    project, url, post = editor
    assert post([shot("甲", frame=frame(w=1280, h=720)), shot("乙")]).status_code == 302
    v1 = versions(project)[0]
    first = v1.shots.get(number=1)
    assert first.thumbnail.name and (storage_dir / first.thumbnail.name).exists()
    page = client.get(url).content.decode()
    thumb = reverse("shot-thumbnail", args=[project.pk, v1.pk, 1])
    assert f'src="{thumb}"' in page and reverse("shot-frame", args=[project.pk, v1.pk, 1]) in page
    response = client.get(thumb)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"
    assert post([shot("甲", source=first.pk, remove_frame=True)], base=1).status_code == 302
    assert versions(project)[1].shots.get().frame.name == ""


@pytest.mark.parametrize("who, status", [("producer_a", 200), ("office", 200), ("producer_b", 404), ("panelist", 404),
                                         ("organiser", 404), ("outsider", 404)])
def test_the_thumbnail_is_served_through_the_frames_access_rule(editor, client, request, who, status):
    project, url, post = editor
    post([shot("甲", frame=frame())])
    v1 = versions(project)[0]
    client.force_login(request.getfixturevalue(who))
    for name in ("shot-thumbnail", "shot-frame"):
        assert client.get(reverse(name, args=[project.pk, v1.pk, 1])).status_code == status, name


def test_a_shot_without_a_frame_has_no_thumbnail(editor, client):
    project, url, post = editor
    post([shot("甲")])
    v1 = versions(project)[0]
    assert client.get(reverse("shot-thumbnail", args=[project.pk, v1.pk, 1])).status_code == 404


def test_a_hundred_shots_with_a_frame_each_save_in_one_post(editor, storage_dir):
    project, url, post = editor
    rows = [shot(f"画面{n}", shot_size="medium", dialogue=f"旁白{n}", camera_movement="摇", notes="备注", frame=frame(f"{n}.png", 16, 9))
            for n in range(1, 101)]
    response = post(rows)
    assert response.status_code == 302, response.content.decode()[:2000]
    (v1,) = versions(project)
    shots = list(v1.shots.all())
    assert [s.number for s in shots] == list(range(1, 101)) and all(s.frame and s.thumbnail for s in shots)


def test_the_exhibit_and_the_api_show_shot_size_notes_and_thumbnails(editor, client, office):
    project, url, post = editor
    post([shot("甲", shot_size="closeup", notes="逆光", frame=frame())])
    v1 = versions(project)[0]
    client.force_login(office)
    page = client.get(reverse("deliverable-detail", args=[project.pk, v1.pk]), headers={"Accept-Language": "en"}).content.decode()
    assert "Close-up" in page and "逆光" in page and reverse("shot-thumbnail", args=[project.pk, v1.pk, 1]) in page
    page = client.get(reverse("deliverable-detail", args=[project.pk, v1.pk]), headers={"Accept-Language": "zh-hans"}).content.decode()
    assert "特写" in page
    body = client.get(f"/api/projects/{project.pk}/deliverables/", headers={"Accept-Language": "en"}).json()
    (storyboard,) = [d for d in (body["results"] if isinstance(body, dict) else body) if d["kind"] == Deliverable.Kind.STORYBOARD]
    (s,) = storyboard["shots"]
    assert (s["shot_size"], s["shot_size_label"], s["notes"]) == ("closeup", "Close-up", "逆光")
    assert s["thumbnail"] == reverse("shot-thumbnail", args=[project.pk, v1.pk, 1])


def test_the_upload_limits_fit_the_largest_storyboard_with_a_frame_a_row(settings):
    from projects.forms import ShotForm

    per_row = len(ShotForm.base_fields) + 1  # and DELETE
    rows = limits.SHOTS + 3
    assert settings.DATA_UPLOAD_MAX_NUMBER_FIELDS >= rows * per_row + 10
    assert settings.DATA_UPLOAD_MAX_NUMBER_FILES >= limits.SHOTS


def test_the_api_writes_shot_size_and_notes_and_refuses_an_unknown_size(make_project, producer_a):
    from rest_framework.test import APIClient

    project = make_project(State.STORYBOARD)
    api = APIClient()
    api.force_authenticate(producer_a)
    url = f"/api/projects/{project.pk}/deliverables/"
    body = {"kind": "storyboard", "base_version": 0,
            "shots": [{"picture": "甲", "duration_seconds": 3, "shot_size": "wide-ish"}]}
    assert api.post(url, body, format="json").status_code == 400
    assert versions(project) == []
    body["shots"][0].update(shot_size="extreme", notes="手持")
    response = api.post(url, body, format="json", headers={"Accept-Language": "zh-hans"})
    assert response.status_code == 201, response.content
    (s,) = response.json()["shots"]
    assert (s["shot_size"], s["shot_size_label"], s["notes"]) == ("extreme", "大特写", "手持")


def test_a_picture_of_a_format_frames_refuse_answers_400_naming_the_shot(editor):
    import io

    from PIL import Image

    project, url, post = editor
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="GIF")
    gif = SimpleUploadedFile("动图.gif", buffer.getvalue(), content_type="image/gif")
    response = post([shot("甲"), shot("乙", frame=gif)])
    assert response.status_code == 400
    page = response.content.decode()
    assert "Shot 2: “动图.gif” is not a picture: a frame is a JPEG, PNG or WebP image." in page
    assert "乙" in page and "Choose the frame again" in page
    assert versions(project) == []
