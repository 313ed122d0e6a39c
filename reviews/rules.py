"""Who may see and do what in a panel, each rule written once.

The ``check_*`` functions raise the refusal a user reads (``studio.errors``); services call them
before changing anything and :func:`entry_actions` evaluates them, without side effects, into the
record the room page, the queue and the API read.

Blind review is one predicate, :func:`sees_panel_work`, read by every page, fragment, API answer,
export and notification that could show a member another member's work; the session's
``visibility`` setting decides when it opens (after the member's own submission, or only after the
session closes), like pretalx's review phases.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from projects.models import Deliverable, State
from projects.rules import Verdict, verdict
from reviews.models import Comment, Entry, Item, Member, Phase, Scorecard, Session, Visibility
from studio import roles
from studio.errors import Conflict, Forbidden


def convenes(user) -> bool:
    """The education office forms panels, opens sessions and confirms verdicts."""
    return roles.is_office(user)


def seat(session: Session, user) -> Member | None:
    """The user's seat on the session's panel, if they have one (cached on the session)."""
    if not getattr(user, "is_authenticated", False):
        return None
    cache = session.__dict__.setdefault("_seats", {})
    if user.pk not in cache:
        cache[user.pk] = Member.objects.filter(panel_id=session.panel_id, user=user).select_related("user").first()
    return cache[user.pk]


def exclusion(entry: Entry, member: Member) -> str:
    """Why ``member`` may not judge this cut ("" when they may): a member of the producing unit is
    excluded without asking; other conflicts are those the office recorded."""
    unit_ids = roles.unit_ids_of(member.user)
    if entry.project.unit_id in unit_ids:
        return _("a member of the producing unit (%(unit)s)") % {"unit": entry.project.unit.name}
    declared = next((r for r in entry.recusals.all() if r.member_id == member.pk), None)
    return _("declared conflict: %(reason)s") % {"reason": declared.reason} if declared else ""


def card_of(entry: Entry, member: Member | None) -> Scorecard | None:
    if member is None:
        return None
    return next((c for c in entry.cards.all() if c.member_id == member.pk), None)


def sees_panel_work(user, entry: Entry) -> bool:
    """May ``user`` see the other members' scores, verdicts and private comments on this cut?"""
    if convenes(user):
        return True
    member = seat(entry.session, user)
    if member is None or exclusion(entry, member):
        return False
    if entry.session.visibility == Visibility.AFTER_CLOSE:
        return entry.session.phase == Phase.CLOSED
    card = card_of(entry, member)
    return card is not None and card.submitted


def sees_comment(user, comment: Comment, entry: Entry) -> bool:
    """Own comments always; a comment not private to the panel to every member; the rest once
    :func:`sees_panel_work` opens."""
    return comment.author_id == user.pk or not comment.private or sees_panel_work(user, entry)


def check_session_editable(session: Session, user) -> None:
    """The queue, members and weights are set while the session is open."""
    if not convenes(user):
        raise Forbidden(_("Only the education office manages panel sessions."))
    if session.phase != Phase.OPEN:
        raise Conflict(_("The queue and the weights are fixed once scoring has started."))


def check_not_closed(session: Session) -> None:
    if session.phase == Phase.CLOSED:
        raise Conflict(_("This panel session is closed: nothing in it can change."))


def check_can_score(entry: Entry, user) -> Member:
    """The member may fill in (and submit) a scorecard for this cut now; returns their seat."""
    member = seat(entry.session, user)
    if member is None:
        raise Forbidden(_("Only members of this panel score its cuts."))
    check_not_closed(entry.session)
    if entry.session.phase != Phase.SCORING:
        raise Conflict(_("Scoring has not started in this session."))
    if why := exclusion(entry, member):
        raise Forbidden(_("You are excluded from this cut: %(why)s.") % {"why": why})
    if hasattr(entry, "decision"):
        raise Conflict(_("The office has confirmed the verdict on this cut."))
    card = card_of(entry, member)
    if card is not None and card.submitted:
        raise Conflict(_("You have already submitted your scorecard for this cut."))
    return member


def check_can_comment(entry: Entry, user) -> None:
    if not convenes(user):
        member = seat(entry.session, user)
        if member is None:
            raise Forbidden(_("Only panel members and the office comment on the panel's cuts."))
        if why := exclusion(entry, member):
            raise Forbidden(_("You are excluded from this cut: %(why)s.") % {"why": why})
    check_not_closed(entry.session)


