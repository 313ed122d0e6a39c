"""A small, fixed year of the office's work for the annual report's tests, written row by row (the
services are tested elsewhere; here every date and number must be the one the hand-worked
figures in ``tests/reports`` assume). "Today" is 2024-06-21.

2024 (call ``c24``, plus ``c24b``), 2023 (``c23``), 2022 empty:

| project | call | unit | genre | track | origin | state | topic flagged |
|---|---|---|---|---|---|---|---|
| P1 | c24 | A | exemplary | project | self | archived | yes, approved without a reason |
| P2 | c24 | B | micro_film | project | self | production | no |
| P3 | c24 | A | micro_film | mandatory | assigned | cancelled (from script) | no |
| P4 | c24 | B | exemplary | project | self | rejected | yes |
| P5 | c24 | A | exemplary | project | self | screening | yes, approved with a reason |
| P6 | c24b | B | exemplary | project | self | topic | yes (waiting) |
| P7 | c23 | A | exemplary | project | self | archived | no |
"""

import datetime as dt
import uuid
from types import SimpleNamespace

from django.utils import timezone

from media.models import Cut
from projects.models import (
    Deliverable,
    Genre,
    Milestone,
    Origin,
    ProjectTransition,
    State,
    Topic,
    TopicCall,
    Track,
    Unit,
    VideoProject,
)
from reviews.models import Comment, Criterion, Decision, Entry, Item, Member, Panel, Rubric, Score, Scorecard, Session
from screenings.models import Event, InPersonCount, OnlineView, Slot, Venue
from tests.support.factories import make_user

TODAY = dt.date(2024, 6, 21)


def at(y, m, d, hour=12, minute=0):
    return timezone.make_aware(dt.datetime(y, m, d, hour, minute))


def day(text):
    return dt.date.fromisoformat(text)


