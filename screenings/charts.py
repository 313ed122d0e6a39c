"""Audience charts drawn on the server as SVG: no script, nothing fetched, they print as they
show. Every chart stands above the table of the same figures (the totals page's tables), which is
what screen readers and anyone who wants the exact numbers read: the SVG says so in its
``<desc>``, and carries the figures of each bar or point in a ``<title>`` for a pointer's tooltip.

Two drawings: :func:`stacked_bars` (one horizontal bar per row, online and in person stacked:
long Chinese film titles read better beside a bar than under it) and :func:`cumulative_lines`
(audience summed month by month: online, in person and in all). Labels are escaped here, once;
the words come from gettext.
"""

import math

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

WIDTH = 640
LABEL_WIDTH = 190
BAR_HEIGHT, BAR_GAP = 18, 8
TOP, BOTTOM = 36, 28
LABEL_CHARS = 14
MAX_BARS = 20
COLOURS = {"online": "#2f6db5", "in_person": "#d9822b", "total": "#3a3a3a"}
FONT = 'font-family="system-ui, sans-serif" font-size="12"'


def nice_ceiling(value: int) -> int:
    """The axis' end: the smallest 1, 2 or 5 × 10ⁿ at or above ``value`` (1 for nothing)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def _svg(chart_id: str, title: str, height: int, body) -> SafeString:
    desc = _("The same figures are in the table below.")
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{id}" viewBox="0 0 {w} {h}" width="100%" role="img" '
        'aria-labelledby="{id}-title {id}-desc" {font}><title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>{body}</svg>',
        id=chart_id, w=WIDTH, h=height, title=title, desc=desc, body=body, font=mark_safe(FONT),
    )


def _legend(series, y: int) -> SafeString:
    x = LABEL_WIDTH
    parts = []
    for key, label in series:
        parts.append(format_html('<g class="legend"><rect x="{}" y="{}" width="12" height="12" fill="{}"/>'
                                 '<text x="{}" y="{}">{}</text></g>', x, y - 10, COLOURS[key], x + 16, y, label))
        x += 16 + 14 * len(label) + 24
    return mark_safe("".join(parts))


def _series_labels():
    return [("online", _("Online")), ("in_person", _("In person"))]


def stacked_bars(rows, *, chart_id: str, title: str) -> SafeString:
    """One bar per row (``totals.Row``), online then in person; the first ``MAX_BARS`` rows (the
    table below lists them all)."""
    rows = list(rows)[:MAX_BARS]
    top = nice_ceiling(max((r.audience.total for r in rows), default=0))
    plot = WIDTH - LABEL_WIDTH - 60
    height = TOP + len(rows) * (BAR_HEIGHT + BAR_GAP) + BOTTOM

    def scaled(n):
        return round(plot * n / top, 1)

    bars = []
    for i, row in enumerate(rows):
        y = TOP + i * (BAR_HEIGHT + BAR_GAP)
        a = row.audience
        tip = _("%(label)s: %(online)s online, %(in_person)s in person, %(total)s in all") % {
            "label": row.label, "online": a.online, "in_person": a.in_person, "total": a.total}
        bars.append(format_html(
            '<g class="bar"><title>{tip}</title>'
            '<text x="{lx}" y="{ty}" text-anchor="end">{label}</text>'
            '<rect class="online" x="{x}" y="{y}" width="{wo}" height="{h}" fill="{co}"/>'
            '<rect class="in-person" x="{x2}" y="{y}" width="{wi}" height="{h}" fill="{ci}"/>'
            '<text x="{tx}" y="{ty}">{total}</text></g>',
            tip=tip, lx=LABEL_WIDTH - 8, ty=y + BAR_HEIGHT - 5, label=_short(row.label), x=LABEL_WIDTH, y=y,
            wo=scaled(a.online), h=BAR_HEIGHT, co=COLOURS["online"], x2=LABEL_WIDTH + scaled(a.online),
            wi=scaled(a.in_person), ci=COLOURS["in_person"], tx=LABEL_WIDTH + scaled(a.total) + 6, total=a.total,
        ))
    axis = format_html('<line x1="{x}" y1="{y1}" x2="{x}" y2="{y2}" stroke="#999"/>'
                       '<text x="{x}" y="{ty}" fill="#666">0</text><text x="{xe}" y="{ty}" text-anchor="end" fill="#666">{top}</text>',
                       x=LABEL_WIDTH, y1=TOP - 4, y2=height - BOTTOM + 4, ty=height - 8, xe=LABEL_WIDTH + plot, top=top)
    body = mark_safe(_legend(_series_labels(), 20) + axis + "".join(bars))
    return _svg(chart_id, title, height, body)


def _months_between(first: tuple[int, int], last: tuple[int, int]):
    year, month = first
    while (year, month) <= last:
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def cumulative_lines(month_rows, *, chart_id: str, title: str) -> SafeString:
    """The audience up to the end of each month from the first counted to the last (months with
    nobody counted keep the line flat): online, in person and in all, one polyline each."""
    by_key = {row.key: row.audience for row in month_rows}
    months = list(_months_between(min(by_key), max(by_key))) if by_key else []
    running = {"online": 0, "in_person": 0, "total": 0}
    points = {key: [] for key in running}
    for key in months:
        a = by_key.get(key)
        if a is not None:
            running["online"] += a.online
            running["in_person"] += a.in_person
            running["total"] += a.total
        for series in running:
            points[series].append(running[series])
    height = 260
    left, plot_w, plot_h = 60, WIDTH - 60 - 40, height - TOP - BOTTOM - 10
    top = nice_ceiling(running["total"])

    def xy(i, n):
        x = left + (plot_w * i / (len(months) - 1) if len(months) > 1 else plot_w / 2)
        return round(x, 1), round(TOP + plot_h - plot_h * n / top, 1)

    lines = []
    for series, label in (*_series_labels(), ("total", _("In all"))):
        coords = " ".join(f"{x},{y}" for x, y in (xy(i, n) for i, n in enumerate(points[series])))
        dots = format_html_join("", '<circle cx="{}" cy="{}" r="3" fill="{}"><title>{}</title></circle>',
                                ((*xy(i, n), COLOURS[series], f"{label} {months[i][0]}-{months[i][1]:02d}: {n}")
                                 for i, n in enumerate(points[series])))
        lines.append(format_html('<g class="series" data-series="{s}"><polyline points="{p}" fill="none" stroke="{c}" '
                                 'stroke-width="2"/>{dots}</g>', s=series, p=coords, c=COLOURS[series], dots=dots))
    every = max(1, math.ceil(len(months) / 6))
    ticks = format_html_join("", '<text x="{}" y="{}" text-anchor="middle" fill="#666">{}</text>',
                             ((xy(i, 0)[0], height - 8, f"{y}-{m:02d}") for i, (y, m) in enumerate(months) if i % every == 0))
    axis = format_html('<line x1="{l}" y1="{b}" x2="{r}" y2="{b}" stroke="#999"/><text x="{tx}" y="{b}" text-anchor="end" fill="#666">0</text>',
                       l=left, r=left + plot_w, b=TOP + plot_h, tx=left - 6)
    axis += format_html_join("", '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#ddd"/><text x="{}" y="{}" text-anchor="end" fill="#666">{}</text>',
                             ((left, y, left + plot_w, y, left - 6, y + 4, n) for n, y in
                              ((n, xy(0, n)[1]) for n in (top // 2, top) if n)))
    legend = _legend([*_series_labels(), ("total", _("In all"))], 20)
    return _svg(chart_id, title, height, mark_safe(legend + axis + ticks + "".join(lines)))


def totals_charts(totals) -> dict[str, SafeString]:
    """The totals page's charts, by the table each one draws (none for an empty table)."""
    charts = {}
    if totals.by_film:
        charts["by_film"] = stacked_bars(totals.by_film, chart_id="chart-by-film", title=_("Audience per film"))
    if any(row.audience.total for row in totals.by_kind):
        charts["by_kind"] = stacked_bars(totals.by_kind, chart_id="chart-by-kind", title=_("Audience per kind of event"))
    if totals.by_month:
        charts["by_month"] = cumulative_lines(totals.by_month, chart_id="chart-by-month", title=_("Cumulative audience by month"))
    return charts
