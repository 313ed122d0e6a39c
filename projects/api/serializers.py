"""Serializers shape data in and out; the rules stay in ``projects.services``."""

from django.urls import reverse
from django.utils import timezone
from rest_framework import serializers

from projects import schedule
from projects.models import (
    FRAME_RATES,
    Deliverable,
    Genre,
    Milestone,
    Origin,
    ProjectTransition,
    Resolution,
    Shot,
    StageReview,
    State,
    Topic,
    TopicCall,
    Track,
    Unit,
    VideoProject,
)
from studio import limits


class TopicCallSerializer(serializers.ModelSerializer):
    is_open = serializers.SerializerMethodField()

    class Meta:
        model = TopicCall
        fields = ["id", "year", "theme", "description", "opens_on", "closes_on", "is_open"]

    def get_is_open(self, call) -> bool:
        return call.is_open()


class SimilarSerializer(serializers.Serializer):
    topic = serializers.IntegerField(source="other_id")
    title = serializers.CharField(source="other.title")
    score = serializers.FloatField()
    flagged = serializers.BooleanField()


class MarkedPieceSerializer(serializers.Serializer):
    text = serializers.CharField()
    shared = serializers.BooleanField()


class SimilarPreviewSerializer(serializers.Serializer):
    topic = serializers.IntegerField()
    title = serializers.CharField()
    score = serializers.FloatField()
    band = serializers.ChoiceField(choices=["flagged", "close"])
    likeness = serializers.CharField(help_text="The score in words, in the request's language (相似度 84%).")
    unit = serializers.CharField()
    year = serializers.IntegerField()
    shared = serializers.ListField(child=serializers.CharField())
    marked = MarkedPieceSerializer(many=True)


class TopicSerializer(serializers.ModelSerializer):
    genre = serializers.SlugRelatedField(slug_field="code", queryset=Genre.objects.all())
    proposed_track = serializers.SlugRelatedField(slug_field="code", queryset=Track.objects.all())
    unit = serializers.SlugRelatedField(slug_field="code", queryset=Unit.objects.all())
    call = serializers.PrimaryKeyRelatedField(queryset=TopicCall.objects.all())
    project = serializers.IntegerField(source="project.pk", read_only=True)
    similar = SimilarSerializer(source="similarities", many=True, read_only=True)

    class Meta:
        model = Topic
        fields = [
            "id", "call", "unit", "title", "logline", "genre", "local_elements", "proposed_track",
            "created_at", "flagged", "max_similarity", "similar", "project",
        ]
        read_only_fields = ["created_at", "flagged", "max_similarity"]


class MilestoneSerializer(serializers.ModelSerializer):
    status = serializers.SerializerMethodField()

    class Meta:
        model = Milestone
        fields = ["stage", "starts_on", "due_on", "done_on", "warn_days", "status"]

    def get_status(self, m) -> str:
        calendar = self.context.setdefault("calendar", schedule.WorkCalendar.load())
        return schedule.status_of(
            due_on=m.due_on, done_on=m.done_on, warn_days=m.warn_days, today=timezone.localdate(), calendar=calendar
        )


class ScheduleSerializer(serializers.Serializer):
    deadline = serializers.DateField(allow_null=True)
    milestones = MilestoneSerializer(many=True)


class ProjectSerializer(serializers.ModelSerializer):
    title = serializers.CharField(source="topic.title", read_only=True)
    unit = serializers.CharField(source="unit.code", read_only=True)
    genre = serializers.CharField(source="genre.code", read_only=True)
    track = serializers.CharField(source="track.code", read_only=True)
    next_milestone = serializers.SerializerMethodField()

    class Meta:
        model = VideoProject
        fields = ["id", "title", "topic", "unit", "genre", "track", "origin", "deadline", "spec_resolution", "spec_fps",
                  "state", "next_milestone"]

    def get_next_milestone(self, project) -> dict | None:
        m = schedule.next_open(project.milestones.all())
        return MilestoneSerializer(m, context=self.context).data if m else None


class PlanSerializer(serializers.Serializer):
    genre = serializers.SlugRelatedField(slug_field="code", queryset=Genre.objects.all())
    track = serializers.SlugRelatedField(slug_field="code", queryset=Track.objects.all())
    origin = serializers.ChoiceField(choices=Origin.choices)
    deadline = serializers.DateField(allow_null=True)
    spec_resolution = serializers.ChoiceField(choices=Resolution.choices, required=False)
    spec_fps = serializers.ChoiceField(choices=FRAME_RATES, required=False)


class TransitionSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None, read_only=True)

    class Meta:
        model = ProjectTransition
        fields = ["name", "source", "target", "actor", "reason", "created_at"]


class OfferedTransitionSerializer(serializers.Serializer):
    name = serializers.CharField()
    target = serializers.ChoiceField(choices=State.choices, allow_null=True)
    label = serializers.CharField()
    needs_reason = serializers.BooleanField()


class TransitionsSerializer(serializers.Serializer):
    """The project's state, the transitions the caller may fire now, and its timeline."""

    state = serializers.ChoiceField(choices=State.choices)
    available = OfferedTransitionSerializer(many=True)
    timeline = TransitionSerializer(many=True)


class FireSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=40)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=limits.REASON)


class ShotSerializer(serializers.ModelSerializer):
    frame = serializers.SerializerMethodField(help_text="URL of the frame image (served after an access check), or null.")
    thumbnail = serializers.SerializerMethodField(help_text="URL of the frame's small JPEG (same access check), or null.")
    shot_size_label = serializers.SerializerMethodField(help_text="The shot size (景别) in the reader's language, or \"\".")

    class Meta:
        model = Shot
        fields = ["number", "picture", "shot_size", "shot_size_label", "dialogue", "camera_movement", "duration_seconds",
                  "notes", "frame", "thumbnail"]

    def get_frame(self, shot) -> str | None:
        if not shot.frame:
            return None
        return reverse("shot-frame", args=[shot.deliverable.project_id, shot.deliverable_id, shot.number])

    def get_thumbnail(self, shot) -> str | None:
        if not shot.thumbnail:
            return None
        return reverse("shot-thumbnail", args=[shot.deliverable.project_id, shot.deliverable_id, shot.number])

    def get_shot_size_label(self, shot) -> str:
        return str(shot.get_shot_size_display()) if shot.shot_size else ""


class ShotWriteSerializer(serializers.Serializer):
    """One shot as a client sends it. Frames are image files uploaded on the storyboard page; a
    client never names a stored file, so a ``frame`` sent here is ignored (read-only)."""

    number = serializers.IntegerField(min_value=1, max_value=limits.SHOT_NUMBER, required=False)
    picture = serializers.CharField(max_length=limits.SHOT_TEXT)
    shot_size = serializers.ChoiceField(choices=Shot.Size.choices, required=False, allow_blank=True, default="")
    dialogue = serializers.CharField(max_length=limits.SHOT_TEXT, required=False, allow_blank=True, default="")
    camera_movement = serializers.CharField(max_length=limits.CAMERA_MOVEMENT, required=False, allow_blank=True, default="")
    duration_seconds = serializers.IntegerField(min_value=1, max_value=limits.SHOT_SECONDS)
    notes = serializers.CharField(max_length=limits.SHOT_TEXT, required=False, allow_blank=True, default="")


class DeliverableSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", read_only=True)
    shots = ShotSerializer(many=True, read_only=True)

    class Meta:
        model = Deliverable
        fields = ["id", "kind", "version", "status", "script", "narration", "note", "author", "created_at", "submitted_at", "shots"]


class DeliverableWriteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Deliverable.Kind.choices)
    base_version = serializers.IntegerField(min_value=0, max_value=2**31 - 1)
    script = serializers.CharField(required=False, allow_blank=True, default="", max_length=limits.SCRIPT, trim_whitespace=False)
    narration = serializers.CharField(required=False, allow_blank=True, default="", max_length=limits.SCRIPT, trim_whitespace=False)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=limits.NOTE)
    shots = ShotWriteSerializer(many=True, required=False, default=list, max_length=limits.SHOTS)


class SubmitSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Deliverable.Kind.choices)


class ReviewItemSerializer(serializers.Serializer):
    item = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    passed = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=limits.NOTE)


class ReviewWriteSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=StageReview.Decision.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=limits.COMMENT)
    items = ReviewItemSerializer(many=True, max_length=100)


class ReviewSerializer(serializers.ModelSerializer):
    reviewer = serializers.CharField(source="reviewer.username", read_only=True)
    version = serializers.IntegerField(source="deliverable.version", read_only=True)
    kind = serializers.CharField(source="deliverable.kind", read_only=True)

    class Meta:
        model = StageReview
        fields = ["id", "kind", "version", "decision", "vetoed", "comment", "reviewer", "created_at"]


class TimelineEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    actor = serializers.CharField(help_text="The person, by display name.")
    title = serializers.CharField(help_text="In the request's language.")
    detail = serializers.CharField()
    notes = serializers.ListField(child=serializers.ListField(child=serializers.CharField()))
    url = serializers.CharField()