def build():
    w = SimpleNamespace()
    w.office = make_user("r_office", "office")
    w.organiser = make_user("r_organiser", "organiser")
    a = Unit.objects.create(name="华山街道", code="huashan")
    b = Unit.objects.create(name="护国街道", code="huguo")
    w.units = {"A": a, "B": b}
    calls = {
        "c24": TopicCall.objects.create(year=2024, theme="二〇二四 讲好党员故事", opens_on=day("2024-01-01"), closes_on=day("2024-02-01")),
        "c24b": TopicCall.objects.create(year=2024, theme="二〇二四 补充征集", opens_on=day("2024-05-01"), closes_on=day("2024-06-30")),
        "c23": TopicCall.objects.create(year=2023, theme="二〇二三 讲好党员故事", opens_on=day("2023-01-01"), closes_on=day("2023-02-01")),
    }
    w.calls = calls
    genres = {g.code: g for g in Genre.objects.filter(code__in=["exemplary", "micro_film"])}
    tracks = {t.code: t for t in Track.objects.filter(code__in=["project", "mandatory"])}
    w.p = {}

    def project(name, call, unit, genre, track, origin, state, *, flagged=False, created=at(2024, 1, 10), next_due=None):
        topic = Topic.objects.create(
            call=calls[call], unit=w.units[unit], title=f"影片{name}", logline="一个关于党员的故事。", genre=genres[genre],
            proposed_track=tracks[track], pitched_by=w.office, created_at=created, flagged=flagged,
            max_similarity=0.8 if flagged else 0.1,
        )
        p = VideoProject.objects.create(
            topic=topic, unit=w.units[unit], genre=genres[genre], track=tracks[track], state=state, created_at=created,
            origin=Origin.SELF_SELECTED if origin == "self" else Origin.ASSIGNED, deadline=day("2024-09-30"),
            next_due=day(next_due) if next_due else None, next_warn=3 if next_due else None,
        )
        w.p[name] = p
        return p

    def milestones(p, *rows):
        for stage, due, done in rows:
            Milestone.objects.create(project=p, stage=stage, starts_on=day(due) - dt.timedelta(days=10), due_on=day(due),
                                     done_on=day(done) if done else None)

    def moved(p, name, source, target, when, reason=""):
        ProjectTransition.objects.create(project=p, name=name, source=source, target=target, actor=w.office,
                                         reason=reason, created_at=when)

    p1 = project("P1", "c24", "A", "exemplary", "project", "self", State.ARCHIVED, flagged=True)
    milestones(p1, ("script", "2024-02-01", "2024-01-30"), ("storyboard", "2024-03-01", "2024-03-05"),
               ("production", "2024-04-15", "2024-04-15"), ("panel_review", "2024-05-01", "2024-05-11"))
    moved(p1, "approve", State.TOPIC, State.SCRIPT, at(2024, 1, 15))  # flagged, approved before reasons were asked
    moved(p1, "archive", State.SCREENING, State.ARCHIVED, at(2024, 6, 1))

    p2 = project("P2", "c24", "B", "micro_film", "project", "self", State.PRODUCTION, next_due="2024-06-01")
    milestones(p2, ("script", "2024-02-01", "2024-02-03"), ("storyboard", "2024-03-01", "2024-03-01"),
               ("production", "2024-06-01", None), ("panel_review", "2024-07-01", None))
    moved(p2, "approve", State.TOPIC, State.SCRIPT, at(2024, 1, 15))
    moved(p2, "pass_storyboard", State.STORYBOARD, State.PRODUCTION, at(2024, 3, 1))

    p3 = project("P3", "c24", "A", "micro_film", "mandatory", "assigned", State.CANCELLED)
    milestones(p3, ("script", "2024-03-01", None))  # left out: a cancelled film keeps no schedule
    moved(p3, "cancel", State.SCRIPT, State.CANCELLED, at(2024, 2, 20), "主人公工作调动")

    p4 = project("P4", "c24", "B", "exemplary", "project", "self", State.REJECTED, flagged=True)
    moved(p4, "reject", State.TOPIC, State.REJECTED, at(2024, 1, 20), "与往年重复")

    p5 = project("P5", "c24", "A", "exemplary", "project", "self", State.SCREENING, flagged=True)
    milestones(p5, ("script", "2024-02-01", "2024-02-01"), ("storyboard", "2024-03-01", "2024-02-28"),
               ("production", "2024-04-15", "2024-04-10"), ("panel_review", "2024-05-01", "2024-05-07"))
    moved(p5, "approve", State.TOPIC, State.SCRIPT, at(2024, 1, 16), "角度不同：写护水人的第二代")
    moved(p5, "start_screening", State.APPROVED, State.SCREENING, at(2024, 5, 21))

    project("P6", "c24b", "B", "exemplary", "project", "self", State.TOPIC, flagged=True, created=at(2024, 6, 1))
    p7 = project("P7", "c23", "A", "exemplary", "project", "self", State.ARCHIVED, created=at(2023, 1, 10))
    milestones(p7, ("script", "2023-02-01", "2023-02-10"))

    _panels(w)
    _screenings(w)
    return w


def _cut(project, version, author):
    d = Deliverable.objects.create(project=project, kind=Deliverable.Kind.CUT, version=version,
                                   status=Deliverable.Status.SUBMITTED, author=author)
    return Cut.objects.create(deliverable=d, original_key=f"cuts/{project.pk}/v{version}/original/cut.mp4", original_name="cut.mp4",
                              size=1, sha256="0" * 64, status=Cut.Status.READY, progress=1.0, qc_passed=True)


