"""The fill-in workbook for a body's annual report (template 2021): `new_workbook(...)` -> .xlsx bytes.

One sheet per statutory table, drawn as 国办公开办函〔2021〕30号 draws it (merged labels, the
column-relation note), then a sheet listing every identity with its result:

- every input cell carries an Excel defined name equal to its record path
  (`requests.new_received.natural_person`, `active.fees.amount`, …), plus `agency` and `year`,
  so scripts and other systems can fill it and gongkai reads it back by those names;
- input cells unlocked, labels locked, every sheet protected without a password; data validation
  (whole numbers ≥ 0; 收费 a decimal in 万元);
- live checks, formulas only: a 校验 column / row beside each table says which identity fails and
  by how much, and conditional formatting turns the cells of a failing row or column red (darker
  where a failing row crosses a failing column: the likely culprit);
- with last year's record: 二、上年结转 pre-filled from its 四、结转下年度继续办理 (every column),
  and its 现行有效件数 shown beside 规章 / 行政规范性文件 with the continuity check
  (去年现行有效 + 本年制发 − 本年废止 = 本年现行有效) live.

Person-read texts (instructions, check messages, sheet names) follow the current language; the
template's labels are data and stay Chinese.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from .. import vocabulary as V
from ..i18n import _, pgettext
from ..render.layout import TableLayout, active_layout, appeals_layout, lookup, requests_layout
from ..render.xlsx import draw_table, fit_row_heights
from .formula import absolute_coordinate, quote, sheet_ref, text_formula, total

TEMPLATE = V.TEMPLATE_2021
AGENCY_NAME = "agency"
YEAR_NAME = "year"
PREVIOUS_PREFIX = "previous."  # names of last year's reference values: previous.<record path>

# Short, common words carry the context "draft" so that they never clash with another part's.


def _sheet_cover() -> str:
    return pgettext("draft", "Cover")


def _sheet_checks() -> str:
    return pgettext("draft", "Checks")


def _check_heading() -> str:
    return pgettext("draft", "Check")


RED = "F4B6B6"  # a cell in a failing row or column
DARK_RED = "E06666"  # where a failing row meets a failing column
INPUT_FILL = "FFFFFF"
PREVIOUS_FILL = "FFF7D6"  # last year's figures: for reference, still editable

DEFAULT_YEAR_RANGE = (2021, 2100)  # the 2021 template is in force from the 2021 reports on


def _openpyxl():
    try:
        import openpyxl  # noqa: F401
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise RuntimeError(_("the drafting workbook needs openpyxl: pip install 'gongkai[web]'")) from e
    return openpyxl


def _column_letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(col)


def _split(coordinate: str) -> tuple[str, int]:
    letters = coordinate.rstrip("0123456789")
    return letters, int(coordinate[len(letters):])


@dataclass
class _Check:
    """One identity as the workbook checks it."""

    table: str  # "active" | "requests" | "appeals"
    description: str  # what must hold, in words (translated)
    lhs: list[str]  # record paths (or previous.* names) summed on the left …
    rhs: list[str]  # … and on the right
    minus: list[str] = field(default_factory=list)  # paths subtracted on the left (废止)
    condition: Optional[str] = None  # a formula that must be true for the check to apply


@dataclass
class _Book:
    wb: Any
    cells: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (sheet title, coordinate)

    def ref(self, name: str, *, local_to: Optional[str] = None) -> str:
        sheet, coord = self.cells[name]
        return coord if sheet == local_to else sheet_ref(sheet, coord)


def new_workbook(*, year: Optional[int] = None, agency: Optional[str] = None,
                 previous: Any = None, values: Any = None, previous_source: Optional[str] = None) -> bytes:
    """A fill-in workbook as .xlsx bytes.

    `previous`: last year's record (a Record or record dict) for 上年结转 and the continuity
    checks; `values`: a record whose cells fill the inputs (the web page's download, a re-issue).
    `previous_source` names last year's file on the cover.
    """
    _openpyxl()
    from openpyxl import Workbook

    values = _as_dict(values) if values is not None else None
    previous = _as_dict(previous) if previous is not None else None
    if values is not None:
        year = year if year is not None else values.get("year")
        agency = agency if agency is not None else values.get("agency")

    wb = Workbook()
    book = _Book(wb)
    cover = wb.active
    cover.title = _sheet_cover()
    _cover(book, cover, year=year, agency=agency, previous=previous,
           previous_source=previous_source if previous else None)

    checks: list[_Check] = []
    ws = wb.create_sheet(_table_title(2))
    checks += _active_sheet(book, ws, values, previous)
    ws = wb.create_sheet(_table_title(3))
    checks += _requests_sheet(book, ws, values, previous)
    ws = wb.create_sheet(_table_title(4))
    checks += _appeals_sheet(book, ws, values)
    _checks_sheet(book, wb.create_sheet(_sheet_checks()), checks)

    _define_names(book)
    for sheet in wb.worksheets[1:]:
        fit_row_heights(sheet)
    for sheet in wb.worksheets:
        # printed one page wide (A4), as long as it needs
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.protection.sheet = True  # no password: a body may unprotect it to rearrange
        sheet.protection.formatColumns = False
        sheet.protection.formatRows = False
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def blank_workbook() -> bytes:
    """The empty template as a workbook (no body, no year)."""
    return new_workbook()


# --- pieces ------------------------------------------------------------------------------------
def _as_dict(record: Any) -> dict[str, Any]:
    if isinstance(record, Mapping):
        return dict(record)
    return record.to_dict()


def _styles():
    from openpyxl.styles import Alignment, Font, PatternFill, Protection

    return {
        "title": Font(bold=True, size=16),
        "heading": Font(bold=True, size=13),
        "bold": Font(bold=True),
        "note": Font(size=10, color="555555"),
        "check": Font(size=10, color="C00000"),
        "wrap": Alignment(wrap_text=True, vertical="center"),
        "center": Alignment(horizontal="center", vertical="center", wrap_text=True),
        "input": PatternFill("solid", fgColor=INPUT_FILL),
        "previous": PatternFill("solid", fgColor=PREVIOUS_FILL),
        "unlocked": Protection(locked=False),
    }


def _cover(book: _Book, ws: Any, *, year, agency, previous, previous_source) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    st = _styles()
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 64
    ws["A3"] = pgettext("draft", "Reporting body")
    ws["A4"] = pgettext("draft", "Statistical year")
    for c in ("A3", "A4"):
        ws[c].font = st["bold"]
    for coord, name, value in (("B3", AGENCY_NAME, agency), ("B4", YEAR_NAME, year)):
        cell = ws[coord]
        cell.value = value
        cell.protection = st["unlocked"]
        cell.fill = st["input"]
        book.cells[name] = (ws.title, coord)
    ws["B3"].data_type = "s"
    # The title follows what is typed: <机关><年>年政府信息公开工作年度报告 (template wording, Chinese).
    ws["A1"] = ('=IF(AND(B3<>"",B4<>""),B3&B4&"年政府信息公开工作年度报告",'
                + quote("政府信息公开工作年度报告") + ")")
    ws["A1"].font = st["title"]
    ws.merge_cells("A1:B1")
    dv = DataValidation(type="whole", operator="between", formula1=str(DEFAULT_YEAR_RANGE[0]),
                        formula2=str(DEFAULT_YEAR_RANGE[1]), allow_blank=True, showErrorMessage=True,
                        errorTitle=pgettext("draft", "Statistical year"),
                        error=_("The year is a whole number from {first} on (the 2021 template).",
                                first=DEFAULT_YEAR_RANGE[0]))
    ws.add_data_validation(dv)
    dv.add("B4")
    lines = [
        _("Fill in the white cells of the three tables; type 0 where there is nothing to report. "
          "Grey cells are the template's labels and are locked (the sheets are protected without a password)."),
        # (worded without the tables' own headings, which a reader of the workbook looks for)
        _("A cell turns red when a sum of its row or of its column does not add up, or 一 + 二 ≠ （七） + 四 "
          "in its column; dark red where a failing row meets a failing column. The “{column}” column beside "
          "each table and the sheet “{checks}” say what fails and by how much.",
          column=_check_heading(), checks=_sheet_checks()),
        _("Every input cell has a defined name equal to its record path (for example "
          "requests.new_received.natural_person), so other systems can fill the workbook. "
          "`gongkai check` checks it; `gongkai draft render` writes the report (DOCX or HTML) from it."),
    ]
    if previous_source is not None:
        lines.append(_("Row 二 of table 三 (carried over) was filled in from last year's report ({source}), "
                       "column by column; last year's documents in force stand beside table 二.",
                       source=previous_source))
    # Last year's 现行有效件数 (from --previous, or typed): the continuity check of table 二 uses them.
    ws["A11"] = _("Last year's report")
    ws["A11"].font = st["bold"]
    counts = _count_validation(ws)
    for i, key in enumerate(("regulations", "normative_documents")):
        label = next(s.label for s in V.ACTIVE_ROWS_2021 if s.key == key)
        ws.cell(row=12 + i, column=1, value=_("{row}: 现行有效件数", row=label)).alignment = st["wrap"]
        value = lookup(previous, f"active.{key}.in_force") if previous else None
        _input(book, ws, f"B{12 + i}", f"{PREVIOUS_PREFIX}active.{key}.in_force", value, counts, fill="previous")
    if previous_source is not None:
        ws["B11"] = previous_source
        ws["B11"].data_type = "s"  # a file name is text, never a formula
    for i, text in enumerate(lines):
        cell = ws.cell(row=6 + i, column=1, value=text)
        cell.alignment = st["wrap"]
        cell.font = st["note"]
        ws.merge_cells(start_row=6 + i, start_column=1, end_row=6 + i, end_column=2)
        ws.row_dimensions[6 + i].height = 48


def _table_title(number: int) -> str:
    """二、主动公开政府信息情况 …: a table sheet's name (at most 31 characters, as Excel allows)."""
    title = next(t for n, t, _c in V.SECTION_TITLES if n == number)
    return f"{'一二三四五六'[number - 1]}、{title}"[:31]


def _heading(ws: Any, number: int) -> None:
    """The part's title heads the printed page; on screen the sheet's tab says it. (Not a cell:
    the workbook holds the tables only, and a title among its cells would read as a report part.)"""
    ws.oddHeader.center.text = _table_title(number)
    ws.oddHeader.center.size = 14
    ws.oddHeader.center.font = "SimSun,Bold"
    ws.page_setup.orientation = "landscape"


def _input(book: _Book, ws: Any, coordinate: str, name: str, value: Any, dv: Any, *, fill: str = "input") -> None:
    st = _styles()
    cell = ws[coordinate]
    cell.protection = st["unlocked"]
    cell.fill = st[fill]
    if value is not None:
        cell.value = value
    dv.add(coordinate)
    book.cells[name] = (ws.title, coordinate)


def _count_validation(ws: Any) -> Any:
    from openpyxl.worksheet.datavalidation import DataValidation

    dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                        showErrorMessage=True, errorTitle=pgettext("draft", "A count"),
                        error=_("Type a whole number, 0 or more (0 where there is nothing to report)."))
    ws.add_data_validation(dv)
    return dv


