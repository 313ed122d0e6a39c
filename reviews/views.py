"""Panel pages. Each view: access helper first, parse input, call one service, render; a refusal
re-renders the page with the reason and the refusal's 4xx status.

The review room is a plain page that works without JavaScript (time codes typed, scores in a
form); ``studio/static/studio/room.js`` adds the player's keyboard, the markers, drawing and the
current frame.
"""

import json

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from media.views import SERVED, compare_context, ranged_file
from projects.models import State, VideoProject
from reviews import access, board, drawing, exports, notify, rules, services, timecode
from reviews.models import Group, Item, Rubric, Visibility
from studio import roles
from studio.errors import ActionRefused, Invalid


def _refused(request, exc: ActionRefused, page):
    """Say why, then show the page the action came from with the refusal's status."""
    messages.error(request, str(exc.message))
    response = page()
    response.status_code = exc.status_code
    return response


# --- the office: panels and sessions ---------------------------------------------------------


@require_GET
@login_required
def panel_home(request):
    return render(request, "reviews/panel_home.html", _home_context(request))


def _home_context(request):
    sessions = access.sessions_visible_to(request.user).select_related("panel", "rubric")
    context = {"sessions": sessions, "convenes": rules.convenes(request.user)}
    if rules.convenes(request.user):
        context["panels"] = access.panels_for_office(request.user)
        context["waiting"] = VideoProject.objects.filter(state=State.PANEL_REVIEW).select_related("topic", "unit")
    elif roles.PANELIST not in roles.roles_of(request.user):
        raise Http404
    return context


@require_POST
@login_required
def panel_create(request):
    access.panels_for_office(request.user)
    try:
        panel = services.panel_create(user=request.user, name=request.POST.get("name", ""))
    except ActionRefused as exc:
        return _refused(request, exc, lambda: render(request, "reviews/panel_home.html", _home_context(request)))
    return redirect("panel-detail", pk=panel.pk)


def _panel_context(request, panel):
    User = get_user_model()
    return {
        "panel": panel, "members": panel.members.select_related("user"), "sessions": panel.sessions.all(),
        "groups": Group.choices, "rubrics": Rubric.objects.filter(active=True), "visibilities": Visibility.choices,
        "candidates": User.objects.filter(groups__name=roles.PANELIST).exclude(panel_seats__panel=panel).order_by("username"),
    }


@require_GET
@login_required
def panel_detail(request, pk):
    panel = access.get_panel_for_office(request.user, pk)
    return render(request, "reviews/panel_detail.html", _panel_context(request, panel))


@require_POST
@login_required
def panel_member_add(request, pk):
    panel = access.get_panel_for_office(request.user, pk)
    User = get_user_model()
    try:
        person = User.objects.filter(pk=_int(request.POST.get("user"))).first()
        if person is None:
            raise Invalid(_("Choose a person to seat on the panel."))
        services.member_add(panel=panel, user=request.user, member_user=person, group=request.POST.get("group", ""))
    except ActionRefused as exc:
        return _refused(request, exc, lambda: render(request, "reviews/panel_detail.html", _panel_context(request, panel)))
    return redirect("panel-detail", pk=panel.pk)


@require_POST
@login_required
def panel_member_remove(request, pk, member_pk):
    panel = access.get_panel_for_office(request.user, pk)
    member = get_object_or_404(panel.members, pk=member_pk)
    try:
        services.member_remove(member=member, user=request.user)
    except ActionRefused as exc:
        return _refused(request, exc, lambda: render(request, "reviews/panel_detail.html", _panel_context(request, panel)))
    return redirect("panel-detail", pk=panel.pk)


