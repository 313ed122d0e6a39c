"""The Django admin keeps the rules the pages keep: planning goes through ``services.project_plan``
(schedule rebuilt, QC judged again, its refusals shown with nothing saved), and the audit trail
and the versions can be looked at, never edited, added or deleted.

Every request goes through the real admin with the test client, and every POST is what a browser
would send from the rendered change form (see ``form_data``), with only the fields under test changed.
"""

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from media.models import Cut, QCWaiver, Rendition, Upload
from projects import schedule, services
from projects.models import (
    Deliverable,
    Holiday,
    Milestone,
    ProjectTransition,
    Shot,
    StageReview,
    StageReviewItem,
    State,
    Topic,
    TopicSimilarity,
    Track,
    VideoProject,
)
from tests.support.factories import make_user, measured_draft_cut


class _FormFields(HTMLParser):
    """The name/value pairs a browser submits from the admin's change form."""

    def __init__(self):
        super().__init__()
        self.data, self._in_form, self._select, self._textarea = {}, False, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id", "").endswith("_form"):
            self._in_form = True
        name = attrs.get("name")
        if not self._in_form or (name is None and tag != "option"):
            return
        if tag == "input" and attrs.get("type") not in ("submit", "button", "file", "image"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.data[name] = attrs.get("value", "on")
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.data[self._select] = attrs.get("value", "")
        elif tag == "textarea":
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.data[self._textarea] = self.data[self._textarea].removeprefix("\n")
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data


def form_data(response) -> dict:
    parser = _FormFields()
    parser.feed(response.content.decode())
    return parser.data


def change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def english_client(user) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(user)
    return client


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", password="pw-root")


@pytest.fixture
def office_staff(office):
    """The office's account, allowed into the admin for projects (and to look at their records)."""
    office.is_staff = True
    office.save()
    office.user_permissions.set(Permission.objects.filter(codename__in=["view_videoproject", "change_videoproject"]))
    return office


@pytest.fixture
def other_staff(db):
    """Staff with the same admin permissions, but not in the education office."""
    user = make_user("it_support")
    user.is_staff = True
    user.save()
    user.user_permissions.set(Permission.objects.filter(codename__in=["view_videoproject", "change_videoproject"]))
    return user


def plan_post(client, project, **changes):
    """Open the project's change page, change ``changes`` on the form, and save it."""
    page = client.get(change_url(project))
    assert page.status_code == 200
    data = form_data(page)
    for name, value in changes.items():
        assert name in data, f"no field {name!r} on the form"
        data[name] = value
    return client.post(change_url(project), data)


def workday_after(days: int) -> dt.date:
    calendar = schedule.WorkCalendar.load()
    day = timezone.localdate() + dt.timedelta(days=days)
    while not calendar.is_workday(day):
        day += dt.timedelta(days=1)
    return day


def project_record(project) -> dict:
    """Everything about a project the admin could change, row by row."""
    project = VideoProject.objects.get(pk=project.pk)
    return {
        "project": VideoProject.objects.filter(pk=project.pk).values().get(),
        "milestones": list(project.milestones.order_by("stage").values()),
        "transitions": list(project.transitions.order_by("pk").values()),
        "deliverables": list(project.deliverables.order_by("pk").values()),
        "shots": list(Shot.objects.filter(deliverable__project=project).order_by("pk").values()),
        "reviews": list(project.reviews.order_by("pk").values()),
        "review_items": list(StageReviewItem.objects.filter(review__project=project).order_by("pk").values()),
        "cuts": list(Cut.objects.filter(deliverable__project=project).order_by("pk").values()),
        "uploads": list(Upload.objects.filter(project=project).order_by("pk").values()),
        "renditions": list(Rendition.objects.filter(cut__deliverable__project=project).order_by("pk").values()),
        "waivers": list(QCWaiver.objects.filter(cut__deliverable__project=project).order_by("pk").values()),
        "topic": Topic.objects.filter(pk=project.topic_id).values().get(),
        "similarities": list(TopicSimilarity.objects.order_by("pk").values()),
    }


# --- planning through the service --------------------------------------------------------------


def test_changing_the_deadline_in_the_admin_replans_the_milestones(make_project, office_staff):
    project = make_project(State.STORYBOARD, deadline=workday_after(120))
    before = dict(project.milestones.values_list("stage", "due_on"))
    script_done = project.milestones.get(stage="script").done_on
    later = workday_after(150)

    response = plan_post(english_client(office_staff), project, deadline=later.isoformat())

    assert response.status_code == 302
    project.refresh_from_db()
    after = dict(project.milestones.values_list("stage", "due_on"))
    assert project.deadline == later
    assert after["panel_review"] == later
    assert all(after[stage] > before[stage] for stage in before)
    # What is already done stays done.
    assert script_done is not None
    assert project.milestones.get(stage="script").done_on == script_done
    assert project.next_due == project.milestones.filter(done_on__isnull=True).order_by("due_on").first().due_on


def test_the_admin_says_the_schedule_was_recomputed(make_project, office_staff):
    project = make_project(State.SCRIPT)
    client = english_client(office_staff)

    response = plan_post(client, project, deadline=workday_after(200).isoformat())
    page = client.get(response.url).content.decode()

    assert "Plan saved; the schedule was recomputed from the deadline." in page


def test_changing_the_spec_in_the_admin_judges_the_draft_cut_again(make_project, producer_a, office_staff):
    project = make_project(State.PRODUCTION)
    cut = measured_draft_cut(project, producer_a, 1920, 1080)

    response = plan_post(english_client(office_staff), project, spec_resolution="3840x2160")

    assert response.status_code == 302
    cut.refresh_from_db()
    assert cut.qc_passed is False
    assert [f["code"] for f in cut.qc["findings"]] == ["resolution"]


def test_changing_the_track_after_approval_is_refused_with_the_message_and_changes_nothing(make_project, office_staff):
    project = make_project(State.SCRIPT)
    before = project_record(project)
    showcase = Track.objects.get(code="showcase")

    response = plan_post(english_client(office_staff), project, track=str(showcase.pk),
                         deadline=workday_after(300).isoformat())

    assert response.status_code == 409
    assert "The track decides the path through the gates: it can only change before approval." in response.content.decode()
    assert project_record(project) == before


def test_the_refusal_reads_in_chinese_by_default(make_project, superuser):
    project = make_project(State.CANCELLED)
    client = Client()
    client.force_login(superuser)

    response = plan_post(client, project, deadline=workday_after(60).isoformat())

    assert response.status_code == 409
    assert "该项目已关闭。" in response.content.decode()


def test_the_track_can_still_change_before_approval(make_project, office_staff):
    project = make_project(State.TOPIC)
    showcase = Track.objects.get(code="showcase")

    response = plan_post(english_client(office_staff), project, track=str(showcase.pk),
                         origin="self_selected", deadline=workday_after(90).isoformat())

    assert response.status_code == 302
    project.refresh_from_db()
    assert project.track == showcase
    # A showcase film already exists: no script or storyboard to plan.
    assert set(project.milestones.values_list("stage", flat=True)) == {"production", "panel_review"}


def test_planning_a_closed_project_is_refused_and_changes_nothing(make_project, office_staff):
    project = make_project(State.CANCELLED)
    before = project_record(project)

    response = plan_post(english_client(office_staff), project, deadline=workday_after(60).isoformat())

    assert response.status_code == 409
    assert "This project is closed." in response.content.decode()
    assert project_record(project) == before


def test_a_plan_the_service_finds_invalid_answers_400_and_changes_nothing(make_project, superuser):
    project = make_project(State.TOPIC)
    before = project_record(project)

    response = plan_post(english_client(superuser), project, origin="", deadline=workday_after(60).isoformat())

    assert response.status_code == 400
    assert "Unknown origin." in response.content.decode()
    assert project_record(project) == before


def test_staff_outside_the_office_see_the_plan_but_cannot_change_it(make_project, office_staff, other_staff):
    project = make_project(State.SCRIPT)
    before = project_record(project)
    data = form_data(english_client(office_staff).get(change_url(project)))
    data["deadline"] = workday_after(300).isoformat()
    client = english_client(other_staff)

    page = client.get(change_url(project))
    response = client.post(change_url(project), data)

    assert page.status_code == 200
    assert 'name="deadline"' not in page.content.decode() and 'name="_save"' not in page.content.decode()
    assert response.status_code == 403
    assert project_record(project) == before


def test_the_workflow_fields_of_a_project_are_not_on_the_form(make_project, superuser):
    project = make_project(State.SCRIPT)
    before = project_record(project)
    client = english_client(superuser)
    data = form_data(client.get(change_url(project)))
    assert not {"state", "topic", "unit", "next_due"} & set(data)
    # Posted anyway, with the inline rows' dates, they are ignored.
    data.update(state=State.APPROVED, unit="999", next_due="2001-01-01",
                **{"milestones-0-due_on": "2001-01-01", "transitions-0-reason": "forged"})

    response = client.post(change_url(project), data)

    assert response.status_code == 302
    assert project_record(project) == before


def test_projects_are_neither_added_nor_deleted_in_the_admin(make_project, superuser):
    project = make_project(State.TOPIC)
    before = project_record(project)
    client = english_client(superuser)

    assert client.get(reverse("admin:projects_videoproject_add")).status_code == 403
    assert client.post(reverse("admin:projects_videoproject_delete", args=[project.pk]), {"post": "yes"}).status_code == 403
    client.post(reverse("admin:projects_videoproject_changelist"),
                {"action": "delete_selected", "_selected_action": [project.pk], "post": "yes"})
    assert project_record(project) == before


# --- the audit trail and the versions are read-only --------------------------------------------


@pytest.fixture
def full_record(make_project, producer_a, producer_b, unit_b, call, genre, office):
    """An approved project with every kind of record: versions, reviews, transitions, a cut with
    an upload and renditions, and a topic that resembles it."""
    project = make_project(State.APPROVED)
    cut = Cut.objects.get(deliverable__project=project)
    Upload.objects.create(project=project, user=producer_a, filename="cut.mp4", size=1, sha256="0" * 64, received=1,
                          status=Upload.Status.COMPLETE, cut=cut)
    Rendition.objects.create(cut=cut, kind=Rendition.Kind.POSTER, key=f"{cut.prefix}/poster.jpg", size=10)
    QCWaiver.objects.create(cut=cut, user=office, reason="片尾静音为设计")
    services.topic_pitch(user=producer_b, call=call, unit=unit_b, title=project.title + "（续）",
                         logline="另一个故事。", genre=genre, proposed_track=project.track)
    Holiday.objects.get_or_create(date=dt.date(2026, 10, 1), defaults={"name": "国庆节"})
    return project


# model, the field a POST would change, the value it tries
FORGERIES = [
    (Deliverable, "status", "draft"),
    (StageReview, "decision", "return"),
    (StageReview, "vetoed", "on"),
    (ProjectTransition, "target", State.CANCELLED),
    (Milestone, "due_on", "2001-01-01"),
    (Topic, "title", "改过的题目"),
    (Cut, "qc_waiver_reason", "forged"),
    (Upload, "status", "open"),
    (Rendition, "key", "elsewhere.jpg"),
    (QCWaiver, "reason", "forged"),
]


@pytest.mark.parametrize(("model", "field", "value"), FORGERIES, ids=lambda v: getattr(v, "__name__", str(v)))
def test_a_post_changing_an_audit_or_version_row_is_refused_and_changes_nothing(full_record, superuser, model, field, value):
    obj = model._default_manager.filter(**_of_project(model, full_record)).first()
    before = project_record(full_record)
    client = english_client(superuser)

    change = client.post(change_url(obj), {field: value, "_save": "Save"})
    delete = client.post(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_delete", args=[obj.pk]),
                         {"post": "yes"})
    add = client.post(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add"), {field: value})
    client.post(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"),
                {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"})

    assert (change.status_code, delete.status_code, add.status_code) == (403, 403, 403)
    assert project_record(full_record) == before


def _of_project(model, project):
    return {
        Deliverable: {"project": project},
        StageReview: {"project": project},
        ProjectTransition: {"project": project},
        Milestone: {"project": project},
        Topic: {"pk": project.topic_id},
        Cut: {"deliverable__project": project},
        Upload: {"project": project},
        Rendition: {"cut__deliverable__project": project},
        QCWaiver: {"cut__deliverable__project": project},
    }[model]


# Written by the services with the change they record: shown, never edited.
VIEW_ONLY = {Deliverable, StageReview, ProjectTransition, Milestone, Topic, Cut, Upload, Rendition, QCWaiver}


def test_every_registered_model_renders_its_list_and_change_pages(full_record, superuser):
    client = english_client(superuser)
    registered = set(admin.site._registry)
    assert VIEW_ONLY <= registered

    for model in registered:
        opts = model._meta
        assert client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")).status_code == 200, model
        obj = model._default_manager.order_by("pk").first()
        if obj is None and opts.app_label not in ("projects", "media"):
            continue  # another app's records (task results) that this test does not create
        assert obj is not None, f"no {model.__name__} to show"
        page = client.get(change_url(obj))
        assert page.status_code == 200, model
        if model in VIEW_ONLY:
            assert 'name="_save"' not in page.content.decode(), model
    # The project's page shows its schedule and timeline (view-only inlines).
    page = client.get(change_url(full_record)).content.decode()
    assert "Milestones" in page and "Transitions" in page and 'name="milestones-0-due_on"' not in page
