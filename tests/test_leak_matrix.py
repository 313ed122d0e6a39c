"""The leak matrix: every URL the app answers × every role, and every stored file by path.

Where the role × endpoint matrices in ``tests/projects`` and ``tests/media`` pin exact statuses,
this one asks one question of every route, so that a route nobody listed cannot slip through: does
anyone who may not see unit A's film in production learn anything about it? A refusal must be a
login redirect, 401, 403, 404 or 405 without the film's title or any byte of its files; a list
must leave the film out; and no GET changes a row anywhere. A new URL fails
``test_every_route_is_in_the_matrix`` until it is given a line here.

Stored files (original, previews, subtitles, a storyboard frame) are also requested by their
storage paths under every prefix a static-file route could serve them from, with ``DEBUG`` on and
the URLs loaded afresh, as ``./run`` runs: none may answer with the file.
"""

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import clear_url_caches, get_resolver, reverse
from django.utils import timezone

from media import storage
from media.models import Rendition, Upload, WaiverRequest
from projects import services
from projects.models import State
from screenings import links
from screenings import services as screenings
from screenings.models import Venue
from tests.support.factories import pass_all, png_bytes, processed_cut
from tests.support.matrix import ROLES, client_for

TITLE = "绝密片名甲乙丙"
SHOWN = "已通过的另一部片子"  # an approved film, in the screening world below
SECRET = b"SECRET-FILE-BYTES-" * 8
FILM = {"office", "own"}  # who may see unit A's film in production
SIGNED_IN = set(ROLES) - {"anon"}
PRODUCERS = {"office", "own", "other"}
PUBLIC = set(ROLES)
# Screenings are the organisers' and the office's. The film in production is never programmable,
# so their pages hold nothing of it either way (tests/screenings checks what they do show).
EVENTS = {"office", "organiser"}

