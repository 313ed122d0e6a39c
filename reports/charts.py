"""The annual report's charts, drawn on the server as SVG in the way of ``screenings.charts``
(whose cumulative audience line is reused as it is): no script, nothing fetched, they print as
shown, and each stands above the table of the same figures, which is what screen readers and
anyone wanting the exact numbers read (the SVG's ``<desc>`` says so).

Why not ECharts: the report is mostly read printed or filed as A4, and SVG made here prints
sharp at any size with no script to run first; the labels are the reader's language from
gettext with no second set of strings in JavaScript; the numbers cannot differ from the tables'
because both come from the same ``Report``; and nothing needs fetching at set-up. What ECharts
would add — animation, zoom, hover — matters little for a yearly report of a few dozen bars.

Every drawing marks its series (``data-series`` on each mark, the count in ``data-series-count``
on the ``<svg>``) so a test can tell a chart drew what it should. Drawings:
:func:`stacked_bars` (horizontal, one bar per row, a segment per series: long Chinese names read
better beside a bar than under it), :func:`box_plots` (five-number spreads on a common scale) and
:func:`timeline` (each project's milestones against today, coloured by the traffic light).
"""

import dataclasses
import datetime as dt

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from projects import schedule
from reviews.models import Verdict
from screenings.charts import cumulative_lines, nice_ceiling

WIDTH = 640
LABEL_WIDTH = 190
BAR_HEIGHT, BAR_GAP = 18, 8
TOP, BOTTOM = 36, 28
LABEL_CHARS = 14
MAX_BARS = 20
FONT = 'font-family="system-ui, sans-serif" font-size="12"'
PALETTE = ["#2f6db5", "#d9822b", "#8c8c8c", "#3f9b5a", "#b8443c", "#7a5aa6"]
TRAFFIC = {schedule.DONE: "#9e9e9e", schedule.GREEN: "#3f9b5a", schedule.YELLOW: "#e0b020", schedule.RED: "#c0392b"}


def _short(label: str, chars: int = LABEL_CHARS) -> str:
    label = str(label)
    return label if len(label) <= chars else label[: chars - 1] + "…"


def _svg(chart_id: str, title: str, height: int, body, series: int) -> SafeString:
    desc = _("The same figures are in the table below.")
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{id}" viewBox="0 0 {w} {h}" width="100%" role="img" '
        'data-series-count="{n}" aria-labelledby="{id}-title {id}-desc" {font}><title id="{id}-title">{title}</title>'
        '<desc id="{id}-desc">{desc}</desc>{body}</svg>',
        id=chart_id, w=WIDTH, h=height, n=series, title=title, desc=desc, body=body, font=mark_safe(FONT),
    )


def _legend(series, y: int = 20) -> SafeString:
    x, parts = LABEL_WIDTH, []
    for _key, label, colour in series:
        parts.append(format_html('<g class="legend"><rect x="{}" y="{}" width="12" height="12" fill="{}"/>'
                                 '<text x="{}" y="{}">{}</text></g>', x, y - 10, colour, x + 16, y, label))
        x += 16 + 13 * len(str(label)) + 20
    return mark_safe("".join(parts))


