from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediaConfig(AppConfig):
    name = "media"
    label = "media"
    verbose_name = _("Cuts and media")

    def ready(self):
        from media.services import qc_recheck
        from projects import services as project_services

        # A changed genre or spec re-judges the draft cuts' QC (projects does not import media).
        if qc_recheck not in project_services.SPEC_CHANGED:
            project_services.SPEC_CHANGED.append(qc_recheck)
