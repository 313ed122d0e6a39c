"""Every score and every comment of a session, as CSV (one table, one row per score or comment)
and XLSX (openpyxl: a summary sheet, a scores sheet and a comments sheet). Office only; both are
built from the same results board as the page, so the numbers agree."""

import csv
import io

from django.utils.translation import gettext as _

from reviews import timecode
from reviews.models import Comment
from studio import words


def _score_rows(board):
    criteria = {c.pk: c for c in board.criteria}
    for row in board.rows:
        for ms in row.members:
            if not ms.submitted:
                continue
            for key, value in ms.scores.items():
                c = criteria[key]
                shown = (_("pass") if value else _("fail")) if c.is_veto else value
                yield [row.entry.position, row.entry.project.title, f"v{row.entry.cut.deliverable.version}",
                       words.person(ms.member.user), ms.member.get_group_display(),
                       c.label, shown, round(ms.total, 2) if ms.total is not None else ""]


def _comment_rows(board):
    entries = {row.entry.pk: row.entry for row in board.rows}
    comments = Comment.objects.filter(entry__in=list(entries)).select_related("author").order_by("entry__position", "frame", "pk")
    for c in comments:
        entry = entries[c.entry_id]
        fps = timecode.fps_of(entry.cut)
        yield [entry.position, entry.project.title, f"v{entry.cut.deliverable.version}",
               words.person(c.author),
               timecode.to_timecode(c.frame, fps) if c.frame is not None else "",
               timecode.to_timecode(c.end_frame, fps) if c.end_frame is not None else "",
               c.body, _("reply") if c.parent_id else _("comment"), _("yes") if c.resolved else _("no"),
               _("yes") if c.drawing else _("no")]


def _summary_rows(board):
    for row in board.rows:
        s = row.summary
        yield [row.entry.position, row.entry.project.title, row.rank or "", s.n, _r(s.weighted_mean), _r(s.mean), _r(s.median),
               _r(s.trimmed_mean), _r(s.sd), _("yes") if s.veto_failed else _("no"), row.proposed or "",
               row.decision.get_verdict_display() if row.decision else ""]


def _r(value):
    return round(value, 2) if value is not None else ""


def headers():
    return {
        "summary": [_("Queue"), _("Film"), _("Rank"), _("Scorecards"), _("Weighted mean"), _("Mean"), _("Median"),
                    _("Trimmed mean"), _("SD"), _("Veto failed"), _("Proposed verdict"), _("Confirmed verdict")],
        "scores": [_("Queue"), _("Film"), _("Version"), _("Member"), _("Group"), _("Criterion"), _("Score"), _("Member's total (0–100)")],
        "comments": [_("Queue"), _("Film"), _("Version"), _("Author"), _("In"), _("Out"), _("Comment"), _("Kind"),
                     _("Resolved"), _("Drawing")],
    }


def as_csv(board) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    h = headers()
    writer.writerow([_("Record")] + h["scores"])
    for values in _score_rows(board):
        writer.writerow([_("score")] + [_cell(v) for v in values])
    writer.writerow([])
    writer.writerow([_("Record")] + h["comments"])
    for values in _comment_rows(board):
        writer.writerow([_("comment")] + [_cell(v) for v in values])
    # A byte-order mark: Excel opens UTF-8 CSV as Chinese only with one.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def as_xlsx(board) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    h = headers()
    for index, (name, title, rows) in enumerate([
        ("summary", _("Summary"), _summary_rows(board)),
        ("scores", _("Scores"), _score_rows(board)),
        ("comments", _("Comments"), _comment_rows(board)),
    ]):
        sheet = book.active if index == 0 else book.create_sheet()
        sheet.title = title
        sheet.append(h[name])
        for values in rows:
            sheet.append([_cell(v) for v in values])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value):
    # Text starting with = + - @ would be a formula once a spreadsheet opens the file (CSV
    # injection): keep it text.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value
