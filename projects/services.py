"""Use cases, one function each: check the rule, change the data, fire the transition, log it.

Every function runs in one transaction, so a refusal (``errors.ActionRefused``) or a lost race
leaves the project and its deliverables exactly as they were.
"""

import datetime as dt

from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from projects import frames, homogeneity, rules, schedule, similarity
from projects.models import (
    FRAME_RATES,
    ChecklistItem,
    Deliverable,
    Genre,
    Milestone,
    Origin,
    PlanChange,
    ProjectTransition,
    Resolution,
    Shot,
    Stage,
    StageDuration,
    StageReview,
    StageReviewItem,
    State,
    Topic,
    TopicCall,
    TopicSimilarity,
    Track,
    Unit,
    VideoProject,
)
from projects.models.workflow import (
    EDITABLE_IN,
    GATE_PASS,
    MILESTONE_DONE_BY,
    REOPENED_BY_REVISION,
    STAGE_ORDER,
)
from studio import limits, roles
from studio.errors import Conflict, Forbidden, Invalid, StaleEdit

# Apps built on projects judge their own data against a project's genre and technical spec (media
# re-judges the QC of draft cuts). They register here from their AppConfig.ready(), so projects
# imports none of them and dependencies point one way; each is called, in this transaction, with
# ``project=`` after the plan changed the genre or spec.
SPEC_CHANGED: list = []


# --- topics -----------------------------------------------------------------------------------


def topic_similar(
    *, title: str, logline: str = "", local_elements: str = "", exclude_pk: int | None = None
) -> list[similarity.Match]:
    """The earlier topics a pitch resembles, best first, flagged and close calls (``Match.band``);
    a preview: nothing is stored."""
    if not (title.strip() or logline.strip()):
        return []
    query = homogeneity.Query(title.strip(), logline.strip(), local_elements.strip())
    return homogeneity.check(query, exclude={exclude_pk} if exclude_pk else ())


@transaction.atomic
def topic_pitch(
    *,
    user,
    call: TopicCall,
    unit: Unit,
    title: str,
    logline: str,
    genre: Genre,
    proposed_track: Track,
    local_elements: str = "",
) -> Topic:
    """Pitch a topic to a call; flags it when it resembles an earlier topic (避免同质化)."""
    office = roles.is_office(user)
    if not (office or roles.is_unit_producer(user, unit.pk)):
        raise Forbidden(_("You can pitch topics only for your own unit."))
    if proposed_track.assigned_by_office and not office:
        raise Forbidden(_("Topics on the %(track)s track are assigned by the office.") % {"track": proposed_track})
    if not office and not call.is_open():
        raise Conflict(_("The topic call is closed (%(start)s – %(end)s).") % {"start": call.opens_on, "end": call.closes_on})
    title, logline = title.strip(), logline.strip()
    if not title or not logline:
        raise Invalid(_("A topic needs a title and a logline."))
    limits.check_lengths(
        (_("The title"), title, limits.TITLE),
        (_("The logline"), logline, limits.LOGLINE),
        (_("The local elements"), local_elements, limits.LOCAL_ELEMENTS),
    )

    matches = topic_similar(title=title, logline=logline, local_elements=local_elements)
    flagged = [m for m in matches if m.band == similarity.FLAGGED]
    topic = Topic.objects.create(
        call=call,
        unit=unit,
        title=title,
        logline=logline,
        genre=genre,
        proposed_track=proposed_track,
        local_elements=local_elements.strip(),
        pitched_by=user,
        max_similarity=round(matches[0].score, 4) if matches else 0.0,
        flagged=bool(flagged),
    )
    # Close calls are kept too (shown to the office, not blocking); each row keeps its band.
    TopicSimilarity.objects.bulk_create(
        TopicSimilarity(topic=topic, other_id=m.key, score=round(m.score, 4), flagged=m.band == similarity.FLAGGED)
        for m in matches
    )
    VideoProject.objects.create(
        topic=topic,
        unit=unit,
        genre=genre,
        track=proposed_track,
        origin=Origin.ASSIGNED if proposed_track.assigned_by_office else Origin.SELF_SELECTED,
    )
    return topic


