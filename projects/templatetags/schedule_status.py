"""The colour of a milestone or a project (三色预警) as the reader sees it: its words
(``schedule.WORDS``) and classes, for every table that shows one.

A simple tag rather than an included template: the project tables show one per row, and an
``{% include %}`` costs a context push and a template render each (~60 µs, a tenth of a 50-row page).
"""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from projects.schedule import WORDS

register = template.Library()

NOTHING = mark_safe('<span class="muted">—</span>')


@register.simple_tag
def rag(status):
    """``status`` is one of ``schedule``'s colours, or empty for a project with nothing planned."""
    if status in WORDS:
        return format_html('<span class="rag {}">{}</span>', status, WORDS[status])
    return NOTHING
