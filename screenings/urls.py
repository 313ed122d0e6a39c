from django.urls import path

from screenings import views

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
]
