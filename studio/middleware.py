"""Refuse text no field can hold before any view sees it (see :mod:`studio.jsonbody` for JSON)."""

from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# The API reads JSON only (its parser refuses NUL itself) and answers other bodies 415; reading
# them here first would leave DRF an empty body instead.
API_PREFIX = "/api/"


def wants_json(request) -> bool:
    """API clients and the upload script read JSON answers; people read pages."""
    return (
        request.path.startswith(API_PREFIX)
        or "application/json" in request.headers.get("Accept", "")
        or request.content_type == "application/json"
    )


def refusal(request, message, status):
    if wants_json(request):
        return JsonResponse({"detail": str(message)}, status=status)
    return HttpResponse(str(message), status=status, content_type="text/plain; charset=utf-8")


class RejectNulMiddleware:
    """A NUL character in a query string or a form field would reach the database as it is, and
    PostgreSQL refuses it with an error of its own (a 500). Nobody types one: answer 400 here."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        fields = [request.GET]
        if request.method == "POST" and request.content_type in FORM_TYPES and not request.path.startswith(API_PREFIX):
            fields.append(request.POST)
        for data in fields:
            for key, values in data.lists():
                if "\x00" in key or any("\x00" in value for value in values):
                    return refusal(request, _("Text may not contain NUL characters."), 400)
        return self.get_response(request)


def bad_request(request, exception=None):
    """handler400: a body over the size limit, a bad Host and the like; JSON for JSON clients."""
    from django.core.exceptions import RequestDataTooBig

    if isinstance(exception, RequestDataTooBig):
        return refusal(request, _("The request is too large."), 413)
    return refusal(request, _("The request could not be read."), 400)
