"""The app's URLs plus two bench-only views. Mounted only by ``bench/server_settings.py``; the app
never imports this module.

- ``/bench/empty/<token>/seen``: the baseline, an empty view shaped like the view beacon (a POST,
  CSRF-exempt, a small JSON answer) through the same middleware, touching neither the database nor
  the storage.
- ``/bench/signed-in/``: the least a signed-in page can do, an empty answer after the session and
  user lookups every signed-in page makes (``login_required``): the ceiling of any page behind the
  login, however it were built or cached.
- ``/bench/seen-before/<token>/seen``: the beacon as it was before the one-statement path
  (``links.open_token`` then ``services.view_count``: six queries and a synchronous commit), kept
  so the run can show what the change bought; the app no longer takes this path for a good link.
"""

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from screenings import links, services, watch
from studio.urls import urlpatterns as app_urlpatterns


@csrf_exempt
def empty(request, token):
    return JsonResponse({"counted": False})


@login_required
def signed_in(request):
    return JsonResponse({"user": request.user.pk})


@csrf_exempt
@require_POST
def seen_before(request, token):
    opened = links.open_token(token)
    viewer = watch.viewer_id(request)
    if not opened.open or viewer is None:
        return watch.watch_seen(request, token)
    counted = services.view_count(event=opened.link.event, film=opened.link.film, viewer_id=viewer)
    response = JsonResponse({"counted": counted}, status=201 if counted else 200)
    response["Cache-Control"] = "no-store"
    return response


urlpatterns = [
    path("bench/empty/<str:token>/seen", empty),
    path("bench/signed-in/", signed_in),
    path("bench/seen-before/<str:token>/seen", seen_before),
    *app_urlpatterns,
]
