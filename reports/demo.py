"""The annual report's part of the demo (``manage.py seed_demo``): a year of work behind the demo
call, so that ``./run`` opens a report with every chart populated — and last year's, so the
year-over-year column has something beside it.

The services walk one film at a time and stamp everything "now", which gives a demo call whose
milestones are all in the future and whose audiences are all from this week. This writes, row by
row as ``bench/seedbulk.py`` does, what a year leaves behind: a second call of this year with two
dozen films in every state, their backward-planned milestones (met, late and overdue), their
timelines, two closed panel sessions with scorecards and verdicts (some films returned once or
twice), monthly cloud showings from January with online views (a pool of viewers, so views and
different viewers differ) and course showings with headcounts; and a call of last year, its films
shown last year. Deterministic (a seeded random), and run once with the rest of the demo.
"""

import datetime as dt
import random
import uuid

from django.utils import timezone

from media.models import Cut
from projects import schedule
from projects.models import (
    Deliverable,
    Genre,
    Milestone,
    Origin,
    ProjectTransition,
    StageDuration,
    State,
    Topic,
    TopicCall,
    Track,
    Unit,
    VideoProject,
)
from reviews.models import Comment, Criterion, Decision, Entry, Item, Member, Panel, Rubric, Score, Scorecard, Session
from screenings.models import CourseKind, Event, InPersonCount, OnlineView, Slot, Venue

PLACES = ["翠湖边", "滇池岸边", "五华山下", "昆明老街", "老旧小区里", "西翥山村", "社区食堂里", "大山深处", "城中村里", "莲花池畔"]
PEOPLE = ["党员楼栋长", "护水人", "非遗传承人", "邮递员党员", "退役军人", "乡村医生", "驻村第一书记", "快递小哥", "乡村教师",
          "网格员", "志愿者服务队", "老支书"]
# this year's films: target state, how many
THIS_YEAR = [(State.ARCHIVED, 5), (State.SCREENING, 5), (State.APPROVED, 3), (State.PRODUCTION, 5),
             (State.STORYBOARD, 2), (State.SCRIPT, 2), (State.CANCELLED, 2), (State.REJECTED, 2)]
LAST_YEAR = [(State.ARCHIVED, 7), (State.CANCELLED, 1), (State.REJECTED, 2)]
# The stages a film in this state has left behind (their milestones are done).
DONE = {State.SCRIPT: 0, State.STORYBOARD: 1, State.PRODUCTION: 2, State.PANEL_REVIEW: 3, State.APPROVED: 4,
        State.SCREENING: 4, State.ARCHIVED: 4, State.CANCELLED: 1, State.REJECTED: 0}
PATH = [("approve", State.TOPIC, State.SCRIPT), ("pass_script", State.SCRIPT, State.STORYBOARD),
        ("pass_storyboard", State.STORYBOARD, State.PRODUCTION), ("submit_cut", State.PRODUCTION, State.PANEL_REVIEW),
        ("pass_panel", State.PANEL_REVIEW, State.APPROVED), ("start_screening", State.APPROVED, State.SCREENING),
        ("archive", State.SCREENING, State.ARCHIVED)]
SHOWN = (State.APPROVED, State.SCREENING, State.ARCHIVED)


