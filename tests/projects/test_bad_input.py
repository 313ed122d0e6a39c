"""Odd and bad input gets a 4xx with a message and changes nothing (found by probing: #7)."""

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from projects import services
from projects.models import Deliverable, Shot, State, Topic, VideoProject
from studio import limits
from studio.errors import Conflict
from tests.support.factories import pass_all, png_bytes, submit_version
from tests.support.http import assert_refused, post_raw


@pytest.fixture
def api(producer_a):
    client = APIClient()
    client.force_authenticate(producer_a)
    return client


def storyboard(project, **shot):
    return {"kind": "storyboard", "base_version": 0, "note": "",
            "shots": [{"number": 1, "picture": "街道全景", "duration_seconds": 8, **shot}]}


@pytest.mark.parametrize("shot", [
    {"number": -1}, {"number": 10**6}, {"number": "一"},
    {"duration_seconds": 10**9}, {"duration_seconds": 1e308}, {"duration_seconds": -3}, {"duration_seconds": 0},
    {"picture": "x" * (limits.SHOT_TEXT + 1)}, {"picture": "全景\x00"}, {"dialogue": "旁白\x00"},
    {"camera_movement": "摇" * 61},
])
def test_storyboard_shots_out_of_bounds_are_refused_with_the_field_named(api, make_project, shot):
    project = make_project(State.STORYBOARD)
    response = api.post(f"/api/projects/{project.pk}/deliverables/", storyboard(project, **shot), format="json")
    assert response.status_code == 400, response.content
    assert next(iter(shot)) in json.dumps(response.json(), ensure_ascii=False)
    assert not project.deliverables.filter(kind="storyboard").exists()


@pytest.mark.parametrize("raw", ["1e400", "-1e400", "NaN", "Infinity"])
def test_a_shot_duration_that_is_no_finite_number_is_refused(api, make_project, raw):
    project = make_project(State.STORYBOARD)
    body = json.dumps(storyboard(project)).replace('"duration_seconds": 8', f'"duration_seconds": {raw}')
    response = post_raw(api, f"/api/projects/{project.pk}/deliverables/", body)
    assert response.status_code == 400, response.content
    assert not project.deliverables.filter(kind="storyboard").exists()


def test_lone_surrogates_in_text_are_refused(api, make_project):
    project = make_project(State.STORYBOARD)
    body = json.dumps(storyboard(project)).replace("\\u8857", "\\ud800")  # 街 becomes a lone surrogate
    assert "\\ud800" in body
    assert_refused(post_raw(api, f"/api/projects/{project.pk}/deliverables/", body))
    assert not project.deliverables.filter(kind="storyboard").exists()