# url name: (args from the world, roles that may see what it shows). "Seeing" a list means the
# film is in it for FILM roles only; for the rest the list must leave it out.
ROUTES = {
    "dashboard": (lambda w: [], SIGNED_IN),
    "project-list": (lambda w: [], SIGNED_IN),
    "project-detail": (lambda w: [w.project.pk], FILM),
    "project-plan": (lambda w: [w.project.pk], FILM),
    "project-calendar": (lambda w: [w.project.pk], FILM),
    "project-transition": (lambda w: [w.project.pk, "cancel"], FILM),
    "script-edit": (lambda w: [w.project.pk], FILM),
    "storyboard-edit": (lambda w: [w.project.pk], FILM),
    "deliverable-submit": (lambda w: [w.project.pk, "cut"], FILM),
    "deliverable-detail": (lambda w: [w.project.pk, w.storyboard.pk], FILM),
    "shot-frame": (lambda w: [w.project.pk, w.storyboard.pk, 1], FILM),
    "shot-thumbnail": (lambda w: [w.project.pk, w.storyboard.pk, 1], FILM),
    "stage-review": (lambda w: [w.project.pk], FILM),
    "api-project-timeline": (lambda w: [w.project.pk], FILM),
    "call-list": (lambda w: [], PRODUCERS),
    "topic-pitch": (lambda w: [w.call.pk], PRODUCERS),
    "upload-start": (lambda w: [w.project.pk], FILM),
    "upload-chunk": (lambda w: [w.upload.pk], {"own"}),
    "upload-part-urls": (lambda w: [w.upload.pk], {"own"}),
    "upload-complete": (lambda w: [w.upload.pk], {"own"}),
    "cut-detail": (lambda w: [w.cut.pk], FILM),
    "cut-status": (lambda w: [w.cut.pk], FILM),
    "cut-file": (lambda w: [w.cut.pk, "proxy.mp4"], FILM),
    "cut-waive-qc": (lambda w: [w.cut.pk], FILM),
    "cut-waiver-request": (lambda w: [w.cut.pk], FILM),
    "cut-waiver-decline": (lambda w: [w.cut.pk], FILM),
    "api-cut-waiver-requests": (lambda w: [w.cut.pk], FILM),
    "api-waiver-requests": (lambda w: [], SIGNED_IN),  # the office's and each unit's own requests
    "api-waiver-request": (lambda w: [w.waiver.pk], FILM),
    "api-waiver-request-decision": (lambda w: [w.waiver.pk], FILM),
    "cut-compare": (lambda w: [w.cut.pk, w.cut.pk], FILM),
    "cut-subtitles": (lambda w: [w.cut.pk], FILM),
    "api-token": (lambda w: [], SIGNED_IN),  # each person's own token
    "api-token-issue": (lambda w: [], SIGNED_IN),
    "api-token-revoke": (lambda w: [], SIGNED_IN),
    "login": (lambda w: [], PUBLIC),
    "logout": (lambda w: [], PUBLIC),
    "set_language": (lambda w: [], PUBLIC),
    "healthz": (lambda w: [], PUBLIC),
    "cluster": (lambda w: [], {"office"}),  # operators': queues, running work, failures
    "api-cluster": (lambda w: [], {"office"}),  # component names and "ok", nothing of any film
    "api-calls": (lambda w: [], SIGNED_IN),
    "api-topics": (lambda w: [], SIGNED_IN),
    "api-topic-similar": (lambda w: [], PRODUCERS),
    "api-topic": (lambda w: [w.project.topic_id], FILM),
    "api-projects": (lambda w: [], SIGNED_IN),
    "api-project": (lambda w: [w.project.pk], FILM),
    "api-project-plan": (lambda w: [w.project.pk], FILM),
    "api-project-transitions": (lambda w: [w.project.pk], FILM),
    "api-project-deliverables": (lambda w: [w.project.pk], FILM),
    "api-deliverable-submit": (lambda w: [w.project.pk], FILM),
    "api-deliverable": (lambda w: [w.project.pk, w.storyboard.pk], FILM),
    "api-project-reviews": (lambda w: [w.project.pk], FILM),
    "api-project-schedule": (lambda w: [w.project.pk], FILM),
    "panel-home": (lambda w: [], SIGNED_IN),  # sessions the role sits on; the film is in none of them
    "panel-create": (lambda w: [], {"office"}),
    "panel-detail": (lambda w: [w.panel.pk], {"office"}),
    "panel-member-add": (lambda w: [w.panel.pk], {"office"}),
    "panel-member-remove": (lambda w: [w.panel.pk, w.member.pk], {"office"}),
    "panel-session-open": (lambda w: [w.panel.pk], {"office"}),
    "panel-session": (lambda w: [w.session.pk], {"office"}),
    "panel-entry-add": (lambda w: [w.session.pk], {"office"}),
    "panel-session-phase": (lambda w: [w.session.pk, "close"], {"office"}),
    "panel-board": (lambda w: [w.session.pk], {"office"}),
    "panel-export": (lambda w: [w.session.pk, "csv"], {"office"}),
    "panel-entry": (lambda w: [w.session.pk, w.entry.pk], {"office"}),
    "panel-entry-queue": (lambda w: [w.session.pk, w.entry.pk, "remove"], {"office"}),
    "panel-entry-score": (lambda w: [w.session.pk, w.entry.pk], {"office"}),
    "panel-entry-comment": (lambda w: [w.session.pk, w.entry.pk], {"office"}),
    "panel-entry-decide": (lambda w: [w.session.pk, w.entry.pk], {"office"}),
    "panel-entry-file": (lambda w: [w.session.pk, w.entry.pk, "proxy.mp4"], {"office"}),
    "panel-entry-compare": (lambda w: [w.session.pk, w.entry.pk], {"office"}),
    "panel-comment-resolve": (lambda w: [w.comment.pk], {"office"}),
    "panel-comment-frame": (lambda w: [w.comment.pk], {"office"}),
    "project-rectification": (lambda w: [w.project.pk], FILM),
    "rectification-frame": (lambda w: [w.item.pk], FILM),
    "rectification-action": (lambda w: [w.item.pk, "close"], FILM),
    "notifications": (lambda w: [], SIGNED_IN),  # each person's own
    "notifications-read": (lambda w: [], SIGNED_IN),
    "api-panel-sessions": (lambda w: [], SIGNED_IN),
    "api-panel-session": (lambda w: [w.session.pk], {"office"}),
    "api-panel-board": (lambda w: [w.session.pk], {"office"}),
    "api-panel-comments": (lambda w: [w.session.pk, w.entry.pk], {"office"}),
    "api-panel-scorecard": (lambda w: [w.session.pk, w.entry.pk], {"office"}),
    "api-panel-decision": (lambda w: [w.session.pk, w.entry.pk], {"office"}),
    "api-project-rectification": (lambda w: [w.project.pk], FILM),
    "api-rectification-answer": (lambda w: [w.item.pk], FILM),
    "api-rectification-close": (lambda w: [w.item.pk], FILM),
    "api-rectification-reopen": (lambda w: [w.item.pk], FILM),
    "api-notifications": (lambda w: [], SIGNED_IN),
    "event-list": (lambda w: [], EVENTS),
    "event-create": (lambda w: ["film_week"], EVENTS),
    "screening-totals": (lambda w: [], EVENTS),
    "event-detail": (lambda w: [w.event.pk], EVENTS),
    "event-edit": (lambda w: [w.event.pk], EVENTS),
    "slot-add": (lambda w: [w.event.pk], EVENTS),
    "slot-edit": (lambda w: [w.slot.pk], EVENTS),
    "slot-remove": (lambda w: [w.slot.pk], EVENTS),
    "slot-headcount": (lambda w: [w.slot.pk], EVENTS),
    "link-create": (lambda w: [w.cloud.pk], EVENTS),
    "link-revoke": (lambda w: [w.link.pk], EVENTS),
    # The viewer's routes answer anyone (no account), and a bad token opens nothing for anyone:
    # no role "sees" them here. tests/screenings checks what a good token opens.
    "watch": (lambda w: [w.bad_token], set()),
    "watch-playlist": (lambda w: [w.bad_token], set()),
    "watch-seen": (lambda w: [w.bad_token], set()),
    "watch-file": (lambda w: [w.bad_token], set()),
    "event-ics": (lambda w: [w.event.pk], EVENTS),
    "calendar-feed-rotate": (lambda w: [], EVENTS),
    # Calendars apps fetch the private feed with its token alone: a bad one opens nothing.
    "calendar-private": (lambda w: [w.bad_token], set()),
    "feed-poster": (lambda w: [w.bad_token], set()),
    # Public feeds answer everyone, and must still leave out every film not approved (FEEDS).
    "calendar-public": (lambda w: [], PUBLIC),
    "feed-films-json": (lambda w: [], PUBLIC),
    "feed-films-rss": (lambda w: [], PUBLIC),
    "api-venues": (lambda w: [], EVENTS),
    "api-course-kinds": (lambda w: [], EVENTS),
    "api-events": (lambda w: [], EVENTS),
    "api-event": (lambda w: [w.event.pk], EVENTS),
    "api-event-slots": (lambda w: [w.event.pk], EVENTS),
    "api-slot": (lambda w: [w.slot.pk], EVENTS),
    "api-slot-headcount": (lambda w: [w.slot.pk], EVENTS),
    "api-screening-totals": (lambda w: [], EVENTS),
    # The annual report: the office's whole, the organisers' audiences (the film in production is
    # in neither's audience; the office's figures may name it).
    "report-home": (lambda w: [], EVENTS),
    "report": (lambda w: [w.call.year], EVENTS),
    "report-projects": (lambda w: [w.call.year], {"office"}),
    "report-export": (lambda w: [w.call.year, "csv"], EVENTS),
    "api-report": (lambda w: [w.call.year], EVENTS),
    "api-event-links": (lambda w: [w.cloud.pk], EVENTS),
    "api-link-revoke": (lambda w: [w.link.pk], EVENTS),
    "api-schema": (lambda w: [], SIGNED_IN),
    "api-docs": (lambda w: [], SIGNED_IN),
}
# Public routes that list films: open to all, and the film in production is in none of them.
FEEDS = {"calendar-public", "feed-films-json", "feed-films-rss"}
# Routes whose answer to anyone is about the session itself, not the film.
SESSION_ROUTES = {"login", "logout", "set_language"}
REFUSALS = {401, 403, 404, 405}


