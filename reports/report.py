"""The annual report as tables: the selectors' figures with their words (in the reader's language)
and the link to the projects behind each figure. One function, :func:`annual_report`, feeds the
page, the API and both exports, so they cannot disagree; :func:`as_data` is the API's shape.

A value is an int, a float rounded here once (rates to four decimals, the rest to two), or None
(not measurable: no milestone known, one rater). Each table says which of its columns count
projects (``project_columns``): those cells link to the list of exactly those projects.
"""

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from projects.models import Genre, Origin, State, TopicCall, Track, Unit
from projects.models.catalog import Stage
from projects.schedule import WORDS, WorkCalendar, status_of
from reports import selectors
from reports.selectors import Scope
from reviews.models import Group, Verdict
from screenings.models import Event

SECTIONS = ("summary", "films", "schedule", "panels", "audiences", "homogeneity")
FILMS_ON_PAGE = 100  # rows of the per-film audience table on the page
AUDIENCE_ONLY = ("audiences",)


@dataclass
class Row:
    key: str
    label: str
    values: dict  # column key -> value
    links: dict = field(default_factory=dict)  # column key -> URL of what the figure counts


@dataclass
class Table:
    key: str
    title: str
    columns: list  # [(key, label)]
    rows: list
    percent: tuple = ()  # columns shown as percentages (stored as 0–1)
    percent_rows: tuple = ()  # rows shown as percentages (the summary's rate)
    project_columns: tuple = ()  # columns that count projects: their link lists exactly that many
    page_rows: int | None = None  # the most rows the page shows (None: all); exports and the API have every row

    def is_percent(self, row, column) -> bool:
        return column in self.percent or row.key in self.percent_rows

    @property
    def shown_rows(self) -> list:
        return self.rows if self.page_rows is None else self.rows[:self.page_rows]

    @property
    def hidden_rows(self) -> int:
        return len(self.rows) - len(self.shown_rows)


@dataclass
class Section:
    key: str
    title: str
    tables: list


@dataclass
class Report:
    year: int
    call: TopicCall | None
    today: dt.date
    sections: list
    has_previous: bool = False
    extra: dict = field(default_factory=dict)  # what the charts read besides the tables

    def section(self, key):
        return next((s for s in self.sections if s.key == key), None)


def _r(value, digits=2):
    return round(value, digits) if isinstance(value, float) else value


class _Links:
    """URLs of the projects behind a figure (office), or of a film's page."""

    def __init__(self, scope: Scope, drill: bool):
        self.scope, self.drill = scope, drill
        self.base = reverse("report-projects", args=[scope.year])

    def projects(self, **params):
        if not self.drill:
            return None
        if self.scope.call_id is not None:
            params["call"] = self.scope.call_id
        return f"{self.base}?{urlencode(params)}"


def _group_columns():
    return [("total", _("Projects")), ("in_progress", _("In progress")), ("completed", _("Completed")), ("stopped", _("Stopped"))]


def _films(scope, links, previous):
    films = selectors.films_by(scope)
    before = selectors.films_by(previous) if previous else None
    labels = {
        "genre": {g.code: g.label for g in Genre.objects.all()},
        "track": {t.code: t.label for t in Track.objects.all()},
        "origin": dict(Origin.choices),
        "unit": {u.code: u.name for u in Unit.objects.all()},
        "state": dict(State.choices),
    }
    titles = {"genre": _("Films by genre"), "track": _("Films by track"), "origin": _("Films by origin"),
              "unit": _("Films by unit"), "state": _("Films by state")}
    tables = []
    for dim in selectors.FILM_DIMENSIONS:
        order = list(labels[dim])
        columns = [("total", _("Projects"))] if dim == "state" else _group_columns()
        if before is not None:
            columns.append(("previous", _("Previous year")))
        rows = []
        keys = [k for k in order if k in films[dim] or (before and k in before[dim])]
        for key in keys:
            counts = films[dim].get(key, {"total": 0, "in_progress": 0, "completed": 0, "stopped": 0})
            values = {c: counts[c] for c, _label in columns if c != "previous"}
            row_links = {"total": links.projects(**{dim: key})}
            for group in selectors.STATE_GROUPS:
                if group in values:
                    row_links[group] = links.projects(**{dim: key, "group": group})
            if before is not None:
                values["previous"] = before[dim].get(key, {"total": 0})["total"]
            rows.append(Row(key, str(labels[dim].get(key, key)), values, row_links))
        tables.append(Table(dim, titles[dim], columns, rows, project_columns=("total", *selectors.STATE_GROUPS)))
    return Section("films", _("Films"), tables), films, before


