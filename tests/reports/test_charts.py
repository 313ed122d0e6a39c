"""The report's charts as drawn on the server: each chart of the fixed year has the series it
should, its bars and boxes stand for the table's numbers, and the dashboard shows the reader's
own open projects on the timeline (another unit's are not on it)."""

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.test import Client
from django.urls import reverse

from projects.models import State
from reports import charts
from reports.report import annual_report
from reports.selectors import Scope, Spread
from tests.support import reports as data

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def world(reference_data):
    return data.build()


def series_of(svg) -> set:
    root = ET.fromstring(str(svg))
    return {el.get("data-series") for el in root.iter() if el.get("data-series")}


def test_each_chart_of_the_year_draws_its_series(world):
    report = annual_report(Scope(2024), today=data.TODAY)
    drawn = charts.report_charts(report)
    expected = {
        "films.genre": {"in_progress", "completed", "stopped"}, "films.track": {"in_progress", "completed", "stopped"},
        "films.unit": {"in_progress", "completed", "stopped"}, "schedule.stages": {"met", "late", "overdue"},
        "panels.verdicts": {"films"}, "homogeneity.topics": {"topics"}, "audiences.top": {"online", "in_person"},
        "audiences.by_kind": {"online", "in_person"}, "panels.criteria": {"spread"}, "panels.groups": {"spread"},
        "audiences.by_month": {"online", "in_person", "total"}, "schedule.timeline": {"done", "red", "green"},
    }
    assert {key: series_of(svg) for key, svg in drawn.items()} == expected
    for key, svg in drawn.items():
        root = ET.fromstring(str(svg))
        assert root.find(f"{SVG}title").text and root.find(f"{SVG}desc").text, key
        if root.get("data-series-count"):
            assert int(root.get("data-series-count")) == len(expected[key]), key


def test_a_bar_is_as_long_as_its_figures(world):
    report = annual_report(Scope(2024), today=data.TODAY)
    root = ET.fromstring(str(charts.report_charts(report)["films.genre"]))
    bars = root.findall(f".//{SVG}g[@class='bar']")
    widths = [{r.get("data-series"): float(r.get("width")) for r in bar.findall(f"{SVG}rect")} for bar in bars]
    # exemplary: 1 in progress, 2 completed, 1 stopped on an axis of 5 over 390 px
    assert widths[0] == {"in_progress": 78.0, "completed": 156.0, "stopped": 78.0}


def test_a_box_spans_the_quartiles():
    svg = charts.box_plots([("主题", Spread(5, 4, 6, 6, 8, 10, 6.8))], chart_id="c", title="t", low=0, high=10)
    rect = ET.fromstring(str(svg)).find(f".//{SVG}rect")
    # 410 px of plot from x = 190: the quartiles 6 and 8 at 436 and 518
    assert (float(rect.get("x")), float(rect.get("width"))) == (436.0, 82.0)


def test_the_timeline_colours_each_milestone_by_its_light(world):
    report = annual_report(Scope(2024), today=data.TODAY)
    root = ET.fromstring(str(charts.report_charts(report)["schedule.timeline"]))
    # P2 is the one open project with a schedule: script and storyboard done, production
    # overdue on 06-21, panel review due 07-01 with more slack than its 3 days
    assert [r.get("data-series") for r in root.iter(f"{SVG}rect") if r.get("data-series")] == ["done", "done", "red", "green"]


def test_the_dashboard_shows_the_readers_own_open_projects_on_the_timeline(make_project, producer_a, producer_b, office):
    mine = make_project(State.SCRIPT, title="本单位在拍的片子", deadline=dt.date.today() + dt.timedelta(days=90))
    for user, sees in ((producer_a, True), (producer_b, False), (office, True)):
        client = Client()
        client.force_login(user)
        body = client.get(reverse("dashboard")).content.decode()
        assert ("本单位在拍的片子" in body) == sees, user
        if sees:
            assert 'id="chart-dashboard-timeline"' in body
    assert mine.milestones.count() == 4


def test_the_project_page_draws_its_milestones_on_a_timeline_while_it_is_open(make_project, producer_a, office):
    from projects import services

    project = make_project(State.SCRIPT, title="在拍的片子", deadline=dt.date.today() + dt.timedelta(days=90))
    client = Client()
    client.force_login(producer_a)
    body = client.get(reverse("project-detail", args=[project.pk])).content.decode()
    svg = body[body.index('<svg', body.index('id="project-timeline"')):body.index('</svg>', body.index('id="project-timeline"')) + 6]
    bars = [r for r in ET.fromstring(svg).iter(f"{SVG}rect") if r.get("data-series")]
    assert len(bars) == project.milestones.count() == 4
    # Closed, it keeps its table of milestones but has no traffic lights, so no timeline.
    services.project_fire(project=project, user=office, name="cancel", reason="经费调整")
    body = client.get(reverse("project-detail", args=[project.pk])).content.decode()
    assert 'id="project-timeline"' not in body and 'id="schedule"' in body
