"""Screening fixtures: two venues, two approved films, a cloud showing, a course showing and a film
week scheduled by ``organiser`` (times from ``tests.support.screenings.at``), and a second organiser."""

import pytest
from django.urls import reverse

from media.tasks import package_hls
from projects.models import State
from screenings import links, services
from screenings.models import CourseKind, Event, Venue
from tests.support.clips import make_clip, require_ffmpeg
from tests.support.factories import make_user
from tests.support.screenings import at, give_proxy, open_window


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


# --- cloud showings that stream -------------------------------------------------------------------


@pytest.fixture
def proxy_clip(tmp_path):
    """A proxy-like clip: H.264/AAC MP4, 4 s, 320x240, a keyframe every second."""
    require_ffmpeg()
    return make_clip(tmp_path / "proxy.mp4", seconds=4, extra=["-g", "25", "-movflags", "+faststart"])


@pytest.fixture
def short_segments(settings):
    settings.REELWORK_HLS_SEGMENT_SECONDS = 1
    return 1


@pytest.fixture
def live(storage_dir, organiser, film, proxy_clip, short_segments):
    """A cloud showing open now with ``film`` programmed, its HLS rendition made (in whichever
    storage the test set up: ask for ``storage_dir`` or ``s3_settings`` first), and one viewer link."""
    cut = give_proxy(film, proxy_clip)
    starts_at, ends_at = open_window()
    event = services.event_create(user=organiser, kind=Event.Kind.CLOUD, title="“五华先锋”云展播（进行中）",
                                  platform="五华先锋", starts_at=starts_at, ends_at=ends_at)
    services.slot_add(event=event, user=organiser, film=film)
    assert package_hls.call(cut.pk) == "ready"
    link = services.link_create(event=event, user=organiser, film=film, label="五华先锋 公众号")
    return Live(event=event, film=film, cut=cut, link=link, token=links.token_for(link))


class Live:
    def __init__(self, **kwargs):
        self.__dict__.update(kwargs)

    @property
    def page(self):
        return reverse("watch", args=[self.token])

    @property
    def playlist(self):
        return reverse("watch-playlist", args=[self.token])

    @property
    def seen(self):
        return reverse("watch-seen", args=[self.token])
