"""The template's tables drawn into an Excel worksheet (openpyxl): labels in their merged cells,
thin borders, value cells where the record path says, as 国办公开办函〔2021〕30号 draws them.

`draw_table` returns where each value cell landed (record path -> cell coordinate), so a caller
can name, unlock, validate or check those cells (the drafting workbook does) or fill them from a
record. Needs openpyxl (extras `store`, `web`).
"""
from __future__ import annotations

from typing import Any, Mapping, Optional

from .layout import TableLayout, lookup

# What a spreadsheet takes for a formula at the start of a text (formula injection: a report's
# agency name `=HYPERLINK(…)` must stay text in every workbook and CSV we write)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
THIN = "thin"


def defused(value: Any) -> Any:
    """For CSV: a text a spreadsheet would take for a formula gets an apostrophe in front."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def put_cell(ws: Any, row: int, col: int, value: Any) -> Any:
    """Write a value; text always as text, so a report's `=…` never becomes a formula (and Excel's
    quote prefix keeps it text when someone edits the cell)."""
    cell = ws.cell(row=row, column=col)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(FORMULA_START):
            cell.quotePrefix = True
    return cell


def append_row(ws: Any, values: Any) -> None:
    """`ws.append(values)`, with text kept as text (put_cell)."""
    row = ws.max_row + 1 if ws.max_row > 1 or ws.cell(1, 1).value is not None else 1
    for col, value in enumerate(values, start=1):
        put_cell(ws, row, col, value)
LABEL_FILL = "F2F2F2"  # light grey behind the template's labels, as printed forms shade them


def _styles():
    try:
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise RuntimeError("drawing a workbook needs openpyxl: pip install 'gongkai[web]'") from e
    side = Side(style=THIN, color="000000")
    return {
        "border": Border(left=side, right=side, top=side, bottom=side),
        "center": Alignment(horizontal="center", vertical="center", wrap_text=True),
        "label_font": Font(bold=False, size=10),
        "label_fill": PatternFill("solid", fgColor=LABEL_FILL),
        "value_font": Font(size=11),
    }


def draw_table(ws: Any, layout: TableLayout, top: int, left: int = 1, *,
               record: Optional[Mapping[str, Any]] = None, null_text: str = "") -> dict[str, str]:
    """Draw `layout` with its top-left corner at (`top`, `left`) (1-based). Value cells hold the
    record's numbers when `record` is given (null as `null_text`), else stay empty. Returns
    {record path: coordinate such as "D12"}."""
    st = _styles()
    where: dict[str, str] = {}
    for r, c, cell in layout.placements():
        row, col = top + r, left + c
        target = ws.cell(row=row, column=col)
        if cell.path:
            where[cell.path] = target.coordinate
            if record is not None:
                value = lookup(record, cell.path)
                target.value = value if value is not None else (null_text or None)
            target.font = st["value_font"]
        else:
            target.value = cell.text
            target.data_type = "s"  # a label is text, never a formula
            target.font = st["label_font"]
            target.fill = st["label_fill"]
        for dr in range(cell.rowspan):
            for dc in range(cell.colspan):
                covered = ws.cell(row=row + dr, column=col + dc)
                covered.border = st["border"]
                covered.alignment = st["center"]
        if cell.rowspan > 1 or cell.colspan > 1:
            ws.merge_cells(start_row=row, start_column=col,
                           end_row=row + cell.rowspan - 1, end_column=col + cell.colspan - 1)
    return where


__all__ = ["draw_table", "fit_row_heights"]


def fit_row_heights(ws: Any, *, line_height: float = 14.0) -> None:
    """Row heights that show wrapped labels whole: Excel does not grow a row for wrapped text in
    merged cells, and LibreOffice does not when printing. A CJK character takes two width units."""
    from openpyxl.utils import get_column_letter

    spans = {(r.min_row, r.min_col): r for r in ws.merged_cells.ranges}
    covered = {(row, col) for r in ws.merged_cells.ranges for row in range(r.min_row, r.max_row + 1)
               for col in range(r.min_col, r.max_col + 1)} - set(spans)
    needed: dict[int, int] = {}
    for row in ws.iter_rows():
        for cell in row:
            if not isinstance(cell.value, str) or cell.value.startswith("=") or (cell.row, cell.column) in covered:
                continue
            span = spans.get((cell.row, cell.column))
            if span is not None and span.max_row > span.min_row:
                continue  # a label over several rows has their height
            cols = range(cell.column, (span.max_col if span else cell.column) + 1)
            width = sum(ws.column_dimensions[get_column_letter(c)].width or 8.43 for c in cols)
            units = sum(2 if ord(ch) > 0x2E80 else 1 for ch in cell.value)
            lines = max(1, -(-int(units * 1.1) // max(1, int(width))))
            needed[cell.row] = max(needed.get(cell.row, 1), lines)
    for row, lines in needed.items():
        if lines > 1:
            current = ws.row_dimensions[row].height or 0
            ws.row_dimensions[row].height = max(current, lines * line_height)
