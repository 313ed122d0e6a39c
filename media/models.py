"""Cuts (样片) and their uploads and renditions. A cut is one version of the film: the file behind a
``Deliverable`` of kind "cut". Originals are never overwritten: each upload is a new version."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Upload(models.Model):
    """A resumable upload in progress. Local mode: bytes land under ``uploads/<id>/`` through our
    views. S3 mode: the browser PUTs parts of ``part_size`` bytes straight to ``key`` in the bucket
    (multipart upload ``s3_upload_id``), sends the SHA-256 of each part when done, and a task
    reads the object back to check them. Either way the cut exists only once every byte arrived
    and the checksums matched."""

    class Status(models.TextChoices):
        OPEN = "open", _("Uploading")
        VERIFYING = "verifying", _("Checking the file")
        COMPLETE = "complete", _("Complete")
        FAILED = "failed", _("Failed")
        ABORTED = "aborted", _("Aborted")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey("projects.VideoProject", on_delete=models.CASCADE, related_name="uploads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(_("file name"), max_length=255)
    size = models.BigIntegerField(_("declared size"))
    sha256 = models.CharField(_("declared SHA-256"), max_length=64)
    received = models.BigIntegerField(_("bytes received"), default=0)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    note = models.TextField(_("what changed in this cut"), blank=True)
    # Why the file was refused, as a code of ``media.reasons`` and its parameters: worded when read.
    error_code = models.CharField(_("error"), max_length=40, blank=True)
    error_params = models.JSONField(default=dict, blank=True)
    # A checking worker holds the upload until then; past it the sweep hands the upload back.
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # The latest claim: when and by which process (``host/pid``), for the cluster page.
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=100, blank=True)
    # When the check became due (the upload was completed, handed back, or a retry's time came)
    # and the task queued for it: ``claims.media_sweep`` queues the check again when that task is
    # not waiting on the queue (the queue did not answer, or lost it).
    queued_at = models.DateTimeField(null=True, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    s3_upload_id = models.CharField(max_length=255, blank=True)
    key = models.CharField(max_length=500, blank=True)
    part_size = models.BigIntegerField(default=0)
    part_sha256 = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(_("started at"), default=timezone.now)
    cut = models.OneToOneField("media.Cut", null=True, blank=True, on_delete=models.SET_NULL, related_name="upload")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("upload")
        verbose_name_plural = _("uploads")

    def __str__(self) -> str:
        return f"{self.filename} ({self.received}/{self.size})"

    @property
    def partial_key(self) -> str:
        from media.storage import upload_key

        return upload_key(self.pk)

    @property
    def direct(self) -> bool:
        """True when the browser uploads straight to the bucket (S3 mode)."""
        return bool(self.s3_upload_id)

    @property
    def parts_total(self) -> int:
        return -(-self.size // self.part_size) if self.part_size else 0

    @property
    def error(self) -> str:
        """Why the file was refused, in the active language ("" when it was not)."""
        from media import reasons

        return reasons.render(self.error_code, self.error_params)


class Cut(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        PROCESSING = "processing", _("Processing")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    class Step(models.TextChoices):
        """What processing is doing now (``media.progress``), shown beside the percentage."""

        PREVIEW = "preview", _("making the preview")
        QC = "qc", _("technical QC")
        PREVIEW_QC = "preview_qc", _("making the preview and technical QC")
        STORE = "store", _("storing the previews")

    deliverable = models.OneToOneField("projects.Deliverable", on_delete=models.CASCADE, related_name="cut")
    original_key = models.CharField(max_length=500)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.BigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    subtitles_key = models.CharField(max_length=500, blank=True)
    probe = models.JSONField(default=dict, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.QUEUED)
    progress = models.FloatField(_("progress"), default=0.0)
    # The step ``progress`` is in (``Step``); written with it, in the same UPDATE.
    progress_step = models.CharField(_("processing step"), max_length=12, choices=Step.choices, blank=True)
    # Why processing failed (or was last retried): a code of ``media.reasons`` and its parameters,
    # worded when read; the technical detail (ffmpeg's stderr tail, the storage's error) for the office.
    failure_code = models.CharField(_("failure"), max_length=40, blank=True)
    failure_params = models.JSONField(default=dict, blank=True)
    failure_detail = models.TextField(_("technical detail"), blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # The processing worker holds the cut until then and renews it while it works; a worker that
    # died stops renewing, and the sweep hands the cut back (``claims.media_sweep``).
    lease_until = models.DateTimeField(null=True, blank=True)
    # The latest claim: when and by which process (``host/pid``), for the cluster page.
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=100, blank=True)
    # When the cut last became due for processing (registered, handed back, or a retry's time
    # came) and the task queued for it: a queued cut whose task is not waiting on the queue (Redis
    # did not answer when it was enqueued, or lost it) is queued again by ``claims.media_sweep``.
    queued_at = models.DateTimeField(default=timezone.now)
    task_id = models.CharField(max_length=64, blank=True)
    # The task queued for its HLS packaging (``media.showings.hls_request``), so a new viewer link
    # queues it again only when no task waits for it already (none queued yet, Redis did not
    # answer, or lost it).
    hls_task_id = models.CharField(max_length=64, blank=True)
    qc = models.JSONField(_("technical QC"), default=dict, blank=True)
    qc_passed = models.BooleanField(_("QC passed"), null=True)
    # The current waiver, copied from the latest ``QCWaiver`` row in the same transaction: the
    # workflow condition and the project page read it without a join.
    qc_waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    qc_waiver_reason = models.TextField(_("QC waiver reason"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("cut")
        verbose_name_plural = _("cuts")

    def __str__(self) -> str:
        return f"{self.deliverable} {self.original_name}"

    @property
    def prefix(self) -> str:
        """Where this version's renditions live: ``cuts/<project_id>/v<version>``."""
        from media.storage import cut_prefix

        return cut_prefix(self.deliverable.project_id, self.deliverable.version).rstrip("/")

    @property
    def failure(self) -> str:
        """Why processing failed, in the active language ("" when it did not)."""
        from media import reasons

        return reasons.render(self.failure_code, self.failure_params)

    @property
    def progress_text(self) -> str:
        """Where processing stands, in the active language: "处理中 42% · 技术质检"."""
        if self.status == self.Status.QUEUED:
            return str(_("Waiting for a worker…"))
        if self.status != self.Status.PROCESSING:
            return ""
        text = _("Processing %(percent)s%%") % {"percent": int(self.progress * 100)}
        return f"{text} · {self.get_progress_step_display()}" if self.progress_step else text

    @property
    def findings(self) -> list:
        """The stored QC findings (``qc.Finding``); each words itself when read."""
        from media.qc import Finding

        return [Finding.from_dict(f) for f in self.qc.get("findings", [])]

    def previous(self) -> "Cut | None":
        """The ready cut of the version before this one (what the compare view sets beside it)."""
        return (Cut.objects.filter(deliverable__project_id=self.deliverable.project_id,
                                   deliverable__version__lt=self.deliverable.version, status=Cut.Status.READY)
                .select_related("deliverable").order_by("-deliverable__version").first())

    @property
    def reviewable(self) -> bool:
        """Previews ready and technical QC passed or waived: the cut may go to the panel."""
        return self.status == self.Status.READY and (self.qc_passed or bool(self.qc_waiver_reason))


