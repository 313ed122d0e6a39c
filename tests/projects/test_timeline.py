"""The project's timeline of everything (issue 11, item 2): submissions, returns with their
checklist notes, plan changes, uploads and waivers, not only state changes; filterable on the page
and in the API, worded in the reader's language."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from media import services as media_services
from media.models import Upload
from projects import services
from projects.models import ChecklistItem, State
from tests.support.factories import processed_cut, submit_version


def test_the_timeline_shows_everything_and_filters_by_kind(client, make_project, office, producer_a):
    project = make_project(State.SCRIPT, title="巷口的党员修车摊")
    services.project_plan(project=project, user=office, genre=project.genre, track=project.track,
                          origin=project.origin, deadline=timezone.localdate() + dt.timedelta(days=200))
    submit_version(project, producer_a, "script")
    results = {i.pk: (i.code != "narration", "过长" if i.code == "narration" else "")
               for i in ChecklistItem.objects.filter(stage="script", active=True)}
    services.stage_review_record(project=project, user=office, decision="return", results=results, comment="请压缩解说词。")

    client.force_login(producer_a)
    page = client.get(reverse("project-detail", args=[project.pk])).content.decode()
    part = page.split('id="timeline"')[1].split("</section>")[0]
    for kind in ("state", "plan", "version", "review"):
        assert f'data-kind="{kind}"' in part, kind
    assert "请压缩解说词。" in part and "过长" in part  # the return with its checklist notes
    assert "交付期限" in part  # the plan change names the field in Chinese
    only = client.get(reverse("project-detail", args=[project.pk]), {"show": "review"}).content.decode()
    only = only.split('id="timeline"')[1].split("</section>")[0]
    assert 'data-kind="review"' in only and 'data-kind="state"' not in only and 'data-kind="plan"' not in only

    api = APIClient()
    api.force_authenticate(producer_a)
    events = api.get(reverse("api-project-timeline", args=[project.pk]), HTTP_ACCEPT_LANGUAGE="en").json()
    kinds = [e["kind"] for e in events]
    assert {"state", "plan", "version", "review"} <= set(kinds)
    review = next(e for e in events if e["kind"] == "review")
    assert review["detail"] == "请压缩解说词。" and any(note == "过长" for _label, note in review["notes"])
    assert [e["at"] for e in events] == sorted(e["at"] for e in events)
    filtered = api.get(reverse("api-project-timeline", args=[project.pk]), {"show": ["plan"]}).json()
    assert filtered and {e["kind"] for e in filtered} == {"plan"}
    refused = api.get(reverse("api-project-timeline", args=[project.pk]), {"show": "gossip"}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400 and "gossip" in str(refused.json())


def test_uploads_waiver_requests_and_waivers_are_on_the_timeline(client, make_project, office, producer_a, storage_dir):
    project = make_project(State.PRODUCTION)
    deliverable = services.deliverable_save(project=project, user=producer_a, kind="cut", base_version=0, from_upload=True)
    cut = processed_cut(deliverable, qc_passed=False)
    Upload.objects.create(project=project, user=producer_a, filename="样片.mp4", size=1000, sha256="", cut=cut,
                          status=Upload.Status.COMPLETE, received=1000)
    media_services.cut_waiver_request(cut=cut, user=producer_a, reason="现场素材无法重拍")
    media_services.cut_waive_qc(cut=cut, user=office, reason="同意")
    client.force_login(office)
    page = client.get(reverse("project-detail", args=[project.pk]), {"show": ["upload", "waiver"]}).content.decode()
    part = page.split('id="timeline"')[1].split("</section>")[0]
    assert part.count('data-kind="upload"') == 1 and part.count('data-kind="waiver"') == 2
    assert "现场素材无法重拍" in part and "同意" in part and "样片.mp4" in part


def test_a_filtered_timeline_reads_only_the_sources_of_its_kinds(make_project, office, producer_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from projects import timeline

    project = make_project(State.SCRIPT)
    submit_version(project, producer_a, "script")
    with CaptureQueriesContext(connection) as everything:
        timeline.timeline(project)
    with CaptureQueriesContext(connection) as plan_only:
        events = timeline.timeline(project, kinds={"plan"})
    assert {e.kind for e in events} <= {"plan"}
    tables = " ".join(q["sql"] for q in plan_only.captured_queries)
    read_by_all = " ".join(q["sql"] for q in everything.captured_queries)
    for skipped in ("projects_deliverable", "projects_projecttransition", "media_upload", "media_qcwaiver"):
        assert skipped in read_by_all and skipped not in tables, skipped
    assert len(plan_only) < len(everything)
