"""Cumulative audiences against numbers worked out by hand: online and in person apart and summed,
a viewer counted once per film and showing, a film in two events, per kind, genre, year and month;
and the totals page's charts of them (SVG, drawn by ``screenings.charts``)."""

import datetime as dt
import uuid
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from django.utils import timezone

from projects import services as project_services
from projects.models import Genre, State
from screenings import charts, services
from screenings.models import Event
from screenings.totals import Audience, Row, audience_totals

THIS_YEAR = timezone.localdate().year
Y1, Y2 = THIS_YEAR - 2, THIS_YEAR - 1


def local(year, month, day, hour=0):
    return timezone.make_aware(dt.datetime(year, month, day, hour))


@pytest.fixture
def micro_film(film2, office):
    """The second film, replanned as a micro film (微电影)."""
    project_services.project_plan(project=film2, user=office, genre=Genre.objects.get(code="micro_film"), track=film2.track,
                                  origin=film2.origin, deadline=film2.deadline)
    return film2


@pytest.fixture
def record(film, micro_film, organiser, hall, cinema, course_kinds):
    """Two cloud showings (years Y1 and Y2), a film week (Y2) and a course (Y1); see the test for the numbers."""
    f1, f2 = film, micro_film
    c1 = services.event_create(user=organiser, kind=Event.Kind.CLOUD, title="云展播一", platform="五华先锋",
                               starts_at=local(Y1, 6, 1), ends_at=local(Y1, 6, 3))
    c2 = services.event_create(user=organiser, kind=Event.Kind.CLOUD, title="云展播二", platform="学习强国",
                               starts_at=local(Y2, 6, 1), ends_at=local(Y2, 6, 3))
    week = services.event_create(user=organiser, kind=Event.Kind.FILM_WEEK, title="电影周", starts_at=local(Y2, 6, 10),
                                 ends_at=local(Y2, 6, 17))
    course = services.event_create(user=organiser, kind=Event.Kind.COURSE, title="党校培训", course_kind=course_kinds["party_school"],
                                   venue=hall, roster_size=40, starts_at=local(Y1, 8, 1, 9), ends_at=local(Y1, 8, 1, 12))
    for event, films in ((c1, [f1, f2]), (c2, [f1])):
        for f in films:
            services.slot_add(event=event, user=organiser, film=f)
    v1, v2 = uuid.uuid4(), uuid.uuid4()
    seen = local(Y1, 6, 2, 10)
    for viewer, f in ((v1, f1), (v1, f1), (v2, f1), (v1, f2)):  # v1 twice on f1: one view
        services.view_count(event=c1, film=f, viewer_id=viewer, at=seen)
    services.view_count(event=c2, film=f1, viewer_id=v1, at=local(Y2, 6, 2, 10))  # the same viewer, another showing
    big = services.slot_add(event=week, user=organiser, film=f1, venue=cinema, starts_at=local(Y2, 6, 12, 14), ends_at=local(Y2, 6, 12, 16))
    small = services.slot_add(event=week, user=organiser, film=f2, venue=hall, starts_at=local(Y2, 6, 12, 14), ends_at=local(Y2, 6, 12, 16))
    services.inperson_record(slot=big, user=organiser, headcount=90)
    services.inperson_record(slot=big, user=organiser, headcount=100)  # a correction: 100 counts, not 190
    services.inperson_record(slot=small, user=organiser, headcount=50)
    in_course = services.slot_add(event=course, user=organiser, film=f1)
    services.inperson_record(slot=in_course, user=organiser, headcount=30)
    return {"f1": f1, "f2": f2, "c1": c1, "c2": c2, "week": week, "course": course}


def table(rows):
    return {row.key: (row.audience.online, row.audience.in_person, row.audience.total) for row in rows}


def test_totals_add_up_as_worked_out_by_hand(record):
    totals = audience_totals()
    f1, f2 = record["f1"].pk, record["f2"].pk
    assert table(totals.by_film) == {f1: (3, 130, 133), f2: (1, 50, 51)}
    assert table(totals.by_event) == {
        record["c1"].pk: (3, 0, 3), record["c2"].pk: (1, 0, 1), record["week"].pk: (0, 150, 150), record["course"].pk: (0, 30, 30),
    }
    assert table(totals.by_kind) == {"cloud": (4, 0, 4), "course": (0, 30, 30), "film_week": (0, 150, 150)}
    assert table(totals.by_genre) == {"exemplary": (3, 130, 133), "micro_film": (1, 50, 51)}
    assert table(totals.by_year) == {Y1: (3, 30, 33), Y2: (1, 150, 151)}
    assert table(totals.by_month) == {(Y1, 6): (3, 0, 3), (Y1, 8): (0, 30, 30), (Y2, 6): (1, 150, 151)}
    assert [row.extra["cumulative"] for row in totals.by_month] == [3, 33, 184]
    assert (totals.overall.online, totals.overall.in_person, totals.overall.total) == (4, 180, 184)


def test_every_table_sums_to_the_overall_figure(record):
    totals = audience_totals()
    for rows in (totals.by_film, totals.by_event, totals.by_kind, totals.by_genre, totals.by_year, totals.by_month):
        assert sum(r.audience.total for r in rows) == totals.overall.total