@require_POST
@login_required
def session_open(request, pk):
    panel = access.get_panel_for_office(request.user, pk)
    try:
        rubric = Rubric.objects.filter(pk=_int(request.POST.get("rubric"))).first()
        if rubric is None:
            raise Invalid(_("Choose a rubric."))
        session = services.session_open(
            panel=panel, user=request.user, title=request.POST.get("title", ""), rubric=rubric,
            weights={g: request.POST.get(f"weight_{g}", "1") for g in Group.values},
            visibility=request.POST.get("visibility", Visibility.AFTER_OWN),
        )
    except ActionRefused as exc:
        return _refused(request, exc, lambda: render(request, "reviews/panel_detail.html", _panel_context(request, panel)))
    return redirect("panel-session", pk=session.pk)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _session_context(request, session):
    entries = list(access.entries_of(session))
    member = rules.seat(session, request.user)
    members = list(session.panel.members.select_related("user")) if rules.convenes(request.user) else []
    for entry in entries:
        entry.session = session
        entry.actions = rules.entry_actions(entry, request.user)
        entry.exclusions = [(m, why) for m in members if (why := rules.exclusion(entry, m))]
    context = {"session": session, "entries": entries, "member": member, "convenes": rules.convenes(request.user)}
    if rules.convenes(request.user):
        queued = [e.project_id for e in entries]
        context["waiting"] = VideoProject.objects.filter(state=State.PANEL_REVIEW).exclude(pk__in=queued).select_related("topic", "unit")
        context["members"] = members
    return context


@require_GET
@login_required
def session_detail(request, pk):
    session = access.get_session_for_user(request.user, pk)
    return render(request, "reviews/session_detail.html", _session_context(request, session))


def _session_page(request, session):
    return lambda: render(request, "reviews/session_detail.html", _session_context(request, session))


@require_POST
@login_required
def session_entry_add(request, pk):
    session = access.get_session_for_office(request.user, pk)
    try:
        project = VideoProject.objects.filter(pk=_int(request.POST.get("project"))).first()
        if project is None:
            raise Invalid(_("Choose a project in panel review."))
        services.entry_add(session=session, user=request.user, project=project)
    except ActionRefused as exc:
        return _refused(request, exc, _session_page(request, session))
    return redirect("panel-session", pk=session.pk)


@require_POST
@login_required
def entry_queue(request, pk, entry_pk, action):
    """Move a cut up or down the queue, take it out, or record a declared conflict of interest."""
    session = access.get_session_for_office(request.user, pk)
    entry = access.get_entry_for_user(request.user, pk, entry_pk)
    try:
        if action in ("up", "down"):
            services.entry_move(entry=entry, user=request.user, offset=-1 if action == "up" else 1)
        elif action == "remove":
            services.entry_remove(entry=entry, user=request.user)
        elif action == "recuse":
            member = session.panel.members.filter(pk=_int(request.POST.get("member"))).first()
            if member is None:
                raise Invalid(_("Choose the member with the conflict of interest."))
            services.recusal_record(entry=entry, user=request.user, member=member, reason=request.POST.get("reason", ""))
        else:
            raise Http404
    except ActionRefused as exc:
        return _refused(request, exc, _session_page(request, session))
    return redirect("panel-session", pk=session.pk)


@require_POST
@login_required
def session_phase(request, pk, name):
    session = access.get_session_for_office(request.user, pk)
    try:
        if name == "scoring":
            services.session_start_scoring(session=session, user=request.user)
        elif name == "close":
            services.session_close(session=session, user=request.user)
        elif name == "settings":
            services.session_update(session=session, user=request.user,
                                    weights={g: request.POST.get(f"weight_{g}", "1") for g in Group.values},
                                    visibility=request.POST.get("visibility"))
        else:
            raise Http404
    except ActionRefused as exc:
        return _refused(request, exc, _session_page(request, session))
    return redirect("panel-session", pk=session.pk)


# --- the review room -------------------------------------------------------------------------


def _picture(cut) -> tuple[int, int]:
    """The cut's picture size as displayed, for drawings over its frame thumbnails."""
    probe = cut.probe or {}
    return (probe.get("width") or 1920, probe.get("height") or 1080)


