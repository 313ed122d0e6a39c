"""Rubrics are the office's data (criteria, weights, ranges, veto items, the verdict rule). Panels,
sessions, scorecards, comments, items and decisions are made through the panel pages, whose
services keep their rules; here they are for reading only."""

from django.contrib import admin

from projects.admin import ViewOnly
from reviews.models import Comment, Criterion, Decision, Entry, Item, Member, Panel, Rubric, Scorecard, Session


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0
    fields = ["position", "code", "name", "name_en", "weight", "min_score", "max_score", "is_veto", "description", "description_en"]


@admin.register(Rubric)
class RubricAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "pass_at", "reject_below", "veto_verdict", "active"]
    inlines = [CriterionInline]


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin):
    list_display = ["rubric", "position", "name", "weight", "min_score", "max_score", "is_veto"]
    list_filter = ["rubric"]


class MemberInline(ViewOnly, admin.TabularInline):
    model = Member
    extra = 0


@admin.register(Panel)
class PanelAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["name", "created_at"]
    inlines = [MemberInline]


@admin.register(Session)
class SessionAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["title", "panel", "rubric", "phase", "created_at", "closed_at"]
    list_filter = ["phase"]


for model, columns in [
    (Entry, ["session", "position", "project", "cut"]),
    (Scorecard, ["entry", "member", "submitted_at"]),
    (Comment, ["entry", "author", "frame", "end_frame", "private", "resolved"]),
    (Item, ["project", "comment", "status", "answered_at", "closed_at"]),
    (Decision, ["entry", "verdict", "proposed", "weighted_mean", "confirmed_by", "confirmed_at"]),
]:
    admin.site.register(model, type(f"{model.__name__}Admin", (ViewOnly, admin.ModelAdmin), {"list_display": columns}))
