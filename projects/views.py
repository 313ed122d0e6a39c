"""Pages. Each view: access helper first, parse input, call one service, render.

A refused action re-renders the page with the reason and the refusal's 4xx status.
"""

import mimetypes

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import Count, F, OuterRef, Subquery
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from projects import access, exhibits, rules, schedule, services, timeline, todo
from projects.forms import (
    PitchForm,
    PlanForm,
    ReasonForm,
    ReviewForm,
    ScriptForm,
    ShotFormSet,
    StoryboardHeaderForm,
)
from projects.icalendar import milestones_calendar
from projects.models import Deliverable, Genre, Milestone, Shot, Stage, State, Track, VideoProject
from projects.models.i18n import bilingual_label
from studio import calendars, limits
from studio.errors import ActionRefused, StaleEdit

STATUS_FILTERS = (schedule.RED, schedule.YELLOW, schedule.GREEN)
LIST_FILTERS = {"state": "state", "track": "track__code", "genre": "genre__code", "unit": "unit__code"}

PAGE_SIZE = 50


# The columns of a project table (list, dashboard) besides the project's own.
TABLE_COLUMNS = {
    "title": F("topic__title"), "flagged": F("topic__flagged"), "unit_name": F("unit__name"),
    "genre_name": F("genre__name"), "genre_name_en": F("genre__name_en"),
    "track_name": F("track__name"), "track_name_en": F("track__name_en"),
    # The stage of the next open milestone; its date and warning are stored on the project.
    "next_stage": Subquery(
        Milestone.objects.filter(project=OuterRef("pk"), done_on__isnull=True).order_by("due_on", "pk").values("stage")[:1]
    ),
}


def _table_rows(projects, today, calendar):
    """The rows of a project table for a slice of projects (filtered, ordered and cut already),
    with what each row shows worked out once per page: the words for the state, the next stage,
    the genre and the track in the reader's language, and the colour of the next open milestone.

    Rows are read as values, not model instances: building a project, its topic, unit, genre and
    track for each row, and the template looking up their attributes, was half of a 50-row page's
    time. The colour comes from the next open milestone's date and warning stored on the project
    (``schedule.refresh_next``), which the status filter reads too, so a row shows the colour it
    is filtered by.

    The slice's ids come first, from the filtered and ordered projects alone (an index walk), then
    its rows by id with the joins and the subquery. In one query PostgreSQL joined and sorted the
    whole table and ran the subquery for every row an OFFSET skips (2,500 times on page 50 of
    10,000 projects, ~150 ms)."""
    states, stages = dict(State.choices), dict(Stage.choices)
    ids = list(projects.values_list("pk", flat=True))
    columns = VideoProject.objects.filter(pk__in=ids).order_by().values("pk", "state", "next_due", "next_warn", **TABLE_COLUMNS)
    found = {row["pk"]: row for row in columns}
    rows = [found[pk] for pk in ids if pk in found]
    for row in rows:
        row["state_label"] = states.get(row["state"], row["state"])
        row["next_stage_label"] = stages.get(row["next_stage"], row["next_stage"])
        row["genre"] = bilingual_label(row.pop("genre_name"), row.pop("genre_name_en"))
        row["track"] = bilingual_label(row.pop("track_name"), row.pop("track_name_en"))
        row["rag"] = (
            schedule.status_of(due_on=row["next_due"], done_on=None, warn_days=row["next_warn"], today=today, calendar=calendar)
            if row["next_due"]
            else ""
        )
    return rows


# Sections other apps add to the dashboard from their AppConfig (the reports app: the schedule
# as a timeline), each a callable (request, visible projects, *, today, calendar) -> HTML or "", so
# that projects imports none of them (dependencies point one way).
DASHBOARD_PANELS: list = []
# The same for the project page's schedule (the reports app: its milestones as a timeline), each a
# callable (request, project, milestones in date order, *, today, calendar) -> HTML or "": the page
# has read them already.
PROJECT_SCHEDULE_PANELS: list = []