def stacked_bars(table, series, *, chart_id: str, title: str) -> SafeString:
    """One bar per row of ``table`` (a ``reports.report.Table``), a segment per ``(column,
    label)`` in ``series``; the first ``MAX_BARS`` rows (the table lists them all)."""
    series = [(key, label, PALETTE[i % len(PALETTE)]) for i, (key, label) in enumerate(series)]
    rows = table.rows[:MAX_BARS]
    top = nice_ceiling(max((sum(r.values.get(k) or 0 for k, _l, _c in series) for r in rows), default=0))
    plot = WIDTH - LABEL_WIDTH - 60
    height = TOP + len(rows) * (BAR_HEIGHT + BAR_GAP) + BOTTOM
    bars = []
    for i, row in enumerate(rows):
        y = TOP + i * (BAR_HEIGHT + BAR_GAP)
        x, segments, parts = float(LABEL_WIDTH), [], []
        for key, label, colour in series:
            n = row.values.get(key) or 0
            w = round(plot * n / top, 1)
            segments.append(format_html('<rect data-series="{}" x="{}" y="{}" width="{}" height="{}" fill="{}"/>',
                                        key, round(x, 1), y, w, BAR_HEIGHT, colour))
            parts.append(f"{label} {n}")
            x += w
        total = sum(row.values.get(k) or 0 for k, _l, _c in series)
        bars.append(format_html(
            '<g class="bar"><title>{tip}</title><text x="{lx}" y="{ty}" text-anchor="end">{label}</text>{segs}'
            '<text x="{tx}" y="{ty}">{total}</text></g>',
            tip=f"{row.label}: " + ", ".join(parts), lx=LABEL_WIDTH - 8, ty=y + BAR_HEIGHT - 5, label=_short(row.label),
            segs=mark_safe("".join(segments)), tx=round(x, 1) + 6, total=total,
        ))
    axis = format_html('<line x1="{x}" y1="{y1}" x2="{x}" y2="{y2}" stroke="#999"/>'
                       '<text x="{x}" y="{ty}" fill="#666">0</text><text x="{xe}" y="{ty}" text-anchor="end" fill="#666">{top}</text>',
                       x=LABEL_WIDTH, y1=TOP - 4, y2=height - BOTTOM + 4, ty=height - 8, xe=LABEL_WIDTH + plot, top=top)
    legend = _legend(series) if len(series) > 1 else ""
    return _svg(chart_id, title, height, mark_safe(legend + axis + "".join(bars)), len(series))


def box_plots(rows, *, chart_id: str, title: str, low: float, high: float) -> SafeString:
    """One horizontal box per ``(label, Spread)`` on the scale ``low``–``high``: whiskers to the
    lowest and highest, the box between the quartiles, a line at the median, a dot at the mean."""
    rows = [(label, s) for label, s in rows if s is not None][:MAX_BARS]
    plot = WIDTH - LABEL_WIDTH - 40
    height = TOP + len(rows) * (BAR_HEIGHT + BAR_GAP) + BOTTOM
    span = (high - low) or 1

    def x(v):
        return round(LABEL_WIDTH + plot * (v - low) / span, 1)

    boxes = []
    for i, (label, s) in enumerate(rows):
        y = TOP + i * (BAR_HEIGHT + BAR_GAP)
        mid = y + BAR_HEIGHT / 2
        tip = _("%(label)s: %(n)s scores, lowest %(low)s, quartiles %(q1)s–%(q3)s, median %(median)s, highest %(high)s, mean %(mean)s") % {
            "label": label, "n": s.n, "low": s.low, "q1": s.q1, "q3": s.q3, "median": s.median, "high": s.high, "mean": s.mean}
        boxes.append(format_html(
            '<g class="box" data-series="spread"><title>{tip}</title><text x="{lx}" y="{ty}" text-anchor="end">{label}</text>'
            '<line x1="{xl}" y1="{mid}" x2="{xh}" y2="{mid}" stroke="#555"/>'
            '<line x1="{xl}" y1="{y}" x2="{xl}" y2="{yb}" stroke="#555"/><line x1="{xh}" y1="{y}" x2="{xh}" y2="{yb}" stroke="#555"/>'
            '<rect x="{x1}" y="{y}" width="{bw}" height="{h}" fill="#cfe0f3" stroke="#2f6db5"/>'
            '<line x1="{xm}" y1="{y}" x2="{xm}" y2="{yb}" stroke="#1d3f6e" stroke-width="2"/>'
            '<circle cx="{xa}" cy="{mid}" r="3" fill="#d9822b"/></g>',
            tip=tip, lx=LABEL_WIDTH - 8, ty=y + BAR_HEIGHT - 5, label=_short(label), xl=x(s.low), xh=x(s.high), mid=mid, y=y,
            yb=y + BAR_HEIGHT, x1=x(s.q1), bw=round(x(s.q3) - x(s.q1), 1), h=BAR_HEIGHT, xm=x(s.median), xa=x(s.mean),
        ))
    ticks = format_html_join("", '<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="#ddd"/>'
                                 '<text x="{0}" y="{3}" text-anchor="middle" fill="#666">{4}</text>',
                             ((x(v), TOP - 4, height - BOTTOM + 4, height - 8, f"{v:g}")
                              for v in (low, low + span / 4, low + span / 2, low + 3 * span / 4, high)))
    return _svg(chart_id, title, height, mark_safe(ticks + "".join(boxes)), 1)


