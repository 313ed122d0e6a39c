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


def give_proxy(film, clip) -> "Cut":  # noqa: F821 (media.models.Cut, imported late like the rest here)
    """Store ``clip`` as the browser proxy of ``film``'s cut (as processing would leave it) and
    return the cut: what HLS packaging reads."""
    from media import showings, storage
    from media.models import Rendition

    cut = showings.film_cut(film)
    key = storage.rendition_key(film.pk, cut.deliverable.version, "proxy.mp4")
    storage.put_file(key=key, path=clip)
    Rendition.objects.update_or_create(cut=cut, kind=Rendition.Kind.PROXY, defaults={"key": key, "size": clip.stat().st_size})
    return cut


def open_window(hours_before: float = 1, hours_after: float = 3) -> tuple[dt.datetime, dt.datetime]:
    """A window around now: a cloud showing that is on."""
    now = timezone.now().replace(microsecond=0)
    return now - dt.timedelta(hours=hours_before), now + dt.timedelta(hours=hours_after)
