"""Cumulative audiences: per film, per event, per kind of event, per genre and per year, online and
in person kept apart and summed, and per month for the cumulative chart. One function feeds the totals page and the API.

What is counted. Online, a view is one viewer (the cookie's id) watching one film of one cloud
showing: the unique row per (event, film, viewer) is the count, so reloads, tabs and replays add
nothing, and the same person watching in two showings is in the audience of each, as they would
be if they had sat through two showings in a hall. In person, the current headcount of each
showing. Every grouping adds up the same units, so the rows of each table sum to the same overall
figure, with nothing counted twice. An online view falls in the year (and month) it was counted,
a headcount in the year (and month) its showing began (the reader's time zone).

Cost. Five queries whatever the number of views: the roll-up's mark, the online views (the per-day roll-up plus the
views counted since it last ran, ``screenings.rollups``: exact, and bounded by the roll-up rather
than by every view stored) and the headcounts grouped in the database by (event, film, year,
month), the programme's labels, and the genres; the rest is arithmetic over at most one row per
showing and month.
"""

from dataclasses import dataclass, field

from django.db.models import F, Sum
from django.db.models.functions import ExtractMonth, ExtractYear

from projects.models import Genre
from screenings import rollups
from screenings.models import Event, InPersonCount, Slot


@dataclass
class Audience:
    online: int = 0
    in_person: int = 0

    @property
    def total(self) -> int:
        return self.online + self.in_person

    def add(self, online: int = 0, in_person: int = 0) -> None:
        self.online += online
        self.in_person += in_person


@dataclass
class Row:
    key: object  # the film's or event's id, the kind's or genre's code, the year
    label: str
    audience: Audience = field(default_factory=Audience)
    extra: dict = field(default_factory=dict)  # what a row says besides its label (an event's kind and start)


@dataclass
class Totals:
    overall: Audience
    by_film: list[Row]
    by_event: list[Row]
    by_kind: list[Row]
    by_genre: list[Row]
    by_year: list[Row]
    by_month: list[Row]  # key (year, month), label "2026-05": the months anyone was counted in, oldest first


def audience_totals(*, year: int | None = None, films=None) -> Totals:
    """Everything counted, or only what was counted in ``year`` (an online view in the year it was
    counted, a headcount in the year its showing began), or only the audience of ``films`` (a
    queryset of projects): the annual report's scopes. The rules stay these whatever the filter;
    a filtered table lists the films and events with an audience in it, or programmed in the year."""
    heads, slots = InPersonCount.objects.filter(current=True), Slot.objects.all()
    if year is not None:
        heads = heads.filter(slot__starts_at__year=year)
    if films is not None:
        heads, slots = heads.filter(slot__film__in=films), slots.filter(film__in=films)
    online = rollups.totals_rows(year=year, films=films)
    in_person = (
        heads.order_by()
        .values(event=F("slot__event_id"), film=F("slot__film_id"), year=ExtractYear("slot__starts_at"),
                month=ExtractMonth("slot__starts_at"))
        .annotate(n=Sum("headcount"))
        .values_list("event", "film", "year", "month", "n")
    )
    programme = (
        slots.order_by()
        .values_list("event_id", "event__title", "event__kind", "event__starts_at", "film_id", "film__topic__title", "film__genre_id",
                     ExtractYear("starts_at"))
        .distinct()
    )
    genres = {genre.pk: genre for genre in Genre.objects.all()}

    films, events = {}, {}
    film_genre = {}
    shown = set()  # ("event" | "film" | "genre", key) programmed in ``year``: listed even with nobody counted yet
    for event_id, event_title, kind, starts_at, film_id, film_title, genre_id, slot_year in programme:
        events.setdefault(event_id, Row(event_id, event_title, extra={"kind": kind, "starts_at": starts_at}))
        films.setdefault(film_id, Row(film_id, film_title))
        film_genre[film_id] = genre_id
        if year is None or slot_year == year:
            shown.update({("event", event_id), ("film", film_id), ("genre", genre_id)})
    kinds = {kind: Row(kind, str(label)) for kind, label in Event.Kind.choices}
    by_genre = {pk: Row(genre.code, genre.label, extra={"position": genre.position}) for pk, genre in genres.items()}
    years: dict[int, Row] = {}
    months: dict[tuple[int, int], Row] = {}
    overall = Audience()

    def count(event_id, film_id, in_year, month, online=0, in_person=0):
        event = events[event_id]
        for row in (event, films[film_id], kinds[event.extra["kind"]], by_genre[film_genre[film_id]],
                    years.setdefault(in_year, Row(in_year, str(in_year))),
                    months.setdefault((in_year, month), Row((in_year, month), f"{in_year}-{month:02d}"))):
            row.audience.add(online, in_person)
        overall.add(online, in_person)

    for event_id, film_id, in_year, month, n in online:
        count(event_id, film_id, in_year, month, online=n)
    for event_id, film_id, in_year, month, n in in_person:
        count(event_id, film_id, in_year, month, in_person=n or 0)

    def listed(kind, rows):
        return {key: row for key, row in rows.items() if row.audience.total or (kind, key) in shown}

    films, events = listed("film", films), listed("event", events)
    shown_genres = listed("genre", {pk: by_genre[pk] for pk in set(film_genre.values())})

    by_month, running = sorted(months.values(), key=lambda r: r.key), 0
    for row in by_month:
        running += row.audience.total
        row.extra["cumulative"] = running

    return Totals(
        overall=overall,
        by_film=sorted(films.values(), key=lambda r: (-r.audience.total, r.label)),
        by_event=sorted(events.values(), key=lambda r: r.extra["starts_at"], reverse=True),
        by_kind=list(kinds.values()),
        # The genres of the programmed films, shown even while nobody has watched them yet.
        by_genre=sorted(shown_genres.values(), key=lambda r: (r.extra["position"], r.key)),
        by_year=sorted(years.values(), key=lambda r: r.key),
        by_month=by_month,
    )

