"""Role × endpoint matrix for cuts and uploads (``media/urls.py``).

Columns: office, producer of the project's unit (``own``), producer of another unit (``other``),
panelist, organiser, anonymous. The project is unit A's and in production, so panelists and
organisers do not see it yet (404, like another unit). An upload belongs to the person who started
it: nobody else, the office included, may send or complete it. GET on an action answers 405 and
changes nothing; a refused action leaves the cut, the upload and the stored files as they were.
"""

import hashlib

import pytest
from django.urls import reverse

from media import storage
from media.models import Cut, Rendition, Upload, WaiverRequest
from projects import services as project_services
from projects.models import Deliverable, State
from tests.support.factories import processed_cut
from tests.support.http import post_json, signed_in
from tests.support.matrix import ROLES, client_for, row

LOGIN = "login"
SRT = "1\n00:00:00,000 --> 00:00:01,000\n同志们好\n".encode()


# key                         office own  other panel organiser anon
EXPECTED = {
    "cut page":           row(200, 200, 404, 404, 404, LOGIN),
    "cut status":         row(200, 200, 404, 404, 404, 401),
    "cut proxy":          row(200, 200, 404, 404, 404, LOGIN),
    "waive QC":           row(302, 403, 404, 404, 404, LOGIN),
    "request a waiver":   row(403, 302, 404, 404, 404, LOGIN),
    "decline a waiver":   row(409, 403, 404, 404, 404, LOGIN),
    "subtitles":          row(200, 200, 404, 404, 404, LOGIN),
    "upload start":       row(201, 201, 404, 404, 404, 401),
    "upload state":       row(404, 200, 404, 404, 404, 401),
    "upload chunk":       row(404, 200, 404, 404, 404, 401),
    "part urls (local)":  row(404, 409, 404, 404, 404, 401),
    "complete (local)":   row(404, 409, 404, 404, 404, 401),
}
GET_ON_ACTIONS = ["cut-waive-qc", "cut-waiver-request", "cut-waiver-decline", "cut-subtitles", "upload-complete"]


@pytest.fixture
def world(make_project, producer_a, storage_dir):
    project = make_project(State.PRODUCTION)
    deliverable = project_services.deliverable_save(project=project, user=producer_a, kind="cut", base_version=0,
                                                    note="v1", from_upload=True)
    cut = processed_cut(deliverable, qc_passed=False)
    proxy = storage.rendition_key(project.pk, 1, "proxy.mp4")
    storage.save(key=proxy, content=b"\x00" * 1000)
    Rendition.objects.create(cut=cut, kind=Rendition.Kind.PROXY, key=proxy, size=1000)
    upload = Upload.objects.create(project=project, user=producer_a, filename="b.mp4", size=10, sha256="")
    return project, cut, upload


def call(client, name, project, cut, upload):
    data = b"0123456789"
    if name == "cut page":
        return client.get(reverse("cut-detail", args=[cut.pk]))
    if name == "cut status":
        return client.get(reverse("cut-status", args=[cut.pk]))
    if name == "cut proxy":
        return client.get(reverse("cut-file", args=[cut.pk, "proxy.mp4"]))
    if name == "waive QC":
        return client.post(reverse("cut-waive-qc", args=[cut.pk]), {"reason": "技术问题已知"})
    if name == "request a waiver":
        return client.post(reverse("cut-waiver-request", args=[cut.pk]), {"reason": "现场素材，无法重拍"})
    if name == "decline a waiver":
        return client.post(reverse("cut-waiver-decline", args=[cut.pk]), {"answer": "请重拍"})
    if name == "subtitles":
        from django.core.files.uploadedfile import SimpleUploadedFile

        return client.post(reverse("cut-subtitles", args=[cut.pk]), {"subtitles": SimpleUploadedFile("a.srt", SRT)},
                           headers={"Accept": "application/json"})
    if name == "upload start":
        return post_json(client, reverse("upload-start", args=[project.pk]), {"filename": "c.mp4", "size": 100, "sha256": ""})
    if name == "upload state":
        return client.get(reverse("upload-chunk", args=[upload.pk]))
    if name == "upload chunk":
        return client.generic("PUT", reverse("upload-chunk", args=[upload.pk]), data[:5],
                              headers={"Content-Range": "bytes 0-4/10", "X-Chunk-SHA256": hashlib.sha256(data[:5]).hexdigest()})
    if name == "part urls (local)":
        return client.get(reverse("upload-part-urls", args=[upload.pk]))
    if name == "complete (local)":
        return post_json(client, reverse("upload-complete", args=[upload.pk]), {"parts": []})
    raise AssertionError(name)


def state(cut, upload):
    cut = Cut.objects.get(pk=cut.pk)
    upload = Upload.objects.get(pk=upload.pk)
    return (cut.qc_waiver_reason, cut.subtitles_key, upload.received, upload.status,
            Upload.objects.count(), Deliverable.objects.count(), WaiverRequest.objects.count())


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(EXPECTED))
def test_each_role_against_each_media_endpoint(name, role, world, request):
    project, cut, upload = world
    client = client_for(request, role, headers={"Accept-Language": "en"})
    before = state(cut, upload)
    response = call(client, name, project, cut, upload)
    expected = EXPECTED[name][role]
    if expected == LOGIN:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif expected == 401:  # endpoints scripts call: a message instead of a redirect fetch would follow
        assert response.status_code == 401 and "log in again" in response.json()["detail"]
    else:
        assert response.status_code == expected, (name, role, response.content[:300])
    if not (200 <= response.status_code < 300 or response.status_code == 302) or expected in (LOGIN, 401):
        assert state(cut, upload) == before, "a refused request changed something"


@pytest.mark.parametrize("url_name", GET_ON_ACTIONS)
def test_actions_refuse_get_and_change_nothing(url_name, world, office, producer_a):
    project, cut, upload = world
    args = [upload.pk] if url_name.startswith("upload") else [cut.pk]
    before = state(cut, upload)
    for user in (office, producer_a):
        assert signed_in(user).get(reverse(url_name, args=args)).status_code == 405
    assert state(cut, upload) == before
