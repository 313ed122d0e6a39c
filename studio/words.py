"""How people, durations and likenesses are written for a reader, in the active language: one
home for each, read by templates (``{% load words %}``), messages and scripts' data attributes."""

from django.utils.translation import gettext as _


def person(user) -> str:
    """A person as others should read them: their display name, the login name only without one."""
    if user is None:
        return "—"
    return user.get_full_name() or user.username


def duration(seconds) -> str:
    """A running time in words: 时长 10 秒, 8 分钟, 1 分 30 秒, 1 小时 5 分钟 (10 s, 8 min … in English).
    Whole seconds: QC and schedules judge films, not frames."""
    try:
        total = int(round(max(float(seconds), 0.0)))
    except (TypeError, ValueError):  # not measured (yet): a template passes "" for a missing value
        return "—"
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return (_("%(h)s h %(m)s min") % {"h": hours, "m": minutes}) if minutes else _("%(h)s h") % {"h": hours}
    if minutes:
        return (_("%(m)s min %(s)s s") % {"m": minutes, "s": secs}) if secs else _("%(m)s min") % {"m": minutes}
    return _("%(s)s s") % {"s": secs}


def likeness(score) -> str:
    """A similarity score (0–1) as a reader understands it: 相似度 84%."""
    return _("similarity %(p)s%%") % {"p": int(round(float(score) * 100))}
