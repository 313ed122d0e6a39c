"""Course kinds shipped with the app (the office may add more in the admin). Venues are local data:
none are shipped, the demo seeds some."""

COURSE_KINDS = [
    ("party_school", "万名党员进党校", "Ten thousand members to the Party school"),
    ("new_members", "发展党员培训", "Training for new members"),
    ("activists", "入党积极分子培训", "Training for membership applicants"),
    ("party_affairs", "党务工作专题研讨班", "Party affairs seminar"),
]


def load(apps):
    CourseKind = apps.get_model("screenings", "CourseKind")
    for position, (code, name, name_en) in enumerate(COURSE_KINDS):
        CourseKind.objects.update_or_create(code=code, defaults={"name": name, "name_en": name_en, "position": position})
