from django.urls import path

from projects import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("projects/", views.project_list, name="project-list"),
    path("projects/<int:pk>/", views.project_detail, name="project-detail"),
    path("projects/<int:pk>/plan/", views.project_plan, name="project-plan"),
    path("projects/<int:pk>/schedule.ics", views.project_calendar, name="project-calendar"),
    path("projects/<int:pk>/transitions/<slug:name>/", views.project_transition, name="project-transition"),
    path("projects/<int:pk>/script/", views.script_edit, name="script-edit"),
    path("projects/<int:pk>/storyboard/", views.storyboard_edit, name="storyboard-edit"),
    path("projects/<int:pk>/submit/<slug:kind>/", views.deliverable_submit, name="deliverable-submit"),
    path("projects/<int:pk>/versions/<int:version_pk>/", views.deliverable_detail, name="deliverable-detail"),
    path("projects/<int:pk>/versions/<int:version_pk>/shots/<int:number>/frame", views.shot_frame, name="shot-frame"),
    path("projects/<int:pk>/versions/<int:version_pk>/shots/<int:number>/thumbnail", views.shot_thumbnail,
         name="shot-thumbnail"),
    path("projects/<int:pk>/review/", views.stage_review, name="stage-review"),
    path("calls/", views.call_list, name="call-list"),
    path("calls/<int:pk>/pitch/", views.topic_pitch, name="topic-pitch"),
]
