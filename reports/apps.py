from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        # The dashboard shows the schedule as a timeline; projects knows nothing of reports.
        from projects.views import DASHBOARD_PANELS, PROJECT_SCHEDULE_PANELS
        from reports.views import dashboard_panel, project_schedule_panel

        DASHBOARD_PANELS.append(dashboard_panel)
        PROJECT_SCHEDULE_PANELS.append(project_schedule_panel)
