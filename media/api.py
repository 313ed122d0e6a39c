"""``/api/cluster/``: the cluster page's data for scripts and monitoring (``media.cluster``)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from media import access
from media.cluster import cluster_overview


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
