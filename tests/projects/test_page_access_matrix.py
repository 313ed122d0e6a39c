"""Role × page access matrix for the HTML pages (``projects/urls.py``).

Columns as in ``tests/support/matrix.py``: office, producer of the project's unit (``own``),
producer of another unit (``other``), panelist, organiser, anonymous. Every project is unit A's.

Expected values: an HTTP status, ``LOGIN`` (302 to the login page, for anonymous visitors) or
``DETAIL`` (302 back to the project page: the action was done, or there was nothing to do).
Pages the office alone uses (plan, stage review) follow the API's rule: 404 when the user may not
see the project at all, 403 with the reason when they see it but their role may not do this.

GET never changes anything; a refused POST leaves the project as it was and answers 403/404/409
(or 400 for bad input), never 500. The test client re-raises any server error, so a 500 fails loudly.
"""

import pytest
from django.urls import reverse

from projects.models import State
from tests.support.http import alerts, assert_not_found
from tests.support.matrix import ROLES, cases, client_for, row, snapshot

LOGIN = "login"
DETAIL = "detail"

# key: "page [setup]"                       office  own   other panel organiser anon
GET_EXPECTED = {
    "dashboard":                         row(200, 200, 200, 200, 200, LOGIN),
    "project list":                      row(200, 200, 200, 200, 200, LOGIN),
    "call list":                         row(200, 200, 200, 404, 404, LOGIN),
    "project detail [script]":           row(200, 200, 404, 404, 404, LOGIN),
    "project detail [approved]":         row(200, 200, 404, 404, 200, LOGIN),
    "plan [topic]":                      row(200, 403, 404, 404, 404, LOGIN),
    "script edit [script]":              row(200, 200, 404, 404, 404, LOGIN),
    "version detail [script_draft]":     row(200, 200, 404, 404, 404, LOGIN),
    "review page [script_submitted]":    row(200, 403, 404, 404, 404, LOGIN),
    "review page [script] none waiting": row(DETAIL, 403, 404, 404, 404, LOGIN),
    "calendar .ics [script]":            row(200, 200, 404, 404, 404, LOGIN),
    "pitch form [topic]":                row(200, 200, 200, 404, 404, LOGIN),
}

PROJECT = lambda ctx: [ctx.project.pk]  # noqa: E731
NO_ARGS = lambda ctx: []  # noqa: E731

GET_PAGES = {
    "dashboard": ("dashboard", "topic", NO_ARGS),
    "project list": ("project-list", "script", NO_ARGS),
    "call list": ("call-list", "topic", NO_ARGS),
    "project detail [script]": ("project-detail", "script", PROJECT),
    "project detail [approved]": ("project-detail", "approved", PROJECT),
    "plan [topic]": ("project-plan", "topic", PROJECT),
    "script edit [script]": ("script-edit", "script", PROJECT),
    "version detail [script_draft]": ("deliverable-detail", "script_draft", lambda ctx: [ctx.project.pk, ctx.version.pk]),
    "review page [script_submitted]": ("stage-review", "script_submitted", PROJECT),
    "review page [script] none waiting": ("stage-review", "script", PROJECT),
    "calendar .ics [script]": ("project-calendar", "script", PROJECT),
    "pitch form [topic]": ("topic-pitch", "topic", lambda ctx: [ctx.call.pk]),
}

# key: "transition [setup]"                        office  own     other panel organiser anon
POST_EXPECTED = {
    "approve [topic_planned]":                  row(DETAIL, 403, 404, 404, 404, LOGIN),
    "approve unconfirmed [topic_planned]":      row(200, 403, 404, 404, 404, LOGIN),
    "cancel unconfirmed [script]":              row(200, 200, 404, 404, 404, LOGIN),
    "archive unconfirmed [screening]":          row(200, 403, 404, 404, 200, LOGIN),
    "approve [topic] unplanned":                row(409, 403, 404, 404, 404, LOGIN),
    "reject, no reason [topic]":                row(400, 403, 404, 404, 404, LOGIN),
    "cancel + reason [script]":                 row(DETAIL, DETAIL, 404, 404, 404, LOGIN),
    "cancel + reason [mandatory]":              row(DETAIL, 403, 404, 404, 404, LOGIN),
    "start_screening [approved]":               row(DETAIL, 403, 404, 404, DETAIL, LOGIN),
    "start_screening [script]":                 row(409, 409, 404, 404, 404, LOGIN),
    "archive [screening]":                      row(DETAIL, 403, 404, 404, DETAIL, LOGIN),
    "pass_script [script_submitted]":           row(409, 403, 404, 404, 404, LOGIN),
    "submit script [script_draft]":             row(DETAIL, DETAIL, 404, 404, 404, LOGIN),
    "submit cut [approved]":                    row(409, 409, 404, 404, 403, LOGIN),
}