def _money_validation(ws: Any) -> Any:
    from openpyxl.worksheet.datavalidation import DataValidation

    dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                        showErrorMessage=True, errorTitle=_("An amount in 万元"),
                        error=_("Type the amount in 万元 (ten thousand yuan) as a number, 0 or more, e.g. 1.25."))
    ws.add_data_validation(dv)
    return dv


def _draw(book: _Book, ws: Any, layout: TableLayout, top: int, values, previous_fill=None) -> dict[str, str]:
    where = draw_table(ws, layout, top)
    counts = _count_validation(ws)
    money = _money_validation(ws)
    decimal = {f"active.{s.key}.{f}" for s in V.ACTIVE_ROWS_2021 for f in s.decimal_fields}
    for path, coord in where.items():
        value = lookup(values, path) if values is not None else None
        if value is None and previous_fill:
            value = previous_fill.get(path)
        _input(book, ws, coord, path, value, money if path in decimal else counts)
    return where


def _red_rules(ws: Any, coordinate_range: str, light: str, dark: Optional[str]) -> None:
    """Conditional formatting on a range: dark red when `dark` holds, red when `light` does."""
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.styles import PatternFill

    if dark:
        ws.conditional_formatting.add(coordinate_range, FormulaRule(
            formula=[dark], fill=PatternFill("solid", start_color=DARK_RED, end_color=DARK_RED), stopIfTrue=True))
    ws.conditional_formatting.add(coordinate_range, FormulaRule(
        formula=[light], fill=PatternFill("solid", start_color=RED, end_color=RED), stopIfTrue=True))