def _aware(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


class _Year:
    def __init__(self, *, year, today, users, rng, calendar):
        self.year, self.today, self.users, self.rng, self.calendar = year, today, users, rng, calendar
        self.office = users["office"]
        # The year runs from 1 January to today (this year) or to 31 December (last year).
        self.first = dt.date(year, 1, 1)
        self.last = min(today, dt.date(year, 12, 31))
        self.span = max((self.last - self.first).days, 1)
        self.durations = {}
        for d in StageDuration.objects.all():
            self.durations.setdefault(d.genre_id, []).append(d)

    def day(self, share: float) -> dt.date:
        """The day ``share`` (0–1) of the way through the year so far."""
        return self.first + dt.timedelta(days=round(self.span * min(max(share, 0), 1)))


def _plan(y: _Year, genre, track, deadline):
    order = {s: i for i, s in enumerate(schedule.STAGE_ORDER)}
    skipped = {"script", "storyboard"} if track.skips_preproduction else set()
    spans = [(d.stage, d.workdays, d.warn_days) for d in sorted(y.durations[genre.pk], key=lambda d: order[d.stage])
             if d.stage not in skipped]
    return schedule.plan_backwards(deadline, spans, y.calendar)


def _films(y: _Year, call, plan, producers, units, genres, tracks, flagged_every=5):
    rng, made = y.rng, []
    n = 0
    for state, count in plan:
        for _ in range(count):
            n += 1
            unit = units[n % len(units)]
            genre = genres[n % len(genres)]
            track = tracks["mandatory"] if n % 7 == 0 else tracks["project"]
            title = f"{rng.choice(PLACES)}的{rng.choice(PEOPLE)}（{y.year}·{n}）"
            created = _aware(y.day(rng.uniform(0, 0.15)))
            flagged = n % flagged_every == 0
            topic = Topic.objects.create(
                call=call, unit=unit, title=title, logline=f"{title}——来自{unit.name}的基层故事。", genre=genre,
                local_elements="五华元素", proposed_track=track, pitched_by=y.office if track.assigned_by_office else producers[unit.code],
                created_at=created, flagged=flagged, max_similarity=0.78 if flagged else round(rng.uniform(0.05, 0.4), 2),
            )
            done = DONE[state]
            # Finished films were due months ago; films still in work are due later in the year or after.
            if state in SHOWN or state == State.PANEL_REVIEW:
                deadline = y.day(rng.uniform(0.55, 0.85))
            elif state == State.PRODUCTION:
                deadline = y.last + dt.timedelta(days=rng.randint(5, 50))
            else:
                deadline = y.last + dt.timedelta(days=rng.randint(60, 160))
            planned = [] if state == State.REJECTED else _plan(y, genre, track, deadline)
            project = VideoProject.objects.create(
                topic=topic, unit=unit, genre=genre, track=track, state=state, created_at=created, deadline=deadline,
                origin=Origin.ASSIGNED if track.assigned_by_office else Origin.SELF_SELECTED,
            )
            milestones, moved_at = [], created
            for index, p in enumerate(planned):
                done_on = None
                if index < done:
                    # Mostly on time, some days late now and then.
                    done_on = min(p.due_on + dt.timedelta(days=rng.choice([-4, -2, -1, 0, 0, 1, 3, 6, 11])), y.last)
                milestones.append(Milestone(project=project, stage=p.stage, starts_on=p.starts_on, due_on=p.due_on,
                                            warn_days=p.warn_days, done_on=done_on))
            Milestone.objects.bulk_create(milestones)
            pending = [m for m in milestones if m.done_on is None]
            upcoming = min(pending, key=lambda m: m.due_on) if pending and state not in (State.CANCELLED,) else None
            VideoProject.objects.filter(pk=project.pk).update(next_due=upcoming.due_on if upcoming else None,
                                                             next_warn=upcoming.warn_days if upcoming else None)
            moves = []

            def move(name, source, target, when, reason=""):
                moves.append(ProjectTransition(project=project, name=name, source=source, target=target, actor=y.office,
                                               reason=reason, created_at=when))

            if state == State.REJECTED:
                move("reject", State.TOPIC, State.REJECTED, created + dt.timedelta(days=12), "与往年选题相近，建议换角度。")
            else:
                target_index = {State.SCRIPT: 1, State.STORYBOARD: 2, State.PRODUCTION: 3, State.PANEL_REVIEW: 4, State.APPROVED: 5,
                                State.SCREENING: 6, State.ARCHIVED: 7, State.CANCELLED: 2}[state]
                done_days = [m.done_on for m in milestones if m.done_on]
                for step, (name, source, target) in enumerate(PATH[:target_index]):
                    if step == 0:
                        when = created + dt.timedelta(days=10)
                    elif step - 1 < len(done_days):
                        when = _aware(done_days[step - 1], 15)
                    else:
                        when = moved_at + dt.timedelta(days=rng.randint(5, 20))
                    when = min(when, _aware(y.last, 9))
                    moved_at = when
                    move(name, source, target, when, "角度不同：聚焦本土人物的新做法。" if name == "approve" and flagged else "")
                if state == State.CANCELLED:
                    move("cancel", State.STORYBOARD, State.CANCELLED, min(moved_at + dt.timedelta(days=9), _aware(y.last, 9)),
                         "主人公工作调动，暂停拍摄。")
            ProjectTransition.objects.bulk_create(moves)
            made.append(project)
    return made


def _cut(project, version, author, when):
    d = Deliverable.objects.create(project=project, kind=Deliverable.Kind.CUT, version=version, status=Deliverable.Status.SUBMITTED,
                                   author=author, created_at=when, submitted_at=when, note=f"第{version}版")
    return Cut.objects.create(deliverable=d, original_key=f"cuts/{project.pk}/v{version}/original/demo.mp4", original_name="demo.mp4",
                              size=1, sha256="0" * 64, status=Cut.Status.READY, progress=1.0, qc_passed=True)


def _panels(y: _Year, films, panel_name):
    """Two closed sessions: in spring some films are returned (revise), in summer the finished
    films pass; each card by the three demo panelists, the grassroots member a little kinder."""
    rng, office = y.rng, y.office
    rubric = Rubric.objects.get(code="standard")
    criteria = list(Criterion.objects.filter(rubric=rubric))
    panel = Panel.objects.create(name=panel_name, created_by=office, created_at=_aware(y.first))
    members = [Member.objects.create(panel=panel, user=y.users[name], group=group)
               for name, group in (("panelist", "expert"), ("panelist_b", "leader"), ("panelist_c", "grassroots"))]
    finished = [p for p in films if p.state in SHOWN]
    returned = finished[::3] + [p for p in films if p.state == State.PRODUCTION][:1]

    def session(title, share):
        when = _aware(y.day(share))
        return Session.objects.create(panel=panel, title=title, rubric=rubric, phase="closed", created_by=office, created_at=when,
                                      scoring_at=when, closed_at=when + dt.timedelta(days=2),
                                      weight_expert=50, weight_leader=30, weight_grassroots=20)

    def judge(sess, films, verdict_of, quality):
        for position, project in enumerate(films, start=1):
            version = Entry.objects.filter(project=project).count() + 1
            entry = Entry.objects.create(session=sess, project=project, cut=_cut(project, version, office, sess.created_at),
                                         position=position)
            base = quality(project)
            for member in members:
                lean = {"expert": -0.4, "leader": 0.0, "grassroots": 0.5}[member.group]
                card = Scorecard.objects.create(entry=entry, member=member, submitted_at=sess.created_at + dt.timedelta(days=1),
                                                remark="")
                Score.objects.bulk_create([
                    Score(card=card, criterion=c, passed=True) if c.is_veto else
                    Score(card=card, criterion=c, value=max(c.min_score, min(c.max_score, round(
                        c.min_score + (c.max_score - c.min_score) * (base + lean * 0.1 + rng.uniform(-0.08, 0.08))))))
                    for c in criteria])
            verdict = verdict_of(project)
            Decision.objects.create(entry=entry, verdict=verdict, proposed=verdict if rng.random() < 0.85 else "revise",
                                    confirmed_by=office, confirmed_at=sess.closed_at, note="")
            if verdict == "revise":
                for frame in (25, 120):
                    comment = Comment.objects.create(entry=entry, author=members[0].user, body="字幕与解说不一致，请核对。", frame=frame,
                                                     created_at=sess.created_at)
                    Item.objects.create(project=project, comment=comment, status=Item.Status.CLOSED, answer="已修改。")

    spring = session(f"【演示】{y.year}年春季集中评审", 0.3)
    judge(spring, returned, lambda p: "revise", lambda p: rng.uniform(0.62, 0.74))
    summer = session(f"【演示】{y.year}年夏季集中评审", 0.55)
    judge(summer, finished, lambda p: "pass", lambda p: rng.uniform(0.78, 0.93))


def _screenings(y: _Year, films, organiser, venues, course_kinds):
    """A cloud showing a month from January, a course showing every other month."""
    rng = y.rng
    shown = [p for p in films if p.state in SHOWN]
    if not shown:
        return
    pool = [uuid.uuid4() for _ in range(260)]  # the same people come back, month after month
    month, views = dt.date(y.year, 1, 1), []
    while month <= y.last:
        end = min(dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1) - dt.timedelta(days=1), y.last)
        cloud = Event.objects.create(kind=Event.Kind.CLOUD, title=f"【演示】“五华先锋”第{month.month}期云展播", platform="五华先锋",
                                     starts_at=_aware(month, 8), ends_at=_aware(end, 22), created_by=organiser)
        for film in rng.sample(shown, min(len(shown), rng.randint(3, 5))):
            Slot.objects.create(event=cloud, film=film, starts_at=cloud.starts_at, ends_at=cloud.ends_at)
            days = max((end - month).days, 0)
            for viewer in rng.sample(pool, rng.randint(15, 70)):
                views.append(OnlineView(event=cloud, film=film, viewer_id=viewer,
                                        counted_at=_aware(month + dt.timedelta(days=rng.randint(0, days)), rng.randint(8, 21))))
        if month.month % 2 == 1:
            venue = venues[month.month % len(venues)]
            start = _aware(min(month + dt.timedelta(days=14), y.last), 9)
            course = Event.objects.create(kind=Event.Kind.COURSE, title=f"【演示】{month.month}月入党积极分子培训", venue=venue,
                                          course_kind=course_kinds[month.month % len(course_kinds)], course_name=f"{month.month}月班",
                                          roster_size=min(venue.capacity, 90), starts_at=start, ends_at=start + dt.timedelta(hours=3),
                                          created_by=organiser)
            film = rng.choice(shown)
            slot = Slot.objects.create(event=course, film=film, venue=venue, starts_at=start + dt.timedelta(minutes=30),
                                       ends_at=start + dt.timedelta(minutes=60))
            InPersonCount.objects.create(slot=slot, headcount=rng.randint(40, min(venue.capacity, 90)), recorded_by=organiser,
                                         recorded_at=start + dt.timedelta(hours=2))
        month = end + dt.timedelta(days=1)
    OnlineView.objects.bulk_create(views, batch_size=2000)


