"""The reference data a new install starts with. The office edits it in the admin afterwards;
the migration that loads it never overwrites rows that already exist."""

# code, 中文, English, required elements, expression, target minutes, workdays per stage
# (script, storyboard, production, panel review)
GENRES = [
    ("exemplary", "典型事迹片", "Exemplary deeds film", ["典型人物", "先进事迹", "感人细节", "人物成长与转折"],
     "突出故事性和艺术性：以人物和情节讲事迹，用细节打动人。", (8, 15), (10, 5, 25, 10)),
    ("micro_film", "微电影", "Micro-film", ["完整故事", "人物塑造", "戏剧冲突", "主题升华"],
     "突出故事性和艺术性：有起承转合，表演自然。", (8, 20), (15, 10, 30, 10)),
    ("arts", "文艺片", "Arts film", ["文艺形式（歌舞、快板、情景剧等）", "鲜明主题", "艺术感染力"],
     "突出艺术性：形式服务内容，群众喜闻乐见。", (5, 15), (10, 10, 25, 10)),
    ("documentary", "纪录片", "Documentary", ["清晰脉络", "真实记录", "细节呈现", "同期声与现场"],
     "突出脉络、真实和细节：不摆拍，不虚构。", (15, 30), (15, 5, 40, 10)),
    ("micro_lecture", "微党课", "Micro party lecture", ["授课人", "理论要点", "鲜活案例", "总结提炼"],
     "用党员群众熟悉的语言讲道理，案例贴近基层。", (8, 15), (8, 5, 15, 10)),
    ("feature", "专题片", "Thematic feature", ["鲜明主题", "完整结构", "解说词", "事实与数据"],
     "围绕一个主题，结构完整，论述有据。", (10, 25), (10, 5, 25, 10)),
    ("animation", "动漫片", "Animation", ["动画形象", "剧情", "知识点"],
     "形象生动，知识点准确，适合新媒体传播。", (3, 10), (10, 15, 40, 10)),
    ("lecture", "理论宣讲片", "Theory lecture film", ["宣讲人", "理论阐释", "联系实际"],
     "把理论讲透讲活，联系基层实际。", (10, 20), (8, 5, 15, 10)),
]

# code, 中文, English, assigned_by_office, rejectable, skips_preproduction, producer_may_cancel
TRACKS = [
    ("project", "立项", "Approved project", False, True, False, True),
    ("showcase", "展播", "Showcase", False, True, True, True),
    ("mandatory", "必拍", "Mandatory shoot", True, False, False, False),
]

# Every stage checks the three items of the seed text; political orientation is a veto.
COMMON_CHECKS = [
    ("political", "政治导向", "Political orientation", True),
    ("genre", "片型要素", "Genre conformity", False),
    ("education", "教育意义", "Educational value", False),
]
STAGE_CHECKS = {
    "script": [("script", "脚本", "Script", False), ("narration", "解说词", "Narration", False)],
    "storyboard": [("shots", "分镜", "Shot list", False), ("camera", "运镜", "Camera movement", False)],
    "panel_review": [
        ("subtitles", "字幕", "Subtitles", False),
        ("sound", "声音", "Sound", False),
        ("picture", "画面", "Picture", False),
    ],
}
STAGES = ["script", "storyboard", "production", "panel_review"]
ROLE_GROUPS = ["office", "producer", "panelist", "organiser"]


def load(apps):
    Genre = apps.get_model("projects", "Genre")
    Track = apps.get_model("projects", "Track")
    StageDuration = apps.get_model("projects", "StageDuration")
    ChecklistItem = apps.get_model("projects", "ChecklistItem")
    Group = apps.get_model("auth", "Group")

    for position, (code, name, name_en, elements, expression, minutes, days) in enumerate(GENRES):
        genre, _ = Genre.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "required_elements": "\n".join(elements),
                "expression": expression,
                "target_minutes_min": minutes[0],
                "target_minutes_max": minutes[1],
                "position": position,
            },
        )
        for stage, workdays in zip(STAGES, days):
            StageDuration.objects.get_or_create(
                genre=genre, stage=stage, defaults={"workdays": workdays, "warn_days": 5 if stage == "production" else 3}
            )
    for position, (code, name, name_en, assigned, rejectable, skips, may_cancel) in enumerate(TRACKS):
        Track.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "assigned_by_office": assigned,
                "rejectable": rejectable,
                "skips_preproduction": skips,
                "producer_may_cancel": may_cancel,
                "position": position,
            },
        )
    for stage, specific in STAGE_CHECKS.items():
        for position, (code, name, name_en, veto) in enumerate(COMMON_CHECKS + specific):
            ChecklistItem.objects.get_or_create(
                stage=stage, code=code, defaults={"name": name, "name_en": name_en, "is_veto": veto, "position": position}
            )
    for name in ROLE_GROUPS:
        Group.objects.get_or_create(name=name)
