from django.urls import path

from reviews import views

urlpatterns = [
    path("panels/", views.panel_home, name="panel-home"),
    path("panels/new/", views.panel_create, name="panel-create"),
    path("panels/<int:pk>/", views.panel_detail, name="panel-detail"),
    path("panels/<int:pk>/members/", views.panel_member_add, name="panel-member-add"),
    path("panels/<int:pk>/members/<int:member_pk>/remove/", views.panel_member_remove, name="panel-member-remove"),
    path("panels/<int:pk>/sessions/", views.session_open, name="panel-session-open"),
    path("panel-sessions/<int:pk>/", views.session_detail, name="panel-session"),
    path("panel-sessions/<int:pk>/entries/", views.session_entry_add, name="panel-entry-add"),
    path("panel-sessions/<int:pk>/phase/<slug:name>/", views.session_phase, name="panel-session-phase"),
    path("panel-sessions/<int:pk>/board/", views.session_board, name="panel-board"),
    path("panel-sessions/<int:pk>/export.<slug:fmt>", views.session_export, name="panel-export"),
    path("panel-sessions/<int:pk>/entries/<int:entry_pk>/", views.entry_room, name="panel-entry"),
    path("panel-sessions/<int:pk>/entries/<int:entry_pk>/queue/<slug:action>/", views.entry_queue, name="panel-entry-queue"),
    path("panel-sessions/<int:pk>/entries/<int:entry_pk>/score/", views.entry_score, name="panel-entry-score"),
    path("panel-sessions/<int:pk>/entries/<int:entry_pk>/comments/", views.entry_comment, name="panel-entry-comment"),
    path("panel-sessions/<int:pk>/entries/<int:entry_pk>/decide/", views.entry_decide, name="panel-entry-decide"),
    path("panel-sessions/<int:pk>/entries/<int:entry_pk>/files/<str:name>", views.entry_file, name="panel-entry-file"),
    path("panel-sessions/<int:pk>/entries/<int:entry_pk>/compare/", views.entry_compare, name="panel-entry-compare"),
    path("panel-comments/<int:pk>/resolve/", views.comment_resolve, name="panel-comment-resolve"),
    path("panel-comments/<int:pk>/frame.jpg", views.comment_frame, name="panel-comment-frame"),
    path("projects/<int:pk>/rectification/", views.project_rectification, name="project-rectification"),
    path("rectification/<int:pk>/frame.jpg", views.item_frame, name="rectification-frame"),
    path("rectification/<int:pk>/<slug:action>/", views.item_action, name="rectification-action"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications-read"),
]
