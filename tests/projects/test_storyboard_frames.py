"""Storyboard frames and big shot lists (issue #11, item 3): a frame is a picture Pillow reads,
with a thumbnail made on the server; a frame follows the shot it was copied from; a 100-shot save
is one version written in a bounded number of queries."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from projects import services
from projects.models import Shot, State
from studio.errors import Invalid, StaleEdit
from tests.support.factories import png_bytes


def save(project, user, base, shots):
    return services.deliverable_save(project=project, user=user, kind="storyboard", base_version=base, shots=shots)


def test_a_frame_gets_a_server_made_thumbnail_and_a_key_of_its_format(make_project, producer_a, storage_dir):
    project = make_project(State.STORYBOARD)
    v1 = save(project, producer_a, 0, [{"number": 1, "picture": "全景", "duration_seconds": 6, "shot_size": "full",
                                        "frame": SimpleUploadedFile("page.html", png_bytes(1280, 720))}])
    shot = v1.shots.get()
    assert shot.frame.name.startswith(f"storyboards/{project.pk}/") and shot.frame.name.endswith(".png")
    with Image.open(storage_dir / shot.thumbnail.name) as thumb:
        assert (thumb.format, thumb.size) == ("JPEG", (320, 180))


def test_a_file_that_is_no_picture_is_refused_and_nothing_is_saved(make_project, producer_a, storage_dir):
    project = make_project(State.STORYBOARD)
    with pytest.raises(Invalid) as info:
        save(project, producer_a, 0, [{"number": 1, "picture": "全景", "duration_seconds": 6,
                                       "frame": SimpleUploadedFile("frame.png", b"not a picture at all")}])
    assert "frame.png" in str(info.value.message)
    assert not project.deliverables.filter(kind="storyboard").exists() and not list(storage_dir.rglob("*.*"))


def test_a_frame_follows_its_shot_when_rows_move_and_can_be_removed(make_project, producer_a, storage_dir):
    project = make_project(State.STORYBOARD)
    v1 = save(project, producer_a, 0, [
        {"number": 1, "picture": "甲", "duration_seconds": 3, "frame": SimpleUploadedFile("a.png", png_bytes(64, 36))},
        {"number": 2, "picture": "乙", "duration_seconds": 4},
    ])
    first = v1.shots.get(number=1)
    v2 = save(project, producer_a, 1, [
        {"number": 1, "picture": "新", "duration_seconds": 2, "source": None},
        {"number": 2, "picture": "乙", "duration_seconds": 4, "source": v1.shots.get(number=2).pk},
        {"number": 3, "picture": "甲", "duration_seconds": 3, "source": first.pk},
    ])
    assert [(s.picture, s.frame.name, s.thumbnail.name) for s in v2.shots.all()] == [
        ("新", "", ""), ("乙", "", ""), ("甲", first.frame.name, first.thumbnail.name)]
    v3 = save(project, producer_a, 2, [{"number": 1, "picture": "甲", "duration_seconds": 3,
                                        "source": v2.shots.get(number=3).pk, "remove_frame": True}])
    assert v3.shots.get().frame.name == ""


def test_a_source_of_another_project_carries_nothing(make_project, producer_a, storage_dir):
    other = make_project(State.STORYBOARD, title="另一部片子")
    theirs = save(other, producer_a, 0, [{"number": 1, "picture": "甲", "duration_seconds": 3,
                                          "frame": SimpleUploadedFile("a.png", png_bytes(64, 36))}]).shots.get()
    project = make_project(State.STORYBOARD)
    mine = save(project, producer_a, 0, [{"number": 1, "picture": "乙", "duration_seconds": 3, "source": theirs.pk}])
    assert mine.shots.get().frame.name == ""


def test_a_hundred_shots_are_one_version_in_a_bounded_number_of_queries(make_project, producer_a):
    project = make_project(State.STORYBOARD)
    shots = [{"number": n, "picture": f"画面{n}", "duration_seconds": 5, "camera_movement": "推"} for n in range(1, 101)]
    with CaptureQueriesContext(connection) as queries:
        v1 = save(project, producer_a, 0, shots)
    assert len(queries) <= 12, [q["sql"][:120] for q in queries]
    assert v1.shots.count() == 100 and Shot.objects.filter(deliverable__project=project).count() == 100


def test_a_stale_storyboard_save_is_refused_naming_the_newer_version(make_project, producer_a, office):
    project = make_project(State.STORYBOARD)
    save(project, producer_a, 0, [{"number": 1, "picture": "甲", "duration_seconds": 3}])
    with pytest.raises(StaleEdit) as info:
        save(project, office, 0, [{"number": 1, "picture": "乙", "duration_seconds": 3}])
    assert info.value.current == 1 and info.value.status_code == 409
    assert list(project.deliverables.filter(kind="storyboard").values_list("version", flat=True)) == [1]
