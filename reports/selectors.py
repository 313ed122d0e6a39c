"""The annual report's figures: plain query functions over one scope (a year, or one topic call).

Which projects a report covers. The films of a year are the projects pitched to that year's topic
calls (年度选题征集): that is how the office counts its year, and a film keeps its year however long
it takes. A topic call's report covers that call's projects alone.

Which audiences. A year's audience is everyone counted in that year, whichever year the film was
pitched in (a film shown in two years is in the audience of each, with what was counted in each):
the office reports "受众党员" by the calendar year, as ``screenings.totals`` already counts them. A
topic call's audience is its films' audience, whenever counted. Counting itself is
``screenings.totals``' (each viewer once per film and showing, current headcounts); nothing of it
is repeated here.

Cost. Every function runs a fixed number of queries whatever the number of projects, milestones,
cards or views: grouping and counting happen in SQL where SQL can, and the rest is arithmetic over
at most one row per project (or per submitted score).

Each function returns plain data (dicts, lists, dataclasses) keyed by stored codes and ids; words
are added by ``reports.report`` when a page, answer or file is made.
"""

import datetime as dt
import statistics
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, Max, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from projects import schedule
from projects.models import ProjectTransition, State, Topic, VideoProject
from projects.models.catalog import Stage
from projects.models.schedule import Milestone
from projects.models.workflow import OPEN_STATES
from reviews import scoring
from reviews.models import Criterion, Decision, Entry, Item, Score, Session
from screenings.models import OnlineView
from screenings.totals import audience_totals
from studio.errors import Invalid

# Three plain groups of the workflow's states, for the stacked bars.
COMPLETED = [State.APPROVED, State.SCREENING, State.ARCHIVED]
STOPPED = [State.REJECTED, State.CANCELLED]
IN_PROGRESS = [s for s in OPEN_STATES if s not in COMPLETED]
STATE_GROUPS = {"in_progress": IN_PROGRESS, "completed": COMPLETED, "stopped": STOPPED}
GROUP_OF = {state: group for group, states in STATE_GROUPS.items() for state in states}
# Projects that left the workflow before the end have no schedule to keep.
OFF_SCHEDULE = STOPPED


@dataclass(frozen=True)
class Scope:
    """A year, or one topic call (of that year)."""

    year: int
    call_id: int | None = None

    def projects(self):
        if self.call_id is not None:
            return VideoProject.objects.filter(topic__call_id=self.call_id)
        return VideoProject.objects.filter(topic__call__year=self.year)

    def topics(self):
        if self.call_id is not None:
            return Topic.objects.filter(call_id=self.call_id)
        return Topic.objects.filter(call__year=self.year)

    def previous(self) -> "Scope | None":
        """Last year's scope for the year-over-year columns (a call has no previous)."""
        return None if self.call_id is not None else Scope(self.year - 1)


# --- films ----------------------------------------------------------------------------------------

FILM_DIMENSIONS = ("genre", "track", "origin", "unit", "state")


def films_by(scope: Scope) -> dict:
    """Projects counted per genre, track, origin, unit and state, each split in progress /
    completed / stopped. One query: the projects grouped by all five at once."""
    rows = (
        scope.projects().order_by()
        .values_list("genre__code", "track__code", "origin", "unit__code", "state")
        .annotate(n=Count("pk"))
    )
    out = {dim: {} for dim in FILM_DIMENSIONS}
    total = {"total": 0, **{g: 0 for g in STATE_GROUPS}}
    for genre, track, origin, unit, state, n in rows:
        group = GROUP_OF[state]
        for dim, key in zip(FILM_DIMENSIONS, (genre, track, origin, unit, state)):
            counts = out[dim].setdefault(key, {"total": 0, **{g: 0 for g in STATE_GROUPS}})
            counts["total"] += n
            counts[group] += n
        total["total"] += n
        total[group] += n
    out["total"] = total
    return out


# --- the backward schedule --------------------------------------------------------------------------


def _median(values):
    return statistics.median(values) if values else None


