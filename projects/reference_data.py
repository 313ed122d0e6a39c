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
    try:
        apps.get_model("projects", "VocabularyTerm")
    except LookupError:  # migration 0002 runs before the model exists; 0007 loads it then
        return
    load_vocabulary(apps)


def load_vocabulary(apps):
    VocabularyTerm = apps.get_model("projects", "VocabularyTerm")
    rows = (
        [("word", w, "", 1.0) for w in VOCABULARY_WORDS]
        + [("synonym", v, c, 1.0) for v, c in VOCABULARY_SYNONYMS]
        + [("theme", w, "", x) for w, x in VOCABULARY_THEMES]
        + [("stop", w, "", 1.0) for w in VOCABULARY_STOPS]
    )
    for kind, term, canonical, weight in rows:
        VocabularyTerm.objects.get_or_create(kind=kind, term=term, defaults={"canonical": canonical, "weight": weight})


# --- the homogeneity check's vocabulary (projects/similarity.py; admin → Homogeneity vocabulary) ---
# Kinds: "word" = a term of this field the segmenter must keep whole; "synonym" = a variant folded
# into its canonical form (a canonical of several words is written with spaces: 种花 → 种植 花卉);
# "theme" = a word nearly every pitch shares, weighted down (the weight, 0–1, is how much it still
# counts); "stop" = glue that says nothing about the story.
VOCABULARY_WORDS = [
    "党建地图", "党群活动", "党群服务中心", "五华元素", "五华先锋", "云岭先锋", "智慧党建", "智慧党教",
    "红色物业", "红色管家", "红色影院", "红色基因", "红色堡垒", "楼宇党建", "党建引领", "新时代文明实践",
    "三会一课", "主题党日", "万名党员进党校", "微党课", "老支书", "村支书", "第一书记", "驻村工作队",
    "网格员", "护林员", "邮递员", "乡村振兴", "基层治理", "老旧小区", "无物业小区", "易地搬迁",
    "集体经济", "合作社", "党员教育", "实训基地", "枫桥经验", "流动党员", "流动党校", "红军长征",
    "飞虎队", "讲武堂", "曙光社区", "东华路", "官渡古镇", "滇池", "翠湖", "一键预约", "触手可及",
    "直播带货", "电商主播", "非遗传承人", "大学生村官", "退役军人", "快递小哥", "农民工", "烈士陵园",
    "抗美援朝", "党员先锋岗", "党员突击队", "志愿服务", "垃圾分类", "加装电梯", "四点半课堂", "社区管",
]
# variant → canonical
VOCABULARY_SYNONYMS = [
    ("带头", "带领"), ("带动", "带领"), ("率领", "带领"), ("领着", "带领"),
    ("脱贫攻坚", "扶贫"), ("精准扶贫", "扶贫"), ("脱贫", "扶贫"), ("帮扶", "扶贫"),
    ("村民", "群众"), ("乡亲", "群众"), ("乡亲们", "群众"), ("老乡", "群众"), ("百姓", "群众"),
    ("老百姓", "群众"), ("居民", "群众"),
    ("增收致富", "致富"), ("增收", "致富"), ("富裕", "致富"), ("带富", "带领 致富"),
    ("回乡", "返乡"), ("还乡", "返乡"), ("归乡", "返乡"), ("回村", "返乡"),
    ("村党支部书记", "村支书"), ("村党总支书记", "村支书"), ("村书记", "村支书"),
    ("调解", "化解"), ("矛盾", "纠纷"), ("种花", "种植 花卉"), ("鲜花", "花卉"), ("种", "种植"),
    ("无人管理", "无物业"), ("无物业小区", "无物业 小区"), ("列车", "火车"), ("高铁", "火车"),
    ("大山", "山区"), ("深山", "山区"), ("山村", "山区"), ("雪域", "高原"), ("驻村第一书记", "驻村 第一书记"),
    ("海洋", "海上"), ("渔业", "养殖"), ("讲述", "讲"), ("宣讲", "讲"), ("农技员", "技术员"),
    ("指导", "教"), ("退休", "银发"), ("回流", "返乡"), ("卖", "销售"), ("卖茶", "销售 茶叶"),
    ("茶", "茶叶"), ("守", "守护"), ("坚守", "守护"), ("护水", "守护 河湖"), ("巡河", "巡护 河湖"),
]
# theme word, weight
VOCABULARY_THEMES = [
    (w, 0.25) for w in (
        "党员", "故事", "红色", "党建", "党建引领", "党组织", "基层党组织", "党支部", "支部", "基层",
        "群众", "党群", "先锋", "初心", "使命", "担当", "奉献", "奋斗", "精神", "传承", "新时代", "时代",
        "服务", "为民", "发展", "建设", "助力", "带领", "致富", "乡村振兴", "振兴", "乡村", "社区",
        "志愿者", "志愿", "一线", "力量", "实践", "治理", "基层治理", "守护", "扎根", "之路", "路上",
        "中国", "幸福", "美丽", "温暖", "榜样", "模范", "干部", "党员干部", "五华元素", "五华", "特色",
        "模式", "探索", "经验", "推进", "打造", "引领", "老党员", "优秀", "典型", "事迹", "感人", "党员教育", "冲锋",
    )
] + [
    # Roles: two films about a 第一书记 may well tell different stories, but sharing the role says
    # more than sharing 党员.
    # Places: "same place, different story" is the commonest false alarm, and a place name added to
    # a title is the commonest paraphrase. The seed text's places; the office adds its own.
    (w, 0.5) for w in ("曙光社区", "东华路", "官渡古镇", "官渡", "滇池", "翠湖", "西山区", "五华区", "金马街道",
                       "吴井街道", "富民", "前卫街道", "福海街道", "东川区", "嵩明", "西翥街道", "护国街道")
] + [
    (w, 0.5) for w in ("第一书记", "驻村", "村支书", "老支书", "书记", "网格", "志愿服务", "实训基地", "党校", "返乡", "青年")
]
VOCABULARY_STOPS = [
    "的", "了", "在", "让", "和", "与", "及", "是", "为", "把", "被", "给", "从", "向", "对", "这", "那",
    "一名", "一位", "一个", "一群", "我们", "他们", "她们", "我", "他", "她", "都", "也", "又", "里", "上",
    "中", "之", "着", "以", "将", "得", "地", "等", "做", "来", "去", "一", "有", "就", "更", "走进",
]
