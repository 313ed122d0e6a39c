"""Panel use cases, one function each, in the style of ``projects.services``: check the rule,
change the data, fire what follows, in one transaction, so a refusal leaves everything as it was.

The panel's confirmed verdict moves the project through ``projects.services.panel_decision_record``;
nothing here changes a project's state directly.
"""

import math

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed

from projects import services as project_services
from projects.models import State, VideoProject
from reviews import drawing, notify, rules, scoring, timecode
from reviews.models import (
    Comment,
    Criterion,
    Decision,
    Entry,
    Group,
    Item,
    Member,
    Panel,
    Phase,
    Recusal,
    Rubric,
    Score,
    Scorecard,
    Session,
    Verdict,
    Visibility,
)
from studio import limits, roles, words
from studio.errors import Conflict, Forbidden, Invalid

MAX_QUEUE = 200


def _office(user) -> None:
    if not rules.convenes(user):
        raise Forbidden(_("Only the education office manages panels."))


def _text(label, value: str, cap: int) -> str:
    value = (value or "").strip()
    limits.check_lengths((label, value, cap))
    return value


# --- panels and sessions ---------------------------------------------------------------------


@transaction.atomic
def panel_create(*, user, name: str) -> Panel:
    _office(user)
    name = _text(_("The name"), name, 100)
    if not name:
        raise Invalid(_("Give the panel a name."))
    return Panel.objects.create(name=name, created_by=user)


@transaction.atomic
def member_add(*, panel: Panel, user, member_user, group: str) -> Member:
    """Seat a person on the panel in one of the three groups. Members come from user accounts
    with the panelist role."""
    _office(user)
    if group not in Group.values:
        raise Invalid(_("Choose the member's group: expert, leader or grassroots representative."))
    if roles.PANELIST not in roles.roles_of(member_user):
        raise Invalid(_("%(name)s is not a panelist: give the account the panelist role first.") % {"name": words.person(member_user)})
    if panel.sessions.exclude(phase=Phase.OPEN).exists():
        raise Conflict(_("This panel is scoring or has scored: form a new panel for new members."))
    member, created = Member.objects.get_or_create(panel=panel, user=member_user, defaults={"group": group})
    if not created:
        raise Conflict(_("%(name)s already sits on this panel.") % {"name": words.person(member_user)})
    for session in panel.sessions.filter(phase=Phase.OPEN):
        notify.notify([member_user], "assigned", {"session": session.title}, reverse("panel-session", args=[session.pk]))
    return member


@transaction.atomic
def member_remove(*, member: Member, user) -> None:
    _office(user)
    if member.panel.sessions.exclude(phase=Phase.OPEN).exists():
        raise Conflict(_("Members stay once a session of this panel has started scoring."))
    member.delete()


@transaction.atomic
def session_open(*, panel: Panel, user, title: str, rubric: Rubric, weights: dict[str, float] | None = None,
                 visibility: str = Visibility.AFTER_OWN) -> Session:
    """Open a session of the panel on a rubric, with the group weights (equal by default)."""
    _office(user)
    title = _text(_("The title"), title, 120)
    if not title:
        raise Invalid(_("Give the session a title."))
    if not rubric.active or not rubric.criteria.filter(is_veto=False).exists():
        raise Invalid(_("Choose an active rubric with at least one scored criterion."))
    if visibility not in Visibility.values:
        raise Invalid(_("Unknown visibility setting."))
    weights = _clean_weights(weights or {})
    session = Session.objects.create(
        panel=panel, title=title, rubric=rubric, visibility=visibility, created_by=user,
        weight_expert=weights[Group.EXPERT], weight_leader=weights[Group.LEADER], weight_grassroots=weights[Group.GRASSROOTS],
    )
    members = [m.user for m in panel.members.select_related("user")]
    notify.notify(members, "assigned", {"session": session.title}, reverse("panel-session", args=[session.pk]))
    return session


