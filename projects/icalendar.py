"""iCalendar (RFC 5545) export of a project's milestones, written by hand: it is a few lines of
text and every calendar client reads all-day VEVENTs."""

import datetime as dt

from django.utils import timezone


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> list[str]:
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545 §3.1)."""
    out, current = [], ""
    for char in line:
        if len((current + char).encode()) > 75:
            out.append(current)
            current = " " + char
        else:
            current += char
    out.append(current)
    return out


def milestones_to_ics(project, milestones, *, host: str) -> str:
    stamp = timezone.now().astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Reelwork//Schedule//ZH", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
             f"X-WR-CALNAME:{_escape(project.title)}"]
    for m in milestones:
        lines += [
            "BEGIN:VEVENT",
            f"UID:reelwork-{project.pk}-{m.stage}@{host.split(':')[0]}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{m.due_on:%Y%m%d}",
            f"DTEND;VALUE=DATE:{m.due_on + dt.timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{_escape(f'{project.title} · {m.get_stage_display()}')}",
            f"DESCRIPTION:{_escape(f'{m.starts_on:%Y-%m-%d} → {m.due_on:%Y-%m-%d}')}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(folded + "\r\n" for line in lines for folded in _fold(line))
