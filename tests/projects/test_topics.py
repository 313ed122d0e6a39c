"""Pitching to a call, the homogeneity flag, and approval of flagged topics."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from projects import services
from projects.models import Origin, State, Topic, VideoProject
from studio.errors import Conflict, Forbidden, Invalid
from tests.support.factories import track


def pitch(user, call, unit, genre, title, code="project"):
    return services.topic_pitch(user=user, call=call, unit=unit, title=title, logline="故事梗概", genre=genre, proposed_track=track(code))


def test_a_near_duplicate_pitch_is_flagged_with_the_closest_topics(producer_a, producer_b, unit_a, unit_b, call, genre):
    first = pitch(producer_a, call, unit_a, genre, "退役军人返乡创业带富一方")
    pitch(producer_a, call, unit_a, genre, "党建引领社区垃圾分类")
    second = pitch(producer_b, call, unit_b, genre, "退役军人党员回乡创业 带领乡亲致富")
    assert not first.flagged
    assert second.flagged
    assert [s.other_id for s in second.similarities.all()] == [first.pk]
    assert 0.4 <= second.max_similarity <= 1


def test_unrelated_topics_sharing_common_words_are_not_flagged(producer_a, unit_a, call, genre):
    pitch(producer_a, call, unit_a, genre, "党建引领基层治理的华山经验")
    other = pitch(producer_a, call, unit_a, genre, "党员志愿者守护滇池湿地")
    assert not other.flagged and not other.similarities.exists()


def test_approving_a_flagged_topic_needs_a_written_reason(producer_a, producer_b, unit_a, unit_b, call, genre, office):
    pitch(producer_a, call, unit_a, genre, "退役军人返乡创业带富一方")
    project = pitch(producer_b, call, unit_b, genre, "退役军人党员回乡创业 带领乡亲致富").project
    services.project_plan(project=project, user=office, genre=genre, track=project.track, origin=Origin.SELF_SELECTED, deadline=timezone.localdate() + dt.timedelta(days=90))
    with pytest.raises(Invalid):
        services.project_fire(project=project, user=office, name="approve", reason="")
    assert VideoProject.objects.get(pk=project.pk).state == State.TOPIC
    services.project_fire(project=project, user=office, name="approve", reason="角度不同：聚焦返乡后带动就业")
    assert project.state == State.SCRIPT
    assert project.transitions.get().reason.startswith("角度不同")


def test_a_closed_call_refuses_pitches_from_units(producer_a, unit_a, call, genre):
    call.closes_on = timezone.localdate() - dt.timedelta(days=1)
    call.save()
    with pytest.raises(Conflict):
        pitch(producer_a, call, unit_a, genre, "迟到的选题")
    assert not Topic.objects.exists()


def test_a_producer_pitches_only_for_their_own_unit(producer_a, unit_b, call, genre):
    with pytest.raises(Forbidden):
        pitch(producer_a, call, unit_b, genre, "别人的选题")
    assert not Topic.objects.exists()


def test_the_office_assigns_a_mandatory_topic(office, unit_a, call, genre):
    topic = pitch(office, call, unit_a, genre, "一堂讲给新党员的入党誓词课", code="mandatory")
    assert topic.project.origin == Origin.ASSIGNED
    assert topic.project.track.code == "mandatory"


def test_the_pitch_page_shows_the_warning_and_the_matches(client, producer_a, producer_b, unit_a, call, genre):
    pitch(producer_b, call, producer_b.units.get(), genre, "退役军人返乡创业带富一方")
    client.force_login(producer_a)
    response = client.post(
        reverse("topic-pitch", args=[call.pk]),
        {"unit": unit_a.pk, "title": "退役军人党员回乡创业 带领乡亲致富", "logline": "梗概", "genre": genre.pk,
         "proposed_track": track("project").pk, "local_elements": "五华元素"},
        follow=True,
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="similar"' in page and "退役军人返乡创业带富一方" in page
    # The producer of unit A does not see unit B's project itself, only the title of the match.
    other = Topic.objects.get(title="退役军人返乡创业带富一方").project
    assert client.get(reverse("project-detail", args=[other.pk])).status_code == 404


def test_the_pitch_form_refuses_another_units_id(client, producer_a, unit_b, call, genre):
    client.force_login(producer_a)
    response = client.post(
        reverse("topic-pitch", args=[call.pk]),
        {"unit": unit_b.pk, "title": "越权", "logline": "x", "genre": genre.pk, "proposed_track": track("project").pk},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 400
    assert "Select a valid choice. That choice is not one of the available choices." in response.content.decode()
    assert not Topic.objects.exists()


def test_the_live_check_lists_similar_earlier_topics_without_storing_anything(client, producer_a, producer_b, unit_b, call, genre, panelist):
    pitch(producer_b, call, unit_b, genre, "退役军人返乡创业带富一方")
    client.force_login(producer_a)
    response = client.get(reverse("api-topic-similar"), {"title": "退役军人党员回乡创业 带领乡亲致富"})
    assert response.status_code == 200
    [match] = response.json()
    assert match["title"] == "退役军人返乡创业带富一方" and match["unit"] == "护国街道" and match["score"] >= 0.4
    assert client.get(reverse("api-topic-similar"), {"title": "滇池湿地的守护者"}).json() == []
    assert Topic.objects.count() == 1
    client.force_login(panelist)
    refused = client.get(reverse("api-topic-similar"), {"title": "退役军人"}, headers={"Accept-Language": "en"})
    assert (refused.status_code, refused.json()) == (403, {"detail": "Only producers and the office pitch topics."})
