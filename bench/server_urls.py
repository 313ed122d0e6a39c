"""The app's URLs plus the benchmark's baseline: an empty view shaped like the view beacon (a POST
to ``/bench/empty/<token>/seen``, CSRF-exempt, a small JSON answer) that goes through the same
middleware and touches neither the database nor the storage. Mounted only by
``bench/server_settings.py``; the app never imports it."""

from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from studio.urls import urlpatterns as app_urlpatterns


@csrf_exempt
def empty(request, token):
    return JsonResponse({"counted": False})


urlpatterns = [path("bench/empty/<str:token>/seen", empty), *app_urlpatterns]
