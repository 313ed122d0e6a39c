"""Bulk data for the benchmarks: thousands of projects in seconds, without the services.

The services walk one project at a time through the workflow (dozens of queries each), which is
far too slow for 10,000 projects. This module writes the same rows directly with ``bulk_create``:
topics, projects in a realistic mix of states/tracks/genres, their backward-planned milestones
(planned with the app's own ``schedule.plan_backwards`` and the genre's stage durations), the
timeline rows of the transitions that brought each project to its state, and a submitted
deliverable for part of the projects waiting at a gate.

Milestone dates are placed so that each open project's next milestone is due somewhere between
two weeks ago and two months ahead, which gives a mix of red, yellow and green projects.

Import only after ``django.setup()``.
"""

import datetime as dt
import random
from dataclasses import dataclass, field

from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone

from projects import schedule
from projects.models import (
    Deliverable,
    Genre,
    Holiday,
    Membership,
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
from projects.models.workflow import GATE_KIND

UNITS = [
    ("huashan", "华山街道"), ("huguo", "护国街道"), ("daguan", "大观街道"), ("longxiang", "龙翔街道"),
    ("fengning", "丰宁街道"), ("lianhua", "莲华街道"), ("hongyun", "红云街道"), ("heilinpu", "黑林铺街道"),
    ("puji", "普吉街道"), ("xiyi", "西翥街道"), ("shalang", "沙朗街道"), ("changkou", "厂口街道"),
]
PLACES = ["翠湖边", "滇池岸边", "五华山下", "昆明老街", "老旧小区里", "西翥山村", "社区食堂里", "边境线上", "大山深处", "城中村里"]
PEOPLE = ["党员楼栋长", "护水人", "银发宣讲团", "非遗传承人", "邮递员党员", "退役军人", "乡村医生", "驻村第一书记",
          "快递小哥", "乡村教师", "女民兵", "网格员", "志愿者服务队", "大学生村官", "老支书"]
ENDINGS = ["的初心故事", "的一天", "：坚守与担当", "带领乡亲致富", "的二十年", "讲给新党员的一堂课", "守护万家灯火", "的微光"]

# Share of projects per state (sums to 100): most are in production or archived, few rejected.
STATE_WEIGHTS = {
    State.TOPIC: 10, State.SCRIPT: 12, State.STORYBOARD: 10, State.PRODUCTION: 20, State.PANEL_REVIEW: 8,
    State.APPROVED: 7, State.SCREENING: 8, State.ARCHIVED: 15, State.REJECTED: 5, State.CANCELLED: 5,
}
TRACK_WEIGHTS = {"project": 70, "showcase": 15, "mandatory": 15}

# The happy path: (transition, source, target). Showcase skips script and storyboard.
PATH = [
    ("approve", State.TOPIC, State.SCRIPT),
    ("pass_script", State.SCRIPT, State.STORYBOARD),
    ("pass_storyboard", State.STORYBOARD, State.PRODUCTION),
    ("submit_cut", State.PRODUCTION, State.PANEL_REVIEW),
    ("pass_panel", State.PANEL_REVIEW, State.APPROVED),
    ("start_screening", State.APPROVED, State.SCREENING),
    ("archive", State.SCREENING, State.ARCHIVED),
]
ORDER = [State.TOPIC, State.SCRIPT, State.STORYBOARD, State.PRODUCTION, State.PANEL_REVIEW, State.APPROVED, State.SCREENING, State.ARCHIVED]
# Milestones that are done once a project has reached a state.
DONE_IN = {
    State.TOPIC: set(),
    State.SCRIPT: set(),
    State.STORYBOARD: {"script"},
    State.PRODUCTION: {"script", "storyboard"},
    State.PANEL_REVIEW: {"script", "storyboard", "production"},
    State.APPROVED: {"script", "storyboard", "production", "panel_review"},
    State.SCREENING: {"script", "storyboard", "production", "panel_review"},
    State.ARCHIVED: {"script", "storyboard", "production", "panel_review"},
}


@dataclass
class World:
    """Everything the generator needs that is not per project."""

    today: dt.date
    call: TopicCall
    office: User
    organiser: User
    units: list
    producers: dict  # unit pk -> producer user
    genres: list
    tracks: dict  # code -> Track
    durations: dict  # genre pk -> {stage: StageDuration}
    calendar: schedule.WorkCalendar
    rng: random.Random
    made: int = 0
    counts: dict = field(default_factory=dict)


def make_world(seed: int = 20240701) -> World:
    """Reference rows every size shares: units, accounts, one topic call, a year of holidays."""
    today = timezone.localdate()
    with transaction.atomic():
        units = [Unit.objects.get_or_create(code=code, defaults={"name": name})[0] for code, name in UNITS]
        office = _user("bench_office", "office", "教育办 基准测试")
        organiser = _user("bench_organiser", "organiser", "展播组织 基准测试")
        producers = {}
        for unit in units:
            producer = _user(f"bench_producer_{unit.code}", "producer", f"{unit.name} 编导")
            Membership.objects.get_or_create(user=producer, unit=unit)
            producers[unit.pk] = producer
        call = TopicCall.objects.create(
            year=today.year, theme="【基准】讲好身边的党员故事", opens_on=today - dt.timedelta(days=30),
            closes_on=today + dt.timedelta(days=60),
        )
        for year in (today.year - 1, today.year, today.year + 1):
            _holidays(year)
    durations = {}
    for d in StageDuration.objects.all():
        durations.setdefault(d.genre_id, {})[d.stage] = d
    return World(
        today=today, call=call, office=office, organiser=organiser, units=units, producers=producers,
        genres=list(Genre.objects.all()), tracks={t.code: t for t in Track.objects.all()}, durations=durations,
        calendar=schedule.WorkCalendar.load(), rng=random.Random(seed),
    )


def _user(username, group, full_name):
    user, _ = User.objects.get_or_create(username=username, defaults={"first_name": full_name})
    user.set_unusable_password()
    user.save()
    user.groups.set(Group.objects.filter(name=group))
    return user


def _holidays(year):
    """China's usual official holidays, plus two working weekend days (调休)."""
    days = [(dt.date(year, 1, 1), "元旦")]
    days += [(dt.date(year, 5, d), "劳动节") for d in range(1, 6)]
    days += [(dt.date(year, 10, d), "国庆节") for d in range(1, 8)]
    for day, name in days:
        Holiday.objects.get_or_create(date=day, defaults={"name": name, "kind": Holiday.Kind.HOLIDAY})
    for day in (dt.date(year, 4, 27), dt.date(year, 9, 28)):
        if day.weekday() >= 5:
            Holiday.objects.get_or_create(date=day, defaults={"name": "调休上班", "kind": Holiday.Kind.WORKDAY})


def _pick(rng, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _plan(world: World, project_genre, track, deadline):
    skipped = {"script", "storyboard"} if track.skips_preproduction else set()
    stages = world.durations[project_genre.pk]
    spans = [(s, stages[s].workdays, stages[s].warn_days) for s in schedule.STAGE_ORDER if s in stages and s not in skipped]
    return schedule.plan_backwards(deadline, spans, world.calendar)


def add_projects(world: World, n: int, batch_size: int = 2000) -> dict:
    """Create ``n`` more projects with their topic, milestones, timeline and deliverables."""
    rng, today, now = world.rng, world.today, timezone.now()
    topics, projects, plans = [], [], []
    for _ in range(n):
        world.made += 1
        i = world.made
        unit = rng.choice(world.units)
        genre = rng.choice(world.genres)
        track = world.tracks[_pick(rng, TRACK_WEIGHTS)]
        state = _pick(rng, STATE_WEIGHTS)
        # Showcase films already exist: an approved topic goes straight to production.
        if track.skips_preproduction and state in (State.SCRIPT, State.STORYBOARD):
            state = State.PRODUCTION
        # The state a cancelled project was in when it was cancelled.
        reached = rng.choice([State.SCRIPT, State.PRODUCTION] if track.skips_preproduction else [State.SCRIPT, State.STORYBOARD, State.PRODUCTION]) if state == State.CANCELLED else state
        if state == State.REJECTED:
            reached = State.TOPIC
        if track.code == "mandatory" and state == State.REJECTED:  # mandatory topics are not rejectable
            state, reached = State.CANCELLED, State.SCRIPT
        created = now - dt.timedelta(days=rng.uniform(5, 900), seconds=rng.randint(0, 86399))
        title = f"{rng.choice(PLACES)}的{rng.choice(PEOPLE)}{rng.choice(ENDINGS)}（第{i}号）"
        pitched_by = world.office if track.assigned_by_office else world.producers[unit.pk]
        flagged = rng.random() < 0.06
        topics.append(Topic(
            call=world.call, unit=unit, title=title, logline=f"{title}——来自{unit.name}的基层故事。", genre=genre,
            local_elements="五华元素", proposed_track=track, pitched_by=pitched_by, created_at=created,
            max_similarity=round(rng.uniform(0.6, 0.9), 4) if flagged else round(rng.uniform(0, 0.4), 4), flagged=flagged,
        ))
        # Half of the topics not decided yet have no plan (no deadline, no milestones).
        planned = not (state == State.TOPIC and rng.random() < 0.5)
        milestones, deadline = [], None
        if planned:
            done = DONE_IN[reached]
            provisional = _plan(world, genre, track, today + dt.timedelta(days=200))
            pending = [p for p in provisional if p.stage not in done]
            if pending:
                # Next open milestone due between 12 days ago and 60 days ahead: red, yellow, green.
                target = today + dt.timedelta(days=rng.randint(-12, 60))
                deadline = today + dt.timedelta(days=200) + (target - pending[0].due_on)
            else:
                deadline = today - dt.timedelta(days=rng.randint(10, 400))
            for p in _plan(world, genre, track, deadline):
                done_on = None
                if p.stage in done:
                    done_on = min(p.due_on - dt.timedelta(days=rng.randint(0, 4)), today)
                milestones.append(Milestone(stage=p.stage, starts_on=p.starts_on, due_on=p.due_on, warn_days=p.warn_days, done_on=done_on))
        upcoming = min((m for m in milestones if m.done_on is None), key=lambda m: m.due_on, default=None)
        projects.append(VideoProject(
            unit=unit, genre=genre, track=track, deadline=deadline, state=state, created_at=created,
            next_due=upcoming.due_on if upcoming else None, next_warn=upcoming.warn_days if upcoming else None,
            origin=Origin.ASSIGNED if track.assigned_by_office else Origin.SELF_SELECTED,
        ))
        plans.append((state, reached, track, milestones, created, pitched_by))
        world.counts[state] = world.counts.get(state, 0) + 1

    with transaction.atomic():
        Topic.objects.bulk_create(topics, batch_size=batch_size)
        for topic, project in zip(topics, projects):
            project.topic = topic
        VideoProject.objects.bulk_create(projects, batch_size=batch_size)
        milestone_rows, transition_rows, deliverable_rows = [], [], []
        for project, (state, reached, track, milestones, created, producer) in zip(projects, plans):
            for m in milestones:
                m.project = project
                milestone_rows.append(m)
            transition_rows += _timeline(world, project, state, reached, track, created, producer)
            if state in GATE_KIND and rng.random() < 0.4:
                deliverable_rows.append(Deliverable(
                    project=project, kind=GATE_KIND[state], version=1, status=Deliverable.Status.SUBMITTED,
                    script="【开场】清晨，社区广场。" if state == State.SCRIPT else "", narration="在五华，有这样一群人……",
                    author=producer, created_at=now - dt.timedelta(days=3), submitted_at=now - dt.timedelta(days=2),
                ))
        Milestone.objects.bulk_create(milestone_rows, batch_size=batch_size)
        ProjectTransition.objects.bulk_create(transition_rows, batch_size=batch_size)
        Deliverable.objects.bulk_create(deliverable_rows, batch_size=batch_size)
    return {"projects": len(projects), "milestones": len(milestone_rows), "transitions": len(transition_rows), "deliverables": len(deliverable_rows)}


def _timeline(world, project, state, reached, track, created, producer):
    """The ProjectTransition rows of the path from topic to ``state``."""
    rows, at = [], created
    actors = {"submit_cut": producer, "start_screening": world.organiser, "archive": world.organiser}

    def step(name, source, target, reason=""):
        nonlocal at
        at = at + dt.timedelta(days=world.rng.uniform(1, 20))
        rows.append(ProjectTransition(project=project, name=name, source=source, target=target,
                                      actor=actors.get(name, world.office), reason=reason, created_at=at))

    if state == State.REJECTED:
        step("reject", State.TOPIC, State.REJECTED, "与往年选题重复，建议换角度。")
        return rows
    current = State.TOPIC
    for name, source, target in PATH:
        if current == reached:
            break
        if source != current:
            continue
        if name == "approve" and track.skips_preproduction:
            target = State.PRODUCTION
        step(name, current, target, "同意立项" if name == "approve" else "")
        current = target
    if state == State.CANCELLED:
        step("cancel", current, State.CANCELLED, "主人公工作调动，暂停拍摄。")
    return rows
