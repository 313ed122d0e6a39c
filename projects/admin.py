from django.contrib import admin

from projects.models import (
    ChecklistItem,
    Deliverable,
    Genre,
    Holiday,
    Membership,
    Milestone,
    ProjectTransition,
    Shot,
    StageDuration,
    StageReview,
    StageReviewItem,
    Topic,
    TopicCall,
    TopicSimilarity,
    Track,
    Unit,
    VideoProject,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]
    inlines = [MembershipInline]


class StageDurationInline(admin.TabularInline):
    model = StageDuration
    extra = 0


@admin.register(Genre)
class GenreAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "code", "target_minutes_min", "target_minutes_max", "position"]
    inlines = [StageDurationInline]


@admin.register(Track)
class TrackAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "code", "assigned_by_office", "rejectable", "skips_preproduction", "producer_may_cancel"]


@admin.register(ChecklistItem)
class ChecklistItemAdmin(admin.ModelAdmin):
    list_display = ["stage", "name", "name_en", "is_veto", "active", "position"]
    list_filter = ["stage", "is_veto", "active"]


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "name", "kind"]
    list_filter = ["kind"]
    date_hierarchy = "date"


@admin.register(TopicCall)
class TopicCallAdmin(admin.ModelAdmin):
    list_display = ["year", "theme", "opens_on", "closes_on"]


class TopicSimilarityInline(admin.TabularInline):
    model = TopicSimilarity
    fk_name = "topic"
    extra = 0
    readonly_fields = ["other", "score"]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["title", "unit", "call", "genre", "proposed_track", "flagged", "max_similarity", "created_at"]
    list_filter = ["call", "flagged", "proposed_track", "genre"]
    search_fields = ["title", "logline"]
    inlines = [TopicSimilarityInline]
    readonly_fields = ["max_similarity", "flagged"]


class TransitionInline(admin.TabularInline):
    model = ProjectTransition
    extra = 0
    can_delete = False
    readonly_fields = ["name", "source", "target", "actor", "reason", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


class MilestoneInline(admin.TabularInline):
    # Derived from the deadline and the genre's durations: change those, not the dates.
    model = Milestone
    extra = 0
    can_delete = False
    readonly_fields = ["stage", "starts_on", "due_on", "warn_days", "done_on"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(VideoProject)
class VideoProjectAdmin(admin.ModelAdmin):
    # The state is protected: it changes only through the workflow, never by editing a field.
    list_display = ["__str__", "unit", "state", "track", "genre", "deadline"]
    list_filter = ["state", "track", "genre", "unit"]
    search_fields = ["topic__title"]
    readonly_fields = ["state", "topic", "next_due"]
    inlines = [MilestoneInline, TransitionInline]


class ShotInline(admin.TabularInline):
    model = Shot
    extra = 0


@admin.register(Deliverable)
class DeliverableAdmin(admin.ModelAdmin):
    list_display = ["project", "kind", "version", "status", "author", "created_at"]
    list_filter = ["kind", "status"]
    inlines = [ShotInline]


class StageReviewItemInline(admin.TabularInline):
    model = StageReviewItem
    extra = 0


@admin.register(StageReview)
class StageReviewAdmin(admin.ModelAdmin):
    list_display = ["project", "deliverable", "decision", "vetoed", "reviewer", "created_at"]
    inlines = [StageReviewItemInline]


@admin.register(ProjectTransition)
class ProjectTransitionAdmin(admin.ModelAdmin):
    list_display = ["project", "name", "source", "target", "actor", "created_at"]
    list_filter = ["name"]
