"""``/api/reports/<year>/``: the report's numbers as the page shows them (``reports.report.as_data``),
the sections the caller may read; ``?call=<id>`` for one topic call of the year."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from reports import access
from reports.report import annual_report, as_data
from studio.schema import ErrorSerializer


class AnnualReport(APIView):
    """The annual report: sections of tables, each row with its values by column code."""

    @extend_schema(
        parameters=[OpenApiParameter("call", int, description="a topic call of the year")],
        responses={200: inline_serializer("AnnualReport", {
            "year": serializers.IntegerField(), "call": serializers.IntegerField(allow_null=True),
            "today": serializers.DateField(), "has_previous": serializers.BooleanField(),
            "sections": serializers.DictField(child=serializers.DictField()),
        }), 404: ErrorSerializer},
    )
    def get(self, request, year):
        scope, sections = access.scope_for(request.user, year, request.query_params.get("call"))
        return Response(as_data(annual_report(scope, sections=sections, drill="films" in sections)))