def _room_context(request, entry):
    cut, fps = entry.cut, timecode.fps_of(entry.cut)
    actions = rules.entry_actions(entry, request.user)
    comments = [c for c in entry.comments.filter(parent__isnull=True).select_related("author", "item").prefetch_related("replies__author")
                if rules.sees_comment(request.user, c, entry)]
    for c in comments:
        c.timecode = timecode.to_timecode(c.frame, fps) if c.frame is not None else ""
        c.end_timecode = timecode.to_timecode(c.end_frame, fps) if c.end_frame is not None else ""
        c.visible_replies = [r for r in c.replies.all() if rules.sees_comment(request.user, r, entry)]
        c.entry = entry
        c.can_resolve = rules.verdict(rules.check_can_resolve, c, request.user)
        c.marks = drawing.outline(c.drawing, *_picture(cut))
    criteria = list(entry.session.rubric.criteria.all())
    mine = {s.criterion_id: s for s in actions.card.scores.all()} if actions.card else {}
    for c in criteria:
        score = mine.get(c.pk)
        c.mine = None if score is None else (score.passed if c.is_veto else score.value)
    items = list(Item.objects.filter(project=entry.project).select_related("comment", "comment__entry__cut__deliverable", "answered_in", "project"))
    for item in items:
        item.timecode = _item_timecode(item)
        item.can_settle = rules.verdict(rules.check_can_settle, item, request.user)
    context = {
        "entry": entry, "session": entry.session, "project": entry.project, "cut": cut, "fps": fps,
        "frames": timecode.frame_count(cut), "actions": actions, "comments": comments, "criteria": criteria,
        "renditions": {r.kind for r in cut.renditions.all()},
        "markers": json.dumps([{"id": c.pk, "frame": c.frame, "end": c.end_frame, "drawing": c.drawing, "timecode": c.timecode}
                               for c in comments if c.frame is not None]),
        "findings": cut.findings,
        "items": items,
        "picture": _picture(cut),
    }
    context["previous"] = entry.cut.previous()
    if actions.sees_panel:
        context["summary"] = services.entry_summary(entry)
        context["panel_cards"] = [c for c in entry.cards.all() if c.submitted]
    return context


@require_GET
@login_required
def entry_room(request, pk, entry_pk):
    entry = access.get_entry_for_user(request.user, pk, entry_pk)
    return render(request, "reviews/room.html", _room_context(request, entry))


def _room_page(request, entry):
    return lambda: render(request, "reviews/room.html", _room_context(request, entry))


@require_POST
@login_required
def entry_score(request, pk, entry_pk):
    entry = access.get_entry_for_user(request.user, pk, entry_pk)
    try:
        scores, vetoes = {}, {}
        for c in entry.session.rubric.criteria.all():
            raw = request.POST.get(f"c{c.pk}", "").strip()
            if c.is_veto:
                vetoes[c.pk] = {"pass": True, "fail": False}.get(raw)
            elif raw:
                try:
                    scores[c.pk] = float(raw)
                except ValueError:
                    raise Invalid(_("The score for “%(c)s” must be a number.") % {"c": c.label}) from None
        services.card_save(entry=entry, user=request.user, scores=scores, vetoes=vetoes,
                           remark=request.POST.get("remark", ""), submit=request.POST.get("submit") == "1")
    except ActionRefused as exc:
        return _refused(request, exc, _room_page(request, entry))
    messages.success(request, _("Scorecard submitted.") if request.POST.get("submit") == "1" else _("Draft saved."))
    return redirect("panel-entry", pk=pk, entry_pk=entry.pk)


