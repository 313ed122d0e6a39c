"""Screening use cases, one function each, in the style of ``projects.services``.

Every function that books or moves something runs in one transaction and first locks the rows of
the venues it books (``SELECT … FOR UPDATE``), so two organisers booking one venue at once are
checked one after the other and the second sees the first's booking. Programming an approved
film for the first time fires its ``start_screening`` transition in the same transaction.
"""

import datetime as dt
import uuid

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from media import showings
from projects import services as project_services
from projects.models import State, VideoProject
from screenings import links, rollups, rules
from screenings.models import CalendarFeed, CourseKind, Event, InPersonCount, OnlineView, Slot, Venue, ViewerLink
from studio import limits
from studio.errors import Conflict, Invalid


def _lock(venue: Venue | None) -> Venue | None:
    """The venue's row, locked until the transaction ends (its capacity as it is now)."""
    if venue is None:
        return None
    return Venue.objects.select_for_update().get(pk=venue.pk)


def _check_text(title: str, platform: str, course_name: str) -> None:
    if not title:
        raise Invalid(_("Give the event a title."))
    limits.check_lengths((_("The title"), title, limits.TITLE), (_("The platform"), platform, limits.PLATFORM),
                         (_("The course name"), course_name, limits.TITLE))


def _clean_event(kind, *, title, starts_at, ends_at, platform, course_kind, course_name, venue, roster_size):
    """The fields of an event of ``kind`` as stored: each kind keeps only its own."""
    title, platform, course_name = title.strip(), platform.strip(), course_name.strip()
    _check_text(title, platform, course_name)
    rules.check_span(starts_at, ends_at)
    fields = {"title": title, "starts_at": starts_at, "ends_at": ends_at, "platform": "", "course_kind": None,
              "course_name": "", "venue": None, "roster_size": None}
    if kind == Event.Kind.CLOUD:
        if not platform:
            raise Invalid(_("Name the platform the cloud showing is on."))
        fields["platform"] = platform
    elif kind == Event.Kind.COURSE:
        if course_kind is None or venue is None:
            raise Invalid(_("A course showing needs its course kind and its venue."))
        rules.check_audience(roster_size, _("The roster"))
        fields.update(course_kind=course_kind, course_name=course_name, venue=venue, roster_size=roster_size)
    elif kind != Event.Kind.FILM_WEEK:
        raise Invalid(_("Unknown kind of event."))
    return fields


def _check_course_booking(event: Event, fields: dict) -> None:
    venue = _lock(fields["venue"])
    rules.check_capacity(venue, fields["roster_size"], _("The roster"))
    rules.check_venue_free(venue, fields["starts_at"], fields["ends_at"], event=event if event.pk else None)


@transaction.atomic
def event_create(
    *,
    user,
    kind: str,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    platform: str = "",
    course_kind: CourseKind | None = None,
    course_name: str = "",
    venue: Venue | None = None,
    roster_size: int | None = None,
) -> Event:
    """Schedule a cloud showing (platform, the link's window), a course showing (course kind and
    name, venue, times, roster) or a film week (its days); slots are added to it afterwards."""
    rules.check_can_create(user)
    fields = _clean_event(kind, title=title, starts_at=starts_at, ends_at=ends_at, platform=platform,
                          course_kind=course_kind, course_name=course_name, venue=venue, roster_size=roster_size)
    event = Event(kind=kind, created_by=user, **fields)
    if kind == Event.Kind.COURSE:
        _check_course_booking(event, fields)
    event.save()
    return event


@transaction.atomic
def event_update(
    *,
    event: Event,
    user,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    platform: str = "",
    course_kind: CourseKind | None = None,
    course_name: str = "",
    venue: Venue | None = None,
    roster_size: int | None = None,
) -> Event:
    """Change an event (not its kind). Everything is checked again as if it were new: its own
    booking and slots aside, the new times and venue must be free, and every slot must still fit
    the window and the venue's seats. A course's slots move with its venue."""
    rules.check_can_edit(event, user)
    fields = _clean_event(event.kind, title=title, starts_at=starts_at, ends_at=ends_at, platform=platform,
                          course_kind=course_kind, course_name=course_name, venue=venue, roster_size=roster_size)
    locked = Event.objects.select_for_update().get(pk=event.pk)
    if event.is_course:
        _check_course_booking(locked, fields)
    old_window = (locked.starts_at, locked.ends_at)
    for key, value in fields.items():
        setattr(locked, key, value)
    slots = list(locked.slots.select_related("film__topic", "venue"))
    for slot in slots:
        if locked.is_cloud and (slot.starts_at, slot.ends_at) == old_window:
            # A film offered for the whole of a cloud showing stays offered for the whole of it.
            slot.starts_at, slot.ends_at = locked.starts_at, locked.ends_at
            slot.save(update_fields=["starts_at", "ends_at"])
        rules.check_inside(locked, slot.starts_at, slot.ends_at, slot.film)
        if locked.is_course:
            rules.check_capacity(fields["venue"], slot.expected_audience, _("The expected audience of “%(film)s”") % {"film": slot.film.title})
    locked.save()
    if locked.is_course:
        Slot.objects.filter(event=locked).exclude(venue=fields["venue"]).update(venue=fields["venue"])
    event.refresh_from_db()
    return event


