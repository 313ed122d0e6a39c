"""The homogeneity check in the app: close calls stored and shown, the live check with why,
its refusals, the office's vocabulary taking effect, and the read-only re-check of a call."""

import datetime as dt
from io import StringIO

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from projects import services
from projects.models import Origin, State, Topic, TopicCall, TopicSimilarity, VocabularyTerm
from tests.support.factories import track

LOGLINE = "故事梗概"


def pitch(user, call, unit, genre, title, logline=LOGLINE, local=""):
    return services.topic_pitch(user=user, call=call, unit=unit, title=title, logline=logline, genre=genre,
                                proposed_track=track("project"), local_elements=local)


def test_a_close_call_is_stored_and_shown_but_does_not_block_approval(client, office, producer_a, producer_b, unit_a, unit_b, call, genre):
    first = pitch(producer_a, call, unit_a, genre, "老支书带领村民发展高原特色花卉产业")
    second = pitch(producer_b, call, unit_b, genre, "老支书带领村民发展高原生态养殖")
    assert not second.flagged
    [row] = second.similarities.all()
    assert (row.other_id, row.flagged) == (first.pk, False)
    assert 0.25 <= row.score < 0.4 and second.max_similarity == row.score

    client.force_login(office)
    page = client.get(reverse("project-detail", args=[second.project.pk]), headers={"Accept-Language": "en"}).content.decode()
    assert "Close calls worth a look (not blocking):" in page and "老支书带领村民发展高原特色花卉产业" in page
    assert "This topic resembles earlier topics:" not in page

    project = second.project
    services.project_plan(project=project, user=office, genre=genre, track=project.track, origin=Origin.SELF_SELECTED,
                          deadline=timezone.localdate() + dt.timedelta(days=90))
    services.project_fire(project=project, user=office, name="approve", reason="")
    assert project.state == State.SCRIPT


def test_the_issues_examples_are_flagged_when_pitched(producer_a, producer_b, unit_a, unit_b, call, genre):
    pitch(producer_a, call, unit_a, genre, "“党建地图”让党群活动触手可及")
    again = pitch(producer_b, call, unit_b, genre, "党建地图：党群活动一键预约")
    assert again.flagged and again.similarities.get().flagged


def test_the_live_check_says_why_with_the_shared_words(client, producer_a, producer_b, unit_b, call, genre):
    earlier = pitch(producer_b, call, unit_b, genre, "“党建地图”让党群活动触手可及")
    client.force_login(producer_a)
    response = client.get(reverse("api-topic-similar"), {"title": "党建地图：党群活动一键预约", "call": call.pk})
    assert response.status_code == 200
    [match] = response.json()
    assert match["topic"] == earlier.pk and match["band"] == "flagged" and match["score"] >= 0.4
    assert "党建地图" in match["shared"] and "党群活动" in match["shared"]
    assert {"text": "党建地图", "shared": True} in match["marked"]
    assert "".join(piece["text"] for piece in match["marked"]) == earlier.title
    assert Topic.objects.count() == 1


def test_the_live_check_reads_the_logline_and_local_elements(client, producer_a, producer_b, unit_b, call, genre):
    pitch(producer_b, call, unit_b, genre, "夜校里的新农人", "村里的党员开办农民夜校，教乡亲们用手机直播销售山核桃，一年带动三十户增收。", "五华元素 西翥街道")
    client.force_login(producer_a)
    url = reverse("api-topic-similar")
    assert client.get(url, {"title": "直播间里的山核桃"}).json() == []
    [match] = client.get(url, {"title": "直播间里的山核桃", "logline": "党员创办夜校培训村民直播卖核桃，三十户村民因此致富。",
                               "local_elements": "西翥街道"}).json()
    assert match["title"] == "夜校里的新农人" and match["band"] == "close"


def test_the_live_check_refuses_a_closed_call_a_missing_call_and_a_bad_one(client, office, producer_a, call):
    closed = TopicCall.objects.create(year=2020, theme="往年", opens_on=dt.date(2020, 1, 1), closes_on=dt.date(2020, 2, 1))
    url = reverse("api-topic-similar")
    client.force_login(producer_a)
    en = {"Accept-Language": "en"}
    refused = client.get(url, {"title": "红色管家", "call": closed.pk}, headers=en)
    assert refused.status_code == 409 and "closed" in refused.json()["detail"]
    assert client.get(url, {"title": "红色管家", "call": 999999}).status_code == 404
    assert client.get(url, {"title": "红色管家", "call": "9" * 30}).status_code == 404  # not a database error
    bad = client.get(url, {"title": "红色管家", "call": "x"}, headers=en)
    assert (bad.status_code, bad.json()) == (400, {"detail": "The call is given by its number: ?call=…"})
    # With no call open at all, a producer has nothing to pitch to; the office may still check.
    call.closes_on = timezone.localdate() - dt.timedelta(days=1)
    call.save()
    none_open = client.get(url, {"title": "红色管家"}, headers=en)
    assert none_open.status_code == 409 and "No topic call is open" in none_open.json()["detail"]
    client.force_login(office)
    assert client.get(url, {"title": "红色管家", "call": closed.pk}).status_code == 200


def test_the_offices_vocabulary_applies_to_the_next_check_and_stored_flags_stay(client, producer_a, producer_b, unit_a, unit_b, call, genre):
    first = pitch(producer_a, call, unit_a, genre, "社区里的银龄巡逻队")
    second = pitch(producer_b, call, unit_b, genre, "小区里的老年治安志愿队")
    assert not second.flagged and not second.similarities.exists()
    # The office teaches the check that these are the same words.
    for variant, canonical in [("银龄", "老年"), ("小区", "社区"), ("巡逻队", "治安志愿队")]:
        VocabularyTerm.objects.create(kind=VocabularyTerm.Kind.SYNONYM, term=variant, canonical=canonical)
    found = {m.key: m.band for m in services.topic_similar(title="小区里的老年治安志愿队", exclude_pk=second.pk)}
    assert found == {first.pk: "flagged"}

    out = StringIO()
    call_command("recheck_homogeneity", str(call.pk), stdout=out)
    report = out.getvalue()
    assert "[CHANGED]" in report and "小区里的老年治安志愿队" in report and "1 of 2 topics" in report
    second.refresh_from_db()
    assert not second.flagged and not TopicSimilarity.objects.exists()  # reported, not rewritten


def test_the_recheck_of_a_call_that_does_not_exist_says_so(db):
    import pytest
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No topic call 424242"):
        call_command("recheck_homogeneity", "424242")


def test_the_live_check_follows_topics_pitched_and_deleted_since_the_last_check(producer_a, unit_a, call, genre):
    def found(title):
        return [m.key for m in services.topic_similar(title=title)]

    query = "党建地图：党群活动一键预约"
    kept = pitch(producer_a, call, unit_a, genre, "“党建地图”让党群活动触手可及")
    assert found(query) == [kept.pk]
    later = pitch(producer_a, call, unit_a, genre, query)
    assert found(query) == [later.pk, kept.pk]
    # The last one deleted (its id is the highest the index holds), another pitched after it.
    later.project.delete()
    later.delete()
    other = pitch(producer_a, call, unit_a, genre, "老支书带领村民发展高原特色花卉产业")
    assert found(query) == [kept.pk]
    assert found("老支书带领村民发展高原特色花卉产业") == [other.pk]
    # An earlier one deleted.
    kept.project.delete()
    kept.delete()
    assert found(query) == []
    assert found("老支书带领村民发展高原特色花卉产业") == [other.pk]
