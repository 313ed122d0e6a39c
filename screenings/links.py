"""Viewer links of cloud showings: their signed tokens, what a token opens right now, and the
per-viewer playlist whose file URLs expire.

Two signed things, each with a salt of its own so one can never be passed off as the other:

* The **link token** (``/watch/<token>/``) names a ``ViewerLink`` row, its nonce and its expiry,
  signed with ``django.core.signing`` under ``LINK_SALT``. The signature keeps anyone from making
  a token; the row makes it revocable: an unknown row, another nonce or a revoked row is refused
  whatever the signature says.
* A **file URL** in a viewer's playlist names the link, one package file and a time after which
  it is refused (``FILE_SALT``). On local storage it is an app URL (``/watch/file/<signed>/``)
  served by a view that checks the signature, the expiry, the link's revocation and the window;
  on S3 it is a presigned URL of the object with the same expiry.

A file URL lives long enough to watch the film once through with pauses (``file_url_seconds``),
but never past the showing's close or the link's expiry: a copied playlist stops working then.
"""

import datetime as dt
import functools
import re
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from media import showings, storage
from media.models import Rendition
from screenings.models import Slot, ViewerLink

LINK_SALT = "screenings.viewer-link"
FILE_SALT = "screenings.viewer-link.hls-file"
MIN_FILE_SECONDS, MAX_FILE_SECONDS = 10 * 60, 6 * 3600
_EXTINF = re.compile(r"#EXTINF:([\d.]+)")


class Status:
    """What a link token opens now; each has its words in ``screenings/watch.html``."""

    BAD = "bad"  # tampered, unknown, or not a link token at all
    REVOKED = "revoked"
    EXPIRED = "expired"
    GONE = "gone"  # the film is no longer in the showing
    BEFORE = "before"
    AFTER = "after"
    PREPARING = "preparing"  # open, but the film's HLS rendition is not made yet
    OPEN = "open"


# The page's HTTP status for each: 404 where the token is bad, 410 where the link has ended for good.
HTTP_STATUS = {Status.BAD: 404, Status.REVOKED: 410, Status.EXPIRED: 410, Status.GONE: 410, Status.AFTER: 410,
               Status.BEFORE: 200, Status.PREPARING: 200, Status.OPEN: 200}


@dataclass(frozen=True)
class Opened:
    status: str
    link: ViewerLink | None = None
    slot: Slot | None = None
    rendition: Rendition | None = None

    @property
    def open(self) -> bool:
        return self.status == Status.OPEN


def link_state(link: ViewerLink, now: dt.datetime | None = None) -> str:
    """How the link itself stands, whatever the showing's window: valid, revoked or expired."""
    if link.revoked:
        return Status.REVOKED
    if (now or timezone.now()) >= link.expires_at:
        return Status.EXPIRED
    return "valid"


def token_for(link: ViewerLink) -> str:
    """The link's token (deterministic: the organiser's page shows the same URL every time)."""
    payload = {"l": link.pk, "n": link.nonce, "e": int(link.expires_at.timestamp())}
    return signing.Signer(salt=LINK_SALT).sign_object(payload)


def watch_path(link: ViewerLink) -> str:
    return reverse("watch", args=[token_for(link)])


def _payload(signed: str, salt: str) -> dict | None:
    """What ``signed`` says under ``salt`` when its signature holds, else None."""
    payload = _verified(signed, salt, settings.SECRET_KEY, tuple(settings.SECRET_KEY_FALLBACKS))
    return dict(payload) if payload is not None else None


# A showing's viewers all send the same link token, with every beacon and every segment: checking
# its signature is the same computation each time (the keys are part of the cache key, so a key
# rotated out stops verifying), and the checks that change over time (revocation, expiry, the
# window) are made by the caller on every request.
@functools.lru_cache(maxsize=4096)
def _verified(signed: str, salt: str, key: str, fallbacks: tuple) -> dict | None:
    try:
        payload = signing.Signer(key=key, fallback_keys=fallbacks, salt=salt).unsign_object(signed)
    except (signing.BadSignature, ValueError, UnicodeDecodeError):
        return None
    return payload if isinstance(payload, dict) else None


def _link_of(payload: dict | None) -> ViewerLink | None:
    if payload is None or not isinstance(payload.get("l"), int) or not isinstance(payload.get("n"), str):
        return None
    link = ViewerLink.objects.select_related("event", "film").filter(pk=payload["l"]).first()
    if link is None or link.nonce != payload["n"]:
        return None
    return link


def _judge(link: ViewerLink | None, token_expiry, now: dt.datetime) -> Opened:
    if link is None:
        return Opened(Status.BAD)
    if link.revoked:
        return Opened(Status.REVOKED, link)
    if now >= link.expires_at or (token_expiry is not None and now.timestamp() >= token_expiry):
        return Opened(Status.EXPIRED, link)
    slot = Slot.objects.filter(event_id=link.event_id, film_id=link.film_id).order_by("starts_at").first()
    if slot is None or not link.event.is_cloud:
        return Opened(Status.GONE, link)
    if now < slot.starts_at:
        return Opened(Status.BEFORE, link, slot)
    if now >= slot.ends_at:
        return Opened(Status.AFTER, link, slot)
    rendition = showings.hls_of(showings.film_cut(link.film))
    if rendition is None:
        return Opened(Status.PREPARING, link, slot)
    return Opened(Status.OPEN, link, slot, rendition)


