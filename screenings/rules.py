"""What may be programmed where and when, and who may do it: each rule written once.

Like ``projects.rules``: a ``check_*`` function raises the refusal a user reads, the services call
it before they change anything, and :func:`event_actions` / :func:`slot_actions` evaluate the same
checks into the records pages, templates and the API read.

Bookings. A slot in a venue books the venue for the slot's times; a training course books its
venue for the whole course (its own slots sit inside that booking). Two bookings of one venue
may not overlap, whichever events they belong to; a cloud showing books no venue. Every clash
is refused with the other booking named: its event, its film, the venue and when.
"""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from projects.models import State, VideoProject
from projects.rules import Verdict, verdict
from screenings.models import Event, OnlineView, Slot, Venue, ViewerLink
from studio import limits, roles
from studio.errors import Conflict, Forbidden, Invalid

# Films that may be programmed: approved by the panel, or already being shown.
PROGRAMMABLE = (State.APPROVED, State.SCREENING)


def when(starts_at: dt.datetime, ends_at: dt.datetime) -> str:
    """A span as the reader's clock shows it: "2026-05-04 14:00–16:00" (the date once when both
    ends fall on one day). ISO order reads the same in Chinese and English."""
    start, end = timezone.localtime(starts_at), timezone.localtime(ends_at)
    if start.date() == end.date():
        return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"
    return f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M}"


# --- who ----------------------------------------------------------------------------------------


def organises(user) -> bool:
    """Organisers and the office see the screening events and make them."""
    return roles.is_office(user) or roles.is_organiser(user)


def check_can_create(user) -> None:
    if not organises(user):
        raise Forbidden(_("Only screening organisers and the office schedule screenings."))


def check_can_edit(event: Event, user) -> None:
    """An event is changed by the organiser who made it, or by the office."""
    if roles.is_office(user):
        return
    if not (roles.is_organiser(user) and event.created_by_id == user.pk):
        raise Forbidden(_("Only the organiser who scheduled “%(event)s”, or the office, may change it.") % {"event": event.title})


# --- what ---------------------------------------------------------------------------------------


def check_programmable(film: VideoProject) -> None:
    if film.state not in PROGRAMMABLE:
        raise Conflict(
            _("“%(film)s” is “%(state)s”: only approved films can be programmed.")
            % {"film": film.title, "state": film.get_state_display()}
        )


def check_span(starts_at, ends_at, *, now=None) -> None:
    """A start and an end, the end after the start, within the years and the length events may have."""
    if starts_at is None or ends_at is None:
        raise Invalid(_("Give a start and an end."))
    now = now or timezone.now()
    around = dt.timedelta(days=365 * limits.EVENT_YEARS_AROUND)
    if starts_at < now - around or ends_at > now + around or starts_at > now + around or ends_at < now - around:
        raise Invalid(_("Screenings are scheduled within %(n)s years of today.") % {"n": limits.EVENT_YEARS_AROUND})
    if ends_at <= starts_at:
        raise Invalid(
            _("The end (%(end)s) must come after the start (%(start)s).")
            % {"start": f"{timezone.localtime(starts_at):%Y-%m-%d %H:%M}", "end": f"{timezone.localtime(ends_at):%Y-%m-%d %H:%M}"}
        )
    if ends_at - starts_at > dt.timedelta(days=limits.EVENT_MAX_DAYS):
        raise Invalid(_("An event lasts at most %(n)s days.") % {"n": limits.EVENT_MAX_DAYS})


def check_inside(event: Event, starts_at, ends_at, film: VideoProject | None = None) -> None:
    """A slot lies inside its event's window (a cloud showing's link is open only then)."""
    if starts_at < event.starts_at or ends_at > event.ends_at:
        if film is not None:
            raise Conflict(
                _("“%(film)s” (%(slot)s) would lie outside “%(event)s”, which would run %(window)s.")
                % {"film": film.title, "slot": when(starts_at, ends_at), "event": event.title,
                   "window": when(event.starts_at, event.ends_at)}
            )
        raise Conflict(
            _("The showing (%(slot)s) lies outside “%(event)s”, which runs %(window)s.")
            % {"slot": when(starts_at, ends_at), "event": event.title, "window": when(event.starts_at, event.ends_at)}
        )


def check_audience(number, what: str) -> None:
    if number is not None and not 0 <= number <= limits.AUDIENCE:
        raise Invalid(_("%(what)s must be between 0 and %(max)s.") % {"what": what, "max": limits.AUDIENCE})


def check_capacity(venue: Venue, number, what: str) -> None:
    """``what`` (an expected audience, a roster, a headcount) fits the venue's seats."""
    check_audience(number, what)
    if number is not None and number > venue.capacity:
        raise Conflict(
            _("%(what)s of %(n)s is more than %(venue)s holds (%(capacity)s seats).")
            % {"what": what, "n": number, "venue": venue.name, "capacity": venue.capacity}
        )


