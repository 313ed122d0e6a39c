from django.urls import path

from reviews import api

urlpatterns = [
    path("panel-sessions/", api.SessionList.as_view(), name="api-panel-sessions"),
    path("panel-sessions/<int:pk>/", api.SessionDetail.as_view(), name="api-panel-session"),
    path("panel-sessions/<int:pk>/board/", api.SessionBoard.as_view(), name="api-panel-board"),
    path("panel-sessions/<int:pk>/entries/<int:entry_pk>/comments/", api.EntryComments.as_view(), name="api-panel-comments"),
    path("panel-sessions/<int:pk>/entries/<int:entry_pk>/scorecard/", api.EntryScorecard.as_view(), name="api-panel-scorecard"),
    path("panel-sessions/<int:pk>/entries/<int:entry_pk>/decision/", api.EntryDecision.as_view(), name="api-panel-decision"),
    path("projects/<int:pk>/rectification/", api.ProjectItems.as_view(), name="api-project-rectification"),
    path("rectification/<int:pk>/answer/", api.ItemAnswer.as_view(), name="api-rectification-answer"),
    path("rectification/<int:pk>/close/", api.ItemClose.as_view(), name="api-rectification-close"),
    path("rectification/<int:pk>/reopen/", api.ItemReopen.as_view(), name="api-rectification-reopen"),
    path("notifications/", api.Notifications.as_view(), name="api-notifications"),
]
