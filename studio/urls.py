from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from studio import health, views

urlpatterns = [
    path("", include("screenings.watch_urls")),  # first: the view beacon is the busiest route
    path("", include("projects.urls")),
    path("", include("media.urls")),
    path("", include("reviews.urls")),
    path("", include("screenings.urls")),
    path("", include("reports.urls")),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/api-token/", views.api_token, name="api-token"),
    path("accounts/api-token/new/", views.api_token_issue, name="api-token-issue"),
    path("accounts/api-token/revoke/", views.api_token_revoke, name="api-token-revoke"),
    path("healthz", health.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", include("projects.api.urls")),
    path("api/", include("reviews.api_urls")),
    path("api/screenings/", include("screenings.api.urls")),
    path("api/", include("reports.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

# Stored files (originals, previews, subtitles, storyboard frames) are never served by URL prefix,
# in any mode: each goes out through a view that checks access first, or a presigned URL such a
# view hands out.

handler400 = "studio.middleware.bad_request"
handler404 = "studio.views.not_found"
