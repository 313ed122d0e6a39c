"""Reading JSON request bodies: one reader for the API's parser and the upload endpoints.

Python's ``json`` accepts what no client of ours sends and what the database cannot store: nesting
thousands deep (a ``RecursionError`` deep inside the decoder), NUL characters (PostgreSQL text
cannot hold them) and lone surrogates such as ``"\\ud800"`` (not encodable as UTF-8). Each becomes a
refusal with a message here, before any view sees the data.
"""

import json

from django.conf import settings
from django.utils.translation import gettext as _

from studio.errors import Invalid, TooLarge

MAX_DEPTH = 32


def loads(raw: bytes | str):
    """Parse and check one JSON document, or raise :class:`Invalid`."""
    try:
        data = json.loads(raw)
    except RecursionError:
        raise Invalid(_("The JSON is nested too deeply.")) from None
    except (ValueError, UnicodeDecodeError):
        raise Invalid(_("The request body is not valid JSON.")) from None
    check_text(data)
    return data


def read(stream, *, limit: int | None = None):
    """Read a body from a file-like ``stream`` (a request, or DRF's stream of one): at most
    ``limit`` bytes (``DATA_UPLOAD_MAX_MEMORY_SIZE``), so an oversized body is refused with a
    JSON answer in every mode instead of Django's own 400 page. An empty body is ``{}``."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE if limit is None else limit
    raw = stream.read(limit + 1)
    if len(raw) > limit:
        raise TooLarge(_("The request is larger than %(kb)s KB.") % {"kb": limit // 1024})
    return loads(raw) if raw.strip() else {}


def check_text(data) -> None:
    """Refuse structures nested deeper than ``MAX_DEPTH`` and strings with NUL or lone surrogates
    (the message names where: ``shots[0].picture``)."""
    stack = [(data, 1, "")]
    while stack:
        value, depth, where = stack.pop()
        if depth > MAX_DEPTH:
            raise Invalid(_("The JSON is nested too deeply."))
        if isinstance(value, dict):
            for key, item in value.items():
                path = f"{where}.{key}" if where else str(key)
                if not text_ok(key):
                    raise Invalid(_("Text may not contain NUL or unpaired surrogate characters."))
                stack.append((item, depth + 1, path))
        elif isinstance(value, list):
            stack.extend((item, depth + 1, f"{where}[{index}]") for index, item in enumerate(value))
        elif isinstance(value, str) and not text_ok(value):
            raise Invalid(_("%(field)s: text may not contain NUL or unpaired surrogate characters.")
                          % {"field": where or "JSON"})


def text_ok(value: str) -> bool:
    """False for text PostgreSQL or UTF-8 cannot hold: NUL, or a lone surrogate."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def validated(serializer_class, data) -> dict:
    """``data`` checked by a DRF serializer, or :class:`Invalid` naming the first wrong field."""
    if not isinstance(data, dict):
        raise Invalid(_("Send a JSON object."))
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        field, problems = next(iter(serializer.errors.items()))
        problem = problems[0] if isinstance(problems, list) else problems
        raise Invalid(f"{field}: {problem}")
    return serializer.validated_data
