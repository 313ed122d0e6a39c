"""The results board of a session: what the office reads before confirming verdicts, built once
and read by the page, the API and the exports.

A fixed number of queries whatever the size of the session (entries, cards and scores, members,
criteria, comments counted in SQL); everything else is ``reviews.scoring`` on plain data.
"""

from dataclasses import dataclass, field

from django.db.models import Count

from reviews import access, rules, scoring, services
from reviews.models import Group, Item, Session


@dataclass
class MemberScore:
    member: object
    total: float | None
    z: float | None
    veto_failed: bool
    scores: dict  # criterion id -> value or passed
    submitted: bool
    excluded: str
    cells: list = field(default_factory=list)  # (criterion, value or passed or None) in the rubric's order


@dataclass
class BoardRow:
    entry: object
    summary: scoring.CutSummary
    proposed: str | None
    rank: int | None
    members: list[MemberScore]
    comments: int
    open_items: int
    decision: object | None
    actions: object = None

    @property
    def group_means(self) -> list[tuple[str, float | None]]:
        """Each rater group's mean, named in the reader's language, in the groups' order (a group
        with no scorecard on this cut shows as None, so every row has the same columns)."""
        return [(label, self.summary.group_means.get(code)) for code, label in Group.choices]


@dataclass
class Board:
    session: Session
    criteria: list
    members: list
    rows: list[BoardRow]
    alpha: float | None
    outliers: dict = field(default_factory=dict)  # member -> bias in points
    rule: scoring.VerdictRule | None = None


def session_board(session: Session, user=None) -> Board:
    rubric = session.rubric
    db_criteria = list(rubric.criteria.all())
    criteria = [scoring.Criterion(key=c.pk, weight=c.weight, min_score=c.min_score, max_score=c.max_score, is_veto=c.is_veto)
                for c in db_criteria]
    rule = services.verdict_rule(rubric)
    members = list(session.panel.members.select_related("user").prefetch_related("user__memberships"))
    for m in members:
        # Exclusions read each member's units: from the prefetched rows, not a query per member.
        m.user._reelwork_unit_ids = frozenset(ms.unit_id for ms in m.user.memberships.all())
        session.__dict__.setdefault("_seats", {})[m.user_id] = m
    entries = list(access.entries_of(session).annotate(
        n_comments=Count("comments", distinct=True),
    ))
    open_items = dict(
        Item.objects.filter(comment__entry__session=session).exclude(status=Item.Status.CLOSED)
        .values_list("comment__entry").annotate(n=Count("pk")).values_list("comment__entry", "n")
    )
    summaries, totals = {}, {}
    for entry in entries:
        entry.session = session
        summary = scoring.summarise_cut(services.cards_of(entry), criteria, session.group_weights, rule)
        summaries[entry.pk] = summary
        for rater, total in summary.totals.items():
            totals[(rater, entry.pk)] = total
    z = scoring.normalised(totals)
    ranks = dict(scoring.ranking(summaries))
    by_user = {m.user_id: m for m in members}
    rows = []
    for entry in entries:
        cards = {c.member_id: c for c in entry.cards.all()}
        member_rows = []
        for m in members:
            card = cards.get(m.pk)
            submitted = bool(card and card.submitted)
            values = {s.criterion_id: (s.value if s.value is not None else s.passed) for s in card.scores.all()} if submitted else {}
            member_rows.append(MemberScore(
                member=m, total=summaries[entry.pk].totals.get(m.user_id), z=z.get((m.user_id, entry.pk)),
                veto_failed=submitted and any(v is False for v in values.values()), scores=values, submitted=submitted,
                excluded=rules.exclusion(entry, m), cells=[(c, values.get(c.pk)) for c in db_criteria] if submitted else [],
            ))
        rows.append(BoardRow(
            entry=entry, summary=summaries[entry.pk], proposed=scoring.propose_verdict(summaries[entry.pk], rule),
            rank=ranks.get(entry.pk), members=member_rows, comments=entry.n_comments, open_items=open_items.get(entry.pk, 0),
            decision=getattr(entry, "decision", None),
            actions=rules.entry_actions(entry, user) if user is not None else None,
        ))
    outliers = {by_user[rater]: bias for rater, bias in scoring.outlier_raters(totals).items() if rater in by_user}
    return Board(session=session, criteria=db_criteria, members=members, rows=rows, alpha=scoring.agreement(totals),
                 outliers=outliers, rule=rule)


def ranked(board: Board) -> list[BoardRow]:
    """The session's cuts best first, for selecting the best works (择优)."""
    return sorted(board.rows, key=lambda r: (r.rank is None, r.rank or 0, r.entry.position))



