"""Object-level access for cuts and uploads: visible exactly when their project is."""

from django.shortcuts import get_object_or_404

from media.models import Cut, Upload
from projects.access import projects_visible_to


def get_cut_for_user(user, pk) -> Cut:
    visible = projects_visible_to(user).values("pk")
    return get_object_or_404(
        Cut.objects.select_related("deliverable", "deliverable__project", "deliverable__project__topic"),
        pk=pk,
        deliverable__project__in=visible,
    )


def get_upload_for_user(user, pk) -> Upload:
    # Only the person who started an upload may send its bytes or resume it.
    return get_object_or_404(Upload.objects.select_related("project"), pk=pk, user=user)
