from django.urls import path

from screenings import feed_views, views

urlpatterns = [
    path("screenings/", views.event_list, name="event-list"),
    path("screenings/new/<slug:kind>/", views.event_create, name="event-create"),
    path("screenings/totals/", views.totals, name="screening-totals"),
    path("screenings/events/<int:pk>/", views.event_detail, name="event-detail"),
    path("screenings/events/<int:pk>/edit/", views.event_edit, name="event-edit"),
    path("screenings/events/<int:pk>/slots/", views.slot_add, name="slot-add"),
    path("screenings/slots/<int:pk>/edit/", views.slot_edit, name="slot-edit"),
    path("screenings/slots/<int:pk>/remove/", views.slot_remove, name="slot-remove"),
    path("screenings/slots/<int:pk>/headcount/", views.slot_headcount, name="slot-headcount"),
    path("screenings/events/<int:pk>/links/", views.link_create, name="link-create"),
    path("screenings/links/<int:pk>/revoke/", views.link_revoke, name="link-revoke"),
    path("screenings/events/<int:pk>/calendar.ics", feed_views.event_ics, name="event-ics"),
    path("screenings/calendar/rotate/", feed_views.calendar_feed_rotate, name="calendar-feed-rotate"),
    # Calendars and feeds: the private calendar's token is its key; the rest are public.
    path("calendar/private/<str:token>.ics", feed_views.calendar_private, name="calendar-private"),
    path("calendar/cloud.ics", feed_views.calendar_public, name="calendar-public"),
    path("feeds/films.json", feed_views.films_json, name="feed-films-json"),
    path("feeds/films.rss", feed_views.films_rss, name="feed-films-rss"),
    path("feeds/posters/<str:signed>.jpg", feed_views.feed_poster, name="feed-poster"),
]
