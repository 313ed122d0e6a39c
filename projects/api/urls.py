from django.urls import path

from projects.api import views

urlpatterns = [
    path("calls/", views.CallList.as_view(), name="api-calls"),
    path("topics/", views.TopicList.as_view(), name="api-topics"),
    path("topics/similar/", views.TopicSimilar.as_view(), name="api-topic-similar"),
    path("topics/<int:pk>/", views.TopicDetail.as_view(), name="api-topic"),
    path("projects/", views.ProjectList.as_view(), name="api-projects"),
    path("projects/<int:pk>/", views.ProjectDetail.as_view(), name="api-project"),
    path("projects/<int:pk>/plan/", views.ProjectPlan.as_view(), name="api-project-plan"),
    path("projects/<int:pk>/transitions/", views.ProjectTransitions.as_view(), name="api-project-transitions"),
    path("projects/<int:pk>/timeline/", views.ProjectTimeline.as_view(), name="api-project-timeline"),
    path("projects/<int:pk>/deliverables/", views.ProjectDeliverables.as_view(), name="api-project-deliverables"),
    path("projects/<int:pk>/deliverables/submit/", views.DeliverableSubmit.as_view(), name="api-deliverable-submit"),
    path("projects/<int:pk>/deliverables/<int:version_pk>/", views.DeliverableDetail.as_view(), name="api-deliverable"),
    path("projects/<int:pk>/reviews/", views.ProjectReviews.as_view(), name="api-project-reviews"),
    path("projects/<int:pk>/schedule/", views.ProjectSchedule.as_view(), name="api-project-schedule"),
]
