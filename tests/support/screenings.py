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


def iso(value: dt.datetime) -> str:
    """A time as ``<input type="datetime-local">`` sends it, in the site's time zone."""
    return f"{timezone.localtime(value):%Y-%m-%dT%H:%M}"


def screening_rows() -> dict:
    """Every row of the screenings tables and every film's state: what a refused request must leave as it was."""
    from django.apps import apps

    from projects.models import ProjectTransition, VideoProject

    rows = {model._meta.label: sorted(map(repr, model.objects.values_list()))
            for model in apps.get_app_config("screenings").get_models()}
    rows["states"] = sorted(VideoProject.objects.values_list("pk", "state"))
    rows["transitions"] = ProjectTransition.objects.count()
    return rows
