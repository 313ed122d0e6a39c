from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from projects.models.catalog import Stage


class Milestone(models.Model):
    """The date a stage must be finished by, planned backwards from the deadline (倒排摄制日程)."""

    project = models.ForeignKey("projects.VideoProject", on_delete=models.CASCADE, related_name="milestones")
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    starts_on = models.DateField(_("starts on"))
    due_on = models.DateField(_("due on"))
    warn_days = models.PositiveSmallIntegerField(_("yellow at slack of"), default=3)
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [models.UniqueConstraint(fields=["project", "stage"], name="milestone_unique")]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self) -> str:
        return f"{self.get_stage_display()} {self.due_on}"


class PlanChange(models.Model):
    """What the office changed when planning (genre, track, origin, deadline, spec), for the
    project's timeline: each field's stored value before and after, worded when read."""

    project = models.ForeignKey("projects.VideoProject", on_delete=models.CASCADE, related_name="plan_changes")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    changes = models.JSONField(default=dict)  # field name → [before, after], as stored values
    created_at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("plan change")
        verbose_name_plural = _("plan changes")
