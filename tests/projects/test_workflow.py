"""Every transition: allowed for the right role in the right state, refused otherwise, and a
refusal leaves state and data as they were."""

import pytest

from projects import services
from projects.models import (
    ChecklistItem,
    Deliverable,
    ProjectTransition,
    StageReview,
    State,
    VideoProject,
)
from studio.errors import Conflict, Forbidden, Invalid
from tests.support.factories import pass_all, processed_cut, submit_version, track


def snapshot(project):
    project = VideoProject.objects.get(pk=project.pk)
    return (
        project.state,
        ProjectTransition.objects.filter(project=project).count(),
        list(Deliverable.objects.filter(project=project).values_list("version", "status")),
        StageReview.objects.filter(project=project).count(),
    )


def refused(exc_type, func, project, **kwargs):
    before = snapshot(project)
    with pytest.raises(exc_type) as info:
        func(project=project, **kwargs)
    assert str(info.value.message)
    assert snapshot(project) == before
    return info.value


def test_the_happy_path_reaches_archived_and_logs_every_step(make_project):
    project = make_project(State.ARCHIVED)
    steps = list(project.transitions.values_list("source", "target"))
    assert steps == [
        ("topic", "script"),
        ("script", "storyboard"),
        ("storyboard", "production"),
        ("production", "panel_review"),
        ("panel_review", "approved"),
        ("approved", "screening"),
        ("screening", "archived"),
    ]
    assert all(project.transitions.values_list("actor", flat=True))


def test_it_refuses_approval_by_a_producer(make_project, producer_a, office):
    project = make_project()
    services.project_plan(project=project, user=office, genre=project.genre, track=project.track, origin="self_selected", deadline=None)
    refused(Forbidden, services.project_fire, project, user=producer_a, name="approve")


def test_it_refuses_approval_before_planning(make_project, office):
    project = make_project()
    refused(Conflict, services.project_fire, project, user=office, name="approve")


def test_it_refuses_approving_twice(make_project, office):
    project = make_project(State.SCRIPT)
    refused(Conflict, services.project_fire, project, user=office, name="approve")


def test_a_rejection_needs_a_reason(make_project, office):
    project = make_project()
    refused(Invalid, services.project_fire, project, user=office, name="reject", reason="  ")
    services.project_fire(project=project, user=office, name="reject", reason="题材重复")
    assert project.state == State.REJECTED
    assert project.transitions.get().reason == "题材重复"


def test_a_mandatory_topic_cannot_be_rejected_only_cancelled(make_project, office, producer_a):
    project = make_project(track_code="mandatory")
    assert project.origin == "assigned"
    refused(Conflict, services.project_fire, project, user=office, name="reject", reason="不拍了")
    refused(Forbidden, services.project_fire, project, user=producer_a, name="cancel", reason="不想拍")
    services.project_fire(project=project, user=office, name="cancel", reason="任务调整")
    assert project.state == State.CANCELLED


def test_a_producer_cannot_pitch_on_the_mandatory_track(call, unit_a, producer_a, genre):
    with pytest.raises(Forbidden):
        services.topic_pitch(user=producer_a, call=call, unit=unit_a, title="必拍题", logline="x", genre=genre, proposed_track=track("mandatory"))
    assert not VideoProject.objects.exists()


def test_a_producer_may_withdraw_their_own_project_with_a_reason(make_project, producer_a, producer_b):
    project = make_project(State.SCRIPT)
    refused(Forbidden, services.project_fire, project, user=producer_b, name="cancel", reason="x")
    refused(Invalid, services.project_fire, project, user=producer_a, name="cancel", reason="")
    services.project_fire(project=project, user=producer_a, name="cancel", reason="主人公不愿出镜")
    assert project.state == State.CANCELLED


def test_a_showcase_entry_skips_script_and_storyboard(make_project):
    project = make_project(State.PRODUCTION, track_code="showcase")
    assert list(project.transitions.values_list("source", "target")) == [("topic", "production")]
    assert set(project.milestones.values_list("stage", flat=True)) == {"production", "panel_review"}


def test_no_storyboard_before_an_approved_script(make_project, producer_a, office):
    project = make_project(State.SCRIPT)
    refused(Conflict, services.deliverable_save, project, user=producer_a, kind="storyboard", base_version=0,
            shots=[{"number": 1, "picture": "全景", "duration_seconds": 5}])
    # Passing the gate without a submitted script is refused too.
    refused(Conflict, services.stage_review_record, project, user=office, decision="advance", results=pass_all("script"))


