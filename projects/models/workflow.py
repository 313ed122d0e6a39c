"""The film's workflow: VideoProject.state is a protected FSM field; transitions only change memory.

Services in ``projects.services`` fire these transitions inside a transaction, write the audit
row and save; ``ConcurrentTransitionMixin`` makes the second of two racing saves fail.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from projects.models.catalog import Stage
from projects.models.deliverables import Deliverable, StageReview
from studio import roles


class State(models.TextChoices):
    TOPIC = "topic", _("Topic")
    SCRIPT = "script", _("Script")
    STORYBOARD = "storyboard", _("Storyboard")
    PRODUCTION = "production", _("Production")
    PANEL_REVIEW = "panel_review", _("Panel review")
    APPROVED = "approved", _("Approved")
    SCREENING = "screening", _("Screening")
    ARCHIVED = "archived", _("Archived")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATES = [
    State.TOPIC,
    State.SCRIPT,
    State.STORYBOARD,
    State.PRODUCTION,
    State.PANEL_REVIEW,
    State.APPROVED,
    State.SCREENING,
]

@dataclass(frozen=True)
class StageRule:
    """One stage of the film's path through the gates, read by everything that needs to know it."""

    state: str  # the workflow state of the stage
    writes: str | None  # the deliverable written (and editable) in this state
    reviews: str | None  # the deliverable this state's gate waits for, reviewed by the office
    leave_by: str  # the transition that leaves the stage forward
    milestone: str  # the schedule's milestone the stage is (done when it is left forward)


Kind = Deliverable.Kind
STAGES = (
    StageRule(State.SCRIPT, writes=Kind.SCRIPT, reviews=Kind.SCRIPT, leave_by="pass_script", milestone=Stage.SCRIPT),
    StageRule(State.STORYBOARD, writes=Kind.STORYBOARD, reviews=Kind.STORYBOARD, leave_by="pass_storyboard",
              milestone=Stage.STORYBOARD),
    # Production has no office gate: submitting a reviewable cut is what leaves it.
    StageRule(State.PRODUCTION, writes=Kind.CUT, reviews=None, leave_by="submit_cut", milestone=Stage.PRODUCTION),
    StageRule(State.PANEL_REVIEW, writes=None, reviews=Kind.CUT, leave_by="pass_panel", milestone=Stage.PANEL_REVIEW),
)
GATE_KIND = {rule.state: rule.reviews for rule in STAGES if rule.reviews}  # state → deliverable reviewed there
GATE_PASS = {rule.state: rule.leave_by for rule in STAGES if rule.reviews}  # state → transition a passed review fires
EDITABLE_IN = {rule.writes: rule.state for rule in STAGES if rule.writes}  # deliverable → the state it is written in
KIND_WRITTEN_IN = {rule.state: rule.writes for rule in STAGES if rule.writes}  # state → deliverable written there
MILESTONE_DONE_BY = {rule.leave_by: rule.milestone for rule in STAGES}  # transition → milestone it completes
STAGE_ORDER = [rule.milestone for rule in STAGES]  # the schedule's milestones, first to last
# A cut returned by the panel reopens these milestones.
REOPENED_BY_REVISION = [Stage.PRODUCTION, Stage.PANEL_REVIEW]