def _schedule(scope, links, today):
    result = selectors.on_time(scope, today)
    columns = [("planned", _("Milestones")), ("done", _("Done")), ("met", _("Met on time")), ("late", _("Done late")),
               ("overdue", _("Overdue")), ("rate", _("On-time rate")), ("median_days_late", _("Median days late"))]
    rows = []
    for stage, label in Stage.choices:
        s = result["stages"][stage]
        values = {c: _r(s[c], 4 if c == "rate" else 2) for c, _label in columns}
        row_links = {c: links.projects(stage=stage, milestone=c) for c in selectors.MILESTONE_OUTCOMES}
        rows.append(Row(stage, str(label), values, row_links))
    # A project has one milestone per stage: counting milestones of a stage counts projects.
    stages = Table("stages", _("On time against the backward schedule, per stage"), columns, rows, percent=("rate",),
                   project_columns=selectors.MILESTONE_OUTCOMES)
    stalls = selectors.stalls(scope, today)
    stall_rows = [
        Row(state, str(State(state).label), {"open": s["open"], "late": s["late"], "median_days_in_state": _r(s["median_days_in_state"])},
            {"open": links.projects(state=state), "late": links.projects(state=state, late="1")})
        for state, s in stalls["open"].items()
    ]
    stall_table = Table("stalls", _("Where open projects stand"),
                        [("open", _("Open projects")), ("late", _("Late")), ("median_days_in_state", _("Median days in this state"))],
                        stall_rows, project_columns=("open", "late"))
    cancelled = Table("cancelled", _("Where cancelled projects stopped"), [("cancelled", _("Cancelled"))], [
        Row(state, str(State(state).label), {"cancelled": n}, {"cancelled": links.projects(cancelled_from=state)})
        for state, n in sorted(stalls["cancelled_from"].items(), key=lambda kv: State.values.index(kv[0]))
    ], project_columns=("cancelled",))
    return Section("schedule", _("Schedule"), [stages, stall_table, cancelled]), result


def timeline_table(projects, today, calendar):
    """The timeline chart's figures: each project's milestones, due day and traffic light."""
    rows = []
    for p in projects:
        values = {}
        for m in p.milestones.all():
            status = status_of(due_on=m.due_on, done_on=m.done_on, warn_days=m.warn_days, today=today, calendar=calendar)
            values[m.stage] = f"{m.due_on.isoformat()} {WORDS[status]}"
        rows.append(Row(str(p.pk), p.title, values, {stage: reverse("project-detail", args=[p.pk]) for stage in values}))
    return Table("timeline", _("Schedule of the open projects (the most pressing first)"),
                 [(stage, str(label)) for stage, label in Stage.choices], rows)


SPREAD_COLUMNS = ("n", "low", "q1", "median", "q3", "high", "mean")


def _spread_columns(count_label):
    return [("n", count_label), ("low", _("Lowest")), ("q1", _("Lower quartile")), ("median", _("Median")),
            ("q3", _("Upper quartile")), ("high", _("Highest")), ("mean", _("Mean"))]


def _spread_values(spread):
    return {c: (getattr(spread, c) if spread else None) for c in SPREAD_COLUMNS}


