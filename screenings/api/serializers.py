"""Serializers shape data in and out; the rules stay in ``screenings.services``."""

from rest_framework import serializers

from projects.access import projects_visible_to
from screenings.models import CourseKind, Event, InPersonCount, Slot, Venue, ViewerLink
from studio import limits


class VenueSerializer(serializers.ModelSerializer):
    class Meta:
        model = Venue
        fields = ["id", "name", "address", "capacity"]


class CourseKindSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True, help_text="The name in the caller's language.")

    class Meta:
        model = CourseKind
        fields = ["code", "name", "name_en", "label"]


class EventSerializer(serializers.ModelSerializer):
    course_kind = serializers.CharField(source="course_kind.code", default=None, read_only=True, allow_null=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    can_edit = serializers.SerializerMethodField(help_text="The caller may change the event and its programme.")

    class Meta:
        model = Event
        fields = ["id", "kind", "title", "starts_at", "ends_at", "platform", "course_kind", "course_name", "venue",
                  "roster_size", "created_by", "created_at", "updated_at", "can_edit"]

    def get_can_edit(self, event) -> bool:
        from screenings import rules

        return bool(rules.event_actions(event, self.context["request"].user).edit)


class EventWriteSerializer(serializers.Serializer):
    """starts_at/ends_at: a cloud showing's link window, a course's times, a film week's span.
    platform is for cloud showings; course_kind, course_name, venue and roster_size for courses."""

    title = serializers.CharField(max_length=limits.TITLE)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    platform = serializers.CharField(max_length=limits.PLATFORM, required=False, allow_blank=True, default="")
    course_kind = serializers.SlugRelatedField(slug_field="code", queryset=CourseKind.objects.all(), required=False,
                                               allow_null=True, default=None)
    course_name = serializers.CharField(max_length=limits.TITLE, required=False, allow_blank=True, default="")
    venue = serializers.PrimaryKeyRelatedField(queryset=Venue.objects.all(), required=False, allow_null=True, default=None)
    roster_size = serializers.IntegerField(min_value=0, max_value=limits.AUDIENCE, required=False, allow_null=True, default=None)


class EventCreateSerializer(EventWriteSerializer):
    kind = serializers.ChoiceField(choices=Event.Kind.choices)


class SlotSerializer(serializers.ModelSerializer):
    film_title = serializers.CharField(source="film.title", read_only=True)
    headcount = serializers.SerializerMethodField(help_text="The current headcount, or null before one is recorded.")

    class Meta:
        model = Slot
        fields = ["id", "event", "film", "film_title", "venue", "starts_at", "ends_at", "expected_audience", "headcount"]

    def get_headcount(self, slot) -> int | None:
        current = next((c for c in slot.counts.all() if c.current), None)
        return current.headcount if current else None


class SlotWriteSerializer(serializers.Serializer):
    """A film week's slot names its venue and times; a course's or a cloud showing's times default
    to the whole event (a course's venue is the course's; a cloud showing has none)."""

    film = serializers.PrimaryKeyRelatedField(queryset=projects_visible_to(None))
    venue = serializers.PrimaryKeyRelatedField(queryset=Venue.objects.all(), required=False, allow_null=True, default=None)
    starts_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    ends_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    expected_audience = serializers.IntegerField(min_value=0, max_value=limits.AUDIENCE, required=False, allow_null=True, default=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Films by id, among those the caller may see: another unit's film in production is "not found".
        request = self.context.get("request")
        if request is not None:
            self.fields["film"].queryset = projects_visible_to(request.user).select_related("topic")


class CountSerializer(serializers.ModelSerializer):
    recorded_by = serializers.CharField(source="recorded_by.username", read_only=True)

    class Meta:
        model = InPersonCount
        fields = ["headcount", "roster", "current", "recorded_by", "recorded_at"]


class CountWriteSerializer(serializers.Serializer):
    headcount = serializers.IntegerField(min_value=0, max_value=limits.AUDIENCE)
    roster = serializers.IntegerField(min_value=0, max_value=limits.AUDIENCE, required=False, allow_null=True, default=None)


class AudienceSerializer(serializers.Serializer):
    online = serializers.IntegerField(help_text="Viewers, each once per film and cloud showing.")
    in_person = serializers.IntegerField(help_text="The current headcounts of the showings.")
    total = serializers.IntegerField()


class _Row(serializers.Serializer):
    label = serializers.CharField()
    online = serializers.IntegerField(source="audience.online")
    in_person = serializers.IntegerField(source="audience.in_person")
    total = serializers.IntegerField(source="audience.total")


class FilmRowSerializer(_Row):
    film = serializers.IntegerField(source="key")


class EventRowSerializer(_Row):
    event = serializers.IntegerField(source="key")
    kind = serializers.ChoiceField(choices=Event.Kind.choices, source="extra.kind")
    starts_at = serializers.DateTimeField(source="extra.starts_at")


class KindRowSerializer(_Row):
    kind = serializers.ChoiceField(choices=Event.Kind.choices, source="key")


class GenreRowSerializer(_Row):
    genre = serializers.CharField(source="key")


class YearRowSerializer(_Row):
    year = serializers.IntegerField(source="key")


class MonthRowSerializer(_Row):
    year = serializers.SerializerMethodField()
    month = serializers.SerializerMethodField()
    cumulative = serializers.IntegerField(source="extra.cumulative", help_text="The total up to the end of this month.")

    def get_year(self, row) -> int:
        return row.key[0]

    def get_month(self, row) -> int:
        return row.key[1]


class TotalsSerializer(serializers.Serializer):
    overall = AudienceSerializer()
    by_film = FilmRowSerializer(many=True)
    by_event = EventRowSerializer(many=True)
    by_kind = KindRowSerializer(many=True)
    by_genre = GenreRowSerializer(many=True)
    by_year = YearRowSerializer(many=True)
    by_month = MonthRowSerializer(many=True)


class LinkSerializer(serializers.ModelSerializer):
    film_title = serializers.CharField(source="film.title", read_only=True)
    url = serializers.SerializerMethodField(help_text="The viewer's page: publish this. It plays only while the showing is open.")
    state = serializers.SerializerMethodField(help_text="valid, revoked or expired.")
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    revoked_by = serializers.CharField(source="revoked_by.username", read_only=True, default=None, allow_null=True)

    class Meta:
        model = ViewerLink
        fields = ["id", "event", "film", "film_title", "label", "url", "state", "expires_at", "created_by", "created_at",
                  "revoked_at", "revoked_by"]

    def get_url(self, link) -> str:
        from screenings import links

        return self.context["request"].build_absolute_uri(links.watch_path(link))

    def get_state(self, link) -> str:
        from screenings import links

        return links.link_state(link)


class LinkWriteSerializer(serializers.Serializer):
    """film: one of the showing's films; label: where the link is published; expires_at: empty for
    thirty days after the showing closes."""

    film = serializers.PrimaryKeyRelatedField(queryset=projects_visible_to(None))
    label = serializers.CharField(max_length=limits.PLATFORM, required=False, allow_blank=True, default="")
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["film"].queryset = projects_visible_to(request.user).select_related("topic")