def _computed_text(ws: Any, coordinate: str, text: str) -> None:
    """A heading beside a table written as a formula (="…"): readers of the workbook by labels
    take computed text beside a table for the workbook's commentary, not the report's labels."""
    st = _styles()
    cell = ws[coordinate]
    cell.value = "=" + quote(text)
    cell.alignment = st["center"]
    cell.font = st["bold"]


def _check_cell(ws: Any, coordinate: str, formula: str) -> None:
    st = _styles()
    cell = ws[coordinate]
    cell.value = "=" + formula
    cell.font = st["check"]
    cell.alignment = st["wrap"]


def _diff_text(lhs: str, rhs: str, message: str, **parts: str) -> str:
    """IF(lhs=rhs,"",<message>) with {diff} = |rhs − lhs| available to the message."""
    return f'IF(({lhs})=({rhs}),"",{text_formula(message, diff=f"ABS(({rhs})-({lhs}))", **parts)})'


# --- 二、主动公开政府信息情况 --------------------------------------------------------------------
def _active_sheet(book: _Book, ws: Any, values, previous) -> list[_Check]:
    _heading(ws, 2)
    layout = active_layout(TEMPLATE)
    where = _draw(book, ws, layout, 1, values)
    for letter, width in zip("ABCDEF", (22, 16, 16, 16, 22, 56)):
        ws.column_dimensions[letter].width = width
    checks: list[_Check] = []
    # Beside 规章 and 行政规范性文件: last year's 现行有效件数 (typed on the cover, shown here as
    # text) in column E, the continuity check in column F. Shown as computed text so that a
    # reader of the workbook by labels never takes last year's number for a cell of this table.
    header_row = _split(where["active.regulations.issued"])[1] - 1
    _computed_text(ws, f"E{header_row}", _("Last year's 现行有效件数"))
    _computed_text(ws, f"F{header_row}", _check_heading())
    shown = _("last year {n}")
    for key in ("regulations", "normative_documents"):
        issued, repealed, in_force = (where[f"active.{key}.{f}"] for f in ("issued", "repealed", "in_force"))
        row = _split(issued)[1]
        prev_name = f"{PREVIOUS_PREFIX}active.{key}.in_force"
        prev = book.ref(prev_name, local_to=ws.title)
        _check_cell(ws, f"E{row}", f'IF({prev}="","",{text_formula(shown, n=prev)})')
        ws[f"E{row}"].font = _styles()["note"]
        expected = f"{prev}+N({issued})-N({repealed})"
        message = _("last year {previous} + issued {issued} − repealed {repealed} = {expected}, "
                    "but 现行有效件数 reads {in_force}")
        formula = (f'IF(OR({prev}="",{in_force}=""),"",'
                   + _diff_text(expected, in_force, message, previous=prev, issued=f"N({issued})",
                                repealed=f"N({repealed})", expected=expected, in_force=in_force) + ")")
        _check_cell(ws, f"F{row}", formula)
        _red_rules(ws, f"{issued}:{in_force}", f'$F{row}<>""', None)
        label = next(s.label for s in V.ACTIVE_ROWS_2021 if s.key == key)
        checks.append(_Check(
            "active",
            _("{row}: last year's 现行有效件数 + 本年制发件数 − 本年废止件数 = 现行有效件数", row=label),
            [prev_name, f"active.{key}.issued"], [f"active.{key}.in_force"], minus=[f"active.{key}.repealed"],
            condition=f'AND({book.ref(prev_name)}<>"",{book.ref(f"active.{key}.in_force")}<>"")'))
    return checks


