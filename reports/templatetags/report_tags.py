"""One table cell of the report: the figure formatted for reading, its exact value in
``data-value`` (what the tests compare with the API and the XLSX), and the link to the projects
behind it when it has one."""

import json

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()


def figure(value, percent=False) -> str:
    if value is None:
        return "—"
    if percent:
        return f"{number_format(value * 100, 1)}%"
    if isinstance(value, float):
        return number_format(value, 2) if value != int(value) else number_format(int(value))
    return number_format(value, force_grouping=True)


@register.simple_tag
def cell(section, table, row, column):
    value = row.values.get(column)
    shown = figure(value, table.is_percent(row, column))
    link = row.links.get(column)
    ident = f"{section.key}.{table.key}.{row.key}.{column}"
    data = json.dumps(value)
    if link:
        return format_html('<td class="num" data-cell="{}" data-value="{}"><a href="{}">{}</a></td>', ident, data, link, shown)
    return format_html('<td class="num" data-cell="{}" data-value="{}">{}</td>', ident, data, shown)


@register.simple_tag
def chart_for(charts, section, table):
    return charts.get(f"{section.key}.{table.key}", "")


@register.filter
def css_string(value) -> str:
    """A CSS string literal (for @page margin boxes), every character outside plain ASCII
    letters and digits escaped, so no text can close the string, the rule or the <style>; safe
    as it stands (HTML escaping would put &quot; into CSS, where entities mean nothing)."""
    return mark_safe('"' + "".join(ch if ch.isascii() and ch.isalnum() or ch == " " else f"\\{ord(ch):06x}" for ch in str(value)) + '"')


@register.filter
def get_item(mapping, key):
    return mapping.get(key)