def check_venue_free(venue: Venue, starts_at, ends_at, *, event: Event | None = None, slot: Slot | None = None,
                     course: Event | None = None) -> None:
    """Nothing else books ``venue`` between ``starts_at`` and ``ends_at``.

    Leave out of the comparison: ``slot`` (a slot being moved), ``event`` with all its slots (a
    course being edited: its slots move with it), and ``course`` (the course a slot belongs to:
    the slot sits inside that booking, and is compared with the course's other slots).
    """
    courses = Event.objects.filter(kind=Event.Kind.COURSE, venue=venue, starts_at__lt=ends_at, ends_at__gt=starts_at)
    slots = Slot.objects.filter(venue=venue, starts_at__lt=ends_at, ends_at__gt=starts_at)
    for skipped in (event, course):
        if skipped is not None:
            courses = courses.exclude(pk=skipped.pk)
    if event is not None:
        slots = slots.exclude(event=event)
    if slot is not None and slot.pk:
        slots = slots.exclude(pk=slot.pk)
    other = courses.order_by("starts_at", "pk").first()
    if other is not None:
        raise Conflict(
            _("%(venue)s is booked for the course “%(event)s”, %(when)s.")
            % {"venue": venue.name, "event": other.title, "when": when(other.starts_at, other.ends_at)}
        )
    other = slots.select_related("event", "film__topic").order_by("starts_at", "pk").first()
    if other is not None:
        raise Conflict(
            _("%(venue)s is booked %(when)s: “%(film)s” in “%(event)s”.")
            % {"venue": venue.name, "when": when(other.starts_at, other.ends_at), "film": other.film.title,
               "event": other.event.title}
        )


def check_film_once_online(event: Event, film: VideoProject, slot: Slot | None = None) -> None:
    """A cloud showing offers each film once: its views are counted per film and event."""
    others = event.slots.filter(film=film).exclude(pk=slot.pk if slot else None)
    if event.is_cloud and others.exists():
        raise Conflict(_("“%(film)s” is already in “%(event)s”.") % {"film": film.title, "event": event.title})


def slot_has_audience(slot: Slot) -> bool:
    """A recorded headcount, or online views of the slot's film in its cloud showing."""
    if any(count.current for count in slot.counts.all()):
        return True
    return slot.event.is_cloud and OnlineView.objects.filter(event_id=slot.event_id, film_id=slot.film_id).exists()


def check_can_remove(slot: Slot, user) -> None:
    check_can_edit(slot.event, user)
    if slot_has_audience(slot):
        raise Conflict(_("“%(film)s” has a counted audience here: the showing stays on the record.") % {"film": slot.film.title})


def check_can_count(slot: Slot, user, *, now=None) -> None:
    """A headcount is entered for a showing in a venue once it has begun."""
    check_can_edit(slot.event, user)
    if slot.venue_id is None:
        raise Conflict(_("A cloud showing's audience is counted by its link, not entered by hand."))
    if slot.starts_at > (now or timezone.now()):
        raise Conflict(_("The showing has not begun (%(when)s): count its audience when it has.") % {"when": when(slot.starts_at, slot.ends_at)})


def check_can_link(event: Event, user) -> None:
    """Viewer links are made (and revoked) for cloud showings by whoever may change the event."""
    check_can_edit(event, user)
    if not event.is_cloud:
        raise Conflict(_("Viewer links are for cloud showings; “%(event)s” is not one.") % {"event": event.title})


def check_can_revoke(link: ViewerLink, user) -> None:
    check_can_link(link.event, user)
    if link.revoked:
        raise Conflict(_("This link was already revoked (%(when)s).")
                       % {"when": f"{timezone.localtime(link.revoked_at):%Y-%m-%d %H:%M}"})


# --- what a user may do now ---------------------------------------------------------------------


@dataclass(frozen=True)
class EventActions:
    edit: Verdict  # change the event, and add, move or remove its slots
    link: Verdict  # make and revoke viewer links (cloud showings)


def event_actions(event: Event, user) -> EventActions:
    return EventActions(edit=verdict(check_can_edit, event, user), link=verdict(check_can_link, event, user))


@dataclass(frozen=True)
class SlotActions:
    edit: Verdict
    remove: Verdict
    count: Verdict  # enter (or correct) the headcount


def slot_actions(slot: Slot, user) -> SlotActions:
    """``slot.counts`` should be prefetched: a page asks this of every slot it lists."""
    return SlotActions(
        edit=verdict(check_can_edit, slot.event, user),
        remove=verdict(check_can_remove, slot, user),
        count=verdict(check_can_count, slot, user),
    )
