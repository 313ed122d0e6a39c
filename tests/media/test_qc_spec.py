"""Technical QC against the project's spec: the office sets a picture size (at least) and a frame
rate (exactly, NTSC rates allowed) when planning; cuts not yet submitted are judged again when the
spec changes, from the stored measures, without decoding anything."""

import pytest
from django.urls import reverse

from media import services as media_services
from media.models import Cut
from media.qc import QCReport, Targets
from projects import services
from projects.models import Deliverable, State
from tests.support.factories import measured_draft_cut, qc_report

pytestmark = pytest.mark.usefixtures("english")


def codes(qc: QCReport, targets: Targets) -> dict:
    return {f.code: f.message for f in qc.findings(targets) if f.severity == "fail"}


def test_the_frame_rate_must_match_the_spec():
    spec25 = Targets(min_resolution=(1920, 1080), fps=25.0)
    assert codes(qc_report(fps=25.0), spec25) == {}
    assert codes(qc_report(fps=29.97), spec25) == {"fps": "The frame rate is 29.97 fps; the project's spec is 25 fps."}
    assert "fps" in codes(qc_report(fps=50.0), spec25)
    # NTSC rates meet their whole-number spec.
    assert codes(qc_report(fps=29.97), Targets(min_resolution=(1920, 1080), fps=30.0)) == {}
    assert codes(qc_report(fps=23.976), Targets(min_resolution=(1920, 1080), fps=24.0)) == {}


def test_the_picture_must_be_at_least_the_spec_in_either_orientation():
    spec = Targets(min_resolution=(1920, 1080), fps=25.0)
    assert codes(qc_report(1280, 720), spec) == {"resolution": "The picture is 1280×720; at least 1920×1080 is required."}
    assert codes(qc_report(1080, 1920), spec) == {}  # a vertical film for phones
    assert codes(qc_report(3840, 2160), spec) == {}


def test_a_stored_report_reads_back_the_same():
    original = qc_report(black=[(10.0, 10.5)])
    again = QCReport.from_dict(original.as_dict())
    assert again == original and again.black == [(10.0, 10.5)]


@pytest.fixture
def draft_cut(make_project, producer_a):
    project = make_project(State.PRODUCTION)
    return project, measured_draft_cut(project, producer_a, 1280, 720)


def plan(project, office, **spec):
    return services.project_plan(project=project, user=office, genre=project.genre, track=project.track,
                                 origin=project.origin, deadline=project.deadline, **spec)


def test_changing_the_spec_judges_draft_cuts_again(draft_cut, office):
    project, cut = draft_cut
    plan(project, office, spec_resolution="1280x720", spec_fps=25)
    cut.refresh_from_db()
    assert cut.qc_passed is True and cut.qc["findings"] == []
    plan(project, office, spec_resolution="1920x1080")
    cut.refresh_from_db()
    assert cut.qc_passed is False and [f["code"] for f in cut.qc["findings"]] == ["resolution"]
    assert not cut.reviewable
    assert cut.qc["report"]["width"] == 1280  # the measures stay as measured


def test_a_submitted_cut_keeps_its_verdict(draft_cut, office):
    project, cut = draft_cut
    Cut.objects.filter(pk=cut.pk).update(qc_passed=True)
    Deliverable.objects.filter(pk=cut.deliverable_id).update(status=Deliverable.Status.SUBMITTED)
    plan(project, office, spec_resolution="3840x2160", spec_fps=50)
    cut.refresh_from_db()
    assert cut.qc_passed is True


def test_targets_come_from_the_genre_and_the_project(draft_cut, office):
    project, _ = draft_cut
    plan(project, office, spec_resolution="3840x2160", spec_fps=30)
    targets = media_services.qc_targets(project)
    assert (targets.min_resolution, targets.fps) == ((3840, 2160), 30.0)
    assert targets.max_seconds == project.genre.target_minutes_max * 60


def test_the_office_sets_the_spec_on_the_plan_page_and_through_the_api(client, draft_cut, office):
    project, _ = draft_cut
    client.force_login(office)
    page = client.get(reverse("project-plan", args=[project.pk])).content.decode()
    assert 'name="spec_resolution"' in page and 'name="spec_fps"' in page
    data = {"genre": project.genre.pk, "track": project.track.pk, "origin": project.origin,
            "deadline": project.deadline.isoformat(), "spec_resolution": "1280x720", "spec_fps": "30"}
    assert client.post(reverse("project-plan", args=[project.pk]), data).status_code == 302
    project.refresh_from_db()
    assert (project.spec_resolution, project.spec_fps) == ("1280x720", 30)
    assert "720p (1280×720) · 30 fps" in client.get(reverse("project-detail", args=[project.pk])).content.decode()
    # A value outside the choices is refused and changes nothing.
    response = client.post(reverse("project-plan", args=[project.pk]), {**data, "spec_fps": "29"})
    assert response.status_code == 400
    assert "Select a valid choice. 29 is not one of the available choices." in response.content.decode()
    api = reverse("api-project-plan", args=[project.pk])
    body = {"genre": project.genre.code, "track": project.track.code, "origin": project.origin,
            "deadline": project.deadline.isoformat(), "spec_resolution": "1920x1080", "spec_fps": 25}
    response = client.post(api, body, content_type="application/json")
    assert response.status_code == 200 and response.json()["spec_fps"] == 25
    response = client.post(api, {**body, "spec_resolution": "640x480"}, content_type="application/json")
    assert (response.status_code, response.json()) == (400, {"spec_resolution": ['"640x480" is not a valid choice.']})
    project.refresh_from_db()
    assert (project.spec_resolution, project.spec_fps) == ("1920x1080", 25)
