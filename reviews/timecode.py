"""Frame-accurate time codes (HH:MM:SS:FF) in the cut's own frame rate.

Comments store frame numbers, never seconds, so a comment stays on its frame whatever the player's
clock rounding. NTSC rates (29.97, 23.976, 59.94) count frames at the nominal rate (30, 24, 60)
without dropping numbers: non-drop-frame time code, as editing software shows by default; over a
ten-minute film it runs 0.6 s ahead of the wall clock, which a panel comment can live with.
"""

import math
import re

DEFAULT_FPS = 25.0
TIMECODE = re.compile(r"^(\d{1,2}):([0-5]\d):([0-5]\d)[:;](\d{1,2})$")


def fps_of(cut) -> float:
    fps = (cut.probe or {}).get("fps") or DEFAULT_FPS
    return float(fps) if fps > 0 else DEFAULT_FPS


def frame_count(cut) -> int | None:
    """Frames in the cut, or None while its length is unknown."""
    duration = (cut.probe or {}).get("duration")
    return math.floor(duration * fps_of(cut) + 1e-6) if duration else None


def nominal(fps: float) -> int:
    return max(1, round(fps))


def to_timecode(frame: int, fps: float) -> str:
    per_second = nominal(fps)
    seconds, ff = divmod(frame, per_second)
    minutes, ss = divmod(seconds, 60)
    hh, mm = divmod(minutes, 60)
    return f"{hh:02d}:{mm:02d}:{ss:02d}:{ff:02d}"


def parse_timecode(text: str, fps: float) -> int | None:
    match = TIMECODE.match(text.strip())
    if not match:
        return None
    hh, mm, ss, ff = (int(g) for g in match.groups())
    per_second = nominal(fps)
    if ff >= per_second:
        return None
    return ((hh * 60 + mm) * 60 + ss) * per_second + ff


def seconds_of(frame: int, fps: float) -> float:
    """Where the frame starts on the media clock (what a player seeks to), a hair inside it."""
    return (frame + 0.01) / fps
