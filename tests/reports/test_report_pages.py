"""The report's page, API, XLSX and CSV agree on every number (one function feeds them all);
every figure that counts projects links to a list of exactly that many; who reads what; bad
input refused with a message and nothing changed."""

import csv
import io
import json
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from reports.report import annual_report, cells
from reports.selectors import Scope
from tests.support import reports as data
from tests.support.factories import make_user


@pytest.fixture
def world(reference_data):
    return data.build()


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


class Cells(HTMLParser):
    """data-cell → data-value of every figure on the page, the links, and the charts drawn."""

    def __init__(self):
        super().__init__()
        self.values, self.links, self.charts, self._cell = {}, {}, [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "data-cell" in attrs:
            self._cell = attrs["data-cell"]
            self.values[self._cell] = json.loads(attrs["data-value"])
        elif tag == "a" and self._cell:
            self.links[self._cell] = attrs["href"]
        if tag == "svg":
            self.charts.append(attrs.get("id"))

    def handle_endtag(self, tag):
        if tag == "td":
            self._cell = None


def page_cells(client, url):
    response = client.get(url)
    assert response.status_code == 200
    parser = Cells()
    parser.feed(response.content.decode())
    return parser


def api_cells(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content
    out = {}
    for skey, section in response.json()["sections"].items():
        for tkey, table in section["tables"].items():
            for row in table["rows"]:
                for column in table["columns"]:
                    out[f"{skey}.{tkey}.{row['key']}.{column['key']}"] = row["values"].get(column["key"])
    return out, response.json()


def xlsx_cells(client, url, api):
    """Read the workbook back by its layout: a sheet per section, each table's title, its header,
    then a row per report row (label first) until a blank line."""
    response = client.get(url)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    out = {}
    sections = list(api["sections"].items())
    assert [s.title for s in book.worksheets] == [section["title"][:31] for _k, section in sections]
    for sheet, (skey, section) in zip(book.worksheets, sections):
        lines = [list(r) for r in sheet.iter_rows(values_only=True)]
        at = 0
        for tkey, table in section["tables"].items():
            while lines[at][0] != table["title"]:
                at += 1
            header = lines[at + 1][1:]
            assert list(header[: len(table["columns"])]) == [c["label"] for c in table["columns"]]
            for offset, row in enumerate(table["rows"], start=2):
                line = lines[at + offset]
                assert line[0] == row["label"]
                for i, column in enumerate(table["columns"], start=1):
                    out[f"{skey}.{tkey}.{row['key']}.{column['key']}"] = line[i]
            at += 2 + len(table["rows"])
    return out


@pytest.mark.parametrize("query", ["", "call"])
def test_page_api_xlsx_and_csv_agree_on_every_number(world, query):
    client = signed_in(world.office)
    suffix = f"?call={world.calls['c24'].pk}" if query else ""
    api, answer = api_cells(client, reverse("api-report", args=[2024]) + suffix)
    page = page_cells(client, reverse("report", args=[2024]) + suffix)
    xlsx = xlsx_cells(client, reverse("report-export", args=[2024, "xlsx"]) + suffix, answer)
    assert len(api) > 150
    assert page.values == api
    assert xlsx == api
    response = client.get(reverse("report-export", args=[2024, "csv"]) + suffix)
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))[1:]
    from_csv = {}
    sections = [(sk, tk) for sk, s in answer["sections"].items() for tk in s["tables"]]
    by_title = {(answer["sections"][sk]["title"], answer["sections"][sk]["tables"][tk]["title"]): (sk, tk) for sk, tk in sections}
    for section_title, table_title, _label, row_key, _column, column_key, value in lines:
        sk, tk = by_title[(section_title, table_title)]
        from_csv[f"{sk}.{tk}.{row_key}.{column_key}"] = value
    assert from_csv == {key: "" if v is None else str(v) for key, v in api.items()}