def _clean_weights(weights: dict) -> dict[str, float]:
    cleaned = {}
    for group in Group.values:
        value = weights.get(group, 1.0)
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise Invalid(_("Group weights are numbers.")) from None
        if not math.isfinite(value) or not 0 <= value <= 100:
            raise Invalid(_("Group weights lie between 0 and 100."))
        cleaned[group] = value
    if sum(cleaned.values()) <= 0:
        raise Invalid(_("At least one group needs a weight above zero."))
    return cleaned


@transaction.atomic
def session_update(*, session: Session, user, weights: dict | None = None, visibility: str | None = None) -> Session:
    session = _lock(session)
    rules.check_session_editable(session, user)
    if weights is not None:
        w = _clean_weights(weights)
        session.weight_expert, session.weight_leader, session.weight_grassroots = w[Group.EXPERT], w[Group.LEADER], w[Group.GRASSROOTS]
    if visibility is not None:
        if visibility not in Visibility.values:
            raise Invalid(_("Unknown visibility setting."))
        session.visibility = visibility
    session.save()
    return session


def _lock(session: Session) -> Session:
    """Re-read the session under a row lock: phase changes and edits are serialised on it."""
    fresh = Session.objects.select_for_update().select_related("panel", "rubric").get(pk=session.pk)
    return fresh


@transaction.atomic
def entry_add(*, session: Session, user, project: VideoProject) -> Entry:
    """Put a project's submitted cut at the end of the queue."""
    session = _lock(session)
    rules.check_session_editable(session, user)
    submitted = project.submitted_deliverable("cut") if project.state == State.PANEL_REVIEW else None
    cut = getattr(submitted, "cut", None) if submitted else None
    if cut is None:
        raise Conflict(_("Only projects in panel review, with their cut submitted, join a session's queue."))
    if session.entries.count() >= MAX_QUEUE:
        raise Invalid(_("A session reviews at most %(n)s cuts.") % {"n": MAX_QUEUE})
    if session.entries.filter(cut=cut).exists():
        raise Conflict(_("This cut is already in the queue."))
    position = (session.entries.aggregate(m=Max("position"))["m"] or 0) + 1
    return Entry.objects.create(session=session, project=project, cut=cut, position=position)


@transaction.atomic
def entry_move(*, entry: Entry, user, offset: int) -> None:
    """Move a cut up (-1) or down (+1) the queue."""
    session = _lock(entry.session)
    rules.check_session_editable(session, user)
    order = list(session.entries.order_by("position", "pk"))
    index = next(i for i, e in enumerate(order) if e.pk == entry.pk)
    target = index + (1 if offset > 0 else -1)
    if 0 <= target < len(order):
        order[index], order[target] = order[target], order[index]
    for position, e in enumerate(order, start=1):
        if e.position != position:
            Entry.objects.filter(pk=e.pk).update(position=position)


@transaction.atomic
def entry_remove(*, entry: Entry, user) -> None:
    session = _lock(entry.session)
    rules.check_session_editable(session, user)
    entry.delete()


@transaction.atomic
def recusal_record(*, entry: Entry, user, member: Member, reason: str) -> Recusal:
    """Record a declared conflict of interest: the member is excluded from this cut."""
    session = _lock(entry.session)
    rules.check_session_editable(session, user)
    if member.panel_id != session.panel_id:
        raise Invalid(_("This person does not sit on the session's panel."))
    reason = _text(_("The reason"), reason, 200)
    if not reason:
        raise Invalid(_("Say what the conflict of interest is."))
    recusal, created = Recusal.objects.get_or_create(entry=entry, member=member, defaults={"reason": reason, "recorded_by": user})
    if not created:
        raise Conflict(_("This conflict is already recorded."))
    return recusal


@transaction.atomic
def session_start_scoring(*, session: Session, user) -> Session:
    session = _lock(session)
    rules.check_session_editable(session, user)
    if not session.entries.exists():
        raise Conflict(_("Put at least one cut in the queue first."))
    if not session.panel.members.exists():
        raise Conflict(_("Seat at least one member on the panel first."))
    session.start_scoring()
    session.save()
    members = [m.user for m in session.panel.members.select_related("user")]
    notify.notify(members, "scoring", {"session": session.title, "cuts": session.entries.count()},
                  reverse("panel-session", args=[session.pk]))
    return session


