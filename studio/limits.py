"""Bounds on what people send: one home, read by services (which enforce them), forms and
serializers (which say them early, and in the API schema). Generous for real work, small enough
that no single request can fill the database or the memory of a worker."""

import datetime as dt

from django.utils.translation import gettext as _

from studio.errors import Invalid

# Free text, in characters. A 20-minute film's script and narration run to some 10,000 characters.
TITLE = 120
LOGLINE = 1000
LOCAL_ELEMENTS = 300
SCRIPT = 100_000
NOTE = 2000
COMMENT = 5000
REASON = 2000
SHOT_TEXT = 2000
CAMERA_MOVEMENT = 60
FILENAME = 255

# Storyboards: shots per version, shot numbers, seconds per shot.
SHOTS = 300
SHOT_NUMBER = 999
SHOT_SECONDS = 3600
# A storyboard frame: a JPEG, PNG or WebP picture of at most 10 MiB and 25 megapixels (a 6000×4000
# photo); its thumbnail fits in 320×320.
FRAME_BYTES = 10 * 1024**2
FRAME_PIXELS = 25_000_000
THUMBNAIL_PX = 320

# A delivery deadline lies between a year ago (replanning a late film) and five years ahead.
DEADLINE_DAYS_BACK = 365
DEADLINE_YEARS_AHEAD = 5


def deadline_range(today: dt.date) -> tuple[dt.date, dt.date]:
    """The earliest and latest deadline the office may set today."""
    try:
        latest = today.replace(year=today.year + DEADLINE_YEARS_AHEAD)
    except ValueError:  # 29 February
        latest = today.replace(year=today.year + DEADLINE_YEARS_AHEAD, day=28)
    return today - dt.timedelta(days=DEADLINE_DAYS_BACK), latest

# Screenings: an event lies within five years either side of today and lasts at most a year; no
# roster, expected audience or headcount is over a million (a venue's seats bound them further).
EVENT_YEARS_AROUND = 5
EVENT_MAX_DAYS = 366
PLATFORM = 60
AUDIENCE = 1_000_000


def check_lengths(*fields) -> None:
    """Free text over its cap is refused with the field named: each of ``fields`` is
    ``(label, value, cap)``. Services call it; forms and serializers say the caps early."""
    for label, value, cap in fields:
        if len(value) > cap:
            raise Invalid(_("%(field)s is longer than %(max)s characters.") % {"field": label, "max": cap})
