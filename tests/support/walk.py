"""The main walk of issue #11: the pages the office, producers, panelists and the organiser use from
pitch to approval, the panel and the screenings, in the world ``manage.py seed_demo`` makes (what a
new user sees after ``./run``: a project in every state, real cuts, a panel session with comments,
three screening events). Shared by the i18n test (every page in zh-hans, no English msgid left) and
the browser test of layout and accessibility.

``seed()`` loads the demo; ``pages()`` names each page as (username, name, URL). The demo's
accounts log in with ``seed_demo.PASSWORD``.
"""

from django.core.management import call_command
from django.urls import reverse

PASSWORD = "reelwork-demo"
# The pages whose screenshots issue #11 asks for, at both widths and in both languages.
PRODUCERS = {"huashan": "producer_a", "huguo": "producer_b", "xiyi": "producer_c"}  # seed_demo's units
SCREENSHOTS = {"office-dashboard", "producer-dashboard", "project", "review-cut", "cut"}


def seed():
    """The demo world, through the same services the pages use (seed_demo uploads and processes
    its cuts with the real pipeline). Call with a storage directory of the test's own set."""
    call_command("seed_demo", stdout=_Quiet())
    # The demo's film in the script stage has no script yet: its producer writes and submits one,
    # so the office has a script to review as well as a cut.
    from django.contrib.auth.models import User

    from projects.models import State, VideoProject
    from tests.support.factories import submit_version

    script = VideoProject.objects.filter(state=State.SCRIPT).order_by("pk").first()
    submit_version(script, User.objects.get(username=PRODUCERS[script.unit.code]), "script")


class _Quiet:
    def write(self, *_args, **_kwargs):
        pass

    def flush(self):
        pass


def pages() -> list[tuple[str, str, str]]:
    from media.models import Cut
    from projects.models import State, TopicCall, VideoProject
    from reviews.models import Entry, Panel, Session
    from screenings.models import Event

    def project(state):
        return VideoProject.objects.filter(state=state).select_related("unit").order_by("pk").first()

    topic, script, storyboard = project(State.TOPIC), project(State.SCRIPT), project(State.STORYBOARD)
    production, review = project(State.PRODUCTION), project(State.PANEL_REVIEW)
    cut = Cut.objects.filter(deliverable__project=review).order_by("-deliverable__version").first()
    call = TopicCall.objects.order_by("pk").first()
    scoring = Session.objects.filter(phase="scoring").order_by("pk").first()
    entry = Entry.objects.filter(session=scoring).order_by("pk").first()
    panel = Panel.objects.order_by("pk").first()
    cloud, course = (Event.objects.filter(kind=kind).order_by("pk").first() for kind in ("cloud", "course"))

    def producer_of(p):
        return PRODUCERS[p.unit.code]

    return [
        ("office", "office-dashboard", reverse("dashboard")),
        ("office", "project-list", reverse("project-list")),
        ("office", "calls", reverse("call-list")),
        ("office", "plan", reverse("project-plan", args=[topic.pk])),
        ("office", "topic", reverse("project-detail", args=[topic.pk])),
        ("office", "review-script", reverse("stage-review", args=[script.pk])),
        ("office", "project", reverse("project-detail", args=[review.pk])),
        ("office", "review-cut", reverse("stage-review", args=[review.pk])),
        ("office", "cut", reverse("cut-detail", args=[cut.pk])),
        ("office", "panels", reverse("panel-home")),
        ("office", "panel", reverse("panel-detail", args=[panel.pk])),
        ("office", "session", reverse("panel-session", args=[scoring.pk])),
        ("office", "board", reverse("panel-board", args=[scoring.pk])),
        ("office", "notifications", reverse("notifications")),
        ("office", "screenings", reverse("event-list")),
        ("office", "screening-totals", reverse("screening-totals")),
        ("producer_a", "producer-dashboard", reverse("dashboard")),
        ("producer_a", "pitch", reverse("topic-pitch", args=[call.pk])),
        (producer_of(script), "script-project", reverse("project-detail", args=[script.pk])),
        (producer_of(script), "script-edit", reverse("script-edit", args=[script.pk])),
        (producer_of(storyboard), "storyboard-edit", reverse("storyboard-edit", args=[storyboard.pk])),
        (producer_of(production), "production-project", reverse("project-detail", args=[production.pk])),
        (producer_of(review), "rectification", reverse("project-rectification", args=[review.pk])),
        (producer_of(review), "notifications-producer", reverse("notifications")),
        ("panelist", "panels-panelist", reverse("panel-home")),
        ("panelist", "room", reverse("panel-entry", args=[scoring.pk, entry.pk])),
        ("organiser", "screenings-organiser", reverse("event-list")),
        ("organiser", "event-new", reverse("event-create", args=["cloud"])),
        ("organiser", "event-cloud", reverse("event-detail", args=[cloud.pk])),
        ("organiser", "event-course", reverse("event-detail", args=[course.pk])),
    ]
