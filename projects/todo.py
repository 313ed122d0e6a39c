"""The to-do dashboard: what waits for this person now, each item linking to where it is done.

A section is produced by a function ``(user, today, calendar) -> Section | None`` (None: not this
person's work). projects provides the workflow's own (topics to approve, deliverables to review,
returned versions, milestones); apps built on projects add theirs to ``SECTIONS`` from their
AppConfig (media: QC waiver requests for the office, failed QC for the producer), because projects
imports none of them. Every section filters and cuts in SQL: the page costs the same at 100 or
100,000 projects.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from projects import access, rules, schedule
from projects.models import Deliverable, StageReview, State
from projects.models.workflow import GATE_KIND, KIND_WRITTEN_IN, OPEN_STATES
from studio import roles

ROWS = 10  # items shown per section; the count says how many there are


@dataclass(frozen=True)
class Item:
    title: str  # the film's title
    url: str  # where the work is done
    action: str  # what to do there, as a button label
    detail: str = ""  # what it is about: the reviewer's notes, the producer's reason, the stage due
    when: dt.date | dt.datetime | None = None
    tone: str = ""  # "red" (late, failed), "yellow" (at risk), "" (plain)
    notes: list = field(default_factory=list)  # (label, note) lines, e.g. the checklist items not passed


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    total: int
    items: list[Item]
    more_url: str = ""  # the full list, when there are more than ROWS


SECTIONS: list = []


def sections_for(user, *, today, calendar) -> list[Section]:
    out = []
    for make in SECTIONS:
        section = make(user, today=today, calendar=calendar)
        if section is not None:
            out.append(section)
    return out


def section(key, title, rows, to_item, more_url=""):
    """A section of ``rows`` (a queryset), counted and cut in SQL; a section with fewer than
    ``ROWS`` rows (most of them, most days) is its rows' count, so it costs one query, not two."""
    shown = list(rows[:ROWS])
    total = len(shown) if len(shown) < ROWS else rows.count()
    return Section(key, str(title), total, [to_item(row) for row in shown], more_url if total > ROWS else "")


def _project_url(project, anchor=""):
    return reverse("project-detail", args=[project.pk]) + anchor


# --- the office ------------------------------------------------------------------------------


def topics_to_approve(user, *, today, calendar):
    if not roles.is_office(user):
        return None
    rows = access.projects_visible_to(user).filter(state=State.TOPIC).select_related("topic", "unit").order_by("created_at", "pk")
    return section("topics", _("Topics waiting for approval (立项)"), rows, lambda p: Item(
        p.topic.title, _project_url(p, "#actions"), str(_("Plan and approve")),
        detail=f"{p.unit.name}" + (f" · {_('resembles earlier topics')}" if p.topic.flagged else ""),
        when=p.created_at, tone="yellow" if p.topic.flagged else "",
    ))


def deliverables_to_review(user, *, today, calendar):
    if not rules.signs_reviews(user):
        return None
    rows = (access.of_visible_projects(Deliverable.objects.filter(status=Deliverable.Status.SUBMITTED,
                                                                  project__state__in=list(GATE_KIND)), user)
            .select_related("project__topic", "project__unit").order_by("submitted_at", "pk")
            # Not the script's or the narration's text: they were most of the query's time and bytes.
            .only("project_id", "kind", "version", "submitted_at", "project__state", "project__topic__title", "project__unit__name"))
    return section("awaiting", _("Deliverables waiting for your review"), rows, lambda d: Item(
        d.project.topic.title, reverse("stage-review", args=[d.project_id]),
        str(_("Review %(kind)s v%(v)s") % {"kind": d.get_kind_display(), "v": d.version}),
        detail=d.project.unit.name, when=d.submitted_at,
    ))


def _at_risk(user, *, today, calendar, status):
    """The office's late or at-risk open projects, soonest due first."""
    if not roles.is_office(user):
        return None
    visible = (access.projects_visible_to(user).select_related("topic", "unit").order_by("next_due", "pk")
               .only("state", "next_due", "topic__title", "unit__name"))
    rows = schedule.filter_status(visible, status, today=today, calendar=calendar)
    key, title = {schedule.RED: ("late", _("Late")), schedule.YELLOW: ("warn", _("At risk"))}[status]
    return section(key, title, rows, lambda p: Item(
        p.topic.title, _project_url(p, "#schedule"), str(_("Open the schedule")),
        detail=f"{p.unit.name} · {p.get_state_display()}", when=p.next_due, tone=status,
    ), more_url=reverse("project-list") + f"?status={status}")


def late_projects(user, *, today, calendar):
    return _at_risk(user, today=today, calendar=calendar, status=schedule.RED)


def projects_at_risk(user, *, today, calendar):
    return _at_risk(user, today=today, calendar=calendar, status=schedule.YELLOW)


# --- the producer ----------------------------------------------------------------------------


def own_open_projects(user):
    """The open projects of the producer's own units (the producer's sections, here and in media)."""
    return access.projects_visible_to(user).filter(unit_id__in=roles.unit_ids_of(user), state__in=OPEN_STATES)


def returned_to_me(user, *, today, calendar):
    """The latest version of the stage's deliverable came back with the office's notes."""
    if not roles.is_producer(user):
        return None
    latest = Deliverable.objects.filter(project=OuterRef("project"), kind=OuterRef("kind"), version__gt=OuterRef("version"))
    written_now = Q(pk__in=[])  # the kind the project's current stage writes
    for state, kind in KIND_WRITTEN_IN.items():
        written_now |= Q(project__state=state, kind=kind)
    rows = (Deliverable.objects.filter(written_now, project__in=own_open_projects(user), status=Deliverable.Status.RETURNED)
            .exclude(Exists(latest)).select_related("project__topic").order_by("-pk"))
    total, rows = rows.count(), list(rows[:ROWS])
    # A version is reviewed once (the review claims it from "submitted").
    reviews = {r.deliverable_id: r for r in StageReview.objects.filter(deliverable__in=[d.pk for d in rows])
               .prefetch_related("items__item")}

    def item(d):
        review = reviews.get(d.pk)
        notes = [(i.item.label, i.note) for i in review.items.all() if not i.passed or i.note] if review else []
        return Item(d.project.topic.title, _project_url(d.project, "#actions"),
                    str(_("Revise %(kind)s (v%(v)s returned)") % {"kind": d.get_kind_display(), "v": d.version}),
                    detail=review.comment if review else "", when=review.created_at if review else None, tone="red",
                    notes=notes)

    return Section("returned", str(_("Returned to you with comments")), total, [item(d) for d in rows])


def due_next(user, *, today, calendar):
    if not roles.is_producer(user):
        return None
    rows = own_open_projects(user).filter(next_due__isnull=False).select_related("topic").order_by("next_due", "pk")
    return section("due", _("Due next"), rows, lambda p: Item(
        p.topic.title, _project_url(p, "#actions"), str(_("Open the project")),
        detail=p.get_state_display(), when=p.next_due,
        tone=schedule.status_of(due_on=p.next_due, done_on=None, warn_days=p.next_warn or 0, today=today,
                                calendar=calendar).replace("green", ""),
    ))


# In page order; the office's headings keep the ids the benchmark reads (awaiting, late, warn).
SECTIONS += [topics_to_approve, deliverables_to_review, returned_to_me, due_next, late_projects, projects_at_risk]