# --- 三、收到和处理政府信息公开申请情况 ------------------------------------------------------------
def _requests_sheet(book: _Book, ws: Any, values, previous) -> list[_Check]:
    from ..checks.tables import PARTS, outcome_rows

    st = _styles()
    _heading(ws, 3)
    layout = requests_layout(TEMPLATE)
    top = 1
    carried = None
    if previous:  # 二、上年结转 = last year's 四、结转下年度继续办理, column by column
        carried = {f"requests.carried_over.{c}": lookup(previous, f"requests.carried_forward.{c}")
                   for c in V.APPLICANT_COLUMNS}
    where = _draw(book, ws, layout, top, values, carried)
    for letter, width in zip("ABC", (6, 12, 40)):
        ws.column_dimensions[letter].width = width
    for col in range(4, 11):
        ws.column_dimensions[_column_letter(col)].width = 9
    ws.column_dimensions["K"].width = 52
    head = top  # the check column's heading spans the three header rows
    _computed_text(ws, f"K{head}", _check_heading())
    ws.merge_cells(start_row=head, start_column=11, end_row=head + 2, end_column=11)

    cols = V.APPLICANT_COLUMNS
    col_letter = {c: _split(where[f"requests.new_received.{c}"])[0] for c in cols}
    rows = [s.key for s in V.REQUEST_ROWS_2021]
    row_of = {r: _split(where[f"requests.{r}.total"])[1] for r in rows}
    last = max(row_of.values())
    outcome = [r for r in outcome_rows(_Zero()) if r in row_of]
    balance_rows = ("new_received", "carried_over", "total", "carried_forward")

    # One check row per column identity under the table, one check cell per row beside it.
    outcome_check = last + 2
    balance_check = last + 3
    labels = {
        outcome_check: _("Check: （一） to （六） add up to （七）总计"),
        balance_check: _("Check: 第一项加第二项之和等于第三项加第四项之和"),
    }
    for row, text in labels.items():
        cell = ws.cell(row=row, column=1, value=text)
        cell.alignment = st["wrap"]
        cell.font = st["check"]
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=3)
        ws.row_dimensions[row].height = 30

    row_message = _("the applicant columns add up to {parts}, 总计 reads {total}: {diff} apart")
    for r in rows:
        n = row_of[r]
        parts = total(f"{col_letter[c]}{n}" for c in PARTS)
        _check_cell(ws, f"K{n}", _diff_text(parts, f"N({col_letter['total']}{n})", row_message, parts=parts,
                                            total=f"N({col_letter['total']}{n})"))
    diff_message = _("{diff} apart")
    for c in cols:
        L = col_letter[c]
        outcome_sum = total(f"{L}{row_of[r]}" for r in outcome)
        _check_cell(ws, f"{L}{outcome_check}", _diff_text(outcome_sum, f"N({L}{row_of['total']})", diff_message))
        lhs = f"N({L}{row_of['new_received']})+N({L}{row_of['carried_over']})"
        rhs = f"N({L}{row_of['total']})+N({L}{row_of['carried_forward']})"
        _check_cell(ws, f"{L}{balance_check}", _diff_text(lhs, rhs, diff_message))
    # Red: a row whose check fails; a column whose check (for this row's part in it) fails; dark
    # red where both. Rows take part in the outcome identity, the balance identity, or both.
    for r in rows:
        n = row_of[r]
        rng = f"{col_letter[cols[0]]}{n}:{col_letter[cols[-1]]}{n}"
        first = col_letter[cols[0]]
        column_flags = []
        if r in outcome or r == "total":
            column_flags.append(f'{first}${outcome_check}<>""')
        if r in balance_rows:
            column_flags.append(f'{first}${balance_check}<>""')
        column = f"OR({','.join(column_flags)})" if len(column_flags) > 1 else column_flags[0]
        row_flag = f'$K{n}<>""'
        _red_rules(ws, rng, f"OR({row_flag},{column})", f"AND({row_flag},{column})")

    # The identities for the checks sheet: the same ones the checks of gongkai run (GK101-103).
    from ..checks.patterns import REQUEST_COLUMN_SHORT, REQUEST_ROW_SHORT
    from ..checks.tables import request_identities

    checks: list[_Check] = []
    for ident in request_identities(_Zero()):
        if ident.family == "row":
            text = _("{row}: the six applicant columns add up to 总计", row=REQUEST_ROW_SHORT[ident.key])
        elif ident.family == "outcome":
            text = _("column {column}: （一） to （六） add up to （七）总计", column=REQUEST_COLUMN_SHORT[ident.key])
        else:
            text = _("column {column}: 第一项加第二项之和等于第三项加第四项之和", column=REQUEST_COLUMN_SHORT[ident.key])
        checks.append(_Check("requests", text, list(ident.lhs), list(ident.rhs)))
    return checks


