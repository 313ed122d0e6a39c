"""Screening events as iCalendar: one event's ``.ics``, a person's private feed and the public
feed of cloud showings. The writing is ``studio.calendars``; this module says what goes in.

* An event is one VEVENT over its window; a film week adds one VEVENT per slot (the programme
  across days and venues is what people put in their diaries).
* The **private feed** (``/calendar/<token>.ics``) holds the events its owner scheduled (the
  office: every event), with the link to each event's page; calendar apps fetch it without an
  account, so the stored random token is the key (``CalendarFeed``), rotated by POST.
* The **public feed** (``/calendar/cloud.ics``) holds cloud showings only: the title, the window,
  the platform and the films' titles. Never a viewer link: those are published by the organiser
  where they choose, and a revoked one would linger in people's calendars.

Feeds hold events that ended up to ``FEED_PAST_DAYS`` ago and everything after.
"""

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from screenings import rules
from screenings.models import CalendarFeed, Event
from studio import calendars, roles, words

FEED_PAST_DAYS = 180


def _where(event: Event, slots) -> str:
    if event.is_cloud:
        return event.platform
    if event.venue is not None:
        return ", ".join(part for part in (event.venue.name, event.venue.address) if part)
    return " / ".join(dict.fromkeys(slot.venue.name for slot in slots if slot.venue is not None))


def _programme(event: Event, slots) -> str:
    lines = [str(event.get_kind_display())]
    if event.is_cloud and event.platform:
        lines.append(_("Platform: %(platform)s") % {"platform": event.platform})
    if event.is_course and event.course_kind is not None:
        lines.append(" ".join(filter(None, (event.course_kind.label, event.course_name))))
    for slot in slots:
        line = f"· {slot.film.title}"
        if not event.is_cloud:
            line += f" — {rules.when(slot.starts_at, slot.ends_at)}" + (f", {slot.venue.name}" if slot.venue else "")
        lines.append(line)
    return "\n".join(lines)


def _add(cal, event: Event, *, host: str, base_url: str | None) -> None:
    slots = list(event.slots.all())
    url = base_url + reverse("event-detail", args=[event.pk]) if base_url else ""
    calendars.add_event(cal, uid=f"reelwork-event-{event.pk}@{host}", start=event.starts_at, end=event.ends_at,
                        summary=event.title, description=_programme(event, slots),
                        location=_where(event, slots), url=url, updated=event.updated_at)
    if event.is_film_week:
        for slot in slots:
            calendars.add_event(cal, uid=f"reelwork-slot-{slot.pk}@{host}", start=slot.starts_at, end=slot.ends_at,
                                summary=f"{slot.film.title} · {event.title}", description=event.title,
                                location=slot.venue.name if slot.venue else "", url=url)


def _with_programme(events):
    return events.select_related("venue", "course_kind").prefetch_related("slots__film__topic", "slots__venue")


def event_calendar(event: Event, *, host: str, base_url: str):
    cal = calendars.new_calendar(event.title)
    _add(cal, _with_programme(Event.objects.filter(pk=event.pk)).get(), host=host, base_url=base_url)
    return cal


def _recent(events):
    return events.filter(ends_at__gte=timezone.now() - dt.timedelta(days=FEED_PAST_DAYS)).order_by("starts_at", "pk")


def feed_owner(token: str):
    """The person whose private feed ``token`` opens, or None: an unknown (or rotated) token, or
    someone who no longer organises screenings."""
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first() if token else None
    if feed is None or not feed.user.is_active or not rules.organises(feed.user):
        return None
    return feed.user


def private_calendar(user, *, host: str, base_url: str):
    events = Event.objects.all() if roles.is_office(user) else Event.objects.filter(created_by=user)
    cal = calendars.new_calendar(_("Reelwork screenings · %(name)s") % {"name": words.person(user)})
    for event in _with_programme(_recent(events)):
        _add(cal, event, host=host, base_url=base_url)
    return cal


def public_calendar(*, host: str):
    cal = calendars.new_calendar(_("Cloud showings (云展播)"))
    for event in _with_programme(_recent(Event.objects.filter(kind=Event.Kind.CLOUD))):
        _add(cal, event, host=host, base_url=None)
    return cal
