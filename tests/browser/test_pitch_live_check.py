"""The live homogeneity check on the pitch form: while the producer types, the earlier topics the
pitch resembles appear with their band and the shared words highlighted (issue 13)."""

import pytest
from playwright.sync_api import expect

from projects import services
from tests.support.factories import track

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_typing_a_pitch_shows_the_earlier_topic_it_resembles_and_why(login, screenshot, call, genre, producer_a, producer_b, unit_b):
    services.topic_pitch(user=producer_b, call=call, unit=unit_b, title="“党建地图”让党群活动触手可及", logline="故事梗概",
                         genre=genre, proposed_track=track("project"))
    producer = login("producer_a")
    producer.goto(f"/calls/{call.pk}/pitch/")
    box = producer.locator("#similar-live")
    expect(box).to_be_hidden()
    producer.locator("#pitch-form input[name=title]").press_sequentially("党建地图：党群活动一键预约", delay=30)
    expect(box).to_be_visible()
    item = box.locator("li.flag")
    expect(item).to_have_count(1)
    expect(item.locator("mark").first).to_have_text("党建地图")
    expect(item).to_contain_text("触手可及")
    screenshot(producer, "pitch-live-check")
    # Typing something else entirely clears it.
    producer.locator("#pitch-form input[name=title]").fill("滇池湿地的守护者")
    expect(box).to_be_hidden()
