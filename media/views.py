"""Cut pages and the upload endpoints the browser (and ``upload_cut``) talk to.

Both modes start with POST ``/projects/<id>/uploads/`` with JSON ``{filename, size, sha256, note}``
→ ``{id, mode, offset, ...}``; GET ``/uploads/<id>/`` tells the state to resume from.

* ``mode: "local"``: PUT ``/uploads/<id>/`` with the raw bytes of one chunk,
  ``Content-Range: bytes <start>-<end>/<size>`` and ``X-Chunk-SHA256``. A wrong offset answers 409
  with the offset to resume from. The last chunk registers the cut.
* ``mode: "s3"``: the file goes in ``part_size`` parts straight to the bucket. GET
  ``/uploads/<id>/part-urls/?first=<n>&count=<k>`` → ``{urls: {n: url}}``; PUT each part's bytes
  to its URL; GET ``/uploads/<id>/`` lists the parts already held (``parts: [[n, size]]``) for a
  resume. Then POST ``/uploads/<id>/complete/`` with ``{parts: [sha256 of part 1, ...]}`` → 202,
  ``status: "verifying"``; poll GET ``/uploads/<id>/`` until ``cut`` is set or ``status`` is
  ``failed`` (with ``error``).
"""

import functools
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from media import access, services, storage, uploads, uploads_direct, uploads_local
from media.cluster import cluster_overview
from media.models import Rendition, Upload
from media.serializers import UploadStartSerializer
from media.subtitles import MAX_BYTES as SUBTITLES_MAX_BYTES
from projects import access as project_access
from studio import jsonbody
from studio.errors import ActionRefused, Conflict, Invalid

# At most 19 digits (below 2**63): longer numbers are no byte offset of ours, and int() of
# thousands of digits is refused by Python itself.
CONTENT_RANGE = re.compile(r"^bytes (\d{1,19})-(\d{1,19})/(\d{1,19})$")
RANGE = re.compile(r"^bytes=(\d{0,19})-(\d{0,19})$")
SERVED = {"proxy.mp4": Rendition.Kind.PROXY, "poster.jpg": Rendition.Kind.POSTER,
          "sprite.jpg": Rendition.Kind.SPRITE, "sprite.vtt": Rendition.Kind.THUMBS}