# --- slots ------------------------------------------------------------------------------------


def _place(event: Event, *, venue, starts_at, ends_at):
    """Where and when a slot of ``event`` is: a cloud showing's on the platform, a course's in
    the course's venue; both default to the event's window. A film week's slot names both."""
    if event.is_cloud:
        if venue is not None:
            raise Invalid(_("A cloud showing is online: its films have no venue."))
    elif event.is_course:
        if venue is not None and venue.pk != event.venue_id:
            raise Invalid(_("A course's films are shown in the course's venue, %(venue)s.") % {"venue": event.venue.name})
        venue = event.venue
    elif venue is None:
        raise Invalid(_("Choose the venue of this showing."))
    if not event.is_film_week:
        starts_at, ends_at = starts_at or event.starts_at, ends_at or event.ends_at
    rules.check_span(starts_at, ends_at)
    rules.check_inside(event, starts_at, ends_at)
    return venue, starts_at, ends_at


def _check_slot(event: Event, slot: Slot, venue: Venue | None) -> None:
    rules.check_programmable(slot.film)
    rules.check_film_once_online(event, slot.film, slot)
    if venue is not None:
        rules.check_capacity(venue, slot.expected_audience, _("The expected audience"))
        rules.check_venue_free(venue, slot.starts_at, slot.ends_at, slot=slot, course=event if event.is_course else None)


def _start_screening(film: VideoProject, user, event: Event) -> None:
    """The first time a film is programmed it moves from approved to screening (the office
    archives it later); a film already screening stays as it is. A film in a cloud showing gets
    its HLS rendition made once this transaction commits, unless it has one already."""
    if film.state == State.APPROVED:
        project_services.project_fire(project=film, user=user, name="start_screening")
    if event.is_cloud:
        showings.hls_request(project=film)


@transaction.atomic
def slot_add(
    *,
    event: Event,
    user,
    film: VideoProject,
    venue: Venue | None = None,
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
    expected_audience: int | None = None,
) -> Slot:
    """Programme ``film`` in ``event``: refused when the film is not approved, the slot lies
    outside the event's window, its audience exceeds the venue's seats, or the venue is booked."""
    rules.check_can_edit(event, user)
    event = Event.objects.select_for_update(of=("self",)).select_related("venue").get(pk=event.pk)
    film = VideoProject.objects.select_related("topic").get(pk=film.pk)
    venue, starts_at, ends_at = _place(event, venue=venue, starts_at=starts_at, ends_at=ends_at)
    venue = _lock(venue)
    slot = Slot(event=event, film=film, venue=venue, starts_at=starts_at, ends_at=ends_at, expected_audience=expected_audience)
    _check_slot(event, slot, venue)
    slot.save()
    _start_screening(film, user, event)
    return slot


@transaction.atomic
def slot_update(
    *,
    slot: Slot,
    user,
    film: VideoProject,
    venue: Venue | None = None,
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
    expected_audience: int | None = None,
) -> Slot:
    """Move a slot, change its audience or its film; checked again as a new slot would be,
    leaving itself out. A slot whose audience was counted keeps its film."""
    rules.check_can_edit(slot.event, user)
    event = Event.objects.select_for_update(of=("self",)).select_related("venue").get(pk=slot.event_id)
    locked = Slot.objects.select_for_update(of=("self",)).select_related("film__topic").get(pk=slot.pk)
    film = VideoProject.objects.select_related("topic").get(pk=film.pk)
    if film.pk != locked.film_id and rules.slot_has_audience(locked):
        raise Conflict(_("“%(film)s” has a counted audience here: the showing keeps its film.") % {"film": locked.film.title})
    venue, starts_at, ends_at = _place(event, venue=venue, starts_at=starts_at, ends_at=ends_at)
    venue = _lock(venue)
    locked.film, locked.venue, locked.starts_at, locked.ends_at = film, venue, starts_at, ends_at
    locked.expected_audience = expected_audience
    _check_slot(event, locked, venue)
    counted = locked.counts.filter(current=True).first()
    if counted is not None and venue is not None:
        rules.check_capacity(venue, counted.headcount, _("The recorded headcount"))
    locked.save()
    _start_screening(film, user, event)
    return locked