def routes():
    """Every named route the URL configuration answers, the admin's apart (staff only, tested in
    ``tests/projects/test_admin.py``)."""
    names = set()

    def walk(resolver):
        for pattern in resolver.url_patterns:
            if hasattr(pattern, "url_patterns"):
                if getattr(pattern, "app_name", None) != "admin":
                    walk(pattern)
            elif pattern.name:
                names.add(pattern.name)

    walk(get_resolver())
    return names


@pytest.fixture(autouse=True)
def unthrottled(settings):
    # Each test asks every API route as an anonymous caller: more than the anonymous rate allows.
    settings.REELWORK_ANON_API_RATE = "10000/min"


def test_every_route_is_in_the_matrix():
    assert routes() == set(ROUTES), "give each new route a line in ROUTES (who may see what it shows)"


class World:
    pass


def _panel_on(w, office):
    """A panel session with the film's cut in its queue, a comment with a stored frame thumbnail
    and a rectification item; its one member is not the ``panelist`` role column, who must see
    none of it."""
    from reviews.models import Comment, Entry, Item, Member, Panel, Rubric, Session
    from tests.support.factories import make_user

    w.panel = Panel.objects.create(name="评审组", created_by=office)
    w.member = Member.objects.create(panel=w.panel, user=make_user("seated_expert", "panelist"), group="expert")
    w.session = Session.objects.create(panel=w.panel, title="评审会", rubric=Rubric.objects.get(code="standard"), created_by=office)
    w.entry = Entry.objects.create(session=w.session, project=w.project, cut=w.cut, position=1)
    key = storage.rendition_key(w.project.pk, 1, "frames/frame-5.jpg")
    storage.save(key=key, content=SECRET)
    w.comment = Comment.objects.create(entry=w.entry, author=w.member.user, body=TITLE, frame=5, thumbnail_key=key)
    w.item = Item.objects.create(project=w.project, comment=w.comment)


