"""Expert review panels (评审工作组): who sits on them, the rubric they score against, the sessions
that review a queue of cuts one by one (逐一过审), the scorecards, time-coded comments, the
rectification items (整改) a returned cut must answer, and the office's confirmed decisions.

Rubrics, their criteria and the verdict thresholds are data the office edits in the admin; the
maths that turns scorecards into a proposed verdict is in ``reviews.scoring`` and the rules of who
may see and do what in ``reviews.rules``.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from projects.models.i18n import BilingualName
from studio import words


class Group(models.TextChoices):
    """The three rater groups of a panel; the session weighs them (group weights)."""

    EXPERT = "expert", _("Expert (专家)")
    LEADER = "leader", _("Leader in charge (分管领导)")
    GRASSROOTS = "grassroots", _("Grassroots representative (基层群众代表)")


class Verdict(models.TextChoices):
    PASS = "pass", _("Pass")
    REVISE = "revise", _("Revise")
    REJECT = "reject", _("Reject")


class Rubric(BilingualName):
    """评分标准: weighted criteria and the rule that turns a cut's scores into a proposed verdict."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    description = models.TextField(_("description"), blank=True)
    pass_at = models.FloatField(_("pass at (0–100)"), default=80.0)
    reject_below = models.FloatField(_("reject below (0–100)"), default=60.0)
    veto_verdict = models.CharField(
        _("a failed veto proposes"), max_length=10, choices=[(Verdict.REVISE, Verdict.REVISE.label), (Verdict.REJECT, Verdict.REJECT.label)],
        default=Verdict.REVISE,
    )
    disagreement_sd = models.FloatField(_("disagreement when the spread passes (SD, points)"), default=15.0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("rubric")
        verbose_name_plural = _("rubrics")


class Criterion(BilingualName):
    """One line of a rubric: scored in a range with a weight, or a veto item judged pass/fail."""

    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="criteria")
    code = models.SlugField(_("code"), max_length=40)
    description = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    weight = models.FloatField(_("weight"), default=1.0, validators=[MinValueValidator(0.01)])
    min_score = models.PositiveSmallIntegerField(_("lowest score"), default=0)
    max_score = models.PositiveSmallIntegerField(_("highest score"), default=10)
    is_veto = models.BooleanField(_("veto (pass/fail)"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["rubric", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["rubric", "code"], name="criterion_code_unique"),
            # A range with room to score in and a weight above zero: the maths divides by both.
            models.CheckConstraint(condition=models.Q(max_score__gt=models.F("min_score")), name="criterion_range",
                                   violation_error_message=_("The highest score must be above the lowest.")),
            models.CheckConstraint(condition=models.Q(weight__gt=0), name="criterion_weight_positive",
                                   violation_error_message=_("The weight must be above zero.")),
        ]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")

    @property
    def text(self) -> str:
        from django.utils.translation import get_language

        if self.description_en and (get_language() or "").startswith("en"):
            return self.description_en
        return self.description


class Panel(models.Model):
    """评审工作组: the people who judge a year's cuts, each in one rater group."""

    name = models.CharField(_("name"), max_length=100)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("panel")
        verbose_name_plural = _("panels")

    def __str__(self) -> str:
        return self.name


class Member(models.Model):
    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="panel_seats")
    group = models.CharField(_("group"), max_length=12, choices=Group.choices)

    class Meta:
        ordering = ["group", "pk"]
        constraints = [models.UniqueConstraint(fields=["panel", "user"], name="member_once_per_panel")]
        verbose_name = _("panel member")
        verbose_name_plural = _("panel members")

    def __str__(self) -> str:
        return f"{words.person(self.user)} ({self.get_group_display()})"


class Phase(models.TextChoices):
    OPEN = "open", _("Open (queue and members being set)")
    SCORING = "scoring", _("Scoring")
    CLOSED = "closed", _("Closed")


class Visibility(models.TextChoices):
    """When a member sees the others' scores and private comments (pretalx's review phases)."""

    AFTER_OWN = "after_own", _("After submitting their own scorecard")
    AFTER_CLOSE = "after_close", _("After the session closes")


