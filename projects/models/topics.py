from django.conf import settings
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
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self) -> str:
        return self.title


class TopicSimilarity(models.Model):
    """One of the closest earlier topics found when a topic was pitched."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="similarities")
    other = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()

    class Meta:
        ordering = ["-score"]
        constraints = [models.UniqueConstraint(fields=["topic", "other"], name="topic_similarity_unique")]
        verbose_name = _("similar topic")
        verbose_name_plural = _("similar topics")