def test_the_totals_cost_the_same_queries_however_many_views(record, django_assert_num_queries):
    with django_assert_num_queries(5):
        audience_totals()
    seen = local(Y1, 6, 2, 12)
    for _ in range(30):
        services.view_count(event=record["c1"], film=record["f1"], viewer_id=uuid.uuid4(), at=seen)
    with django_assert_num_queries(5):
        totals = audience_totals()
    assert totals.overall.online == 34


def test_a_programmed_film_nobody_has_watched_yet_shows_zero(film_week, film, cinema, organiser):
    from tests.support.screenings import at

    services.slot_add(event=film_week, user=organiser, film=film, venue=cinema, starts_at=at(1, "14:00"), ends_at=at(1, "16:00"))
    totals = audience_totals()
    assert table(totals.by_film) == {film.pk: (0, 0, 0)} and table(totals.by_genre) == {"exemplary": (0, 0, 0)}
    assert totals.by_year == [] and totals.overall.total == 0


# --- the charts ------------------------------------------------------------------------------------

SVG = "{http://www.w3.org/2000/svg}"


def _svgs(html: str) -> dict[str, ET.Element]:
    """The page's SVG charts by id, each parsed as XML (so each is well-formed)."""
    found = {}
    while (start := html.find("<svg")) != -1:
        end = html.index("</svg>", start) + len("</svg>")
        chart = ET.fromstring(html[start:end])
        found[chart.get("id")] = chart
        html = html[end:]
    return found


def test_the_totals_page_draws_each_chart_above_its_table(client, office, record):
    client.force_login(office)
    html = client.get(reverse("screening-totals"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    svgs = _svgs(html)
    assert set(svgs) == {"chart-by-film", "chart-by-kind", "chart-by-month"}
    by_film = svgs["chart-by-film"]
    bars = by_film.findall(f"{SVG}g[@class='bar']")
    assert len(bars) == 2  # one per film, online and in person stacked in each
    assert all(len(bar.findall(f"{SVG}rect")) == 2 for bar in bars)
    assert bars[0].findtext(f"{SVG}title") == "五华山下的初心故事：线上 3，现场 130，共 133"
    assert len(svgs["chart-by-kind"].findall(f"{SVG}g[@class='bar']")) == 3
    series = svgs["chart-by-month"].findall(f"{SVG}g[@class='series']")
    assert [s.get("data-series") for s in series] == ["online", "in_person", "total"]
    months = 13  # Y1-06 … Y2-06, the months nobody was counted in included
    assert all(len(s.findall(f"{SVG}circle")) == months for s in series)
    assert series[2].findall(f"{SVG}circle")[-1].findtext(f"{SVG}title").endswith(": 184")
    # Each chart comes before the table of its figures, which stays for screen readers and print.
    for chart, table_id in (("chart-by-film", "by-film"), ("chart-by-kind", "by-kind"), ("chart-by-month", "by-month")):
        assert html.index(f'id="{chart}"') < html.index(f'<table id="{table_id}"')
    assert "线上" in html and "累计" in html
    assert svgs["chart-by-film"].get("aria-labelledby") == "chart-by-film-title chart-by-film-desc"


def test_bars_are_as_long_as_their_figures():
    rows = [Row(1, "甲", Audience(online=30, in_person=50)), Row(2, "乙", Audience(online=10))]
    chart = ET.fromstring(str(charts.stacked_bars(rows, chart_id="c", title="t")))
    (a_online, a_person), (b_online, b_person) = [bar.findall(f"{SVG}rect") for bar in chart.findall(f"{SVG}g[@class='bar']")]
    full = float(a_online.get("width")) + float(a_person.get("width"))  # 80 of an axis of 100
    assert float(a_online.get("width")) / full == pytest.approx(30 / 80, abs=0.01)
    assert float(b_online.get("width")) / full == pytest.approx(10 / 80, abs=0.01) and float(b_person.get("width")) == 0


def test_chart_labels_are_escaped(client, office, organiser, cinema, make_project):
    title = '<script>alert("x")</script> & “片”'
    film = make_project(State.APPROVED, title=title)
    week = services.event_create(user=organiser, kind=Event.Kind.FILM_WEEK, title="上周的电影周",
                                 starts_at=local(THIS_YEAR - 1, 3, 1), ends_at=local(THIS_YEAR - 1, 3, 7))
    slot = services.slot_add(event=week, user=organiser, film=film, venue=cinema,
                             starts_at=local(THIS_YEAR - 1, 3, 2, 14), ends_at=local(THIS_YEAR - 1, 3, 2, 16))
    services.inperson_record(slot=slot, user=organiser, headcount=12)
    client.force_login(office)
    html = client.get(reverse("screening-totals")).content.decode()
    assert "<script>alert" not in html
    chart = _svgs(html)["chart-by-film"]
    (bar,) = chart.findall(f"{SVG}g[@class='bar']")
    assert bar.findtext(f"{SVG}title").startswith(title)  # read back as text: it was escaped in the markup


@pytest.mark.parametrize(("value", "ceiling"), [(0, 1), (1, 1), (3, 5), (130, 200), (184, 200), (1000, 1000), (1_000_001, 2_000_000)])
def test_the_axis_ends_at_a_round_number(value, ceiling):
    assert charts.nice_ceiling(value) == ceiling
