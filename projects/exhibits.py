"""How a version of a deliverable shows itself on a page: the script text, the storyboard, the cut.

The stage review, the version page and the cut page show the same thing through one function
per kind, so the reviewer reads the deliverable beside the checklist instead of walking back to
find it. Apps built on projects show their own kinds: media registers the cut (with its player,
subtitles and QC findings) from its AppConfig, because projects imports nothing of media.

An exhibit is a dict: ``template`` (a partial that reads ``exhibit.*``) and what it needs.
"""

from projects.models import Deliverable

# kind → function(deliverable, user) → exhibit dict
SHOWN_BY: dict = {}


def _script(deliverable, user):
    return {"template": "projects/_exhibit_script.html", "deliverable": deliverable}


def _storyboard(deliverable, user):
    return {"template": "projects/_exhibit_storyboard.html", "deliverable": deliverable,
            "shots": list(deliverable.shots.all())}


def _missing(deliverable, user):
    # A cut version whose file is not registered yet (or media is not installed): say so.
    return {"template": "projects/_exhibit_missing.html", "deliverable": deliverable}


SHOWN_BY[Deliverable.Kind.SCRIPT] = _script
SHOWN_BY[Deliverable.Kind.STORYBOARD] = _storyboard


def exhibit(deliverable: Deliverable, user) -> dict:
    """What the page shows of ``deliverable`` for ``user`` (who may already see it)."""
    return SHOWN_BY.get(deliverable.kind, _missing)(deliverable, user) or _missing(deliverable, user)
