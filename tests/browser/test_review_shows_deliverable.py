"""Each stage's review form shows its deliverable beside the checklist (issue 11, defect 2).

The office reviews the script reading its text, the storyboard reading its shots, and the cut
watching it: the player (with subtitles and the QC markers), the QC findings and the subtitles
are on the review page itself, not a walk back through the project page away.
"""

import pytest
from django.utils import translation
from playwright.sync_api import expect

from media import services as media_services
from media.tasks import process_cut
from projects import services
from projects.models import ChecklistItem, State
from tests.support.clips import make_clip
from tests.support.factories import submit_version

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SRT = "1\n00:00:00,500 --> 00:00:02,000\n清晨的社区\n".encode()


def zh(text):
    with translation.override("zh-hans"):
        return translation.gettext(text)


def test_the_script_review_shows_the_script_and_narration_beside_the_checklist(login, screenshot, make_project, producer_a):
    project = make_project(State.SCRIPT)
    submit_version(project, producer_a, "script")
    desk = login("office")
    desk.goto(f"/projects/{project.pk}/review/")
    exhibit = desk.locator(".review-split #exhibit[data-kind=script]")
    expect(exhibit.locator("#exhibit-script")).to_have_text("开场：清晨的社区。")
    expect(exhibit.locator("#exhibit-narration")).to_have_text("在华山街道……")
    expect(desk.locator(".review-split #review-form tr[data-item]")).to_have_count(5)
    # Side by side at desktop width: the checklist starts level with the text, to its right.
    text_box, form_box = exhibit.bounding_box(), desk.locator("#review-form").bounding_box()
    assert form_box["x"] > text_box["x"] + text_box["width"] - 1 and abs(form_box["y"] - text_box["y"]) < 40
    screenshot(desk, "script-review")


def test_the_storyboard_review_shows_the_shots(login, screenshot, make_project, producer_a):
    project = make_project(State.STORYBOARD)
    submit_version(project, producer_a, "storyboard")
    desk = login("office")
    desk.goto(f"/projects/{project.pk}/review/")
    shot = desk.locator("#exhibit[data-kind=storyboard] tr[data-shot='1']")
    expect(shot).to_contain_text("街道全景")
    expect(shot).to_contain_text("航拍")
    expect(desk.locator("#review-form")).to_be_visible()
    screenshot(desk, "storyboard-review")


def test_the_cut_review_plays_the_cut_with_its_subtitles_and_qc_findings(
    login, screenshot, make_project, producer_a, office, storage_dir, tmp_path
):
    project = make_project(State.PRODUCTION)
    clip = make_clip(tmp_path / "样片.mp4", seconds=4, size="320x240")
    cut = media_services.cut_import(project=project, user=producer_a, path=clip, note="第一版")
    assert process_cut.call(cut.pk) == "ready"
    cut.refresh_from_db()
    media_services.cut_subtitles_save(cut=cut, user=producer_a, data=SRT)
    assert not cut.qc_passed  # 4 s at 320x240: short of the genre and the spec
    media_services.cut_waive_qc(cut=cut, user=office, reason="测试画面")
    services.deliverable_submit(project=project, user=producer_a, kind="cut")
    project.refresh_from_db()
    assert project.state == State.PANEL_REVIEW
    with translation.override("zh-hans"):
        findings = [f.message for f in cut.findings]

    desk = login("office")
    desk.goto(f"/projects/{project.pk}/review/")
    exhibit = desk.locator(".review-split #exhibit[data-kind=cut]")
    player = exhibit.locator("video#player")
    expect(player).to_have_attribute("src", f"/cuts/{cut.pk}/files/proxy.mp4")
    desk.wait_for_function("document.getElementById('player').readyState >= 1")
    assert round(player.evaluate("v => v.duration")) == 4
    expect(player.locator("track[kind=subtitles]")).to_have_attribute("src", f"/cuts/{cut.pk}/files/subtitles.vtt")
    qc = exhibit.locator("#qc")
    expect(qc).to_contain_text(zh("waived"))
    for message in findings:
        expect(qc).to_contain_text(message)
    expect(exhibit.locator("#waivers")).to_contain_text("测试画面")
    expect(exhibit.locator("#subtitles a[href$='subtitles.vtt']")).to_have_count(1)
    expect(desk.locator("#review-form tr[data-item]")).to_have_count(
        ChecklistItem.objects.filter(stage=State.PANEL_REVIEW, active=True).count()
    )
    screenshot(desk, "cut-review")
    # The version page the review used to link to shows the same cut.
    desk.goto(f"/projects/{project.pk}/versions/{cut.deliverable_id}/")
    expect(desk.locator("#exhibit[data-kind=cut] video#player")).to_have_count(1)
