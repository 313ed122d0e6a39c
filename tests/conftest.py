"""Shared fixtures: the reference data comes from the migrations; here are the people.

Role fixtures: ``office``, ``producer_a`` (unit A), ``producer_b`` (unit B), ``panelist``,
``organiser``, ``outsider`` (an account with no role). ``make_project`` walks a fresh project
through the real services to any workflow state.
"""

import datetime as dt

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone

from projects import services
from projects.models import ChecklistItem, Genre, Membership, Origin, State, TopicCall, Track, Unit

WALK = [State.SCRIPT, State.STORYBOARD, State.PRODUCTION, State.PANEL_REVIEW, State.APPROVED, State.SCREENING, State.ARCHIVED]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The real hasher is deliberately slow; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def own_cache(settings, request):
    # Throttles count in the cache: each test gets an empty one of its own, so counts neither
    # leak between tests nor into var/cache.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": request.node.nodeid}}


def _user(username, *groups, units=()):
    if not Group.objects.exists():
        from django.apps import apps

        from projects import reference_data

        reference_data.load(apps)
    user = User.objects.create_user(username=username, password="pw-" + username)
    user.groups.set(Group.objects.filter(name__in=groups))
    for unit in units:
        Membership.objects.create(user=user, unit=unit)
    return user


@pytest.fixture
def unit_a(db):
    return Unit.objects.create(name="华山街道", code="huashan")


@pytest.fixture
def unit_b(db):
    return Unit.objects.create(name="护国街道", code="huguo")


@pytest.fixture
def office(db):
    return _user("office", "office")


@pytest.fixture
def producer_a(unit_a):
    return _user("producer_a", "producer", units=[unit_a])


@pytest.fixture
def producer_b(unit_b):
    return _user("producer_b", "producer", units=[unit_b])


@pytest.fixture
def panelist(db):
    return _user("panelist", "panelist")


@pytest.fixture
def organiser(db):
    return _user("organiser", "organiser")


@pytest.fixture
def outsider(db):
    return _user("outsider")


@pytest.fixture
def reference_data(db):
    """Genres, tracks, checklists and role groups come from a data migration; a transactional
    test elsewhere may have flushed them, so put them back when missing (idempotent)."""
    from django.apps import apps

    from projects import reference_data as data

    if not Genre.objects.exists():
        data.load(apps)


@pytest.fixture
def call(reference_data):
    today = timezone.localdate()
    return TopicCall.objects.create(
        year=today.year, theme="讲好身边的党员故事", opens_on=today - dt.timedelta(days=10), closes_on=today + dt.timedelta(days=30)
    )


@pytest.fixture
def genre(reference_data):
    return Genre.objects.get(code="exemplary")


def track(code):
    return Track.objects.get(code=code)


def pass_all(stage):
    return {item.pk: (True, "") for item in ChecklistItem.objects.filter(stage=stage, active=True)}


@pytest.fixture
def make_project(call, genre, office, producer_a, unit_a, organiser):
    """Create a project on ``track_code`` and walk it to ``state`` through the services."""

    def make(state=State.TOPIC, *, title="社区里的红色管家", track_code="project", deadline=None):
        tr = track(track_code)
        author = office if tr.assigned_by_office else producer_a
        topic = services.topic_pitch(
            user=author, call=call, unit=unit_a, title=title, logline="一个关于社区党员的故事。", genre=genre, proposed_track=tr
        )
        project = topic.project
        if state == State.TOPIC:
            return project
        services.project_plan(
            project=project, user=office, genre=genre, track=tr, origin=Origin.SELF_SELECTED,
            deadline=deadline or timezone.localdate() + dt.timedelta(days=120),
        )
        if state == State.REJECTED:
            services.project_fire(project=project, user=office, name="reject", reason="重复")
            return project
        services.project_fire(project=project, user=office, name="approve", reason="同意")
        if state == State.CANCELLED:
            services.project_fire(project=project, user=office, name="cancel", reason="取消")
            return project
        while project.state != state:
            advance(project, producer_a, office, organiser)
        return project

    return make


def advance(project, producer, office, organiser):
    """One step forward along the happy path, through the same services the pages use."""
    state = project.state
    kind = {State.SCRIPT: "script", State.STORYBOARD: "storyboard", State.PRODUCTION: "cut"}.get(state)
    if kind:
        submit_version(project, producer, kind)
        if kind == "cut":
            return
    if project.state in (State.SCRIPT, State.STORYBOARD, State.PANEL_REVIEW):
        services.stage_review_record(project=project, user=office, decision="advance", results=pass_all(project.state), comment="")
    elif state == State.APPROVED:
        services.project_fire(project=project, user=organiser, name="start_screening")
    elif state == State.SCREENING:
        services.project_fire(project=project, user=organiser, name="archive")


def submit_version(project, producer, kind):
    latest = project.deliverables.filter(kind=kind).order_by("-version").first()
    saved = services.deliverable_save(
        project=project, user=producer, kind=kind, base_version=latest.version if latest else 0,
        script="开场：清晨的社区。", narration="在华山街道……", note="初稿",
        shots=[{"number": 1, "picture": "街道全景", "camera_movement": "航拍", "duration_seconds": 8}],
        from_upload=kind == "cut",
    )
    if kind == "cut":
        processed_cut(saved)
    return services.deliverable_submit(project=project, user=producer, kind=kind)


def processed_cut(deliverable, *, qc_passed=True):
    """A cut row as the media pipeline leaves it, for tests about the workflow around cuts; the
    pipeline itself runs for real in tests/media."""
    from media.models import Cut

    return Cut.objects.create(
        deliverable=deliverable, original_key=f"cuts/{deliverable.project_id}/v{deliverable.version}/original/cut.mp4",
        original_name="cut.mp4", size=1, sha256="0" * 64, status=Cut.Status.READY, progress=1.0, qc_passed=qc_passed,
    )


@pytest.fixture
def storage_dir(settings, tmp_path):
    """Local storage (the embedded default) in a directory of the test's own."""
    location = tmp_path / "storage"
    location.mkdir()
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": location}}}
    settings.MEDIA_ROOT = location
    return location
