"""A panel ready to score: three members (an expert, a leader, a grassroots representative who
belongs to unit A and so is excluded from unit A's films), a session on the shipped rubric with
unit A's cut in its queue, scoring started. Helpers fill in scorecards through the services."""

from types import SimpleNamespace

import pytest
from django.utils import translation

from media.models import Cut
from projects.models import State
from reviews import services
from reviews.models import Criterion, Rubric
from tests.support.factories import make_user


@pytest.fixture(autouse=True)
def english():
    # Refusal messages are read in English here; the Chinese is checked where rendering is tested.
    with translation.override("en"):
        yield


@pytest.fixture
def client(client, settings):
    """Pages and JSON answer in English here too (the site's default language is Chinese)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def rubric(reference_data):
    if not Rubric.objects.filter(code="standard").exists():
        from django.apps import apps

        from reviews import reference_data

        reference_data.load(apps)
    return Rubric.objects.get(code="standard")


@pytest.fixture
def leader(db):
    return make_user("leader", "panelist")


@pytest.fixture
def grassroots(unit_a):
    return make_user("grassroots", "panelist", units=[unit_a])


def panel_cut(project, *, seconds=10.0, fps=25.0):
    """Give the project's submitted cut the probe a real 10 s, 25 fps file would have."""
    cut = project.submitted_deliverable("cut").cut
    Cut.objects.filter(pk=cut.pk).update(probe={"duration": seconds, "fps": fps, "width": 1920, "height": 1080})
    cut.refresh_from_db()
    return cut


@pytest.fixture
def world(make_project, office, panelist, leader, grassroots, rubric, producer_a):
    w = SimpleNamespace(office=office, expert=panelist, leader=leader, grassroots=grassroots, producer=producer_a, rubric=rubric)
    w.project = make_project(State.PANEL_REVIEW)
    w.cut = panel_cut(w.project)
    w.panel = services.panel_create(user=office, name="2026年度评审工作组")
    w.m_expert = services.member_add(panel=w.panel, user=office, member_user=panelist, group="expert")
    w.m_leader = services.member_add(panel=w.panel, user=office, member_user=leader, group="leader")
    w.m_grassroots = services.member_add(panel=w.panel, user=office, member_user=grassroots, group="grassroots")
    w.session = services.session_open(panel=w.panel, user=office, title="第一次集中评审", rubric=rubric,
                                      weights={"expert": 50, "leader": 30, "grassroots": 20})
    w.entry = services.entry_add(session=w.session, user=office, project=w.project)
    w.session = services.session_start_scoring(session=w.session, user=office)
    w.criteria = list(Criterion.objects.filter(rubric=rubric))
    w.veto = next(c for c in w.criteria if c.is_veto)
    w.scored = [c for c in w.criteria if not c.is_veto]
    return w


def fresh_entry(w, entry=None):
    from reviews.models import Entry

    return Entry.objects.select_related("session", "session__rubric", "project", "project__unit", "cut", "cut__deliverable").get(
        pk=(entry or w.entry).pk)


def score(w, user, value=8, *, veto=True, submit=True, remark="", entry=None):
    """Fill in every criterion with ``value`` and submit (the default)."""
    return services.card_save(entry=fresh_entry(w, entry), user=user, scores={c.pk: value for c in w.scored},
                              vetoes={w.veto.pk: veto}, remark=remark, submit=submit)