@transaction.atomic
def project_plan(
    *,
    project: VideoProject,
    user,
    genre: Genre,
    track: Track,
    origin: str,
    deadline: dt.date | None,
    spec_resolution: str | None = None,
    spec_fps: int | None = None,
) -> VideoProject:
    """Set genre, track, origin, deadline and the technical spec; the backward schedule follows
    the deadline, and cuts not yet submitted are judged again against a changed spec."""
    rules.check_can_plan(project, user)
    if track.pk != project.track_id and project.state != State.TOPIC:
        raise Conflict(_("The track decides the path through the gates: it can only change before approval."))
    if origin not in Origin.values:
        raise Invalid(_("Unknown origin."))
    if spec_resolution is not None and spec_resolution not in Resolution.values:
        raise Invalid(_("Unknown picture size."))
    if spec_fps is not None and spec_fps not in dict(FRAME_RATES):
        raise Invalid(_("Unknown frame rate."))
    if deadline is not None:
        earliest, latest = limits.deadline_range(timezone.localdate())
        if not earliest <= deadline <= latest:
            raise Invalid(_("The deadline must lie between %(earliest)s and %(latest)s.") % {"earliest": earliest, "latest": latest})
    spec_before = (project.genre_id, project.spec_resolution, project.spec_fps)
    before = _plan_values(project)
    project.genre, project.track, project.origin, project.deadline = genre, track, origin, deadline
    if spec_resolution is not None:
        project.spec_resolution = spec_resolution
    if spec_fps is not None:
        project.spec_fps = spec_fps
    _save(project)
    after = _plan_values(project)
    if changes := {name: [before[name], after[name]] for name in after if before[name] != after[name]}:
        PlanChange.objects.create(project=project, actor=user, changes=changes)
    schedule_rebuild(project=project)
    if (project.genre_id, project.spec_resolution, project.spec_fps) != spec_before:
        for rejudge in SPEC_CHANGED:
            rejudge(project=project)
    return project


def _plan_values(project: VideoProject) -> dict:
    """The planned fields as stored values (codes, ISO dates), for the timeline's plan changes."""
    return {"genre": project.genre.code if project.genre_id else "", "track": project.track.code if project.track_id else "",
            "origin": project.origin, "deadline": project.deadline.isoformat() if project.deadline else "",
            "spec_resolution": project.spec_resolution, "spec_fps": project.spec_fps}


def schedule_rebuild(*, project: VideoProject) -> list[Milestone]:
    """Replan every milestone back from the deadline, keeping what is already done."""
    if project.deadline is None:
        project.milestones.all().delete()
        schedule.refresh_next(project)
        return []
    skipped = {Stage.SCRIPT, Stage.STORYBOARD} if project.track.skips_preproduction else set()
    durations = {
        d.stage: d for d in StageDuration.objects.filter(genre_id=project.genre_id).exclude(stage__in=skipped)
    }
    spans = [(stage, durations[stage].workdays, durations[stage].warn_days) for stage in STAGE_ORDER if stage in durations]
    planned = schedule.plan_backwards(project.deadline, spans, schedule.WorkCalendar.load())
    done = dict(project.milestones.values_list("stage", "done_on"))
    project.milestones.exclude(stage__in=[p.stage for p in planned]).delete()
    for p in planned:
        Milestone.objects.update_or_create(
            project=project,
            stage=p.stage,
            defaults={"starts_on": p.starts_on, "due_on": p.due_on, "warn_days": p.warn_days, "done_on": done.get(p.stage)},
        )
    schedule.refresh_next(project)
    return list(project.milestones.all())


# --- transitions ------------------------------------------------------------------------------