def _panels(scope, links):
    result = selectors.panel_results(scope)
    criteria = Table("criteria", _("Scores per criterion"), _spread_columns(_("Scores")), [
        Row(str(c.pk), c.label, _spread_values(spread)) for c, spread in result["criteria"]])
    groups = Table("groups", _("Card totals (0–100) per rater group"), _spread_columns(_("Scorecards")), [
        Row(code, str(label), _spread_values(result["groups"].get(code))) for code, label in Group.choices
        if code in result["groups"]])
    session_columns = [("cuts", _("Cuts")), ("cards", _("Scorecards")), ("alpha", _("Agreement (Krippendorff's α)"))] + [
        (code, str(label)) for code, label in Verdict.choices]
    sessions = Table("sessions", _("Panel sessions"), session_columns, [
        Row(str(s.session_id), s.title, {"cuts": s.cuts, "cards": s.cards, "alpha": _r(s.alpha, 4),
                                         **{code: s.verdicts.get(code, 0) for code in Verdict.values}},
            {"cuts": links.projects(session=s.session_id)}) for s in result["sessions"]])
    verdicts = Table("verdicts", _("Confirmed verdicts"), [("films", _("Decisions"))], [
        Row(code, str(label), {"films": result["verdicts"][code]}, {"films": links.projects(verdict=code)})
        for code, label in Verdict.choices] + [
        Row("as_proposed", _("Confirmed as the rule proposed"), {"films": result["confirmed_as_proposed"]})])
    rounds = Table("rounds", _("Rectification rounds per film"), [("films", _("Films"))], [
        Row(str(n), _("%(n)s rounds") % {"n": n} if n != 1 else _("1 round"), {"films": films}, {"films": links.projects(rounds=n)})
        for n, films in result["rounds_histogram"].items()] + [
        Row("items", _("Rectification items in all"), {"films": sum(result["items"].values())})], project_columns=("films",))
    return Section("panels", _("Panels"), [criteria, groups, sessions, verdicts, rounds]), result


def _audience_row(row, link=None):
    a = row.audience
    return Row(str(row.key), row.label, {"online": a.online, "in_person": a.in_person, "total": a.total},
               {c: link for c in ("online", "in_person", "total")} if link else {})


def _audiences(scope):
    result = selectors.audiences(scope)
    totals = result["totals"]
    columns = [("online", _("Online")), ("in_person", _("In person")), ("total", _("In all"))]
    overall = Table("overall", _("Audience"), [("people", _("People"))], [
        Row("online", _("Online views (each viewer once per film and showing)"), {"people": totals.overall.online}),
        Row("in_person", _("In person (headcounts)"), {"people": totals.overall.in_person}),
        Row("total", _("In all"), {"people": totals.overall.total}),
        Row("viewers", _("Different online viewers"), {"people": result["viewers"]}),
    ])

    def film_link(row):
        return reverse("project-detail", args=[row.key])

    # One row per film shown that year: thousands in a city's year. The page lists the largest
    # audiences (the rows come largest first); the XLSX, the CSV and the API list every film.
    by_film = Table("by_film", _("Audience per film"), columns, [_audience_row(r, film_link(r)) for r in totals.by_film],
                    page_rows=FILMS_ON_PAGE)
    top = Table("top", _("Top films"), columns, [_audience_row(r, film_link(r)) for r in result["top"]])
    kind_link = reverse("screening-totals")
    by_kind = Table("by_kind", _("Audience per kind of event"), columns, [
        Row(str(r.key), str(Event.Kind(r.key).label), _audience_row(r).values, {"total": kind_link}) for r in totals.by_kind])
    by_month = Table("by_month", _("Audience per month"), columns + [("cumulative", _("Cumulative"))], [
        Row(r.label, r.label, {**_audience_row(r).values, "cumulative": r.extra["cumulative"]}) for r in totals.by_month])
    return Section("audiences", _("Audiences"), [overall, top, by_film, by_kind, by_month]), result


def _homogeneity(scope, links):
    result = selectors.homogeneity(scope)
    words = {
        "pitched": _("Topics pitched"), "flagged": _("Flagged as near-duplicates"), "approved": _("Flagged and approved"),
        "approved_with_reason": _("Flagged and approved with a written reason"), "waiting": _("Flagged, waiting for a decision"),
        "rejected": _("Flagged and rejected"),
    }
    rows = [Row(key, label, {"topics": result[key]}, {"topics": links.projects(**({"flag": key} if key != "pitched" else {}))})
            for key, label in words.items()]
    return Section("homogeneity", _("Homogeneity (避免同质化)"), [Table("topics", _("Topics"), [("topics", _("Topics"))], rows,
                                                                   project_columns=("topics",))]), result


