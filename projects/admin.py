from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext as _

from projects import services
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
    VocabularyTerm,
)
from studio import roles
from studio.errors import ActionRefused


class ViewOnly:
    """For the audit trail and the versions: the services write these rows together with the
    change they record, so a row edited, added or deleted here would record what never happened."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- reference data: the office edits it here -------------------------------------------------


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


@admin.register(VocabularyTerm)
class VocabularyTermAdmin(admin.ModelAdmin):
    # The homogeneity check reads these on its next run; stored flags are not recomputed
    # (manage.py recheck_homogeneity <call> reports what would change).
    list_display = ["term", "kind", "canonical", "weight", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["term", "canonical"]


# --- topics and projects: the workflow owns them ----------------------------------------------


class TopicSimilarityInline(ViewOnly, admin.TabularInline):
    model = TopicSimilarity
    fk_name = "topic"
    fields = ["other", "score", "flagged"]


@admin.register(Topic)
class TopicAdmin(ViewOnly, admin.ModelAdmin):
    # A topic is the pitch as it was made (its project is created with it, and its similarity flag
    # is computed then): it comes from services.topic_pitch only.
    list_display = ["title", "unit", "call", "genre", "proposed_track", "flagged", "max_similarity", "created_at"]
    list_filter = ["call", "flagged", "proposed_track", "genre"]
    list_select_related = ["unit", "call", "genre", "proposed_track"]
    search_fields = ["title", "logline"]
    inlines = [TopicSimilarityInline]


class TransitionInline(ViewOnly, admin.TabularInline):
    model = ProjectTransition
    fields = ["name", "source", "target", "actor", "reason", "created_at"]


class MilestoneInline(ViewOnly, admin.TabularInline):
    # Derived from the deadline and the genre's durations: change those, not the dates.
    model = Milestone
    fields = ["stage", "starts_on", "due_on", "warn_days", "done_on"]


PLAN_FIELDS = ["genre", "track", "origin", "deadline", "spec_resolution", "spec_fps"]


class ProjectPlanForm(forms.ModelForm):
    """The plan of a project, applied by ``services.project_plan`` while the form is validated.

    Validation is the admin's last step at which a refusal can still be shown on the form; the
    admin's change view runs in one transaction, and the service in its own, so a refusal leaves
    nothing saved."""

    user = None  # the request's user: VideoProjectAdmin.get_form sets it on the per-request class
    refused = None

    class Meta:
        model = VideoProject
        fields = PLAN_FIELDS

    def clean(self):
        cleaned = super().clean()
        if self.errors or not self.has_changed():
            return cleaned
        try:
            services.project_plan(project=self.instance, user=self.user, **{name: cleaned[name] for name in PLAN_FIELDS})
        except ActionRefused as refused:
            self.refused = refused
            raise forms.ValidationError(refused.message) from None
        return cleaned


@admin.register(VideoProject)
class VideoProjectAdmin(admin.ModelAdmin):
    # The state changes only through the workflow; a project comes from pitching its topic and
    # leaves by being rejected, cancelled or archived, never by being added or deleted here.
    form = ProjectPlanForm
    list_display = ["__str__", "unit", "state", "track", "genre", "deadline"]
    list_filter = ["state", "track", "genre", "unit"]
    list_select_related = ["topic", "unit", "track", "genre"]
    search_fields = ["topic__title"]
    fields = ["topic", "unit", "state", *PLAN_FIELDS, "next_due", "created_at", "updated_at"]
    readonly_fields = ["topic", "unit", "state", "next_due", "created_at", "updated_at"]
    inlines = [MilestoneInline, TransitionInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # The admin permission lets staff in; planning itself is the office's, as on the pages.
        return super().has_change_permission(request, obj) and roles.is_office(request.user)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.user = request.user
        return form

    def save_model(self, request, obj, form, change):
        # ProjectPlanForm.clean has saved the plan through the service; nothing else is editable.
        if form.changed_data:
            self.message_user(request, _("Plan saved; the schedule was recomputed from the deadline."), messages.SUCCESS)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        response = super().changeform_view(request, object_id, form_url, extra_context)
        # The admin re-shows a form it could not save with 200; answer as the pages do.
        adminform = (getattr(response, "context_data", None) or {}).get("adminform")
        if request.method == "POST" and adminform is not None and adminform.form.errors:
            refused = getattr(adminform.form, "refused", None)
            response.status_code = refused.status_code if refused else 400
        return response


# --- versions and reviews: written by the services, shown here ---------------------------------


class ShotInline(ViewOnly, admin.TabularInline):
    model = Shot
    fields = ["number", "picture", "dialogue", "camera_movement", "duration_seconds", "frame"]


@admin.register(Deliverable)
class DeliverableAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["project", "kind", "version", "status", "author", "created_at", "submitted_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["project__topic", "author"]
    search_fields = ["project__topic__title"]
    inlines = [ShotInline]


class StageReviewItemInline(ViewOnly, admin.TabularInline):
    model = StageReviewItem
    fields = ["item", "passed", "note"]


@admin.register(StageReview)
class StageReviewAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["project", "deliverable", "decision", "vetoed", "reviewer", "created_at"]
    list_filter = ["decision", "vetoed"]
    list_select_related = ["project__topic", "deliverable", "reviewer"]
    search_fields = ["project__topic__title"]
    inlines = [StageReviewItemInline]


@admin.register(ProjectTransition)
class ProjectTransitionAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["project", "name", "source", "target", "actor", "created_at"]
    list_filter = ["name", "target"]
    list_select_related = ["project__topic", "actor"]
    search_fields = ["project__topic__title", "reason"]
    date_hierarchy = "created_at"


@admin.register(Milestone)
class MilestoneAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["project", "stage", "starts_on", "due_on", "done_on"]
    list_filter = ["stage", ("done_on", admin.EmptyFieldListFilter)]
    list_select_related = ["project__topic"]
    search_fields = ["project__topic__title"]
    date_hierarchy = "due_on"