def on_time(scope: Scope, today: dt.date | None = None) -> dict:
    """Per stage of the backward schedule: milestones planned, done, met (done on or before the day
    due), done late, overdue (not done and past due), the on-time rate (met over those whose
    outcome is known: done, or overdue) and the median calendar days late (done late: done − due;
    overdue: today − due). Projects rejected or cancelled are left out: they keep no schedule.
    Two queries: counts grouped by stage in SQL, then only the late milestones' dates."""
    today = today or timezone.localdate()
    milestones = Milestone.objects.filter(project__in=scope.projects().exclude(state__in=OFF_SCHEDULE)).order_by()
    counts = milestones.values_list("stage").annotate(
        planned=Count("pk"),
        **{outcome: Count("pk", filter=_milestone_q(outcome, today)) for outcome in ("done", "met", "overdue")},
    )
    stages = {}
    for stage, planned, done, met, overdue in counts:
        stages[stage] = {"planned": planned, "done": done, "met": met, "late": done - met, "overdue": overdue, "days_late": []}
    late = _milestone_q("late", today) | _milestone_q("overdue", today)
    for stage, due_on, done_on in milestones.filter(late).values_list("stage", "due_on", "done_on"):
        stages[stage]["days_late"].append(((done_on or today) - due_on).days)
    out, every_late = {}, [d for s in stages.values() for d in s["days_late"]]
    for stage in Stage.values:
        s = stages.get(stage, {"planned": 0, "done": 0, "met": 0, "late": 0, "overdue": 0, "days_late": []})
        known = s["done"] + s["overdue"]
        s["rate"] = s["met"] / known if known else None
        s["median_days_late"] = _median(s.pop("days_late"))
        out[stage] = s
    all_known = sum(s["done"] + s["overdue"] for s in out.values())
    all_met = sum(s["met"] for s in out.values())
    return {"stages": out, "rate": all_met / all_known if all_known else None, "median_days_late": _median(every_late)}


def stalls(scope: Scope, today: dt.date | None = None) -> dict:
    """Where projects stall: the open projects per state (how many, how many late — their next
    milestone past due — and the median days since they entered the state), and the state the
    cancelled projects were in when they were stopped. Two queries."""
    today = today or timezone.localdate()
    rows = (
        scope.projects().filter(state__in=OPEN_STATES).order_by()
        .values_list("pk", "state", "next_due", "created_at")
        .annotate(entered=Max("transitions__created_at"))
    )
    states = {}
    for _pk, state, next_due, created_at, entered in rows:
        s = states.setdefault(state, {"open": 0, "late": 0, "days": []})
        s["open"] += 1
        s["late"] += next_due is not None and next_due < today
        since = timezone.localdate(entered or created_at)
        s["days"].append((today - since).days)
    for s in states.values():
        s["median_days_in_state"] = _median(s.pop("days"))
    cancelled_from = dict(
        ProjectTransition.objects.filter(project__in=scope.projects(), name="cancel").order_by()
        .values_list("source").annotate(n=Count("pk"))
    )
    return {"open": {state: states[state] for state in OPEN_STATES if state in states}, "cancelled_from": cancelled_from}


# --- panels -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spread:
    """A five-number summary (for box plots), with the count and the mean."""

    n: int
    low: float
    q1: float
    median: float
    q3: float
    high: float
    mean: float

    @classmethod
    def of(cls, values) -> "Spread | None":
        """Rounded to two decimals: a report's figure, and the same in the page, API and files
        (card totals carry float noise from the weighting, 55.00000000000001)."""
        values = sorted(values)
        if not values:
            return None
        if len(values) == 1:
            q1 = median = q3 = values[0]
        else:
            # "inclusive": quartiles between observed values, as spreadsheets' QUARTILE.INC does.
            q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
        numbers = (values[0], q1, median, q3, values[-1], statistics.fmean(values))
        return cls(len(values), *(round(v, 2) for v in numbers))


@dataclass
class SessionResult:
    session_id: int
    title: str
    cuts: int = 0
    cards: int = 0
    alpha: float | None = None
    verdicts: dict = field(default_factory=dict)  # confirmed verdict -> films


