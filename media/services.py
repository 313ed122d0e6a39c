"""Use cases for cuts: import a file as a new cut from the command line, attach subtitles, waive QC,
judge QC again when the targets change. The browser's uploads are :mod:`media.uploads` (what both
protocols share), :mod:`media.uploads_local` and :mod:`media.uploads_direct`."""

import contextlib
import hashlib
import logging
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from media import claims, qc, storage, uploads, uploads_direct, uploads_local
from media.models import Cut, QCWaiver, Rendition, Upload, WaiverRequest
from projects import rules
from projects.models import Deliverable
from studio import limits, roles
from studio.errors import Conflict, Forbidden, Invalid

log = logging.getLogger(__name__)

# Who hears of a waiver request and its answer: ``notice(kind, waiver_request)`` with kind
# "waiver_requested", "waiver_granted" or "waiver_declined", called inside the transaction that
# made the change. The reviews app adds its notifications here (``reviews.apps``), so media
# imports nothing of reviews (dependencies point one way).
WAIVER_NOTICES: list = []


def _tell(kind: str, waiver_request: WaiverRequest) -> None:
    for notice in WAIVER_NOTICES:
        notice(kind, waiver_request)


@transaction.atomic
def check_can_waive(cut: Cut, user) -> None:
    """The office may waive failed technical QC once processing has finished."""
    if not roles.is_office(user):
        raise Forbidden(_("Only the education office may waive technical QC."))
    if cut.status != Cut.Status.READY:
        raise Conflict(_("QC can be waived once processing has finished."))
    if cut.qc_passed:
        raise Conflict(_("This cut passed technical QC: there is nothing to waive."))


def open_waiver_request(cut: Cut) -> WaiverRequest | None:
    return cut.waiver_requests.filter(status=WaiverRequest.Status.OPEN).select_related("requested_by").first()


def check_can_request_waiver(cut: Cut, user) -> None:
    """The producing unit may ask the office to waive failed QC of a draft version, once."""
    project = cut.deliverable.project
    if not roles.is_unit_producer(user, project.unit_id):
        raise Forbidden(_("Waivers are requested by the producing unit; the office waives QC directly."))
    if cut.deliverable.status != Deliverable.Status.DRAFT:
        raise Conflict(_("Version %(v)s has been submitted: its QC is settled.") % {"v": cut.deliverable.version})
    if cut.status != Cut.Status.READY:
        raise Conflict(_("A waiver can be requested once processing has finished."))
    if cut.qc_passed:
        raise Conflict(_("This cut passed technical QC: there is nothing to waive."))
    if cut.qc_waiver_reason:
        raise Conflict(_("The office has waived this cut's QC already."))
    if (pending := open_waiver_request(cut)) is not None:
        raise Conflict(_("Your waiver request of %(at)s is waiting for the office.")
                       % {"at": timezone.localtime(pending.created_at).strftime("%Y-%m-%d %H:%M")})


def check_can_decline_waiver(cut: Cut, user) -> WaiverRequest:
    """The office may decline an open waiver request (with a note); returns it."""
    if not roles.is_office(user):
        raise Forbidden(_("Only the education office answers waiver requests."))
    request = open_waiver_request(cut)
    if request is None:
        raise Conflict(_("There is no open waiver request for this cut."))
    return request


@dataclass(frozen=True)
class CutActions:
    """What a user may do on a cut's page now (each from its one rule)."""

    subtitle: rules.Verdict
    waive: rules.Verdict
    request_waiver: rules.Verdict
    decline_waiver: rules.Verdict
    sees_detail: bool  # the office reads the technical detail of a failure (ffmpeg's last lines)
    asks_waivers: bool  # a producer of the unit: told why a waiver cannot be requested now


def cut_actions(cut: Cut, user) -> CutActions:
    return CutActions(
        subtitle=rules.verdict(check_can_subtitle, cut, user),
        waive=rules.verdict(check_can_waive, cut, user),
        request_waiver=rules.verdict(check_can_request_waiver, cut, user),
        decline_waiver=rules.verdict(check_can_decline_waiver, cut, user),
        sees_detail=roles.is_office(user),
        asks_waivers=roles.is_unit_producer(user, cut.deliverable.project.unit_id),
    )


