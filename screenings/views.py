"""Screening pages. Each view: access helper first, parse input, call one service, render.

A refused action re-renders the page with the reason and the refusal's 4xx status.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from media import showings
from screenings import access, charts, links, rules, services
from screenings.forms import EventForm, HeadcountForm, LinkForm, SlotForm
from screenings.models import CalendarFeed, Event, InPersonCount
from screenings.totals import audience_totals
from studio import limits
from studio.errors import ActionRefused


def _refused(request, template, context, exc: ActionRefused):
    messages.error(request, str(exc.message))
    return render(request, template, context, status=exc.status_code)


@require_GET
@login_required
def event_list(request):
    events = access.events_for_user(request.user).select_related("venue", "course_kind", "created_by")
    feed = CalendarFeed.objects.filter(user=request.user).first()
    return render(request, "screenings/event_list.html", {
        "events": events, "kinds": Event.Kind.choices,
        "private_calendar_url": request.build_absolute_uri(reverse("calendar-private", args=[feed.token])) if feed else None,
    })


def _kind_of(kind: str) -> str:
    if kind not in Event.Kind.values:
        raise Http404
    return kind


@require_http_methods(["GET", "POST"])
@login_required
def event_create(request, kind):
    access.events_for_user(request.user)
    kind = _kind_of(kind)
    form = EventForm(request.POST or None, kind=kind)
    context = {"form": form, "kind_label": Event.Kind(kind).label}
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_create(user=request.user, kind=kind, **form.cleaned_data)
        except ActionRefused as exc:
            return _refused(request, "screenings/event_form.html", context, exc)
        messages.success(request, _("Scheduled. Now programme its films."))
        return redirect("event-detail", pk=event.pk)
    return render(request, "screenings/event_form.html", context, status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
@login_required
def event_edit(request, pk):
    event = access.get_event_to_edit(request.user, pk)
    form = EventForm(request.POST or None, kind=event.kind, initial=EventForm.initial_of(event))
    context = {"form": form, "event": event, "kind_label": event.get_kind_display()}
    if request.method == "POST" and form.is_valid():
        try:
            services.event_update(event=event, user=request.user, **form.cleaned_data)
        except ActionRefused as exc:
            return _refused(request, "screenings/event_form.html", context, exc)
        messages.success(request, _("Saved."))
        return redirect("event-detail", pk=event.pk)
    return render(request, "screenings/event_form.html", context, status=400 if request.method == "POST" else 200)


def _detail_context(request, event, **extra):
    slots = list(
        event.slots.select_related("film__topic", "venue", "event").prefetch_related(
            Prefetch("counts", queryset=InPersonCount.objects.select_related("recorded_by"))
        )
    )
    for slot in slots:
        slot.actions = rules.slot_actions(slot, request.user)
        slot.current_count = next((c for c in slot.counts.all() if c.current), None)
    context = {
        "event": event,
        "slots": slots,
        "actions": rules.event_actions(event, request.user),
        "slot_form": SlotForm(event=event),
        "headcount_form": HeadcountForm(),
    }
    if event.is_cloud:
        for slot in slots:
            slot.streamable = showings.hls_of(showings.film_cut(slot.film)) is not None
        now = timezone.now()
        viewer_links = list(event.links.select_related("film__topic", "created_by", "revoked_by"))
        for link in viewer_links:
            link.url = request.build_absolute_uri(links.watch_path(link))
            link.expired = link.expires_at <= now
        context.update(viewer_links=viewer_links, link_form=LinkForm(event=event))
    context.update(extra)
    return context


@require_GET
@login_required
def event_detail(request, pk):
    event = access.get_event_for_user(request.user, pk)
    return render(request, "screenings/event_detail.html", _detail_context(request, event))


@require_POST
@login_required
def slot_add(request, pk):
    event = access.get_event_to_edit(request.user, pk)
    form = SlotForm(request.POST, event=event)
    if not form.is_valid():
        messages.error(request, _("Check the showing's fields."))
        return render(request, "screenings/event_detail.html", _detail_context(request, event, slot_form=form), status=400)
    try:
        slot = services.slot_add(event=event, user=request.user, **form.cleaned_data)
    except ActionRefused as exc:
        return _refused(request, "screenings/event_detail.html", _detail_context(request, event, slot_form=form), exc)
    messages.success(request, _("“%(film)s” is programmed.") % {"film": slot.film.title})
    return redirect("event-detail", pk=event.pk)


@require_http_methods(["GET", "POST"])
@login_required
def slot_edit(request, pk):
    slot = access.get_slot_to_edit(request.user, pk)
    form = SlotForm(request.POST or None, event=slot.event, initial=SlotForm.initial_of(slot))
    context = {"form": form, "slot": slot, "event": slot.event}
    if request.method == "POST" and form.is_valid():
        try:
            services.slot_update(slot=slot, user=request.user, **form.cleaned_data)
        except ActionRefused as exc:
            return _refused(request, "screenings/slot_form.html", context, exc)
        messages.success(request, _("Saved."))
        return redirect("event-detail", pk=slot.event_id)
    return render(request, "screenings/slot_form.html", context, status=400 if request.method == "POST" else 200)


@require_POST
@login_required
def slot_remove(request, pk):
    slot = access.get_slot_to_edit(request.user, pk)
    try:
        services.slot_remove(slot=slot, user=request.user)
    except ActionRefused as exc:
        return _refused(request, "screenings/event_detail.html", _detail_context(request, slot.event), exc)
    messages.success(request, _("“%(film)s” is off the programme.") % {"film": slot.film.title})
    return redirect("event-detail", pk=slot.event_id)


@require_POST
@login_required
def slot_headcount(request, pk):
    slot = access.get_slot_to_edit(request.user, pk)
    form = HeadcountForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the headcount (and the roster, if any) as whole numbers from 0 to %(max)s.")
                       % {"max": limits.AUDIENCE})
        return render(request, "screenings/event_detail.html", _detail_context(request, slot.event), status=400)
    try:
        services.inperson_record(slot=slot, user=request.user, **form.cleaned_data)
    except ActionRefused as exc:
        return _refused(request, "screenings/event_detail.html", _detail_context(request, slot.event), exc)
    messages.success(request, _("Headcount recorded."))
    return redirect("event-detail", pk=slot.event_id)


@require_POST
@login_required
def link_create(request, pk):
    event = access.get_event_to_edit(request.user, pk)
    form = LinkForm(request.POST, event=event)
    if not form.is_valid():
        messages.error(request, _("Check the link's fields."))
        return render(request, "screenings/event_detail.html", _detail_context(request, event, link_form=form), status=400)
    try:
        services.link_create(event=event, user=request.user, **form.cleaned_data)
    except ActionRefused as exc:
        return _refused(request, "screenings/event_detail.html", _detail_context(request, event, link_form=form), exc)
    messages.success(request, _("The link is made: copy it from the list below."))
    return redirect("event-detail", pk=event.pk)


@require_POST
@login_required
def link_revoke(request, pk):
    link = access.get_link_to_revoke(request.user, pk)
    try:
        services.link_revoke(link=link, user=request.user)
    except ActionRefused as exc:
        return _refused(request, "screenings/event_detail.html", _detail_context(request, link.event), exc)
    messages.success(request, _("The link is revoked: it opens nothing from now on."))
    return redirect("event-detail", pk=link.event_id)


@require_GET
@login_required
def totals(request):
    access.events_for_user(request.user)
    totals = audience_totals()
    return render(request, "screenings/totals.html", {"totals": totals, "charts": charts.totals_charts(totals)})

