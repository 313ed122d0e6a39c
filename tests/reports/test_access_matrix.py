"""Role × endpoint matrix for the annual report (``reports/urls.py``, ``/api/reports/``).

Columns as in ``tests/support/matrix.py``. The office reads all of it; organisers the audiences
(and no list of the projects behind a figure: 403, they see the report but not that); everyone
else finds no report at all (404). Only GET: anything else is 405 (401 for an anonymous API
caller, asked to sign in first). No request changes anything.
"""

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from projects.models import State
from tests.support.matrix import cases, client_for, row

LOGIN, HOME = "login", "home"
YEAR = timezone.localdate().year

ENDPOINTS = {
    "report home": ("report-home", []),
    "report": ("report", [YEAR]),
    "report of a call": ("report", [YEAR]),
    "projects behind a figure": ("report-projects", [YEAR]),
    "XLSX": ("report-export", [YEAR, "xlsx"]),
    "CSV": ("report-export", [YEAR, "csv"]),
    "API": ("api-report", [YEAR]),
}
#                               office  own  other panel organiser anon
GET_EXPECTED = {
    "report home":              row(HOME, 404, 404, 404, HOME, LOGIN),
    "report":                   row(200, 404, 404, 404, 200, LOGIN),
    "report of a call":         row(200, 404, 404, 404, 200, LOGIN),
    "projects behind a figure": row(200, 404, 404, 404, 403, LOGIN),
    "XLSX":                     row(200, 404, 404, 404, 200, LOGIN),
    "CSV":                      row(200, 404, 404, 404, 200, LOGIN),
    "API":                      row(200, 404, 404, 404, 200, 401),
}
POST_EXPECTED = {name: row(405, 405, 405, 405, 405, 401 if name == "API" else 405) for name in ENDPOINTS}


@pytest.fixture
def ctx(make_project, call):
    make_project(State.PRODUCTION, title="在拍的片子")
    make_project(State.APPROVED, title="通过的片子")
    return call


def rows():
    return {m._meta.label: m.objects.count() for label in ("projects", "reviews", "screenings") for m in apps.get_app_config(label).get_models()}


def url_of(name, ctx):
    url_name, args = ENDPOINTS[name]
    url = reverse(url_name, args=args)
    return url + f"?call={ctx.pk}" if name == "report of a call" else url


def check(response, expected):
    if expected == LOGIN:
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    elif expected == HOME:
        assert response.status_code == 302 and response["Location"] == reverse("report", args=[YEAR])
    else:
        assert response.status_code == expected, response.content[:300]


@pytest.mark.parametrize("name, role", list(cases(GET_EXPECTED, {})))
def test_report_get_matrix(request, ctx, name, role):
    client = client_for(request, role)
    before = rows()
    check(client.get(url_of(name, ctx)), GET_EXPECTED[name][role])
    assert rows() == before


@pytest.mark.parametrize("name, role", list(cases(POST_EXPECTED, {})))
def test_report_post_matrix(request, ctx, name, role):
    client = client_for(request, role)
    before = rows()
    check(client.post(url_of(name, ctx), {}), POST_EXPECTED[name][role])
    assert rows() == before


def test_tables_cover_each_other():
    assert ENDPOINTS.keys() == GET_EXPECTED.keys() == POST_EXPECTED.keys()


def test_the_organisers_report_names_no_film_in_production(request, ctx):
    body = client_for(request, "organiser").get(url_of("report", ctx)).content.decode()
    assert "在拍的片子" not in body