@require_GET
@login_required
def dashboard(request):
    """Counts per state, then what waits for this person (``projects.todo``): each section is
    filtered and cut in SQL, so the page costs the same at 100 or 100,000 projects."""
    today, calendar = timezone.localdate(), schedule.WorkCalendar.load()
    visible = access.projects_visible_to(request.user)
    by_state = dict(visible.order_by().values_list("state").annotate(n=Count("pk")).values_list("state", "n"))
    calls = [c for c in access.calls_visible_to(request.user)[:10] if c.is_open(today)]
    return render(
        request,
        "projects/dashboard.html",
        {
            "states": [(value, label, by_state.get(value, 0)) for value, label in State.choices],
            "sections": todo.sections_for(request.user, today=today, calendar=calendar),
            "open_calls": calls,
            "today": today,
            "panels": [html for panel in DASHBOARD_PANELS if (html := panel(request, visible, today=today, calendar=calendar))],
        },
    )


@require_GET
@login_required
def project_list(request):
    today, calendar = timezone.localdate(), schedule.WorkCalendar.load()
    rows = access.projects_visible_to(request.user).order_by("-created_at", "-pk")
    filters = {key: request.GET[key].strip() for key in LIST_FILTERS if request.GET.get(key, "").strip()}
    rows = rows.filter(**{LIST_FILTERS[key]: value for key, value in filters.items()})
    if q := request.GET.get("q", "").strip():
        rows = rows.filter(topic__title__icontains=q)
        filters["q"] = q
    if (status := request.GET.get("status", "")) in STATUS_FILTERS:
        rows = schedule.filter_status(rows, status, today=today, calendar=calendar)
        filters["status"] = status
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = _table_rows(page.object_list, today, calendar)
    return render(
        request,
        "projects/project_list.html",
        {
            "page": page,
            "filters": filters,
            "states": State.choices,
            "tracks": Track.objects.all(),
            "genres": Genre.objects.all(),
            "units": access.units_visible_to(request.user),
        },
    )


def _detail_context(request, project, **extra):
    today, calendar = timezone.localdate(), schedule.WorkCalendar.load()
    milestones = list(project.milestones.order_by("due_on"))
    for m in milestones:
        m.rag = schedule.light(project, due_on=m.due_on, done_on=m.done_on, warn_days=m.warn_days, today=today, calendar=calendar)
    actions = rules.project_actions(project, request.user)
    context = {
        "project": project,
        "topic": project.topic,
        # Flagged first, then the close calls (regrouped by band in the template), best first in each.
        "similar": project.topic.similarities.select_related("other", "other__unit", "other__call").order_by("-flagged", "-score"),
        "milestones": milestones,
        "timeline": timeline.timeline(project, kinds=_timeline_kinds(request)),
        "timeline_kinds": [(code, label, code in _timeline_kinds(request)) for code, label in timeline.KINDS.items()],
        "deliverables": project.deliverables.select_related("author", "cut").prefetch_related("reviews__items__item", "reviews__reviewer"),
        "submitted": project.submitted_deliverable(),
        "actions": actions,
        # Where this stage's deliverable is written: a page for scripts and storyboards, the upload form for cuts.
        "edit_page": {
            Deliverable.Kind.SCRIPT: ("script-edit", _("Write the script")),
            Deliverable.Kind.STORYBOARD: ("storyboard-edit", _("Edit the storyboard")),
        }.get(actions.edit_kind),
        "uploads_cut": actions.edit_kind == Deliverable.Kind.CUT,
        "reason_form": ReasonForm(),
        "schedule_panels": [html for panel in PROJECT_SCHEDULE_PANELS
                            if (html := panel(request, project, milestones, today=today, calendar=calendar))],
    }
    context.update(extra)
    return context


def _timeline_kinds(request) -> set[str]:
    """The kinds the timeline is filtered to (``?show=review&show=waiver``); all when none."""
    return {k for k in request.GET.getlist("show") if k in timeline.KINDS}


def _refused(request, template, context, exc: ActionRefused):
    messages.error(request, str(exc.message))
    return render(request, template, context, status=exc.status_code)


@require_GET
@login_required
def project_detail(request, pk):
    project = access.get_project_for_user(request.user, pk)
    return render(request, "projects/project_detail.html", _detail_context(request, project))


