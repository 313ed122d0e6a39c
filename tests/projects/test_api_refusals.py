"""One status per refusal, on pages and API alike, and a schema that says what the answers are.

The rule: 404 when the user may not see the object at all; 403 with a message when they see it
but their role may not do this.
"""


import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from projects.models import State
from tests.support.http import EN, signed_in
from tests.support.matrix import ROLE_FIXTURE, snapshot

PLAN = "Only the education office plans projects."
REVIEW = "Only the education office signs stage reviews."

# (page, api, setup, message): the project is unit A's
OFFICE_ONLY = {
    "plan": ("project-plan", "api-project-plan", "topic", PLAN),
    "plan, approved": ("project-plan", "api-project-plan", "approved", PLAN),
    "review": ("stage-review", "api-project-reviews", "script_submitted", REVIEW),
    "review, approved": ("stage-review", "api-project-reviews", "approved", REVIEW),
}
# who sees the project in that setup but is not the office -> 403; who doesn't see it -> 404
EXPECTED = {
    "plan": {"own": 403, "other": 404, "panelist": 404, "organiser": 404},
    "plan, approved": {"own": 403, "other": 404, "panelist": 404, "organiser": 403},
    "review": {"own": 403, "other": 404, "panelist": 404, "organiser": 404},
    "review, approved": {"own": 403, "other": 404, "panelist": 404, "organiser": 403},
}


def _clients(request, role):
    user = request.getfixturevalue(ROLE_FIXTURE[role])
    return signed_in(user), signed_in(user, APIClient)


@pytest.mark.parametrize("role", ["own", "other", "panelist", "organiser"])
@pytest.mark.parametrize("case", list(OFFICE_ONLY))
def test_page_and_api_refuse_office_only_actions_with_the_same_status(request, build, case, role):
    page_url, api_url, setup, message = OFFICE_ONLY[case]
    ctx = build(setup)
    before = snapshot(ctx.project)
    page, api = _clients(request, role)
    expected = EXPECTED[case][role]

    for response in (page.get(reverse(page_url, args=[ctx.project.pk]), **EN),
                     page.post(reverse(page_url, args=[ctx.project.pk]), {"decision": "advance"}, **EN)):
        assert response.status_code == expected
        if expected == 403:
            assert message in response.content.decode()
    response = api.post(reverse(api_url, kwargs={"pk": ctx.project.pk}), {}, format="json", **EN)
    assert response.status_code == expected
    if expected == 403:
        assert response.json() == {"detail": message}
    assert snapshot(ctx.project) == before


# --- the schema says what the answers are -----------------------------------------------------------


@pytest.fixture
def office_api(office):
    return signed_in(office, APIClient)


@pytest.fixture
def schema(office_api):
    response = office_api.get(reverse("api-schema"), {"format": "json"})
    assert response.status_code == 200
    return response.json()


def _responses(schema, path, method):
    return schema["paths"][path][method]["responses"]


def _body_schema(schema, path, method, code):
    body = _responses(schema, path, method)[code]["content"]["application/json"]["schema"]
    if "$ref" in body:
        return schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    return body


@pytest.mark.parametrize("path", ["/api/projects/{id}/transitions/", "/api/projects/{id}/schedule/"])
def test_the_schema_documents_objects_where_the_api_answers_objects(schema, office_api, make_project, path):
    project = make_project(State.SCRIPT)
    documented = _body_schema(schema, path, "get", "200")
    answer = office_api.get(path.replace("{id}", str(project.pk))).json()
    assert documented["type"] == "object"
    assert set(documented["properties"]) == set(answer)
    assert set(documented["required"]) == set(answer)


@pytest.mark.parametrize(
    "path, status, other",
    [("/api/topics/", "201", "200"), ("/api/projects/{id}/deliverables/", "201", "200"),
     ("/api/projects/{id}/reviews/", "201", "200"), ("/api/projects/{id}/plan/", "200", "201")],
)
def test_the_schema_documents_the_status_a_post_answers(schema, path, status, other):
    responses = _responses(schema, path, "post")
    assert status in responses and other not in responses


def test_the_schema_documents_the_refusals(schema):
    post = _responses(schema, "/api/projects/{id}/transitions/", "post")
    assert {"400", "401", "403", "404", "409", "429"} <= set(post)
    assert post["401"]["headers"]["WWW-Authenticate"]["required"] is True
    assert post["429"]["headers"]["Retry-After"]["required"] is True
    assert {"401", "403", "429"} <= set(_responses(schema, "/api/topics/similar/", "get"))


def test_the_schema_documents_the_upload_endpoints(schema):
    assert set(schema["paths"]["/projects/{id}/uploads/"]) == {"post"}
    assert set(schema["paths"]["/uploads/{upload_id}/"]) == {"get", "put"}
    assert "200" in _responses(schema, "/uploads/{upload_id}/part-urls/", "get")
    assert "202" in _responses(schema, "/uploads/{upload_id}/complete/", "post")
    assert schema["paths"]["/projects/{id}/uploads/"]["post"]["security"] == [{"cookieAuth": [], "csrfCookie": [], "csrfHeader": []}]


@pytest.mark.parametrize("query", [{}, {"title": "  "}])
def test_similar_topics_without_a_title_is_400_with_a_message(office_api, query):
    response = office_api.get(reverse("api-topic-similar"), query, **EN)
    assert response.status_code == 400
    assert response.json() == {"detail": "Give the title to check: ?title=…"}


def test_similar_topics_with_a_title_lists_the_matches(office_api, make_project):
    make_project(State.TOPIC, title="社区里的红色管家")
    response = office_api.get(reverse("api-topic-similar"), {"title": "社区红色管家"})
    assert response.status_code == 200
    assert [row["title"] for row in response.json()] == ["社区里的红色管家"]
    # Since issue 13 each match also says its band and why (the shared words, the title in pieces),
    # and its score in words (相似度 84%).
    assert set(response.json()[0]) == {"topic", "title", "score", "likeness", "unit", "year", "band", "shared", "marked"}


@pytest.mark.parametrize("query", ["page=", "page=abc", "page=0", "page=1&page=2", "page=١"])
def test_a_list_refuses_a_page_that_is_not_one_whole_number(office_api, make_project, query):
    make_project(State.TOPIC)
    response = office_api.get(reverse("api-projects") + "?" + query, **EN)
    assert response.status_code == 400
    assert response.json() == {"page": ["Give one page number, from 1."]}


def test_a_list_page_past_the_end_is_404_and_page_1_lists(office_api, make_project):
    make_project(State.TOPIC)
    assert office_api.get(reverse("api-projects"), {"page": "2"}).status_code == 404
    assert office_api.get(reverse("api-projects"), {"page": "1"}).json()["count"] == 1


def test_the_api_reads_json_only_and_a_form_body_changes_nothing(office_api, build):
    ctx = build("script")
    before = snapshot(ctx.project)
    response = office_api.post(
        reverse("api-project-plan", kwargs={"pk": ctx.project.pk}),
        {"genre": "exemplary", "track": "project", "origin": "self_selected", "deadline": ""}, format="multipart", **EN,
    )
    assert response.status_code == 415
    assert response.json()["detail"].startswith("Unsupported media type")
    assert snapshot(ctx.project) == before
