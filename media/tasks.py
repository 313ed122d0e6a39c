"""Background processing of cuts through Django's tasks API. Tasks take ids, tolerate a missing
row, are safe to run twice (a conditional update claims the cut), and record why they failed."""

import logging
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.tasks import task

from media import ffmpeg, pipeline, services, storage
from media.models import Cut, Rendition, Upload

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3
# Timeouts and stalls are worth another try (a busy machine); a file ffmpeg cannot read is not.
TRANSIENT = (ffmpeg.Timeout, ffmpeg.Stalled)


@task()
def process_cut(cut_id: int) -> str:
    if not services.cut_claim(cut_id=cut_id):
        return "skipped"
    cut = Cut.objects.select_related("deliverable__project__genre").get(pk=cut_id)
    try:
        _process(cut)
    except TRANSIENT as exc:
        retry = cut.attempts < MAX_ATTEMPTS
        Cut.objects.filter(pk=cut.pk).update(
            status=Cut.Status.QUEUED if retry else Cut.Status.FAILED, failure=f"{exc.message}\n{exc.stderr_tail}"
        )
        if retry:
            transaction.on_commit(lambda: process_cut.enqueue(cut.pk))
        return "retry" if retry else "failed"
    except ffmpeg.FFmpegError as exc:
        Cut.objects.filter(pk=cut.pk).update(status=Cut.Status.FAILED, failure=f"{exc.message}\n{exc.stderr_tail}")
        return "failed"
    return "ready"


VERIFY_RETRY_AFTER = timedelta(seconds=30)


@task()
def verify_upload(upload_id: str, attempt: int = 1) -> str:
    """Read back an upload the browser sent straight to the bucket and register it as a cut (or
    record why not). The storage being unreachable is worth a few more tries, spaced out."""
    upload = Upload.objects.select_related("project", "user").filter(pk=upload_id).first()
    if upload is None or upload.status != Upload.Status.VERIFYING:
        return "skipped"
    try:
        # No request here: the reason recorded for the uploader is in the site's language.
        with translation.override(settings.LANGUAGE_CODE):
            cut = services.upload_verify(upload=upload)
    except storage.StorageError as exc:
        log.warning("verifying upload %s (attempt %d): %s", upload_id, attempt, exc.detail)
        if attempt >= MAX_ATTEMPTS:
            Upload.objects.filter(pk=upload.pk, status=Upload.Status.VERIFYING).update(
                status=Upload.Status.FAILED, error=str(exc.message)
            )
            return "failed"
        verify_upload.using(run_after=timezone.now() + VERIFY_RETRY_AFTER * attempt).enqueue(upload_id, attempt + 1)
        return "retry"
    return "ready" if cut else "rejected"


def _process(cut: Cut) -> None:
    last = [0.0]

    def on_progress(fraction):
        # At most one write a second: the progress bar polls, it needs no more.
        if time.monotonic() - last[0] >= 1 or fraction >= 1:
            last[0] = time.monotonic()
            services.cut_progress(cut_id=cut.pk, fraction=fraction)

    # A local path, or a presigned URL ffmpeg reads with Range requests: the original is not copied.
    source = storage.ffmpeg_input(key=cut.original_key)
    with tempfile.TemporaryDirectory(prefix="reelwork-cut-") as tmp:
        out = Path(tmp)
        # The upload check probed the original already; the file has not changed since.
        probe = ffmpeg.Probe.from_dict(cut.probe) if cut.probe else services.probe_stored(key=cut.original_key, size=cut.size)
        if probe.browser_ready:
            # The WebVTT index names the sprite relative to itself: both are served side by side.
            previews = pipeline.fast_preview(source, out, probe, sprite_url="sprite.jpg")
            report = pipeline.qc_only(source, probe)
        else:
            previews, report = pipeline.proxy_with_qc(source, out, probe, on_progress=on_progress, sprite_url="sprite.jpg")
        renditions = {
            Rendition.Kind.PROXY: previews.proxy,
            Rendition.Kind.POSTER: previews.poster,
            Rendition.Kind.SPRITE: previews.sprite,
            Rendition.Kind.THUMBS: previews.vtt,
        }
        stored = {}
        for kind, path in renditions.items():
            key = f"{cut.prefix}/{Path(path).name}"
            storage.put_file(key=key, path=Path(path))
            stored[kind] = (key, Path(path).stat().st_size)
    findings, passed = services.qc_verdict(report, cut.deliverable.project)
    with transaction.atomic():
        for kind, (key, size) in stored.items():
            Rendition.objects.update_or_create(cut=cut, kind=kind, defaults={"key": key, "size": size})
        # Ready only now that every rendition is fully written.
        Cut.objects.filter(pk=cut.pk).update(
            status=Cut.Status.READY,
            progress=1.0,
            probe=probe.as_dict(),
            qc={"report": report.as_dict(), "findings": [f.as_dict() for f in findings]},
            qc_passed=passed,
        )