class _Zero:
    """A 2021-template record with every cell 0: what the identities are built over."""

    template = TEMPLATE

    def __init__(self):
        self.requests = {s.key: {c: 0 for c in s.fields} for s in V.REQUEST_ROWS_2021}
        self.appeals = {g: {f: 0 for f in V.APPEAL_FIELDS} for g in V.APPEAL_GROUPS}
        self.active = {s.key: {f: 0 for f in s.fields} for s in V.ACTIVE_ROWS_2021}


# --- 四、政府信息公开行政复议、行政诉讼情况 ------------------------------------------------------
def _appeals_sheet(book: _Book, ws: Any, values) -> list[_Check]:
    from ..checks.tables import appeals_identities

    st = _styles()
    _heading(ws, 4)
    layout = appeals_layout()
    top = 1
    where = _draw(book, ws, layout, top, values)
    for col in range(1, layout.width + 1):
        ws.column_dimensions[_column_letter(col)].width = 9
    value_row = _split(where[f"appeals.{V.APPEAL_GROUPS[0]}.total"])[1]
    check_row = value_row + 1
    ws.row_dimensions[check_row].height = 64
    message = _("结果维持 + 结果纠正 + 其他结果 + 尚未审结 = {parts}, 总计 reads {total}: {diff} apart")
    checks = []
    for ident in appeals_identities(_Zero()):
        parts = total(book.ref(p, local_to=ws.title) for p in ident.lhs)
        result = f"N({book.ref(ident.rhs[0], local_to=ws.title)})"
        first, _row = _split(where[ident.lhs[0]])
        last, _row = _split(where[ident.rhs[0]])
        _check_cell(ws, f"{first}{check_row}", _diff_text(parts, result, message, parts=parts, total=result))
        ws.merge_cells(f"{first}{check_row}:{last}{check_row}")
        _red_rules(ws, f"{first}{value_row}:{last}{value_row}", f'${first}${check_row}<>""', None)
        checks.append(_Check("appeals", _("{group}: 结果维持 + 结果纠正 + 其他结果 + 尚未审结 = 总计",
                                          group=V.APPEAL_GROUP_LABELS[ident.key]),
                             list(ident.lhs), list(ident.rhs)))
    ws.cell(row=check_row + 1, column=1, value=_("The row above is the check: empty when the group adds up.")
            ).font = st["note"]
    return checks