@require_POST
@login_required
def project_transition(request, pk, name):
    project = access.get_project_for_user(request.user, pk)
    form = ReasonForm(request.POST)
    form.is_valid()
    reason = form.cleaned_data.get("reason", "")
    try:
        # An irreversible step (立项, reject, cancel, archive) answers first with what it does for
        # good and a form to confirm it; nothing changes until that form comes back confirmed.
        if (consequence := services.confirmation_of(project, name)) and request.POST.get("confirmed") != "1":
            reason = services.project_check_fire(project=project, user=request.user, name=name, reason=reason)
            offer = next(o for o in rules.project_actions(project, request.user).offers if o.name == name)
            return render(request, "projects/transition_confirm.html",
                          {"project": project, "offer": offer, "reason": reason, "consequence": consequence})
        services.project_fire(project=project, user=request.user, name=name, reason=reason)
    except ActionRefused as exc:
        project = access.get_project_for_user(request.user, pk)
        return _refused(request, "projects/project_detail.html", _detail_context(request, project), exc)
    messages.success(request, _("Done: the project is now “%(state)s”.") % {"state": project.get_state_display()})
    return redirect("project-detail", pk=project.pk)


@require_http_methods(["GET", "POST"])
@login_required
def project_plan(request, pk):
    project = access.get_project_to_plan(request.user, pk)
    initial = {"genre": project.genre, "track": project.track, "origin": project.origin, "deadline": project.deadline,
               "spec_resolution": project.spec_resolution, "spec_fps": project.spec_fps}
    form = PlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.project_plan(project=project, user=request.user, **form.cleaned_data)
        except ActionRefused as exc:
            return _refused(request, "projects/project_plan.html", {"project": project, "form": form}, exc)
        messages.success(request, _("Plan saved; the schedule was recomputed from the deadline."))
        return redirect("project-detail", pk=project.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "projects/project_plan.html", {"project": project, "form": form}, status=status)


@require_GET
@login_required
def project_calendar(request, pk):
    project = access.get_project_for_user(request.user, pk)
    cal = milestones_calendar(project, project.milestones.order_by("due_on"), host=calendars.uid_host(request))
    return calendars.response(cal, filename=f"reelwork-project-{project.pk}.ics")


# --- topics ---------------------------------------------------------------------------------


@require_GET
@login_required
def call_list(request):
    calls = access.calls_for_user(request.user).annotate(n_topics=Count("topics"))
    return render(request, "projects/call_list.html", {"calls": calls, "today": timezone.localdate()})


@require_http_methods(["GET", "POST"])
@login_required
def topic_pitch(request, pk):
    call = access.get_call_for_user(request.user, pk)
    form = PitchForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            topic = services.topic_pitch(user=request.user, call=call, **form.cleaned_data)
        except ActionRefused as exc:
            return _refused(request, "projects/topic_pitch.html", {"call": call, "form": form}, exc)
        if topic.flagged:
            messages.warning(request, _("This topic resembles earlier topics; the office will see the matches below."))
        else:
            messages.success(request, _("Topic pitched."))
        return redirect("project-detail", pk=topic.project.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "projects/topic_pitch.html", {"call": call, "form": form}, status=status)


# --- deliverables ---------------------------------------------------------------------------


def _latest(project, kind):
    return project.deliverables.filter(kind=kind).order_by("-version").prefetch_related("shots").first()