def _panels(w):
    """A rubric of two scored criteria (weights 1 and 3, 0–10) and a veto: a card's total is
    2.5 × c1 + 7.5 × c2. Session S1 (P1, P5 v1), S2 (P5 v2), S0 of 2023 (P7)."""
    rubric = Rubric.objects.create(code="report_test", name="测试评分标准")
    w.c1 = Criterion.objects.create(rubric=rubric, code="c1", name="主题", weight=1, min_score=0, max_score=10, position=1)
    w.c2 = Criterion.objects.create(rubric=rubric, code="c2", name="表达", weight=3, min_score=0, max_score=10, position=2)
    veto = Criterion.objects.create(rubric=rubric, code="v", name="政治导向", is_veto=True, position=0)
    panel = Panel.objects.create(name="评审组", created_by=w.office)
    raters = [make_user(f"r_rater{i}", "panelist") for i in (1, 2, 3)]
    w.raters = raters
    members = [Member.objects.create(panel=panel, user=u, group=g) for u, g in zip(raters, ["expert", "leader", "grassroots"])]

    def session(title, created):
        return Session.objects.create(panel=panel, title=title, rubric=rubric, created_by=w.office, created_at=created)

    def card(entry, member, c1, c2, submitted=True):
        sc = Scorecard.objects.create(entry=entry, member=member, submitted_at=at(2024, 5, 1) if submitted else None)
        Score.objects.create(card=sc, criterion=w.c1, value=c1)
        Score.objects.create(card=sc, criterion=w.c2, value=c2)
        Score.objects.create(card=sc, criterion=veto, passed=True)

    def decide(entry, verdict, proposed):
        Decision.objects.create(entry=entry, verdict=verdict, proposed=proposed, confirmed_by=w.office)

    w.s1 = session("第一次评审会", at(2024, 4, 20))
    e1 = Entry.objects.create(session=w.s1, project=w.p["P1"], cut=_cut(w.p["P1"], 1, w.office), position=1)
    e2 = Entry.objects.create(session=w.s1, project=w.p["P5"], cut=_cut(w.p["P5"], 1, w.office), position=2)
    card(e1, members[0], 8, 8)    # 80
    card(e1, members[1], 6, 10)   # 90
    card(e1, members[2], 10, 6)   # 70
    card(e2, members[0], 4, 6)    # 55
    card(e2, members[1], 6, 6)    # 60
    card(e2, members[2], 1, 1, submitted=False)  # a draft: nobody's judgement yet
    decide(e1, "pass", "pass")
    decide(e2, "revise", "reject")  # the office returned it rather than reject
    for frame in (10, 20):
        comment = Comment.objects.create(entry=e2, author=raters[0], body="字幕有误", frame=frame)
        Item.objects.create(project=w.p["P5"], comment=comment, status=Item.Status.CLOSED)
    w.s2 = session("第二次评审会", at(2024, 5, 5))
    e3 = Entry.objects.create(session=w.s2, project=w.p["P5"], cut=_cut(w.p["P5"], 2, w.office), position=1)
    card(e3, members[0], 10, 10)  # 100
    decide(e3, "pass", "pass")
    s0 = session("二〇二三年评审会", at(2023, 3, 1))
    e0 = Entry.objects.create(session=s0, project=w.p["P7"], cut=_cut(w.p["P7"], 1, w.office), position=1)
    card(e0, members[0], 0, 0)
    decide(e0, "reject", "reject")