def test_a_failed_political_orientation_vetoes_advancing(make_project, producer_a, office):
    project = make_project(State.SCRIPT)
    submit_version(project, producer_a, "script")
    results = pass_all("script")
    veto_item = ChecklistItem.objects.get(stage="script", is_veto=True)
    results[veto_item.pk] = (False, "导向有偏差")
    error = refused(Conflict, services.stage_review_record, project, user=office, decision="advance", results=results)
    assert "veto" in str(error.message).lower() or "否决" in str(error.message)
    assert VideoProject.objects.get(pk=project.pk).state == State.SCRIPT
    # Returning it works, and the producer writes version 2.
    services.stage_review_record(project=project, user=office, decision="return", results=results, comment="调整第三段")
    assert project.deliverables.get(version=1).status == Deliverable.Status.RETURNED
    assert project.state == State.SCRIPT
    submit_version(project, producer_a, "script")
    assert project.deliverables.get(version=2).status == Deliverable.Status.SUBMITTED


def test_a_review_must_assess_every_checklist_item(make_project, producer_a, office):
    project = make_project(State.SCRIPT)
    submit_version(project, producer_a, "script")
    partial = dict(list(pass_all("script").items())[:2])
    refused(Invalid, services.stage_review_record, project, user=office, decision="advance", results=partial)


def test_only_the_office_signs_stage_reviews(make_project, producer_a, organiser):
    project = make_project(State.SCRIPT)
    submit_version(project, producer_a, "script")
    for user in (producer_a, organiser):
        refused(Forbidden, services.stage_review_record, project, user=user, decision="advance", results=pass_all("script"))


def test_submitting_a_cut_enters_panel_review_and_revise_returns_to_production(make_project, producer_a, office):
    project = make_project(State.PRODUCTION)
    refused(Conflict, services.deliverable_submit, project, user=producer_a, kind="cut")
    submit_version(project, producer_a, "cut")
    assert project.state == State.PANEL_REVIEW
    assert project.milestones.get(stage="production").done_on is not None
    refused(Invalid, services.stage_review_record, project, user=office, decision="return", results=pass_all("panel_review"), comment="")
    services.stage_review_record(project=project, user=office, decision="return", results=pass_all("panel_review"), comment="字幕有错别字")
    assert project.state == State.PRODUCTION
    assert project.milestones.get(stage="production").done_on is None


def test_a_producer_of_another_unit_cannot_write_or_submit(make_project, producer_b):
    project = make_project(State.SCRIPT)
    refused(Forbidden, services.deliverable_save, project, user=producer_b, kind="script", base_version=0, script="x")
    refused(Forbidden, services.deliverable_submit, project, user=producer_b, kind="script")


@pytest.mark.parametrize("name", ["start_screening", "archive"])
def test_screening_steps_belong_to_organisers_and_the_office(make_project, producer_a, organiser, name):
    state = State.APPROVED if name == "start_screening" else State.SCREENING
    project = make_project(state)
    refused(Forbidden, services.project_fire, project, user=producer_a, name=name)
    services.project_fire(project=project, user=organiser, name=name)


def test_closed_projects_accept_no_transition(make_project, office):
    project = make_project(State.CANCELLED)
    for name in ["approve", "reject", "cancel", "start_screening", "archive"]:
        refused(Conflict, services.project_fire, project, user=office, name=name, reason="x")


def test_gate_transitions_cannot_be_fired_directly(make_project, office):
    project = make_project(State.SCRIPT)
    refused(Conflict, services.project_fire, project, user=office, name="pass_script")


def test_offered_transitions_match_role_and_state(make_project, office, producer_a, organiser):
    topic = make_project()
    # Not yet planned: approving is not offered until genre, track, origin and deadline are set.
    assert sorted(t.name for t in services.available_transitions(topic, office)) == ["cancel", "reject"]
    assert [t.name for t in services.available_transitions(topic, producer_a)] == ["cancel"]
    approved = make_project(State.APPROVED, title="另一个选题")
    assert sorted(t.name for t in services.available_transitions(approved, organiser)) == ["start_screening"]


def test_a_cut_goes_to_the_panel_only_when_qc_passed_or_was_waived(make_project, producer_a, office):
    from media import services as media_services

    project = make_project(State.PRODUCTION)
    failing = processed_cut(
        services.deliverable_save(project=project, user=producer_a, kind="cut", base_version=0, from_upload=True),
        qc_passed=False,
    )
    refused(Conflict, services.deliverable_submit, project, user=producer_a, kind="cut")
    with pytest.raises(Forbidden):
        media_services.cut_waive_qc(cut=failing, user=producer_a, reason="赶时间")
    with pytest.raises(Invalid):
        media_services.cut_waive_qc(cut=failing, user=office, reason=" ")
    media_services.cut_waive_qc(cut=failing, user=office, reason="响度略低，专家评审时一并提出")
    services.deliverable_submit(project=project, user=producer_a, kind="cut")
    assert VideoProject.objects.get(pk=project.pk).state == State.PANEL_REVIEW


def test_a_cut_version_cannot_be_written_without_a_file(make_project, producer_a):
    project = make_project(State.PRODUCTION)
    refused(Invalid, services.deliverable_save, project, user=producer_a, kind="cut", base_version=0, note="只写说明")
