"""Subtitles with a cut: SRT or WebVTT in (UTF-8, UTF-16 or GB18030), WebVTT out, served next to
the proxy for the player's <track>. Bad files are refused with the line to look at and leave the
subtitles already there untouched."""

import codecs

import pytest
from django.urls import reverse

from media import storage, subtitles
from media.models import Cut
from projects.models import Deliverable, State
from tests.support.factories import processed_cut
from tests.support.http import alerts

pytestmark = pytest.mark.usefixtures("english")

SRT = """1
00:00:00,500 --> 00:00:02,000
同志们好
<font color="red">欢迎</font>收看

2
00:00:02,500 --> 00:00:04,250
第二句 --> 结束
"""

VTT = """WEBVTT - 党员教育

NOTE 这是注释
跨两行

intro
00:00.500 --> 00:02.000 align:start
<v 讲解员>同志们好</v>

00:00:02.500 --> 00:00:04.250
第二句
"""


def test_srt_becomes_webvtt_with_its_cues_and_no_markup():
    cues = subtitles.parse(SRT.encode())
    assert [(c.start, c.end) for c in cues] == [(0.5, 2.0), (2.5, 4.25)]
    assert cues[0].text == "同志们好\n欢迎收看"  # <font> is not WebVTT: dropped, text kept
    out = subtitles.to_webvtt(cues)
    assert out.startswith("WEBVTT\n\n00:00:00.500 --> 00:00:02.000\n同志们好\n欢迎收看\n\n")
    assert "第二句 → 结束" in out and out.count("-->") == 2


def test_webvtt_with_notes_identifiers_and_settings_is_read():
    cues = subtitles.parse(VTT.encode())
    assert [(c.start, c.end, c.text) for c in cues] == [(0.5, 2.0, "<v 讲解员>同志们好</v>"), (2.5, 4.25, "第二句")]


@pytest.mark.parametrize("encode", [
    lambda text: text.encode("gb18030"),
    lambda text: codecs.BOM_UTF8 + text.encode(),
    lambda text: text.encode("utf-16"),
    lambda text: text.replace("\n", "\r\n").encode(),
])
def test_chinese_encodings_and_windows_line_ends_are_read(encode):
    assert [c.text for c in subtitles.parse(encode(SRT))] == ["同志们好\n欢迎收看", "第二句 --> 结束"]


@pytest.mark.parametrize(("data", "message"), [
    (b"", "empty"),
    (b"   \n\n", "empty"),
    (b"\x00\x00\x00\x18ftypmp42" + bytes(200), "not a subtitles file"),
    (b"%PDF-1.4\n1 0 obj\n", "Line 1 is not a cue number or a time code"),
    (b"1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\n00:00:03 --> 00:00:04\nbad\n", "Line 6 is not a cue number or a time code"),
    (b"1\n00:00:05,000 --> 00:00:02,000\nbackwards\n", "Line 2: the cue ends before it starts"),
    (b"WEBVTT\n\nNOTE only a note\n", "No cue with a time code"),
    (b"\xff\xfe\xfd" * 10 + b"\x81", "not text in UTF-8, UTF-16 or GB18030"),
])
def test_bad_subtitles_are_refused_with_what_to_fix(data, message):
    with pytest.raises(subtitles.SubtitleError) as refused:
        subtitles.parse(data)
    assert message in str(refused.value.message)