class Session(models.Model):
    """One sitting of a panel over a queue of cuts, in phases open → scoring → closed."""

    panel = models.ForeignKey(Panel, on_delete=models.PROTECT, related_name="sessions")
    title = models.CharField(_("title"), max_length=120)
    rubric = models.ForeignKey(Rubric, on_delete=models.PROTECT, related_name="+", verbose_name=_("rubric"))
    phase = FSMField(_("phase"), max_length=10, choices=Phase.choices, default=Phase.OPEN, protected=True)
    visibility = models.CharField(_("others' scores visible"), max_length=12, choices=Visibility.choices, default=Visibility.AFTER_OWN)
    weight_expert = models.FloatField(_("weight of experts"), default=1.0, validators=[MinValueValidator(0)])
    weight_leader = models.FloatField(_("weight of leaders"), default=1.0, validators=[MinValueValidator(0)])
    weight_grassroots = models.FloatField(_("weight of grassroots representatives"), default=1.0, validators=[MinValueValidator(0)])
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    scoring_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("panel session")
        verbose_name_plural = _("panel sessions")

    def __str__(self) -> str:
        return self.title

    @property
    def group_weights(self) -> dict[str, float]:
        return {Group.EXPERT: self.weight_expert, Group.LEADER: self.weight_leader, Group.GRASSROOTS: self.weight_grassroots}

    @transition(field=phase, source=Phase.OPEN, target=Phase.SCORING)
    def start_scoring(self):
        self.scoring_at = timezone.now()

    @transition(field=phase, source=Phase.SCORING, target=Phase.CLOSED)
    def close(self):
        self.closed_at = timezone.now()


class Entry(models.Model):
    """A cut in a session's queue, in the order the office set."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="entries")
    project = models.ForeignKey("projects.VideoProject", on_delete=models.PROTECT, related_name="+")
    cut = models.ForeignKey("media.Cut", on_delete=models.PROTECT, related_name="panel_entries")
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["session", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["session", "cut"], name="entry_cut_once_per_session")]
        verbose_name = _("queue entry")
        verbose_name_plural = _("queue entries")

    def __str__(self) -> str:
        return f"{self.session}: {self.cut}"


class Recusal(models.Model):
    """A conflict of interest the office recorded (the producing unit's own members are excluded
    without one: ``reviews.rules.exclusion``)."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="recusals")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="recusals")
    reason = models.CharField(_("reason"), max_length=200)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["entry", "member"], name="recusal_once")]
        verbose_name = _("declared conflict of interest")
        verbose_name_plural = _("declared conflicts of interest")


class Scorecard(models.Model):
    """One member's scores for one cut; a draft until submitted, then fixed."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="cards")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="cards")
    remark = models.TextField(_("overall remark"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["entry", "member"], name="one_card_per_member_and_cut")]
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")

    @property
    def submitted(self) -> bool:
        return self.submitted_at is not None


class Score(models.Model):
    card = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    value = models.FloatField(_("score"), null=True, blank=True)  # scored criteria
    passed = models.BooleanField(_("passed"), null=True, blank=True)  # veto criteria

    class Meta:
        constraints = [models.UniqueConstraint(fields=["card", "criterion"], name="one_score_per_criterion")]


class Comment(models.Model):
    """A time-coded comment on a cut: at one frame or over a range, with an optional drawing on
    the frame (vector JSON in 0–1 frame coordinates) and a thumbnail of the frame. Replies hang
    under a top-level comment; only top-level comments become rectification items."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies")
    body = models.TextField(_("comment"))
    frame = models.PositiveIntegerField(_("frame"), null=True, blank=True)
    end_frame = models.PositiveIntegerField(_("range ends at frame"), null=True, blank=True)
    drawing = models.JSONField(_("drawing"), null=True, blank=True)
    thumbnail_key = models.CharField(max_length=500, blank=True)
    private = models.BooleanField(_("private to the panel"), default=True)
    resolved = models.BooleanField(_("resolved"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["frame", "created_at", "pk"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")


class Item(models.Model):
    """整改: an open comment of a returned cut that the producer must answer with the next version,
    and that the member who raised it (or the office) then closes or reopens."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open: to be answered")
        ANSWERED = "answered", _("Answered: waiting for the panel")
        CLOSED = "closed", _("Closed")

    project = models.ForeignKey("projects.VideoProject", on_delete=models.CASCADE, related_name="+")
    comment = models.OneToOneField(Comment, on_delete=models.CASCADE, related_name="item")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    answer = models.TextField(_("answer"), blank=True)
    answered_in = models.ForeignKey("projects.Deliverable", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["comment__frame", "pk"]
        verbose_name = _("rectification item")
        verbose_name_plural = _("rectification items")


class Decision(models.Model):
    """The office's confirmed verdict on a cut of a session, beside the verdict the rule proposed."""

    entry = models.OneToOneField(Entry, on_delete=models.CASCADE, related_name="decision")
    verdict = models.CharField(_("verdict"), max_length=10, choices=Verdict.choices)
    proposed = models.CharField(_("proposed verdict"), max_length=10, choices=Verdict.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    weighted_mean = models.FloatField(null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("panel decision")
        verbose_name_plural = _("panel decisions")


class Notification(models.Model):
    """An in-app notice, stored as a code with parameters and worded when read (and mailed)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="panel_notifications")
    kind = models.CharField(max_length=30)
    params = models.JSONField(default=dict, blank=True)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