def panel_results(scope: Scope) -> dict:
    """How the panels judged the scope's cuts: the spread of each rubric criterion's scores and of
    each rater group's card totals (0–100, ``reviews.scoring.card_total``), per session the cuts,
    cards and Krippendorff's alpha over the scope's cuts (``reviews.scoring.agreement``), the
    confirmed verdicts (and how often the office confirmed the verdict the rule proposed), and the
    rectification rounds (整改: each *revise* verdict is a round) and items per film.
    Submitted scorecards only: a draft is nobody's judgement yet. Five queries."""
    projects = scope.projects()
    scores = (
        Score.objects.filter(card__submitted_at__isnull=False, card__entry__project__in=projects).order_by()
        .values_list("card_id", "card__member__user_id", "card__member__group", "card__entry_id",
                     "card__entry__session_id", "criterion_id", "value", "passed")
    )
    cards: dict[int, dict] = {}
    for card_id, rater, group, entry_id, session_id, criterion_id, value, passed in scores:
        card = cards.setdefault(card_id, {"rater": rater, "group": group, "entry": entry_id, "session": session_id,
                                          "scores": {}, "vetoes": {}})
        if value is not None:
            card["scores"][criterion_id] = value
        elif passed is not None:
            card["vetoes"][criterion_id] = passed
    sessions = {
        s.pk: s for s in Session.objects.filter(entries__project__in=projects).distinct().select_related("rubric")
    }
    criteria = list(Criterion.objects.filter(rubric__in={s.rubric_id for s in sessions.values()}).order_by("rubric", "position", "code"))
    by_rubric: dict[int, list] = {}
    for c in criteria:
        by_rubric.setdefault(c.rubric_id, []).append(
            scoring.Criterion(key=c.pk, weight=c.weight, min_score=c.min_score, max_score=c.max_score, is_veto=c.is_veto))

    per_criterion: dict[int, list[float]] = {}
    per_group: dict[str, list[float]] = {}
    per_session_totals: dict[int, dict] = {}
    results = {pk: SessionResult(pk, s.title) for pk, s in sessions.items()}
    entries_by_session: dict[int, set] = {}
    for card in cards.values():
        for criterion_id, value in card["scores"].items():
            per_criterion.setdefault(criterion_id, []).append(value)
        session = sessions[card["session"]]
        try:
            total = scoring.card_total(scoring.Card(card["rater"], card["group"], card["scores"], card["vetoes"]),
                                       by_rubric[session.rubric_id])
        except ValueError:
            continue  # a card scored against criteria since removed from the rubric has no total
        per_group.setdefault(card["group"], []).append(total)
        per_session_totals.setdefault(session.pk, {})[(card["rater"], card["entry"])] = total
        results[session.pk].cards += 1
        entries_by_session.setdefault(session.pk, set()).add(card["entry"])
    for pk, totals in per_session_totals.items():
        results[pk].alpha = scoring.agreement(totals)

    decisions = (
        Decision.objects.filter(entry__project__in=projects).order_by()
        .values_list("entry__session_id", "entry_id", "entry__project_id", "verdict", "proposed")
    )
    verdicts = {"pass": 0, "revise": 0, "reject": 0}
    confirmed_as_proposed = 0
    rounds: dict[int, int] = {}
    for session_id, entry_id, project_id, verdict, proposed in decisions:
        verdicts[verdict] += 1
        confirmed_as_proposed += verdict == proposed
        results[session_id].verdicts[verdict] = results[session_id].verdicts.get(verdict, 0) + 1
        entries_by_session.setdefault(session_id, set()).add(entry_id)
        if verdict == "revise":
            rounds[project_id] = rounds.get(project_id, 0) + 1
    items = dict(Item.objects.filter(project__in=projects).order_by().values_list("project_id").annotate(n=Count("pk")))
    for pk, entry_ids in entries_by_session.items():
        results[pk].cuts = len(entry_ids)
    rounds_histogram: dict[int, int] = {}
    for n in rounds.values():
        rounds_histogram[n] = rounds_histogram.get(n, 0) + 1
    return {
        "criteria": [(c, Spread.of(per_criterion.get(c.pk, []))) for c in criteria if not c.is_veto],
        "groups": {g: Spread.of(v) for g, v in per_group.items()},
        "sessions": sorted(results.values(), key=lambda r: (sessions[r.session_id].created_at, r.session_id)),
        "verdicts": verdicts,
        "decisions": sum(verdicts.values()),
        "confirmed_as_proposed": confirmed_as_proposed,
        "rounds": rounds,  # project id -> revise verdicts
        "rounds_histogram": dict(sorted(rounds_histogram.items())),
        "items": items,  # project id -> rectification items
        "cards": sum(r.cards for r in results.values()),
        "totals": Spread.of([t for v in per_group.values() for t in v]),
    }


# --- audiences --------------------------------------------------------------------------------------

TOP_FILMS = 10


def audiences(scope: Scope):
    """``screenings.totals`` for the scope (its rules, its four queries), the top films, and the
    number of different online viewers (browsers) — a person who watched three films online is
    three views and one viewer. One query more."""
    if scope.call_id is not None:
        films = scope.projects()
        totals = audience_totals(films=films)
        viewers = OnlineView.objects.filter(film__in=films)
    else:
        totals = audience_totals(year=scope.year)
        viewers = OnlineView.objects.filter(counted_at__year=scope.year)
    distinct_viewers = viewers.order_by().aggregate(n=Count("viewer_id", distinct=True))["n"]
    return {"totals": totals, "top": totals.by_film[:TOP_FILMS], "viewers": distinct_viewers}


# --- homogeneity ------------------------------------------------------------------------------------


def homogeneity(scope: Scope) -> dict:
    """避免同质化: the pitches of the scope, how many the check flagged, and what became of the flagged
    ones — approved with a written reason (approving a flagged topic needs one), still waiting,
    rejected, cancelled after approval. Two queries."""
    topics = scope.topics().order_by().aggregate(
        pitched=Count("pk"), flagged=Count("pk", filter=Q(flagged=True)),
    )
    flagged = scope.projects().filter(topic__flagged=True)
    by_state = dict(flagged.order_by().values_list("state").annotate(n=Count("pk")))
    approvals = ProjectTransition.objects.filter(project__in=flagged, name="approve").order_by().aggregate(
        approved=Count("project", distinct=True),
        with_reason=Count("project", distinct=True, filter=~Q(reason="")),
    )
    return {
        **topics,
        "approved": approvals["approved"],
        "approved_with_reason": approvals["with_reason"],
        "waiting": by_state.get(State.TOPIC, 0),
        "rejected": by_state.get(State.REJECTED, 0),
    }


