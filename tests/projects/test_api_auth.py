"""API authentication: tokens made on the API token page, no HTTP Basic, throttled failures.

Anonymous calls answer 401 with a ``WWW-Authenticate: Token`` challenge; failed sign-ins (login
page, wrong tokens) and anonymous floods answer 429 with ``Retry-After``. Each test has its own
cache (``tests/conftest.py``), so counts don't leak between tests.
"""

import base64
import re

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from projects.models import State
from tests.support.http import EN, signed_in


@pytest.fixture
def project(make_project):
    return make_project(State.SCRIPT)


def _project_url(project):
    return reverse("api-project", kwargs={"pk": project.pk})


def _token_client(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _make_token(user):
    page = signed_in(user).post(reverse("api-token-issue"), **EN)
    assert page.status_code == 200
    return re.search(r'id="api-token-key" readonly size="44" value="([0-9a-f]{40})"', page.content.decode()).group(1)


def test_anonymous_api_call_is_401_with_a_token_challenge(project):
    response = APIClient().get(_project_url(project), **EN)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_a_token_made_on_the_page_signs_an_api_client_in_as_its_user(project, producer_a, producer_b):
    key = _make_token(producer_a)
    response = _token_client(key).get(_project_url(project))
    assert response.status_code == 200
    assert response.json()["title"] == project.topic.title
    # the token carries its user's access: another unit's producer still gets 404
    assert _token_client(_make_token(producer_b)).get(_project_url(project)).status_code == 404


def test_the_token_page_shows_the_key_only_once(producer_a):
    client = signed_in(producer_a)
    page = client.get(reverse("api-token"), **EN).content.decode()
    assert "You have no API token." in page
    key = _make_token(producer_a)
    page = client.get(reverse("api-token"), **EN).content.decode()
    assert "You have a token, made on" in page and key not in page


def test_making_a_new_token_retires_the_old_key(project, producer_a):
    old = _make_token(producer_a)
    new = _make_token(producer_a)
    assert old != new
    assert _token_client(old).get(_project_url(project)).status_code == 401
    assert _token_client(new).get(_project_url(project)).status_code == 200


def test_revoking_the_token_refuses_its_clients(project, producer_a):
    key = _make_token(producer_a)
    response = signed_in(producer_a).post(reverse("api-token-revoke"), follow=True, **EN)
    assert response.status_code == 200
    assert "API token revoked" in response.content.decode()
    refused = _token_client(key).get(_project_url(project), **EN)
    assert refused.status_code == 401
    assert refused.json() == {"detail": "Invalid token."}
    assert not Token.objects.filter(user=producer_a).exists()


@pytest.mark.parametrize("url_name", ["api-token-issue", "api-token-revoke"])
def test_get_on_the_token_actions_changes_nothing(producer_a, url_name):
    key = _make_token(producer_a)
    response = signed_in(producer_a).get(reverse(url_name))
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert Token.objects.get(user=producer_a).key == key


def test_the_token_page_needs_a_signed_in_user(db):
    response = Client().get(reverse("api-token"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert Client().post(reverse("api-token-issue")).status_code == 302
    assert not Token.objects.exists()


def test_http_basic_is_not_accepted(project, producer_a):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Basic " + base64.b64encode(b"producer_a:pw-producer_a").decode())
    response = client.get(_project_url(project))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


# --- throttling ---------------------------------------------------------------------------------


def _login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password}, **EN)


def test_failed_logins_for_one_username_are_throttled_with_retry_after(settings, producer_a, producer_b):
    settings.REELWORK_SIGNIN_FAILURES_PER_USERNAME = 3
    client = Client()
    for _ in range(3):
        response = _login(client, "producer_a", "wrong")
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()
    # now even the right password is not checked until the window has passed
    response = _login(client, "Producer_A", "pw-producer_a")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= settings.REELWORK_SIGNIN_FAILURE_WINDOW
    assert "Too many failed sign-ins. Try again in 15 minutes." in response.content.decode()
    assert "_auth_user_id" not in client.session
    # another account from the same address may still sign in
    assert _login(client, "producer_b", "pw-producer_b").status_code == 302


def test_failed_logins_from_one_address_are_throttled_across_usernames(settings, producer_a, producer_b):
    settings.REELWORK_SIGNIN_FAILURES_PER_ADDRESS = 4
    client = Client()
    for name in ["producer_a", "producer_b", "nobody", "office"]:
        assert _login(client, name, "wrong").status_code == 200
    response = _login(client, "producer_b", "pw-producer_b")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    # a different address is not affected
    assert Client(REMOTE_ADDR="10.0.0.7").post(
        reverse("login"), {"username": "producer_b", "password": "pw-producer_b"}
    ).status_code == 302


def test_wrong_tokens_are_throttled_per_address(settings, project, producer_a):
    settings.REELWORK_SIGNIN_FAILURES_PER_ADDRESS = 3
    key = _make_token(producer_a)
    for n in range(3):
        assert _token_client(f"{n:040x}").get(_project_url(project)).status_code == 401
    response = _token_client(key).get(_project_url(project), **EN)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response.json()["detail"].startswith("Too many failed sign-ins from this address.")
    other = APIClient(REMOTE_ADDR="10.0.0.8")
    other.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert other.get(_project_url(project)).status_code == 200


def test_an_anonymous_flood_is_throttled_and_signed_in_clients_are_not(settings, project, producer_a):
    settings.REELWORK_ANON_API_RATE = "3/min"
    for _ in range(3):
        assert APIClient().get(_project_url(project)).status_code == 401
    response = APIClient().get(_project_url(project), **EN)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert response.json()["detail"].startswith("Too many requests without credentials")
    key = _make_token(producer_a)
    for _ in range(5):
        assert _token_client(key).get(_project_url(project)).status_code == 200


def test_the_token_page_speaks_chinese_by_default(producer_a):
    client = signed_in(producer_a)
    page = client.get(reverse("api-token")).content.decode()
    assert "您还没有 API 令牌。" in page and "<code>Authorization: Token &lt;令牌&gt;</code>" in page
    page = client.post(reverse("api-token-issue")).content.decode()
    assert "已生成新的 API 令牌" in page
    assert "您已有一个令牌，生成于" in client.get(reverse("api-token")).content.decode()
