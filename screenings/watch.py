"""The viewer's side of a cloud showing: no account, the signed link token is the key.

- ``watch``: the page. During the window it plays the film as HLS (the browser's own HLS where it
  has it, hls.js where it doesn't); otherwise it says why not (before, after, revoked, expired,
  not a valid link) and holds no media URL. Sets the viewer cookie.
- ``watch_playlist``: the film's playlist rewritten for this request, its file URLs expiring.
- ``watch_file``: one package file on local storage, behind a signed URL that expires.
- ``watch_seen``: the page's beacon after a few seconds of actual playback; counts the view once
  per viewer, event and film (``services.view_count_by_link``: one statement on PostgreSQL).

The beacon is a POST without an account, exempt from Django's CSRF check on purpose: what a
forged cross-site POST could do is count one view for the victim's browser, and it cannot. The
viewer cookie is ``SameSite=Lax``, so a POST from another site arrives without it and is refused
(400); a browser that sends ``Sec-Fetch-Site`` or ``Origin`` from elsewhere is refused (403)
before anything is read; and the token in the URL must be a valid, open link. Django's CSRF token
would add a second cookie and a header (``navigator.sendBeacon`` cannot send headers) to protect
the same thing the SameSite viewer cookie already protects.
"""

import uuid

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from media.views import ranged_file
from screenings import ingest, links, rules, services
from screenings.links import Status
from studio.errors import ActionRefused

VIEWER_COOKIE = "reelwork_viewer"
VIEWER_COOKIE_AGE = 365 * 24 * 3600
HLSJS = "screenings/vendor/hls.min.js"
# Seconds of actual playback before the page sends its beacon (also in the page, for watch.js).
SEEN_AFTER_SECONDS = 5
# Files and playlists refused for a link that is good but not playing now.
_NOT_NOW = {Status.BEFORE: 403, Status.PREPARING: 409}


def _reason(opened: links.Opened) -> str:
    """Why the link does not play now, in the reader's language ("" when it plays)."""
    status = opened.status
    if status == Status.BAD:
        return _("This viewing link is not valid. Check that it was copied whole, or ask whoever published it for a new one.")
    if status == Status.REVOKED:
        return _("The organiser has withdrawn this viewing link.")
    if status == Status.EXPIRED:
        return _("This viewing link expired on %(when)s.") % {"when": f"{timezone.localtime(opened.link.expires_at):%Y-%m-%d %H:%M}"}
    if status == Status.GONE:
        return _("This film is no longer part of the showing.")
    when = rules.when(opened.slot.starts_at, opened.slot.ends_at)
    if status == Status.BEFORE:
        return _("The showing has not begun: the film can be watched %(when)s.") % {"when": when}
    if status == Status.AFTER:
        return _("The showing has ended: the film could be watched %(when)s.") % {"when": when}
    if status == Status.PREPARING:
        return _("The film is being prepared for streaming. Try again in a few minutes.")
    return ""


def _refusal(opened: links.Opened) -> HttpResponse:
    status = _NOT_NOW.get(opened.status, links.HTTP_STATUS[opened.status])
    return HttpResponse(_reason(opened), status=status, content_type="text/plain; charset=utf-8",
                        headers={"Cache-Control": "no-store"})


def hlsjs_url() -> str | None:
    """The URL of hls.js when ``scripts/fetch_npm.py`` has fetched it (and, in production,
    ``collectstatic`` has collected it); None otherwise: the page then relies on the browser's
    own HLS and says so where there is none."""
    if not (finders.find(HLSJS) or staticfiles_storage.exists(HLSJS)):
        return None
    try:
        return static(HLSJS)
    except ValueError:  # the manifest of collected files has no such entry
        return None


def viewer_id(request) -> uuid.UUID | None:
    try:
        return uuid.UUID(request.COOKIES.get(VIEWER_COOKIE, ""))
    except ValueError:
        return None


def _no_store(response):
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def watch(request, token):
    opened = links.open_token(token)
    context = {"opened": opened, "reason": _reason(opened), "seen_after": SEEN_AFTER_SECONDS}
    if opened.open:
        context.update(playlist_url=reverse("watch-playlist", args=[token]),
                       seen_url=reverse("watch-seen", args=[token]), hlsjs_url=hlsjs_url())
    response = render(request, "screenings/watch.html", context, status=links.HTTP_STATUS[opened.status])
    if opened.open and viewer_id(request) is None:
        response.set_cookie(VIEWER_COOKIE, str(uuid.uuid4()), max_age=VIEWER_COOKIE_AGE, path="/watch/",
                            secure=settings.SESSION_COOKIE_SECURE, httponly=True, samesite="Lax")
    return _no_store(response)


@require_GET
def watch_playlist(request, token):
    opened = links.open_token(token)
    if not opened.open:
        return _refusal(opened)
    response = HttpResponse(links.viewer_playlist(opened), content_type="application/vnd.apple.mpegurl")
    return _no_store(response)


@require_GET
def watch_file(request, signed):
    opened, key = links.open_file(signed)
    if key is None:
        return _refusal(opened)
    response = ranged_file(request, key)
    response["Cache-Control"] = "private, max-age=600"
    return response


def _cross_site(request) -> bool:
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site not in ("same-origin", "none")
    origin = request.headers.get("Origin")
    return origin is not None and origin != f"{request.scheme}://{request.get_host()}"


@csrf_exempt  # see the module's docstring: the SameSite viewer cookie and the origin check
@require_POST
def watch_seen(request, token):
    if _cross_site(request):
        return HttpResponse(_("Views are counted from the showing's own page."), status=403,
                            content_type="text/plain; charset=utf-8")
    viewer, claim = viewer_id(request), links.claim_of(token)
    if viewer is not None and claim is not None:
        if ingest.enabled():
            # Production on PostgreSQL: written behind, in batches (screenings.ingest).
            ingest.offer(claim, viewer)
            return _no_store(JsonResponse({"queued": True}, status=202))
        # Otherwise one statement checks the link and counts (services.view_count_by_link).
        counted = services.view_count_by_link(claim=claim, viewer_id=viewer)
        if counted is not None:
            return _no_store(JsonResponse({"counted": counted}, status=201 if counted else 200))
    # Refused: find out why, the page's way, and say so.
    opened = links.open_token(token)
    if not opened.open:
        return _refusal(opened)
    if viewer is None:
        return HttpResponse(_("Open the showing's page first: it tells this browser apart from others."),
                            status=400, content_type="text/plain; charset=utf-8")
    try:
        counted = services.view_count(event=opened.link.event, film=opened.link.film, viewer_id=viewer)
    except ActionRefused as exc:
        return HttpResponse(str(exc.message), status=exc.status_code, content_type="text/plain; charset=utf-8")
    return _no_store(JsonResponse({"counted": counted}, status=201 if counted else 200))
