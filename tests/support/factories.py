"""Plain functions that make what tests need through the real services: people, a project walked
along the happy path, a cut as the media pipeline leaves it, a QC report. The fixtures that use them
(the role fixtures, ``make_project``) stay in ``tests/conftest.py``."""

import io

from django.contrib.auth.models import Group, User

from projects import services
from projects.models import ChecklistItem, Membership, State, Track


def make_user(username, *groups, units=()):
    """A user with the password ``pw-<username>``, in the named role groups and units."""
    if not Group.objects.exists():
        from django.apps import apps

        from projects import reference_data

        reference_data.load(apps)
    user = User.objects.create_user(username=username, password="pw-" + username)
    user.groups.set(Group.objects.filter(name__in=groups))
    for unit in units:
        Membership.objects.create(user=user, unit=unit)
    return user


def track(code):
    return Track.objects.get(code=code)


def pass_all(stage):
    return {item.pk: (True, "") for item in ChecklistItem.objects.filter(stage=stage, active=True)}


def advance(project, producer, office, organiser):
    """One step forward along the happy path, through the same services the pages use."""
    state = project.state
    kind = {State.SCRIPT: "script", State.STORYBOARD: "storyboard", State.PRODUCTION: "cut"}.get(state)
    if kind:
        submit_version(project, producer, kind)
        if kind == "cut":
            return
    if project.state in (State.SCRIPT, State.STORYBOARD, State.PANEL_REVIEW):
        services.stage_review_record(project=project, user=office, decision="advance", results=pass_all(project.state), comment="")
    elif state == State.APPROVED:
        services.project_fire(project=project, user=organiser, name="start_screening")
    elif state == State.SCREENING:
        services.project_fire(project=project, user=organiser, name="archive")


def submit_version(project, producer, kind):
    latest = project.deliverables.filter(kind=kind).order_by("-version").first()
    saved = services.deliverable_save(
        project=project, user=producer, kind=kind, base_version=latest.version if latest else 0,
        script="开场：清晨的社区。", narration="在华山街道……", note="初稿",
        shots=[{"number": 1, "picture": "街道全景", "camera_movement": "航拍", "duration_seconds": 8}],
        from_upload=kind == "cut",
    )
    if kind == "cut":
        processed_cut(saved)
    return services.deliverable_submit(project=project, user=producer, kind=kind)


def processed_cut(deliverable, *, qc_passed=True):
    """A cut row as the media pipeline leaves it, for tests about the workflow around cuts; the
    pipeline itself runs for real in tests/media."""
    from media.models import Cut

    return Cut.objects.create(
        deliverable=deliverable, original_key=f"cuts/{deliverable.project_id}/v{deliverable.version}/original/cut.mp4",
        original_name="cut.mp4", size=1, sha256="0" * 64, status=Cut.Status.READY, progress=1.0, qc_passed=qc_passed,
    )


def measured_draft_cut(project, producer, width, height):
    """Version 1 of the project's cut, a draft whose stored QC measures are a clean film of the
    genre's length at ``width``×``height`` (for re-judging it when the spec changes)."""
    from media.models import Cut

    deliverable = services.deliverable_save(project=project, user=producer, kind="cut", base_version=0,
                                            note="v1", from_upload=True)
    cut = processed_cut(deliverable)
    minutes = (project.genre.target_minutes_min + project.genre.target_minutes_max) / 2
    Cut.objects.filter(pk=cut.pk).update(qc={"report": qc_report(width, height, duration=minutes * 60).as_dict(), "findings": []})
    return Cut.objects.get(pk=cut.pk)


def png_bytes(width, height) -> bytes:
    """A red picture, as a storyboard frame."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def qc_report(width=1920, height=1080, **changes):
    """The measures of a clean 10-minute 1080p25 film, but for ``changes``."""
    from media.qc import QCReport

    base = dict(duration=600.0, width=width, height=height, fps=25.0, has_audio=True, integrated_lufs=-24.0,
                true_peak_dbtp=-3.0, loudness_range_lu=8.0, black=[], silence=[], freeze=[])
    return QCReport(**{**base, **changes})
