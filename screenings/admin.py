from django.contrib import admin

from projects.admin import ViewOnly
from screenings.models import CourseKind, Event, InPersonCount, OnlineView, Slot, Venue

# Venues and course kinds are data the office keeps here. Events, slots and counts are made on the
# screening pages, through the services that check clashes, capacity and the films' state: here
# they can be looked at, not changed.


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = ["name", "address", "capacity"]
    search_fields = ["name", "address"]


@admin.register(CourseKind)
class CourseKindAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "code", "position"]
    list_editable = ["position"]


class SlotInline(ViewOnly, admin.TabularInline):
    model = Slot
    fields = ["film", "venue", "starts_at", "ends_at", "expected_audience"]
    readonly_fields = fields
    extra = 0


@admin.register(Event)
class EventAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["title", "kind", "starts_at", "ends_at", "venue", "created_by"]
    list_filter = ["kind"]
    search_fields = ["title", "course_name", "platform"]
    inlines = [SlotInline]


@admin.register(InPersonCount)
class InPersonCountAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["slot", "headcount", "roster", "current", "recorded_by", "recorded_at"]
    list_filter = ["current"]


@admin.register(OnlineView)
class OnlineViewAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["event", "film", "viewer_id", "counted_at"]
    list_select_related = ["event", "film__topic"]
