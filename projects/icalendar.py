"""A project's milestones as an iCalendar download: one all-day VEVENT per milestone on its due
day. The writing itself is ``studio.calendars`` (one home for iCalendar)."""

import datetime as dt

from studio import calendars


def milestones_calendar(project, milestones, *, host: str):
    cal = calendars.new_calendar(project.title)
    for m in milestones:
        calendars.add_event(
            cal, uid=f"reelwork-{project.pk}-{m.stage}@{host}", start=m.due_on, end=m.due_on + dt.timedelta(days=1),
            summary=f"{project.title} · {m.get_stage_display()}", description=f"{m.starts_on:%Y-%m-%d} → {m.due_on:%Y-%m-%d}",
        )
    return cal