@require_POST
@login_required
def entry_comment(request, pk, entry_pk):
    entry = access.get_entry_for_user(request.user, pk, entry_pk)
    fps = timecode.fps_of(entry.cut)
    try:
        parent = None
        if parent_pk := request.POST.get("parent"):
            parent = access.get_comment_for_user(request.user, parent_pk)
        frame = end = None
        if not parent:
            frame = _frame(request.POST.get("frame"), request.POST.get("timecode"), fps)
            end = _frame(request.POST.get("end_frame"), request.POST.get("end_timecode"), fps)
        raw_drawing = request.POST.get("drawing", "").strip()
        try:
            drawing_data = json.loads(raw_drawing) if raw_drawing else None
        except ValueError:
            raise Invalid(_("The drawing is not valid JSON.")) from None
        comment = services.comment_add(entry=entry, user=request.user, body=request.POST.get("body", ""), frame=frame,
                                       end_frame=end, drawing_data=drawing_data, private="private" in request.POST,
                                       parent=parent)
    except ActionRefused as exc:
        return _refused(request, exc, _room_page(request, entry))
    services.comment_thumbnail(comment=comment)
    return redirect(f"{request.path.rsplit('comments/', 1)[0]}#comment-{comment.pk}")


def _frame(raw_frame, raw_timecode, fps):
    if raw_frame not in (None, ""):
        try:
            return int(raw_frame)
        except ValueError:
            raise Invalid(_("Frames are whole numbers from 0.")) from None
    if raw_timecode not in (None, ""):
        frame = timecode.parse_timecode(raw_timecode, fps)
        if frame is None:
            raise Invalid(_("Write the time code as HH:MM:SS:FF (%(fps)s frames a second).") % {"fps": timecode.nominal(fps)})
        return frame
    return None


@require_POST
@login_required
def comment_resolve(request, pk):
    comment = access.get_comment_for_user(request.user, pk)
    entry = comment.entry
    try:
        services.comment_resolve(comment=comment, user=request.user, resolved=request.POST.get("resolved") != "0")
    except ActionRefused as exc:
        return _refused(request, exc, _room_page(request, entry))
    return redirect("panel-entry", pk=entry.session_id, entry_pk=entry.pk)


@require_GET
@login_required
def comment_frame(request, pk):
    comment = access.get_comment_for_user(request.user, pk)
    if not comment.thumbnail_key:
        raise Http404
    return ranged_file(request, comment.thumbnail_key)


@require_GET
@login_required
def item_frame(request, pk):
    item = access.get_item_for_user(request.user, pk)
    if not item.comment.thumbnail_key:
        raise Http404
    return ranged_file(request, item.comment.thumbnail_key)


@require_GET
@login_required
def entry_file(request, pk, entry_pk, name):
    """The cut's previews for the room: members see them through their seat, not the project."""
    entry = access.get_entry_for_user(request.user, pk, entry_pk)
    cut = entry.cut
    if request.GET.get("of") == "previous":
        cut = entry.cut.previous()
        if cut is None:
            raise Http404
    if name == "subtitles.vtt" and cut.subtitles_key:
        return ranged_file(request, cut.subtitles_key)
    kind = SERVED.get(name)
    rendition = cut.renditions.filter(kind=kind).first() if kind else None
    if rendition is None:
        raise Http404
    return ranged_file(request, rendition.key)


@require_GET
@login_required
def entry_compare(request, pk, entry_pk):
    """This version against the previous one, synchronised, for judging the rectification."""
    entry = access.get_entry_for_user(request.user, pk, entry_pk)
    previous = entry.cut.previous()
    if previous is None:
        raise Http404
    files = reverse("panel-entry-file", args=[pk, entry.pk, "proxy.mp4"])
    return render(request, "media/compare.html", compare_context(
        title=entry.project.title, fps=timecode.fps_of(entry.cut),
        a=(files, f"v{entry.cut.deliverable.version}"), b=(files + "?of=previous", f"v{previous.deliverable.version}"),
        back=(reverse("panel-entry", args=[pk, entry.pk]), entry.session.title),
    ))


# --- the office: results and verdicts --------------------------------------------------------


def _board_context(request, session):
    result = board.session_board(session, request.user)
    return {"session": session, "board": result, "ranked": board.ranked(result)}


@require_GET
@login_required
def session_board(request, pk):
    session = access.get_session_for_office(request.user, pk)
    return render(request, "reviews/board.html", _board_context(request, session))