def login_required_json(view):
    """For the endpoints scripts call: a signed-out request gets a 401 with a message, not a
    redirect to the login page that ``fetch`` would follow and read as an answer."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return JsonResponse(
                {"detail": _("Your session has ended: log in again (an upload resumes where it stopped).")}, status=401
            )
        return view(request, *args, **kwargs)

    return wrapped


def _refusal(exc: ActionRefused, **extra):
    return JsonResponse({"detail": str(exc.message), **extra}, status=exc.status_code)


def _upload_state(upload: Upload, *, parts: bool = False):
    state = {
        "id": str(upload.pk), "offset": upload.received, "size": upload.size, "status": upload.status,
        "cut": upload.cut_id, "error": upload.error, "chunk_size": storage.upload_chunk_bytes(),
        "mode": "s3" if upload.direct else "local",
    }
    if upload.direct:
        state.update(part_size=upload.part_size, parts_total=upload.parts_total)
        if parts:
            state["parts"] = uploads_direct.upload_direct_parts_received(upload=upload)
    return state


@require_POST
@login_required_json
def upload_start(request, pk):
    project = project_access.get_project_for_user(request.user, pk)
    try:
        body = jsonbody.validated(UploadStartSerializer, jsonbody.read(request))
        upload = uploads.upload_start(project=project, user=request.user, **body)
    except ActionRefused as exc:
        return _refusal(exc)
    return JsonResponse(_upload_state(upload), status=201)


@require_http_methods(["GET", "PUT"])
@login_required_json
def upload_chunk(request, upload_id):
    upload = access.get_upload_for_user(request.user, upload_id)
    if request.method == "GET":
        try:
            return JsonResponse(_upload_state(upload, parts=True))
        except ActionRefused as exc:
            return _refusal(exc)
    match = CONTENT_RANGE.match(request.headers.get("Content-Range", ""))
    if not match:
        return JsonResponse({"detail": _("Send a Content-Range header: bytes start-end/size.")}, status=400)
    start, end, total = (int(g) for g in match.groups())
    declared = request.headers.get("Content-Length", "")
    length = int(declared) if declared.isdigit() and len(declared) <= 19 else -1
    if total != upload.size or end < start or end - start + 1 != length:
        return JsonResponse({"detail": _("The byte range does not match the declared file.")}, status=400)
    try:
        upload = uploads_local.upload_local_receive(
            upload=upload, offset=start, chunks=_body_chunks(request, length), length=length,
            chunk_sha256=request.headers.get("X-Chunk-SHA256", ""),
        )
    except ActionRefused as exc:
        upload.refresh_from_db()
        return _refusal(exc, **_upload_state(upload))
    return JsonResponse(_upload_state(upload))


@require_GET
@login_required_json
def upload_direct_part_urls(request, upload_id):
    upload = access.get_upload_for_user(request.user, upload_id)
    try:
        first, count = int(request.GET.get("first", "1")), int(request.GET.get("count", "20"))
    except ValueError:
        return JsonResponse({"detail": _("first and count must be whole numbers.")}, status=400)
    try:
        urls = uploads_direct.upload_direct_part_urls(upload=upload, user=request.user, first=first, count=count)
    except ActionRefused as exc:
        return _refusal(exc)
    return JsonResponse({"urls": {str(n): url for n, url in urls.items()}},
                        headers={"Cache-Control": "no-store"})


@require_POST
@login_required_json
def upload_direct_complete(request, upload_id):
    upload = access.get_upload_for_user(request.user, upload_id)
    try:
        body = jsonbody.read(request)
        upload = uploads_direct.upload_direct_complete(
            upload=upload, user=request.user, part_sha256=body.get("parts") if isinstance(body, dict) else None
        )
    except ActionRefused as exc:
        upload.refresh_from_db()
        return _refusal(exc, **_upload_state(upload))
    return JsonResponse(_upload_state(upload), status=202)


def _body_chunks(request, length):
    """Stream the request body in fixed pieces: a chunk of any size never sits whole in memory."""
    remaining = length
    while remaining > 0:
        piece = request.read(min(storage.upload_chunk_bytes(), remaining, 1024 * 1024))
        if not piece:
            raise Conflict(_("The connection closed before the chunk arrived. Resume the upload."))
        remaining -= len(piece)
        yield piece


@require_GET
@login_required
def cut_detail(request, pk):
    cut = access.get_cut_for_user(request.user, pk)
    return _cut_page(request, cut)


def _cut_page(request, cut, status=200):
    return render(request, "media/cut_detail.html", {
        "cut": cut, "project": cut.deliverable.project, "exhibit": services.cut_exhibit(cut, request.user),
        "previous": cut.previous(),
    }, status=status)


@require_GET
@login_required
def cut_compare(request, pk, other_pk):
    """Two versions of one project's cut side by side or under a wipe, synchronised."""
    cut = access.get_cut_for_user(request.user, pk)
    other = access.get_cut_for_user(request.user, other_pk)
    if other.deliverable.project_id != cut.deliverable.project_id:
        raise Http404
    project = cut.deliverable.project
    older, newer = sorted((cut, other), key=lambda c: c.deliverable.version)
    return render(request, "media/compare.html", compare_context(
        title=project.topic.title, fps=(newer.probe or {}).get("fps") or 25,
        a=(reverse("cut-file", args=[newer.pk, "proxy.mp4"]), f"v{newer.deliverable.version}"),
        b=(reverse("cut-file", args=[older.pk, "proxy.mp4"]), f"v{older.deliverable.version}"),
        back=(reverse("cut-detail", args=[cut.pk]), str(cut.deliverable)),
    ))


def compare_context(*, title, fps, a, b, back):
    """What the compare page reads: ``a`` leads (the newer version), ``b`` follows; each is (url, label)."""
    return {"title": title, "fps": fps, "a_src": a[0], "a_label": a[1], "b_src": b[0], "b_label": b[1],
            "back_url": back[0], "back_label": back[1]}


@require_GET
@login_required_json
def cut_status(request, pk):
    cut = access.get_cut_for_user(request.user, pk)
    return JsonResponse({
        "status": cut.status, "progress": cut.progress, "step": cut.progress_step, "progress_text": cut.progress_text,
        "failure": cut.failure, "failure_code": cut.failure_code,
        "qc_passed": cut.qc_passed, "reviewable": cut.reviewable,
        "findings": [{**f.as_dict(), "message": f.message} for f in cut.findings],
    })


@require_GET
@login_required
def cut_file(request, pk, name):
    cut = access.get_cut_for_user(request.user, pk)
    if name == "subtitles.vtt" and cut.subtitles_key:
        return ranged_file(request, cut.subtitles_key)
    kind = SERVED.get(name)
    rendition = cut.renditions.filter(kind=kind).first() if kind else None
    if rendition is None:
        raise Http404
    return ranged_file(request, rendition.key)


