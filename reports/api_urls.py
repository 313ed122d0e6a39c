from django.urls import path

from reports import api

urlpatterns = [
    path("reports/<int:year>/", api.AnnualReport.as_view(), name="api-report"),
]