@require_http_methods(["GET", "POST"])
@login_required
def script_edit(request, pk):
    project = access.get_project_for_user(request.user, pk)
    latest = _latest(project, Deliverable.Kind.SCRIPT)
    initial = {"base_version": latest.version if latest else 0}
    if latest:
        initial.update(script=latest.script, narration=latest.narration)
    form = ScriptForm(request.POST or None, initial=initial)
    context = {"project": project, "form": form, "latest": latest, "kind": Deliverable.Kind.SCRIPT}
    if request.method == "POST" and form.is_valid():
        try:
            version = services.deliverable_save(project=project, user=request.user, kind=Deliverable.Kind.SCRIPT, **form.cleaned_data)
        except ActionRefused as exc:
            return _refused(request, "projects/script_edit.html", context, exc)
        messages.success(request, _("Saved as version %(v)s.") % {"v": version.version})
        return redirect("project-detail", pk=project.pk)
    return render(request, "projects/script_edit.html", context, status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
@login_required
def storyboard_edit(request, pk):
    """The shot list editor: one save writes one version. Shots are numbered by their order on the
    page; each row names the stored shot it came from (``source``), so its frame follows it. A
    refused save shows the page again with every posted row as it was typed; a stale one also says
    which version is current and lets the next save write on top of it, these rows included."""
    project = access.get_project_for_user(request.user, pk)
    latest = _latest(project, Deliverable.Kind.STORYBOARD)
    posted = request.method == "POST"
    initial = [{**{f: getattr(s, f) for f in STORYBOARD_FIELDS}, "source": s.pk} for s in (latest.shots.all() if latest else [])]
    header = StoryboardHeaderForm(request.POST if posted else None, initial={"base_version": latest.version if latest else 0})
    formset = ShotFormSet(request.POST if posted else None, request.FILES if posted else None,
                          initial=None if posted else initial, prefix="shots")
    context = {"project": project, "header": header, "formset": formset, "latest": latest, "kind": Deliverable.Kind.STORYBOARD}
    status = 200
    if posted:
        status = 400
        header_ok, rows_ok = header.is_valid(), formset.is_valid()
        if header_ok and rows_ok:
            kept = [f.cleaned_data for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
            for number, row in enumerate(kept, start=1):
                row["number"] = number
            try:
                version = services.deliverable_save(
                    project=project, user=request.user, kind=Deliverable.Kind.STORYBOARD, shots=kept, **header.cleaned_data
                )
            except StaleEdit as exc:
                # Their rows stay; the next save builds on the version that is current now.
                data = request.POST.copy()
                data["base_version"] = exc.current
                context["header"] = StoryboardHeaderForm(data)
                context["header"].is_valid()
                context["stale"] = _latest(project, Deliverable.Kind.STORYBOARD)
                messages.error(request, str(exc.message))
                status = exc.status_code
            except ActionRefused as exc:
                messages.error(request, str(exc.message))
                status = exc.status_code
            else:
                messages.success(request, _("Saved as version %(v)s.") % {"v": version.version})
                return redirect("project-detail", pk=project.pk)
        else:
            wrong = [str(n) for n, f in enumerate(formset.forms, start=1) if f.errors and not formset._should_delete_form(f)]
            if wrong:
                messages.error(request, _("Some shots need changes before saving: shot %(numbers)s.") % {"numbers": ", ".join(wrong)})
    context["rows"] = _storyboard_rows(project, formset, files_posted=posted and bool(request.FILES))
    empty = formset.empty_form
    context["empty_row"] = {"form": empty, "cells": [empty[name] for name in STORYBOARD_FIELDS], "shot": None}
    context["editor_words"] = {
        "arrange": _("Arrange"),
        "hint": _("Move a row with its ↑ and ↓ buttons, by dragging its ⠿ handle, or with Alt+↑ and Alt+↓ anywhere in the row."), "add": _("Add a shot"),
        "up": _("Move shot {n} up"), "down": _("Move shot {n} down"),
        "above": _("Insert above shot {n}"), "below": _("Insert below shot {n}"),
        "delete": _("Delete shot {n}"), "undo": _("Undo deleting shot {n}"), "deleted": _("Deleted: this row is left out when you save."),
        "moved": _("Shot moved to place {n}."), "frameOf": _("Frame of shot {n}"),
        "aboveShort": _("Insert above"), "belowShort": _("Insert below"), "deleteShort": _("Delete"), "undoShort": _("Undo"),
        "limit": _("A storyboard has at most %(n)s shots.") % {"n": limits.SHOTS}, "max": limits.SHOTS,
    }
    return render(request, "projects/storyboard_edit.html", context, status=status)


STORYBOARD_FIELDS = ("picture", "shot_size", "dialogue", "camera_movement", "duration_seconds", "notes")


def _storyboard_rows(project, formset, *, files_posted):
    """Each form of the editor with its cells in column order and the stored frame it carries
    (looked up once for every row: the project's own storyboard shots only)."""
    sources = {}
    for form in formset.forms:
        raw = form["source"].value()
        if str(raw or "").isdigit():
            sources[form] = int(raw)
    shots = {s.pk: s for s in Shot.objects.filter(pk__in=set(sources.values()), deliverable__project=project,
                                                   deliverable__kind=Deliverable.Kind.STORYBOARD)
             .only("pk", "number", "deliverable_id", "frame", "thumbnail")} if sources else {}
    rows = []
    for form in formset.forms:
        shot = shots.get(sources.get(form))
        rows.append({
            "form": form,
            "cells": [form[name] for name in STORYBOARD_FIELDS],
            "shot": shot if shot is not None and shot.frame else None,
            # A file chosen for a row is not sent back with the page: say it must be chosen again.
            "refile": files_posted and bool(form.files.get(form.add_prefix("frame"))),
        })
    return rows


@require_POST
@login_required
def deliverable_submit(request, pk, kind):
    project = access.get_project_for_user(request.user, pk)
    if kind not in Deliverable.Kind.values:
        raise Http404
    try:
        version = services.deliverable_submit(project=project, user=request.user, kind=kind)
    except ActionRefused as exc:
        project = access.get_project_for_user(request.user, pk)
        return _refused(request, "projects/project_detail.html", _detail_context(request, project), exc)
    messages.success(request, _("Version %(v)s submitted for review.") % {"v": version.version})
    return redirect("project-detail", pk=project.pk)


@require_GET
@login_required
def deliverable_detail(request, pk, version_pk):
    deliverable = access.get_deliverable_for_user(request.user, pk, version_pk)
    return render(
        request,
        "projects/deliverable_detail.html",
        {"project": deliverable.project, "deliverable": deliverable, "exhibit": exhibits.exhibit(deliverable, request.user),
         "reviews": deliverable.reviews.prefetch_related("items__item", "reviewer")},
    )


@require_GET
@login_required
def shot_frame(request, pk, version_pk, number):
    """A storyboard frame, to whoever may see its version (stored files have no public URL)."""
    shot = access.get_shot_for_user(request.user, pk, version_pk, number)
    return _stored_picture(shot.frame)


@require_GET
@login_required
def shot_thumbnail(request, pk, version_pk, number):
    """The small JPEG of a frame, to the same people as the frame itself."""
    shot = access.get_shot_for_user(request.user, pk, version_pk, number)
    return _stored_picture(shot.thumbnail)


def _stored_picture(field):
    if not field:
        raise Http404
    content_type = mimetypes.guess_type(field.name)[0] or "application/octet-stream"
    response = FileResponse(default_storage.open(field.name), content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_http_methods(["GET", "POST"])
@login_required
def stage_review(request, pk):
    project = access.get_project_to_review(request.user, pk)
    submitted = project.submitted_deliverable()
    form = ReviewForm(request.POST or None, stage=project.state)
    if submitted is None:
        messages.info(request, _("There is no submitted deliverable waiting for review."))
        return redirect("project-detail", pk=project.pk)
    # The deliverable under review beside the checklist, and what the office said of the
    # previous version (so the reviewer checks the returned points were answered).
    previous = (project.deliverables.filter(kind=submitted.kind, version__lt=submitted.version)
                .order_by("-version").prefetch_related("reviews__items__item").first())
    context = {"project": project, "form": form, "submitted": submitted,
               "exhibit": exhibits.exhibit(submitted, request.user), "previous": previous}
    if request.method == "POST" and form.is_valid():
        try:
            services.stage_review_record(
                project=project,
                user=request.user,
                decision=form.cleaned_data["decision"],
                results=form.results(),
                comment=form.cleaned_data["comment"],
            )
        except ActionRefused as exc:
            return _refused(request, "projects/stage_review.html", context, exc)
        messages.success(request, _("Review recorded."))
        return redirect("project-detail", pk=project.pk)
    return render(request, "projects/stage_review.html", context, status=400 if request.method == "POST" else 200)
