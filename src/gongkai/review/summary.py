"""The summary workbook for the leadership: one row per body, every finding, year over year.

Sheet 1 (汇总) lists each report with its status (通过 / 需整改 / 未提交 / 无法读取 / 年度不符),
its counts and its main problems in words, with the counts on top; with a roster (a CSV with a
column 机关, optionally 上级 and 地区), bodies that sent nothing are listed as 未提交, and reports
of bodies not on the roster are kept and marked. Bodies are matched by the store's agency key
(`gongkai.store.agencies.normalise`), so 静安区人社局 finds 上海市静安区人力资源和社会保障局.
Sheet 2 (问题清单) lists every finding; sheet 3 (同比) compares with last year's reports when given.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional, Sequence

from ..i18n import _, listing, pgettext
from ..render.xlsx import append_row
from ..locations import describe
from .model import ReviewedReport, Unreadable, status_word as report_status_word

# Roster columns (data: the words offices write in their spreadsheets; English names accepted too).
ROSTER_NAME = ("机关", "机关名称", "单位", "单位名称", "agency", "body", "name")
ROSTER_PARENT = ("上级", "上级机关", "parent")
ROSTER_REGION = ("地区", "区域", "region")
STATUSES = ("passed", "needs_fixes", "missing", "unreadable", "wrong_year")
STATUS_FILLS = {"passed": "E2EFDA", "needs_fixes": "F4CCCC", "missing": "EDEDED", "unreadable": "FCE4D6",
                "wrong_year": "FFF2CC"}
MAX_PROBLEMS = 3  # findings named in 主要问题; the rest are counted
MAX_ROW_LINES = 12  # a row grows to show at most this many lines of wrapped text


class RosterError(ValueError):
    """A roster that cannot be used; the message names the file and why."""


@dataclass(frozen=True)
class RosterEntry:
    name: str
    parent: Optional[str] = None
    region: Optional[str] = None

    @property
    def key(self) -> str:
        return agency_key(self.name)


def agency_key(name: Optional[str]) -> str:
    """The store's key of a body's name (its region and canonical body; '' for no name)."""
    from ..store.agencies import normalise

    agency = normalise(name)
    return agency.key if agency is not None else ""


def status_word(status: str) -> str:
    """通过 / 需整改 / 未提交 / 无法读取 / 年度不符 in the current language."""
    words = {"missing": pgettext("review status", "not submitted"),
             "unreadable": pgettext("review status", "unreadable"),
             "wrong_year": pgettext("review status", "wrong year")}
    return words.get(status) or report_status_word(status)


def _decode(data: bytes, path: str) -> str:
    if b"\x00" in data[:4096]:
        raise RosterError(_("{file}: not a CSV file (binary content)", file=path))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RosterError(_("{file}: not text in UTF-8 or GBK", file=path))


def read_roster(path) -> list[RosterEntry]:
    """The bodies of a roster CSV (UTF-8 with or without BOM, or GBK; comma, tab or semicolon),
    in file order, once each. Raises RosterError naming the file and the reason."""
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise RosterError(_("{file}: cannot be read ({reason})", file=name, reason=e.strerror or str(e))) from None
    text = _decode(data, name)
    if not text.strip():
        raise RosterError(_("{file}: the roster is empty", file=name))
    first = text.splitlines()[0]
    delimiter = max(",\t;，", key=first.count)
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    header = [h.strip() for h in rows[0]]

    def column(names: Sequence[str]) -> Optional[int]:
        lowered = [h.lower() for h in header]
        return next((lowered.index(n) for n in names if n in lowered), None)

    name_col = column(ROSTER_NAME)
    if name_col is None:
        raise RosterError(_("{file}: no column 机关 in the first row (found: {columns})", file=name,
                            columns=listing(h for h in header if h) or "—"))
    parent_col, region_col = column(ROSTER_PARENT), column(ROSTER_REGION)

    def cell(row: list[str], i: Optional[int]) -> Optional[str]:
        return (row[i].strip() or None) if i is not None and i < len(row) else None

    entries: dict[str, RosterEntry] = {}
    for row in rows[1:]:
        body = cell(row, name_col)
        if not body:
            continue
        entry = RosterEntry(body, cell(row, parent_col), cell(row, region_col))
        entries.setdefault(entry.key or body, entry)
    if not entries:
        raise RosterError(_("{file}: the column 机关 names no body", file=name))
    return list(entries.values())


def _report_key(report: ReviewedReport) -> str:
    return report.agency_key or agency_key(report.record.agency or report.agency)


def main_problems(report: ReviewedReport) -> str:
    """The first errors (else warnings) in words: what a leader reads to know what is wrong."""
    worst = [f for f in report.active if f.finding.severity == "error"] or \
        [f for f in report.active if f.finding.severity == "warning"]
    if not worst:
        return ""
    text = "；".join(f.message for f in worst[:MAX_PROBLEMS])
    if len(worst) > MAX_PROBLEMS:
        text += _(" (and {n} more)", n=len(worst) - MAX_PROBLEMS)
    return text


def summary_rows(reports: Sequence[ReviewedReport | Unreadable], *, roster: Optional[Sequence[RosterEntry]] = None,
                 year: Optional[int] = None) -> list[dict]:
    """Sheet 1 as data: one dict per report, unreadable file and roster body that sent nothing.

    Keys: agency, year, status (passed | needs_fixes | missing | unreadable | wrong_year),
    status_word, errors, warnings, problems, file, note, parent, region, report_id, agency_key.
    With a roster the rows follow its order (a body's reports under it), then reports of bodies not
    on it (note: 名单外), then unreadable files."""
    rows_by_key: dict[str, list[dict]] = {}
    unreadable: list[dict] = []
    for item in reports:
        if isinstance(item, Unreadable):
            unreadable.append(_row(agency="", year=None, status="unreadable", file=item.file, note=item.reason))
            continue
        status = "wrong_year" if year is not None and item.year != year else item.status
        row = _row(agency=item.agency, year=item.year, status=status, errors=item.errors, warnings=item.warnings,
                   problems=main_problems(item), file=item.file, report_id=item.report_id,
                   agency_key=_report_key(item))
        if status == "wrong_year":
            row["note"] = _("the report is for {found}, not {year}", found=item.year or "?", year=year)
        rows_by_key.setdefault(row["agency_key"], []).append(row)
    out: list[dict] = []
    if roster is not None:
        for entry in roster:
            matched = rows_by_key.pop(entry.key, None) if entry.key else None
            if not matched:
                out.append(_row(agency=entry.name, year=year, status="missing", parent=entry.parent,
                                region=entry.region, agency_key=entry.key))
                continue
            for row in sorted(matched, key=lambda r: (r["year"] or 0)):
                row.update(parent=entry.parent, region=entry.region)
                if row["agency"] != entry.name:
                    row["roster_name"] = entry.name
                out.append(row)
        outside = [r for rows in rows_by_key.values() for r in rows]
        for row in outside:
            note = _("not on the roster")
            row["note"] = f"{note}；{row['note']}" if row["note"] else note
        out.extend(sorted(outside, key=lambda r: (r["agency"], r["year"] or 0)))
    else:
        out.extend(sorted((r for rows in rows_by_key.values() for r in rows),
                          key=lambda r: (r["agency"], r["year"] or 0)))
    out.extend(sorted(unreadable, key=lambda r: r["file"] or ""))
    return out


def _row(*, agency: str, year: Optional[int], status: str, errors: Optional[int] = None,
         warnings: Optional[int] = None, problems: str = "", file: Optional[str] = None, note: str = "",
         parent: Optional[str] = None, region: Optional[str] = None, report_id: Optional[str] = None,
         agency_key: Optional[str] = None) -> dict:
    return {"agency": agency, "year": year, "status": status, "status_word": status_word(status),
            "errors": errors, "warnings": warnings, "problems": problems, "file": file, "note": note,
            "parent": parent, "region": region, "report_id": report_id, "agency_key": agency_key,
            "roster_name": None}


def counts(rows: Sequence[Mapping]) -> dict[str, int]:
    out = {s: 0 for s in STATUSES}
    for row in rows:
        out[row["status"]] = out.get(row["status"], 0) + 1
    return out


def counts_line(rows: Sequence[Mapping]) -> str:
    """报告 N 份：通过 a、需整改 b、未提交 c、无法读取 d、年度不符 e."""
    n = counts(rows)
    parts = listing(_("{status} {n}", status=status_word(s), n=n[s]) for s in STATUSES)
    return _("{n} reports: {parts}", n=len(rows), parts=parts)


# --- the workbook ------------------------------------------------------------------------------
def _sheet_columns(with_roster: bool) -> list[tuple[str, str, float]]:
    """(row key, header, width in characters) of sheet 1."""
    columns = [("agency", pgettext("summary column", "Body"), 34), ("year", pgettext("summary column", "Year"), 7),
               ("status_word", pgettext("summary column", "Status"), 9),
               ("errors", pgettext("summary column", "Errors"), 7),
               ("warnings", pgettext("summary column", "Warnings"), 7),
               ("problems", pgettext("summary column", "Main problems"), 70),
               ("file", pgettext("summary column", "File"), 40), ("note", pgettext("summary column", "Note"), 22)]
    if with_roster:
        columns += [("parent", pgettext("summary column", "Parent body"), 20),
                    ("region", pgettext("summary column", "Region"), 12)]
    return columns


def _style_sheet(ws, header_row: int, widths: Sequence[float], last_row: int) -> None:
    """Bold header, frozen panes under it, autofilter, widths, and a print set-up that fits the
    width on landscape pages with the header repeated."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="D9E1F2")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    last_column = get_column_letter(len(widths))
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    ws.auto_filter.ref = f"A{header_row}:{last_column}{max(last_row, header_row)}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = True


def _text_width(text: str) -> int:
    """Width in Excel's character units: a Chinese character takes two."""
    return sum(2 if ord(ch) >= 0x2E80 else 1 for ch in text)


def _wrap(ws, first_row: int, wrap_columns: Sequence[int], widths: Sequence[float]) -> None:
    """Wrap the long columns and give each row the height its wrapped text needs (neither Excel
    nor LibreOffice grows a row written by openpyxl when printing)."""
    import math

    from openpyxl.styles import Alignment

    for row in ws.iter_rows(min_row=first_row):
        lines = 1
        for cell in row:
            wrap = cell.column in wrap_columns
            cell.alignment = Alignment(vertical="top", wrap_text=wrap)
            if wrap and cell.value:
                width = max(widths[cell.column - 1] - 1, 1)
                lines = max(lines, sum(math.ceil(max(_text_width(part), 1) / width)
                                       for part in str(cell.value).split("\n")))
        if lines > 1:
            ws.row_dimensions[row[0].row].height = 15 * min(lines, MAX_ROW_LINES)


def _shown(key: str, value):
    """A cell's value as the sheet shows it: files relative to the current folder when inside it."""
    if value is None:
        return ""
    if key == "file":
        import os

        relative = os.path.relpath(value)
        return value if relative.startswith("..") else relative
    return value


def summary_workbook(reports: Sequence[ReviewedReport | Unreadable], *, roster: Optional[Sequence[RosterEntry]] = None,
                     year: Optional[int] = None, previous: Optional[Mapping[str, ReviewedReport]] = None) -> bytes:
    """The workbook as .xlsx bytes: 汇总, 问题清单, and 同比 when `previous` (last year's report per
    agency key) holds any of the bodies."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    rows = summary_rows(reports, roster=roster, year=year)
    with_roster = roster is not None and any(e.parent or e.region for e in roster)
    columns = _sheet_columns(with_roster)
    wb = Workbook()
    ws = wb.active
    ws.title = pgettext("sheet", "Summary")
    title = (_("Review of the {year} government information disclosure annual reports", year=year) if year
             else _("Review of the government information disclosure annual reports"))
    append_row(ws, [title])
    ws["A1"].font = Font(bold=True, size=14)
    append_row(ws, [counts_line(rows)])
    ws["A2"].font = Font(bold=True)
    header_row = 3
    append_row(ws, [header for _k, header, _w in columns])
    status_column = [k for k, _h, _w in columns].index("status_word") + 1
    for row in rows:
        append_row(ws, [_shown(key, row[key]) for key, _h, _w in columns])
        fill = STATUS_FILLS.get(row["status"])
        if fill:
            ws.cell(row=ws.max_row, column=status_column).fill = PatternFill("solid", fgColor=fill)
    widths = [w for _k, _h, w in columns]
    _wrap(ws, header_row + 1, [i + 1 for i, (k, _h, _w) in enumerate(columns) if k in ("problems", "file", "note")],
          widths)
    _style_sheet(ws, header_row, widths, ws.max_row)
    for row in (1, 2):  # the title and the counts span the table's width
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(columns))

    _findings_sheet(wb.create_sheet(pgettext("sheet", "Issues")), reports)
    if previous:
        _year_over_year_sheet(wb, reports, previous)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _findings_sheet(ws, reports: Sequence[ReviewedReport | Unreadable]) -> None:
    """Every error and warning, the message first (what a reader needs), dismissed ones struck
    through with the reviewer's decision."""
    from openpyxl.styles import Font

    columns = [(pgettext("summary column", "Finding"), 70), (pgettext("summary column", "Place"), 36),
               (pgettext("summary column", "Rule"), 9), (pgettext("summary column", "Body"), 30),
               (pgettext("summary column", "Year"), 7), (pgettext("summary column", "Severity"), 7),
               (pgettext("summary column", "Source"), 36), (pgettext("summary column", "Decision"), 16),
               (pgettext("summary column", "Note"), 24), (pgettext("summary column", "File"), 36)]
    append_row(ws, [c for c, _w in columns])
    from .letters import severity_word

    for report in reports:
        if isinstance(report, Unreadable):
            continue
        for reviewed in report.findings:
            f = reviewed.finding
            if f.severity not in ("error", "warning"):
                continue
            decision = reviewed.decision
            append_row(ws, [reviewed.message, reviewed.place or describe(f.where), f.rule, report.agency, report.year,
                       severity_word(f.severity), reviewed.quote or "", decision.word if decision else "",
                       (decision.note or "") if decision else "", _shown("file", report.file)])
            if reviewed.dismissed:
                for cell in ws[ws.max_row]:
                    cell.font = Font(strike=True, color="808080")
    widths = [w for _c, w in columns]
    _wrap(ws, 2, [1, 2, 4, 7, 9, 10], widths)
    _style_sheet(ws, 1, widths, ws.max_row)


def _year_over_year_sheet(wb, reports, previous: Mapping[str, ReviewedReport]) -> None:
    """Per body: this year's and last year's status, counts and main figures, side by side."""
    from ..render.layout import lookup

    pairs = [(r, previous.get(_report_key(r))) for r in reports if isinstance(r, ReviewedReport)]
    pairs = [(r, p) for r, p in pairs if p is not None]
    if not pairs:
        return
    ws = wb.create_sheet(pgettext("sheet", "Year over year"))
    columns = [(pgettext("summary column", "Body"), 30), (pgettext("summary column", "Year"), 7),
               (pgettext("summary column", "Status"), 9), (pgettext("summary column", "Errors"), 7),
               (pgettext("summary column", "Warnings"), 7),
               (pgettext("summary column", "Last year"), 7), (pgettext("summary column", "Status last year"), 9),
               (pgettext("summary column", "Errors last year"), 9),
               (pgettext("summary column", "Warnings last year"), 9),
               (pgettext("summary column", "New requests"), 9),
               (pgettext("summary column", "New requests last year"), 9),
               (pgettext("summary column", "Reconsiderations"), 9),
               (pgettext("summary column", "Reconsiderations last year"), 9)]
    append_row(ws, [c for c, _w in columns])
    for report, last in sorted(pairs, key=lambda p: p[0].agency):
        now_rec, last_rec = report.corrected_record.to_dict(), last.corrected_record.to_dict()
        append_row(ws, [report.agency, report.year, report.status_word, report.errors, report.warnings,
                   last.year, last.status_word, last.errors, last.warnings,
                   lookup(now_rec, "requests.new_received.total"), lookup(last_rec, "requests.new_received.total"),
                   lookup(now_rec, "appeals.reconsideration.total"), lookup(last_rec, "appeals.reconsideration.total")])
    widths = [w for _c, w in columns]
    _wrap(ws, 2, [1], widths)
    _style_sheet(ws, 1, widths, ws.max_row)


__all__ = ["RosterEntry", "RosterError", "read_roster", "summary_rows", "summary_workbook", "counts", "counts_line",
           "status_word", "agency_key", "main_problems"]
