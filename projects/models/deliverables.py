"""Versioned stage deliverables (script, storyboard, cut) and the office's checklist reviews of them.

Versions are immutable: editing writes a new version, so what the office reviewed is what stays.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Deliverable(models.Model):
    class Kind(models.TextChoices):
        SCRIPT = "script", _("Script and narration")
        STORYBOARD = "storyboard", _("Storyboard")
        CUT = "cut", _("Cut")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted for review")
        RETURNED = "returned", _("Returned with comments")
        ACCEPTED = "accepted", _("Accepted")

    project = models.ForeignKey("projects.VideoProject", on_delete=models.CASCADE, related_name="deliverables")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    version = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    script = models.TextField(_("script"), blank=True)
    narration = models.TextField(_("narration (解说词)"), blank=True)
    note = models.TextField(_("note"), blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    class Meta:
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["project", "kind", "version"], name="deliverable_version_unique")
        ]
        verbose_name = _("deliverable")
        verbose_name_plural = _("deliverables")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"

    @property
    def total_duration(self) -> int:
        return sum(shot.duration_seconds for shot in self.shots.all())


def _frame_key(shot, filename):
    """Frames are keyed by the server: the project, then a random name with the extension of the
    format Pillow read (``projects.frames``), never the name the uploader's file had."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"storyboards/{shot.deliverable.project_id}/{uuid.uuid4().hex}.{ext}"


class Shot(models.Model):
    """One line of a storyboard's shot list."""

    class Size(models.TextChoices):
        # 景别, from far to near: the five every storyboard uses, and 大特写.
        LONG = "long", _("Long shot")
        FULL = "full", _("Full shot")
        MEDIUM = "medium", _("Medium shot")
        CLOSE = "close", _("Medium close-up")
        CLOSE_UP = "closeup", _("Close-up")
        EXTREME = "extreme", _("Extreme close-up")

    deliverable = models.ForeignKey(Deliverable, on_delete=models.CASCADE, related_name="shots")
    number = models.PositiveSmallIntegerField(_("shot"))
    picture = models.TextField(_("picture"))
    shot_size = models.CharField(_("shot size (景别)"), max_length=10, choices=Size.choices, blank=True)
    dialogue = models.TextField(_("narration / dialogue"), blank=True)
    camera_movement = models.CharField(_("camera movement (运镜)"), max_length=60, blank=True)
    duration_seconds = models.PositiveIntegerField(_("duration (s)"))
    notes = models.TextField(_("notes"), blank=True)
    frame = models.ImageField(_("frame"), upload_to=_frame_key, blank=True)
    # A small JPEG of the frame made on upload (``projects.frames``), for the editor and the exhibit.
    thumbnail = models.ImageField(_("thumbnail"), upload_to=_frame_key, blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["deliverable", "number"], name="shot_number_unique")]
        verbose_name = _("shot")
        verbose_name_plural = _("shots")

    def __str__(self) -> str:
        return f"#{self.number}"


class StageReview(models.Model):
    """The office's review of one submitted deliverable against the stage checklist."""

    class Decision(models.TextChoices):
        ADVANCE = "advance", _("Advance to the next stage")
        RETURN = "return", _("Return with comments")
        REJECT = "reject", _("Reject (after panel review)")

    project = models.ForeignKey("projects.VideoProject", on_delete=models.CASCADE, related_name="reviews")
    deliverable = models.ForeignKey(Deliverable, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    comment = models.TextField(_("comments"), blank=True)
    vetoed = models.BooleanField(_("a veto item failed"), default=False)
    created_at = models.DateTimeField(_("reviewed at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("stage review")
        verbose_name_plural = _("stage reviews")

    def __str__(self) -> str:
        return f"{self.deliverable}: {self.get_decision_display()}"


class StageReviewItem(models.Model):
    review = models.ForeignKey(StageReview, on_delete=models.CASCADE, related_name="items")
    item = models.ForeignKey("projects.ChecklistItem", on_delete=models.PROTECT, related_name="+")
    passed = models.BooleanField(_("passed"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["item__position"]
        constraints = [models.UniqueConstraint(fields=["review", "item"], name="review_item_unique")]
