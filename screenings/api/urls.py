from django.urls import path

from screenings.api import views

urlpatterns = [
    path("venues/", views.VenueList.as_view(), name="api-venues"),
    path("course-kinds/", views.CourseKindList.as_view(), name="api-course-kinds"),
    path("events/", views.EventList.as_view(), name="api-events"),
    path("events/<int:pk>/", views.EventDetail.as_view(), name="api-event"),
    path("events/<int:pk>/slots/", views.EventSlots.as_view(), name="api-event-slots"),
    path("slots/<int:pk>/", views.SlotDetail.as_view(), name="api-slot"),
    path("slots/<int:pk>/headcount/", views.SlotHeadcount.as_view(), name="api-slot-headcount"),
    path("events/<int:pk>/links/", views.EventLinks.as_view(), name="api-event-links"),
    path("links/<int:pk>/revoke/", views.LinkRevoke.as_view(), name="api-link-revoke"),
    path("totals/", views.Totals.as_view(), name="api-screening-totals"),
]
