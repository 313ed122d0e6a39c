"""Template filters for ``studio.words``: ``{{ user|person }}``, ``{{ seconds|duration }}``,
``{{ score|likeness }}``."""

from django import template

from studio import words

register = template.Library()
register.filter("person", words.person)
register.filter("duration", words.duration)
register.filter("likeness", words.likeness)
