"""The one place Reelwork writes iCalendar (RFC 5545), with the ``icalendar`` package: a project's
milestones (``projects``) and screening events (``screenings``) alike.

Times go out in the site's time zone (``TIME_ZONE``, Asia/Shanghai) with a ``TZID`` and the
matching ``VTIMEZONE``, so a calendar app shows the hour the organiser typed whatever zone it runs
in; days (milestones) go out as all-day dates. The package escapes, folds lines at 75 octets and
writes CRLF, which the hand-written exporter this replaces had to do itself.
"""

import datetime as dt
import zoneinfo

import icalendar
from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone

PRODID = "-//Reelwork//Reelwork//ZH"


def new_calendar(name: str) -> icalendar.Calendar:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    return cal


def _local(value: dt.datetime) -> dt.datetime:
    return value.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE))


def add_event(cal: icalendar.Calendar, *, uid: str, start, end, summary: str, description: str = "",
              location: str = "", url: str = "", updated: dt.datetime | None = None) -> None:
    """One VEVENT. ``start``/``end`` are aware datetimes (sent in the site's zone with its TZID)
    or dates (an all-day event; ``end`` is the day after the last, as RFC 5545 has it)."""
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", timezone.now().astimezone(dt.UTC))
    if updated is not None:
        event.add("last-modified", updated.astimezone(dt.UTC))
    is_moment = isinstance(start, dt.datetime)
    event.add("dtstart", _local(start) if is_moment else start)
    event.add("dtend", _local(end) if is_moment else end)
    event.add("summary", summary)
    if description:
        event.add("description", description)
    if location:
        event.add("location", location)
    if url:
        event.add("url", url)
    cal.add_component(event)


def uid_host(request) -> str:
    """The host part of UIDs: stable per site, without the port."""
    return request.get_host().split(":")[0]


def response(cal: icalendar.Calendar, *, filename: str | None = None, cache: str = "private, no-store") -> HttpResponse:
    """The calendar as ``text/calendar``; an attachment when ``filename`` is given (a download),
    inline otherwise (a feed that calendar apps subscribe to)."""
    cal.add_missing_timezones()
    resp = HttpResponse(cal.to_ical(), content_type="text/calendar; charset=utf-8")
    if filename:
        resp["Content-Disposition"] = f'attachment; filename="{filename}"'
    resp["Cache-Control"] = cache
    return resp