def _png() -> bytes:
    return png_bytes(8, 8) + SECRET  # a PNG reader stops at IEND; the marker rides along


@pytest.fixture
def world(make_project, producer_a, office, organiser, storage_dir, call):
    """Unit A's film in production: a storyboard version with a frame, a processed cut with its
    previews and subtitles, an upload in progress: every kind of stored file there is."""
    w = World()
    w.call = call
    project = make_project(State.STORYBOARD, title=TITLE)
    w.storyboard = services.deliverable_save(
        project=project, user=producer_a, kind="storyboard", base_version=0,
        shots=[{"number": 1, "picture": "全景", "duration_seconds": 6, "frame": SimpleUploadedFile("f.png", _png())}],
    )
    services.deliverable_submit(project=project, user=producer_a, kind="storyboard")
    services.stage_review_record(project=project, user=office, decision="advance", results=pass_all(State.STORYBOARD))
    deliverable = services.deliverable_save(project=project, user=producer_a, kind="cut", base_version=0,
                                            note="v1", from_upload=True)
    w.cut = processed_cut(deliverable)
    storage.save(key=w.cut.original_key, content=SECRET)
    for kind, name in [(Rendition.Kind.PROXY, "proxy.mp4"), (Rendition.Kind.POSTER, "poster.jpg"),
                       (Rendition.Kind.SPRITE, "sprite.jpg"), (Rendition.Kind.THUMBS, "sprite.vtt")]:
        key = storage.rendition_key(project.pk, 1, name)
        storage.save(key=key, content=SECRET)
        Rendition.objects.create(cut=w.cut, kind=kind, key=key, size=len(SECRET))
    w.cut.subtitles_key = storage.rendition_key(project.pk, 1, "subtitles.vtt")
    storage.save(key=w.cut.subtitles_key, content=b"WEBVTT\n\n" + SECRET)
    w.cut.save(update_fields=["subtitles_key"])
    # A waiver request whose reason names the film: the waiver routes must keep it to FILM roles.
    w.waiver = WaiverRequest.objects.create(cut=w.cut, requested_by=producer_a, reason=f"{TITLE}：请豁免技术质检")
    w.upload = Upload.objects.create(project=project, user=producer_a, filename="b.mp4", size=10, sha256="")
    storage.local_append(key=w.upload.partial_key, offset=0, chunk_iter=[SECRET[:5]])
    w.project = project
    _panel_on(w, office)
    # A screening of another, approved film, by the organiser: every screening route has an object.
    shown = make_project(State.APPROVED, title=SHOWN)
    start = timezone.now()
    w.event = screenings.event_create(user=organiser, kind="film_week", title="电影周", starts_at=start,
                                      ends_at=start + dt.timedelta(days=7))
    w.slot = screenings.slot_add(event=w.event, user=organiser, film=shown, venue=Venue.objects.create(name="红色影院", capacity=300),
                                 starts_at=start, ends_at=start + dt.timedelta(hours=2))
    w.cloud = screenings.event_create(user=organiser, kind="cloud", title="云展播", platform="五华先锋", starts_at=start,
                                      ends_at=start + dt.timedelta(days=7))
    screenings.slot_add(event=w.cloud, user=organiser, film=shown)
    w.link = screenings.link_create(event=w.cloud, user=organiser, film=shown)
    good = links.token_for(w.link)
    w.bad_token = good[:-1] + ("A" if good[-1] != "A" else "B")
    w.keys = sorted(str(p.relative_to(storage_dir)) for p in storage_dir.rglob("*") if p.is_file())
    assert len(w.keys) >= 8, w.keys
    return w


