"""Demo data: a topic call, three units, one account per role, projects in every workflow state,
and screenings of the films in screening (``screenings.demo``).

Safe to run twice: when the demo call exists it only prints the accounts again.
"""

import datetime as dt
import subprocess
import tempfile
from pathlib import Path

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from media import services as media_services
from media.tasks import process_cut
from projects import services
from reviews import demo as reviews_demo
from projects.models import (
    ChecklistItem,
    Genre,
    Membership,
    Origin,
    State,
    TopicCall,
    Track,
    Unit,
)
from reports import demo as reports_demo
from screenings import demo as screenings_demo

PASSWORD = "reelwork-demo"


def _demo_frame(sky: str):
    """A storyboard frame drawn here (a sky, a street, a building): the editor's thumbnails in the
    demo, with no picture file in the repository."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 360), sky)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 250, 640, 360), fill="#5b5f66")
    draw.rectangle((380, 90, 520, 250), fill="#b33a3a")
    for x in range(395, 510, 30):
        draw.rectangle((x, 110, x + 15, 135), fill="#f3e3b0")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return SimpleUploadedFile("frame.png", buffer.getvalue(), content_type="image/png")
UNITS = [("huashan", "华山街道"), ("huguo", "护国街道"), ("xiyi", "西翥街道")]
ACCOUNTS = [
    ("office", "电教中心 王老师", ["office"], []),
    ("producer_a", "华山街道 李编导", ["producer"], ["huashan"]),
    ("producer_b", "护国街道 张编导", ["producer"], ["huguo"]),
    ("producer_c", "西翥街道 赵编导", ["producer"], ["xiyi"]),
    ("panelist", "评审专家 陈教授", ["panelist"], []),
    ("panelist_b", "分管领导 周部长", ["panelist"], []),
    ("panelist_c", "群众代表 杨大姐", ["panelist"], ["huguo"]),
    ("organiser", "展播组织 刘干事", ["organiser"], []),
]
# title, unit, genre, track, target state
PROJECTS = [
    ("退役军人返乡创业带富一方", "huashan", "exemplary", "project", State.TOPIC),
    ("退役军人党员回乡创业 带领乡亲致富", "huguo", "exemplary", "project", State.TOPIC),
    ("红色管家：老旧小区里的党员楼栋长", "huashan", "micro_film", "project", State.SCRIPT),
    ("滇池岸边的护水人", "huguo", "documentary", "project", State.STORYBOARD),
    ("一堂讲给新党员的入党誓词课", "xiyi", "micro_lecture", "mandatory", State.PRODUCTION),
    ("翠湖边的“银发宣讲团”", "huashan", "lecture", "project", State.PANEL_REVIEW),
    ("红色物业：小区里的党支部", "huguo", "micro_film", "project", State.PANEL_REVIEW),
    ("五华山下的初心故事", "huguo", "feature", "showcase", State.APPROVED),
    ("西翥山村的数字课堂", "xiyi", "animation", "project", State.SCREENING),
    ("昆明老街的非遗传承人", "huashan", "arts", "project", State.ARCHIVED),
    ("社区食堂里的一碗热汤", "huguo", "micro_film", "project", State.REJECTED),
    ("山路上的邮递员党员", "xiyi", "documentary", "project", State.CANCELLED),
]
ORDER = [State.TOPIC, State.SCRIPT, State.STORYBOARD, State.PRODUCTION, State.PANEL_REVIEW, State.APPROVED, State.SCREENING, State.ARCHIVED]


class Command(BaseCommand):
    help = "Load demo data (units, accounts, a topic call and projects in every state)."

    _clip = None

    def handle(self, *args, **options):
        year = timezone.localdate().year
        if TopicCall.objects.filter(theme__startswith="【演示】").exists():
            self.stdout.write("Demo data already loaded.")
        else:
            with transaction.atomic():
                self._load(year)
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write(f"Accounts (password for all: {PASSWORD}):")
        for username, name, groups, units in ACCOUNTS:
            self.stdout.write(f"  {username:<11} {', '.join(groups):<10} {name}")

    def _load(self, year):
        units = {code: Unit.objects.get_or_create(code=code, defaults={"name": name})[0] for code, name in UNITS}
        users = {}
        for username, full_name, groups, unit_codes in ACCOUNTS:
            user, _ = User.objects.get_or_create(username=username, defaults={"first_name": full_name})
            user.set_password(PASSWORD)
            user.is_staff = username == "office"
            user.is_superuser = username == "office"
            user.save()
            user.groups.set(Group.objects.filter(name__in=groups))
            for code in unit_codes:
                Membership.objects.get_or_create(user=user, unit=units[code])
            users[username] = user
        today = timezone.localdate()
        call = TopicCall.objects.create(
            year=year,
            theme="【演示】讲好身边的党员故事",
            description="围绕中心、服务大局，突出本土元素，避免同质化。",
            opens_on=today - dt.timedelta(days=30),
            closes_on=today + dt.timedelta(days=60),
        )
        office = users["office"]
        projects = {}
        for index, (title, unit_code, genre_code, track_code, target) in enumerate(PROJECTS):
            genre, track = Genre.objects.get(code=genre_code), Track.objects.get(code=track_code)
            producer = next(u for n, _, _, codes in ACCOUNTS if unit_code in codes for u in [users[n]])
            author = office if track.assigned_by_office else producer
            topic = services.topic_pitch(
                user=author, call=call, unit=units[unit_code], title=title, genre=genre, proposed_track=track,
                logline=f"{title}——来自{units[unit_code].name}的基层故事。", local_elements="五华元素",
            )
            project = topic.project
            # Deadlines spread so the demo shows green, yellow and red milestones.
            deadline = today + dt.timedelta(days=[120, 90, 45, 60, 30, 20, 25, 75, 40, 10, 50, 35][index])
            origin = Origin.ASSIGNED if track.assigned_by_office else Origin.SELF_SELECTED
            services.project_plan(project=project, user=office, genre=genre, track=track, origin=origin, deadline=deadline)
            self._walk(project, target, producer, office, users["organiser"])
            projects[title] = project
        reviews_demo.seed(users=users, projects=projects,
                          upload_cut=lambda p: self._upload_demo_cut(p, users["producer_a"], office))
        screenings_demo.seed(organiser=users["organiser"], office=office)
        # A year of work behind the demo call (and last year's), for the annual report's charts.
        producers = {code: users[n] for n, _, _, codes in ACCOUNTS for code in codes if n.startswith("producer")}
        reports_demo.seed(users=users, producers=producers)

    def _walk(self, project, target, producer, office, organiser):
        if target == State.REJECTED:
            services.project_fire(project=project, user=office, name="reject", reason="与往年选题重复，建议换角度。")
            return
        if target == State.CANCELLED:
            services.project_fire(project=project, user=office, name="approve", reason="同意立项")
            services.project_fire(project=project, user=office, name="cancel", reason="主人公工作调动，暂停拍摄。")
            return
        if target == State.TOPIC:
            return
        services.project_fire(project=project, user=office, name="approve", reason="同意立项" if project.topic.flagged else "")
        while project.state != target:
            self._step(project, producer, office, organiser)

    def _upload_demo_cut(self, project, producer, office):
        """A short clip made by ffmpeg, uploaded and processed like a real cut. It is too short and
        too small for the genre, so QC fails and the office waives it, as it would for a rough cut."""
        if self._clip is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="reelwork-demo-")
            self._clip = Path(self._tmp.name) / "样片.mp4"
            subprocess.run(
                ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
                 "-f", "lavfi", "-i", "testsrc2=d=4:s=640x360:r=25", "-f", "lavfi", "-i", "sine=f=440:d=4",
                 "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(self._clip)],
                check=True, timeout=120, stdin=subprocess.DEVNULL,
            )
        cut = media_services.cut_import(project=project, user=producer, path=self._clip, note="粗剪")
        process_cut.call(cut.pk)
        cut.refresh_from_db()
        if not cut.qc_passed:
            media_services.cut_waive_qc(cut=cut, user=office, reason="演示数据：样片为测试画面，技术指标豁免。")

    def _step(self, project, producer, office, organiser):
        state = project.state
        if state == State.PRODUCTION:
            self._upload_demo_cut(project, producer, office)
            services.deliverable_submit(project=project, user=producer, kind="cut")
            return
        if state in (State.SCRIPT, State.STORYBOARD):
            kind = {State.SCRIPT: "script", State.STORYBOARD: "storyboard"}[state]
            services.deliverable_save(
                project=project, user=producer, kind=kind, base_version=0,
                script="【开场】清晨，社区广场。\n【主体】人物讲述与现场记录。\n【结尾】群众评价，点题。",
                narration="在五华，有这样一群人……", note="初稿",
                shots=[
                    {"number": 1, "picture": "航拍街道全景", "shot_size": "long", "dialogue": "在五华……",
                     "camera_movement": "航拍推进", "duration_seconds": 8, "notes": "清晨逆光拍摄", "frame": _demo_frame("#7fa7d6")},
                    {"number": 2, "picture": "主人公走进楼栋", "shot_size": "full", "dialogue": "", "camera_movement": "跟拍",
                     "duration_seconds": 12, "frame": _demo_frame("#c9a36b")},
                    {"number": 3, "picture": "主人公讲述入党初心", "shot_size": "close", "dialogue": "那年我二十岁……",
                     "camera_movement": "固定", "duration_seconds": 15, "notes": "同期声，注意收音"},
                ],
            )
            services.deliverable_submit(project=project, user=producer, kind=kind)
        if project.state in (State.SCRIPT, State.STORYBOARD, State.PANEL_REVIEW):
            items = ChecklistItem.objects.filter(stage=project.state, active=True)
            services.stage_review_record(
                project=project, user=office, decision="advance", comment="同意进入下一阶段。",
                results={item.pk: (True, "") for item in items},
            )
        elif state == State.APPROVED:
            services.project_fire(project=project, user=organiser, name="start_screening")
        elif state == State.SCREENING:
            services.project_fire(project=project, user=organiser, name="archive")
