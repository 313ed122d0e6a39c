"""Notifications: stored as a code with parameters, worded in the reader's language when the list
is read, and mailed (console backend in the embedded default, SMTP by environment) after commit.

None of them carries a score; a verdict goes to members only once they submitted their own card
for that cut (``reviews.rules.sees_panel_work``), so a notice never opens the blind early.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from reviews.models import Notification

log = logging.getLogger(__name__)

TEXTS = {
    "assigned": _("You sit on the panel for the session “%(session)s”."),
    "scoring": _("Scoring has started in “%(session)s”: your cuts are waiting."),
    "returned": _("“%(film)s” was returned by the panel with %(items)s rectification items."),
    "answered": _("The producer answered your rectification item on “%(film)s”."),
    "decided": _("The office confirmed the verdict on “%(film)s”: %(verdict)s."),
    "waiver_requested": _("%(unit)s asks to waive technical QC of “%(film)s” v%(v)s: %(reason)s"),
    "waiver_granted": _("The office waived technical QC of “%(film)s” v%(v)s: it may go to the panel."),
    "waiver_declined": _("The office declined the QC waiver of “%(film)s” v%(v)s: %(answer)s"),
}


def render(kind: str, params: dict) -> str:
    from reviews.models import Verdict

    values = dict(params)
    if "verdict" in values:
        values["verdict"] = Verdict(values["verdict"]).label
    return str(TEXTS[kind]) % values


def notify(users, kind: str, params: dict, link: str = "") -> None:
    rows = [Notification(user=u, kind=kind, params=params, link=link) for u in {u.pk: u for u in users}.values()]
    Notification.objects.bulk_create(rows)
    recipients = [u.email for u in {u.pk: u for u in users}.values() if u.email]
    if recipients:
        # Written now under the site's language (users keep no language preference): a mail
        # cannot be re-worded once sent.
        with translation.override(settings.LANGUAGE_CODE):
            subject, body = str(_("Reelwork panel notice")), render(kind, params)
        transaction.on_commit(lambda: _send(subject, body + ("\n\n" + link if link else ""), recipients))


def _send(subject, body, recipients):
    # A mail server that is down must not undo what was decided; the in-app notice stays.
    try:
        send_mail(subject, body, None, recipients)
    except OSError:
        log.warning("notification mail to %s not sent", recipients, exc_info=True)


def waiver_notice(kind: str, waiver_request) -> None:
    """A waiver request goes to the office's people; its answer to whoever asked
    (registered in ``media.services.WAIVER_NOTICES``)."""
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from studio import roles

    cut = waiver_request.cut
    project = cut.deliverable.project
    params = {"film": project.title, "v": cut.deliverable.version}
    if kind == "waiver_requested":
        users = get_user_model().objects.filter(groups__name=roles.OFFICE, is_active=True).distinct()
        params.update(unit=project.unit.name, reason=waiver_request.reason)
    else:
        users = [waiver_request.requested_by]
        if kind == "waiver_declined":
            params["answer"] = waiver_request.answer
    notify(list(users), kind, params, reverse("cut-detail", args=[cut.pk]) + "#qc")