def seed(*, users, producers, today=None):
    """``users`` by demo username; ``producers`` by unit code."""
    today = today or timezone.localdate()
    rng = random.Random(20260701)
    calendar = schedule.WorkCalendar.load()
    units = list(Unit.objects.order_by("code"))
    genres = list(Genre.objects.order_by("position", "code"))
    tracks = {t.code: t for t in Track.objects.all()}
    venues = list(Venue.objects.order_by("pk")) or [Venue.objects.create(name="五华区党群服务中心", capacity=200)]
    course_kinds = list(CourseKind.objects.order_by("position", "code"))
    organiser = users["organiser"]
    for year, plan, theme in ((today.year, THIS_YEAR, "【演示】年度补充征集：身边的榜样"),
                              (today.year - 1, LAST_YEAR, "【演示】讲好身边的党员故事（上一年度）")):
        y = _Year(year=year, today=today, users=users, rng=rng, calendar=calendar)
        call = TopicCall.objects.create(year=year, theme=theme, description="演示数据：一年的工作留下的记录。",
                                        opens_on=y.first, closes_on=y.first + dt.timedelta(days=45))
        films = _films(y, call, plan, producers, units, genres, tracks)
        _panels(y, films, f"【演示】{year}年度评审工作组（历史记录）")
        _screenings(y, films, organiser, venues, course_kinds)