@transaction.atomic
def session_close(*, session: Session, user) -> Session:
    session = _lock(session)
    if not rules.convenes(user):
        raise Forbidden(_("Only the education office manages panel sessions."))
    try:
        session.close()
    except TransitionNotAllowed:
        raise Conflict(_("Only a session that is scoring can be closed.")) from None
    session.save()
    return session


# --- scorecards ------------------------------------------------------------------------------


@transaction.atomic
def card_save(*, entry: Entry, user, scores: dict, vetoes: dict, remark: str = "", submit: bool = False) -> Scorecard:
    """Save a member's scores for a cut; ``submit`` fixes them (and opens the blind for them).

    ``scores`` maps scored criterion ids to numbers within the criterion's range, ``vetoes`` maps
    veto criterion ids to True (passed) or False (failed). A draft may be partial; a submission
    needs every criterion, each veto answered explicitly.
    """
    Session.objects.select_for_update().filter(pk=entry.session_id).first()
    member = rules.check_can_score(entry, user)
    criteria = list(entry.session.rubric.criteria.all())
    known = {c.pk for c in criteria}
    for key in list(scores) + list(vetoes):
        if key not in known:
            raise Invalid(_("Criterion %(key)s is not in this session's rubric.") % {"key": key})
    rows = []
    for c in criteria:
        if c.is_veto:
            value = vetoes.get(c.pk)
            if value is not None and not isinstance(value, bool):
                raise Invalid(_("“%(c)s” is answered pass or fail.") % {"c": c.label})
            if submit and value is None:
                raise Invalid(_("Answer the veto item “%(c)s” explicitly: pass or fail.") % {"c": c.label})
            rows.append(Score(criterion=c, passed=value))
        else:
            value = scores.get(c.pk)
            if value is not None:
                if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                    raise Invalid(_("The score for “%(c)s” must be a number.") % {"c": c.label})
                if not c.min_score <= value <= c.max_score:
                    raise Invalid(_("The score for “%(c)s” must lie between %(lo)s and %(hi)s.")
                                  % {"c": c.label, "lo": c.min_score, "hi": c.max_score})
            elif submit:
                raise Invalid(_("Score every criterion before submitting: “%(c)s” is missing.") % {"c": c.label})
            rows.append(Score(criterion=c, value=value))
    remark = _text(_("The remark"), remark, limits.COMMENT)
    card, _created = Scorecard.objects.get_or_create(entry=entry, member=member)
    if card.submitted:  # a racing submission got here first
        raise Conflict(_("You have already submitted your scorecard for this cut."))
    card.remark, card.updated_at = remark, timezone.now()
    if submit:
        card.submitted_at = timezone.now()
    card.save()
    card.scores.all().delete()
    for row in rows:
        row.card = card
    Score.objects.bulk_create(rows)
    return card


# --- comments --------------------------------------------------------------------------------


@transaction.atomic
def comment_add(*, entry: Entry, user, body: str, frame: int | None = None, end_frame: int | None = None,
                drawing_data=None, private: bool = True, parent: Comment | None = None) -> Comment:
    """A comment at a frame or over a range (in/out), optionally with a drawing; or a reply."""
    rules.check_can_comment(entry, user)
    body = _text(_("The comment"), body, limits.COMMENT)
    if not body:
        raise Invalid(_("Write the comment."))
    if parent is not None:
        if parent.entry_id != entry.pk or parent.parent_id is not None:
            raise Invalid(_("Reply to a comment on this cut."))
        return Comment.objects.create(entry=entry, author=user, parent=parent, body=body, private=parent.private)
    if frame is None:
        raise Invalid(_("Say where in the cut: a frame, or an in and out point."))
    for value in (frame, end_frame):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise Invalid(_("Frames are whole numbers from 0."))
    last = timecode.frame_count(entry.cut)
    fps = timecode.fps_of(entry.cut)
    if last is not None and max(frame, end_frame or 0) >= last:
        raise Invalid(_("The time code lies past the end of the cut (%(end)s).") % {"end": timecode.to_timecode(last, fps)})
    if end_frame is not None and end_frame <= frame:
        raise Invalid(_("The out point must come after the in point."))
    return Comment.objects.create(
        entry=entry, author=user, body=body, frame=frame, end_frame=end_frame,
        drawing=drawing.clean(drawing_data), private=bool(private),
    )


