"""The panel in the API (a tablet client could review): the same access helpers, rules and
services as the pages, so an action is refused with the same status and message on both, and the
blind rule (``reviews.rules.sees_panel_work``) decides what each answer holds."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from reviews import access, board, rules, services, timecode
from reviews.models import Group, Verdict
from studio import limits, words


class CriterionSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    code = serializers.CharField()
    label = serializers.CharField()
    text = serializers.CharField()
    weight = serializers.FloatField()
    min_score = serializers.IntegerField()
    max_score = serializers.IntegerField()
    is_veto = serializers.BooleanField()


class SessionSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    title = serializers.CharField()
    panel = serializers.CharField(source="panel.name")
    phase = serializers.CharField()
    visibility = serializers.CharField()
    rubric = serializers.CharField(source="rubric.label")
    group_weights = serializers.DictField(child=serializers.FloatField())


class EntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    project = serializers.IntegerField()
    title = serializers.CharField()
    cut = serializers.IntegerField()
    version = serializers.IntegerField()
    fps = serializers.FloatField()
    frames = serializers.IntegerField(allow_null=True)
    excluded = serializers.CharField()
    my_card = serializers.ChoiceField(choices=["none", "draft", "submitted"])
    decided = serializers.CharField(allow_blank=True)


class SessionDetailSerializer(SessionSerializer):
    criteria = CriterionSerializer(many=True)
    entries = EntrySerializer(many=True)


def _entry_data(entry, user):
    actions = rules.entry_actions(entry, user)
    card = actions.card
    decision = getattr(entry, "decision", None)
    return {
        "id": entry.pk, "position": entry.position, "project": entry.project_id, "title": entry.project.title, "cut": entry.cut_id,
        "version": entry.cut.deliverable.version, "fps": timecode.fps_of(entry.cut), "frames": timecode.frame_count(entry.cut),
        "excluded": actions.excluded, "my_card": "none" if card is None else ("submitted" if card.submitted else "draft"),
        # A verdict is the panel's work: shown once the blind opens for the caller.
        "decided": decision.verdict if decision and actions.sees_panel else "",
    }


class SessionList(APIView):
    @extend_schema(responses=SessionSerializer(many=True))
    def get(self, request):
        rows = access.sessions_visible_to(request.user).select_related("panel", "rubric").distinct()
        return Response(SessionSerializer(rows, many=True).data)


class SessionDetail(APIView):
    @extend_schema(responses=SessionDetailSerializer)
    def get(self, request, pk):
        session = access.get_session_for_user(request.user, pk)
        entries = []
        for entry in access.entries_of(session):
            entry.session = session
            member = rules.seat(session, request.user)
            if member is not None and not rules.convenes(request.user) and rules.exclusion(entry, member):
                entries.append({**_entry_data(entry, request.user), "title": "", "cut": 0, "project": 0})
                continue
            entries.append(_entry_data(entry, request.user))
        data = SessionSerializer(session).data
        data["criteria"] = CriterionSerializer(session.rubric.criteria.all(), many=True).data
        data["entries"] = entries
        return Response(data)


class CommentSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    author = serializers.SerializerMethodField()
    parent = serializers.IntegerField(source="parent_id", allow_null=True)
    body = serializers.CharField()
    frame = serializers.IntegerField(allow_null=True)
    end_frame = serializers.IntegerField(allow_null=True)
    timecode = serializers.CharField(allow_blank=True)
    end_timecode = serializers.CharField(allow_blank=True)
    drawing = serializers.JSONField(allow_null=True)
    private = serializers.BooleanField()
    resolved = serializers.BooleanField()
    created_at = serializers.DateTimeField()

    def get_author(self, obj) -> str:
        return words.person(obj.author)


class CommentWriteSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=limits.COMMENT)
    frame = serializers.IntegerField(min_value=0, max_value=10_000_000, required=False, allow_null=True)
    end_frame = serializers.IntegerField(min_value=0, max_value=10_000_000, required=False, allow_null=True)
    drawing = serializers.JSONField(required=False, allow_null=True)
    private = serializers.BooleanField(default=True)
    parent = serializers.IntegerField(min_value=1, required=False, allow_null=True)


def _comment_data(comment, fps):
    comment.timecode = timecode.to_timecode(comment.frame, fps) if comment.frame is not None else ""
    comment.end_timecode = timecode.to_timecode(comment.end_frame, fps) if comment.end_frame is not None else ""
    return CommentSerializer(comment).data


class EntryComments(APIView):
    """GET: the comments the caller may see on this cut (blind until their own submission).
    POST: add one at a frame or over a range, with an optional drawing, or a reply."""

    @extend_schema(responses=CommentSerializer(many=True))
    def get(self, request, pk, entry_pk):
        entry = access.get_entry_for_user(request.user, pk, entry_pk)
        fps = timecode.fps_of(entry.cut)
        rows = [c for c in entry.comments.select_related("author") if rules.sees_comment(request.user, c, entry)]
        return Response([_comment_data(c, fps) for c in rows])

    @extend_schema(request=CommentWriteSerializer, responses={201: CommentSerializer})
    def post(self, request, pk, entry_pk):
        entry = access.get_entry_for_user(request.user, pk, entry_pk)
        rules.check_can_comment(entry, request.user)
        data = _valid(CommentWriteSerializer, request)
        parent = access.get_comment_for_user(request.user, data["parent"]) if data.get("parent") else None
        comment = services.comment_add(entry=entry, user=request.user, body=data["body"], frame=data.get("frame"),
                                       end_frame=data.get("end_frame"), drawing_data=data.get("drawing"),
                                       private=data["private"], parent=parent)
        services.comment_thumbnail(comment=comment)
        return Response(_comment_data(comment, timecode.fps_of(entry.cut)), status=status.HTTP_201_CREATED)


class ScoreValueSerializer(serializers.Serializer):
    criterion = serializers.IntegerField(min_value=1)
    value = serializers.FloatField(required=False, allow_null=True)
    passed = serializers.BooleanField(required=False, allow_null=True)


class ScorecardWriteSerializer(serializers.Serializer):
    scores = ScoreValueSerializer(many=True, max_length=100)
    remark = serializers.CharField(max_length=limits.COMMENT, required=False, allow_blank=True, default="")
    submit = serializers.BooleanField(default=False)


class CardSerializer(serializers.Serializer):
    member = serializers.CharField()
    group = serializers.ChoiceField(choices=Group.choices)
    submitted = serializers.BooleanField()
    total = serializers.FloatField(allow_null=True)
    scores = ScoreValueSerializer(many=True)
    remark = serializers.CharField(allow_blank=True)


class ScorecardSerializer(serializers.Serializer):
    mine = CardSerializer(allow_null=True)
    panel = CardSerializer(many=True, allow_null=True, help_text="The other members' submitted cards: null until yours is submitted.")


def _card_data(card, criteria, totals):
    rows = [{"criterion": s.criterion_id, "value": s.value, "passed": s.passed} for s in card.scores.all()]
    return {"member": words.person(card.member.user), "group": card.member.group,
            "submitted": card.submitted, "total": totals.get(card.member.user_id) if card.submitted else None,
            "scores": rows, "remark": card.remark}


class EntryScorecard(APIView):
    """GET: the caller's own card, and the panel's once the caller's is submitted.
    PUT: save the caller's card (``submit: true`` fixes it)."""

    @extend_schema(responses=ScorecardSerializer)
    def get(self, request, pk, entry_pk):
        entry = access.get_entry_for_user(request.user, pk, entry_pk)
        return Response(self._answer(entry, request.user))

    def _answer(self, entry, user):
        actions = rules.entry_actions(entry, user)
        summary = services.entry_summary(entry)
        criteria = list(entry.session.rubric.criteria.all())
        mine = _card_data(actions.card, criteria, summary.totals) if actions.card else None
        panel = None
        if actions.sees_panel:
            panel = [_card_data(c, criteria, summary.totals) for c in entry.cards.all()
                     if c.submitted and (actions.member is None or c.member_id != actions.member.pk)]
        return {"mine": mine, "panel": panel}

    @extend_schema(request=ScorecardWriteSerializer, responses=ScorecardSerializer)
    def put(self, request, pk, entry_pk):
        entry = access.get_entry_for_user(request.user, pk, entry_pk)
        rules.check_can_score(entry, request.user)
        data = _valid(ScorecardWriteSerializer, request)
        scores = {r["criterion"]: r["value"] for r in data["scores"] if r.get("value") is not None}
        vetoes = {r["criterion"]: r["passed"] for r in data["scores"] if r.get("passed") is not None}
        services.card_save(entry=entry, user=request.user, scores=scores, vetoes=vetoes, remark=data["remark"], submit=data["submit"])
        entry = access.get_entry_for_user(request.user, pk, entry_pk)
        return Response(self._answer(entry, request.user))


