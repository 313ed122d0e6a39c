"""Demo screenings for ``manage.py seed_demo``: three venues, a cloud showing open now, a course
showing three days ago and a film week running across this week, all programmed with the demo's
films in screening, with headcounts for what has been shown and some online viewers. Each film of
the cloud showing has a viewer link (listed on the event's page) that plays once the task worker
has packaged the film as HLS.

The demo's approved film is left approved, so an organiser trying the demo can programme it and
see it move into screening.
"""

import datetime as dt
import uuid

from django.utils import timezone

from projects.models import State, VideoProject
from screenings import services
from screenings.models import CourseKind, Event, Venue

VENUES = [("五华区党群服务中心", "五华区人民中路 68 号", 200), ("红色影院", "五华区青年路 1 号", 300),
          ("华山街道党群服务中心", "华山西路 12 号", 120)]


def _at(days: int, clock: str) -> dt.datetime:
    hour, minute = map(int, clock.split(":"))
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def seed(*, organiser, office) -> list[Event]:
    venues = [Venue.objects.get_or_create(name=name, defaults={"address": address, "capacity": seats})[0]
              for name, address, seats in VENUES]
    centre, cinema, hall = venues
    films = list(VideoProject.objects.filter(state=State.SCREENING).select_related("topic").order_by("pk"))
    if not films:
        return []
    film = films[0]
    now = timezone.now()

    cloud = services.event_create(user=organiser, kind=Event.Kind.CLOUD, title="“五华先锋”党员教育片云展播", platform="五华先锋",
                                  starts_at=now - dt.timedelta(days=2), ends_at=now + dt.timedelta(days=12))
    for shown in films:
        services.slot_add(event=cloud, user=organiser, film=shown)
        # The worker packages the film as HLS once this commits; the link plays from then on.
        services.link_create(event=cloud, user=organiser, film=shown, label="五华先锋 公众号")
    for n in range(37):
        services.view_count(event=cloud, film=film, viewer_id=uuid.uuid4(), at=now - dt.timedelta(hours=40 - n))

    course = services.event_create(
        user=organiser, kind=Event.Kind.COURSE, title="发展党员培训班（第一期）", course_kind=CourseKind.objects.get(code="new_members"),
        course_name="第一期", venue=centre, roster_size=80, starts_at=_at(-3, "09:00"), ends_at=_at(-3, "12:00"),
    )
    in_course = services.slot_add(event=course, user=organiser, film=film, starts_at=_at(-3, "10:00"), ends_at=_at(-3, "10:30"),
                                  expected_audience=80)
    services.inperson_record(slot=in_course, user=organiser, headcount=76)

    week = services.event_create(user=office, kind=Event.Kind.FILM_WEEK, title="五华区党员教育电影周",
                                 starts_at=_at(-3, "00:00"), ends_at=_at(5, "00:00"))
    programme = [(cinema, -2, "19:00", 280, 268), (hall, -1, "14:30", 110, 95), (cinema, 1, "19:00", 280, None),
                 (hall, 2, "14:30", 110, None), (centre, 3, "09:30", 180, None)]
    for venue, day, clock, expected, headcount in programme:
        start = _at(day, clock)
        slot = services.slot_add(event=week, user=office, film=film, venue=venue, starts_at=start,
                                 ends_at=start + dt.timedelta(minutes=90), expected_audience=expected)
        if headcount is not None:
            services.inperson_record(slot=slot, user=office, headcount=headcount)
    return [cloud, course, week]
