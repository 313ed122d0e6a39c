"""The app's URLs plus two bench-only views. Mounted only by ``bench/server_settings.py``; the app
never imports this module.

- ``/bench/empty/<token>/seen``: the baseline, an empty view shaped like the view beacon (a POST,
  CSRF-exempt, a small JSON answer) through the same middleware, touching neither the database nor
  the storage.
- ``/bench/seen-1q/<token>/seen``: a what-if prototype of the beacon (``whatif_seen``) that checks
  the link and counts the view in one SQL statement; measured beside the real beacon, applied nowhere.
"""

from django.db import connection
from django.http import JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from screenings import links, watch
from studio.urls import urlpatterns as app_urlpatterns

# One round trip: the link (its nonce, not revoked, not expired, a cloud showing, a slot of its film
# open now) and the insert. ``ok`` says whether the link counts now, ``ins`` whether a row went in.
WHATIF_SQL = """
WITH ok AS (
    SELECT l.event_id, l.film_id FROM screenings_viewerlink l JOIN screenings_event e ON e.id = l.event_id
    WHERE l.id = %(link)s AND l.nonce = %(nonce)s AND l.revoked_at IS NULL AND l.expires_at > %(now)s AND e.kind = 'cloud'
      AND EXISTS (SELECT 1 FROM screenings_slot s WHERE s.event_id = l.event_id AND s.film_id = l.film_id
                  AND s.starts_at <= %(now)s AND %(now)s < s.ends_at)
), ins AS (
    INSERT INTO screenings_onlineview (event_id, film_id, viewer_id, counted_at)
    SELECT event_id, film_id, %(viewer)s, %(now)s FROM ok
    ON CONFLICT (event_id, film_id, viewer_id) DO NOTHING RETURNING 1
)
SELECT (SELECT count(*) FROM ok), (SELECT count(*) FROM ins)
"""


@csrf_exempt
def empty(request, token):
    return JsonResponse({"counted": False})


@csrf_exempt
@require_POST
def whatif_seen(request, token):
    """The hot path in one statement; anything it refuses falls back to the real view, which says why.
    It skips the HLS rendition check (a page that plays has the rendition) and the cross-site check."""
    payload = links._payload(token, links.LINK_SALT)
    viewer = watch.viewer_id(request)
    now = timezone.now()
    if (payload is None or viewer is None or not isinstance(payload.get("l"), int) or not isinstance(payload.get("n"), str)
            or (isinstance(payload.get("e"), int) and now.timestamp() >= payload["e"])):
        return watch.watch_seen(request, token)
    with connection.cursor() as cursor:
        cursor.execute(WHATIF_SQL, {"link": payload["l"], "nonce": payload["n"], "now": now, "viewer": viewer})
        ok, inserted = cursor.fetchone()
    if not ok:
        return watch.watch_seen(request, token)
    response = JsonResponse({"counted": bool(inserted)}, status=201 if inserted else 200)
    response["Cache-Control"] = "no-store"
    return response


urlpatterns = [
    path("bench/empty/<str:token>/seen", empty),
    path("bench/seen-1q/<str:token>/seen", whatif_seen),
    *app_urlpatterns,
]
