"""The per-viewer playlist: generated per request from the stored package, every file behind a URL
that expires — a signed app URL on local storage (served by a view that checks the signature, the
expiry, the link's revocation and the window), a presigned URL on the real S3 server — and none of
them usable after it expires, after a revocation, or made up."""

import datetime as dt
import re
import time
import urllib.error
import urllib.request

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from media import showings, storage
from media.models import Rendition
from screenings import links, services


def _uris(playlist: str) -> list[str]:
    uris = re.findall(r'URI="([^"]+)"', playlist)
    return uris + [line for line in playlist.splitlines() if line and not line.startswith("#")]


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _stored(live, name):
    rendition = live.cut.renditions.get(kind=Rendition.Kind.HLS)
    with storage.open_stream(key=showings.hls_file_key(rendition, name)) as stream:
        return stream.read()


def test_the_playlist_names_every_file_by_a_signed_url_of_its_own(live):
    client = Client()
    response = client.get(live.playlist)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.apple.mpegurl" and response["Cache-Control"] == "no-store"
    text = response.content.decode()
    assert text.startswith("#EXTM3U") and "#EXT-X-ENDLIST" in text
    uris = _uris(text)
    stored = showings.playlist_files(showings.hls_playlist(live.cut.renditions.get(kind=Rendition.Kind.HLS)))
    assert len(uris) == len(stored) >= 3
    assert all(uri.startswith("/watch/file/") for uri in uris)
    assert not any(name in text for name in stored), "a stored file name is in the viewer's playlist"
    # Each URL serves exactly its file, ranges too (players ask for them).
    for uri, name in zip(uris, stored, strict=True):
        got = client.get(uri)
        assert got.status_code == 200 and _body(got) == _stored(live, name)
    partial = client.get(uris[1], HTTP_RANGE="bytes=0-9")
    assert partial.status_code == 206 and _body(partial) == _stored(live, stored[1])[:10]


def test_a_file_url_reused_after_it_expired_is_refused(live):
    opened = links.open_token(live.token)
    # Handed out longer ago than any file URL lives.
    earlier = timezone.now() - dt.timedelta(seconds=links.MAX_FILE_SECONDS + 1)
    stale = _uris(links.viewer_playlist(opened, now=earlier))
    fresh = _uris(links.viewer_playlist(opened))
    client = Client()
    assert client.get(fresh[1]).status_code == 200
    for uri in stale:
        response = client.get(uri)
        assert response.status_code == 410 and "过期" in response.content.decode()


def test_file_urls_stop_when_the_link_is_revoked(live, organiser):
    uris = _uris(Client().get(live.playlist).content.decode())
    services.link_revoke(link=live.link, user=organiser)
    assert Client().get(live.playlist).status_code == 410
    for uri in uris:
        assert Client().get(uri).status_code == 410


def test_file_urls_never_outlive_the_window(live):
    opened = links.open_token(live.token)
    assert links.file_expiry(opened, "#EXTINF:10800.0,\n", timezone.now()) == opened.slot.ends_at
    signed = _uris(links.viewer_playlist(opened))[1].split("/")[3]
    assert links.open_file(signed)[1] is not None
    _opened, key = links.open_file(signed, now=opened.slot.ends_at + dt.timedelta(seconds=1))
    assert key is None


@pytest.mark.parametrize("forge", [
    lambda uri: uri[:-2] + ("A/" if uri[-2] != "A" else "B/"),  # the signature
    lambda uri: uri.replace("/watch/file/", "/watch/file/x"),  # the payload
])
def test_a_made_up_file_url_is_refused(live, forge):
    uri = _uris(Client().get(live.playlist).content.decode())[1]
    response = Client().get(forge(uri))
    assert response.status_code == 404
    assert b"ftyp" not in response.content and b"moof" not in response.content


def test_a_url_for_a_file_outside_the_package_cannot_be_signed_by_anyone_but_us(live):
    # Signed with the link token's salt (what a viewer holds), not the files' own: refused.
    other_salt = signing.Signer(salt=links.LINK_SALT).sign_object(
        {"l": live.link.pk, "n": live.link.nonce, "f": "../proxy.mp4", "x": 2**31})
    assert Client().get(reverse("watch-file", args=[other_salt])).status_code == 404
    # Even with our key, only package files are served.
    ours = signing.Signer(salt=links.FILE_SALT).sign_object(
        {"l": live.link.pk, "n": live.link.nonce, "f": "../proxy.mp4", "x": 2**31})
    assert Client().get(reverse("watch-file", args=[ours])).status_code in (404, 410)


def test_the_playlist_refuses_before_the_window_and_for_a_bad_token(cloud, organiser, film, live):
    services.slot_add(event=cloud, user=organiser, film=film)
    early = services.link_create(event=cloud, user=organiser, film=film)
    response = Client().get(reverse("watch-playlist", args=[links.token_for(early)]))
    assert response.status_code == 403 and b"#EXTM3U" not in response.content
    assert Client().get(reverse("watch-playlist", args=[live.token + "x"])).status_code == 404


def _fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_on_s3_the_playlist_hands_out_presigned_urls_that_expire(s3_settings, live, organiser):
    text = Client().get(live.playlist).content.decode()
    uris = _uris(text)
    assert all(uri.startswith(s3_settings["endpoint_url"]) and "X-Amz-Signature=" in uri for uri in uris)
    stored = showings.playlist_files(showings.hls_playlist(live.cut.renditions.get(kind=Rendition.Kind.HLS)))
    status, body = _fetch(uris[1])
    assert status == 200 and body == _stored(live, stored[1])
    # Tampered: the bucket refuses.
    assert _fetch(uris[1].replace("X-Amz-Signature=", "X-Amz-Signature=0"))[0] == 403

    # A link about to expire: its playlist's URLs live only as long, and then the bucket refuses them.
    brief = services.link_create(event=live.event, user=organiser, film=live.film,
                                 expires_at=timezone.now() + dt.timedelta(seconds=2))
    short = _uris(Client().get(reverse("watch-playlist", args=[links.token_for(brief)])).content.decode())
    assert re.search(r"X-Amz-Expires=[12]\b", short[1]), short[1]
    time.sleep(3)
    assert _fetch(short[1])[0] == 403