class Origin(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned by the office (规定摄制)")
    SELF_SELECTED = "self_selected", _("Chosen by the unit (自选立项)")


def condition(message):
    """Attach the message a user sees when this condition keeps a transition from firing."""

    def decorate(func):
        func.message = message
        return func

    return decorate


@condition(_("Set genre, track, origin and deadline before approving the topic."))
def is_planned(project) -> bool:
    return bool(project.genre_id and project.track_id and project.origin and project.deadline)


@condition(_("Topics on this track are assigned by the office: they can be cancelled, not rejected."))
def is_rejectable(project) -> bool:
    return project.track.rejectable


@condition(_("The stage's deliverable has not been submitted for review."))
def deliverable_submitted(project) -> bool:
    return project.submitted_deliverable() is not None


@condition(_("The cut's previews must be ready and its technical QC passed, or waived by the office."))
def cut_reviewable(project) -> bool:
    deliverable = project.submitted_deliverable("cut")
    cut = getattr(deliverable, "cut", None) if deliverable else None
    return cut is not None and cut.reviewable


@condition(_("The review found a veto item (political orientation) not passed: return the deliverable instead."))
def review_clears_veto(project) -> bool:
    review = project.latest_review()
    return review is not None and review.decision == StageReview.Decision.ADVANCE and not review.vetoed


@condition(_("The review did not return the cut."))
def review_returns(project) -> bool:
    review = project.latest_review()
    return review is not None and review.decision == StageReview.Decision.RETURN


@condition(_("The panel's decision did not reject the cut."))
def review_rejects(project) -> bool:
    review = project.latest_review()
    return review is not None and review.decision == StageReview.Decision.REJECT


def office_only(project, user) -> bool:
    return roles.is_office(user)


def office_or_unit_producer(project, user) -> bool:
    return roles.is_office(user) or roles.is_unit_producer(user, project.unit_id)


def office_or_organiser(project, user) -> bool:
    return roles.is_office(user) or roles.is_organiser(user)


def may_cancel(project, user) -> bool:
    if roles.is_office(user):
        return True
    return project.track.producer_may_cancel and roles.is_unit_producer(user, project.unit_id)


class Resolution(models.TextChoices):
    HD = "1280x720", _("720p (1280×720)")
    FULL_HD = "1920x1080", _("1080p (1920×1080)")
    UHD = "3840x2160", _("4K (3840×2160)")


# 25 fps is the PAL rate Chinese broadcasters deliver at; the others for web and phone work.
FRAME_RATES = [(24, "24"), (25, "25"), (30, "30"), (50, "50"), (60, "60")]


class VideoProject(ConcurrentTransitionMixin, models.Model):
    topic = models.OneToOneField("projects.Topic", on_delete=models.PROTECT, related_name="project")
    unit = models.ForeignKey("projects.Unit", on_delete=models.PROTECT, related_name="projects", verbose_name=_("unit"))
    genre = models.ForeignKey("projects.Genre", on_delete=models.PROTECT, verbose_name=_("genre"))
    track = models.ForeignKey("projects.Track", on_delete=models.PROTECT, verbose_name=_("track"))
    origin = models.CharField(_("origin"), max_length=20, choices=Origin.choices, blank=True)
    deadline = models.DateField(_("delivery deadline"), null=True, blank=True)
    # The technical spec cuts are checked against (QC): picture size at least, frame rate exactly.
    spec_resolution = models.CharField(
        _("picture size"), max_length=10, choices=Resolution.choices, default=Resolution.FULL_HD
    )
    spec_fps = models.PositiveSmallIntegerField(_("frame rate (fps)"), choices=FRAME_RATES, default=25)
    state = FSMField(_("state"), default=State.TOPIC, choices=State.choices, protected=True, db_index=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # The earliest milestone not yet done, kept by projects.services whenever milestones change,
    # so "late" and "at risk" are indexed filters rather than a subquery per project.
    next_due = models.DateField(_("next milestone due"), null=True, blank=True, editable=False)
    next_warn = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("video project")
        verbose_name_plural = _("video projects")
        # The project list pages newest first: an index serves ORDER BY … LIMIT without a sort.
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="project_newest_first"),
            models.Index(fields=["next_due"], name="project_next_due"),
        ]

    def __str__(self) -> str:
        return self.topic.title

    @property
    def title(self) -> str:
        return self.topic.title

    @property
    def spec_size(self) -> tuple[int, int]:
        """(width, height) of the spec's picture size."""
        width, height = self.spec_resolution.split("x")
        return int(width), int(height)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def submitted_deliverable(self, kind=None):
        """The latest version of the deliverable the current gate waits for, if it is submitted."""
        kind = kind or GATE_KIND.get(self.state)
        if kind is None:
            return None
        latest = self.deliverables.filter(kind=kind).order_by("-version").first()
        return latest if latest is not None and latest.status == Deliverable.Status.SUBMITTED else None

    def latest_review(self):
        deliverable = self.submitted_deliverable()
        if deliverable is None:
            return None
        return deliverable.reviews.order_by("-created_at", "-pk").first()

    # --- transitions: bodies only change the object in memory -----------------------------------

    @transition(
        field=state,
        source=State.TOPIC,
        target=RETURN_VALUE(State.SCRIPT, State.PRODUCTION),
        conditions=[is_planned],
        permission=office_only,
        custom={"label": _("Approve topic (立项)"), "direct": True, "confirm": _(
            "The topic becomes a project: it enters the script stage (a 展播 film enters production), its "
            "schedule is planned back from the deadline, and it can no longer be rejected, only cancelled."
        )},
    )
    def approve(self):
        return State.PRODUCTION if self.track.skips_preproduction else State.SCRIPT

    @transition(
        field=state,
        source=State.TOPIC,
        target=State.REJECTED,
        conditions=[is_rejectable],
        permission=office_only,
        custom={"label": _("Reject topic"), "direct": True, "needs_reason": True, "confirm": _(
            "The topic is rejected for good: the unit cannot revise or pitch it again as this project, "
            "and your reason is recorded in its timeline."
        )},
    )
    def reject(self):
        pass

    @transition(
        field=state,
        source=State.SCRIPT,
        target=State.STORYBOARD,
        conditions=[deliverable_submitted, review_clears_veto],
        permission=office_only,
        custom={"label": _("Pass the script gate"), "direct": False},
    )
    def pass_script(self):
        pass

    @transition(
        field=state,
        source=State.STORYBOARD,
        target=State.PRODUCTION,
        conditions=[deliverable_submitted, review_clears_veto],
        permission=office_only,
        custom={"label": _("Pass the storyboard gate"), "direct": False},
    )
    def pass_storyboard(self):
        pass

    @transition(
        field=state,
        source=State.PRODUCTION,
        target=State.PANEL_REVIEW,
        conditions=[cut_reviewable],
        permission=office_or_unit_producer,
        custom={"label": _("Submit the cut for panel review"), "direct": False},
    )
    def submit_cut(self):
        pass

    @transition(
        field=state,
        source=State.PANEL_REVIEW,
        target=State.APPROVED,
        conditions=[deliverable_submitted, review_clears_veto],
        permission=office_only,
        custom={"label": _("Pass the panel review"), "direct": False},
    )
    def pass_panel(self):
        pass

    @transition(
        field=state,
        source=State.PANEL_REVIEW,
        target=State.PRODUCTION,
        conditions=[deliverable_submitted, review_returns],
        permission=office_only,
        custom={"label": _("Return the cut for revision"), "direct": False},
    )
    def revise(self):
        pass

    @transition(
        field=state,
        source=State.PANEL_REVIEW,
        target=State.REJECTED,
        conditions=[deliverable_submitted, review_rejects],
        permission=office_only,
        custom={"label": _("Reject the film after panel review"), "direct": False, "confirm": _(
            "The film is rejected for good: the project ends, no new version of the cut can be submitted "
            "and it will not be screened. The unit's producers and the panel members are told, with your note."
        )},
    )
    def fail_panel(self):
        pass

    @transition(
        field=state,
        source=State.APPROVED,
        target=State.SCREENING,
        permission=office_or_organiser,
        custom={"label": _("Start screening"), "direct": True},
    )
    def start_screening(self):
        pass

    @transition(
        field=state,
        source=State.SCREENING,
        target=State.ARCHIVED,
        permission=office_or_organiser,
        custom={"label": _("Archive"), "direct": True, "confirm": _(
            "The film leaves screening for good: it can no longer be programmed into events; its "
            "cuts, reviews and audiences are kept."
        )},
    )
    def archive(self):
        pass

    @transition(
        field=state,
        source=OPEN_STATES,
        target=State.CANCELLED,
        permission=may_cancel,
        custom={"label": _("Cancel the project"), "direct": True, "needs_reason": True, "confirm": _(
            "The project stops for good: nothing more can be submitted, reviewed or screened, its "
            "schedule loses its warnings, and it cannot be reopened. Your reason is recorded."
        )},
    )
    def cancel(self):
        pass


class ProjectTransition(models.Model):
    """The timeline: every state change, who fired it, when and why. Written with the change."""

    project = models.ForeignKey(VideoProject, on_delete=models.CASCADE, related_name="transitions")
    name = models.CharField(_("transition"), max_length=40)
    source = models.CharField(_("from"), max_length=20, choices=State.choices)
    target = models.CharField(_("to"), max_length=20, choices=State.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("by")
    )
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("transition")
        verbose_name_plural = _("transitions")

    def __str__(self) -> str:
        return f"{self.project_id}: {self.source} → {self.target}"


__all__ = ["GATE_KIND", "OPEN_STATES", "STAGES", "Origin", "ProjectTransition", "Stage", "State", "VideoProject"]