def comment_thumbnail(*, comment: Comment) -> Comment:
    """The frame's thumbnail, made once per comment with an input seek on the proxy and stored
    beside the cut's previews. Outside the comment's transaction: ffmpeg takes a moment, and a
    comment without a thumbnail still shows (with the poster)."""
    from media import services as media_services

    if comment.frame is None or comment.thumbnail_key:
        return comment
    key = media_services.cut_frame_thumbnail(cut=comment.entry.cut, seconds=timecode.seconds_of(comment.frame, timecode.fps_of(comment.entry.cut)),
                                             name=f"frame-{comment.frame}.jpg")
    if key:
        Comment.objects.filter(pk=comment.pk).update(thumbnail_key=key)
        comment.thumbnail_key = key
    return comment


@transaction.atomic
def comment_resolve(*, comment: Comment, user, resolved: bool) -> Comment:
    rules.check_can_resolve(comment, user)
    Comment.objects.filter(pk=comment.pk).update(resolved=resolved)
    comment.resolved = resolved
    return comment


# --- the results board and the verdict -------------------------------------------------------


def rubric_criteria(rubric: Rubric) -> list[scoring.Criterion]:
    return [scoring.Criterion(key=c.pk, weight=c.weight, min_score=c.min_score, max_score=c.max_score, is_veto=c.is_veto)
            for c in rubric.criteria.all()]


def verdict_rule(rubric: Rubric) -> scoring.VerdictRule:
    return scoring.VerdictRule(pass_at=rubric.pass_at, reject_below=rubric.reject_below, veto_verdict=rubric.veto_verdict,
                               disagreement_sd=rubric.disagreement_sd)


def cards_of(entry: Entry) -> list[scoring.Card]:
    """The submitted scorecards of a cut as the maths reads them (drafts never count)."""
    out = []
    for card in entry.cards.all():
        if not card.submitted:
            continue
        scores = {s.criterion_id: s.value for s in card.scores.all() if s.value is not None}
        vetoes = {s.criterion_id: s.passed for s in card.scores.all() if s.passed is not None}
        out.append(scoring.Card(rater=card.member.user_id, group=card.member.group, scores=scores, vetoes=vetoes))
    return out


def entry_summary(entry: Entry, criteria=None, rule=None) -> scoring.CutSummary:
    rubric = entry.session.rubric
    return scoring.summarise_cut(cards_of(entry), criteria or rubric_criteria(rubric), entry.session.group_weights,
                                 rule or verdict_rule(rubric))