@require_POST
@login_required
def entry_decide(request, pk, entry_pk):
    session = access.get_session_for_office(request.user, pk)
    entry = access.get_entry_for_user(request.user, pk, entry_pk)
    verdict, note = request.POST.get("verdict", ""), request.POST.get("note", "")
    try:
        # A verdict that ends the project (reject) first answers with what it does for good and a
        # form to confirm it, the note kept; nothing is written until that form comes back.
        if (consequence := services.decision_consequence(entry, verdict)) and request.POST.get("confirmed") != "1":
            services.decision_check(entry=entry, user=request.user, verdict=verdict)
            return render(request, "reviews/verdict_confirm.html",
                          {"session": session, "entry": entry, "verdict": verdict, "note": note, "consequence": consequence})
        services.decision_confirm(entry=entry, user=request.user, verdict=verdict, note=note)
    except ActionRefused as exc:
        return _refused(request, exc, lambda: render(request, "reviews/board.html", _board_context(request, session)))
    messages.success(request, _("Verdict confirmed."))
    return redirect("panel-board", pk=session.pk)


@require_GET
@login_required
def session_export(request, pk, fmt):
    session = access.get_session_for_office(request.user, pk)
    result = board.session_board(session)
    if fmt == "csv":
        body, content_type = exports.as_csv(result), "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        body, content_type = exports.as_xlsx(result), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        raise Http404
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="reelwork-panel-session-{session.pk}.{fmt}"'
    return response


# --- the producer: rectification -------------------------------------------------------------


def _item_timecode(item) -> str:
    """Where the item's comment sits in the version it was raised on: a frame, or in–out."""
    comment = item.comment
    if comment.frame is None:
        return ""
    fps = timecode.fps_of(comment.entry.cut)
    start = timecode.to_timecode(comment.frame, fps)
    return f"{start}–{timecode.to_timecode(comment.end_frame, fps)}" if comment.end_frame is not None else start


def _items_context(request, project, items):
    items = list(items)
    for item in items:
        item.timecode = _item_timecode(item)
        item.picture = _picture(item.comment.entry.cut)
        item.marks = drawing.outline(item.comment.drawing, *item.picture)
        item.can_answer = rules.verdict(rules.check_can_answer, item, request.user)
        item.can_settle = rules.verdict(rules.check_can_settle, item, request.user)
    return {"project": project, "items": items}


@require_GET
@login_required
def project_rectification(request, pk):
    project, items = access.get_project_items_for_user(request.user, pk)
    return render(request, "reviews/rectification.html", _items_context(request, project, items))


@require_POST
@login_required
def item_action(request, pk, action):
    item = access.get_item_for_user(request.user, pk)
    try:
        if action == "answer":
            services.item_answer(item=item, user=request.user, answer=request.POST.get("answer", ""))
        elif action in ("close", "reopen"):
            services.item_settle(item=item, user=request.user, close=action == "close")
        else:
            raise Http404
    except ActionRefused as exc:
        if roles.produces(request.user, item.project):
            project, items = access.get_project_items_for_user(request.user, item.project_id)
            return _refused(request, exc, lambda: render(request, "reviews/rectification.html", _items_context(request, project, items)))
        messages.error(request, str(exc.message))
        return HttpResponse(str(exc.message), status=exc.status_code)
    if _safe_next(request):
        return redirect(request.POST["next"])
    return redirect("project-rectification", pk=item.project_id)


def _safe_next(request) -> bool:
    target = request.POST.get("next", "")
    return target.startswith("/") and not target.startswith("//")


# --- notifications ---------------------------------------------------------------------------


@require_GET
@login_required
def notification_list(request):
    rows = list(access.notifications_of(request.user)[:100])
    for row in rows:
        row.text = notify.render(row.kind, row.params)
    return render(request, "reviews/notifications.html", {"notifications": rows})


@require_POST
@login_required
def notifications_read(request):
    services.notifications_read(user=request.user)
    return redirect("notifications")


