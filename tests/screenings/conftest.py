"""Screening fixtures: two venues, two approved films, a cloud showing, a course showing and a film
week scheduled by ``organiser`` (times from ``tests.support.screenings.at``), and a second organiser."""

import pytest

from projects.models import State
from screenings import services
from screenings.models import CourseKind, Event, Venue
from tests.support.factories import make_user
from tests.support.screenings import at


@pytest.fixture
def course_kinds(db):
    """Shipped by a data migration; a transactional test elsewhere may have flushed them."""
    if not CourseKind.objects.exists():
        from django.apps import apps

        from screenings import reference_data

        reference_data.load(apps)
    return {kind.code: kind for kind in CourseKind.objects.all()}


@pytest.fixture
def hall(db):
    return Venue.objects.create(name="华山街道党群服务中心", address="华山西路 1 号", capacity=120)


@pytest.fixture
def cinema(db):
    return Venue.objects.create(name="红色影院", address="五华区人民中路 2 号", capacity=300)


@pytest.fixture
def organiser_b(db):
    return make_user("organiser_b", "organiser")


@pytest.fixture
def film(make_project):
    return make_project(State.APPROVED, title="五华山下的初心故事")


@pytest.fixture
def film2(make_project):
    return make_project(State.APPROVED, title="西翥山村的数字课堂")


@pytest.fixture
def film_week(organiser):
    return services.event_create(user=organiser, kind=Event.Kind.FILM_WEEK, title="2026年党员教育电影周",
                                 starts_at=at(0), ends_at=at(7))


@pytest.fixture
def cloud(organiser):
    return services.event_create(user=organiser, kind=Event.Kind.CLOUD, title="“五华先锋”云展播", platform="五华先锋",
                                 starts_at=at(0, "08:00"), ends_at=at(3, "22:00"))


@pytest.fixture
def course(organiser, hall, course_kinds):
    return services.event_create(user=organiser, kind=Event.Kind.COURSE, title="发展党员培训班第一期",
                                 course_kind=course_kinds["new_members"], course_name="第一期", venue=hall,
                                 roster_size=80, starts_at=at(2, "09:00"), ends_at=at(2, "12:00"))
