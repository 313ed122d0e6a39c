from django.urls import path

from media import api, views

urlpatterns = [
    path("projects/<int:pk>/uploads/", views.upload_start, name="upload-start"),
    path("uploads/<uuid:upload_id>/", views.upload_chunk, name="upload-chunk"),
    path("uploads/<uuid:upload_id>/part-urls/", views.upload_direct_part_urls, name="upload-part-urls"),
    path("uploads/<uuid:upload_id>/complete/", views.upload_direct_complete, name="upload-complete"),
    path("cuts/<int:pk>/", views.cut_detail, name="cut-detail"),
    path("cuts/<int:pk>/status/", views.cut_status, name="cut-status"),
    path("cuts/<int:pk>/compare/<int:other_pk>/", views.cut_compare, name="cut-compare"),
    path("cuts/<int:pk>/files/<str:name>", views.cut_file, name="cut-file"),
    path("cuts/<int:pk>/waive-qc/", views.cut_waive_qc, name="cut-waive-qc"),
    path("cuts/<int:pk>/waiver-request/", views.cut_waiver_request, name="cut-waiver-request"),
    path("cuts/<int:pk>/waiver-decline/", views.cut_waiver_decline, name="cut-waiver-decline"),
    path("cuts/<int:pk>/subtitles/", views.cut_subtitles, name="cut-subtitles"),
    path("cluster/", views.cluster, name="cluster"),
    path("api/cluster/", api.ClusterView.as_view(), name="api-cluster"),
    path("api/cuts/<int:pk>/waiver-requests/", api.CutWaiverRequests.as_view(), name="api-cut-waiver-requests"),
    path("api/waiver-requests/", api.WaiverRequestList.as_view(), name="api-waiver-requests"),
    path("api/waiver-requests/<int:pk>/", api.WaiverRequestDetail.as_view(), name="api-waiver-request"),
    path("api/waiver-requests/<int:pk>/decision/", api.WaiverRequestDecision.as_view(), name="api-waiver-request-decision"),
]
