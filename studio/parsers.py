"""The API's JSON parser: DRF's, reading through :mod:`studio.jsonbody` (size limit, depth, text)."""

from rest_framework.parsers import JSONParser as DRFJSONParser

from studio import jsonbody


class JSONParser(DRFJSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        if stream is None:
            return {}
        return jsonbody.read(stream)
