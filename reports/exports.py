"""The report as files an office can file: XLSX (openpyxl, one sheet per section, its tables one
under the other, percentages as numbers formatted as percentages) and CSV (one line per number:
section, table, row, column and value, with the words beside the codes, for pivoting). Both are
written from the same ``Report`` as the page and the API."""

import csv
import io

from django.utils.translation import gettext as _

from reports.report import Report


def _text(value):
    # Text starting with = + - @ would be a formula once a spreadsheet opens the file: keep it text.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def _title(report: Report) -> str:
    if report.call:
        return _("Annual report %(year)s · %(call)s") % {"year": report.year, "call": report.call.theme}
    return _("Annual report %(year)s") % {"year": report.year}


def as_xlsx(report: Report, office_name: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    bold = Font(bold=True)
    for index, section in enumerate(report.sections):
        sheet = book.active if index == 0 else book.create_sheet()
        sheet.title = section.title[:31]  # Excel's limit on a sheet's name
        sheet.append([_text(office_name)])
        sheet.append([_text(_title(report))])
        sheet["A1"].font = sheet["A2"].font = bold
        for table in section.tables:
            sheet.append([])
            sheet.append([_text(table.title)])
            sheet.cell(row=sheet.max_row, column=1).font = bold
            sheet.append(["", *[str(label) for _key, label in table.columns]])
            for row in table.rows:
                sheet.append([_text(row.label), *[row.values.get(key) for key, _label in table.columns]])
                for offset, (key, _label) in enumerate(table.columns, start=2):
                    if table.is_percent(row, key):
                        sheet.cell(row=sheet.max_row, column=offset).number_format = "0.0%"
        sheet.column_dimensions["A"].width = 36
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def as_csv(report: Report) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Section"), _("Table"), _("Row"), _("Row (code)"), _("Column"), _("Column (code)"), _("Value")])
    for section in report.sections:
        for table in section.tables:
            labels = dict(table.columns)
            for row in table.rows:
                for key, _label in table.columns:
                    value = row.values.get(key)
                    writer.writerow([_text(section.title), _text(table.title), _text(row.label), row.key, str(labels[key]), key,
                                     "" if value is None else value])
    # A byte-order mark: Excel opens UTF-8 CSV as Chinese only with one.
    return ("\ufeff" + out.getvalue()).encode("utf-8")
