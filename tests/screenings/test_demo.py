"""The demo's screenings are made through the same services as everything else."""

from projects.models import State
from screenings import demo
from screenings.models import Event
from screenings.totals import audience_totals


def test_the_demo_seeds_a_live_cloud_showing_a_course_and_a_film_week(make_project, organiser, office, course_kinds):
    shown = make_project(State.SCREENING, title="西翥山村的数字课堂")
    waiting = make_project(State.APPROVED, title="五华山下的初心故事")

    cloud, course, week = demo.seed(organiser=organiser, office=office)

    assert [e.kind for e in (cloud, course, week)] == [Event.Kind.CLOUD, Event.Kind.COURSE, Event.Kind.FILM_WEEK]
    assert week.slots.count() == 5 and week.slots.values("venue").distinct().count() == 3
    totals = audience_totals()
    assert (totals.overall.online, totals.overall.in_person) == (37, 76 + 268 + 95)
    assert [row.key for row in totals.by_film] == [shown.pk]
    waiting.refresh_from_db()
    assert waiting.state == State.APPROVED  # left for the organiser to programme


def test_the_demo_seeds_nothing_without_a_film_in_screening(organiser, office, course_kinds):
    assert demo.seed(organiser=organiser, office=office) == []


def test_the_demo_feeds_list_the_published_films_with_the_live_showings_link(client, make_project, organiser, office, course_kinds):
    from screenings import links
    from screenings.models import ViewerLink

    shown = make_project(State.SCREENING, title="西翥山村的数字课堂")
    waiting = make_project(State.APPROVED, title="五华山下的初心故事")
    make_project(State.PRODUCTION, title="还在拍的片子")
    demo.seed(organiser=organiser, office=office)

    body = client.get("/feeds/films.json").json()
    items = {item["title"]: item for item in body["items"]}
    assert set(items) == {shown.title, waiting.title}
    link = ViewerLink.objects.get(film=shown)
    assert items[shown.title]["url"] == "http://testserver" + links.watch_path(link)
    assert [s["platform"] for s in items[shown.title]["_reelwork"]["showings"]] == ["五华先锋"]
    assert items[waiting.title]["_reelwork"]["showings"] == []
    rss = client.get("/feeds/films.rss").content.decode()
    assert shown.title in rss and links.watch_path(link) in rss