@pytest.mark.parametrize("frame", [
    "cuts/6/v1/original/样片.mp4", {"name": "cuts/1/v1/proxy.mp4"}, 12, "x" * 5000, "../../etc/passwd",
])
def test_a_client_can_never_name_a_stored_file_as_a_frame(api, make_project, frame):
    project = make_project(State.STORYBOARD)
    response = api.post(f"/api/projects/{project.pk}/deliverables/", storyboard(project, frame=frame), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["shots"][0]["frame"] is None
    assert Shot.objects.get(deliverable__project=project).frame.name == ""


def test_a_frame_is_served_only_through_its_version_to_who_may_see_it(
    client, make_project, producer_a, producer_b, office, storage_dir
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    project = make_project(State.STORYBOARD)
    png = png_bytes(32, 18)
    deliverable = services.deliverable_save(
        project=project, user=producer_a, kind="storyboard", base_version=0,
        shots=[{"number": 1, "picture": "全景", "duration_seconds": 6, "frame": SimpleUploadedFile("f.png", png)}],
    )
    shot = deliverable.shots.get()
    url = reverse("shot-frame", args=[project.pk, deliverable.pk, 1])
    client.force_login(producer_a)
    page = client.get(reverse("deliverable-detail", args=[project.pk, deliverable.pk])).content.decode()
    # The exhibit shows the thumbnail, linking to the full frame.
    assert f'href="{url}"' in page and f'src="{reverse("shot-thumbnail", args=[project.pk, deliverable.pk, 1])}"' in page
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == png
    api = APIClient()
    api.force_authenticate(producer_a)
    assert api.get(f"/api/projects/{project.pk}/deliverables/{deliverable.pk}/").json()["shots"][0]["frame"] == url
    # The next version keeps the frame under the key the server made for it.
    again = services.deliverable_save(project=project, user=producer_a, kind="storyboard", base_version=1,
                                      shots=[{"number": 1, "picture": "近景", "duration_seconds": 4}])
    assert again.shots.get().frame.name == shot.frame.name
    client.force_login(producer_b)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302
    assert client.get("/files/" + shot.frame.name).status_code == 404


def test_json_nested_very_deep_is_refused_on_every_json_endpoint(api, client, make_project, producer_a, storage_dir):
    project = make_project(State.PRODUCTION)
    deep = "[" * 100_000 + "]" * 100_000
    assert_refused(post_raw(api, f"/api/projects/{project.pk}/transitions/", deep))
    assert_refused(post_raw(api, f"/api/projects/{project.pk}/deliverables/", '{"shots": ' + deep + "}"))
    client.force_login(producer_a)
    assert_refused(post_raw(client, reverse("upload-start", args=[project.pk]), deep))
    moderate = "[" * 40 + "]" * 40  # parses, but deeper than any document of ours
    assert_refused(post_raw(api, f"/api/projects/{project.pk}/transitions/", '{"name": ' + moderate + "}"))


@pytest.mark.parametrize("deadline", ["0001-01-01", "9999-12-31", "far"])
def test_a_deadline_outside_the_planning_range_is_refused(make_project, office, deadline):
    project = make_project(State.TOPIC)
    api = APIClient()
    api.force_authenticate(office)
    before = VideoProject.objects.values().get(pk=project.pk)
    body = {"genre": project.genre.code, "track": project.track.code, "origin": project.origin, "deadline": deadline}
    assert_refused(api.post(f"/api/projects/{project.pk}/plan/", body, format="json"))
    assert VideoProject.objects.values().get(pk=project.pk) == before
    assert not project.milestones.exists()


def test_the_plan_page_says_which_deadlines_it_accepts(client, make_project, office):
    project = make_project(State.TOPIC)
    client.force_login(office)
    too_far = timezone.localdate() + dt.timedelta(days=365 * limits.DEADLINE_YEARS_AHEAD + 10)
    response = client.post(reverse("project-plan", args=[project.pk]), {
        "genre": project.genre.pk, "track": project.track.pk, "origin": project.origin, "deadline": too_far.isoformat(),
        "spec_resolution": project.spec_resolution, "spec_fps": project.spec_fps,
    }, headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert "The deadline must lie between" in response.content.decode()
    assert VideoProject.objects.get(pk=project.pk).deadline is None


def test_nul_in_slugs_query_strings_and_forms_is_refused(api, client, make_project, producer_a, call):
    body = {"call": call.pk, "unit": "huashan\x00", "title": "新题", "logline": "故事", "genre": "exemplary",
            "proposed_track": "project"}
    assert_refused(api.post("/api/topics/", body, format="json"))
    assert not Topic.objects.filter(title="新题").exists()
    client.force_login(producer_a)
    response = client.get(reverse("project-list"), {"state": "topic\x00"})
    assert response.status_code == 400 and "NUL" in response.content.decode()
    response = client.post(reverse("topic-pitch", args=[call.pk]), {"title": "新题\x00", "logline": "故事"}, headers={"Accept-Language": "en"})
    assert response.status_code == 400 and response.content.decode() == "Text may not contain NUL characters."
    assert not Topic.objects.filter(title__startswith="新题").exists()


@pytest.mark.parametrize("body", ["null", "[]", '"x"', "{", '{"filename": "a.mp4", "size": 1e400}',
                                  '{"filename": "a.mp4", "size": "many"}', '{"filename": "a.mp4", "size": 10, "note": "\\ud800"}',
                                  '{"filename": "a.mp4", "size": 10, "note": "\\u0000"}', '{"filename": "\\u0000.mp4", "size": 10}'])
def test_a_bad_upload_start_body_is_refused(client, make_project, producer_a, storage_dir, body):
    project = make_project(State.PRODUCTION)
    client.force_login(producer_a)
    assert_refused(post_raw(client, reverse("upload-start", args=[project.pk]), body))
    assert not project.uploads.exists()


def test_byte_ranges_with_thousands_of_digits_are_refused(client, make_project, producer_a, storage_dir):
    project = make_project(State.PRODUCTION)
    client.force_login(producer_a)
    upload_id = client.post(reverse("upload-start", args=[project.pk]), {"filename": "a.mp4", "size": 10},
                            content_type="application/json").json()["id"]
    digits = "9" * 5000
    response = client.generic("PUT", reverse("upload-chunk", args=[upload_id]), b"0123456789",
                              headers={"Content-Range": f"bytes 0-{digits}/10"})
    assert_refused(response)
    response = client.generic("PUT", reverse("upload-chunk", args=[upload_id]), b"0123456789",
                              headers={"Content-Range": "bytes 0-9/10", "Content-Length": digits})
    assert_refused(response)
    assert project.uploads.get().received == 0


@pytest.mark.parametrize("debug", [False, True], ids=["production", "development"])
def test_bodies_over_the_size_limit_answer_json(api, client, make_project, producer_a, settings, storage_dir, debug):
    project = make_project(State.SCRIPT)
    settings.DEBUG = debug  # ./run: Django's own answer to an oversized body is a debug page there
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    big = {"kind": "script", "base_version": 0, "script": "镜" * 20_000}
    assert_refused(api.post(f"/api/projects/{project.pk}/deliverables/", big, format="json"), status=413)
    client.force_login(producer_a)
    production = make_project(State.PRODUCTION, title="另一个题目")
    response = client.post(reverse("upload-start", args=[production.pk]), {"filename": "a.mp4", "size": 10, "note": "x" * 20_000},
                           content_type="application/json")
    assert_refused(response, status=413)
    assert not project.deliverables.exists() and not production.uploads.exists()


def test_free_text_over_its_cap_is_refused_with_a_message(api, make_project, producer_a):
    project = make_project(State.SCRIPT)
    body = {"kind": "script", "base_version": 0, "script": "镜" * (limits.SCRIPT + 1)}
    response = api.post(f"/api/projects/{project.pk}/deliverables/", body, format="json")
    assert response.status_code == 400 and "script" in response.json()
    with pytest.raises(services.Invalid) as refused:
        services.deliverable_save(project=project, user=producer_a, kind="script", base_version=0,
                                  script="镜" * (limits.SCRIPT + 1))
    assert str(limits.SCRIPT) in str(refused.value.message)
    assert not project.deliverables.exists()
    long_reason = "因" * (limits.REASON + 1)
    with pytest.raises(services.Invalid):
        services.project_fire(project=project, user=producer_a, name="cancel", reason=long_reason)
    assert VideoProject.objects.get(pk=project.pk).state == State.SCRIPT


def test_a_gate_whose_conditions_change_while_it_fires_answers_409(make_project, office, producer_a, monkeypatch):
    """django-fsm checks the conditions again as it fires; a racing request can change what they
    read in between (the other office user's review accepted the version). A conflict, not a 500."""
    project = make_project(State.SCRIPT)
    submit_version(project, producer_a, "script")
    asked = []

    def true_once(_project):  # our check sees the version submitted, django-fsm's re-check does not
        asked.append(1)
        return len(asked) == 1

    true_once.message = "changed meanwhile"
    monkeypatch.setattr(services.transition_of(project, "pass_script"), "conditions", [true_once])
    with pytest.raises(Conflict) as refused:
        services.stage_review_record(project=project, user=office, decision="advance", results=pass_all(State.SCRIPT))
    assert refused.value.status_code == 409 and len(asked) == 2
    project.refresh_from_db()
    assert project.state == State.SCRIPT and not project.reviews.exists()
    assert project.deliverables.get(kind="script").status == Deliverable.Status.SUBMITTED
