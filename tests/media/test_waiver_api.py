"""QC waiver requests through the API, and who hears of them: the producing unit asks
(``POST /api/cuts/<id>/waiver-requests/``), the office is notified (in-app, worded in the reader's
language, and by mail), the office grants or declines (``…/waiver-requests/<id>/decision/``) and the
producer who asked is notified. Refusals are 4xx with words and change nothing."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from media.models import Cut, QCWaiver, WaiverRequest
from projects import services as project_services
from projects.models import State
from reviews.models import Notification
from tests.support.factories import processed_cut
from tests.support.http import signed_in


@pytest.fixture
def failed_cut(make_project, producer_a, office, storage_dir):
    office.email, producer_a.email = "office@example.org", "producer@example.org"
    office.save(update_fields=["email"])
    producer_a.save(update_fields=["email"])
    project = make_project(State.PRODUCTION, title="弄堂里的党员先锋岗")
    deliverable = project_services.deliverable_save(project=project, user=producer_a, kind="cut", base_version=0,
                                                    note="v1", from_upload=True)
    return processed_cut(deliverable, qc_passed=False)


def api(user, language="en"):
    return signed_in(user, APIClient, HTTP_ACCEPT_LANGUAGE=language)


def ask(user, cut, reason="现场素材，无法重拍", language="en"):
    return api(user, language).post(reverse("api-cut-waiver-requests", args=[cut.pk]), {"reason": reason}, format="json")


def decide(user, waiver_request_id, decision, note="同意：技术问题不影响观看"):
    return api(user).post(reverse("api-waiver-request-decision", args=[waiver_request_id]),
                          {"decision": decision, "note": note}, format="json")


def snapshot(cut):
    cut = Cut.objects.get(pk=cut.pk)
    return (cut.qc_waiver_reason, QCWaiver.objects.count(),
            list(WaiverRequest.objects.values_list("status", "answer")), Notification.objects.count())


def test_the_producer_asks_the_office_hears_and_grants_and_the_producer_hears(
    failed_cut, producer_a, office, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        asked = ask(producer_a, failed_cut)
    assert asked.status_code == 201, asked.content
    body = asked.json()
    assert (body["cut"], body["version"], body["status"], body["reason"]) == (failed_cut.pk, 1, "open", "现场素材，无法重拍")
    assert body["requested_by"] == "producer_a" and body["answered_at"] is None

    # The office's notice, worded when read: in Chinese and in English.
    notice = Notification.objects.get(user=office)
    assert notice.kind == "waiver_requested" and notice.link == f"/cuts/{failed_cut.pk}/#qc"
    chinese = api(office, "zh-hans").get(reverse("api-notifications")).json()
    assert chinese[0]["text"] == "华山街道申请豁免《弄堂里的党员先锋岗》第1版的技术质检：现场素材，无法重拍"
    english = api(office).get(reverse("api-notifications")).json()
    assert english[0]["text"] == "华山街道 asks to waive technical QC of “弄堂里的党员先锋岗” v1: 现场素材，无法重拍"
    assert [m.to for m in mailoutbox] == [["office@example.org"]]
    assert "现场素材" in mailoutbox[0].body

    # It is on the office's list of open requests; the producer sees it on the cut.
    listed = api(office).get(reverse("api-waiver-requests"), {"status": "open"}).json()
    assert [r["id"] for r in listed] == [body["id"]]
    assert [r["id"] for r in api(producer_a).get(reverse("api-cut-waiver-requests", args=[failed_cut.pk])).json()] == [body["id"]]

    with django_capture_on_commit_callbacks(execute=True):
        granted = decide(office, body["id"], "grant")
    assert granted.status_code == 200, granted.content
    assert (granted.json()["status"], granted.json()["answer"], granted.json()["answered_by"]) == (
        "granted", "同意：技术问题不影响观看", "office")
    failed_cut.refresh_from_db()
    assert failed_cut.reviewable and failed_cut.qc_waiver_reason == "同意：技术问题不影响观看"
    told = Notification.objects.get(user=producer_a)
    assert told.kind == "waiver_granted"
    assert api(producer_a, "zh-hans").get(reverse("api-notifications")).json()[0]["text"] == (
        "电教中心已豁免《弄堂里的党员先锋岗》第1版的技术质检，可以报送评审。")
    assert [m.to for m in mailoutbox] == [["office@example.org"], ["producer@example.org"]]


def test_a_declined_request_tells_the_producer_what_to_fix(failed_cut, producer_a, office):
    asked = ask(producer_a, failed_cut).json()
    declined = decide(office, asked["id"], "decline", note="请重新混音后上传")
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    notice = Notification.objects.get(user=producer_a)
    assert notice.kind == "waiver_declined"
    text = api(producer_a).get(reverse("api-notifications")).json()[0]["text"]
    assert text == "The office declined the QC waiver of “弄堂里的党员先锋岗” v1: 请重新混音后上传"
    assert Cut.objects.get(pk=failed_cut.pk).qc_waiver_reason == ""
    # The page's form and the API answer the same request: the producer may ask again.
    assert ask(producer_a, failed_cut, "已修正响度问题").status_code == 201


@pytest.mark.parametrize("who, expected", [("producer_b", 404), ("panelist", 404), ("outsider", 404), ("office", 403)])
def test_only_the_producing_unit_asks(failed_cut, who, expected, request):
    before = snapshot(failed_cut)
    response = ask(request.getfixturevalue(who), failed_cut)
    assert response.status_code == expected and response.json()["detail"]
    assert snapshot(failed_cut) == before


@pytest.mark.parametrize("who, expected", [("producer_a", 403), ("producer_b", 404), ("panelist", 404)])
def test_only_the_office_decides(failed_cut, producer_a, who, expected, request):
    asked = ask(producer_a, failed_cut).json()
    before = snapshot(failed_cut)
    response = decide(request.getfixturevalue(who), asked["id"], "grant")
    assert response.status_code == expected and response.json()["detail"]
    assert snapshot(failed_cut) == before
    assert api(request.getfixturevalue(who)).get(reverse("api-waiver-request", args=[asked["id"]])).status_code == (
        200 if who == "producer_a" else 404)


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}, {"reason": "长" * 2001}, {"reason": ["a"]}])
def test_a_bad_reason_is_refused_and_nothing_is_asked(failed_cut, producer_a, body):
    before = snapshot(failed_cut)
    response = api(producer_a).post(reverse("api-cut-waiver-requests", args=[failed_cut.pk]), body, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    assert snapshot(failed_cut) == before


@pytest.mark.parametrize("body", [{"decision": "maybe", "note": "x"}, {"decision": "grant"}, {"decision": "decline", "note": " "}, []])
def test_a_bad_decision_is_refused_and_changes_nothing(failed_cut, producer_a, office, body):
    asked = ask(producer_a, failed_cut).json()
    before = snapshot(failed_cut)
    response = api(office).post(reverse("api-waiver-request-decision", args=[asked["id"]]), body, format="json")
    assert response.status_code == 400, response.content
    assert snapshot(failed_cut) == before


def test_asking_twice_or_deciding_twice_is_a_conflict(failed_cut, producer_a, office):
    asked = ask(producer_a, failed_cut).json()
    again = ask(producer_a, failed_cut)
    assert again.status_code == 409 and "waiting for the office" in again.json()["detail"]
    assert decide(office, asked["id"], "decline", note="请重拍").status_code == 200
    before = snapshot(failed_cut)
    twice = decide(office, asked["id"], "grant")
    assert twice.status_code == 409 and twice.json()["detail"] == "This waiver request has been answered already."
    assert snapshot(failed_cut) == before


def test_the_list_filter_refuses_an_unknown_status(failed_cut, office):
    response = api(office).get(reverse("api-waiver-requests"), {"status": "pending"})
    assert response.status_code == 400 and "open" in response.json()["detail"]


def test_a_get_only_reads(failed_cut, producer_a, office):
    asked = ask(producer_a, failed_cut).json()
    before = snapshot(failed_cut)
    assert api(office).get(reverse("api-waiver-request-decision", args=[asked["id"]])).status_code == 405
    assert api(office).get(reverse("api-waiver-request", args=[asked["id"]])).status_code == 200
    assert snapshot(failed_cut) == before
