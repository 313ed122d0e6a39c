from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("Expert panels")

    def ready(self):
        # The rectification loop adds its conditions to the project's own transitions, so that
        # projects imports nothing of reviews (dependencies point one way).
        from media.services import WAIVER_NOTICES
        from projects.rules import GATE_CHECKS
        from reviews import notify, rules

        GATE_CHECKS.setdefault("submit_cut", []).append(rules.unanswered_items_refusal)
        GATE_CHECKS.setdefault("pass_panel", []).append(rules.open_items_refusal)
        # Waiver requests and their answers are told through the panel's notifications.
        WAIVER_NOTICES.append(notify.waiver_notice)