def cut_submit_refusals(project) -> list[str]:
    """Why the project's latest cut may not go to the panel now, in words the producer can act on
    (registered as a ``submit_cut`` gate check; ``Cut.reviewable`` is the rule itself)."""
    latest = project.deliverables.filter(kind=Deliverable.Kind.CUT).order_by("-version").first()
    if latest is None:
        return []
    cut = Cut.objects.filter(deliverable=latest).first()
    v = latest.version
    if cut is None:
        return [_("The file of version %(v)s has not fully arrived yet.") % {"v": v}]
    if cut.reviewable:
        return []
    if cut.status == Cut.Status.FAILED:
        return [_("Processing of version %(v)s failed: upload a new version.") % {"v": v}]
    if cut.status != Cut.Status.READY:
        return [_("Version %(v)s is still being processed: wait for its previews and technical QC.") % {"v": v}]
    if (pending := open_waiver_request(cut)) is not None:
        return [_("Version %(v)s failed technical QC; your waiver request of %(at)s is waiting for the office.")
                % {"v": v, "at": timezone.localtime(pending.created_at).strftime("%Y-%m-%d %H:%M")}]
    return [_("Version %(v)s failed technical QC: upload a corrected version, or ask the office for a waiver on the cut's page.")
            % {"v": v}]


@transaction.atomic
def cut_waiver_request(*, cut: Cut, user, reason: str) -> WaiverRequest:
    """The producing unit asks the office to waive the cut's failed QC; the request waits on the
    office's to-do list until it is granted (the office waives) or declined."""
    Cut.objects.select_for_update().filter(pk=cut.pk).first()  # one open request per cut
    check_can_request_waiver(cut, user)
    reason = reason.strip()
    if not reason:
        raise Invalid(_("Say why the cut should go to the panel anyway."))
    limits.check_lengths((_("The reason"), reason, limits.REASON))
    try:
        with transaction.atomic():
            waiver_request = WaiverRequest.objects.create(cut=cut, requested_by=user, reason=reason)
    except IntegrityError:
        raise Conflict(_("A waiver request for this cut is already waiting for the office.")) from None
    _tell("waiver_requested", waiver_request)
    return waiver_request


@transaction.atomic
def cut_waiver_decline(*, cut: Cut, user, answer: str) -> WaiverRequest:
    """The office declines the open waiver request, saying why (the producer reads it)."""
    request = check_can_decline_waiver(cut, user)
    answer = answer.strip()
    if not answer:
        raise Invalid(_("Say why the waiver is declined: the producer reads it."))
    limits.check_lengths((_("The answer"), answer, limits.REASON))
    claimed = WaiverRequest.objects.filter(pk=request.pk, status=WaiverRequest.Status.OPEN).update(
        status=WaiverRequest.Status.DECLINED, answered_by=user, answer=answer, answered_at=timezone.now()
    )
    if not claimed:
        raise Conflict(_("Someone else answered this request meanwhile. Reload the page."))
    request.refresh_from_db()
    _tell("waiver_declined", request)
    return request


DECISIONS = ("grant", "decline")


def check_can_decide_waiver(waiver_request: WaiverRequest, user) -> None:
    """The office answers a waiver request while it is open."""
    if not roles.is_office(user):
        raise Forbidden(_("Only the education office answers waiver requests."))
    if waiver_request.status != WaiverRequest.Status.OPEN:
        raise Conflict(_("This waiver request has been answered already."))


@transaction.atomic
def waiver_request_decide(*, waiver_request: WaiverRequest, user, decision: str, note: str) -> WaiverRequest:
    """The office answers an open waiver request: "grant" waives the cut's QC with ``note`` as
    the reason (``cut_waive_qc``), "decline" declines it with ``note`` for the producer."""
    cut = waiver_request.cut
    check_can_decide_waiver(waiver_request, user)
    if decision not in DECISIONS:
        raise Invalid(_("The decision is “grant” or “decline”."))
    if decision == "grant":
        cut_waive_qc(cut=cut, user=user, reason=note)
    else:
        cut_waiver_decline(cut=cut, user=user, answer=note)
    waiver_request.refresh_from_db()
    return waiver_request


def cut_exhibit(cut: Cut, user) -> dict:
    """What a page shows of a cut (``projects.exhibits``): the player with its subtitles and QC
    markers, the QC findings and waivers, the subtitles, and what ``user`` may do with them."""
    return {
        "template": "media/_cut_exhibit.html", "cut": cut, "findings": cut.findings,
        "report": cut.qc.get("report", {}), "renditions": {r.kind: r for r in cut.renditions.all()},
        "actions": cut_actions(cut, user), "waivers": list(cut.waivers.select_related("user")),
        "requests": list(cut.waiver_requests.select_related("requested_by", "answered_by")),
    }