TRANSITION_NAMES = frozenset(t.name for t in VideoProject._meta.get_field("state").get_all_transitions(VideoProject))


def transition_of(project: VideoProject, name: str):
    """The django-fsm transition ``name`` from the project's current state, or None."""
    return next((t for t in project.get_all_state_transitions() if t.name == name and t.source == project.state), None)


def available_transitions(project: VideoProject, user, *, direct_only=True):
    """Transitions this user may fire now (state, permission and conditions all allow)."""
    offered = []
    for tr in project.get_available_user_state_transitions(user):
        if direct_only and not tr.custom.get("direct"):
            continue
        offered.append(tr)
    return offered


def _fire(project: VideoProject, name: str, user, reason: str = "") -> ProjectTransition:
    tr = transition_of(project, name)
    if tr is None:
        raise Conflict(
            _("“%(action)s” is not possible while the project is in “%(state)s”.")
            % {"action": name, "state": project.get_state_display()}
        )
    if not tr.has_perm(project, user):
        raise Forbidden(_("Your role may not “%(action)s” this project.") % {"action": tr.custom.get("label", name)})
    unmet = [str(c.message) for c in tr.conditions if not c(project)] + rules.gate_refusals(project, name)
    if unmet:
        raise Conflict(" ".join(unmet))
    source = project.state
    try:
        getattr(project, name)()
    except TransitionNotAllowed:
        # django-fsm checks the conditions again as it fires; they read other rows (the submitted
        # deliverable, the latest review) that a racing request may have changed since our check.
        raise Conflict(_("Someone else changed this project meanwhile. Reload the page and try again.")) from None
    _save(project)
    entry = ProjectTransition.objects.create(
        project=project, name=name, source=source, target=project.state, actor=user, reason=reason
    )
    _update_milestones(project, name)
    return entry


def _save(project: VideoProject):
    try:
        project.save()
    except ConcurrentTransition:
        raise Conflict(_("Someone else changed this project meanwhile. Reload the page and try again.")) from None


def _update_milestones(project: VideoProject, name: str):
    today = timezone.localdate()
    if not project.is_open:
        pass  # closed: the next milestone is cleared below (no traffic light, not late)
    elif name in MILESTONE_DONE_BY:
        project.milestones.filter(stage=MILESTONE_DONE_BY[name], done_on__isnull=True).update(done_on=today)
    elif name == "revise":
        project.milestones.filter(stage__in=REOPENED_BY_REVISION).update(done_on=None)
    else:
        return
    schedule.refresh_next(project)


@transaction.atomic
def project_fire(*, project: VideoProject, user, name: str, reason: str = "") -> VideoProject:
    """Fire a direct transition (approve, reject, cancel, start_screening, archive)."""
    reason = project_check_fire(project=project, user=user, name=name, reason=reason)
    _fire(project, name, user, reason)
    if name == "approve":
        schedule_rebuild(project=project)
    return project


def project_check_fire(*, project: VideoProject, user, name: str, reason: str = "") -> str:
    """Everything ``project_fire`` checks, changing nothing: the page asks to confirm an
    irreversible step only once it would be accepted. Returns the cleaned reason."""
    if name not in TRANSITION_NAMES:
        raise Invalid(_("Unknown action “%(action)s”.") % {"action": name})
    tr = transition_of(project, name)
    # Who may act is answered before what they sent: a role that may never do this hears so.
    if tr is not None and not tr.has_perm(project, user):
        raise Forbidden(_("Your role may not “%(action)s” this project.") % {"action": tr.custom.get("label", name)})
    if tr is not None and not tr.custom.get("direct"):
        raise Conflict(_("This step happens through a stage review or a submission."))
    reason = reason.strip()
    limits.check_lengths((_("The reason"), reason, limits.REASON))
    if tr is not None and rules.needs_reason(project, tr) and not reason:
        if project.topic.flagged and name == "approve":
            raise Invalid(_("This topic resembles earlier topics: approving it needs a written reason."))
        raise Invalid(_("Give a reason: it is recorded in the project's timeline."))
    if tr is None:
        raise Conflict(
            _("“%(action)s” is not possible while the project is in “%(state)s”.")
            % {"action": name, "state": project.get_state_display()}
        )
    unmet = [str(c.message) for c in tr.conditions if not c(project)] + rules.gate_refusals(project, name)
    if unmet:
        raise Conflict(" ".join(unmet))
    return reason