# --- the projects behind a figure -------------------------------------------------------------------

MILESTONE_OUTCOMES = ("planned", "done", "met", "late", "overdue")
FLAG_OUTCOMES = ("flagged", "approved", "approved_with_reason", "waiting", "rejected")


def _milestone_q(outcome: str, today: dt.date) -> Q:
    """A milestone's outcome as :func:`on_time` counts it and a figure's list of projects filters by."""
    return {
        "planned": Q(),
        "done": Q(done_on__isnull=False),
        "met": Q(done_on__isnull=False, done_on__lte=F("due_on")),
        "late": Q(done_on__isnull=False, done_on__gt=F("due_on")),
        "overdue": Q(done_on__isnull=True, due_on__lt=today),
    }[outcome]


def projects_behind(scope: Scope, params, today: dt.date | None = None):
    """The projects a figure of the report counts, from the query string its link carries (the
    figure and its list read the same conditions; ``tests/reports`` checks every figure's list has
    as many projects as the figure says). Unknown values raise ``Invalid``."""
    today = today or timezone.localdate()
    projects = scope.projects()

    def choice(name, allowed):
        value = params.get(name)
        if value is not None and value not in allowed:
            raise Invalid(_("Unknown value for %(name)s: %(value)s") % {"name": name, "value": value[:40]})
        return value

    for name, lookup in (("genre", "genre__code"), ("track", "track__code"), ("unit", "unit__code"), ("origin", "origin")):
        if params.get(name):
            projects = projects.filter(**{lookup: params[name]})
    if state := choice("state", State.values):
        projects = projects.filter(state=state)
    if group := choice("group", STATE_GROUPS):
        projects = projects.filter(state__in=STATE_GROUPS[group])
    if stage := choice("stage", Stage.values):
        outcome = choice("milestone", MILESTONE_OUTCOMES) or "planned"
        milestones = Milestone.objects.filter(_milestone_q(outcome, today), project=OuterRef("pk"), stage=stage)
        projects = projects.exclude(state__in=OFF_SCHEDULE).filter(Exists(milestones))
    if choice("late", ("1",)):
        projects = schedule.late(projects, today=today)
    if source := choice("cancelled_from", State.values):
        projects = projects.filter(Exists(ProjectTransition.objects.filter(project=OuterRef("pk"), name="cancel", source=source)))
    if verdict := choice("verdict", ("pass", "revise", "reject")):
        projects = projects.filter(Exists(Decision.objects.filter(entry__project=OuterRef("pk"), verdict=verdict)))
    if session := params.get("session"):
        if not session.isdigit():
            raise Invalid(_("Unknown value for %(name)s: %(value)s") % {"name": "session", "value": session[:40]})
        projects = projects.filter(Exists(Entry.objects.filter(project=OuterRef("pk"), session_id=int(session))))
    if rounds := params.get("rounds"):
        if not rounds.isdigit():
            raise Invalid(_("Unknown value for %(name)s: %(value)s") % {"name": "rounds", "value": rounds[:40]})
        revisions = (Decision.objects.filter(entry__project=OuterRef("pk"), verdict="revise").order_by()
                     .values("entry__project").annotate(n=Count("pk")).values("n"))
        projects = projects.annotate(_rounds=Coalesce(Subquery(revisions), 0)).filter(_rounds=int(rounds))
    if flag := choice("flag", FLAG_OUTCOMES):
        flagged = projects.filter(topic__flagged=True)
        approvals = ProjectTransition.objects.filter(project=OuterRef("pk"), name="approve")
        projects = {
            "flagged": flagged,
            "approved": flagged.filter(Exists(approvals)),
            "approved_with_reason": flagged.filter(Exists(approvals.exclude(reason=""))),
            "waiting": flagged.filter(state=State.TOPIC),
            "rejected": flagged.filter(state=State.REJECTED),
        }[flag]
    return projects


# --- the schedule as a timeline ---------------------------------------------------------------------

TIMELINE_ROWS = 25


def timeline(projects, limit: int = TIMELINE_ROWS) -> list:
    """The open projects with a schedule, the most pressing first (the earliest next milestone:
    the late ones lead), with their milestones: two queries, at most ``limit`` projects."""
    return list(
        projects.filter(state__in=OPEN_STATES, next_due__isnull=False).select_related("topic")
        .prefetch_related(Prefetch("milestones", queryset=Milestone.objects.order_by("due_on", "pk")))
        .order_by("next_due", "pk")[:limit]
    )