def _summary(films, before, schedule, panels, audiences, homogeneity, previous_figures):
    """The year's headline figures, last year's beside them where there is a last year."""
    def figures(films, schedule, panels, audiences, homogeneity):
        t = audiences["totals"].overall if audiences else None
        return {
            "films": films["total"]["total"], "completed": films["total"]["completed"], "stopped": films["total"]["stopped"],
            "on_time": _r(schedule["rate"], 4) if schedule else None,
            "median_days_late": _r(schedule["median_days_late"]) if schedule else None,
            "cards": panels["cards"] if panels else None,
            "mean_total": panels["totals"].mean if panels and panels["totals"] else None,
            "passed": panels["verdicts"]["pass"] if panels else None,
            "audience": t.total if t else None, "online": t.online if t else None, "in_person": t.in_person if t else None,
            "flagged": homogeneity["flagged"] if homogeneity else None,
        }

    now = figures(films, schedule, panels, audiences, homogeneity)
    then = figures(before, *previous_figures) if before is not None else None
    words = {
        "films": _("Films"), "completed": _("Completed"), "stopped": _("Stopped (rejected or cancelled)"),
        "on_time": _("Milestones met on time"), "median_days_late": _("Median days late"), "cards": _("Scorecards"),
        "mean_total": _("Mean card total (0–100)"), "passed": _("Passed by the panel"), "audience": _("Audience"),
        "online": _("Online"), "in_person": _("In person"), "flagged": _("Pitches flagged as near-duplicates"),
    }
    columns = [("this", _("This year"))] + ([("previous", _("Previous year"))] if then is not None else [])
    rows = [Row(key, label, {"this": now[key], **({"previous": then[key]} if then is not None else {})}) for key, label in words.items()]
    table = Table("figures", _("The year at a glance"), columns, rows, percent_rows=("on_time",))
    return Section("summary", _("At a glance"), [table])


def annual_report(scope: Scope, *, sections=SECTIONS, drill=True, today: dt.date | None = None) -> Report:
    """The report for ``scope``, only the ``sections`` asked for (an organiser's is the audiences
    alone). ``drill``: whether figures link to the projects behind them (the office)."""
    today = today or timezone.localdate()
    links = _Links(scope, drill)
    previous = scope.previous()
    has_previous = previous is not None and previous.projects().exists()
    previous = previous if has_previous else None
    built, extra = {}, {}
    films = before = schedule = panels = audiences = homogeneity = None
    if "films" in sections or "summary" in sections:
        built["films"], films, before = _films(scope, links, previous)
    if "schedule" in sections or "summary" in sections:
        built["schedule"], schedule = _schedule(scope, links, today)
        extra["timeline"] = selectors.timeline(scope.projects())
        extra["calendar"] = calendar = WorkCalendar.load()
        built["schedule"].tables.append(timeline_table(extra["timeline"], today, calendar))
    if "panels" in sections or "summary" in sections:
        built["panels"], panels = _panels(scope, links)
        extra["panels"] = panels
    if "audiences" in sections or "summary" in sections:
        built["audiences"], audiences = _audiences(scope)
        extra["audiences"] = audiences
    if "homogeneity" in sections or "summary" in sections:
        built["homogeneity"], homogeneity = _homogeneity(scope, links)
    if "summary" in sections:
        previous_figures = ()
        if previous is not None:
            previous_figures = (selectors.on_time(previous, today), selectors.panel_results(previous),
                                selectors.audiences(previous), selectors.homogeneity(previous))
        built["summary"] = _summary(films, before, schedule, panels, audiences, homogeneity, previous_figures)
    call = TopicCall.objects.get(pk=scope.call_id) if scope.call_id is not None else None
    return Report(year=scope.year, call=call, today=today, sections=[built[k] for k in SECTIONS if k in sections],
                  has_previous=has_previous, extra=extra)


def as_data(report: Report) -> dict:
    """The API's answer: every table's numbers under stable keys (codes and ids, not words),
    each row with its label in the reader's language."""
    return {
        "year": report.year,
        "call": report.call.pk if report.call else None,
        "today": report.today.isoformat(),
        "has_previous": report.has_previous,
        "sections": {
            section.key: {
                "title": section.title,
                "tables": {
                    table.key: {
                        "title": table.title,
                        "columns": [{"key": k, "label": str(label)} for k, label in table.columns],
                        "rows": [{"key": row.key, "label": row.label, "values": row.values,
                                  "links": {k: v for k, v in row.links.items() if v}} for row in table.rows],
                    }
                    for table in section.tables
                },
            }
            for section in report.sections
        },
    }


def cells(report: Report):
    """(section, table, row, column, value) for every number of the report: what the CSV holds
    and what the tests compare page, API and XLSX by."""
    for section in report.sections:
        for table in section.tables:
            for row in table.rows:
                for column, _label in table.columns:
                    yield section.key, table.key, row.key, column, row.values.get(column)


__all__ = ["AUDIENCE_ONLY", "SECTIONS", "Report", "annual_report", "as_data", "cells"]