# --- the checks sheet ---------------------------------------------------------------------------
def _checks_sheet(book: _Book, ws: Any, checks: list[_Check]) -> None:
    st = _styles()
    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 34
    ws.column_dimensions["C"].width = 60
    ws.column_dimensions["D"].width = 50
    ws.column_dimensions["E"].width = 6
    first = 6
    last = first + len(checks) - 1
    ws["A1"] = _("Checks of the tables")
    ws["A1"].font = st["heading"]
    failing = f"SUM(E{first}:E{last})"
    ws["A2"] = "=" + (f'IF({failing}=0,{quote(_("All identities hold."))},'
                      + text_formula(_("{n} identities fail: see below."), n=failing) + ")")
    ws["A2"].font = st["check"]
    blanks = _blank_count(book)
    ws["A3"] = "=" + (f'IF({blanks}=0,"",' + text_formula(
        _("{n} input cells are still blank: type 0 where there is nothing to report."), n=blanks) + ")")
    ws["A3"].font = st["note"]
    for c, text in zip("ABCDE", ("#", pgettext("draft", "Table"), pgettext("draft", "Identity"), pgettext("draft", "Result"), pgettext("draft", "Fails"))):
        ws[f"{c}5"] = text
        ws[f"{c}5"].font = st["bold"]
    names = {"active": V.SECTION_TITLES[1][1], "requests": V.SECTION_TITLES[2][1], "appeals": V.SECTION_TITLES[3][1]}
    ok = quote(pgettext("draft", "holds"))
    fails = _("fails: {lhs} on the left, {rhs} on the right, {diff} apart")
    for i, check in enumerate(checks):
        row = first + i
        lhs = "+".join(f"N({book.ref(p)})" for p in check.lhs) + "".join(f"-N({book.ref(p)})" for p in check.minus)
        rhs = "+".join(f"N({book.ref(p)})" for p in check.rhs)
        test = f"({lhs})=({rhs})"
        result = f"IF({test},{ok},{text_formula(fails, lhs=lhs, rhs=rhs, diff=f'ABS(({rhs})-({lhs}))')})"
        flag = f"IF({test},0,1)"
        if check.condition:
            result = f'IF({check.condition},{result},"")'
            flag = f"IF({check.condition},{flag},0)"
        ws.cell(row=row, column=1, value=i + 1)
        ws.cell(row=row, column=2, value=names[check.table])
        ws.cell(row=row, column=3, value=check.description).alignment = st["wrap"]
        ws.cell(row=row, column=4, value="=" + result).alignment = st["wrap"]
        ws.cell(row=row, column=5, value="=" + flag)
    _red_rules(ws, f"A{first}:E{last}", f"$E{first}=1", None)