def ranged_file(request, key):
    """Serve a stored rendition with HTTP Range support so the player can seek; the bytes stream
    through the storage wrapper, from local disk or the bucket alike."""
    stat = storage.head(key=key)
    if stat is None:
        raise Http404
    size = stat["size"]
    headers = {"Accept-Ranges": "bytes", "Content-Type": storage.content_type_for(key)}
    match = RANGE.match(request.headers.get("Range", ""))
    if not match or (not match.group(1) and not match.group(2)):
        return StreamingHttpResponse(storage.iter_chunks(key=key), headers={**headers, "Content-Length": str(size)})
    if match.group(1):
        start = int(match.group(1))
        end = min(int(match.group(2)) if match.group(2) else size - 1, size - 1)
    else:
        start, end = max(size - int(match.group(2)), 0), size - 1
    if start > end or start >= size:
        return HttpResponse(status=416, headers={"Content-Range": f"bytes */{size}"})

    def body():
        with storage.open_stream(key=key, first_byte=start, last_byte=end) as stream:
            while block := stream.read(storage.IO_CHUNK):
                yield block

    return StreamingHttpResponse(body(), status=206, headers={
        **headers, "Content-Range": f"bytes {start}-{end}/{size}", "Content-Length": str(end - start + 1),
    })


@require_POST
@login_required
def cut_subtitles(request, pk):
    """Attach subtitles: from upload.js right after the cut is registered (JSON answer), or from
    the form on the cut page (redirect with a message)."""
    cut = access.get_cut_for_user(request.user, pk)
    wants_json = "application/json" in request.headers.get("Accept", "")
    upload = request.FILES.get("subtitles")
    try:
        if upload is None:
            raise Invalid(_("Choose a subtitles file (SRT or WebVTT)."))
        if upload.size > SUBTITLES_MAX_BYTES:
            raise Invalid(_("The subtitles file is larger than %(mb)s MB.") % {"mb": SUBTITLES_MAX_BYTES // (1024 * 1024)})
        services.cut_subtitles_save(cut=cut, user=request.user, data=upload.read())
    except ActionRefused as exc:
        if wants_json:
            return _refusal(exc)
        if exc.status_code == 403:
            return HttpResponse(str(exc.message), status=403)
        messages.error(request, str(exc.message))
        return redirect("cut-detail", pk=cut.pk)
    if wants_json:
        return JsonResponse({"subtitles": reverse("cut-file", args=[cut.pk, "subtitles.vtt"])})
    messages.success(request, _("Subtitles saved."))
    return redirect("cut-detail", pk=cut.pk)


@require_POST
@login_required
def cut_waive_qc(request, pk):
    cut = access.get_cut_for_user(request.user, pk)
    try:
        services.cut_waive_qc(cut=cut, user=request.user, reason=request.POST.get("reason", ""))
    except ActionRefused as exc:
        messages.error(request, str(exc.message))
        return redirect("cut-detail", pk=cut.pk) if exc.status_code != 403 else HttpResponse(str(exc.message), status=403)
    messages.success(request, _("QC waived; the cut may go to the panel."))
    return redirect("cut-detail", pk=cut.pk)


@require_POST
@login_required
def cut_waiver_request(request, pk):
    """The producing unit asks the office to waive the cut's failed QC, with its reason."""
    cut = access.get_cut_for_user(request.user, pk)
    try:
        services.cut_waiver_request(cut=cut, user=request.user, reason=request.POST.get("reason", ""))
    except ActionRefused as exc:
        return _refused_on_cut_page(request, cut, exc)
    messages.success(request, _("Waiver requested: the office sees it on its to-do list."))
    return redirect("cut-detail", pk=cut.pk)


@require_POST
@login_required
def cut_waiver_decline(request, pk):
    cut = access.get_cut_for_user(request.user, pk)
    try:
        services.cut_waiver_decline(cut=cut, user=request.user, answer=request.POST.get("answer", ""))
    except ActionRefused as exc:
        return _refused_on_cut_page(request, cut, exc)
    messages.success(request, _("Waiver request declined; the producer sees your note."))
    return redirect("cut-detail", pk=cut.pk)


def _refused_on_cut_page(request, cut, exc: ActionRefused):
    """The cut page again, with the reason and the refusal's status; nothing was changed."""
    messages.error(request, str(exc.message))
    return _cut_page(request, cut, status=exc.status_code)


@require_GET
@login_required
def cluster(request):
    access.check_cluster_viewer(request.user)
    return render(request, "media/cluster.html", {"overview": cluster_overview()})