def deliverable_cut_exhibit(deliverable, user) -> dict | None:
    """The exhibit of a cut version, found from its deliverable (None while the file is not in)."""
    cut = Cut.objects.filter(deliverable=deliverable).select_related("deliverable", "deliverable__project").first()
    return cut_exhibit(cut, user) if cut else None


@transaction.atomic
def cut_waive_qc(*, cut: Cut, user, reason: str) -> Cut:
    """The office lets a cut with failing technical QC go to the panel, with a recorded reason.
    A new waiver is added to the cut's history (``QCWaiver``) and becomes the current one; an
    open waiver request is granted by it."""
    check_can_waive(cut, user)
    reason = reason.strip()
    if not reason:
        raise Invalid(_("Give the reason for waiving QC."))
    limits.check_lengths((_("The reason"), reason, limits.REASON))
    waiver = QCWaiver.objects.create(cut=cut, user=user, reason=reason)
    Cut.objects.filter(pk=cut.pk).update(qc_waived_by=user, qc_waiver_reason=waiver.reason)
    granted = list(cut.waiver_requests.select_for_update().filter(status=WaiverRequest.Status.OPEN))
    cut.waiver_requests.filter(pk__in=[r.pk for r in granted]).update(
        status=WaiverRequest.Status.GRANTED, answered_by=user, answer=waiver.reason, answered_at=timezone.now()
    )
    for waiver_request in granted:
        waiver_request.refresh_from_db()
        _tell("waiver_granted", waiver_request)
    cut.refresh_from_db()
    return cut


def cut_progress(*, cut_id: int, fraction: float, step: str = "") -> None:
    """Record how far processing has come (``media.progress`` decides how often): one UPDATE."""
    Cut.objects.filter(pk=cut_id, status=Cut.Status.PROCESSING).update(
        progress=round(min(max(fraction, 0), 1), 3), progress_step=step
    )


def cut_import(*, project, user, path, note: str = "", filename: str | None = None, workers: int = 4) -> Cut:
    """Upload a local file as a new cut through the same checks as the browser (``upload_cut``):
    chunks through the server in local mode; with S3, ``workers`` parts at a time straight to the
    bucket, then the same read-back check the browser's uploads get."""
    path = Path(path)
    if storage.s3_enabled():
        return _import_direct(project=project, user=user, path=path, note=note, filename=filename, workers=workers)
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(storage.upload_chunk_bytes()), b""):
            digest.update(block)
    upload = uploads.upload_start(
        project=project, user=user, filename=filename or path.name, size=path.stat().st_size,
        sha256=digest.hexdigest(), note=note,
    )
    with path.open("rb") as handle:
        offset = 0
        for block in iter(lambda: handle.read(storage.upload_chunk_bytes()), b""):
            upload = uploads_local.upload_local_receive(upload=upload, offset=offset, chunks=[block], length=len(block))
            offset += len(block)
    upload.refresh_from_db()
    return upload.cut


def _import_direct(*, project, user, path: Path, note: str, filename: str | None, workers: int) -> Cut:
    upload = uploads.upload_start(project=project, user=user, filename=filename or path.name, size=path.stat().st_size,
                          sha256="", note=note)
    digests = [""] * upload.parts_total

    def send(number: int) -> None:
        # Each part streams from the file: memory stays flat whatever ``workers`` is.
        digests[number - 1] = uploads.storage_call(
            storage.multipart_put_file_part, key=upload.key, upload_id=upload.s3_upload_id, part_number=number,
            path=path, offset=(number - 1) * upload.part_size, length=uploads_direct.expected_part_size(upload, number),
        )

    try:
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            list(pool.map(send, range(1, upload.parts_total + 1)))
        upload = uploads_direct.upload_direct_complete(upload=upload, user=user, part_sha256=digests, enqueue=False)
    except BaseException:
        upload.refresh_from_db()
        if upload.status == Upload.Status.OPEN:
            with contextlib.suppress(storage.StorageError):
                storage.multipart_abort(key=upload.key, upload_id=upload.s3_upload_id)
            Upload.objects.filter(pk=upload.pk, status=Upload.Status.OPEN).update(status=Upload.Status.ABORTED)
        raise
    # Claimed and leased like the worker's check: if this command dies, the sweep hands the
    # upload to the worker instead of leaving it "verifying".
    attempt = claims.upload_claim(upload_id=upload.pk)
    try:
        with claims.lease_kept(lambda: claims.upload_lease_renew(upload_id=upload.pk, attempt=attempt)):
            cut = uploads_direct.upload_direct_verify(upload=upload)
    except storage.StorageError as exc:
        log.warning("storage: %s", exc.detail)
        claims.upload_verify_failed(upload_id=upload.pk, attempt=attempt, code="storage_unreachable")
        raise uploads.StorageUnavailable(exc.message) from exc
    if cut is None:
        upload.refresh_from_db()
        raise Invalid(upload.error)
    return cut


