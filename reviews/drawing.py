"""Drawings on a frame, stored as vector JSON with the comment and redrawn over the video.

``{"shapes": [{"type": "arrow"|"rect"|"free", "points": [[x, y], ...], "color": "#e53935"}]}`` with
coordinates as fractions of the picture (0–1), so a drawing fits the player at any size. An arrow
and a rectangle have two points (from, to / two corners); a free-hand line at least two.
"""

import math
import re

from django.utils.translation import gettext as _

from studio.errors import Invalid

SHAPES = {"arrow": (2, 2), "rect": (2, 2), "free": (2, None)}
MAX_SHAPES = 20
MAX_POINTS = 2000  # over all shapes: a long free-hand stroke sampled at 60 Hz for half a minute
COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def clean(data) -> dict | None:
    """The drawing as it will be stored, or ``Invalid`` naming what is wrong."""
    if data in (None, "", {}):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("shapes"), list):
        raise Invalid(_("The drawing must be an object with a list of shapes."))
    shapes = data["shapes"]
    if not shapes:
        return None
    if len(shapes) > MAX_SHAPES:
        raise Invalid(_("A drawing has at most %(n)s shapes.") % {"n": MAX_SHAPES})
    cleaned, total = [], 0
    for index, shape in enumerate(shapes, start=1):
        if not isinstance(shape, dict) or shape.get("type") not in SHAPES:
            raise Invalid(_("Shape %(n)s must be an arrow, a rectangle or a free-hand line.") % {"n": index})
        points = shape.get("points")
        least, most = SHAPES[shape["type"]]
        if not isinstance(points, list) or len(points) < least or (most and len(points) > most):
            raise Invalid(_("Shape %(n)s has the wrong number of points.") % {"n": index})
        total += len(points)
        if total > MAX_POINTS:
            raise Invalid(_("A drawing has at most %(n)s points.") % {"n": MAX_POINTS})
        clean_points = []
        for point in points:
            if not (isinstance(point, list) and len(point) == 2 and all(_number(v) for v in point)):
                raise Invalid(_("Shape %(n)s has a point that is not a pair of numbers.") % {"n": index})
            x, y = (float(v) for v in point)
            if not (0 <= x <= 1 and 0 <= y <= 1):
                raise Invalid(_("Shape %(n)s has a point outside the frame.") % {"n": index})
            clean_points.append([round(x, 4), round(y, 4)])
        color = shape.get("color") or "#e53935"
        if not isinstance(color, str) or not COLOR.match(color):
            raise Invalid(_("Shape %(n)s has a colour that is not #rrggbb.") % {"n": index})
        cleaned.append({"type": shape["type"], "points": clean_points, "color": color.lower()})
    return {"shapes": cleaned}


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def outline(data, width: float, height: float) -> list[tuple[str, str]]:
    """A stored drawing as SVG polylines (points, colour) in a ``width`` × ``height`` picture, to
    show a comment's marks over its frame thumbnail where no script redraws them (the producer's
    rectification items): a rectangle closes on itself, an arrow gets its head."""
    lines = []
    for shape in (data or {}).get("shapes", []):
        points = [(x * width, y * height) for x, y in shape["points"]]
        if shape["type"] == "rect":
            (x0, y0), (x1, y1) = points
            points = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
        elif shape["type"] == "arrow":
            (x0, y0), (x1, y1) = points
            angle, head = math.atan2(y1 - y0, x1 - x0), 0.05 * max(width, height)
            points = [(x0, y0), (x1, y1), (x1 - head * math.cos(angle - 0.4), y1 - head * math.sin(angle - 0.4)),
                      (x1, y1), (x1 - head * math.cos(angle + 0.4), y1 - head * math.sin(angle + 0.4))]
        lines.append((" ".join(f"{x:.1f},{y:.1f}" for x, y in points), shape.get("color") or "#e53935"))
    return lines
