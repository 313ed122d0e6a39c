"""API glue: our refusals become 400/403/409 with the same message the pages show; pages of lists."""

from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from studio.errors import ActionRefused


def exception_handler(exc, context):
    if isinstance(exc, ActionRefused):
        return Response({"detail": str(exc.message)}, status=exc.status_code)
    return drf_exception_handler(exc, context)


class PageNumberPagination(pagination.PageNumberPagination):
    """DRF's, but ``?page=`` must be one whole number from 1: DRF reads an empty or repeated
    ``page`` as some page and answers a word with 404, where the client made a mistake (400)."""

    def get_page_number(self, request, paginator):
        pages = request.query_params.getlist(self.page_query_param)
        if not pages:
            return 1
        if len(pages) > 1 or not pages[0].isascii() or not pages[0].isdigit() or int(pages[0]) < 1:
            raise exceptions.ValidationError({self.page_query_param: [_("Give one page number, from 1.")]})
        return int(pages[0])

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
        return parameters