def confirmation_of(project: VideoProject, name: str) -> str:
    """What an irreversible transition does, in words, to confirm before firing it ("" when it
    needs no confirmation)."""
    tr = transition_of(project, name)
    return str(tr.custom["confirm"]) if tr is not None and tr.custom.get("confirm") else ""


# --- deliverables ---------------------------------------------------------------------------


@transaction.atomic
def deliverable_save(
    *,
    project: VideoProject,
    user,
    kind: str,
    base_version: int,
    script: str = "",
    narration: str = "",
    note: str = "",
    shots: list[dict] | None = None,
    from_upload: bool = False,
) -> Deliverable:
    """Write a new version of a deliverable. ``base_version`` is the version the editor started
    from (0 for none): if someone saved meanwhile, the save is refused instead of overwriting."""
    rules.check_produces(project, user)
    if kind not in EDITABLE_IN:
        raise Invalid(_("Unknown deliverable."))
    if kind == Deliverable.Kind.CUT and not from_upload:
        raise Invalid(_("A cut is a video file: upload it on the project page."))
    # Lock the project row so two editors' version numbers can't collide.
    VideoProject.objects.select_for_update().filter(pk=project.pk).first()
    latest = rules.latest_version(project, kind)
    rules.check_can_write(project, user, kind, latest)
    current = latest.version if latest else 0
    if base_version != current:
        raise StaleEdit(
            _("Version %(current)s was saved while you were editing version %(base)s. Reload to see it, then apply your changes.")
            % {"current": current, "base": base_version},
            current=current,
        )
    if kind == Deliverable.Kind.SCRIPT and not (script.strip() or narration.strip()):
        raise Invalid(_("Write the script or the narration."))
    limits.check_lengths(
        (_("The script"), script, limits.SCRIPT),
        (_("The narration"), narration, limits.SCRIPT),
        (_("The note"), note, limits.NOTE),
    )
    if kind == Deliverable.Kind.STORYBOARD:
        shots = _clean_shots(shots or [])
    deliverable = Deliverable.objects.create(
        project=project,
        kind=kind,
        version=current + 1,
        script=script,
        narration=narration,
        note=note,
        author=user,
    )
    if kind == Deliverable.Kind.STORYBOARD:
        carried = _carried_frames(project, latest, shots)
        Shot.objects.bulk_create(
            Shot(deliverable=deliverable, **{k: shot[k] for k in SHOT_FIELDS}, **carried[index])
            for index, shot in enumerate(shots)
        )
    return deliverable


SHOT_FIELDS = ("number", "picture", "shot_size", "dialogue", "camera_movement", "duration_seconds", "notes")