class BoardRowSerializer(serializers.Serializer):
    entry = serializers.IntegerField()
    title = serializers.CharField()
    rank = serializers.IntegerField(allow_null=True)
    n = serializers.IntegerField()
    weighted_mean = serializers.FloatField(allow_null=True)
    mean = serializers.FloatField(allow_null=True)
    median = serializers.FloatField(allow_null=True)
    trimmed_mean = serializers.FloatField(allow_null=True)
    sd = serializers.FloatField(allow_null=True)
    group_means = serializers.DictField(child=serializers.FloatField())
    veto_failed = serializers.BooleanField()
    disagreement = serializers.BooleanField()
    proposed = serializers.CharField(allow_null=True)
    decided = serializers.CharField(allow_blank=True)
    totals = serializers.DictField(child=serializers.FloatField(), help_text="member user id → total (0–100)")
    normalised = serializers.DictField(child=serializers.FloatField(), help_text="member user id → z-score")


class BoardSerializer(serializers.Serializer):
    alpha = serializers.FloatField(allow_null=True)
    outliers = serializers.DictField(child=serializers.FloatField(), help_text="member user id → bias in points")
    rows = BoardRowSerializer(many=True)


class SessionBoard(APIView):
    """The results board (office only)."""

    @extend_schema(responses=BoardSerializer)
    def get(self, request, pk):
        session = access.get_session_for_office(request.user, pk)
        result = board.session_board(session)
        rows = [{
            "entry": r.entry.pk, "title": r.entry.project.title, "rank": r.rank, "n": r.summary.n,
            "weighted_mean": r.summary.weighted_mean, "mean": r.summary.mean, "median": r.summary.median,
            "trimmed_mean": r.summary.trimmed_mean, "sd": r.summary.sd, "group_means": r.summary.group_means,
            "veto_failed": r.summary.veto_failed, "disagreement": r.summary.disagreement, "proposed": r.proposed,
            "decided": r.decision.verdict if r.decision else "",
            "totals": {str(k): v for k, v in r.summary.totals.items()},
            "normalised": {str(m.member.user_id): m.z for m in r.members if m.z is not None},
        } for r in result.rows]
        return Response({"alpha": result.alpha, "outliers": {str(m.user_id): b for m, b in result.outliers.items()}, "rows": rows})


class DecisionWriteSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=Verdict.choices)
    note = serializers.CharField(max_length=limits.COMMENT, required=False, allow_blank=True, default="")


class DecisionSerializer(serializers.Serializer):
    verdict = serializers.CharField()
    proposed = serializers.CharField(allow_blank=True)
    weighted_mean = serializers.FloatField(allow_null=True)
    project_state = serializers.CharField()


class EntryDecision(APIView):
    @extend_schema(request=DecisionWriteSerializer, responses={201: DecisionSerializer})
    def post(self, request, pk, entry_pk):
        access.get_session_for_office(request.user, pk)
        entry = access.get_entry_for_user(request.user, pk, entry_pk)
        rules.check_can_decide(entry, request.user)
        data = _valid(DecisionWriteSerializer, request)
        decision = services.decision_confirm(entry=entry, user=request.user, verdict=data["verdict"], note=data["note"])
        entry.project.refresh_from_db()
        return Response({"verdict": decision.verdict, "proposed": decision.proposed, "weighted_mean": decision.weighted_mean,
                         "project_state": entry.project.state}, status=status.HTTP_201_CREATED)


class ItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    status = serializers.CharField()
    comment = serializers.CharField(source="comment.body")
    timecode = serializers.CharField(allow_blank=True)
    answer = serializers.CharField(allow_blank=True)
    answered_in_version = serializers.IntegerField(source="answered_in.version", allow_null=True, default=None)


def _item_data(item):
    cut = item.comment.entry.cut
    item.timecode = timecode.to_timecode(item.comment.frame, timecode.fps_of(cut)) if item.comment.frame is not None else ""
    return ItemSerializer(item).data


class ProjectItems(APIView):
    @extend_schema(responses=ItemSerializer(many=True))
    def get(self, request, pk):
        _project, items = access.get_project_items_for_user(request.user, pk)
        return Response([_item_data(i) for i in items])


class AnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=limits.COMMENT)


class ItemAnswer(APIView):
    @extend_schema(request=AnswerSerializer, responses=ItemSerializer)
    def post(self, request, pk):
        item = access.get_item_for_user(request.user, pk)
        rules.check_can_answer(item, request.user)
        data = _valid(AnswerSerializer, request)
        return Response(_item_data(services.item_answer(item=item, user=request.user, answer=data["answer"])))


class ItemClose(APIView):
    @extend_schema(request=None, responses=ItemSerializer)
    def post(self, request, pk):
        item = access.get_item_for_user(request.user, pk)
        return Response(_item_data(services.item_settle(item=item, user=request.user, close=True)))


class ItemReopen(APIView):
    @extend_schema(request=None, responses=ItemSerializer)
    def post(self, request, pk):
        item = access.get_item_for_user(request.user, pk)
        return Response(_item_data(services.item_settle(item=item, user=request.user, close=False)))


class NotificationSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    kind = serializers.CharField()
    text = serializers.CharField()
    link = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    read = serializers.BooleanField()


class Notifications(APIView):
    @extend_schema(responses=NotificationSerializer(many=True))
    def get(self, request):
        from reviews import notify

        rows = access.notifications_of(request.user)[:100]
        return Response([{"id": n.pk, "kind": n.kind, "text": notify.render(n.kind, n.params), "link": n.link,
                          "created_at": n.created_at, "read": n.read_at is not None} for n in rows])


def _valid(serializer_class, request):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