def test_an_oversized_file_is_refused():
    with pytest.raises(subtitles.SubtitleError, match="larger than 2 MB"):
        subtitles.parse(SRT.encode() * (subtitles.MAX_BYTES // len(SRT.encode()) + 1))


@pytest.fixture
def cut(make_project, producer_a, storage_dir):
    from projects import services as project_services

    project = make_project(State.PRODUCTION)
    deliverable = project_services.deliverable_save(project=project, user=producer_a, kind="cut", base_version=0,
                                                    note="v1", from_upload=True)
    cut = processed_cut(deliverable)
    Cut.objects.filter(pk=cut.pk).update(probe={"duration": 60.0})
    cut.refresh_from_db()
    return cut


def post(client, cut, data: bytes, name="字幕.srt", json=True):
    from django.core.files.uploadedfile import SimpleUploadedFile

    headers = {"Accept": "application/json"} if json else {}
    return client.post(reverse("cut-subtitles", args=[cut.pk]), {"subtitles": SimpleUploadedFile(name, data)}, headers=headers)


def test_the_producer_adds_then_replaces_subtitles_and_the_player_gets_webvtt(client, cut, producer_a, storage_dir):
    client.force_login(producer_a)
    response = post(client, cut, SRT.encode("gb18030"))
    assert response.status_code == 200
    served = client.get(response.json()["subtitles"])
    assert served.status_code == 200 and served["Content-Type"] == "text/vtt"
    body = b"".join(served.streaming_content).decode()
    assert body.startswith("WEBVTT") and "同志们好" in body
    cut.refresh_from_db()
    assert cut.subtitles_key == f"cuts/{cut.deliverable.project_id}/v1/subtitles.vtt"
    page = client.get(reverse("cut-detail", args=[cut.pk])).content.decode()
    assert 'id="subtitles"' in page and "Replace subtitles" in page

    # From the cut page's form: a replacement, then a redirect with a message.
    response = post(client, cut, VTT.encode(), name="new.vtt", json=False)
    assert response.status_code == 302 and response.url == reverse("cut-detail", args=[cut.pk])
    assert alerts(client.get(response.url)) == ["Subtitles saved."]
    assert "讲解员" in (storage_dir / cut.subtitles_key).read_text()


def test_bad_subtitles_leave_the_old_ones_in_place(client, cut, producer_a, storage_dir):
    client.force_login(producer_a)
    assert post(client, cut, SRT.encode()).status_code == 200
    cut.refresh_from_db()
    before = (storage_dir / cut.subtitles_key).read_bytes()
    response = post(client, cut, b"00:00:05,000 --> 00:00:01,000\nx\n")
    assert response.status_code == 400 and "ends before it starts" in response.json()["detail"]
    response = client.post(reverse("cut-subtitles", args=[cut.pk]), {}, headers={"Accept": "application/json"})
    assert response.status_code == 400 and "Choose a subtitles file" in response.json()["detail"]
    late = "1\n01:00:00,000 --> 01:00:02,000\n别的片子\n".encode()
    response = post(client, cut, late)
    assert response.status_code == 400 and "after the cut ends" in response.json()["detail"]
    assert (storage_dir / cut.subtitles_key).read_bytes() == before
    # The page form answers with a message, not an error page.
    response = post(client, cut, b"garbage", json=False)
    assert response.status_code == 302 and response.url == reverse("cut-detail", args=[cut.pk])
    assert alerts(client.get(response.url)) == [
        "Line 1 is not a cue number or a time code (00:00:01,000 --> 00:00:02,000): “garbage”."]
    assert (storage_dir / cut.subtitles_key).read_bytes() == before


def test_submitted_versions_keep_their_subtitles(client, cut, producer_a, storage_dir):
    client.force_login(producer_a)
    Deliverable.objects.filter(pk=cut.deliverable_id).update(status=Deliverable.Status.SUBMITTED)
    response = post(client, cut, SRT.encode())
    assert response.status_code == 409 and "has been submitted" in response.json()["detail"]
    cut.refresh_from_db()
    assert cut.subtitles_key == ""
    assert "Add subtitles" not in client.get(reverse("cut-detail", args=[cut.pk])).content.decode()


@pytest.mark.parametrize("who", ["producer_b", "panelist", "organiser", "outsider"])
def test_only_the_producing_unit_and_the_office_attach_subtitles(client, cut, who, request, office):
    client.force_login(request.getfixturevalue(who))
    assert post(client, cut, SRT.encode()).status_code in (403, 404)
    cut.refresh_from_db()
    assert cut.subtitles_key == ""
    client.force_login(office)
    assert post(client, cut, SRT.encode()).status_code == 200


def test_subtitles_need_login_and_post(client, cut):
    assert post(client, cut, SRT.encode()).status_code == 302
    assert client.get(reverse("cut-subtitles", args=[cut.pk])).status_code in (302, 405)
    assert client.get(reverse("cut-file", args=[cut.pk, "subtitles.vtt"])).status_code == 302


def test_subtitles_are_stored_in_the_bucket_in_s3_mode(client, cut, producer_a, s3_settings):
    client.force_login(producer_a)
    assert post(client, cut, SRT.encode()).status_code == 200
    cut.refresh_from_db()
    assert storage.head(key=cut.subtitles_key)["size"] > 0
    served = client.get(reverse("cut-file", args=[cut.pk, "subtitles.vtt"]))
    assert b"".join(served.streaming_content).decode().startswith("WEBVTT")