def _clean_shots(shots: list[dict]) -> list[dict]:
    """The shot list's own rules; the fields' bounds were checked by the form or serializer.
    A frame is an uploaded image, checked and given its thumbnail here (``projects.frames``);
    anything else a client sends as a frame is not kept."""
    if not shots:
        raise Invalid(_("A storyboard needs at least one shot."))
    if len(shots) > limits.SHOTS:
        raise Invalid(_("A storyboard has at most %(n)s shots.") % {"n": limits.SHOTS})
    cleaned, numbers = [], set()
    for index, raw in enumerate(shots, start=1):
        number = raw.get("number") or index
        picture = (raw.get("picture") or "").strip()
        if not picture or not raw.get("duration_seconds"):
            raise Invalid(_("Shot %(n)s needs a picture description and a duration in seconds.") % {"n": number})
        if number in numbers:
            raise Invalid(_("Shot number %(n)s is used twice.") % {"n": number})
        if (size := raw.get("shot_size") or "") not in Shot.Size.values and size:
            raise Invalid(_("Shot %(n)s: unknown shot size “%(size)s”.") % {"n": number, "size": size})
        numbers.add(number)
        frame = raw.get("frame")
        if isinstance(frame, File):
            try:
                frame = frames.prepare(frame)
            except Invalid as exc:
                raise Invalid(_("Shot %(n)s: %(reason)s") % {"n": number, "reason": exc.message}) from exc
        else:
            frame = None
        cleaned.append(
            {
                "number": number,
                "picture": picture,
                "shot_size": size,
                "dialogue": (raw.get("dialogue") or "").strip(),
                "camera_movement": (raw.get("camera_movement") or "").strip(),
                "duration_seconds": raw["duration_seconds"],
                "notes": (raw.get("notes") or "").strip(),
                "frame": frame,
                "remove_frame": bool(raw.get("remove_frame")),
                # The shot of an earlier version this row was copied from (the editor says which,
                # so a frame follows its shot when rows move); without the key, the API's shot of
                # the same number in the latest version.
                "source": raw.get("source") if "source" in raw else _BY_NUMBER,
            }
        )
    return cleaned


_BY_NUMBER = object()


def _carried_frames(project, latest, shots) -> list[dict]:
    """The frame and thumbnail of each new shot: the one uploaded with it, none when removed, else
    those of the shot it was copied from. A source is looked up among this project's storyboard
    shots only, so no client can point a shot at another project's file; two queries at most."""
    ids = {s["source"] for s in shots if isinstance(s["source"], int)}
    sources = (
        {s.pk: s for s in Shot.objects.filter(pk__in=ids, deliverable__project=project,
                                              deliverable__kind=Deliverable.Kind.STORYBOARD).only("pk", "frame", "thumbnail")}
        if ids else {}
    )
    if latest is not None and any(s["source"] is _BY_NUMBER for s in shots):
        by_number = {s.number: s for s in latest.shots.only("number", "frame", "thumbnail")}
    else:
        by_number = {}
    carried = []
    for shot in shots:
        if shot["frame"] is not None:
            frame, thumbnail = shot["frame"]
        elif shot["remove_frame"]:
            frame, thumbnail = "", ""
        else:
            origin = by_number.get(shot["number"]) if shot["source"] is _BY_NUMBER else sources.get(shot["source"])
            frame, thumbnail = (origin.frame.name, origin.thumbnail.name) if origin is not None else ("", "")
        carried.append({"frame": frame, "thumbnail": thumbnail})
    return carried


@transaction.atomic
def deliverable_submit(*, project: VideoProject, user, kind: str) -> Deliverable:
    """Submit the latest version for the office's review; submitting a cut enters panel review."""
    latest = rules.check_can_submit(project, user, kind)
    claimed = Deliverable.objects.filter(pk=latest.pk, status=Deliverable.Status.DRAFT).update(
        status=Deliverable.Status.SUBMITTED, submitted_at=timezone.now()
    )
    if not claimed:
        raise Conflict(_("Version %(v)s was already submitted or reviewed.") % {"v": latest.version})
    if kind == Deliverable.Kind.CUT:
        _fire(project, "submit_cut", user)
    latest.refresh_from_db()
    return latest


# --- stage reviews --------------------------------------------------------------------------


