"""Roles are Django groups; unit membership says which projects a producer works on. Every app
reads them here (``studio``), so reviews and screenings need not import ``projects`` for them.

Both are read once per request and cached on the user object, because permission checks run for
every transition offered on every project a page lists.
"""

from django.utils.translation import gettext_lazy as _

OFFICE = "office"
PRODUCER = "producer"
PANELIST = "panelist"
ORGANISER = "organiser"

ROLE_LABELS = {
    OFFICE: _("Education office"),
    PRODUCER: _("Producer"),
    PANELIST: _("Panelist"),
    ORGANISER: _("Screening organiser"),
}


def roles_of(user) -> frozenset[str]:
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_reelwork_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        if user.is_superuser:
            cached = cached | {OFFICE}
        user._reelwork_roles = cached
    return cached


def unit_ids_of(user) -> frozenset[int]:
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_reelwork_unit_ids", None)
    if cached is None:
        cached = frozenset(user.memberships.values_list("unit_id", flat=True))
        user._reelwork_unit_ids = cached
    return cached


def is_office(user) -> bool:
    return OFFICE in roles_of(user)


def is_organiser(user) -> bool:
    return ORGANISER in roles_of(user)


def is_producer(user) -> bool:
    return PRODUCER in roles_of(user)


def is_unit_producer(user, unit_id: int) -> bool:
    return is_producer(user) and unit_id in unit_ids_of(user)


def pitches(user) -> bool:
    """The office and producers take part in topic calls (they see calls and pitch topics)."""
    return is_office(user) or is_producer(user)


def produces(user, project) -> bool:
    """The office, or a producer of the project's unit: who writes its deliverables."""
    return is_office(user) or is_unit_producer(user, project.unit_id)
