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