def every_row():
    """All rows of our apps' tables, to show a GET changed nothing anywhere."""
    rows = {}
    for label in ("projects", "media", "reviews", "screenings", "auth"):
        for model in apps.get_app_config(label).get_models():
            rows[model._meta.label] = sorted(map(repr, model.objects.values_list()))
    return rows


def body_of(response) -> bytes:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type", "").startswith("text/calendar"):
        body = body.replace(b"\r\n ", b"")  # unfold (RFC 5545 §3.1): a folded title would hide in two lines
    return body


def assert_reveals_nothing(response, what):
    body = body_of(response)
    assert TITLE.encode() not in body, f"{what}: the title leaks"
    assert SECRET[:18] not in body, f"{what}: file bytes leak"


@pytest.mark.parametrize("role", ROLES)
def test_no_route_shows_the_film_to_a_role_that_may_not_see_it(world, role, request):
    client = client_for(request, role)
    before = every_row()
    for name, (args, allowed) in ROUTES.items():
        url = reverse(name, args=args(world))
        response = client.get(url)
        what = f"GET {name} as {role}"
        assert response.status_code < 500, what
        if name in FEEDS:
            assert response.status_code == 200, what
            assert SHOWN.encode() in body_of(response), f"{what}: the approved film is missing"
            assert_reveals_nothing(response, what)
        if role in allowed or name in SESSION_ROUTES:
            continue
        if role == "anon":
            assert response.status_code in REFUSALS or (
                response.status_code == 302 and response["Location"].startswith(reverse("login"))
            ), f"{what}: {response.status_code}"
        else:
            assert response.status_code in REFUSALS | {200}, f"{what}: {response.status_code}"
        assert_reveals_nothing(response, what)
    assert every_row() == before, f"a GET changed data (as {role})"


@pytest.mark.parametrize("role", ["other", "panelist", "organiser", "anon"])
def test_no_post_on_the_film_by_a_role_that_may_not_see_it_changes_anything(world, role, request):
    client = client_for(request, role)
    before = every_row()
    for name, (args, allowed) in ROUTES.items():
        if role in allowed or name in SESSION_ROUTES:
            continue
        response = client.post(reverse(name, args=args(world)), {"reason": "试探", "name": "cancel"})
        what = f"POST {name} as {role}"
        assert response.status_code in REFUSALS | {200, 302}, f"{what}: {response.status_code}"
        if response.status_code == 302:
            assert role == "anon" and response["Location"].startswith(reverse("login")), what
        assert_reveals_nothing(response, what)
    assert every_row() == before, f"a refused POST changed data (as {role})"


@pytest.fixture
def debug_urls(settings):
    """The URLs as development mode (``./run``) loads them: DEBUG on at import time."""
    import studio.urls

    settings.DEBUG = True
    importlib.reload(studio.urls)
    clear_url_caches()
    yield
    settings.DEBUG = False
    importlib.reload(studio.urls)
    clear_url_caches()


PREFIXES = ["/files/", "/media/", "/storage/", "/var/storage/", "/static/", "/", "/files/../"]


@pytest.mark.parametrize("role", ROLES)
def test_no_stored_file_is_reachable_by_its_path(world, debug_urls, role, request):
    client = client_for(request, role)
    for key in world.keys:
        for prefix in PREFIXES:
            response = client.get(prefix + key)
            assert response.status_code in {302, 404}, f"{prefix}{key} as {role}: {response.status_code}"
            assert_reveals_nothing(response, f"{prefix}{key} as {role}")
