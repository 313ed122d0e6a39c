"""Calendars and feeds of screenings: thin views over ``screenings.calendars`` and
``screenings.feeds``.

The public ones (the cloud showings' calendar, the films' JSON and RSS feeds, the posters they
point to) answer anyone, are cached for ``feeds.CACHE_SECONDS`` (per language), and hold nothing
of a film that is not approved; they answer HEAD too, as calendar apps and crawlers send it. The
private calendar answers its token, not a login: calendar apps subscribe without one.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.syndication.views import Feed
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_page
from django.views.decorators.http import require_GET, require_POST, require_safe

from media.views import ranged_file
from screenings import access, calendars, feeds, services
from studio import calendars as ical
from studio.errors import ActionRefused


def _base_url(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


@require_GET
@login_required
def event_ics(request, pk):
    event = access.get_event_for_user(request.user, pk)
    cal = calendars.event_calendar(event, host=ical.uid_host(request), base_url=_base_url(request))
    return ical.response(cal, filename=f"reelwork-screening-{event.pk}.ics")


@require_POST
@login_required
def calendar_feed_rotate(request):
    access.events_for_user(request.user)
    try:
        services.calendar_feed_rotate(user=request.user)
    except ActionRefused as exc:
        messages.error(request, str(exc.message))
        return redirect("event-list")
    messages.success(request, _("Your calendar feed has a new address: subscribe to it again; the old one no longer works."))
    return redirect("event-list")


@require_safe
def calendar_private(request, token):
    owner = calendars.feed_owner(token)
    if owner is None:
        raise Http404
    cal = calendars.private_calendar(owner, host=ical.uid_host(request), base_url=_base_url(request))
    response = ical.response(cal)
    response["X-Robots-Tag"] = "noindex"
    return response


@require_safe
@cache_page(feeds.CACHE_SECONDS)
def calendar_public(request):
    return ical.response(calendars.public_calendar(host=ical.uid_host(request)), cache="public")


def _entries(request):
    return feeds.film_entries(absolute=request.build_absolute_uri)


@require_safe
@cache_page(feeds.CACHE_SECONDS)
def films_json(request):
    body = feeds.json_feed(_entries(request), title=_("Reelwork films"), home_url=_base_url(request) + "/",
                           feed_url=request.build_absolute_uri(), language=get_language())
    return JsonResponse(body, content_type="application/feed+json; charset=utf-8",
                        json_dumps_params={"ensure_ascii": False})


class FilmsRss(Feed):
    """RSS 2.0: one item per film; the poster as the enclosure, the genre as the category, the
    running time and the showing links in the description (RSS has no fields for them)."""

    def __call__(self, request, *args, **kwargs):
        self.request = request
        return super().__call__(request, *args, **kwargs)

    def title(self):
        return _("Reelwork films")

    def link(self):
        return reverse("feed-films-json")

    def description(self):
        return _("Approved member-education films, with their current showing links.")

    def items(self):
        return _entries(self.request)

    def item_title(self, entry):
        return entry.film.title

    def item_description(self, entry):
        parts = [entry.film.topic.logline]
        if entry.running_minutes:
            parts.append(_("Running time: %(n)s min") % {"n": entry.running_minutes})
        for s in entry.showings:
            parts.append(_("%(event)s (%(platform)s): %(url)s") % {"event": s.event, "platform": s.platform, "url": s.url})
        return "\n".join(parts)

    def item_link(self, entry):
        return entry.showings[0].url if entry.showings else reverse("feed-films-json") + f"#{entry.guid}"

    def item_guid(self, entry):
        return entry.guid

    item_guid_is_permalink = False

    def item_updateddate(self, entry):
        return entry.film.updated_at

    def item_pubdate(self, entry):
        return entry.film.created_at

    def item_categories(self, entry):
        return [entry.film.genre.label]

    def item_enclosure_url(self, entry):
        return entry.poster_url

    def item_enclosure_length(self, entry):
        return 0  # unknown without a lookup per film; RSS readers treat 0 as unknown

    def item_enclosure_mime_type(self, entry):
        return "image/jpeg"


films_rss = require_safe(cache_page(feeds.CACHE_SECONDS)(FilmsRss()))


@require_safe
def feed_poster(request, signed):
    key = feeds.poster_key(signed)
    if key is None:
        raise Http404
    response = ranged_file(request, key)
    response["Cache-Control"] = f"public, max-age={feeds.CACHE_SECONDS}"
    return response
