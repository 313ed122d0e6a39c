from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediaConfig(AppConfig):
    name = "media"
    label = "media"
    verbose_name = _("Cuts and media")

    def ready(self):
        from media.services import cut_submit_refusals, deliverable_cut_exhibit, qc_recheck
        from projects import exhibits
        from projects.rules import GATE_CHECKS
        from projects import services as project_services

        # A changed genre or spec re-judges the draft cuts' QC (projects does not import media).
        if qc_recheck not in project_services.SPEC_CHANGED:
            project_services.SPEC_CHANGED.append(qc_recheck)

        # The stage review and the version page show a cut with its player and QC.
        exhibits.SHOWN_BY["cut"] = deliverable_cut_exhibit

        # Why a cut may not be submitted yet, in words the producer can act on (QC failed: ask
        # for a waiver; a request is waiting; still processing).
        if cut_submit_refusals not in GATE_CHECKS.setdefault("submit_cut", []):
            GATE_CHECKS["submit_cut"].insert(0, cut_submit_refusals)

        # The office's waiver requests and the producer's failed cuts on the to-do dashboard.
        from media import todo as media_todo
        from projects import todo

        for make, after in ((media_todo.waiver_requests, todo.deliverables_to_review),
                            (media_todo.cuts_to_act_on, todo.returned_to_me)):
            if make not in todo.SECTIONS:
                todo.SECTIONS.insert(todo.SECTIONS.index(after) + 1, make)

        # Uploads, waivers and waiver requests on the project's timeline.
        from media.timeline import media_events
        from projects import timeline

        timeline.register(media_events, kinds=("upload", "waiver"))
