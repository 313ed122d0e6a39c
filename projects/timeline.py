"""The project's timeline of everything: the pitch, state changes with their reasons, plan
changes, versions saved and submitted, reviews with their checklist notes, and (from media) uploads,
QC waivers and waiver requests. Read by the project page (filterable by kind) and the API.

Each source is ``(project) -> list[Event]``, registered with the kinds it yields (``register``), so a
filtered timeline reads only the sources of those kinds; media registers its own from its AppConfig
(projects imports nothing of media). Events are facts worded when read, in the reader's language.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from projects.models import Genre, Track
from studio import words

KINDS = {
    "state": gettext_lazy("State changes"),
    "plan": gettext_lazy("Plan changes"),
    "version": gettext_lazy("Versions and submissions"),
    "review": gettext_lazy("Reviews"),
    "upload": gettext_lazy("Uploads"),
    "waiver": gettext_lazy("QC waivers"),
}


@dataclass(frozen=True)
class Event:
    at: dt.datetime
    kind: str  # one of KINDS
    actor: str  # the person, by display name ("" for the system)
    title: str
    detail: str = ""
    notes: list = field(default_factory=list)  # (label, note): checklist items not passed or noted
    url: str = ""


SOURCES: list = []  # (kinds it yields, source)


def register(source, *, kinds) -> None:
    """Add ``source`` to every timeline (once), as yielding events of ``kinds`` only."""
    if all(fn is not source for _kinds, fn in SOURCES):
        SOURCES.append((frozenset(kinds), source))


def timeline(project, *, kinds=None) -> list[Event]:
    """Every event of ``project``, oldest first; only ``kinds`` when given."""
    wanted = set(kinds) if kinds else None
    events = [event for yields, source in SOURCES if wanted is None or yields & wanted
              for event in source(project) if wanted is None or event.kind in wanted]
    return sorted(events, key=lambda e: e.at)


def _pitched_and_states(project):
    topic = project.topic
    out = [Event(topic.created_at, "state", words.person(topic.pitched_by), _("Topic pitched"), topic.title)]
    for t in project.transitions.select_related("actor"):
        out.append(Event(t.created_at, "state", words.person(t.actor) if t.actor else "",
                         f"{t.get_source_display()} → {t.get_target_display()}", t.reason))
    return out


def _plan(project):
    from projects.models import VideoProject

    meta = VideoProject._meta
    genres = {g.code: g.label for g in Genre.objects.all()}
    tracks = {t.code: t.label for t in Track.objects.all()}
    shown = {"genre": genres.get, "track": tracks.get,
             "origin": lambda v: dict(meta.get_field("origin").flatchoices).get(v, v),
             "spec_resolution": lambda v: dict(meta.get_field("spec_resolution").flatchoices).get(v, v)}
    out = []
    for change in project.plan_changes.select_related("actor"):
        parts = []
        for name, (before, after) in change.changes.items():
            word = shown.get(name, lambda v: v)
            label = meta.get_field(name).verbose_name
            parts.append(f"{label}: {word(before) or '—'} → {word(after) or '—'}")
        out.append(Event(change.created_at, "plan", words.person(change.actor) if change.actor else "", _("Plan changed"),
                         "；".join(str(p) for p in parts)))
    return out


def _versions_and_reviews(project):
    from django.urls import reverse

    out = []
    for d in project.deliverables.select_related("author").prefetch_related("reviews__items__item", "reviews__reviewer"):
        url = reverse("deliverable-detail", args=[project.pk, d.pk])
        name = f"{d.get_kind_display()} v{d.version}"
        out.append(Event(d.created_at, "version", words.person(d.author), _("%(what)s saved") % {"what": name}, d.note, url=url))
        if d.submitted_at:
            out.append(Event(d.submitted_at, "version", words.person(d.author),
                             _("%(what)s submitted for review") % {"what": name}, url=url))
        for r in d.reviews.all():
            notes = [(str(i.item.label), i.note or _("Not passed")) for i in r.items.all() if not i.passed or i.note]
            out.append(Event(r.created_at, "review", words.person(r.reviewer),
                             f"{name}: {r.get_decision_display()}", r.comment, notes=notes, url=url))
    return out


register(_pitched_and_states, kinds=("state",))
register(_plan, kinds=("plan",))
register(_versions_and_reviews, kinds=("version", "review"))
