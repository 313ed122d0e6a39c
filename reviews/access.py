"""Object-level access for panels, one helper per object type and purpose, the first line of every
view. Panelists see the sessions of the panels they sit on and nothing else; a member excluded from
a cut (conflict of interest) does not see that cut; producers see the rectification items of their
own projects; the office sees everything. Not visible → 404; visible but not allowed → 403.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from projects.access import projects_visible_to
from reviews import rules
from reviews.models import Comment, Entry, Item, Notification, Panel, Recusal, Scorecard, Session

ENTRY_RELATED = ("session", "session__panel", "session__rubric", "project", "project__unit", "project__topic",
                 "project__genre", "cut", "cut__deliverable")


def sessions_visible_to(user):
    if rules.convenes(user):
        return Session.objects.all()
    if not getattr(user, "is_authenticated", False):
        return Session.objects.none()
    return Session.objects.filter(panel__members__user=user)


def panels_for_office(user):
    if not rules.convenes(user):
        raise Http404
    return Panel.objects.all()


def get_panel_for_office(user, pk) -> Panel:
    return get_object_or_404(panels_for_office(user), pk=pk)


def get_session_for_user(user, pk) -> Session:
    return get_object_or_404(sessions_visible_to(user).select_related("panel", "rubric"), pk=pk)


def get_session_for_office(user, pk) -> Session:
    session = get_session_for_user(user, pk)
    if not rules.convenes(user):
        raise PermissionDenied(_("Only the education office manages panel sessions and sees the results board."))
    return session


def entries_of(session: Session):
    return session.entries.select_related(*ENTRY_RELATED[3:]).prefetch_related(
        Prefetch("cards", queryset=Scorecard.objects.select_related("member__user").prefetch_related("scores")),
        Prefetch("recusals", queryset=Recusal.objects.select_related("member")),
        "decision",
    )


def get_entry_for_user(user, session_pk, pk) -> Entry:
    """A cut of a session the user sees; a member excluded from it gets 404, as for a cut they
    were never given."""
    session = get_session_for_user(user, session_pk)
    entry = get_object_or_404(entries_of(session), pk=pk)
    entry.session = session
    member = rules.seat(session, user)
    if member is not None and not rules.convenes(user) and rules.exclusion(entry, member):
        raise Http404
    return entry


def get_comment_for_user(user, pk) -> Comment:
    comment = get_object_or_404(Comment.objects.select_related("entry"), pk=pk)
    entry = get_entry_for_user(user, comment.entry.session_id, comment.entry_id)
    if not rules.sees_comment(user, comment, entry):
        raise Http404
    comment.entry = entry
    return comment


def items_visible_to(user):
    """Rectification items: of projects the user sees (office, the producing unit), and of the
    projects in sessions the user sits on."""
    visible = Item.objects.filter(project__in=projects_visible_to(user).values("pk"))
    if rules.convenes(user) or not getattr(user, "is_authenticated", False):
        return visible
    seated = Entry.objects.filter(session__panel__members__user=user).values("project_id")
    return visible | Item.objects.filter(project_id__in=seated)


def get_item_for_user(user, pk) -> Item:
    return get_object_or_404(
        items_visible_to(user).select_related("project", "project__unit", "comment", "comment__entry__cut__deliverable").distinct(), pk=pk
    )


def get_project_items_for_user(user, project_pk):
    """The rectification page of a project: whoever sees the project (404 otherwise)."""
    from projects.access import get_project_for_user

    project = get_project_for_user(user, project_pk)
    items = Item.objects.filter(project=project).select_related("project", "comment", "comment__entry__cut__deliverable", "comment__author", "answered_by", "answered_in")
    return project, items


def notifications_of(user):
    return Notification.objects.filter(user=user)