@transaction.atomic
def slot_remove(*, slot: Slot, user) -> None:
    """Take a film out of an event; a showing whose audience was counted stays on the record."""
    locked = Slot.objects.select_for_update(of=("self",)).select_related("event", "film__topic").get(pk=slot.pk)
    rules.check_can_remove(locked, user)
    locked.delete()


# --- audiences ----------------------------------------------------------------------------------


@transaction.atomic
def inperson_record(*, slot: Slot, user, headcount: int, roster: int | None = None) -> InPersonCount:
    """Enter the headcount of a showing in a venue, optionally against the roster of those
    expected (a course's roster when not given). A correction keeps the earlier figure in the
    history and makes the new one current."""
    locked = Slot.objects.select_for_update(of=("self",)).select_related("event", "venue").get(pk=slot.pk)
    rules.check_can_count(locked, user)
    if headcount is None:
        raise Invalid(_("Give the headcount."))
    rules.check_capacity(locked.venue, headcount, _("A headcount"))
    if roster is None and locked.event.is_course:
        roster = locked.event.roster_size
    rules.check_audience(roster, _("The roster"))
    InPersonCount.objects.filter(slot=locked, current=True).update(current=False)
    return InPersonCount.objects.create(slot=locked, headcount=headcount, roster=roster, recorded_by=user)


def view_count(*, event: Event, film: VideoProject, viewer_id: uuid.UUID, at: dt.datetime | None = None) -> bool:
    """Count one online view of ``film`` in the cloud showing ``event``; True when it is the
    viewer's first for that film there. A repeated or racing beacon of the same viewer inserts
    nothing (``INSERT … ON CONFLICT DO NOTHING`` on the unique constraint), and no row is shared
    between viewers, so concurrent beacons neither double-count nor wait on each other.

    Refused: an event that is not a cloud showing, a film it does not show, a time outside its window.
    """
    at = at or timezone.now()
    if not event.is_cloud:
        raise Conflict(_("Only cloud showings count online views."))
    slots = list(event.slots.filter(film_id=film.pk))
    if not slots:
        raise Invalid(_("“%(event)s” does not show this film.") % {"event": event.title})
    if not any(slot.starts_at <= at <= slot.ends_at for slot in slots):
        spans = "、".join(rules.when(slot.starts_at, slot.ends_at) for slot in slots)
        raise Conflict(_("This film is shown in “%(event)s” %(when)s.") % {"event": event.title, "when": spans})
    viewer = OnlineView._meta.get_field("viewer_id").get_db_prep_value(viewer_id, connection)
    with connection.cursor() as cursor:
        view_id = _insert_view(cursor, event.pk, film.pk, viewer, connection.ops.adapt_datetimefield_value(at))
    if view_id is not None:
        rollups.maybe_roll_up(view_id)
    return view_id is not None


def view_count_by_link(*, claim: links.Claim, viewer_id: uuid.UUID, at: dt.datetime | None = None) -> bool | None:
    """The view beacon's hot path: count one view through the link ``claim`` names when that
    link plays now (``links.COUNTABLE_SQL``: not revoked, not expired, a cloud showing, its film's
    slot open). True: counted; False: this viewer was counted already; None: the link does not
    count now, and nothing was written (``links.open_token`` says why).

    On PostgreSQL this is one statement, the link's checks and the insert together, so a revoked
    link or a closed window stops counting with the very next beacon — nothing about the link is
    cached. Its commit does not wait for the WAL to reach the disk (``synchronous_commit`` off,
    for this statement's transaction only), which was most of what a beacon cost: a view is a
    statistic, and what that risks is the views of the last fraction of a second (three WAL
    writer rounds, 0.6 s by default) if the database server itself crashes — those rows are then
    absent, never half-written or doubled, and the unique constraint still counts each viewer
    once. Other databases (SQLite, the embedded default): the check, then the insert."""
    params = {"link": claim.link_id, "nonce": claim.nonce, "now": connection.ops.adapt_datetimefield_value(at or timezone.now()),
              "viewer": OnlineView._meta.get_field("viewer_id").get_db_prep_value(viewer_id, connection)}
    if connection.vendor == "postgresql":
        # A server-side prepared statement (psycopg's own cursor, not Django's client-side
        # binding): PostgreSQL plans this statement once per connection instead of on every
        # beacon, which was most of its cost (pgbench on the bench database: 0.72 ms planned each
        # time, 0.20 ms prepared). Same statement, same parameters, same transaction handling.
        import psycopg  # PostgreSQL's driver, present wherever this branch runs

        connection.ensure_connection()
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(_COUNT_BY_LINK_SQL, params, prepare=True)
            ok, view_id, _ = cursor.fetchone()
        if not ok:
            return None
    else:
        with connection.cursor() as cursor:
            cursor.execute(links.COUNTABLE_SQL, params)
            found = cursor.fetchone()
            if found is None:
                return None
            view_id = _insert_view(cursor, *found, params["viewer"], params["now"])
    if view_id is not None:
        rollups.maybe_roll_up(view_id)
    return view_id is not None


