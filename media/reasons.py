"""Why a cut's processing failed or an upload was refused: stored as a code and its parameters,
worded here when someone reads it, in the reader's language (STYLE.md: store facts, render words).

The ffmpeg wrapper's own codes (``ffmpeg.MESSAGES``) are reasons too. ``text`` is the legacy code
of rows written before reasons were data: their sentence is kept as it was written."""

from django.utils.translation import gettext_lazy as _

from media import ffmpeg

LEGACY = "text"

MESSAGES = {
    LEGACY: "%(text)s",
    "storage": _(
        "The previews could not be stored after %(attempts)s attempts: the storage is unavailable. "
        "Upload the cut again later; if it keeps happening, tell the administrator."
    ),
    "worker_lost": _(
        "Processing was interrupted %(attempts)s times (the worker stopped). Tell the administrator; "
        "the file itself is kept."
    ),
    "internal": _(
        "Processing stopped on an unexpected error after %(attempts)s attempts. The administrator has the "
        "technical detail; the file itself is kept."
    ),
    "size_mismatch": _("The stored file is not the size declared: upload it again."),
    "parts_damaged": _(
        "Parts %(parts)s arrived damaged (their checksum differs from your file's): upload the file again."
    ),
    "checksum_mismatch": _("The file's checksum does not match: it was damaged on the way. Upload it again."),
    "not_in_production": _("Cuts are uploaded while the project is in production; it is in “%(state)s”."),
    "under_review": _("Version %(v)s is under review: wait for the decision."),
    "not_allowed": _("You may no longer upload cuts to this project."),
    "storage_unreachable": _(
        "The file could not be checked: the storage did not answer after %(attempts)s attempts. Upload it again later."
    ),
    "verify_lost": _(
        "Checking the file was interrupted %(attempts)s times (the worker stopped). Upload it again; if it "
        "happens again, tell the administrator."
    ),
}


def render(code: str, params: dict | None = None) -> str:
    """The reason ``code`` in the active language; "" for no reason."""
    if not code:
        return ""
    params = dict(params or {})
    if code == "not_in_production":
        from projects.models import State

        params["state"] = State(params["state"]).label if params.get("state") in State.values else params.get("state")
    if code in MESSAGES:
        return str(MESSAGES[code]) % params
    return ffmpeg.message_for(code, params)