@dataclass(frozen=True)
class Claim:
    """What a link token says, its signature and its own expiry checked, nothing read yet."""

    link_id: int
    nonce: str


def claim_of(token: str, *, now: dt.datetime | None = None) -> Claim | None:
    """The link a token names when its signature holds and its stamped expiry has not passed;
    None otherwise (``open_token`` then says why)."""
    payload = _payload(token, LINK_SALT)
    if payload is None or not isinstance(payload.get("l"), int) or not isinstance(payload.get("n"), str):
        return None
    expiry = payload.get("e")
    if isinstance(expiry, int) and (now or timezone.now()).timestamp() >= expiry:
        return None
    return Claim(payload["l"], payload["n"])


# The open status of :func:`_judge` as one SQL condition, for the view beacon to check the link and
# count in the same statement (``services.view_count_by_link``); no row: the beacon asks
# :func:`open_token` why. Written out rather than built by the ORM because building and compiling
# the queryset cost the beacon more CPU than the database did. It leaves out one thing ``_judge``
# checks, that the film's HLS rendition is made: the beacon comes from a page that played the film,
# and counting early would need nothing but the link, which anyone holding it may use anyway.
# tests/screenings/test_counting.py keeps it and ``_judge`` in step, status by status.
def countable_sql(link: str, nonce: str, now: str) -> str:
    """The statement, for the SQL expressions ``link``, ``nonce`` and ``now`` (parameters, or the
    columns of buffered beacons: ``screenings.ingest``)."""
    return f"""
SELECT l.event_id, l.film_id FROM screenings_viewerlink l JOIN screenings_event e ON e.id = l.event_id
WHERE l.id = {link} AND l.nonce = {nonce} AND l.revoked_at IS NULL AND l.expires_at > {now} AND e.kind = 'cloud'
  AND EXISTS (SELECT 1 FROM screenings_slot s WHERE s.event_id = l.event_id AND s.film_id = l.film_id
              AND s.starts_at <= {now} AND {now} < s.ends_at)
"""


COUNTABLE_SQL = countable_sql("%(link)s", "%(nonce)s", "%(now)s")


def open_token(token: str, *, now: dt.datetime | None = None) -> Opened:
    """What the link token ``token`` opens at ``now``: the first of bad, revoked, expired, gone,
    before, after, preparing that applies, or open (with the slot and the HLS rendition)."""
    payload = _payload(token, LINK_SALT)
    link = _link_of(payload)
    expiry = payload.get("e") if payload else None
    return _judge(link, expiry if isinstance(expiry, int) else None, now or timezone.now())


# --- the per-viewer playlist ----------------------------------------------------------------------


def file_url_seconds(playlist: str) -> int:
    """How long a file URL of this playlist lives: the film twice over plus ten minutes (pauses,
    a slow start), at least ten minutes, at most six hours."""
    duration = sum(float(d) for d in _EXTINF.findall(playlist))
    return int(min(MAX_FILE_SECONDS, max(MIN_FILE_SECONDS, 2 * duration + 600)))


def file_expiry(opened: Opened, playlist: str, now: dt.datetime) -> dt.datetime:
    """When the file URLs handed out now stop working: after ``file_url_seconds``, and no later
    than the showing's close or the link's expiry."""
    return min(now + dt.timedelta(seconds=file_url_seconds(playlist)), opened.slot.ends_at, opened.link.expires_at)


def file_url(link: ViewerLink, name: str, expires_at: dt.datetime) -> str:
    """The app URL of one package file for local storage, refused after ``expires_at``."""
    signed = signing.Signer(salt=FILE_SALT).sign_object(
        {"l": link.pk, "n": link.nonce, "f": name, "x": int(expires_at.timestamp())}
    )
    return reverse("watch-file", args=[signed])


def viewer_playlist(opened: Opened, *, now: dt.datetime | None = None) -> str:
    """The film's playlist with every file replaced by a URL of this request's own that expires
    (:func:`file_expiry`): presigned S3 URLs in S3 mode, signed app URLs on local storage."""
    now = now or timezone.now()
    text = showings.hls_playlist(opened.rendition)
    expires_at = file_expiry(opened, text, now)
    if storage.s3_enabled():
        seconds = max(1, int((expires_at - now).total_seconds()))

        def url_for(name):
            return storage.presigned_get(key=showings.hls_file_key(opened.rendition, name), expires=seconds)
    else:

        def url_for(name):
            return file_url(opened.link, name, expires_at)

    return showings.rewrite_playlist(text, url_for)


def open_file(signed: str, *, now: dt.datetime | None = None) -> tuple[Opened, str | None]:
    """What a file URL opens at ``now``: (how its link stands, the stored key) — the key only
    when the signature holds, the URL has not expired, the link is open and the file belongs to
    the film's package."""
    now = now or timezone.now()
    payload = _payload(signed, FILE_SALT)
    link = _link_of(payload)
    name, expiry = (payload.get("f"), payload.get("x")) if payload else (None, None)
    if link is None or not isinstance(name, str) or not isinstance(expiry, int) or not showings.is_package_file(name):
        return Opened(Status.BAD), None
    if now.timestamp() >= expiry:
        return Opened(Status.EXPIRED, link), None
    opened = _judge(link, None, now)
    if not opened.open:
        return opened, None
    return opened, showings.hls_file_key(opened.rendition, name)
