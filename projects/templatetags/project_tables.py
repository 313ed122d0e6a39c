"""The body of a project table (the list's rows, ``projects.views._table_rows``), written in Python.

Fifty rows through the template language were half of the list page's CPU (~5 ms of ~11 on a quiet
machine): each ``{{ p.title }}`` is a variable lookup (``p["title"]``, then ``getattr`` fallbacks),
``localize``, ``conditional_escape``, and each row's ``{% url %}`` a full ``reverse``. Here a row is
one ``format_html`` (the same escaping) and the project's address one ``reverse`` per page.
"""

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from projects.templatetags.schedule_status import NOTHING, rag

register = template.Library()

# The project page's address for any id: its URL pattern takes the id as <int:pk>, written as str(pk).
_PK = 900719925474099
_ROW = (
    '<tr data-project="{pk}">\n'
    '  <td><a href="{url}">{title}</a>{flag}</td>\n'
    "  <td>{unit}</td>\n"
    '  <td><span class="state">{state}</span></td>\n'
    "  <td>{track}</td>\n"
    "  <td>{genre}</td>\n"
    "  <td>{next}</td>\n"
    "  <td>{rag}</td>\n"
    "</tr>\n"
)


@register.simple_tag
def project_rows(rows):
    """The ``<tr>`` of each row of ``_table_rows``, or one saying there are none."""
    if not rows:
        return format_html('<tr><td colspan="7" class="muted">{}</td></tr>\n', gettext("No projects."))
    url = reverse("project-detail", args=[_PK]).split(str(_PK))
    flag = format_html(' <span class="flag" title="{}">⚠</span>', gettext("resembles earlier topics"))
    return format_html_join("", "{}", ((format_html(
        _ROW, pk=row["pk"], url=url[0] + str(row["pk"]) + url[1], title=row["title"],
        flag=flag if row["flagged"] and row["state"] == "topic" else "",
        unit=row["unit_name"], state=row["state_label"], track=row["track"], genre=row["genre"],
        next=format_html("{} · {}", row["next_stage_label"], row["next_due"].isoformat()) if row["next_due"] else NOTHING,
        rag=rag(row["rag"]),
    ),) for row in rows))
