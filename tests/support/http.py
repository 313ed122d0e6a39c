"""Client helpers: JSON and raw bodies, ranged GETs, the language a request asks for, a client
signed in as someone, plain HTTP as a browser sends it (presigned S3 URLs), and the check that a
refusal carries words a user can act on."""

import html
import re
import urllib.error
import urllib.request

from django.test import Client

# Messages are asked for in English; the site's default language is Chinese.
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def signed_in(user, client_class=Client, **defaults):
    """A ``client_class`` (Django's ``Client`` or DRF's ``APIClient``) with ``user``'s session."""
    client = client_class(**defaults)
    client.force_login(user)
    return client


def post_json(client, url, body, **extra):
    return client.post(url, body, content_type="application/json", **extra)


def post_raw(client, url, body: str):
    """``body`` sent as it is (lone surrogates included), labelled JSON."""
    return client.generic("POST", url, body.encode("utf-8", "surrogatepass"), content_type="application/json")


def get_range(client, url, first: int, last: int):
    return client.get(url, headers={"Range": f"bytes={first}-{last}"})


def messages(response) -> list:
    """The words in a JSON refusal: ``{"detail": "…"}``, or the serializer's ``{"field": ["…"]}``."""
    body = response.json()
    if "detail" in body:
        return [body["detail"]]
    return [m for ms in body.values() for m in (ms if isinstance(ms, list) else [ms])]


def assert_refused(response, status=400, message=None):
    """A refusal with ``status`` and words in it (``message`` among them, when given)."""
    assert response.status_code == status, response.content[:500]
    said = messages(response)
    assert said and all(isinstance(m, str) and m for m in said), response.json()
    if message is not None:
        assert message in said, said
    return said


def alerts(response) -> list[str]:
    """The texts a page shows in its alerts (the messages a refusal or a save leaves)."""
    return [html.unescape(text) for text in re.findall(r'role="alert"[^>]*>(.*?)</', response.content.decode(), re.DOTALL)]


def assert_not_found(response):
    """The site's own "not found" page (``studio/templates/404.html``): nothing says whether the
    object exists."""
    assert response.status_code == 404, response.content[:500]
    assert 'id="not-found"' in response.content.decode()


def http_request(method: str, url: str, data: bytes | None = None, headers: dict | None = None):
    """(status, headers, body) of one plain HTTP request, as a browser or ffmpeg would send it."""
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()
