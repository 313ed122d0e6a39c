"""Screening helpers: a clock of fixed days ahead, so tests read like a programme.

``at(day, "14:00")`` is a local time ``day`` days after the start of the week the test events are
scheduled in (ten days from today).
"""

import datetime as dt

from django.utils import timezone

WEEK_STARTS = timezone.localdate() + dt.timedelta(days=10)


def at(day: int, clock: str = "00:00") -> dt.datetime:
    hour, minute = map(int, clock.split(":"))
    return timezone.make_aware(dt.datetime.combine(WEEK_STARTS + dt.timedelta(days=day), dt.time(hour, minute)))
