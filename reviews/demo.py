"""The panel part of the demo (``manage.py seed_demo``): a closed session that returned one film
with rectification items and passed another, the producer's answers on the new version, and an
open second session where one member has scored, one holds a draft and one has not begun, so a new
user sees the whole loop from any account."""

from projects import services as project_services
from projects.models import State, VideoProject
from reviews import services
from reviews.models import Rubric


def seed(*, users, projects, upload_cut):
    """``users`` by username, ``projects`` by title (in panel review, cut submitted);
    ``upload_cut(project)`` makes and processes a new cut version for the producer."""
    office = users["office"]
    rubric = Rubric.objects.get(code="standard")
    panel = services.panel_create(user=office, name="2026年度党员教育视频片评审工作组")
    members = {
        "panelist": services.member_add(panel=panel, user=office, member_user=users["panelist"], group="expert"),
        "panelist_b": services.member_add(panel=panel, user=office, member_user=users["panelist_b"], group="leader"),
        "panelist_c": services.member_add(panel=panel, user=office, member_user=users["panelist_c"], group="grassroots"),
    }
    revised, passed = projects["翠湖边的“银发宣讲团”"], projects["红色物业：小区里的党支部"]
    first = services.session_open(panel=panel, user=office, title="第一次集中评审", rubric=rubric,
                                  weights={"expert": 50, "leader": 30, "grassroots": 20})
    e_revised = services.entry_add(session=first, user=office, project=revised)
    e_passed = services.entry_add(session=first, user=office, project=passed)
    services.session_start_scoring(session=first, user=office)

    def comment(entry, who, body, frame, **kw):
        c = services.comment_add(entry=_fresh(entry), user=users[who], body=body, frame=frame, **kw)
        services.comment_thumbnail(comment=c)
        return c

    comment(e_revised, "panelist", "片头字幕“宣讲团”的“讲”字有误，请核对。", 12)
    comment(e_revised, "panelist_b", "这一段配乐盖过了人物讲述，建议压低。", 40, end_frame=75,
            drawing_data={"shapes": [{"type": "rect", "points": [[0.1, 0.7], [0.9, 0.95]], "color": "#e53935"}]})
    comment(e_revised, "panelist", "结尾点题清楚，节奏好。", 90, private=False)
    services.comment_resolve(comment=_fresh(e_revised).comments.get(frame=90), user=users["panelist"], resolved=True)
    comment(e_revised, "panelist_c", "老人们讲得朴实，群众看得懂。", 30, private=False)
    comment(e_passed, "panelist", "物业与支部的关系讲得清楚。", 30, private=False)
    marks = {"panelist": (7, 8), "panelist_b": (7, 9), "panelist_c": (6, 9)}
    for who, (low, high) in marks.items():
        # 杨大姐 belongs to 护国街道: she is excluded from its film, and the queue says so.
        _card(e_revised, users[who], low, remark="整体尚可，细节需整改。")
        _card(e_passed, users[who], high, remark="主题鲜明，推荐展播。")
    services.decision_confirm(entry=_fresh(e_passed), user=office, verdict="pass", note="同意通过，择优推荐展播。")
    services.decision_confirm(entry=_fresh(e_revised), user=office, verdict="revise", note="请按评审意见整改后重新报送。")
    services.session_close(session=first, user=office)

    # The producer answers each item against version 2, then submits it.
    producer = users["producer_a"]
    revised = VideoProject.objects.get(pk=revised.pk)
    upload_cut(revised)
    for item in revised_items(revised):
        services.item_answer(item=item, user=producer, answer="已按意见修改，见第2版。")
    project_services.deliverable_submit(project=revised, user=producer, kind="cut")
    revised = VideoProject.objects.get(pk=revised.pk)
    assert revised.state == State.PANEL_REVIEW

    second = services.session_open(panel=panel, user=office, title="第二次集中评审（复审）", rubric=rubric,
                                   weights={"expert": 50, "leader": 30, "grassroots": 20})
    e_second = services.entry_add(session=second, user=office, project=revised)
    services.session_start_scoring(session=second, user=office)
    _card(e_second, users["panelist"], 9, remark="整改到位。")
    services.card_save(entry=_fresh(e_second), user=users["panelist_b"], scores={}, vetoes={}, remark="", submit=False)
    first_item = revised_items(revised)[0]
    services.item_settle(item=first_item, user=users["panelist"], close=True)
    return members


def revised_items(project):
    from reviews.models import Item

    return list(Item.objects.filter(project=project).select_related("comment", "project").order_by("comment__frame"))


def _fresh(entry):
    from reviews.models import Entry

    return Entry.objects.select_related("session", "session__rubric", "project", "project__unit", "cut", "cut__deliverable").get(pk=entry.pk)


def _card(entry, user, value, *, remark):
    from reviews import rules

    entry = _fresh(entry)
    member = rules.seat(entry.session, user)
    if rules.exclusion(entry, member):
        return
    criteria = list(entry.session.rubric.criteria.all())
    services.card_save(entry=entry, user=user, scores={c.pk: value for c in criteria if not c.is_veto},
                       vetoes={c.pk: True for c in criteria if c.is_veto}, remark=remark, submit=True)
