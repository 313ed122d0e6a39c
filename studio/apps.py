from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _


class StudioConfig(AppConfig):
    name = "studio"
    verbose_name = _("Reelwork")

    def ready(self):
        from django.contrib import admin

        # The admin's headings in the reader's language: the task backend's app name is not
        # marked for translation upstream, and the site's own titles say what it is.
        if apps.is_installed("django_tasks_db"):
            apps.get_app_config("django_tasks_database").verbose_name = _("Background tasks")
        admin.site.site_header = _("Reelwork administration")
        admin.site.site_title = _("Reelwork administration")
        admin.site.index_title = _("Reference data and records")