def test_the_numbers_are_the_selectors_worked_out_by_hand(world):
    """A few of the hand-worked figures, as the page shows them (the rest of the way is the
    agreement test above)."""
    page = page_cells(signed_in(world.office), reverse("report", args=[2024]))
    v = page.values
    assert v["films.genre.exemplary.total"] == 4 and v["films.genre.exemplary.previous"] == 1
    assert v["summary.figures.audience.this"] == 155 and v["summary.figures.audience.previous"] == 32
    assert v["summary.figures.flagged.this"] == 4 and v["summary.figures.films.previous"] == 1
    assert v["panels.sessions.%d.alpha" % world.s1.pk] == round(28 / 41, 4)
    assert v["audiences.overall.viewers.people"] == 2
    assert v["homogeneity.topics.approved_with_reason.topics"] == 1


def test_every_figure_that_counts_projects_links_to_that_many(world):
    client = signed_in(world.office)
    report = annual_report(Scope(2024))
    checked = 0
    for section in report.sections:
        for table in section.tables:
            for row in table.rows:
                for column in table.project_columns:
                    link = row.links.get(column)
                    if not link:
                        continue
                    response = client.get(link)
                    assert response.status_code == 200, link
                    count = int(response.content.decode().split('data-count="')[1].split('"')[0])
                    assert count == row.values[column], f"{section.key}.{table.key}.{row.key}.{column}: {link}"
                    checked += 1
    assert checked > 60


def test_an_organiser_reads_only_the_audiences(world):
    client = signed_in(world.organiser)
    page = page_cells(client, reverse("report", args=[2024]))
    assert {key.split(".")[0] for key in page.values} == {"audiences"}
    assert not any("/reports/" in link for link in page.links.values())  # no list of projects behind a figure
    _api, answer = api_cells(client, reverse("api-report", args=[2024]))
    assert list(answer["sections"]) == ["audiences"]
    book = load_workbook(io.BytesIO(client.get(reverse("report-export", args=[2024, "xlsx"])).content))
    assert len(book.worksheets) == 1
    assert client.get(reverse("report-projects", args=[2024]) + "?genre=exemplary").status_code == 403


@pytest.mark.parametrize("role", ["producer", "panelist", None])
def test_others_find_no_report(world, role):
    user = make_user(f"r_{role}", *([role] if role else []))
    client = signed_in(user)
    for url in (reverse("report-home"), reverse("report", args=[2024]), reverse("report-projects", args=[2024]),
                reverse("report-export", args=[2024, "xlsx"]), reverse("api-report", args=[2024])):
        assert client.get(url).status_code == 404, url


def test_anonymous_callers_are_sent_to_sign_in(world):
    client = Client()
    assert client.get(reverse("report", args=[2024])).status_code == 302
    assert client.get(reverse("api-report", args=[2024])).status_code == 401


def test_the_home_page_opens_this_years_report(world):
    response = signed_in(world.office).get(reverse("report-home"))
    assert response.status_code == 302 and response["Location"].startswith("/reports/20")


def test_an_empty_year_shows_empty_tables(world):
    page = page_cells(signed_in(world.office), reverse("report", args=[2022]))
    assert page.values["summary.figures.films.this"] == 0
    assert page.values["schedule.stages.script.rate"] is None
    assert page.charts == []  # nothing to draw


@pytest.mark.parametrize("url, status", [
    ("/reports/2024/?call=abc", 404), ("/reports/2024/?call=999999", 404), ("/reports/1999/", 404),
    ("/reports/2024/export.pdf", 404), ("/api/reports/2024/?call=abc", 404),
    ("/reports/2024/projects/?state=flying", 400), ("/reports/2024/projects/?stage=script&milestone=soon", 400),
    ("/reports/2024/projects/?rounds=x", 400), ("/reports/2024/projects/?session=1;drop", 400),
])
def test_bad_input_is_refused_with_a_message(world, url, status):
    client = signed_in(world.office)
    with translation.override("zh-hans"):
        before = list(cells(annual_report(Scope(2024))))
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == status
    if status == 400:
        assert "Unknown value" in response.content.decode() or "未知" in response.content.decode()
    with translation.override("zh-hans"):
        assert list(cells(annual_report(Scope(2024)))) == before


