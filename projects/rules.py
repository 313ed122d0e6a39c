"""What a user may do with a project now: each rule written once.

A rule is a ``check_*`` function that raises the refusal a user reads (``studio.errors``), so the
services call it before they change anything, and :func:`project_actions` evaluates the same
checks, without side effects, into the small record pages, templates and the API read. Nothing
else re-derives a rule: a template asks ``actions.write``, never ``is_office and state == …``.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from projects.models import Deliverable, VideoProject
from projects.models.workflow import EDITABLE_IN, GATE_KIND, KIND_WRITTEN_IN
from studio import roles
from studio.errors import ActionRefused, Conflict, Forbidden


# Apps built on projects add conditions of their own to a transition, so projects imports none of
# them: reviews refuses ``submit_cut`` while rectification items are unanswered and ``pass_panel``
# while any is still open. Each check is called with the project and returns the reasons it
# refuses (none when it allows); they register from their AppConfig.ready().
GATE_CHECKS: dict[str, list] = {}


def gate_refusals(project: VideoProject, name: str) -> list[str]:
    """What the registered checks of transition ``name`` say against firing it now."""
    return [str(reason) for check in GATE_CHECKS.get(name, ()) for reason in check(project)]


def check_produces(project: VideoProject, user) -> None:
    """Deliverables are written by the producing unit (and the office, which may step in)."""
    if not roles.produces(user, project):
        raise Forbidden(_("Only the producing unit works on this project's deliverables."))


def latest_version(project: VideoProject, kind: str) -> Deliverable | None:
    return project.deliverables.filter(kind=kind).order_by("-version").first()


def check_can_write(project: VideoProject, user, kind: str, latest: Deliverable | None = None) -> None:
    """A new version of ``kind`` (script, storyboard, or a cut upload) may be written now: by the
    producing unit, in the deliverable's own stage, and not while its latest version is under review."""
    check_produces(project, user)
    if project.state != EDITABLE_IN.get(kind):
        if kind == Deliverable.Kind.CUT:
            raise Conflict(_("Cuts are uploaded while the project is in production; it is in “%(state)s”.")
                           % {"state": project.get_state_display()})
        raise Conflict(
            _("The %(kind)s can be edited only while the project is in that stage; it is in “%(state)s”.")
            % {"kind": Deliverable.Kind(kind).label, "state": project.get_state_display()}
        )
    latest = latest if latest is not None else latest_version(project, kind)
    if latest is not None and latest.status == Deliverable.Status.SUBMITTED:
        raise Conflict(_("Version %(v)s is under review: wait for the decision.") % {"v": latest.version})


def check_can_submit(project: VideoProject, user, kind: str, latest: Deliverable | None = None) -> Deliverable:
    """The latest version of ``kind`` may be submitted for review now; returns it."""
    check_produces(project, user)
    if project.state != EDITABLE_IN.get(kind):
        raise Conflict(_("Nothing to submit in this stage."))
    latest = latest if latest is not None else latest_version(project, kind)
    if latest is None:
        raise Conflict(_("Save a version before submitting it."))
    if latest.status != Deliverable.Status.DRAFT:
        raise Conflict(_("Version %(v)s was already submitted or reviewed.") % {"v": latest.version})
    if kind == Deliverable.Kind.CUT and (refusals := gate_refusals(project, "submit_cut")):
        raise Conflict(" ".join(refusals))
    return latest


def signs_reviews(user) -> bool:
    """The education office signs the stage reviews (and sees what waits for them)."""
    return roles.is_office(user)


def check_can_review(project: VideoProject, user) -> Deliverable:
    """The office may sign the stage review now; returns the version waiting for it."""
    if not signs_reviews(user):
        raise Forbidden(_("Only the education office signs stage reviews."))
    deliverable = project.submitted_deliverable() if project.state in GATE_KIND else None
    if deliverable is None:
        raise Conflict(_("There is no submitted deliverable waiting for review."))
    return deliverable


def check_can_plan(project: VideoProject, user) -> None:
    if not roles.is_office(user):
        raise Forbidden(_("Only the education office plans projects."))
    if not project.is_open:
        raise Conflict(_("This project is closed."))


def needs_reason(project: VideoProject, transition) -> bool:
    """A reason goes into the timeline: for the transitions that say so, and for approving a
    topic the homogeneity check flagged (避免同质化)."""
    return bool(transition.custom.get("needs_reason")) or (transition.name == "approve" and project.topic.flagged)


@dataclass(frozen=True)
class Verdict:
    """Whether an action is open to the user now, and if not, the reason they would be told."""

    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


def verdict(check, *args) -> Verdict:
    try:
        check(*args)
    except ActionRefused as refusal:
        return Verdict(False, str(refusal.message))
    return Verdict(True)


@dataclass(frozen=True)
class Offer:
    """A direct transition the user may fire now (approve, reject, cancel, screening, archive)."""

    name: str
    target: str | None
    label: str
    needs_reason: bool
    confirm: str = ""  # what it does for good, asked before firing (立项, reject, cancel, archive)


@dataclass(frozen=True)
class Blocked:
    """A direct transition the user's role may fire, but not now: shown disabled, with why."""

    name: str
    label: str
    reason: str


@dataclass(frozen=True)
class ProjectActions:
    edit_kind: str | None  # the deliverable this stage writes
    latest: Deliverable | None  # its latest version
    write: Verdict  # save a new version of it (upload one, for a cut)
    submit: Verdict  # submit the latest version for review
    review: Verdict  # sign the stage review of the version waiting
    plan: Verdict  # genre, track, origin, deadline, spec
    produces: bool  # works on this project's deliverables (sees where their versions stand)
    offers: list[Offer] = field(default_factory=list)
    blocked: list[Blocked] = field(default_factory=list)

    @property
    def under_review(self) -> bool:
        """The latest version of this stage's deliverable is with the office."""
        return self.latest is not None and self.latest.status == Deliverable.Status.SUBMITTED


def project_actions(project: VideoProject, user) -> ProjectActions:
    """Everything ``user`` may do with ``project`` now, each with the reason when not."""
    from projects import (
        services,  # the transitions offered come from the workflow's own checks
    )

    kind = KIND_WRITTEN_IN.get(project.state)
    latest = latest_version(project, kind) if kind else None
    offers = [
        Offer(t.name, t.target if isinstance(t.target, str) else None, str(t.custom.get("label", t.name)),
              needs_reason(project, t), str(t.custom.get("confirm", "")))
        for t in services.available_transitions(project, user)
    ]
    offered = {o.name for o in offers}
    blocked = [
        Blocked(t.name, str(t.custom.get("label", t.name)),
                " ".join([str(c.message) for c in t.conditions if not c(project)] + gate_refusals(project, t.name)))
        for t in project.get_all_state_transitions()
        if t.source == project.state and t.custom.get("direct") and t.name not in offered and t.has_perm(project, user)
    ]
    return ProjectActions(
        edit_kind=kind,
        latest=latest,
        write=verdict(check_can_write, project, user, kind, latest) if kind else Verdict(False),
        submit=verdict(check_can_submit, project, user, kind, latest) if kind else Verdict(False),
        review=verdict(check_can_review, project, user),
        plan=verdict(check_can_plan, project, user),
        produces=roles.produces(user, project),
        offers=offers,
        blocked=blocked,
    )