def _blank_count(book: _Book) -> str:
    """How many record cells are still blank (a finished report has a number in every cell)."""
    terms = [f'({book.ref(name)}="")' for name in book.cells if name.count(".") == 2]
    return "(" + "+".join(terms) + ")*1" if terms else "0"


def _define_names(book: _Book) -> None:
    from openpyxl.workbook.defined_name import DefinedName

    for name, (sheet, coord) in book.cells.items():
        dn = DefinedName(name, attr_text=sheet_ref(sheet, absolute_coordinate(coord)))
        book.wb.defined_names[name] = dn


def record_paths() -> list[str]:
    """The record paths the workbook names, in template order."""
    return [p for t in (active_layout(TEMPLATE), requests_layout(TEMPLATE), appeals_layout()) for p in t.paths()]


__all__ = ["new_workbook", "blank_workbook", "record_paths", "fill_by_names", "record_values", "AGENCY_NAME", "YEAR_NAME", "PREVIOUS_PREFIX",
           "TEMPLATE"]


def fill_by_names(data: bytes, values: Mapping[str, Any]) -> bytes:
    """A workbook with cells set through their defined names ({name: value}), as any system that
    fills the draft does. Names the workbook does not have raise KeyError."""
    _openpyxl()
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data))
    for name, value in values.items():
        dn = wb.defined_names[name]
        (sheet, coord), = list(dn.destinations)
        wb[sheet][coord.replace("$", "")].value = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def record_values(record: Any) -> dict[str, Any]:
    """{defined name: value} for every cell of a 2021-template record, with agency and year."""
    rec = _as_dict(record)
    out: dict[str, Any] = {AGENCY_NAME: rec.get("agency"), YEAR_NAME: rec.get("year")}
    for path in record_paths():
        out[path] = lookup(rec, path)
    return out