def check_can_resolve(comment: Comment, user) -> None:
    if not (convenes(user) or comment.author_id == user.pk):
        raise Forbidden(_("Only the comment's author or the office resolves it."))
    check_not_closed(comment.entry.session)
    if hasattr(comment, "item"):
        raise Conflict(_("This comment is a rectification item: close it as an item."))


def check_can_decide(entry: Entry, user) -> None:
    if not convenes(user):
        raise Forbidden(_("Only the education office confirms panel verdicts."))
    check_not_closed(entry.session)
    if entry.session.phase != Phase.SCORING:
        raise Conflict(_("Verdicts are confirmed once scoring has started."))
    if hasattr(entry, "decision"):
        raise Conflict(_("The verdict on this cut has already been confirmed."))
    # No newer version can be written while one is submitted, so "this cut's version is the
    # submitted one" is the whole test (and needs no query beyond the entry's own rows).
    if entry.project.state != State.PANEL_REVIEW or entry.cut.deliverable.status != Deliverable.Status.SUBMITTED:
        raise Conflict(_("This cut is no longer the one under panel review."))


def check_can_answer(item: Item, user) -> None:
    """The producer answers an open item with the next version, while it is in production."""
    if not roles.produces(user, item.project):
        raise Forbidden(_("Only the producing unit answers rectification items."))
    if item.status == Item.Status.CLOSED:
        raise Conflict(_("This item is closed."))
    if item.project.state != State.PRODUCTION:
        raise Conflict(_("Items are answered while the project is back in production."))
    if answering_version(item) is None:
        raise Conflict(_("Upload the new version of the cut first, then answer the items against it."))


def answering_version(item: Item) -> Deliverable | None:
    """The version an answer is tied to: the project's latest cut, once it is newer than the one
    the item was raised on (None before the producer has uploaded it)."""
    raised_in = item.comment.entry.cut.deliverable.version
    latest = item.project.deliverables.filter(kind="cut").order_by("-version").first()
    return latest if latest is not None and latest.version > raised_in else None


def check_can_settle(item: Item, user) -> None:
    """Closing or reopening an item: the member who raised it, or the office, while the panel has
    the answered version in review."""
    if not (convenes(user) or item.comment.author_id == user.pk):
        raise Forbidden(_("Only the member who raised this item, or the office, closes or reopens it."))
    if item.project.state != State.PANEL_REVIEW:
        raise Conflict(_("Items are closed when the next version is in panel review."))


def open_items_refusal(project) -> list[str]:
    """``pass_panel`` is refused while rectification items stay open (registered in apps.py)."""
    codes = _pending_codes(Item.objects.filter(project=project).exclude(status=Item.Status.CLOSED))
    return [_("Rectification items are still open: %(items)s. The panel closes them first.") % {"items": codes}] if codes else []


def unanswered_items_refusal(project) -> list[str]:
    """``submit_cut`` is refused while an item is unanswered (registered in apps.py)."""
    codes = _pending_codes(Item.objects.filter(project=project, status=Item.Status.OPEN))
    return [_("Answer every rectification item before submitting the cut: %(items)s.") % {"items": codes}] if codes else []


def _pending_codes(items) -> str:
    """The items named as the refusals name them (#id and time code), or "" when there are none."""
    from reviews import timecode

    return "、".join(_item_code(item, timecode) for item in items.select_related("comment__entry__cut"))


def _item_code(item: Item, timecode) -> str:
    comment = item.comment
    if comment.frame is None:
        return f"#{item.pk}"
    return f"#{item.pk} {timecode.to_timecode(comment.frame, timecode.fps_of(comment.entry.cut))}"


@dataclass(frozen=True)
class EntryActions:
    member: Member | None
    excluded: str  # why the user is excluded from this cut ("" if not)
    card: Scorecard | None
    sees_panel: bool  # the blind predicate
    score: Verdict
    comment: Verdict
    decide: Verdict


def entry_actions(entry: Entry, user) -> EntryActions:
    member = seat(entry.session, user)
    return EntryActions(
        member=member,
        excluded=exclusion(entry, member) if member else "",
        card=card_of(entry, member),
        sees_panel=sees_panel_work(user, entry),
        score=verdict(check_can_score, entry, user),
        comment=verdict(check_can_comment, entry, user),
        decide=verdict(check_can_decide, entry, user),
    )
