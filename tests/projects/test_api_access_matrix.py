"""Role × endpoint access matrix for the REST API (``projects/api/urls.py`` plus ``/api/schema/``).

Every row of ``EXPECTED`` is one request (endpoint, method, project state, body); every column is
one role. The numbers are the *intended* statuses:

* office sees and acts on everything;
* a producer sees only their own unit's projects (another unit's project answers 404, so ids
  don't leak) and works on its deliverables in the matching stage;
* a panelist sees no project yet (lists empty, details 404);
* an organiser sees approved / screening / archived projects and may start screening / archive;
* anonymous callers are refused with 401 and a ``WWW-Authenticate: Token`` challenge (token
  authentication is the first authenticator; see ``test_api_auth.py``).

The access rule, the same on pages: 404 when the user may not see the object at all; 403 with a
message when they see it but their role may not do this. By state or conditions 409, bad input 400. Every GET and every refusal
must leave the data exactly as it was; successful writes must have their effect.

Where the app disagrees with the intended rule, the single (row, role) case is in ``XFAIL`` with
the reason, and runs as ``xfail(strict=True)``.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable

import pytest
from django.urls import URLPattern, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from projects import services
from projects.api import urls as api_urls
from projects.models import ChecklistItem, Origin, State
from tests.support import matrix
from tests.support.factories import track
from tests.support.http import messages
from tests.support.matrix import ROLES, row, snapshot

# --- the expected statuses ------------------------------------------------------------------------
# key: "METHOD path-name [setup] what"                  office own  other panel organiser anon
EXPECTED = {
    # reads
    "GET calls/":                                     row(200, 200, 200, 200, 200, 401),
    "GET topics/":                                    row(200, 200, 200, 200, 200, 401),
    "GET topics/similar/?title=…":                    row(200, 200, 200, 403, 403, 401),
    "GET topics/similar/?title=…&call=":              row(200, 200, 200, 403, 403, 401),
    "GET topics/similar/?title=…&call= [closed_call]": row(200, 409, 409, 403, 403, 401),
    "GET topics/<pk>/ [topic]":                       row(200, 200, 404, 404, 404, 401),
    "GET topics/<pk>/ [approved]":                    row(200, 200, 404, 404, 200, 401),
    "GET projects/":                                  row(200, 200, 200, 200, 200, 401),
    "GET projects/<pk>/ [script]":                    row(200, 200, 404, 404, 404, 401),
    "GET projects/<pk>/ [approved]":                  row(200, 200, 404, 404, 200, 401),
    "GET transitions/ [script]":                      row(200, 200, 404, 404, 404, 401),
    "GET transitions/ [approved]":                    row(200, 200, 404, 404, 200, 401),
    "GET deliverables/ [script_draft]":               row(200, 200, 404, 404, 404, 401),
    "GET deliverables/<v>/ [script_draft]":           row(200, 200, 404, 404, 404, 401),
    "GET deliverables/<v>/ [approved]":               row(200, 200, 404, 404, 200, 401),
    "GET reviews/ [script_submitted]":                row(200, 200, 404, 404, 404, 401),
    "GET schedule/ [script]":                         row(200, 200, 404, 404, 404, 401),
    "GET timeline/ [script]":                         row(200, 200, 404, 404, 404, 401),
    "GET schema":                                     row(200, 200, 200, 200, 200, 401),
    # topics: pitch
    "POST topics/ unit A, project track":             row(201, 201, 403, 403, 403, 401),
    "POST topics/ unit A, mandatory track":           row(201, 403, 403, 403, 403, 401),
    "POST topics/ unit A, closed call":               row(201, 409, 403, 403, 403, 401),
    # plan
    "POST plan/ [topic]":                             row(200, 403, 404, 404, 404, 401),
    "POST plan/ [topic] bad origin":                  row(400, 403, 404, 404, 404, 401),
    "POST plan/ [script] change track":               row(409, 403, 404, 404, 404, 401),
    "POST plan/ [cancelled]":                         row(409, 403, 404, 404, 404, 401),
    # transitions: fire
    "POST transitions/ [topic_planned] approve":      row(200, 403, 404, 404, 404, 401),
    "POST transitions/ [topic] approve unplanned":    row(409, 403, 404, 404, 404, 401),
    "POST transitions/ [topic] reject + reason":      row(200, 403, 404, 404, 404, 401),
    "POST transitions/ [topic] reject, no reason":    row(400, 403, 404, 404, 404, 401),
    "POST transitions/ [script] cancel + reason":     row(200, 200, 404, 404, 404, 401),
    "POST transitions/ [script] cancel, no reason":   row(400, 400, 404, 404, 404, 401),
    "POST transitions/ [mandatory] cancel + reason":  row(200, 403, 404, 404, 404, 401),
    "POST transitions/ [approved] start_screening":   row(200, 403, 404, 404, 200, 401),
    "POST transitions/ [script] start_screening":     row(409, 409, 404, 404, 404, 401),
    "POST transitions/ [screening] archive":          row(200, 403, 404, 404, 200, 401),
    "POST transitions/ [archived] cancel + reason":   row(409, 409, 404, 404, 409, 401),
    "POST transitions/ [script_submitted] pass_script": row(409, 403, 404, 404, 404, 401),
    "POST transitions/ [script] unknown name":        row(400, 400, 404, 404, 404, 401),
    "POST transitions/ [script] empty body":          row(400, 400, 404, 404, 404, 401),
    # deliverables: write a version
    "POST deliverables/ [script] script v1":          row(201, 201, 404, 404, 404, 401),
    "POST deliverables/ [script] storyboard":         row(409, 409, 404, 404, 404, 401),
    "POST deliverables/ [script_draft] stale base":   row(409, 409, 404, 404, 404, 401),
    "POST deliverables/ [script_submitted] v2":       row(409, 409, 404, 404, 404, 401),
    "POST deliverables/ [script] empty script":       row(400, 400, 404, 404, 404, 401),
    "POST deliverables/ [script] no base_version":    row(400, 400, 404, 404, 404, 401),
    "POST deliverables/ [approved] script":           row(409, 409, 404, 404, 403, 401),
    "POST deliverables/ [approved] no base_version":  row(400, 400, 404, 404, 403, 401),
    # deliverables: submit the latest version
    "POST submit/ [script_draft] script":             row(200, 200, 404, 404, 404, 401),
    "POST submit/ [production_cut_draft] cut":        row(200, 200, 404, 404, 404, 401),
    "POST submit/ [script] nothing saved":            row(409, 409, 404, 404, 404, 401),
    "POST submit/ [script_submitted] again":          row(409, 409, 404, 404, 404, 401),
    "POST submit/ [script_draft] bad kind":           row(400, 400, 404, 404, 404, 401),
    "POST submit/ [approved] cut":                    row(409, 409, 404, 404, 403, 401),
    "POST submit/ [approved] bad kind":               row(400, 400, 404, 404, 403, 401),
    # reviews: sign a stage review
    "POST reviews/ [script_submitted] advance":       row(201, 403, 404, 404, 404, 401),
    "POST reviews/ [script_submitted] return":        row(201, 403, 404, 404, 404, 401),
    "POST reviews/ [script] nothing submitted":       row(409, 403, 404, 404, 404, 401),
    "POST reviews/ [script_submitted] no items":      row(400, 403, 404, 404, 404, 401),
    "POST reviews/ [script_submitted] item missing":  row(400, 403, 404, 404, 404, 401),
    "POST reviews/ [script_submitted] return, no comment": row(400, 403, 404, 404, 404, 401),
    "POST reviews/ [approved] advance":               row(409, 403, 404, 404, 403, 401),
}

# (row, role) -> why the app disagrees with the intended status above; empty while none does.
XFAIL: dict = {}


# --- how each row is requested ----------------------------------------------------------------------


def _deadline(days=150):
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def _checks(stage, passed=True, skip=0):
    items = list(ChecklistItem.objects.filter(stage=stage, active=True))
    return [{"item": item.pk, "passed": passed, "note": ""} for item in items[skip:]]


def _state(expected):
    def check(before, after, ctx):
        assert after["state"] == expected

    return check


def _more(key, n=1):
    def check(before, after, ctx):
        assert after[key] == before[key] + n

    return check


def _both(*checks):
    def check(before, after, ctx):
        for c in checks:
            c(before, after, ctx)

    return check


def _latest_status(status):
    def check(before, after, ctx):
        assert after["latest"][2] == status

    return check


def _planned(before, after, ctx):
    assert after["deadline"] == _deadline() and after["deadline"] != before["deadline"]
    assert after["milestones"], "planning must rebuild the schedule"


def _pitched(before, after, ctx):
    assert after["topics"] == before["topics"] + 1 and after["projects"] == before["projects"] + 1
    assert after["state"] == before["state"]


def _nothing(before, after, ctx):
    pass


@dataclass
class Req:
    method: str
    url: str  # URL name
    setup: str
    kwargs: Callable = lambda ctx: {"pk": ctx.project.pk}
    body: Callable = lambda ctx: {}
    on_success: Callable = _nothing  # checked when the answer is 2xx for a POST
    extra: dict = field(default_factory=dict)


PROJECT = lambda ctx: {"pk": ctx.project.pk}  # noqa: E731
NONE = lambda ctx: {}  # noqa: E731
TOPIC = lambda ctx: {"pk": ctx.project.topic_id}  # noqa: E731
VERSION = lambda ctx: {"pk": ctx.project.pk, "version_pk": ctx.version.pk}  # noqa: E731


def pitch(track):
    return lambda ctx: {
        "call": ctx.call.pk, "unit": "huashan", "title": "退役军人返乡创业带富一方", "logline": "一位老兵回到家乡。",
        "genre": "exemplary", "proposed_track": track,
    }


def plan(track="project", origin=Origin.SELF_SELECTED):
    return lambda ctx: {"genre": "exemplary", "track": track, "origin": origin, "deadline": _deadline()}


def fire(name, reason=""):
    return lambda ctx: {"name": name, "reason": reason}


def version(kind, base=0, script="开场：清晨的社区。", **extra):
    return lambda ctx: {"kind": kind, "base_version": base, "script": script, "narration": "", "note": "", **extra}


def review(decision, comment="请修改开场。", stage="script", skip=0):
    return lambda ctx: {"decision": decision, "comment": comment, "items": _checks(stage, skip=skip)}


REQUESTS = {
    "GET calls/": Req("GET", "api-calls", "topic", NONE),
    "GET topics/": Req("GET", "api-topics", "topic", NONE),
    "GET topics/similar/?title=…": Req("GET", "api-topic-similar", "topic", NONE, body=lambda ctx: {"title": "红色管家"}),
    "GET topics/similar/?title=…&call=": Req(
        "GET", "api-topic-similar", "topic", NONE, body=lambda ctx: {"title": "红色管家", "call": ctx.call.pk}
    ),
    "GET topics/similar/?title=…&call= [closed_call]": Req(
        "GET", "api-topic-similar", "closed_call", NONE, body=lambda ctx: {"title": "红色管家", "call": ctx.call.pk}
    ),
    "GET topics/<pk>/ [topic]": Req("GET", "api-topic", "topic", TOPIC),
    "GET topics/<pk>/ [approved]": Req("GET", "api-topic", "approved", TOPIC),
    "GET projects/": Req("GET", "api-projects", "topic", NONE),
    "GET projects/<pk>/ [script]": Req("GET", "api-project", "script"),
    "GET projects/<pk>/ [approved]": Req("GET", "api-project", "approved"),
    "GET transitions/ [script]": Req("GET", "api-project-transitions", "script"),
    "GET transitions/ [approved]": Req("GET", "api-project-transitions", "approved"),
    "GET deliverables/ [script_draft]": Req("GET", "api-project-deliverables", "script_draft"),
    "GET deliverables/<v>/ [script_draft]": Req("GET", "api-deliverable", "script_draft", VERSION),
    "GET deliverables/<v>/ [approved]": Req("GET", "api-deliverable", "approved", VERSION),
    "GET reviews/ [script_submitted]": Req("GET", "api-project-reviews", "script_submitted"),
    "GET schedule/ [script]": Req("GET", "api-project-schedule", "script"),
    "GET timeline/ [script]": Req("GET", "api-project-timeline", "script"),
    "GET schema": Req("GET", "api-schema", "topic", NONE),
    "POST topics/ unit A, project track": Req("POST", "api-topics", "topic", NONE, pitch("project"), _pitched),
    "POST topics/ unit A, mandatory track": Req("POST", "api-topics", "topic", NONE, pitch("mandatory"), _pitched),
    "POST topics/ unit A, closed call": Req("POST", "api-topics", "closed_call", NONE, pitch("project"), _pitched),
    "POST plan/ [topic]": Req("POST", "api-project-plan", "topic", PROJECT, plan(), _planned),
    "POST plan/ [topic] bad origin": Req("POST", "api-project-plan", "topic", PROJECT, plan(origin="borrowed")),
    "POST plan/ [script] change track": Req("POST", "api-project-plan", "script", PROJECT, plan(track="showcase")),
    "POST plan/ [cancelled]": Req("POST", "api-project-plan", "cancelled", PROJECT, plan()),
    "POST transitions/ [topic_planned] approve": Req(
        "POST", "api-project-transitions", "topic_planned", PROJECT, fire("approve", "同意"), _state(State.SCRIPT)
    ),
    "POST transitions/ [topic] approve unplanned": Req("POST", "api-project-transitions", "topic", PROJECT, fire("approve", "同意")),
    "POST transitions/ [topic] reject + reason": Req(
        "POST", "api-project-transitions", "topic", PROJECT, fire("reject", "重复选题"), _state(State.REJECTED)
    ),
    "POST transitions/ [topic] reject, no reason": Req("POST", "api-project-transitions", "topic", PROJECT, fire("reject")),
    "POST transitions/ [script] cancel + reason": Req(
        "POST", "api-project-transitions", "script", PROJECT, fire("cancel", "拍摄对象调离"), _state(State.CANCELLED)
    ),
    "POST transitions/ [script] cancel, no reason": Req("POST", "api-project-transitions", "script", PROJECT, fire("cancel", "  ")),
    "POST transitions/ [mandatory] cancel + reason": Req(
        "POST", "api-project-transitions", "mandatory", PROJECT, fire("cancel", "拍摄对象调离"), _state(State.CANCELLED)
    ),
    "POST transitions/ [approved] start_screening": Req(
        "POST", "api-project-transitions", "approved", PROJECT, fire("start_screening"), _state(State.SCREENING)
    ),
    "POST transitions/ [script] start_screening": Req("POST", "api-project-transitions", "script", PROJECT, fire("start_screening")),
    "POST transitions/ [screening] archive": Req(
        "POST", "api-project-transitions", "screening", PROJECT, fire("archive"), _state(State.ARCHIVED)
    ),
    "POST transitions/ [archived] cancel + reason": Req("POST", "api-project-transitions", "archived", PROJECT, fire("cancel", "撤回")),
    "POST transitions/ [script_submitted] pass_script": Req(
        "POST", "api-project-transitions", "script_submitted", PROJECT, fire("pass_script")
    ),
    "POST transitions/ [script] unknown name": Req("POST", "api-project-transitions", "script", PROJECT, fire("explode", "x")),
    "POST transitions/ [script] empty body": Req("POST", "api-project-transitions", "script", PROJECT),
    "POST deliverables/ [script] script v1": Req(
        "POST", "api-project-deliverables", "script", PROJECT, version("script"), _both(_more("n_deliverables"), _latest_status("draft"))
    ),
    "POST deliverables/ [script] storyboard": Req(
        "POST", "api-project-deliverables", "script", PROJECT,
        version("storyboard", shots=[{"number": 1, "picture": "全景", "duration_seconds": 5}]),
    ),
    "POST deliverables/ [script_draft] stale base": Req("POST", "api-project-deliverables", "script_draft", PROJECT, version("script", 0)),
    "POST deliverables/ [script_submitted] v2": Req("POST", "api-project-deliverables", "script_submitted", PROJECT, version("script", 1)),
    "POST deliverables/ [script] empty script": Req("POST", "api-project-deliverables", "script", PROJECT, version("script", script="")),
    "POST deliverables/ [script] no base_version": Req(
        "POST", "api-project-deliverables", "script", PROJECT, lambda ctx: {"kind": "script", "script": "开场"}
    ),
    "POST deliverables/ [approved] script": Req("POST", "api-project-deliverables", "approved", PROJECT, version("script", 1)),
    "POST deliverables/ [approved] no base_version": Req(
        "POST", "api-project-deliverables", "approved", PROJECT, lambda ctx: {"kind": "script", "script": "开场"}
    ),
    "POST submit/ [script_draft] script": Req(
        "POST", "api-deliverable-submit", "script_draft", PROJECT, lambda ctx: {"kind": "script"}, _latest_status("submitted")
    ),
    "POST submit/ [production_cut_draft] cut": Req(
        "POST", "api-deliverable-submit", "production_cut_draft", PROJECT, lambda ctx: {"kind": "cut"},
        _both(_latest_status("submitted"), _state(State.PANEL_REVIEW), _more("transitions")),
    ),
    "POST submit/ [script] nothing saved": Req("POST", "api-deliverable-submit", "script", PROJECT, lambda ctx: {"kind": "script"}),
    "POST submit/ [script_submitted] again": Req(
        "POST", "api-deliverable-submit", "script_submitted", PROJECT, lambda ctx: {"kind": "script"}
    ),
    "POST submit/ [script_draft] bad kind": Req("POST", "api-deliverable-submit", "script_draft", PROJECT, lambda ctx: {"kind": "trailer"}),
    "POST submit/ [approved] cut": Req("POST", "api-deliverable-submit", "approved", PROJECT, lambda ctx: {"kind": "cut"}),
    "POST submit/ [approved] bad kind": Req("POST", "api-deliverable-submit", "approved", PROJECT, lambda ctx: {"kind": "trailer"}),
    "POST reviews/ [script_submitted] advance": Req(
        "POST", "api-project-reviews", "script_submitted", PROJECT, review("advance", comment=""),
        _both(_more("reviews"), _state(State.STORYBOARD), _latest_status("accepted")),
    ),
    "POST reviews/ [script_submitted] return": Req(
        "POST", "api-project-reviews", "script_submitted", PROJECT, review("return"),
        _both(_more("reviews"), _state(State.SCRIPT), _latest_status("returned")),
    ),
    "POST reviews/ [script] nothing submitted": Req("POST", "api-project-reviews", "script", PROJECT, review("advance")),
    "POST reviews/ [script_submitted] no items": Req(
        "POST", "api-project-reviews", "script_submitted", PROJECT, lambda ctx: {"decision": "advance", "comment": ""}
    ),
    "POST reviews/ [script_submitted] item missing": Req(
        "POST", "api-project-reviews", "script_submitted", PROJECT, review("advance", skip=1)
    ),
    "POST reviews/ [script_submitted] return, no comment": Req(
        "POST", "api-project-reviews", "script_submitted", PROJECT, review("return", comment=" ")
    ),
    "POST reviews/ [approved] advance": Req("POST", "api-project-reviews", "approved", PROJECT, review("advance", stage="panel_review")),
}


def client_for(request, role):
    return matrix.client_for(request, role, APIClient)


# --- the matrix -------------------------------------------------------------------------------------


def test_table_and_requests_cover_each_other():
    assert EXPECTED.keys() == REQUESTS.keys()
    assert all(set(r) == set(ROLES) for r in EXPECTED.values())
    assert set(XFAIL) <= {(name, role) for name in EXPECTED for role in ROLES}


def test_matrix_covers_every_api_endpoint_and_method():
    """Every route of projects/api/urls.py, with each method its view answers, plus the schema."""
    wanted = set()
    for pattern in api_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        view = pattern.callback.view_class
        for method in ("get", "post", "put", "patch", "delete"):
            if hasattr(view, method) or (method == "post" and hasattr(view, "create")):
                wanted.add((method.upper(), pattern.name))
    wanted.add(("GET", "api-schema"))
    covered = {(r.method, r.url) for r in REQUESTS.values()}
    assert wanted - covered == set()


@pytest.mark.parametrize("name, role", list(matrix.cases(EXPECTED, XFAIL)))
def test_api_access_matrix(request, build, name, role):
    req, expected = REQUESTS[name], EXPECTED[name][role]
    ctx = build(req.setup)
    client = client_for(request, role)
    url = reverse(req.url, kwargs=req.kwargs(ctx))
    before = snapshot(ctx.project)

    if req.method == "GET":
        response = client.get(url, req.body(ctx))
    else:
        response = client.post(url, req.body(ctx), format="json")

    assert response.status_code == expected, (response.status_code, getattr(response, "data", response.content[:300]))
    after = snapshot(ctx.project)
    if req.method == "GET" or response.status_code >= 400:
        # GET never changes anything; a refusal leaves state, deliverables, reviews, timeline as they were.
        assert after == before
    else:
        req.on_success(before, after, ctx)
    if response.status_code >= 400 and req.url != "api-schema":
        # A refusal says why: {"detail": "…"}, or the serializer's words per field.
        said = messages(response)
        assert said and all(isinstance(m, str) and m.strip() for m in said), response.data


# --- what a list shows ------------------------------------------------------------------------------


@pytest.fixture
def spread(make_project, producer_b, unit_b, call, genre):
    """Unit-A projects in topic, script and approved; a unit-B topic."""
    projects = {
        "a_topic": make_project(State.TOPIC, title="社区里的红色管家"),
        "a_script": make_project(State.SCRIPT, title="海岛上的党员医生"),
        "a_approved": make_project(State.APPROVED, title="深山乡村教师坚守讲台"),
    }
    topic_b = services.topic_pitch(
        user=producer_b, call=call, unit=unit_b, title="快递小哥的城市微光", logline="一个快递员的故事。",
        genre=genre, proposed_track=track("project"),
    )
    projects["b_topic"] = topic_b.project
    return projects


LIST_VISIBLE = {
    "office": {"a_topic", "a_script", "a_approved", "b_topic"},
    "own": {"a_topic", "a_script", "a_approved"},
    "other": {"b_topic"},
    "panelist": set(),
    "organiser": {"a_approved"},
}


@pytest.mark.parametrize("role", list(LIST_VISIBLE))
def test_lists_show_exactly_what_the_role_may_see(request, spread, role):
    client = client_for(request, role)
    ids = {key: p.pk for key, p in spread.items()}
    projects = client.get(reverse("api-projects")).data
    assert {p["id"] for p in projects["results"]} == {ids[k] for k in LIST_VISIBLE[role]}
    assert projects["count"] == len(LIST_VISIBLE[role])
    topics = client.get(reverse("api-topics")).data
    assert {t["project"] for t in topics["results"]} == {ids[k] for k in LIST_VISIBLE[role]}
    calls = client.get(reverse("api-calls")).data
    assert calls["count"] == (1 if role in ("office", "own", "other") else 0)


@pytest.mark.parametrize("role", ["office", "own", "organiser"])
def test_transitions_offered_match_what_the_role_may_fire(request, build, role):
    ctx = build("approved")
    data = client_for(request, role).get(reverse("api-project-transitions", kwargs={"pk": ctx.project.pk})).data
    offered = {t["name"] for t in data["available"]}
    assert offered == {"office": {"start_screening", "cancel"}, "own": {"cancel"}, "organiser": {"start_screening"}}[role]


# --- GET on POST-only URLs ----------------------------------------------------------------------------

POST_ONLY = {
    "api-project-plan": "topic_planned",
    "api-deliverable-submit": "script_draft",
}


def test_post_only_api_urls_are_exactly_these():
    post_only = {
        p.name for p in api_urls.urlpatterns if not hasattr(p.callback.view_class, "get") and not hasattr(p.callback.view_class, "list")
    }
    assert post_only == set(POST_ONLY)


@pytest.mark.parametrize("role", ["office", "own", "other", "panelist", "organiser"])
@pytest.mark.parametrize("url_name", list(POST_ONLY))
def test_get_on_post_only_api_url_is_405_and_changes_nothing(request, build, url_name, role):
    ctx = build(POST_ONLY[url_name])
    before = snapshot(ctx.project)
    response = client_for(request, role).get(reverse(url_name, kwargs={"pk": ctx.project.pk}))
    assert response.status_code == 405
    assert snapshot(ctx.project) == before


@pytest.mark.parametrize("url_name", list(POST_ONLY))
def test_get_on_post_only_api_url_anonymous_is_refused_first(build, url_name):
    """DRF authenticates before it dispatches on the method: anonymous callers get 401, not 405."""
    ctx = build(POST_ONLY[url_name])
    before = snapshot(ctx.project)
    assert APIClient().get(reverse(url_name, kwargs={"pk": ctx.project.pk})).status_code == 401
    assert snapshot(ctx.project) == before
