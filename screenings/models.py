"""Showings of finished films: venues, events of three kinds, the slots that programme a film, and
the audiences counted in person and online.

An event has one window (``starts_at``–``ends_at``) whatever its kind: a cloud showing's link is
open in it, a training course takes place in it, a film week runs over it. Its slots programme
films inside that window; a slot in a venue books the venue for its times, and a course books its
venue for the whole course. The rules that keep bookings apart are in ``screenings.rules``.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from projects.models.i18n import BilingualName


class Venue(models.Model):
    """党群服务中心, 红色影院 …: local data, entered in the admin (none are shipped)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    capacity = models.PositiveIntegerField(_("seats"), help_text=_("The most people the venue holds."))

    class Meta:
        ordering = ["name"]
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        constraints = [models.CheckConstraint(condition=Q(capacity__gte=1), name="venue_capacity_positive")]

    def __str__(self) -> str:
        return self.name


class CourseKind(BilingualName):
    """万名党员进党校, 发展党员培训 …: reference data with its own Chinese and English names, like
    genres and tracks, so the office can add a course kind without a release."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("course kind")
        verbose_name_plural = _("course kinds")


class Event(models.Model):
    class Kind(models.TextChoices):
        CLOUD = "cloud", _("Cloud showing (云展播)")
        COURSE = "course", _("Training course showing (培训课程)")
        FILM_WEEK = "film_week", _("Film week (党员教育电影周)")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=120)
    # The window: a cloud showing's link opens and closes; a course or a film week runs.
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    platform = models.CharField(_("platform"), max_length=60, blank=True, help_text=_("Cloud showings: 五华先锋 …"))
    course_kind = models.ForeignKey(
        CourseKind, null=True, blank=True, on_delete=models.PROTECT, related_name="events", verbose_name=_("course kind")
    )
    course_name = models.CharField(_("course name"), max_length=120, blank=True)
    venue = models.ForeignKey(
        Venue, null=True, blank=True, on_delete=models.PROTECT, related_name="courses", verbose_name=_("venue"),
        help_text=_("Courses: booked for the whole course."),
    )
    roster_size = models.PositiveIntegerField(_("roster size"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("organised by")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-starts_at", "-pk"]
        verbose_name = _("screening event")
        verbose_name_plural = _("screening events")
        indexes = [models.Index(fields=["venue", "starts_at"], name="event_venue_start")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="event_ends_after_start"),
            models.CheckConstraint(condition=~Q(kind="course") | Q(venue__isnull=False), name="event_course_has_venue"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_cloud(self) -> bool:
        return self.kind == self.Kind.CLOUD

    @property
    def is_course(self) -> bool:
        return self.kind == self.Kind.COURSE

    @property
    def is_film_week(self) -> bool:
        return self.kind == self.Kind.FILM_WEEK


class Slot(models.Model):
    """A film programmed in an event: in a venue at a time, or (cloud showings) on the platform."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="slots", verbose_name=_("event"))
    film = models.ForeignKey(
        "projects.VideoProject", on_delete=models.PROTECT, related_name="slots", verbose_name=_("film")
    )
    venue = models.ForeignKey(
        Venue, null=True, blank=True, on_delete=models.PROTECT, related_name="slots", verbose_name=_("venue")
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    expected_audience = models.PositiveIntegerField(_("expected audience"), null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("slot")
        verbose_name_plural = _("slots")
        indexes = [models.Index(fields=["venue", "starts_at"], name="slot_venue_start")]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="slot_ends_after_start")]

    def __str__(self) -> str:
        return f"{self.event} · {self.film}"


class InPersonCount(models.Model):
    """A headcount of a slot's audience. A correction adds a row and retires the one before, so
    the figures the office reports keep who entered what and when; totals read the current row."""

    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="counts", verbose_name=_("slot"))
    headcount = models.PositiveIntegerField(_("headcount"))
    roster = models.PositiveIntegerField(_("against a roster of"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    current = models.BooleanField(_("current"), default=True)

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        verbose_name = _("in-person count")
        verbose_name_plural = _("in-person counts")
        constraints = [
            models.UniqueConstraint(fields=["slot"], condition=Q(current=True), name="one_current_count_per_slot"),
        ]


class OnlineView(models.Model):
    """One viewer (a random id kept in a cookie) watching one film of one cloud showing: the row
    is the count. Reloads, tabs and replays hit the unique constraint and add nothing, and no row
    is shared between viewers, so beacons never queue on one hot counter."""

    # No index of its own on event: the unique constraint's leading column serves every lookup by
    # event (and the cascade), and each index costs the view beacon's insert a B-tree write.
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="online_views", db_index=False)
    film = models.ForeignKey("projects.VideoProject", on_delete=models.PROTECT, related_name="online_views")
    viewer_id = models.UUIDField(_("viewer"))
    counted_at = models.DateTimeField(_("counted at"), default=timezone.now)

    class Meta:
        verbose_name = _("online view")
        verbose_name_plural = _("online views")
        constraints = [
            models.UniqueConstraint(fields=["event", "film", "viewer_id"], name="one_view_per_viewer_event_film"),
        ]


class ViewRollup(models.Model):
    """The online views of one film in one cloud showing on one day (``TIME_ZONE``), added up by
    ``screenings.rollups.views_roll_up`` from the OnlineView rows up to ``ViewRollupMark``; the
    totals read these and count only the rows after the mark, so they stay exact and their cost
    stays bounded however many views are stored. Written by the roll-up alone, never per view."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    film = models.ForeignKey("projects.VideoProject", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    views = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "film", "day"], name="one_rollup_per_event_film_day")]


class ViewRollupMark(models.Model):
    """One row: the highest OnlineView id the roll-up has added into ``ViewRollup``."""

    last_view_id = models.BigIntegerField(default=0)
    rolled_at = models.DateTimeField(null=True)


def _link_nonce() -> str:
    return secrets.token_urlsafe(9)


class ViewerLink(models.Model):
    """A link that lets anyone holding it watch one film of one cloud showing, without an account,
    during the showing's window. The link's token (``screenings.links``) is signed and names this
    row and its ``nonce``; a token whose row is gone, whose nonce differs or whose row is revoked
    is refused however good its signature, so revoking takes effect at once."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="links", verbose_name=_("event"))
    film = models.ForeignKey("projects.VideoProject", on_delete=models.PROTECT, related_name="viewer_links",
                             verbose_name=_("film"))
    label = models.CharField(_("label"), max_length=60, blank=True,
                             help_text=_("Where the link is published, to tell links apart: 五华先锋 公众号 …"))
    nonce = models.CharField(max_length=20, default=_link_nonce, editable=False)
    expires_at = models.DateTimeField(_("expires at"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("revoked by"))

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("viewer link")
        verbose_name_plural = _("viewer links")

    def __str__(self) -> str:
        return f"{self.event} · {self.film} · {self.label or self.pk}"

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


def _feed_token() -> str:
    return secrets.token_urlsafe(24)


class CalendarFeed(models.Model):
    """The key of one person's private calendar feed (``/calendar/<token>.ics``), which calendar
    apps fetch without logging in. The token is random and stored, not derived: rotating it writes
    a new one, and the old URL answers 404 from then on."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=40, unique=True, default=_feed_token, editable=False)
    rotated_at = models.DateTimeField(_("made at"), default=timezone.now)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"{self.user} · {self.rotated_at:%Y-%m-%d}"
