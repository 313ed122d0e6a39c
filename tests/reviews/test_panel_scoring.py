"""Scoring a cut: the scorecard's rules, exclusions, phases, and what a refused card leaves."""

import pytest

from reviews import services
from reviews.models import Scorecard
from studio.errors import Conflict, Forbidden, Invalid
from tests.reviews.conftest import fresh_entry, score


def test_a_member_submits_a_full_scorecard(world):
    card = score(world, world.expert, 8, remark="节奏稍慢")
    assert card.submitted
    assert card.scores.count() == len(world.criteria)
    summary = services.entry_summary(fresh_entry(world))
    assert summary.n == 1
    assert summary.totals[world.expert.pk] == pytest.approx(80.0)  # 8 of 0–10 on every criterion


def test_a_draft_may_be_partial_but_does_not_count(world):
    first = world.scored[0]
    services.card_save(entry=fresh_entry(world), user=world.expert, scores={first.pk: 5}, vetoes={}, submit=False)
    assert Scorecard.objects.get().submitted_at is None
    assert services.entry_summary(fresh_entry(world)).n == 0


@pytest.mark.parametrize("bad", [11, -1, 10.5])
def test_it_refuses_a_score_outside_the_range(world, bad):
    scores = {c.pk: 8 for c in world.scored} | {world.scored[0].pk: bad}
    with pytest.raises(Invalid, match="between 0 and 10"):
        services.card_save(entry=fresh_entry(world), user=world.expert, scores=scores, vetoes={world.veto.pk: True}, submit=True)
    assert not Scorecard.objects.exists()


def test_it_refuses_a_submission_missing_a_criterion(world):
    scores = {c.pk: 8 for c in world.scored[1:]}
    with pytest.raises(Invalid, match=world.scored[0].name_en):
        services.card_save(entry=fresh_entry(world), user=world.expert, scores=scores, vetoes={world.veto.pk: True}, submit=True)
    assert not Scorecard.objects.exists()


def test_it_refuses_a_veto_left_blank(world):
    with pytest.raises(Invalid, match="veto item .*Political orientation"):
        services.card_save(entry=fresh_entry(world), user=world.expert, scores={c.pk: 8 for c in world.scored}, vetoes={}, submit=True)
    assert not Scorecard.objects.exists()


def test_it_refuses_a_second_submission(world):
    score(world, world.expert, 8)
    with pytest.raises(Conflict, match="already submitted"):
        score(world, world.expert, 3)
    assert {s.value for s in Scorecard.objects.get().scores.all()} == {8, None}


def test_a_member_of_the_producing_unit_is_excluded(world):
    with pytest.raises(Forbidden, match="producing unit"):
        score(world, world.grassroots, 9)
    assert not Scorecard.objects.exists()


def test_a_declared_conflict_excludes_the_member(world, make_project, rubric):
    # Recusals are recorded while the session is open: a new session on the same panel.
    session = services.session_open(panel=world.panel, user=world.office, title="第二次", rubric=rubric)
    other = make_project("panel_review", title="另一部片子")
    from tests.reviews.conftest import panel_cut

    panel_cut(other)
    entry = services.entry_add(session=session, user=world.office, project=other)
    services.recusal_record(entry=entry, user=world.office, member=world.m_leader, reason="本人参与了拍摄")
    services.session_start_scoring(session=session, user=world.office)
    with pytest.raises(Forbidden, match="本人参与了拍摄"):
        score(world, world.leader, 9, entry=entry)


def test_someone_not_on_the_panel_cannot_score(world, producer_b):
    with pytest.raises(Forbidden, match="Only members"):
        score(world, producer_b, 9)


def test_nothing_changes_after_the_session_closes(world):
    score(world, world.expert, 8, submit=False)
    services.session_close(session=world.session, user=world.office)
    with pytest.raises(Conflict, match="closed"):
        score(world, world.expert, 9)
    with pytest.raises(Conflict, match="closed"):
        services.comment_add(entry=fresh_entry(world), user=world.expert, body="晚了", frame=10)
    with pytest.raises(Conflict):
        services.entry_add(session=world.session, user=world.office, project=world.project)
    assert {s.value for s in Scorecard.objects.get().scores.all()} == {8, None}


def test_scoring_waits_for_the_scoring_phase(world, rubric):
    session = services.session_open(panel=world.panel, user=world.office, title="未开始", rubric=rubric)
    with pytest.raises(Conflict, match="no cut|Put at least one"):
        services.session_start_scoring(session=session, user=world.office)


def test_group_weights_must_be_sensible(world, rubric):
    with pytest.raises(Invalid, match="between 0 and 100"):
        services.session_open(panel=world.panel, user=world.office, title="x", rubric=rubric, weights={"expert": -1})
    with pytest.raises(Invalid, match="above zero"):
        services.session_open(panel=world.panel, user=world.office, title="x", rubric=rubric,
                              weights={"expert": 0, "leader": 0, "grassroots": 0})


def test_only_panelists_are_seated(world, producer_b):
    panel = services.panel_create(user=world.office, name="另一个组")
    with pytest.raises(Invalid, match="not a panelist"):
        services.member_add(panel=panel, user=world.office, member_user=producer_b, group="expert")
    with pytest.raises(Forbidden):
        services.panel_create(user=world.expert, name="自己组个组")
