"""The media app's sections of the to-do dashboard (``projects.todo``): QC waiver requests for
the office, cuts to act on (failed QC or processing) for the producing unit."""

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from media.models import Cut, WaiverRequest
from projects import access
from projects.models import Deliverable, State
from projects.todo import Item, own_open_projects, section
from studio import roles, words


def waiver_requests(user, *, today, calendar):
    if not roles.is_office(user):
        return None
    rows = (access.of_visible_projects(WaiverRequest.objects.filter(status=WaiverRequest.Status.OPEN), user,
                                       via="cut__deliverable__project")
            .select_related("cut__deliverable__project__topic", "cut__deliverable__project__unit", "requested_by")
            .order_by("created_at", "pk"))
    return section("waivers", _("QC waiver requests"), rows, lambda r: Item(
        r.cut.deliverable.project.topic.title, reverse("cut-detail", args=[r.cut_id]) + "#qc",
        str(_("Decide on the waiver (cut v%(v)s)") % {"v": r.cut.deliverable.version}),
        detail=f"{r.cut.deliverable.project.unit.name} · {words.person(r.requested_by)}: {r.reason}",
        when=r.created_at, tone="yellow",
    ))


def cuts_to_act_on(user, *, today, calendar):
    """The latest draft cut of the producer's projects in production that cannot go to the panel:
    QC failed without a waiver or an open request, or processing failed."""
    if not roles.is_producer(user):
        return None
    newer = Deliverable.objects.filter(project=OuterRef("deliverable__project"), kind="cut",
                                       version__gt=OuterRef("deliverable__version"))
    pending = WaiverRequest.objects.filter(cut=OuterRef("pk"), status=WaiverRequest.Status.OPEN)
    own = own_open_projects(user).filter(state=State.PRODUCTION)
    stuck = Q(status=Cut.Status.FAILED) | Q(status=Cut.Status.READY, qc_passed=False, qc_waiver_reason="")
    rows = (Cut.objects.filter(stuck, deliverable__project__in=own, deliverable__status=Deliverable.Status.DRAFT)
            .exclude(Exists(newer)).exclude(Exists(pending)))
    rows = rows.select_related("deliverable__project__topic").order_by("-created_at", "-pk")

    def item(cut):
        failed = cut.status == Cut.Status.FAILED
        findings = [f.message for f in cut.findings if f.severity == "fail"]
        return Item(cut.deliverable.project.topic.title, reverse("cut-detail", args=[cut.pk]) + ("" if failed else "#qc"),
                    str(_("Fix cut v%(v)s or request a waiver") % {"v": cut.deliverable.version}) if not failed
                    else str(_("Upload cut v%(v)s again") % {"v": cut.deliverable.version}),
                    detail=cut.failure if failed else "；".join(findings), when=cut.created_at, tone="red")

    return section("qc", _("Cuts that failed technical QC"), rows, item)
