"""The rubric a new install starts with. The office edits it, or adds others, in the admin; the
migration that loads it never overwrites rows that already exist.

The criteria follow the seed's own gates: political orientation as the veto (政治导向正确、导向鲜明),
then theme and educational value, story and expression (用党员群众熟悉的语言讲故事), genre elements,
and the craft the stage reviews check (script, picture, sound, subtitles).
"""

RUBRIC = ("standard", "党员教育视频片成片评审标准", "Member-education film panel rubric")

# code, 中文, English, 说明, description, weight, veto
CRITERIA = [
    ("political", "政治导向", "Political orientation",
     "政治正确、导向鲜明，符合时代主旋律；不通过即一票否决。",
     "Politically correct with a clear orientation, in tune with the times; failing it vetoes the film.", 0, True),
    ("theme", "主题与教育意义", "Theme and educational value",
     "主题鲜明，贴近党员群众，具有教育意义和启发性。",
     "A clear theme close to members' lives, with educational value.", 30, False),
    ("story", "故事性与表达", "Story and expression",
     "用党员群众熟悉的语言、习惯的方式讲述先进事迹和感人故事，人物和情节生动饱满。",
     "Tells the deeds and stories in the language and manner members know; vivid people and plot.", 25, False),
    ("genre", "片型要素", "Genre elements",
     "具备所属片型的要素，形式服务内容。",
     "Has the elements its genre requires; form serves content.", 15, False),
    ("picture", "画面与运镜", "Picture and camera work",
     "画面清晰、构图讲究，运镜流畅，剪辑节奏得当。",
     "Clear, well composed picture, fluent camera movement, good editing rhythm.", 15, False),
    ("sound", "声音与字幕", "Sound and subtitles",
     "解说、同期声与音乐清晰平衡，字幕准确无误。",
     "Narration, location sound and music clear and balanced; subtitles accurate.", 15, False),
]


def load(apps):
    Rubric = apps.get_model("reviews", "Rubric")
    Criterion = apps.get_model("reviews", "Criterion")
    code, name, name_en = RUBRIC
    rubric, _ = Rubric.objects.get_or_create(code=code, defaults={"name": name, "name_en": name_en})
    for position, (ccode, cname, cname_en, text, text_en, weight, veto) in enumerate(CRITERIA):
        Criterion.objects.get_or_create(
            rubric=rubric, code=ccode,
            defaults={"name": cname, "name_en": cname_en, "description": text, "description_en": text_en,
                      "weight": weight or 1, "is_veto": veto, "min_score": 0, "max_score": 10, "position": position},
        )
