"""Object-level access for screenings: one helper per object type and purpose, the first line of
every view, pages and API alike.

Screening events are the organisers' and the office's: anyone else (producers, panelists, people
without a role) finds no such page (404), so the programme does not leak. An organiser who sees an
event but did not schedule it gets 403 with the reason when they try to change it.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from screenings import rules
from screenings.models import Event, Slot, ViewerLink
from studio.errors import ActionRefused


def events_visible_to(user):
    return Event.objects.all() if rules.organises(user) else Event.objects.none()


def events_for_user(user):
    """The events list, the new-event pages and the totals: organisers and the office; others 404."""
    if not rules.organises(user):
        raise Http404
    return events_visible_to(user)


def get_event_for_user(user, pk) -> Event:
    return get_object_or_404(events_visible_to(user).select_related("venue", "course_kind", "created_by"), pk=pk)


def _refuse(check, *args):
    try:
        check(*args)
    except ActionRefused as refusal:
        raise PermissionDenied(str(refusal.message)) from None


def get_event_to_edit(user, pk) -> Event:
    event = get_event_for_user(user, pk)
    _refuse(rules.check_can_edit, event, user)
    return event


def get_slot_for_user(user, pk) -> Slot:
    return get_object_or_404(
        Slot.objects.filter(event__in=events_visible_to(user)).select_related("event", "event__venue", "film__topic", "venue"),
        pk=pk,
    )


def get_slot_to_edit(user, pk) -> Slot:
    slot = get_slot_for_user(user, pk)
    _refuse(rules.check_can_edit, slot.event, user)
    return slot


def get_link_to_revoke(user, pk) -> ViewerLink:
    link = get_object_or_404(ViewerLink.objects.filter(event__in=events_visible_to(user)).select_related("event", "film"), pk=pk)
    _refuse(rules.check_can_edit, link.event, user)
    return link
