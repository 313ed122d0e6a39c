"""Words a reader meets (issue 11, defect 5): no untranslated Django strings, people by their
display names, QC named as on the cut page, likeness and running times in words, and the app's
own 404/403/500 pages in the reader's language (with DEBUG off, as in production)."""

import re

import pytest
from django.contrib.auth.models import User
from django.urls import include, path, reverse
from django.utils import translation

from media.qc import finding_message
from projects import services
from projects.models import State
from tests.support.factories import processed_cut


def boom(request):
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", boom), path("", include("studio.urls"))]


@pytest.fixture
def production(settings):
    settings.DEBUG = False


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("language, not_found, server_error", [
    ("zh-hans", "找不到页面", "出错了"), ("en", "Page not found", "Something went wrong"),
])
def test_404_403_and_500_are_the_apps_own_pages_in_the_readers_language(
    client, production, office, producer_a, make_project, language, not_found, server_error
):
    project = make_project(State.SCRIPT)
    client.force_login(producer_a)
    client.cookies["django_language"] = language
    missing = client.get("/projects/999999/")
    assert missing.status_code == 404
    page = missing.content.decode()
    assert f'<h1 id="not-found">{not_found}</h1>' in page and 'class="top"' in page  # ours, inside the site's frame
    assert "Not Found" not in page and "requested resource" not in page
    refused = client.get(reverse("project-plan", args=[project.pk]))
    assert refused.status_code == 403
    with translation.override(language):
        assert translation.gettext("Only the education office plans projects.") in refused.content.decode()
    client.raise_request_exception = False
    broken = client.get("/boom/")
    assert broken.status_code == 500
    assert f"<h1>{server_error}</h1>" in broken.content.decode()
    assert f'lang="{language}"' in broken.content.decode()


def test_djangos_own_strings_read_in_chinese_in_forms_and_the_admin(client, make_project):
    project = make_project(State.TOPIC)
    root = User.objects.create_superuser("root", password="pw-root")
    client.force_login(root)
    change = client.get(reverse("admin:projects_videoproject_change", args=[project.pk])).content.decode()
    assert "Select an option" not in change and "请选择" in change
    changelist = client.get(reverse("admin:projects_videoproject_changelist")).content.decode()
    assert "Filter by" not in changelist
    index = client.get(reverse("admin:index")).content.decode()
    # Every app heading of the admin index is in Chinese.
    captions = re.findall(r'<caption>\s*<a [^>]*>([^<]+)</a>', index)
    assert captions and not [c for c in captions if re.search(r"[A-Za-z]{3,}", c)], captions


def test_people_qc_and_likeness_read_as_words_on_the_project_page(client, office, producer_a, make_project):
    producer_a.first_name = "王芳"
    producer_a.save()
    make_project(State.TOPIC, title="社区里的红色管家")
    project = make_project(State.PRODUCTION, title="社区里的红色管家们")  # resembles the first
    deliverable = services.deliverable_save(project=project, user=producer_a, kind="cut", base_version=0,
                                            from_upload=True)
    processed_cut(deliverable, qc_passed=False)
    client.force_login(office)
    page = client.get(reverse("project-detail", args=[project.pk])).content.decode()
    assert "王芳" in page and "producer_a" not in page
    assert "技术质检 未通过" in page and "QC ✗" not in page and "QC ✓" not in page
    score = project.topic.similarities.get().score
    assert f"相似度 {round(score * 100)}%" in page and f"{score:.2f}" not in page


def test_running_times_read_as_seconds_and_minutes():
    params = {"value": 10.0, "min": 480, "max": 900}
    with translation.override("zh-hans"):
        assert finding_message("duration", params) == "片长为10 秒，须在8 分钟至15 分钟之间。"
    with translation.override("en"):
        assert finding_message("duration", params) == "The film runs 10 s; it must run between 8 min and 15 min."
        assert finding_message("duration", {"value": 95.4, "min": 0, "max": None}).startswith("The film runs 1 min 35 s;")