@transaction.atomic
def stage_review_record(
    *, project: VideoProject, user, decision: str, results: dict[int, tuple[bool, str]], comment: str = ""
) -> StageReview:
    """Review the submitted deliverable against the stage checklist, then advance or return it.

    ``results`` maps every active checklist item of the stage to ``(passed, note)``. A failed
    veto item (political orientation) means the deliverable can only be returned.
    """
    deliverable = rules.check_can_review(project, user)
    if decision not in (StageReview.Decision.ADVANCE, StageReview.Decision.RETURN):
        raise Invalid(_("Choose to advance or to return."))
    items = list(ChecklistItem.objects.filter(stage=project.state, active=True))
    missing = [item.label for item in items if item.pk not in results]
    if missing:
        raise Invalid(_("Assess every checklist item: %(items)s.") % {"items": "、".join(missing)})
    if decision == StageReview.Decision.RETURN and not comment.strip():
        raise Invalid(_("Say what must change: returning needs comments."))
    limits.check_lengths((_("The comments"), comment, limits.COMMENT), *((item.label, results[item.pk][1], limits.NOTE) for item in items))
    vetoed = any(item.is_veto and not results[item.pk][0] for item in items)
    review = StageReview.objects.create(
        project=project, deliverable=deliverable, reviewer=user, decision=decision, comment=comment.strip(), vetoed=vetoed
    )
    StageReviewItem.objects.bulk_create(
        StageReviewItem(review=review, item=item, passed=results[item.pk][0], note=results[item.pk][1]) for item in items
    )
    # Fire first: the gate's conditions read the deliverable while it is still "submitted".
    if decision == StageReview.Decision.ADVANCE:
        _fire(project, GATE_PASS[project.state], user, comment.strip())
    elif project.state == State.PANEL_REVIEW:
        _fire(project, "revise", user, comment.strip())
    new_status = Deliverable.Status.ACCEPTED if decision == StageReview.Decision.ADVANCE else Deliverable.Status.RETURNED
    claimed = Deliverable.objects.filter(pk=deliverable.pk, status=Deliverable.Status.SUBMITTED).update(status=new_status)
    if not claimed:
        raise Conflict(_("Someone else reviewed this version meanwhile. Reload the page."))
    return review


# The panel's verdict, confirmed by the office, fires the panel review's way out.
PANEL_VERDICTS = {
    "pass": (StageReview.Decision.ADVANCE, "pass_panel", Deliverable.Status.ACCEPTED),
    "revise": (StageReview.Decision.RETURN, "revise", Deliverable.Status.RETURNED),
    "reject": (StageReview.Decision.REJECT, "fail_panel", Deliverable.Status.RETURNED),
}


def panel_verdict_confirmation(project: VideoProject, verdict: str) -> str:
    """What confirming the panel's ``verdict`` does for good ("" when it needs no confirmation)."""
    return confirmation_of(project, PANEL_VERDICTS[verdict][1]) if verdict in PANEL_VERDICTS else ""


@transaction.atomic
def panel_decision_record(*, project: VideoProject, user, verdict: str, comment: str = "", vetoed: bool = False) -> StageReview:
    """Record the panel's confirmed verdict on the cut under review and fire its transition: pass
    → approved, revise → back to production, reject → rejected. The reviews app calls this; the
    record is a stage review, so the project's timeline and gates read it like any other."""
    deliverable = rules.check_can_review(project, user)
    if project.state != State.PANEL_REVIEW:
        raise Conflict(_("The project is not in panel review."))
    if verdict not in PANEL_VERDICTS:
        raise Invalid(_("Choose pass, revise or reject."))
    decision, name, new_status = PANEL_VERDICTS[verdict]
    limits.check_lengths((_("The comments"), comment, limits.COMMENT))
    review = StageReview.objects.create(
        project=project, deliverable=deliverable, reviewer=user, decision=decision, comment=comment.strip(),
        vetoed=vetoed,
    )
    _fire(project, name, user, comment.strip())
    claimed = Deliverable.objects.filter(pk=deliverable.pk, status=Deliverable.Status.SUBMITTED).update(status=new_status)
    if not claimed:
        raise Conflict(_("Someone else reviewed this version meanwhile. Reload the page."))
    return review
