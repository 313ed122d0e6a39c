from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TopicCall(models.Model):
    """年度选题征集: units pitch topics while the call is open."""

    year = models.PositiveSmallIntegerField(_("year"))
    theme = models.CharField(_("theme"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))

    class Meta:
        ordering = ["-year", "-opens_on"]
        verbose_name = _("topic call")
        verbose_name_plural = _("topic calls")

    def __str__(self) -> str:
        return f"{self.year} {self.theme}"

    def is_open(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.opens_on <= today <= self.closes_on


class Topic(models.Model):
    """A pitch (选题). Its workflow lives on the VideoProject created with it."""

    call = models.ForeignKey(TopicCall, on_delete=models.PROTECT, related_name="topics", verbose_name=_("call"))
    unit = models.ForeignKey("projects.Unit", on_delete=models.PROTECT, related_name="topics", verbose_name=_("unit"))
    title = models.CharField(_("title"), max_length=120)
    logline = models.TextField(_("logline"), max_length=1000)
    genre = models.ForeignKey("projects.Genre", on_delete=models.PROTECT, verbose_name=_("genre"))
    local_elements = models.CharField(
        _("local elements"), max_length=300, blank=True, help_text=_("本土特色, e.g. 五华元素")
    )
    proposed_track = models.ForeignKey(
        "projects.Track", on_delete=models.PROTECT, related_name="+", verbose_name=_("proposed track")
    )
    pitched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("pitched by")
    )
    created_at = models.DateTimeField(_("pitched at"), default=timezone.now)
    # Denormalised from the similarity rows so lists can show the flag without a join.
    max_similarity = models.FloatField(_("highest similarity"), default=0.0)
    flagged = models.BooleanField(_("flagged as near-duplicate"), default=False)

    class Meta:
        ordering = ["-created_at"]
        # The homogeneity check asks for the last pitch time on every keystroke (projects.homogeneity).
        indexes = [models.Index(fields=["created_at"], name="topic_created_at_idx")]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self) -> str:
        return self.title


class TopicSimilarity(models.Model):
    """One of the closest earlier topics found when a topic was pitched."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="similarities")
    other = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    # The band at pitch time: True = flagged (approval needs a reason), False = a close call. Kept
    # as stored when thresholds or vocabulary change (manage.py recheck_homogeneity reports).
    flagged = models.BooleanField(_("flagged"), default=True)

    class Meta:
        ordering = ["-score"]
        constraints = [models.UniqueConstraint(fields=["topic", "other"], name="topic_similarity_unique")]
        verbose_name = _("similar topic")
        verbose_name_plural = _("similar topics")


class VocabularyTerm(models.Model):
    """A word the homogeneity check knows (projects/similarity.py); the office extends the list in
    the admin. Changes apply to the next check; flags already stored stay as they were."""

    class Kind(models.TextChoices):
        WORD = "word", _("domain word (kept whole)")
        SYNONYM = "synonym", _("variant (folded into its canonical form)")
        THEME = "theme", _("theme word (weighted down)")
        STOP = "stop", _("stop word (ignored)")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    term = models.CharField(_("term"), max_length=40)
    canonical = models.CharField(
        _("canonical form"), max_length=80, blank=True,
        help_text=_("For a variant: the word it means (several words separated by spaces)."),
    )
    weight = models.FloatField(
        _("weight"), default=0.25, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text=_("For a theme word: how much it still counts, from 0 to 1 (a story word counts 1)."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["kind", "term"]
        constraints = [models.UniqueConstraint(fields=["kind", "term"], name="vocabulary_term_unique")]
        verbose_name = _("homogeneity vocabulary term")
        verbose_name_plural = _("homogeneity vocabulary")

    def __str__(self) -> str:
        return f"{self.term} → {self.canonical}" if self.kind == self.Kind.SYNONYM else self.term

    def clean(self):
        if self.kind == self.Kind.SYNONYM and not self.canonical.strip():
            raise ValidationError({"canonical": _("A variant needs the canonical form it is folded into.")})