YES = {"confirmed": "1"}  # the second step of an irreversible transition

# (url name, setup, url args, form data, state after a successful POST)
POSTS = {
    "approve [topic_planned]": ("project-transition", "topic_planned", ["approve"], {"reason": "同意", **YES}, State.SCRIPT),
    # An irreversible step first answers with its consequence and a confirm form; nothing changes.
    "approve unconfirmed [topic_planned]": ("project-transition", "topic_planned", ["approve"], {"reason": "同意"}, None),
    "cancel unconfirmed [script]": ("project-transition", "script", ["cancel"], {"reason": "拍摄对象调离"}, None),
    "archive unconfirmed [screening]": ("project-transition", "screening", ["archive"], {}, None),
    "approve [topic] unplanned": ("project-transition", "topic", ["approve"], {"reason": "同意", **YES}, None),
    "reject, no reason [topic]": ("project-transition", "topic", ["reject"], {"reason": "", **YES}, None),
    "cancel + reason [script]": ("project-transition", "script", ["cancel"], {"reason": "拍摄对象调离", **YES}, State.CANCELLED),
    "cancel + reason [mandatory]": ("project-transition", "mandatory", ["cancel"], {"reason": "拍摄对象调离", **YES}, State.CANCELLED),
    "start_screening [approved]": ("project-transition", "approved", ["start_screening"], {}, State.SCREENING),
    "start_screening [script]": ("project-transition", "script", ["start_screening"], {}, None),
    "archive [screening]": ("project-transition", "screening", ["archive"], dict(YES), State.ARCHIVED),
    "pass_script [script_submitted]": ("project-transition", "script_submitted", ["pass_script"], {}, None),
    "submit script [script_draft]": ("deliverable-submit", "script_draft", ["script"], {}, State.SCRIPT),
    "submit cut [approved]": ("deliverable-submit", "approved", ["cut"], {}, None),
}

XFAIL: dict = {}


def assert_answer(response, expected, project):
    if expected == LOGIN:
        assert response.status_code == 302 and response.url.startswith(reverse("login") + "?next="), response
    elif expected == DETAIL:
        assert response.status_code == 302 and response.url == reverse("project-detail", args=[project.pk]), response
    elif expected == 404:
        assert_not_found(response)
    else:
        assert response.status_code == expected, response.status_code
        if expected >= 400:  # the page says why, in words
            assert [text for text in alerts(response) if text.strip()], response.content.decode()[:1000]


def test_tables_cover_each_other():
    assert GET_EXPECTED.keys() == GET_PAGES.keys()
    assert POST_EXPECTED.keys() == POSTS.keys()


@pytest.mark.parametrize("name, role", list(cases(GET_EXPECTED, XFAIL)))
def test_page_get_matrix(request, build, name, role):
    url_name, setup, args = GET_PAGES[name]
    ctx = build(setup)
    before = snapshot(ctx.project)
    response = client_for(request, role).get(reverse(url_name, args=args(ctx)))
    assert_answer(response, GET_EXPECTED[name][role], ctx.project)
    assert snapshot(ctx.project) == before
    if url_name == "project-calendar" and response.status_code == 200:
        assert response["Content-Type"].startswith("text/calendar")
        assert b"BEGIN:VCALENDAR" in response.content
    if url_name == "project-list" and response.status_code == 200:
        # the list shows a unit-A project in script only to those who may see it
        assert (ctx.project.title in response.content.decode()) == (role in ("office", "own"))


@pytest.mark.parametrize("name, role", list(cases(POST_EXPECTED, XFAIL)))
def test_page_post_matrix(request, build, name, role):
    url_name, setup, args, data, state_after = POSTS[name]
    ctx = build(setup)
    before = snapshot(ctx.project)
    response = client_for(request, role).post(reverse(url_name, args=[ctx.project.pk, *args]), data)
    expected = POST_EXPECTED[name][role]
    assert_answer(response, expected, ctx.project)
    after = snapshot(ctx.project)
    if expected == DETAIL:
        assert after["state"] == state_after
    else:
        assert after == before


# --- GET on POST-only pages ---------------------------------------------------------------------------

POST_ONLY = {
    "project-transition": ("approved", ["start_screening"]),
    "deliverable-submit": ("script_draft", ["script"]),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url_name", list(POST_ONLY))
def test_get_on_post_only_page_is_405_and_changes_nothing(request, build, url_name, role):
    setup, args = POST_ONLY[url_name]
    ctx = build(setup)
    before = snapshot(ctx.project)
    response = client_for(request, role).get(reverse(url_name, args=[ctx.project.pk, *args]))
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert snapshot(ctx.project) == before