def timeline(rows, *, today: dt.date, calendar, chart_id: str, title: str) -> SafeString:
    """A Gantt-like schedule: a row per project, a bar per milestone from its start to its due
    day, coloured by its traffic light (done grey, then green / yellow / red as
    ``projects.schedule.status_of`` says), and a line at today. ``rows`` are (project, its
    milestones in date order)."""
    rows = [(p, ms) for p, ms in rows if ms]
    days = [d for _p, ms in rows for m in ms for d in (m.starts_on, m.due_on)] + [today]
    first, last = min(days), max(days)
    span = max((last - first).days, 1)
    left, plot = LABEL_WIDTH, WIDTH - LABEL_WIDTH - 20
    height = TOP + len(rows) * (BAR_HEIGHT + BAR_GAP) + BOTTOM

    def x(day):
        return round(left + plot * (day - first).days / span, 1)

    seen, marks = set(), []
    for i, (project, milestones) in enumerate(rows):
        y = TOP + i * (BAR_HEIGHT + BAR_GAP)
        bars = []
        for m in milestones:
            status = schedule.status_of(due_on=m.due_on, done_on=m.done_on, warn_days=m.warn_days, today=today, calendar=calendar)
            seen.add(status)
            tip = _("%(project)s · %(stage)s: %(start)s – %(due)s (%(status)s)") % {
                "project": project.title, "stage": m.get_stage_display(), "start": m.starts_on.isoformat(),
                "due": m.due_on.isoformat(), "status": schedule.WORDS[status]}
            bars.append(format_html(
                '<rect data-series="{s}" x="{x}" y="{y}" width="{w}" height="{h}" fill="{c}" stroke="#fff"><title>{tip}</title></rect>',
                s=status, x=x(m.starts_on), y=y, w=max(round(x(m.due_on) - x(m.starts_on), 1), 2), h=BAR_HEIGHT,
                c=TRAFFIC[status], tip=tip))
        marks.append(format_html('<g class="project"><text x="{}" y="{}" text-anchor="end">{}</text>{}</g>',
                                 left - 8, y + BAR_HEIGHT - 5, _short(project.title), mark_safe("".join(bars))))
    months, day = [], dt.date(first.year, first.month, 1)
    while day <= last:
        if day >= first:
            months.append(day)
        day = dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    every = max(1, -(-len(months) // 6))
    ticks = format_html_join("", '<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="#eee"/>'
                                 '<text x="{0}" y="{3}" text-anchor="middle" fill="#666">{4}</text>',
                             ((x(d), TOP - 4, height - BOTTOM + 4, height - 8, d.strftime("%Y-%m")) for d in months[::every]))
    now = format_html('<g class="today"><line x1="{x}" y1="{y1}" x2="{x}" y2="{y2}" stroke="#1d3f6e" stroke-dasharray="4 3"/>'
                      '<text x="{x}" y="{ty}" text-anchor="middle" fill="#1d3f6e">{label}</text></g>',
                      x=x(today), y1=TOP - 14, y2=height - BOTTOM + 4, ty=TOP - 18, label=_("today"))
    order = [s for s in (schedule.DONE, schedule.GREEN, schedule.YELLOW, schedule.RED) if s in seen]
    legend = _legend([(s, schedule.WORDS[s], TRAFFIC[s]) for s in order], y=14)
    return _svg(chart_id, title, height + 10, mark_safe(legend + ticks + "".join(marks) + now), len(order))


def _with_milestones(projects):
    """``reports.selectors.timeline``'s projects as ``timeline``'s rows (milestones prefetched)."""
    return [(p, list(p.milestones.all())) for p in projects]


def dashboard_timeline(projects, *, today, calendar) -> SafeString:
    """The dashboard's timeline of the reader's open projects (``reports.selectors.timeline``)."""
    return timeline(_with_milestones(projects), today=today, calendar=calendar,
                    chart_id="chart-dashboard-timeline", title=_("Schedule of the open projects")) if projects else ""


def project_timeline(project, milestones, *, today, calendar) -> SafeString:
    """One project's milestones as a timeline, for its page."""
    return timeline([(project, milestones)], today=today, calendar=calendar, chart_id="chart-project-timeline",
                    title=_("Schedule as a timeline"))


def _table(report, section, key):
    s = report.section(section)
    return next((t for t in s.tables if t.key == key), None) if s else None


def report_charts(report) -> dict[str, SafeString]:
    """The report's charts by the table each draws (``section.table``): none for an empty table."""
    charts = {}

    def bars(section, key, series, title, only=None):
        table = _table(report, section, key)
        if table is not None and only is not None:
            table = dataclasses.replace(table, rows=[r for r in table.rows if r.key in only])
        if table is not None and any(any(r.values.get(k) for k, _l in series) for r in table.rows):
            charts[f"{section}.{key}"] = stacked_bars(table, series, chart_id=f"chart-{section}-{key}", title=title)

    groups = [("in_progress", _("In progress")), ("completed", _("Completed")), ("stopped", _("Stopped"))]
    bars("films", "genre", groups, _("Films by genre"))
    bars("films", "track", groups, _("Films by track"))
    bars("films", "unit", groups, _("Films by unit"))
    bars("schedule", "stages", [("met", _("Met on time")), ("late", _("Done late")), ("overdue", _("Overdue"))],
         _("Milestones per stage"))
    bars("panels", "verdicts", [("films", _("Decisions"))], _("Confirmed verdicts"), only=Verdict.values)
    bars("homogeneity", "topics", [("topics", _("Topics"))], _("Homogeneity check"))
    audience = [("online", _("Online")), ("in_person", _("In person"))]
    bars("audiences", "top", audience, _("Top films by audience"))
    bars("audiences", "by_kind", audience, _("Audience per kind of event"))
    panels = report.extra.get("panels")
    if panels:
        criteria = [(c.label, s) for c, s in panels["criteria"] if s]
        if criteria:
            high = max(c.max_score for c, s in panels["criteria"] if s)
            charts["panels.criteria"] = box_plots(criteria, chart_id="chart-panels-criteria", title=_("Scores per criterion"),
                                                  low=0, high=high)
        table = _table(report, "panels", "groups")
        if table is not None and table.rows:
            charts["panels.groups"] = box_plots([(r.label, panels["groups"][r.key]) for r in table.rows], chart_id="chart-panels-groups",
                                                title=_("Card totals per rater group"), low=0, high=100)
    audiences = report.extra.get("audiences")
    if audiences and audiences["totals"].by_month:
        charts["audiences.by_month"] = cumulative_lines(audiences["totals"].by_month, chart_id="chart-audiences-by_month",
                                                        title=_("Cumulative audience by month"))
    timeline_projects = report.extra.get("timeline")
    if timeline_projects:
        charts["schedule.timeline"] = timeline(_with_milestones(timeline_projects), today=report.today, calendar=report.extra["calendar"],
                                               chart_id="chart-schedule-timeline", title=_("Schedule of the open projects"))
    return charts
