"""Feeds of films for new-media platforms (「五华先锋」 …): a JSON Feed (jsonfeed.org 1.1) and
an RSS 2.0 feed (Django's syndication framework) built from one list of :class:`FilmEntry`.

What is in them. Films that are approved or being shown (``PUBLISHED``) and nothing else: a film
in production, rejected or archived is in neither. For each: the title, the logline as synopsis,
the genre, the running time (the shown cut's duration), a poster URL and its current showing
links, the viewer links of cloud showings that are open now or open within ``SOON`` and that are
neither revoked nor expired (a platform republishes them; the organiser made them to be published).

Posters. A platform fetches a poster without an account, so the feed hands out a **signed** URL
(``/feeds/posters/<signed>.jpg``) naming the film and the cut the poster comes from, not one built
from an id: nobody can walk ids to find the poster of a film still in production, and a new cut
gives a new URL, so caches never serve a stale frame. The signature has no expiry on purpose (a
platform stores the URL with the post); what ends it is the film: the view serves the poster only
while the film is still published and the cut is still the one shown, and answers 404 otherwise.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.core import signing
from django.urls import reverse
from django.utils import timezone

from media.models import Cut, Rendition
from projects.models import State, VideoProject
from screenings import links
from screenings.models import Event, Slot, ViewerLink

PUBLISHED = (State.APPROVED, State.SCREENING)
SOON = dt.timedelta(days=7)
MAX_ITEMS = 200
CACHE_SECONDS = 300
POSTER_SALT = "screenings.feed-poster"


@dataclass
class Showing:
    event: str
    platform: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    url: str


@dataclass
class FilmEntry:
    film: VideoProject
    running_seconds: int | None
    poster_url: str | None
    showings: list[Showing] = field(default_factory=list)

    @property
    def guid(self) -> str:
        return f"reelwork-film-{self.film.pk}"

    @property
    def running_minutes(self) -> int | None:
        return None if self.running_seconds is None else max(1, round(self.running_seconds / 60))


def published_films():
    return VideoProject.objects.filter(state__in=PUBLISHED)


def _shown_cuts(film_ids) -> dict[int, Cut]:
    """Each film's shown cut (``media.showings.film_cut``, for many films in one query)."""
    cuts = {}
    for cut in (Cut.objects.filter(deliverable__project_id__in=film_ids, status=Cut.Status.READY)
                .select_related("deliverable").order_by("deliverable__project_id", "-deliverable__version")):
        cuts.setdefault(cut.deliverable.project_id, cut)
    return cuts


def poster_path(film_id: int, cut_id: int) -> str:
    signed = signing.Signer(salt=POSTER_SALT).sign_object({"p": film_id, "c": cut_id})
    return reverse("feed-poster", args=[signed])


def poster_key(signed: str) -> str | None:
    """The stored key of the poster a signed poster URL names, while its film is published and
    the cut is still the one shown; None otherwise (a bad signature included)."""
    try:
        payload = signing.Signer(salt=POSTER_SALT).unsign_object(signed)
    except (signing.BadSignature, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("p"), int) or not isinstance(payload.get("c"), int):
        return None
    if not published_films().filter(pk=payload["p"]).exists():
        return None
    cut = _shown_cuts([payload["p"]]).get(payload["p"])
    if cut is None or cut.pk != payload["c"]:
        return None
    poster = cut.renditions.filter(kind=Rendition.Kind.POSTER).first()
    return poster.key if poster else None


def _showings(film_ids, now, absolute) -> dict[int, list[Showing]]:
    windows = {}
    for slot in Slot.objects.filter(film_id__in=film_ids, event__kind=Event.Kind.CLOUD, ends_at__gt=now,
                                    starts_at__lt=now + SOON).order_by("starts_at"):
        windows.setdefault((slot.event_id, slot.film_id), slot)
    out: dict[int, list[Showing]] = {}
    live = (ViewerLink.objects.filter(film_id__in=film_ids, revoked_at__isnull=True, expires_at__gt=now,
                                      event__kind=Event.Kind.CLOUD).select_related("event").order_by("event__starts_at", "pk"))
    for link in live:
        slot = windows.get((link.event_id, link.film_id))
        if slot is None:
            continue
        out.setdefault(link.film_id, []).append(Showing(
            event=link.event.title, platform=link.event.platform, opens_at=slot.starts_at,
            closes_at=min(slot.ends_at, link.expires_at), url=absolute(links.watch_path(link)),
        ))
    return out


def film_entries(*, absolute, now: dt.datetime | None = None) -> list[FilmEntry]:
    """The feed's films, newest first; ``absolute`` turns a path into a URL on this site."""
    now = now or timezone.now()
    films = list(published_films().select_related("topic", "genre").order_by("-created_at", "-pk")[:MAX_ITEMS])
    ids = [film.pk for film in films]
    cuts = _shown_cuts(ids)
    with_poster = set(Rendition.objects.filter(cut__in=cuts.values(), kind=Rendition.Kind.POSTER).values_list("cut_id", flat=True))
    showings = _showings(ids, now, absolute)
    entries = []
    for film in films:
        cut = cuts.get(film.pk)
        duration = (cut.probe or {}).get("duration") if cut else None
        entries.append(FilmEntry(
            film=film,
            running_seconds=round(duration) if isinstance(duration, (int, float)) and duration > 0 else None,
            poster_url=absolute(poster_path(film.pk, cut.pk)) if cut and cut.pk in with_poster else None,
            showings=showings.get(film.pk, []),
        ))
    return entries


def json_feed(entries: list[FilmEntry], *, title: str, home_url: str, feed_url: str, language: str) -> dict:
    """JSON Feed 1.1; what the standard has no field for is under the ``_reelwork`` extension."""
    items = []
    for entry in entries:
        film = entry.film
        item = {
            "id": entry.guid,
            "title": film.title,
            "content_text": film.topic.logline,
            "summary": film.topic.logline,
            "tags": [film.genre.label],
            "date_modified": film.updated_at.isoformat(),
            "_reelwork": {
                "genre": {"code": film.genre.code, "name": film.genre.label},
                "running_time_seconds": entry.running_seconds,
                "state": film.state,
                "showings": [
                    {"event": s.event, "platform": s.platform, "opens_at": s.opens_at.isoformat(),
                     "closes_at": s.closes_at.isoformat(), "url": s.url}
                    for s in entry.showings
                ],
            },
        }
        if entry.poster_url:
            item["image"] = entry.poster_url
        if entry.showings:
            item["url"] = entry.showings[0].url
        items.append(item)
    return {"version": "https://jsonfeed.org/version/1.1", "title": title, "home_page_url": home_url,
            "feed_url": feed_url, "language": language, "items": items}
