"""Versioned script and storyboard: every save is a new version; stale edits are refused."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from projects import services
from projects.models import Deliverable, State
from studio.errors import Conflict, Invalid


def test_each_save_is_a_new_version_and_earlier_ones_stay(make_project, producer_a):
    project = make_project(State.SCRIPT)
    v1 = services.deliverable_save(project=project, user=producer_a, kind="script", base_version=0, script="第一稿", narration="解说一")
    v2 = services.deliverable_save(project=project, user=producer_a, kind="script", base_version=1, script="第二稿", narration="解说二")
    assert (v1.version, v2.version) == (1, 2)
    assert Deliverable.objects.get(pk=v1.pk).script == "第一稿"


def test_a_stale_edit_is_refused_with_a_message(make_project, producer_a, office):
    project = make_project(State.SCRIPT)
    services.deliverable_save(project=project, user=producer_a, kind="script", base_version=0, script="甲的版本")
    with pytest.raises(Conflict) as info:
        services.deliverable_save(project=project, user=office, kind="script", base_version=0, script="乙的版本")
    assert "1" in str(info.value.message)
    assert list(project.deliverables.values_list("script", flat=True)) == ["甲的版本"]


def test_a_version_under_review_cannot_be_superseded(make_project, producer_a):
    project = make_project(State.SCRIPT)
    services.deliverable_save(project=project, user=producer_a, kind="script", base_version=0, script="稿")
    services.deliverable_submit(project=project, user=producer_a, kind="script")
    with pytest.raises(Conflict):
        services.deliverable_save(project=project, user=producer_a, kind="script", base_version=1, script="改稿")
    with pytest.raises(Conflict):
        services.deliverable_submit(project=project, user=producer_a, kind="script")
    assert project.deliverables.count() == 1


def test_an_empty_script_is_refused(make_project, producer_a):
    project = make_project(State.SCRIPT)
    with pytest.raises(Invalid):
        services.deliverable_save(project=project, user=producer_a, kind="script", base_version=0, script=" ", narration="")
    assert not project.deliverables.exists()


def test_a_storyboard_keeps_its_shot_list_per_version(make_project, producer_a):
    project = make_project(State.STORYBOARD)
    shots = [
        {"number": 1, "picture": "航拍街道", "dialogue": "在五华……", "camera_movement": "推", "duration_seconds": 8},
        {"number": 2, "picture": "人物特写", "dialogue": "", "camera_movement": "固定", "duration_seconds": 5},
    ]
    v1 = services.deliverable_save(project=project, user=producer_a, kind="storyboard", base_version=0, shots=shots)
    assert v1.total_duration == 13
    assert list(v1.shots.values_list("number", "camera_movement")) == [(1, "推"), (2, "固定")]
    with pytest.raises(Invalid):
        services.deliverable_save(project=project, user=producer_a, kind="storyboard", base_version=1, shots=shots + [dict(shots[0])])
    with pytest.raises(Invalid):
        services.deliverable_save(project=project, user=producer_a, kind="storyboard", base_version=1, shots=[{"number": 1, "picture": "", "duration_seconds": 3}])
    assert project.deliverables.filter(kind="storyboard").count() == 1


def test_the_storyboard_page_saves_shots_with_a_frame_image(client, make_project, producer_a, settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}}}
    project = make_project(State.STORYBOARD)
    client.force_login(producer_a)
    # A real image, made here, so ImageField's check is exercised.
    buffer = io.BytesIO()
    Image.new("RGB", (32, 18), "red").save(buffer, format="PNG")
    png = buffer.getvalue()
    data = {
        "base_version": 0, "note": "",
        "shots-TOTAL_FORMS": 2, "shots-INITIAL_FORMS": 0, "shots-MIN_NUM_FORMS": 0, "shots-MAX_NUM_FORMS": 300,
        "shots-0-number": 1, "shots-0-picture": "全景", "shots-0-dialogue": "旁白", "shots-0-camera_movement": "摇",
        "shots-0-duration_seconds": 6, "shots-0-frame": SimpleUploadedFile("f.png", png, content_type="image/png"),
        "shots-1-number": "", "shots-1-picture": "", "shots-1-duration_seconds": "",
    }
    response = client.post(reverse("storyboard-edit", args=[project.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    shot = project.deliverables.get(kind="storyboard").shots.get()
    assert shot.frame.name.endswith(".png") and (tmp_path / shot.frame.name).exists()


def test_a_stale_script_form_answers_409_and_keeps_the_newer_version(client, make_project, producer_a):
    project = make_project(State.SCRIPT)
    services.deliverable_save(project=project, user=producer_a, kind="script", base_version=0, script="新版本")
    client.force_login(producer_a)
    response = client.post(reverse("script-edit", args=[project.pk]), {"base_version": 0, "script": "旧页面", "narration": ""},
                           headers={"Accept-Language": "en"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "Version 1 was saved while you were editing version 0. Reload to see it, then apply your changes." in page
    assert "旧页面" in page  # what they typed is still in the form
    assert list(project.deliverables.values_list("script", flat=True)) == ["新版本"]
