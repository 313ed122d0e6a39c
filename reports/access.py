"""Who reads the annual report: the office all of it, organisers the audiences (their side of
the year); anyone else finds no such page (404), as with the screenings. One helper per purpose,
the first line of every view, pages and API alike."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from projects.models import TopicCall
from reports.report import AUDIENCE_ONLY, SECTIONS
from reports.selectors import Scope
from studio import roles

FIRST_YEAR, LAST_YEAR = 2000, 2100


def sections_for(user) -> tuple:
    if roles.is_office(user):
        return SECTIONS
    if roles.is_organiser(user):
        return AUDIENCE_ONLY
    raise Http404


def scope_for(user, year: int, call: str | None) -> tuple[Scope, tuple]:
    """The scope and the sections this user reads of the report for ``year`` (and a topic call
    of that year: only the office sees projects by call)."""
    sections = sections_for(user)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404
    if not call:
        return Scope(year), sections
    if not call.isdigit() or not TopicCall.objects.filter(pk=int(call), year=year).exists():
        raise Http404
    return Scope(year, int(call)), sections


def scope_to_drill(user, year: int, call: str | None) -> Scope:
    """The list of projects behind a figure: the office's."""
    scope, _sections = scope_for(user, year, call)
    if not roles.is_office(user):
        raise PermissionDenied(_("Only the education office sees the projects behind the report's figures."))
    return scope