def _insert_view(cursor, event_id, film_id, viewer, at) -> int | None:
    """The new row's id, or None when the viewer was counted already."""
    cursor.execute(_INSERT_VIEW_SQL, [event_id, film_id, viewer, at])
    row = cursor.fetchone()
    return row[0] if row else None


# SQLite (3.35+) and PostgreSQL both read this; a row comes back when one went in.
_INSERT_VIEW_SQL = ("INSERT INTO screenings_onlineview (event_id, film_id, viewer_id, counted_at) VALUES (%s, %s, %s, %s) "
                    "ON CONFLICT (event_id, film_id, viewer_id) DO NOTHING RETURNING id")
# ``ok``: the link counts now; ``ins``: the row that went in; set_config: see view_count_by_link.
_COUNT_BY_LINK_SQL = f"""
WITH ok AS ({links.COUNTABLE_SQL}), ins AS (
    INSERT INTO screenings_onlineview (event_id, film_id, viewer_id, counted_at)
    SELECT event_id, film_id, %(viewer)s, %(now)s FROM ok
    ON CONFLICT (event_id, film_id, viewer_id) DO NOTHING RETURNING id
)
SELECT (SELECT count(*) FROM ok), (SELECT id FROM ins), set_config('synchronous_commit', 'off', true)
"""


# --- viewer links ---------------------------------------------------------------------------------

# How long after the showing closes a link still answers "the showing has ended" before it says
# "expired": people who come late are told what they missed.
LINK_OUTLIVES_SHOWING = dt.timedelta(days=30)


@transaction.atomic
def link_create(*, event: Event, user, film: VideoProject, label: str = "",
                expires_at: dt.datetime | None = None) -> ViewerLink:
    """A new viewer link to ``film`` in the cloud showing ``event``, to publish on a platform.
    It expires at ``expires_at`` (by default thirty days after the showing closes; it plays only
    inside the showing's window anyway). Asks for the film's HLS rendition if it is missing, so a
    package that failed before is tried again."""
    rules.check_can_link(event, user)
    label = label.strip()
    limits.check_lengths((_("The label"), label, limits.PLATFORM))
    if not event.slots.filter(film_id=film.pk).exists():
        raise Invalid(_("“%(film)s” is not in “%(event)s”: programme it first.") % {"film": film.title, "event": event.title})
    now = timezone.now()
    if expires_at is None:
        expires_at = event.ends_at + LINK_OUTLIVES_SHOWING
    elif expires_at <= now:
        raise Invalid(_("A link's expiry must lie in the future."))
    elif expires_at > event.ends_at + LINK_OUTLIVES_SHOWING:
        raise Invalid(_("A link expires at most %(n)s days after the showing closes.") % {"n": LINK_OUTLIVES_SHOWING.days})
    link = ViewerLink.objects.create(event=event, film=film, label=label, expires_at=expires_at, created_by=user)
    showings.hls_request(project=film)
    return link


@transaction.atomic
def link_revoke(*, link: ViewerLink, user) -> ViewerLink:
    """Stop a viewer link at once: its page, its playlist and its file URLs are refused from the
    next request on (presigned S3 URLs already handed out run until they expire, at most
    ``screenings.links.MAX_FILE_SECONDS``)."""
    locked = ViewerLink.objects.select_for_update(of=("self",)).select_related("event").get(pk=link.pk)
    rules.check_can_revoke(locked, user)
    locked.revoked_at, locked.revoked_by = timezone.now(), user
    locked.save(update_fields=["revoked_at", "revoked_by"])
    return locked


@transaction.atomic
def calendar_feed_rotate(*, user) -> CalendarFeed:
    """Make the person's private calendar feed, or give it a new token: the old URL stops working
    at once (calendar apps subscribed to it must be given the new one)."""
    rules.check_can_create(user)
    feed, created = CalendarFeed.objects.select_for_update().get_or_create(user=user)
    if not created:
        feed.token = CalendarFeed._meta.get_field("token").default()
        feed.rotated_at = timezone.now()
        feed.save(update_fields=["token", "rotated_at"])
    return feed
