from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from media.models import Cut, QCWaiver, Rendition, Upload
from projects.admin import ViewOnly

# Cuts are versions of the film and their QC verdicts and waivers are part of the record: they
# change only through media.services (upload, processing, QC waiver), never here.


class RenditionInline(ViewOnly, admin.TabularInline):
    model = Rendition
    fields = ["kind", "key", "size"]


@admin.register(Cut)
class CutAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["original_name", "project", "version", "status", "qc_passed", "qc_waived", "size", "created_at"]
    list_filter = ["status", "qc_passed"]
    list_select_related = ["deliverable__project__topic"]
    search_fields = ["original_name", "deliverable__project__topic__title"]
    inlines = [RenditionInline]

    @admin.display(description=_("project"), ordering="deliverable__project")
    def project(self, cut):
        return cut.deliverable.project

    @admin.display(description=_("version"), ordering="deliverable__version")
    def version(self, cut):
        return cut.deliverable.version

    @admin.display(description=_("QC waived"), boolean=True)
    def qc_waived(self, cut):
        return bool(cut.qc_waiver_reason)


@admin.register(Upload)
class UploadAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["filename", "project", "user", "status", "received", "size", "created_at"]
    list_filter = ["status"]
    list_select_related = ["project__topic", "user"]
    search_fields = ["filename", "project__topic__title"]


@admin.register(Rendition)
class RenditionAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["cut", "kind", "size", "key"]
    list_filter = ["kind"]
    list_select_related = ["cut__deliverable"]
    search_fields = ["key"]


@admin.register(QCWaiver)
class QCWaiverAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["cut", "user", "created_at", "reason"]
    list_select_related = ["cut__deliverable", "user"]
    search_fields = ["reason", "cut__original_name"]