class Rendition(models.Model):
    class Kind(models.TextChoices):
        PROXY = "proxy", _("Browser proxy")
        POSTER = "poster", _("Poster")
        SPRITE = "sprite", _("Scrub sprite")
        THUMBS = "thumbs", _("Thumbnail index (WebVTT)")
        HLS = "hls", _("HLS playlist")

    cut = models.ForeignKey(Cut, on_delete=models.CASCADE, related_name="renditions")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    key = models.CharField(max_length=500)
    size = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cut", "kind"], name="rendition_unique")]


class QCWaiver(models.Model):
    """The office let a cut with failing technical QC go to the panel: one row per decision, so a
    later waiver never hides an earlier one. The latest is the current one."""

    cut = models.ForeignKey(Cut, on_delete=models.CASCADE, related_name="waivers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("waived by"))
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(_("waived at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("QC waiver")
        verbose_name_plural = _("QC waivers")

    def __str__(self) -> str:
        return f"{self.cut} {self.user} {self.created_at:%Y-%m-%d %H:%M}"


class WaiverRequest(models.Model):
    """The producing unit asks the office to waive a cut's failed technical QC, with its reason.
    An open request is on the office's to-do list until the office waives QC (granted) or
    declines it with a note; a cut has at most one open request."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for the office")
        GRANTED = "granted", _("Granted")
        DECLINED = "declined", _("Declined")

    cut = models.ForeignKey(Cut, on_delete=models.CASCADE, related_name="waiver_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("requested by"))
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("answered by"))
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("QC waiver request")
        verbose_name_plural = _("QC waiver requests")
        constraints = [
            models.UniqueConstraint(fields=["cut"], condition=models.Q(status="open"), name="one_open_waiver_request")
        ]

    def __str__(self) -> str:
        return f"{self.cut} {self.get_status_display()}"
