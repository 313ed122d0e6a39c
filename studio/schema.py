"""The OpenAPI schema: every refusal an endpoint can answer, and the upload endpoints.

drf-spectacular documents the success answer only; ``AutoSchema`` adds the 4xx each operation
can really give (the answers' bodies are ``{"detail": …}``, a 400 from a serializer is an object
of field errors). The cut upload endpoints (``media/views.py``) are plain Django views, outside
what drf-spectacular sees: ``add_upload_endpoints`` describes them by hand, so a change to their
answers must be made here too (``tests/test_schemathesis.py`` checks the two agree).
"""

from drf_spectacular import openapi
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


# A 400 is either {"detail": …} or a serializer's {"field": ["message", …], …}.
INVALID = {"type": "object", "additionalProperties": {}, "description": "What to correct, as detail or per field."}
RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait.", "required": True}}
CHALLENGE = {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Token", "required": True}}

REFUSALS = {
    "400": "The input is wrong: the message says what to correct.",
    "401": "No or wrong credentials: send Authorization: Token <key>.",
    "403": "The caller sees the object, but their role may not do this.",
    "404": "No such object, or the caller may not see it.",
    "409": "The object's state does not allow this now, or someone changed it meanwhile.",
    "415": "The body is not JSON.",
    "429": "Too many failed sign-ins or anonymous calls: wait Retry-After seconds.",
    "503": "The object storage is unreachable: nothing changed, try again later.",
}


class AutoSchema(openapi.AutoSchema):
    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if (direction == "request" and isinstance(field, serializers.CharField) and field.trim_whitespace
                and not field.allow_blank and "pattern" not in schema):
            # DRF strips the value before checking it is not blank: "  " is refused like "".
            schema["pattern"] = r"\S"
        return schema

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._refusal_codes():
            if code not in responses:
                responses[code] = self._get_response_for_code(INVALID if code == "400" else ErrorSerializer, code)
                responses[code]["description"] = REFUSALS[code]
        responses["401"]["headers"] = CHALLENGE
        responses["429"]["headers"] = RETRY_AFTER
        return responses

    def _refusal_codes(self):
        codes = ["401", "403", "429"]
        writes = self.method in ("POST", "PUT", "PATCH", "DELETE")
        if writes or any(p["in"] == "query" for p in self._get_parameters()):
            codes.append("400")
        if "{" in self.path or self._get_paginator():
            codes.append("404")  # a paginated list answers 404 to a page past its end
        if writes:
            codes += ["409", "415"]
        return sorted(codes)


def _json(schema):
    return {"application/json": {"schema": schema}}


# A refused chunk or completion also carries the upload's state (Error allows more properties),
# so the client knows where to resume.
def _refusal(code, *, html=False):
    content = _json({"$ref": "#/components/schemas/Error"})
    if html:
        # get_object_or_404 in a plain Django view: the site's HTML 404 page.
        content = {"text/html": {"schema": {"type": "string"}}}
    response = {"description": REFUSALS.get(code, "Refused."), "content": content}
    if code == "401":
        response["description"] = "Signed out: sign in again (an upload resumes where it stopped)."
    return response


UPLOAD_STATE = {
    "type": "object",
    "required": ["id", "offset", "size", "status", "cut", "error", "chunk_size", "mode"],
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "offset": {"type": "integer"},
        "size": {"type": "integer"},
        "status": {"type": "string", "enum": ["open", "verifying", "complete", "failed", "aborted"]},
        "cut": {"type": "integer", "nullable": True},
        "error": {"type": "string"},
        "chunk_size": {"type": "integer"},
        "mode": {"type": "string", "enum": ["local", "s3"]},
        "part_size": {"type": "integer"},
        "parts_total": {"type": "integer"},
        "parts": {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}},
    },
}
UPLOAD_ID = {"name": "upload_id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}
SESSION = [{"cookieAuth": []}]
SESSION_AND_CSRF = [{"cookieAuth": [], "csrfCookie": [], "csrfHeader": []}]


def _operation(op_id, summary, *, security, ok, refusals, html404=True, **extra):
    responses = {**ok, "405": {"description": "Method not allowed."}}
    for code in refusals:
        responses[code] = _refusal(code, html=html404 and code == "404")
    if "403" in responses and security is SESSION_AND_CSRF:
        # a missing CSRF token is refused by Django's CSRF page, in HTML
        responses["403"]["content"] = {**responses["403"]["content"], "text/html": {"schema": {"type": "string"}}}
    if op_id != "uploads_start":
        extra["parameters"] = [UPLOAD_ID, *extra.get("parameters", [])]
    return {"operationId": op_id, "summary": summary, "tags": ["uploads"], "security": security,
            "responses": responses, **extra}


def _upload_paths():
    state = {"description": "The upload's state.", "content": _json({"$ref": "#/components/schemas/UploadState"})}
    return {
        "/projects/{id}/uploads/": {
            "post": _operation(
                "uploads_start", "Start uploading a cut: the answer says how to send the bytes (local or s3).",
                security=SESSION_AND_CSRF, ok={"201": state}, refusals=["400", "401", "403", "404", "409", "503"],
                parameters=[{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                requestBody={"required": True, "content": _json({
                    "type": "object", "required": ["filename", "size", "sha256"],
                    "properties": {"filename": {"type": "string"}, "size": {"type": "integer"},
                                   "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"}, "note": {"type": "string"}},
                })},
            ),
        },
        "/uploads/{upload_id}/": {
            "get": _operation(
                "uploads_state", "Where to resume from; for s3 uploads the parts the bucket holds.",
                security=SESSION, ok={"200": state}, refusals=["401", "404", "503"],
            ),
            "put": _operation(
                "uploads_chunk", "Send one chunk of a local upload; the last one registers the cut.",
                security=SESSION_AND_CSRF, ok={"200": state}, refusals=["400", "401", "403", "404", "409", "503"],
                parameters=[
                    {"name": "Content-Range", "in": "header", "required": True,
                     "schema": {"type": "string", "pattern": r"^bytes \d+-\d+/\d+$"}},
                    {"name": "X-Chunk-SHA256", "in": "header", "required": False, "schema": {"type": "string"}},
                ],
                requestBody={"required": True, "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
            ),
        },
        "/uploads/{upload_id}/part-urls/": {
            "get": _operation(
                "uploads_part_urls", "Presigned URLs to PUT parts of an s3 upload straight to the bucket.",
                security=SESSION, refusals=["400", "401", "403", "404", "409", "503"],
                ok={"200": {"description": "Part number → URL.", "content": _json({
                    "type": "object", "required": ["urls"],
                    "properties": {"urls": {"type": "object", "additionalProperties": {"type": "string"}}},
                })}},
                parameters=[{"name": "first", "in": "query", "schema": {"type": "integer", "default": 1}},
                            {"name": "count", "in": "query", "schema": {"type": "integer", "default": 20}}],
            ),
        },
        "/uploads/{upload_id}/complete/": {
            "post": _operation(
                "uploads_complete", "All parts of an s3 upload are in the bucket: check them and register the cut.",
                security=SESSION_AND_CSRF, refusals=["400", "401", "403", "404", "409", "503"],
                ok={"202": {"description": "Being checked: poll the upload's state.",
                            "content": _json({"$ref": "#/components/schemas/UploadState"})}},
                requestBody={"required": True, "content": _json({
                    "type": "object", "required": ["parts"],
                    "properties": {"parts": {"type": "array", "items": {"type": "string"}}},
                })},
            ),
        },
    }


def add_upload_endpoints(result, generator, request, public):
    """drf-spectacular postprocessing hook: the cut upload endpoints of ``media/views.py``."""
    result["paths"].update(_upload_paths())
    components = result.setdefault("components", {})
    components.setdefault("schemas", {})["UploadState"] = UPLOAD_STATE
    components["schemas"].setdefault("Error", {
        "type": "object", "required": ["detail"], "properties": {"detail": {"type": "string"}},
    })
    # The upload endpoints are called by the signed-in browser: session cookie, and for writes
    # Django's CSRF pair (the csrftoken cookie and the same secret in X-CSRFToken).
    schemes = components.setdefault("securitySchemes", {})
    schemes["csrfCookie"] = {"type": "apiKey", "in": "cookie", "name": "csrftoken"}
    schemes["csrfHeader"] = {"type": "apiKey", "in": "header", "name": "X-CSRFToken",
                             "description": "The csrftoken cookie's value."}
    schemes.setdefault("cookieAuth", {"type": "apiKey", "in": "cookie", "name": "sessionid"})
    return result
