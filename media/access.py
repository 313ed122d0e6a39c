"""Object-level access for cuts and uploads: visible exactly when their project is."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from media.models import Cut, Upload, WaiverRequest
from projects.access import of_visible_projects, projects_visible_to
from studio.roles import is_office


def get_cut_for_user(user, pk) -> Cut:
    visible = projects_visible_to(user).values("pk")
    return get_object_or_404(
        Cut.objects.select_related("deliverable", "deliverable__project", "deliverable__project__topic"),
        pk=pk,
        deliverable__project__in=visible,
    )


def waiver_requests_visible_to(user):
    """Waiver requests of the cuts the user sees (their projects'); newest first."""
    rows = WaiverRequest.objects.select_related("cut__deliverable__project__topic", "requested_by", "answered_by")
    return of_visible_projects(rows, user, via="cut__deliverable__project")


def get_waiver_request_for_user(user, pk) -> WaiverRequest:
    return get_object_or_404(waiver_requests_visible_to(user), pk=pk)


def get_upload_for_user(user, pk) -> Upload:
    # Only the person who started an upload may send its bytes or resume it.
    return get_object_or_404(Upload.objects.select_related("project"), pk=pk, user=user)


def check_cluster_viewer(user) -> None:
    """The cluster page and its API: the education office and staff (the operators). Everyone
    else signed in is told it is theirs (403): the page exists for every deployment, and says
    nothing of any film."""
    if not (is_office(user) or user.is_staff):
        raise PermissionDenied(_("Only the education office and the administrators see the cluster."))
