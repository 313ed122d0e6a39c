"""The annual report's pages and files. Each view: access first, then the one report function.

``/reports/<year>/`` (``?call=<id>`` for one topic call of the year) shows the sections the reader
may read; ``…/projects/`` lists the projects behind a figure (the office); ``…/export.xlsx`` and
``…/export.csv`` are the same report as files.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from projects.models import TopicCall
from projects.models.workflow import OPEN_STATES
from reports import access, charts, exports, selectors
from reports.report import annual_report, timeline_table
from studio import roles
from studio.errors import Invalid

PAGE_SIZE = 50


def office_name() -> str:
    return settings.REELWORK_OFFICE_NAME or _("Education office")


DASHBOARD_TIMELINE_ROWS = 12


def dashboard_panel(request, visible, *, today, calendar) -> str:
    """The dashboard's timeline: the reader's open projects, the most pressing first, each
    milestone coloured by its traffic light; and the way to the annual report for its readers."""
    projects = selectors.timeline(visible, limit=DASHBOARD_TIMELINE_ROWS)
    reads_report = roles.is_office(request.user) or roles.is_organiser(request.user)
    if not projects and not reads_report:
        return ""
    return render_to_string("reports/_dashboard_timeline.html", {
        "chart": charts.dashboard_timeline(projects, today=today, calendar=calendar),
        "table": timeline_table(projects, today, calendar), "reads_report": reads_report, "year": today.year,
    }, request=request)


def project_schedule_panel(request, project, milestones, *, today, calendar) -> str:
    """The project page's schedule as a timeline: its milestones (the page's, read once) against
    today, coloured by their traffic lights, above the page's own table of them. An open project
    with a schedule only, as ``selectors.timeline`` chooses (a closed one has no traffic light); the
    page has checked who may see the project."""
    if project.state not in OPEN_STATES or not milestones:
        return ""
    return format_html('<figure class="chart" id="project-timeline" style="max-width:760px;margin:0">{}</figure>',
                       charts.project_timeline(project, milestones, today=today, calendar=calendar))


@require_GET
@login_required
def report_home(request):
    access.sections_for(request.user)
    return redirect("report", year=timezone.localdate().year)


@require_GET
@login_required
def report(request, year):
    scope, sections = access.scope_for(request.user, year, request.GET.get("call"))
    result = annual_report(scope, sections=sections, drill="films" in sections)
    years = sorted(set(TopicCall.objects.values_list("year", flat=True)) | {year, timezone.localdate().year}, reverse=True)
    return render(request, "reports/report.html", {
        "report": result, "charts": charts.report_charts(result), "office_name": office_name(),
        "calls": TopicCall.objects.filter(year=year).order_by("opens_on", "pk") if "films" in sections else [],
        "years": years, "query": request.GET.urlencode(),
    })


@require_GET
@login_required
def report_projects(request, year):
    scope = access.scope_to_drill(request.user, year, request.GET.get("call"))
    try:
        rows = selectors.projects_behind(scope, request.GET).select_related("topic", "unit", "genre", "track").order_by("-created_at", "-pk")
        page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    except Invalid as refusal:
        return render(request, "reports/projects.html", {"year": year, "error": refusal.message, "page": None}, status=400)
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "reports/projects.html", {"year": year, "page": page, "params": params.urlencode()})


@require_GET
@login_required
def report_export(request, year, fmt):
    scope, sections = access.scope_for(request.user, year, request.GET.get("call"))
    result = annual_report(scope, sections=sections, drill=False)
    if fmt == "xlsx":
        body, content_type = exports.as_xlsx(result, office_name()), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    elif fmt == "csv":
        body, content_type = exports.as_csv(result), "text/csv; charset=utf-8"
    else:
        raise Http404
    name = f"reelwork-report-{year}" + (f"-call-{scope.call_id}" if scope.call_id else "")
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