def test_a_call_of_another_year_is_not_found(world):
    client = signed_in(world.office)
    assert client.get(reverse("report", args=[2024]) + f"?call={world.calls['c23'].pk}").status_code == 404


def test_the_print_view_carries_the_office_the_year_and_page_numbers(world, settings):
    settings.REELWORK_OFFICE_NAME = "五华区委组织部电教中心"
    body = signed_in(world.office).get(reverse("report", args=[2024])).content.decode()
    assert "size: A4" in open("reports/static/reports/report.css", encoding="utf-8").read()
    assert "counter(page)" in open("reports/static/reports/report.css", encoding="utf-8").read()
    escaped = "".join(f"\\{ord(ch):06x}" for ch in "五华区委组织部电教中心")
    assert f'@top-left {{ content: "{escaped}"' in body
    assert "2024" in body.split("@top-right")[1].split(";")[0]
    assert "五华区委组织部电教中心" in body


def test_the_exports_name_their_files(world):
    client = signed_in(world.office)
    response = client.get(reverse("report-export", args=[2024, "csv"]) + f"?call={world.calls['c24'].pk}")
    assert response["Content-Disposition"] == f'attachment; filename="reelwork-report-2024-call-{world.calls["c24"].pk}.csv"'
    assert response.content.startswith("\ufeff".encode())


def test_cells_cover_every_table(world):
    report = annual_report(Scope(2024))
    assert {(s, t) for s, t, *_ in cells(report)} >= {("films", "genre"), ("schedule", "stages"), ("panels", "criteria"),
                                                      ("audiences", "by_month"), ("homogeneity", "topics"), ("summary", "figures")}


def test_the_project_page_draws_its_own_milestones_as_a_timeline_reading_them_once(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from projects.models import Milestone

    client = signed_in(world.office)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("project-detail", args=[world.p["P2"].pk])).content.decode()
    chart = page[page.index('id="project-timeline"'):page.index("</figure>", page.index('id="project-timeline"'))]
    assert chart.count("<rect data-series=") == 4  # P2's four milestones, one bar each
    milestone_table = Milestone._meta.db_table
    assert len([q for q in queries.captured_queries if f'FROM "{milestone_table}"' in q["sql"]]) == 1
    cancelled = client.get(reverse("project-detail", args=[world.p["P3"].pk])).content.decode()
    assert 'id="project-timeline"' not in cancelled  # a closed project has no traffic light, so no timeline


def test_the_page_lists_the_largest_audiences_per_film_and_the_exports_every_film(world, monkeypatch, settings):
    from reports import report

    client = signed_in(world.office)
    api, answer = api_cells(client, reverse("api-report", args=[2024]))
    films = answer["sections"]["audiences"]["tables"]["by_film"]["rows"]
    assert len(films) >= 2
    monkeypatch.setattr(report, "FILMS_ON_PAGE", 1)  # the page's cap, brought below this year's films
    response = client.get(reverse("report", args=[2024]))
    parser = Cells()
    parser.feed(body := response.content.decode())
    shown = {key for key in parser.values if key.startswith("audiences.by_film.")}
    assert {key.split(".")[2] for key in shown} == {films[0]["key"]}  # the largest audience first
    assert films[0]["values"]["total"] >= max(f["values"]["total"] for f in films)
    assert f'data-hidden-rows="{len(films) - 1}"' in body
    more = len(films) - 1
    assert f"此处列出前 1 行，其余 {more} 行见 XLSX、CSV 导出和 API。" in body  # the site's default language
    xlsx = xlsx_cells(client, reverse("report-export", args=[2024, "xlsx"]), answer)
    assert {key.split(".")[2] for key in xlsx if key.startswith("audiences.by_film.")} == {f["key"] for f in films}
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(reverse("report", args=[2024])).content.decode()
    assert f"The first 1 row is shown; {more} more are in the XLSX, the CSV and the API." in english
    # nor is the API
    assert len(client.get(reverse("api-report", args=[2024])).json()["sections"]["audiences"]["tables"]["by_film"]["rows"]) == len(films)
