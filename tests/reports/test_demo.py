"""The report's demo data (``reports.demo``, loaded by ``./run``): a year in which every chart of
the report has something to draw, and a previous year beside it."""

import datetime as dt

from reports import demo
from reports.charts import report_charts
from reports.report import annual_report
from reports.selectors import Scope
from tests.support.factories import make_user


def test_the_demo_year_fills_every_chart(reference_data, office, organiser, producer_a, producer_b, unit_a, unit_b):
    users = {"office": office, "organiser": organiser,
             **{name: make_user(name, "panelist") for name in ("panelist", "panelist_b", "panelist_c")}}
    today = dt.date(2026, 11, 20)
    demo.seed(users=users, producers={"huashan": producer_a, "huguo": producer_b}, today=today)
    report = annual_report(Scope(2026), today=today)
    charts = report_charts(report)
    assert set(charts) == {"films.genre", "films.track", "films.unit", "schedule.stages", "schedule.timeline", "panels.criteria",
                           "panels.groups", "panels.verdicts", "homogeneity.topics", "audiences.top", "audiences.by_kind",
                           "audiences.by_month"}
    figures = {row.key: row.values for row in report.section("summary").tables[0].rows}
    assert report.has_previous and figures["films"] == {"this": 26, "previous": 10}
    assert figures["audience"]["this"] > 1000 and figures["audience"]["previous"] > 500
    months = [row.key for row in next(t for t in report.section("audiences").tables if t.key == "by_month").rows]
    assert months[0] == "2026-01" and months[-1] == "2026-11"  # a showing every month of the year so far
    stages = {row.key: row.values for row in next(t for t in report.section("schedule").tables if t.key == "stages").rows}
    assert all(stages[s]["met"] and stages[s]["late"] for s in ("script", "storyboard", "production"))