def _screenings(w):
    """Online: cloud showing C1 (from 2023-11) and C2 (2024-03); in person: a film week (2024-05)
    and a course (2023-12). Viewers v1, v2, v3."""
    o = w.organiser
    hall = Venue.objects.create(name="党群服务中心", capacity=300)
    c1 = Event.objects.create(kind=Event.Kind.CLOUD, title="云展播一", platform="五华先锋", starts_at=at(2023, 11, 1),
                              ends_at=at(2024, 1, 31), created_by=o)
    c2 = Event.objects.create(kind=Event.Kind.CLOUD, title="云展播二", platform="五华先锋", starts_at=at(2024, 3, 1),
                              ends_at=at(2024, 12, 31, 23, 59), created_by=o)
    week = Event.objects.create(kind=Event.Kind.FILM_WEEK, title="电影周", starts_at=at(2024, 5, 1, 0), ends_at=at(2024, 5, 8, 0),
                                created_by=o)
    course = Event.objects.create(kind=Event.Kind.COURSE, title="党校培训", venue=hall, roster_size=40, starts_at=at(2023, 12, 1, 9),
                                  ends_at=at(2023, 12, 1, 12), created_by=o)
    p1, p5, p7 = w.p["P1"], w.p["P5"], w.p["P7"]
    for event, films in ((c1, [p7]), (c2, [p7, p1, p5])):
        for f in films:
            Slot.objects.create(event=event, film=f, starts_at=event.starts_at, ends_at=event.ends_at)
    v1, v2, v3 = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    for event, film, viewer, when in (
        (c1, p7, v1, at(2023, 11, 2)), (c1, p7, v2, at(2023, 11, 2)),
        (c1, p7, v3, at(2024, 1, 1, 0, 30)),  # a showing of 2023 still open in 2024: counted in 2024
        (c2, p7, v1, at(2024, 3, 2)), (c2, p1, v1, at(2024, 3, 2)), (c2, p1, v3, at(2024, 3, 2)),
        (c2, p5, v3, at(2024, 12, 31, 23, 30)),  # late on New Year's Eve, local time: still 2024
    ):
        OnlineView.objects.create(event=event, film=film, viewer_id=viewer, counted_at=when)
    big = Slot.objects.create(event=week, film=p1, venue=hall, starts_at=at(2024, 5, 2, 14), ends_at=at(2024, 5, 2, 16))
    small = Slot.objects.create(event=week, film=p5, venue=hall, starts_at=at(2024, 5, 3, 14), ends_at=at(2024, 5, 3, 16))
    InPersonCount.objects.create(slot=big, headcount=90, recorded_by=o, current=False)  # corrected to 100
    InPersonCount.objects.create(slot=big, headcount=100, recorded_by=o)
    InPersonCount.objects.create(slot=small, headcount=50, recorded_by=o)
    in_course = Slot.objects.create(event=course, film=p7, venue=hall, starts_at=at(2023, 12, 1, 10), ends_at=at(2023, 12, 1, 11))
    InPersonCount.objects.create(slot=in_course, headcount=30, recorded_by=o)
    w.events = {"c1": c1, "c2": c2, "week": week, "course": course}


def more(w, n):
    """``n`` more 2024 projects with everything a report reads — milestones, transitions, a card,
    a decision, an item, a showing with an online view and a headcount — for the query counts."""
    genre, track = Genre.objects.get(code="micro_film"), Track.objects.get(code="project")
    member = Member.objects.filter(panel=w.s1.panel).first()
    c2 = w.events["c2"]
    for i in range(n):
        unit = w.units["AB"[i % 2]]
        topic = Topic.objects.create(call=w.calls["c24"], unit=unit, title=f"加片{i}", logline="…", genre=genre,
                                     proposed_track=track, pitched_by=w.office, flagged=i % 3 == 0)
        p = VideoProject.objects.create(topic=topic, unit=unit, genre=genre, track=track, state=State.SCREENING,
                                        origin=Origin.SELF_SELECTED, created_at=at(2024, 2, 1))
        for stage, due in (("script", "2024-02-10"), ("production", "2024-04-10")):
            Milestone.objects.create(project=p, stage=stage, starts_on=day(due) - dt.timedelta(days=5), due_on=day(due),
                                     done_on=day(due) + dt.timedelta(days=i % 4))
        ProjectTransition.objects.create(project=p, name="approve", source=State.TOPIC, target=State.SCRIPT, actor=w.office,
                                         reason="理由" if i % 2 else "", created_at=at(2024, 2, 2))
        entry = Entry.objects.create(session=w.s1, project=p, cut=_cut(p, 1, w.office), position=10 + i)
        card = Scorecard.objects.create(entry=entry, member=member, submitted_at=at(2024, 5, 1))
        Score.objects.create(card=card, criterion=w.c1, value=i % 10)
        Score.objects.create(card=card, criterion=w.c2, value=(i * 3) % 10)
        Decision.objects.create(entry=entry, verdict="revise", proposed="revise", confirmed_by=w.office)
        comment = Comment.objects.create(entry=entry, author=member.user, body="改", frame=i)
        Item.objects.create(project=p, comment=comment)
        Slot.objects.create(event=c2, film=p, starts_at=c2.starts_at, ends_at=c2.ends_at)
        OnlineView.objects.create(event=c2, film=p, viewer_id=uuid.uuid4(), counted_at=at(2024, 4, 1 + i % 20))
