"""The media app's events on the project timeline (``projects.timeline``): uploads (started,
arrived as a version, refused with the reason), QC waivers, waiver requests and their answers."""

from django.urls import reverse
from django.utils.translation import gettext as _

from media.models import QCWaiver, Upload, WaiverRequest
from projects.timeline import Event
from studio import words


def media_events(project):
    out = []
    for u in Upload.objects.filter(project=project).select_related("user", "cut__deliverable"):
        detail = f"{u.filename} · {u.size:,} B"
        if u.cut_id:
            title = _("Upload arrived as cut v%(v)s") % {"v": u.cut.deliverable.version}
        elif u.status == Upload.Status.FAILED:
            title, detail = _("Upload refused"), f"{u.filename}: {u.error}"
        else:
            title = _("Upload started (%(status)s)") % {"status": u.get_status_display()}
        out.append(Event(u.created_at, "upload", words.person(u.user), title, detail,
                         url=reverse("cut-detail", args=[u.cut_id]) if u.cut_id else ""))
    for w in QCWaiver.objects.filter(cut__deliverable__project=project).select_related("user", "cut__deliverable"):
        out.append(Event(w.created_at, "waiver", words.person(w.user),
                         _("QC of cut v%(v)s waived") % {"v": w.cut.deliverable.version}, w.reason,
                         url=reverse("cut-detail", args=[w.cut_id]) + "#qc"))
    for r in WaiverRequest.objects.filter(cut__deliverable__project=project).select_related(
            "requested_by", "answered_by", "cut__deliverable"):
        url = reverse("cut-detail", args=[r.cut_id]) + "#qc"
        v = r.cut.deliverable.version
        out.append(Event(r.created_at, "waiver", words.person(r.requested_by),
                         _("Waiver of cut v%(v)s requested") % {"v": v}, r.reason, url=url))
        if r.status == WaiverRequest.Status.DECLINED and r.answered_at:
            out.append(Event(r.answered_at, "waiver", words.person(r.answered_by),
                             _("Waiver request for cut v%(v)s declined") % {"v": v}, r.answer, url=url))
    return out
