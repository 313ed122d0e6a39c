"""From the panel's scores to the project's next state, and the rectification loop (整改闭环):
revise turns open comments into items, the next cut is refused until each is answered, the panel
closes them, and a pass is refused while any stays open."""

import pytest
from projects import services as project_services
from projects.models import Deliverable, State
from reviews import services
from reviews.models import Decision, Item, Notification
from studio.errors import Conflict, Forbidden
from tests.reviews.conftest import fresh_entry, panel_cut, score
from tests.support.factories import processed_cut


def comment(w, user, body, frame=50, **kw):
    return services.comment_add(entry=fresh_entry(w), user=user, body=body, frame=frame, **kw)


def test_pass_approves_the_project(world):
    score(world, world.expert, 9)
    score(world, world.leader, 8)
    decision = services.decision_confirm(entry=fresh_entry(world), user=world.office, verdict="pass")
    world.project.refresh_from_db()
    assert world.project.state == State.APPROVED
    assert decision.proposed == "pass"
    # experts 90 (weight 50), leaders 80 (weight 30); grassroots excluded: (90*50 + 80*30) / 80
    assert decision.weighted_mean == pytest.approx(86.25)
    assert world.project.transitions.last().name == "pass_panel"


def test_a_failed_veto_cannot_pass(world):
    score(world, world.expert, 9, veto=False)
    with pytest.raises(Conflict, match="veto"):
        services.decision_confirm(entry=fresh_entry(world), user=world.office, verdict="pass")
    world.project.refresh_from_db()
    assert world.project.state == State.PANEL_REVIEW and not Decision.objects.exists()


def test_reject_ends_the_project(world):
    score(world, world.expert, 3)
    services.decision_confirm(entry=fresh_entry(world), user=world.office, verdict="reject", note="主题不清")
    world.project.refresh_from_db()
    assert world.project.state == State.REJECTED


def test_a_second_confirmation_is_refused(world):
    score(world, world.expert, 8)
    services.decision_confirm(entry=fresh_entry(world), user=world.office, verdict="revise")
    with pytest.raises(Conflict, match="already been confirmed"):
        services.decision_confirm(entry=fresh_entry(world), user=world.office, verdict="pass")
    assert Decision.objects.get().verdict == "revise"


def test_only_the_office_confirms(world):
    score(world, world.expert, 8)
    with pytest.raises(Forbidden):
        services.decision_confirm(entry=fresh_entry(world), user=world.expert, verdict="pass")


def test_no_verdict_without_a_scorecard(world):
    with pytest.raises(Conflict, match="No member"):
        services.decision_confirm(entry=fresh_entry(world), user=world.office, verdict="pass")


def test_the_rectification_loop_closes(world, mailoutbox, django_capture_on_commit_callbacks):
    world.expert.email = "expert@example.org"
    world.expert.save()
    c1 = comment(world, world.expert, "字幕有错别字", frame=30)
    c2 = comment(world, world.leader, "结尾音乐太响", frame=200, end_frame=240)
    resolved = comment(world, world.expert, "开头可以", frame=10)
    services.comment_resolve(comment=resolved, user=world.expert, resolved=True)
    services.comment_add(entry=fresh_entry(world), user=world.leader, body="同意", parent=c1)  # a reply is no item
    score(world, world.expert, 7)
    with pytest.raises(Forbidden):
        services.decision_confirm(entry=fresh_entry(world), user=world.producer, verdict="revise")
    services.decision_confirm(entry=fresh_entry(world), user=world.office, verdict="revise", note="请整改")
    world.project.refresh_from_db()
    assert world.project.state == State.PRODUCTION
    items = list(Item.objects.order_by("comment__frame"))
    assert [i.comment_id for i in items] == [c1.pk, c2.pk]
    assert Notification.objects.filter(user=world.producer, kind="returned").exists()

    # The producer uploads v2; submitting it is refused while items are unanswered, naming them.
    v2 = project_services.deliverable_save(project=world.project, user=world.producer, kind="cut", base_version=1, from_upload=True)
    processed_cut(v2)
    with pytest.raises(Conflict, match=r"#%d 00:00:01:05.*#%d 00:00:08:00" % (items[0].pk, items[1].pk)):
        project_services.deliverable_submit(project=world.project, user=world.producer, kind="cut")
    assert Deliverable.objects.get(pk=v2.pk).status == Deliverable.Status.DRAFT
    with django_capture_on_commit_callbacks(execute=True):
        for item in items:
            services.item_answer(item=item, user=world.producer, answer="已修改")
    assert Notification.objects.filter(user=world.expert, kind="answered").exists()
    assert [m.to for m in mailoutbox] == [["expert@example.org"]]  # c2 was the leader's, who has no address
    project_services.deliverable_submit(project=world.project, user=world.producer, kind="cut")
    world.project.refresh_from_db()
    assert world.project.state == State.PANEL_REVIEW

    # The next session: a pass is refused while items stay open; the raiser closes theirs.
    panel_cut(world.project)
    session = services.session_open(panel=world.panel, user=world.office, title="复审", rubric=world.rubric)
    entry = services.entry_add(session=session, user=world.office, project=world.project)
    services.session_start_scoring(session=session, user=world.office)
    score(world, world.expert, 9, entry=entry)
    with pytest.raises(Forbidden, match="member who raised"):
        services.item_settle(item=items[1], user=world.expert, close=True)
    services.item_settle(item=items[0], user=world.expert, close=True)
    with pytest.raises(Conflict, match="still open: #%d" % items[1].pk):
        services.decision_confirm(entry=fresh_entry(world, entry), user=world.office, verdict="pass")
    assert not Decision.objects.filter(entry=entry).exists()
    world.project.refresh_from_db()
    assert world.project.state == State.PANEL_REVIEW
    services.item_settle(item=items[1], user=world.leader, close=True)
    services.decision_confirm(entry=fresh_entry(world, entry), user=world.office, verdict="pass")
    world.project.refresh_from_db()
    assert world.project.state == State.APPROVED


def test_an_item_is_answered_only_against_a_new_version(world):
    comment(world, world.expert, "画面抖动")
    score(world, world.expert, 7)
    services.decision_confirm(entry=fresh_entry(world), user=world.office, verdict="revise")
    item = Item.objects.get()
    with pytest.raises(Conflict, match="Upload the new version"):
        services.item_answer(item=item, user=world.producer, answer="改了")
    item.refresh_from_db()
    assert item.status == Item.Status.OPEN and item.answer == ""
