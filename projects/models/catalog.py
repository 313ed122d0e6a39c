"""Reference data the office edits in the admin: genres, tracks, stage durations, checklists, holidays."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from projects.models.i18n import BilingualName


class Stage(models.TextChoices):
    """Stages that have a gate (a deliverable reviewed by the office) and a planned milestone."""

    SCRIPT = "script", _("Script and narration")
    STORYBOARD = "storyboard", _("Storyboard")
    PRODUCTION = "production", _("Production")
    PANEL_REVIEW = "panel_review", _("Panel review")


class Genre(BilingualName):
    """片型类别: what a film of this genre must contain and how it should tell it."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    required_elements = models.TextField(
        _("required elements"), blank=True, help_text=_("One element per line.")
    )
    expression = models.TextField(_("expression"), blank=True)
    target_minutes_min = models.PositiveSmallIntegerField(_("target length from (min)"), default=5)
    target_minutes_max = models.PositiveSmallIntegerField(_("target length to (min)"), default=15)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("genre")
        verbose_name_plural = _("genres")

    @property
    def required_element_list(self) -> list[str]:
        return [line.strip() for line in self.required_elements.splitlines() if line.strip()]


class Track(BilingualName):
    """分类管理: the rules of a track are data, so the office can adjust them without a release."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    assigned_by_office = models.BooleanField(
        _("assigned by the office"), default=False, help_text=_("Only the office may create topics on this track.")
    )
    rejectable = models.BooleanField(
        _("may be rejected"), default=True, help_text=_("If off, the topic can only be cancelled by the office.")
    )
    skips_preproduction = models.BooleanField(
        _("skips script and storyboard"),
        default=False,
        help_text=_("For films that already exist: an approved topic starts in production."),
    )
    producer_may_cancel = models.BooleanField(
        _("producers may withdraw"), default=True, help_text=_("If off, only the office may cancel.")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("track")
        verbose_name_plural = _("tracks")


class StageDuration(models.Model):
    """Working days a stage takes for a genre; the backward schedule is built from these."""

    genre = models.ForeignKey(Genre, on_delete=models.CASCADE, related_name="durations", verbose_name=_("genre"))
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    workdays = models.PositiveSmallIntegerField(_("working days"))
    warn_days = models.PositiveSmallIntegerField(
        _("yellow at slack of"), default=3, help_text=_("Working days of slack at which the milestone turns yellow.")
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["genre", "stage"], name="stage_duration_unique")]
        verbose_name = _("stage duration")
        verbose_name_plural = _("stage durations")

    def __str__(self) -> str:
        return f"{self.genre} · {self.get_stage_display()}: {self.workdays}"


class ChecklistItem(BilingualName):
    """审核要点: one line of a stage's review checklist. A veto item failing blocks the gate."""

    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    code = models.SlugField(_("code"), max_length=40)
    is_veto = models.BooleanField(_("veto"), default=False)
    guidance = models.TextField(_("guidance"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["stage", "position", "code"]
        constraints = [models.UniqueConstraint(fields=["stage", "code"], name="checklist_item_unique")]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")


class Holiday(models.Model):
    """The year's official calendar: public holidays, and weekend days that are working days (调休)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Holiday")
        WORKDAY = "workday", _("Working weekend day")

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.HOLIDAY)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar exception")
        verbose_name_plural = _("calendar exceptions")

    def __str__(self) -> str:
        return f"{self.date} {self.name}"
