"""``/api/cluster/``: the cluster page's data for scripts and monitoring (``media.cluster``);
``/api/cuts/<id>/waiver-requests/`` and ``/api/waiver-requests/…``: QC waiver requests, asked by
the producing unit and answered by the office, through the same services as the cut page."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from media import access, services
from media.cluster import cluster_overview
from media.models import WaiverRequest
from studio import limits, words
from studio.errors import Invalid


class QueueSerializer(serializers.Serializer):
    name = serializers.CharField()
    waiting = serializers.IntegerField(allow_null=True)
    running = serializers.IntegerField(allow_null=True)
    scheduled = serializers.IntegerField(allow_null=True)
    failed = serializers.IntegerField(allow_null=True)
    error = serializers.CharField(help_text="The class of failure when the queue could not be read; empty when it was.")


class JobSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["cut", "upload"])
    id = serializers.CharField()
    name = serializers.CharField()
    project_id = serializers.IntegerField()
    attempt = serializers.IntegerField()
    claimed_at = serializers.DateTimeField(allow_null=True)
    claim_age_seconds = serializers.IntegerField(allow_null=True)
    lease_until = serializers.DateTimeField(allow_null=True)
    stuck = serializers.BooleanField(help_text="The lease ran out and no sweep has handed the work back yet.")
    worker = serializers.CharField(help_text="host/pid of the process holding the claim, when known.")
    progress = serializers.FloatField(allow_null=True)


class FailureSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["cut", "upload", "task"])
    id = serializers.CharField()
    name = serializers.CharField()
    project_id = serializers.IntegerField(allow_null=True)
    attempts = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField(help_text="In the caller's language for cuts and uploads.")
    code = serializers.CharField()
    at = serializers.DateTimeField(allow_null=True)
    queue = serializers.CharField()


class WorkerSerializer(serializers.Serializer):
    name = serializers.CharField()
    state = serializers.CharField()
    queues = serializers.ListField(child=serializers.CharField())
    current_job = serializers.CharField()
    last_heartbeat = serializers.DateTimeField(allow_null=True)


class OverviewSerializer(serializers.Serializer):
    backend = serializers.CharField()
    now = serializers.DateTimeField()
    queues = QueueSerializer(many=True)
    running = JobSerializer(many=True)
    stuck = serializers.IntegerField()
    failures = FailureSerializer(many=True)
    failures_total = serializers.IntegerField()
    workers = WorkerSerializer(many=True, help_text="RQ workers (Redis backend); empty on the database backend.")


class ClusterView(APIView):
    """Queues, running work, failures and stuck claims. The office and staff only."""

    @extend_schema(responses=OverviewSerializer)
    def get(self, request):
        access.check_cluster_viewer(request.user)
        return Response(OverviewSerializer(cluster_overview()).data)


# --- QC waiver requests ----------------------------------------------------------------------


class WaiverRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    cut = serializers.IntegerField(source="cut_id")
    project = serializers.IntegerField(source="cut.deliverable.project_id")
    version = serializers.IntegerField(source="cut.deliverable.version")
    status = serializers.ChoiceField(choices=WaiverRequest.Status.choices)
    reason = serializers.CharField()
    requested_by = serializers.SerializerMethodField(help_text="The person, by display name.")
    created_at = serializers.DateTimeField()
    answered_by = serializers.SerializerMethodField(help_text="The person, by display name; empty while open.")
    answer = serializers.CharField(help_text="The office's note: the waiver's reason, or why it was declined.")
    answered_at = serializers.DateTimeField(allow_null=True)

    def get_requested_by(self, obj) -> str:
        return words.person(obj.requested_by)

    def get_answered_by(self, obj) -> str:
        return words.person(obj.answered_by) if obj.answered_by_id else ""


class WaiverAskSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=limits.REASON, help_text="Why the cut should go to the panel anyway.")


class WaiverDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=services.DECISIONS)
    note = serializers.CharField(max_length=limits.REASON,
                                 help_text="grant: the waiver's reason (recorded); decline: what the producer must fix.")


def _valid(serializer_class, request):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class CutWaiverRequests(APIView):
    """GET: the cut's waiver requests, newest first. POST ``{reason}``: the producing unit asks the
    office to waive the cut's failed technical QC (one open request per cut); the office is told."""

    @extend_schema(responses=WaiverRequestSerializer(many=True))
    def get(self, request, pk):
        cut = access.get_cut_for_user(request.user, pk)
        rows = access.waiver_requests_visible_to(request.user).filter(cut=cut)
        return Response(WaiverRequestSerializer(rows, many=True).data)

    @extend_schema(request=WaiverAskSerializer, responses={201: WaiverRequestSerializer})
    def post(self, request, pk):
        cut = access.get_cut_for_user(request.user, pk)
        services.check_can_request_waiver(cut, request.user)  # who may ask comes before what they wrote
        data = _valid(WaiverAskSerializer, request)
        asked = services.cut_waiver_request(cut=cut, user=request.user, reason=data["reason"])
        asked = access.get_waiver_request_for_user(request.user, asked.pk)
        return Response(WaiverRequestSerializer(asked).data, status=status.HTTP_201_CREATED)


class WaiverRequestList(APIView):
    """Every waiver request of the cuts the caller sees, newest first; ``?status=open`` is the
    office's to-do."""

    @extend_schema(
        parameters=[OpenApiParameter("status", {"type": "string", "enum": list(WaiverRequest.Status.values)}, required=False)],
        responses=WaiverRequestSerializer(many=True),
    )
    def get(self, request):
        rows = access.waiver_requests_visible_to(request.user)
        wanted = request.query_params.getlist("status")
        if wanted:
            if len(wanted) > 1 or wanted[0] not in WaiverRequest.Status.values:
                raise Invalid(_("status is one of: %(values)s.") % {"values": ", ".join(WaiverRequest.Status.values)})
            rows = rows.filter(status=wanted[0])
        return Response(WaiverRequestSerializer(rows[:200], many=True).data)


class WaiverRequestDetail(APIView):
    @extend_schema(responses=WaiverRequestSerializer)
    def get(self, request, pk):
        return Response(WaiverRequestSerializer(access.get_waiver_request_for_user(request.user, pk)).data)


class WaiverRequestDecision(APIView):
    """POST ``{decision: "grant" | "decline", note}``: the office answers an open request; the
    producer who asked is told."""

    @extend_schema(request=WaiverDecisionSerializer, responses=WaiverRequestSerializer)
    def post(self, request, pk):
        waiver_request = access.get_waiver_request_for_user(request.user, pk)
        services.check_can_decide_waiver(waiver_request, request.user)
        data = _valid(WaiverDecisionSerializer, request)
        services.waiver_request_decide(waiver_request=waiver_request, user=request.user, **data)
        return Response(WaiverRequestSerializer(access.get_waiver_request_for_user(request.user, pk)).data)
