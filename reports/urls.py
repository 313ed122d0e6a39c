from django.urls import path

from reports import views

urlpatterns = [
    path("reports/", views.report_home, name="report-home"),
    path("reports/<int:year>/", views.report, name="report"),
    path("reports/<int:year>/projects/", views.report_projects, name="report-projects"),
    path("reports/<int:year>/export.<slug:fmt>", views.report_export, name="report-export"),
]
