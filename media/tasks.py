"""Background processing of cuts through Django's tasks API. Tasks take ids, tolerate a missing
row, are safe to run twice (a conditional update claims the cut), and record why they failed.

Every claim is a lease (``media.claims``) the task renews while it works; a worker that is killed
stops renewing and ``claims.media_sweep`` hands the cut or upload back. Every failure ends
queued for another try (bounded by ``REELWORK_MAX_ATTEMPTS``) or failed with a reason code."""

import logging
import tempfile
import traceback
from pathlib import Path

from django.db import transaction
from django.tasks import task

from media import claims, ffmpeg, pipeline, services, showings, storage, uploads, uploads_direct
from media.models import Cut, Rendition, Upload
from media.progress import ENCODE_PLAN, FAST_PLAN, CutProgress

log = logging.getLogger(__name__)

# Two queues (settings.TASKS_QUEUES), so a long transcode never delays a short job: work that takes
# minutes on "media", work that takes seconds (checking an upload, notifications) on "default".
LONG = "media"
SHORT = "default"


@task(queue_name=LONG)
def process_cut(cut_id: int) -> str:
    attempt = claims.cut_claim(cut_id=cut_id)
    if attempt is None:
        return "skipped"
    cut = Cut.objects.select_related("deliverable__project__genre").get(pk=cut_id)

    def fail(code, params, detail, transient):
        return claims.cut_fail(cut_id=cut_id, attempt=attempt, code=code, params=params, detail=detail, transient=transient)

    try:
        with claims.lease_kept(lambda: claims.cut_lease_renew(cut_id=cut_id, attempt=attempt)):
            return _process(cut, attempt)
    except ffmpeg.FFmpegError as exc:
        return fail(exc.code, exc.params, str(exc), exc.transient)
    except storage.StorageError as exc:
        # The storage being away is worth another try, later.
        log.warning("cut %s, attempt %s: storage: %s", cut_id, attempt, exc.detail)
        return fail("storage", {"attempts": attempt}, f"{exc.message}\n{exc.detail}", True)
    except Exception:
        log.exception("cut %s, attempt %s", cut_id, attempt)
        return fail("internal", {"attempts": attempt}, _traceback_tail(), True)


@task(queue_name=SHORT)
def verify_upload(upload_id: str, attempt: int | None = None) -> str:
    """Read back an upload the browser sent straight to the bucket and register it as a cut (or
    record why not). The storage being unreachable is worth a few more tries, spaced out.

    ``attempt`` comes only with retries queued before the upload counted its own attempts; the
    upload's count is the one used."""
    attempt = claims.upload_claim(upload_id=upload_id)
    if attempt is None:
        return "skipped"
    upload = Upload.objects.select_related("project", "user").get(pk=upload_id)
    try:
        with claims.lease_kept(lambda: claims.upload_lease_renew(upload_id=upload_id, attempt=attempt)):
            cut = uploads_direct.upload_direct_verify(upload=upload)
    except storage.StorageError as exc:
        log.warning("verifying upload %s (attempt %d): %s", upload_id, attempt, exc.detail)
        return claims.upload_verify_failed(upload_id=upload_id, attempt=attempt, code="storage_unreachable")
    except Exception:
        log.exception("verifying upload %s (attempt %d)", upload_id, attempt)
        return claims.upload_verify_failed(upload_id=upload_id, attempt=attempt, code="internal")
    return "ready" if cut else "rejected"


@task(queue_name=LONG)
def package_hls(cut_id: int) -> str:
    """Make a film's HLS rendition for showings (``media.showings.hls_package``): run by the first
    programming of the film into a cloud showing, and again by a new viewer link while it is
    missing. Safe to run twice; its time limit is the claim's (``PACKAGING_LIMIT_SECONDS``) and
    the ffmpeg wrapper's timeout. A failure is logged with its detail and leaves no rendition."""
    try:
        return showings.hls_package(cut_id=cut_id)
    except ffmpeg.FFmpegError as exc:
        log.warning("cut %s: HLS packaging failed: %s\n%s", cut_id, exc, exc.stderr_tail)
        return "failed"
    except storage.StorageError as exc:
        log.warning("cut %s: HLS packaging could not store: %s", cut_id, exc.detail)
        return "failed"


def _traceback_tail(lines: int = 20) -> str:
    return "\n".join(traceback.format_exc().rstrip().splitlines()[-lines:])


def _process(cut: Cut, attempt: int) -> str:
    # A local path, or a presigned URL ffmpeg reads with Range requests: the original is not copied.
    source = storage.ffmpeg_input(key=cut.original_key)
    with tempfile.TemporaryDirectory(prefix="reelwork-cut-") as tmp:
        out = Path(tmp)
        # The upload check probed the original already; the file has not changed since.
        probe = ffmpeg.Probe.from_dict(cut.probe) if cut.probe else uploads.probe_stored(key=cut.original_key, size=cut.size)
        if probe.browser_ready:
            progress = CutProgress(cut.pk, FAST_PLAN)
            # The WebVTT index names the sprite relative to itself: both are served side by side.
            previews = pipeline.fast_preview(source, out, probe, sprite_url="sprite.jpg",
                                             on_progress=progress.for_step(Cut.Step.PREVIEW))
            report = pipeline.qc_only(source, probe, on_progress=progress.for_step(Cut.Step.QC))
        else:
            progress = CutProgress(cut.pk, ENCODE_PLAN)
            previews, report = pipeline.proxy_with_qc(source, out, probe, sprite_url="sprite.jpg",
                                                      on_progress=progress.for_step(Cut.Step.PREVIEW_QC))
        renditions = {
            Rendition.Kind.PROXY: previews.proxy,
            Rendition.Kind.POSTER: previews.poster,
            Rendition.Kind.SPRITE: previews.sprite,
            Rendition.Kind.THUMBS: previews.vtt,
        }
        stored = {}
        storing = progress.for_step(Cut.Step.STORE)
        for done, (kind, path) in enumerate(renditions.items()):
            storing(done / len(renditions))
            key = f"{cut.prefix}/{Path(path).name}"
            storage.put_file(key=key, path=Path(path))
            stored[kind] = (key, Path(path).stat().st_size)
    findings, passed = services.qc_verdict(report, cut.deliverable.project)
    with transaction.atomic():
        for kind, (key, size) in stored.items():
            Rendition.objects.update_or_create(cut=cut, kind=kind, defaults={"key": key, "size": size})
        # Ready only now that every rendition is fully written, and only if the claim still holds.
        ready = Cut.objects.filter(pk=cut.pk, status=Cut.Status.PROCESSING, attempts=attempt).update(
            status=Cut.Status.READY,
            progress=1.0,
            progress_step="",
            lease_until=None,
            probe=probe.as_dict(),
            qc={"report": report.as_dict(), "findings": [f.as_dict() for f in findings]},
            qc_passed=passed,
        )
        if not ready:
            transaction.set_rollback(True)
            return "lost"
    return "ready"