@transaction.atomic
def decision_confirm(*, entry: Entry, user, verdict: str, note: str = "") -> Decision:
    """Confirm a verdict on a cut: pass → approved; revise → back to production, its open comments
    becoming rectification items; reject → the project ends. One confirmation wins a race; the
    other is told so (409)."""
    Entry.objects.select_for_update().filter(pk=entry.pk).first()
    entry = Entry.objects.select_related("session", "session__rubric", "project", "cut").get(pk=entry.pk)
    summary = decision_check(entry=entry, user=user, verdict=verdict)
    note = _text(_("The note"), note, limits.COMMENT)
    proposed = scoring.propose_verdict(summary, verdict_rule(entry.session.rubric)) or ""
    try:
        with transaction.atomic():
            decision = Decision.objects.create(entry=entry, verdict=verdict, proposed=proposed, note=note,
                                               weighted_mean=summary.weighted_mean, confirmed_by=user)
    except IntegrityError:
        raise Conflict(_("The verdict on this cut has already been confirmed.")) from None
    project = VideoProject.objects.get(pk=entry.project_id)
    project_services.panel_decision_record(project=project, user=user, verdict=verdict, comment=note,
                                           vetoed=summary.veto_failed)
    film = project.title
    if verdict == Verdict.REVISE:
        open_comments = entry.comments.filter(parent__isnull=True, resolved=False, item__isnull=True)
        Item.objects.bulk_create(Item(project=project, comment=c) for c in open_comments)
        count = Item.objects.filter(project=project).exclude(status=Item.Status.CLOSED).count()
        notify.notify(_producers(project), "returned", {"film": film, "items": count},
                      reverse("project-rectification", args=[project.pk]))
    else:
        notify.notify(_producers(project), "decided", {"film": film, "verdict": verdict}, reverse("project-detail", args=[project.pk]))
    submitted = [c.member.user for c in entry.cards.select_related("member__user") if c.submitted]
    notify.notify(submitted, "decided", {"film": film, "verdict": verdict}, reverse("panel-entry", args=[entry.session_id, entry.pk]))
    return decision


def decision_check(*, entry: Entry, user, verdict: str):
    """Whether ``user`` may confirm ``verdict`` on ``entry`` now, without writing anything (the
    board asks before it shows the confirmation of a reject); the entry's summary when so."""
    if Decision.objects.filter(entry=entry).exists():
        raise Conflict(_("The verdict on this cut has already been confirmed."))
    rules.check_can_decide(entry, user)
    if verdict not in Verdict.values:
        raise Invalid(_("Choose pass, revise or reject."))
    summary = entry_summary(entry)
    if summary.n == 0:
        raise Conflict(_("No member has submitted a scorecard for this cut yet."))
    if verdict == Verdict.PASS and summary.veto_failed:
        raise Conflict(_("A member failed the veto item (political orientation): this cut cannot pass."))
    return summary


def decision_consequence(entry: Entry, verdict: str) -> str:
    """What confirming ``verdict`` does for good, to ask before it ("" for a verdict that can be
    followed by another version: pass and revise). The words are the project transition's own."""
    return project_services.panel_verdict_confirmation(entry.project, verdict)


def _producers(project: VideoProject):
    return list(get_user_model().objects.filter(memberships__unit_id=project.unit_id, groups__name=roles.PRODUCER).distinct())




# --- the rectification loop ------------------------------------------------------------------


@transaction.atomic
def item_answer(*, item: Item, user, answer: str) -> Item:
    """The producer says how the next version answers the item; it is tied to that version."""
    item = Item.objects.select_for_update().select_related("project", "comment").get(pk=item.pk)
    rules.check_can_answer(item, user)
    answer = _text(_("The answer"), answer, limits.COMMENT)
    if not answer:
        raise Invalid(_("Say how the new version answers this item."))
    latest = rules.answering_version(item)
    item.status, item.answer, item.answered_in, item.answered_by, item.answered_at = (
        Item.Status.ANSWERED, answer, latest, user, timezone.now())
    item.save()
    notify.notify([item.comment.author], "answered", {"film": item.project.title},
                  reverse("project-rectification", args=[item.project_id]))
    return item


@transaction.atomic
def item_settle(*, item: Item, user, close: bool) -> Item:
    """Close an answered item, or reopen it (the producer must answer it again next round)."""
    item = Item.objects.select_for_update().select_related("project", "comment").get(pk=item.pk)
    rules.check_can_settle(item, user)
    if close:
        if item.status == Item.Status.CLOSED:
            raise Conflict(_("This item is already closed."))
        item.status, item.closed_by, item.closed_at = Item.Status.CLOSED, user, timezone.now()
    else:
        if item.status == Item.Status.OPEN:
            raise Conflict(_("This item is already open."))
        item.status, item.closed_by, item.closed_at = Item.Status.OPEN, None, None
    item.save()
    return item


# --- notifications ---------------------------------------------------------------------------


def notifications_read(*, user) -> int:
    from reviews.models import Notification

    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
