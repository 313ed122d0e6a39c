"""REST API. Same access helpers and services as the pages; refusals map to 400/403/409."""

from dataclasses import asdict

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from projects import access, homogeneity, rules, services, timeline
from projects.api import serializers as s
from projects.models import Milestone, Topic
from studio import limits, words
from studio.schema import REFUSALS, ErrorSerializer
from studio.errors import Invalid


class CallList(generics.ListAPIView):
    serializer_class = s.TopicCallSerializer

    def get_queryset(self):
        return access.calls_visible_to(self.request.user)


class TopicList(generics.ListCreateAPIView):
    serializer_class = s.TopicSerializer

    def get_queryset(self):
        visible = access.projects_visible_to(self.request.user).values("topic_id")
        return (
            Topic.objects.filter(pk__in=visible)
            .select_related("genre", "proposed_track", "unit", "project")
            .prefetch_related("similarities__other")
            .order_by("-created_at", "-pk")
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        topic = services.topic_pitch(user=request.user, **serializer.validated_data)
        return Response(self.get_serializer(topic).data, status=status.HTTP_201_CREATED)


_NO_OPEN_CALL = "For a producer: the call given, or every call, is closed."


class TopicSimilar(APIView):
    """GET ?title=…[&logline=…&local_elements=…&call=…]: the homogeneity check while pitching.
    Shows earlier topics' titles, unit and year only, each with its score, band (flagged or close
    call) and the words it shares with the pitch, so producers can sharpen the angle first."""

    @extend_schema(
        parameters=[
            OpenApiParameter("title", {"type": "string", "pattern": r"\S"}, required=True),
            OpenApiParameter("logline", str, required=False),
            OpenApiParameter("local_elements", str, required=False),
            OpenApiParameter("call", {"type": "integer", "minimum": 1}, required=False),
        ],
        responses={
            200: s.SimilarPreviewSerializer(many=True),
            404: OpenApiResponse(ErrorSerializer, description=REFUSALS["404"]),
            409: OpenApiResponse(ErrorSerializer, description=_NO_OPEN_CALL),
        },
    )
    def get(self, request):
        params = request.query_params
        call = params.get("call", "").strip()
        if call and not call.isdigit():
            raise Invalid(_("The call is given by its number: ?call=…"))
        # A number past any id answers as an unknown call would (404), not as a database error.
        access.get_call_to_check(request.user, min(int(call), 2**63 - 1) if call else None)
        title = params.get("title", "").strip()[: limits.TITLE]
        if not title:
            raise Invalid(_("Give the title to check: ?title=…"))
        matches = services.topic_similar(
            title=title,
            logline=params.get("logline", "")[: limits.LOGLINE],
            local_elements=params.get("local_elements", "")[: limits.LOCAL_ELEMENTS],
        )
        shown = Topic.objects.filter(pk__in=[m.key for m in matches]).values_list("pk", "unit__name", "call__year")
        topics = {pk: (unit, year) for pk, unit, year in shown}
        return Response(
            [{"topic": m.key, "title": m.text, "score": round(m.score, 2), "likeness": words.likeness(m.score),
              "band": m.band, "unit": topics[m.key][0], "year": topics[m.key][1],
              "shared": homogeneity.story_words(m.shared),
              "marked": homogeneity.marked(m.text, m.shared)} for m in matches if m.key in topics]
        )


class TopicDetail(APIView):
    @extend_schema(responses=s.TopicSerializer)
    def get(self, request, pk):
        topic = access.get_topic_for_user(request.user, pk)
        return Response(s.TopicSerializer(topic).data)


class ProjectList(generics.ListAPIView):
    serializer_class = s.ProjectSerializer

    def get_queryset(self):
        return (
            access.projects_visible_to(self.request.user)
            .select_related("topic", "unit", "genre", "track")
            .prefetch_related(Prefetch("milestones", queryset=Milestone.objects.order_by("due_on")))
            .order_by("-created_at", "-pk")
        )


class ProjectDetail(APIView):
    @extend_schema(responses=s.ProjectSerializer)
    def get(self, request, pk):
        project = access.get_project_for_user(request.user, pk)
        return Response(s.ProjectSerializer(project).data)


class ProjectPlan(APIView):
    @extend_schema(request=s.PlanSerializer, responses=s.ProjectSerializer)
    def post(self, request, pk):
        project = access.get_project_to_plan(request.user, pk)
        data = _valid(s.PlanSerializer, request)
        services.project_plan(project=project, user=request.user, **data)
        return Response(s.ProjectSerializer(project).data)


class ProjectTransitions(APIView):
    """GET: the timeline and the transitions the caller may fire now. POST: fire one."""

    @extend_schema(responses=s.TransitionsSerializer)
    def get(self, request, pk):
        project = access.get_project_for_user(request.user, pk)
        available = [asdict(offer) for offer in rules.project_actions(project, request.user).offers]
        timeline = project.transitions.select_related("actor")
        return Response(s.TransitionsSerializer({"state": project.state, "available": available, "timeline": timeline}).data)

    @extend_schema(request=s.FireSerializer, responses=s.ProjectSerializer)
    def post(self, request, pk):
        project = access.get_project_for_user(request.user, pk)
        data = _valid(s.FireSerializer, request)
        services.project_fire(project=project, user=request.user, name=data["name"], reason=data["reason"])
        return Response(s.ProjectSerializer(project).data)


class ProjectTimeline(APIView):
    """GET: everything that happened to the project, oldest first (``?show=<kind>`` repeated filters)."""

    @extend_schema(parameters=[OpenApiParameter("show", str, many=True, enum=list(timeline.KINDS))],
                   responses=s.TimelineEventSerializer(many=True))
    def get(self, request, pk):
        project = access.get_project_for_user(request.user, pk)
        kinds = set(request.query_params.getlist("show"))
        if unknown := kinds - set(timeline.KINDS):
            raise Invalid(_("Unknown kind of event: %(kinds)s.") % {"kinds": ", ".join(sorted(unknown))})
        events = timeline.timeline(project, kinds=kinds)
        return Response(s.TimelineEventSerializer([asdict(e) for e in events], many=True).data)


class ProjectDeliverables(APIView):
    @extend_schema(responses=s.DeliverableSerializer(many=True))
    def get(self, request, pk):
        project = access.get_project_for_user(request.user, pk)
        rows = project.deliverables.select_related("author").prefetch_related("shots")
        return Response(s.DeliverableSerializer(rows, many=True).data)

    @extend_schema(request=s.DeliverableWriteSerializer, responses={201: s.DeliverableSerializer})
    def post(self, request, pk):
        project = access.get_project_for_user(request.user, pk)
        rules.check_produces(project, request.user)
        data = _valid(s.DeliverableWriteSerializer, request)
        deliverable = services.deliverable_save(project=project, user=request.user, **data)
        return Response(s.DeliverableSerializer(deliverable).data, status=status.HTTP_201_CREATED)


class DeliverableDetail(APIView):
    @extend_schema(responses=s.DeliverableSerializer)
    def get(self, request, pk, version_pk):
        deliverable = access.get_deliverable_for_user(request.user, pk, version_pk)
        return Response(s.DeliverableSerializer(deliverable).data)


class DeliverableSubmit(APIView):
    @extend_schema(request=s.SubmitSerializer, responses=s.DeliverableSerializer)
    def post(self, request, pk):
        project = access.get_project_for_user(request.user, pk)
        rules.check_produces(project, request.user)
        data = _valid(s.SubmitSerializer, request)
        deliverable = services.deliverable_submit(project=project, user=request.user, kind=data["kind"])
        return Response(s.DeliverableSerializer(deliverable).data)


class ProjectReviews(APIView):
    @extend_schema(responses=s.ReviewSerializer(many=True))
    def get(self, request, pk):
        project = access.get_project_for_user(request.user, pk)
        rows = project.reviews.select_related("reviewer", "deliverable")
        return Response(s.ReviewSerializer(rows, many=True).data)

    @extend_schema(request=s.ReviewWriteSerializer, responses={201: s.ReviewSerializer})
    def post(self, request, pk):
        project = access.get_project_to_review(request.user, pk)
        data = _valid(s.ReviewWriteSerializer, request)
        review = services.stage_review_record(
            project=project,
            user=request.user,
            decision=data["decision"],
            comment=data["comment"],
            results={row["item"]: (row["passed"], row["note"]) for row in data["items"]},
        )
        return Response(s.ReviewSerializer(review).data, status=status.HTTP_201_CREATED)


class ProjectSchedule(APIView):
    @extend_schema(responses=s.ScheduleSerializer)
    def get(self, request, pk):
        project = access.get_project_for_user(request.user, pk)
        rows = project.milestones.order_by("due_on")
        return Response(s.ScheduleSerializer({"deadline": project.deadline, "milestones": rows}).data)


def _valid(serializer_class, request):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