def check_can_subtitle(cut: Cut, user) -> None:
    """Subtitles belong to a draft version: the producing unit adds or replaces them until it is submitted."""
    rules.check_produces(cut.deliverable.project, user)
    if cut.deliverable.status != Deliverable.Status.DRAFT:
        raise Conflict(_("Version %(v)s has been submitted: upload a new version to change its subtitles.")
                       % {"v": cut.deliverable.version})


def cut_subtitles_save(*, cut: Cut, user, data: bytes) -> Cut:
    """Attach subtitles (SRT or WebVTT, stored as WebVTT) to a cut that has not gone to review
    yet; a new file replaces the previous one. Refused input leaves the old subtitles in place."""
    from media import subtitles

    project = cut.deliverable.project
    check_can_subtitle(cut, user)
    try:
        cues = subtitles.parse(data)
    except subtitles.SubtitleError as exc:
        raise Invalid(exc.message) from exc
    duration = float(cut.probe.get("duration") or 0)
    if duration and cues[0].start > duration:
        raise Invalid(_("The first subtitle starts at %(at).0f s, after the cut ends (%(d).0f s): are they for another film?")
                      % {"at": cues[0].start, "d": duration})
    key = storage.rendition_key(project.pk, cut.deliverable.version, "subtitles.vtt")
    uploads.storage_call(storage.save, key=key, content=subtitles.to_webvtt(cues).encode(), overwrite=True)
    Cut.objects.filter(pk=cut.pk).update(subtitles_key=key)
    cut.subtitles_key = key
    return cut


def qc_targets(project):
    """What a cut of ``project`` must meet: the genre's running time, the project's spec."""
    genre = project.genre
    return qc.Targets(
        min_seconds=genre.target_minutes_min * 60, max_seconds=genre.target_minutes_max * 60,
        min_resolution=project.spec_size, fps=float(project.spec_fps),
    )


def qc_verdict(report, project) -> tuple[list, bool]:
    """The findings of a QC report against the project's current targets, and whether it passes."""
    findings = report.findings(qc_targets(project))
    return findings, qc.passing(findings)


def qc_recheck(*, project) -> int:
    """The genre or spec changed: judge the processed cuts not yet submitted again (the measures
    are stored; nothing is decoded). Submitted and decided versions keep their verdict."""
    count = 0
    cuts = Cut.objects.filter(deliverable__project=project, deliverable__status=Deliverable.Status.DRAFT,
                              status=Cut.Status.READY).exclude(qc={})
    for cut in cuts:
        findings, passed = qc_verdict(qc.QCReport.from_dict(cut.qc["report"]), project)
        Cut.objects.filter(pk=cut.pk).update(
            qc={**cut.qc, "findings": [f.as_dict() for f in findings]}, qc_passed=passed
        )
        count += 1
    return count


def cut_frame_thumbnail(*, cut: Cut, seconds: float, name: str) -> str:
    """Store a thumbnail of the frame at ``seconds`` beside the cut's previews, from the proxy
    (or the remuxed original, which is what the proxy rendition is for a browser-ready file);
    returns its key, or "" while the cut has no proxy yet."""
    from media import pipeline

    proxy = cut.renditions.filter(kind=Rendition.Kind.PROXY).first()
    if proxy is None:
        return ""
    key = f"{cut.prefix}/frames/{storage.safe_name(name)}"
    if storage.head(key=key) is not None:
        return key
    with tempfile.TemporaryDirectory(prefix="reelwork-frame-") as tmp:
        out = Path(tmp) / "frame.jpg"
        pipeline.frame_thumbnail(storage.ffmpeg_input(key=proxy.key), out, seconds)
        storage.put_file(key=key, path=out)
    return key
