"""API glue: our refusals become 400/403/409 with the same message the pages show."""

from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from projects.errors import ActionRefused


def exception_handler(exc, context):
    if isinstance(exc, ActionRefused):
        return Response({"detail": str(exc.message)}, status=exc.status_code)
    return drf_exception_handler(exc, context)
