"""The API's JSON parser, reading through :mod:`studio.jsonbody` (size limit, depth, text).

Not a subclass of DRF's ``JSONParser``: DRF reads ``request.body`` up front for that one, and an
oversized body then raises Django's ``RequestDataTooBig`` outside DRF's error handling (an HTML
400 page). Reading the stream here refuses it with a JSON 413 like every other refusal.
"""

from rest_framework.parsers import BaseParser
from rest_framework.renderers import JSONRenderer

from studio import jsonbody


class JSONParser(BaseParser):
    media_type = "application/json"
    renderer_class = JSONRenderer

    def parse(self, stream, media_type=None, parser_context=None):
        return jsonbody.read(stream) if stream is not None else {}
