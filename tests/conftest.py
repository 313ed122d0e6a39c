"""Shared fixtures: the reference data comes from the migrations; here are the people.

Role fixtures: ``office``, ``producer_a`` (unit A), ``producer_b`` (unit B), ``panelist``,
``organiser``, ``outsider`` (an account with no role). ``make_project`` walks a fresh project
through the real services to any workflow state. The plain helpers behind them, and the rest of
what tests share, are in ``tests/support``; the S3 and clip fixtures come in as plugins.
"""

import datetime as dt

import pytest

# Before the imports below: the helpers' asserts explain themselves like a test's own.
pytest.register_assert_rewrite("tests.support")

from django.utils import timezone  # noqa: E402

from projects import services  # noqa: E402
from projects.models import Genre, Origin, State, TopicCall, Unit  # noqa: E402
from tests.support.factories import advance, make_user, track  # noqa: E402

pytest_plugins = ["tests.support.s3", "tests.support.clips", "tests.support.task_backends"]

@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The real hasher is deliberately slow; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def own_cache(settings, request):
    # Throttles count in the cache: each test gets an empty one of its own, so counts neither
    # leak between tests nor into var/cache.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": request.node.nodeid}}


@pytest.fixture
def unit_a(db):
    return Unit.objects.create(name="华山街道", code="huashan")


@pytest.fixture
def unit_b(db):
    return Unit.objects.create(name="护国街道", code="huguo")


@pytest.fixture
def office(db):
    return make_user("office", "office")


@pytest.fixture
def producer_a(unit_a):
    return make_user("producer_a", "producer", units=[unit_a])


@pytest.fixture
def producer_b(unit_b):
    return make_user("producer_b", "producer", units=[unit_b])


@pytest.fixture
def panelist(db):
    return make_user("panelist", "panelist")


@pytest.fixture
def organiser(db):
    return make_user("organiser", "organiser")


@pytest.fixture
def outsider(db):
    return make_user("outsider")


@pytest.fixture
def reference_data(db):
    """Genres, tracks, checklists, role groups, the homogeneity vocabulary, the standard rubric and
    the course kinds come from data migrations; a transactional test elsewhere may have flushed
    them, so put back whichever are missing (idempotent)."""
    from django.apps import apps

    from projects import reference_data as data
    from projects.models import VocabularyTerm
    from reviews import reference_data as review_data
    from reviews.models import Rubric
    from screenings import reference_data as screening_data
    from screenings.models import CourseKind

    if not Genre.objects.exists():
        data.load(apps)
    if not VocabularyTerm.objects.exists():
        data.load_vocabulary(apps)
    if not Rubric.objects.filter(code="standard").exists():  # the demo's; a test may have made others
        review_data.load(apps)
    if not CourseKind.objects.exists():
        screening_data.load(apps)


@pytest.fixture
def call(reference_data):
    today = timezone.localdate()
    return TopicCall.objects.create(
        year=today.year, theme="讲好身边的党员故事", opens_on=today - dt.timedelta(days=10), closes_on=today + dt.timedelta(days=30)
    )


@pytest.fixture
def genre(reference_data):
    return Genre.objects.get(code="exemplary")


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


@pytest.fixture
def storage_dir(settings, tmp_path):
    """Local storage (the embedded default) in a directory of the test's own."""
    location = tmp_path / "storage"
    location.mkdir()
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": location}}}
    settings.MEDIA_ROOT = location
    return location
