"""Excel workbooks (.xlsx) -> Document.

Two ways, the first that applies:

1. **By defined names.** A workbook whose cells are named by record path
   (`requests.new_received.natural_person`, …, with `agency` and `year`) — gongkai's drafting
   workbook, or any system that fills one — is read cell by cell through those names, wherever
   the body moved the cells. The values are set into the template's own layout (the tables as
   `gongkai.render.layout` draws them, each value cell's origin the workbook cell it came from),
   so the extractor reads them by the template's labels like any other report.
2. **By labels.** Any other workbook (a body's own, or a draft copied elsewhere and its names
   lost): every sheet's grid, merged cells expanded, is handed to the extractor as tables, which
   finds the rows by their labels. Inside a table, text computed by a formula (the draft's check
   messages) is commentary, not the report, and is left out; numbers computed by formulas (a
   body's =SUM totals) and text standing alone (a title, typed or computed) are read as saved.

Needs openpyxl (extras `store`, `web`).
"""
from __future__ import annotations

import datetime as _dt
import io
import zipfile
from typing import Any, Iterable

from ..document import Cell, Document, Origin, Paragraph, Table
from ..i18n import _
from . import ReadError

from . import XLSX
AGENCY_NAME = "agency"
YEAR_NAME = "year"
# A workbook is read by names when it names at least this share of one template's cells.
MIN_NAMED_SHARE = 0.5


def read_xlsx(data: bytes) -> Document:
    try:
        from openpyxl import load_workbook
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ReadError(_("reading Excel workbooks needs openpyxl: pip install 'gongkai[web]'")) from e
    try:
        values = load_workbook(io.BytesIO(data), data_only=True)
        formulas = load_workbook(io.BytesIO(data), data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as e:
        raise ReadError(_("the Excel workbook is damaged or not a workbook ({reason})", reason=type(e).__name__)) from None
    named = _named_cells(values)
    template, paths = _template_of(named)
    if template is not None:
        return _document_from_names(values, named, template, paths)
    return _document_from_sheets(values, formulas)


# --- by names --------------------------------------------------------------------------------------
def _named_cells(wb: Any) -> dict[str, tuple[str, str]]:
    """Defined name -> (sheet title, coordinate) for names pointing at one cell."""
    out: dict[str, tuple[str, str]] = {}
    for name, dn in wb.defined_names.items():
        try:
            destinations = list(dn.destinations)
        except Exception:  # a name that is a formula or a constant, not a cell
            continue
        if len(destinations) != 1:
            continue
        sheet, coord = destinations[0]
        coord = coord.replace("$", "")
        if sheet in wb.sheetnames and ":" not in coord:
            out[name] = (sheet, coord)
    return out


def _layouts(template: str):
    from ..render.layout import active_layout, appeals_layout, requests_layout

    return [active_layout(template), requests_layout(template), appeals_layout()]


def _template_of(named: dict[str, Any]) -> tuple[str | None, list[str]]:
    """The template whose cells the workbook names (the one naming most), and its paths."""
    from ..vocabulary import TEMPLATE_2019, TEMPLATE_2021

    best: tuple[str | None, list[str]] = (None, [])
    best_share = 0.0
    for template in (TEMPLATE_2021, TEMPLATE_2019):
        paths = [p for t in _layouts(template) for p in t.paths()]
        share = sum(p in named for p in paths) / len(paths)
        if share >= MIN_NAMED_SHARE and share > best_share:
            best, best_share = (template, paths), share
    return best


def _document_from_names(wb: Any, named: dict[str, tuple[str, str]], template: str,
                         paths: list[str]) -> Document:
    from ..vocabulary import ACTIVE_ROWS_2019, ACTIVE_ROWS_2021, TEMPLATE_2019

    decimal = {f"active.{s.key}.{f}" for s in (ACTIVE_ROWS_2019 if template == TEMPLATE_2019 else ACTIVE_ROWS_2021)
               for f in s.decimal_fields}

    def value_of(name: str) -> tuple[str, Origin | None]:
        if name not in named:
            return "", None
        sheet, coord = named[name]
        return _text(wb[sheet][coord].value, decimal=name in decimal), Origin(dom_path=f"{sheet}!{coord}")

    blocks: list[Any] = []
    agency, agency_origin = value_of(AGENCY_NAME)
    year, _o = value_of(YEAR_NAME)
    year = year.removesuffix("年度").removesuffix("年")
    # The report's title as the template words it, from the named cells (the tables follow; the
    # workbook has no narrative, so no part headings are made up).
    title = f"{agency}{year + '年' if year else ''}政府信息公开工作年度报告"
    blocks.append(Paragraph(title, agency_origin or Origin()))
    if year:
        blocks.append(Paragraph(f"本报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。"))
    for layout in _layouts(template):
        grid: dict[tuple[int, int], Cell] = {}
        for r, c, cell in layout.placements():
            if cell.path:
                text, origin = value_of(cell.path)
                owner = Cell(text, origin or Origin())
            else:
                owner = Cell(cell.text)
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    grid[(r + dr, c + dc)] = owner if (dr, dc) == (0, 0) else Cell(owner.text, owner.origin, True)
        rows = [[grid[(r, c)] for c in range(layout.width)] for r in range(len(layout.rows))]
        blocks.append(Table(rows))
    notes = []
    missing = [p for p in paths if p not in named]
    if missing:
        notes.append(_("the workbook names {named} of the template's {total} cells; not named (left blank): {missing}",
                       named=len(paths) - len(missing), total=len(paths),
                       missing=", ".join(missing[:5]) + (" …" if len(missing) > 5 else "")))
    return Document(blocks=blocks, media_type=XLSX, notes=notes)


def _text(value: Any, *, decimal: bool = False) -> str:
    """A cell value as the text a report would print."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and not decimal:
            return str(int(value))
        from ..render.layout import format_value

        return format_value(value)
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()  # a date where a number belongs: the extractor reports it
    return str(value).strip()


# --- by labels -------------------------------------------------------------------------------------
def _document_from_sheets(values: Any, formulas: Any) -> Document:
    blocks: list[Any] = []
    for ws in values.worksheets:
        if ws.sheet_state != "visible":
            continue
        blocks.extend(_sheet_blocks(ws, formulas[ws.title]))
    if not blocks:
        raise ReadError(_("the Excel workbook is empty"))
    return Document(blocks=blocks, media_type=XLSX)


def _sheet_blocks(ws: Any, fws: Any) -> Iterable[Any]:
    """A sheet's rows, merged cells expanded, cut into blocks at empty rows: a block with a row of
    two or more cells is a table, other blocks are paragraphs."""
    max_row, max_col = ws.max_row, ws.max_column
    if max_row == 0 or max_col == 0:
        return []
    owners: dict[tuple[int, int], tuple[int, int]] = {}
    for rng in ws.merged_cells.ranges:
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                owners[(r, c)] = (rng.min_row, rng.min_col)

    computed_text: set[int] = set()  # id() of cells whose text a formula wrote

    grid: list[list[Cell]] = []
    for r in range(1, max_row + 1):
        row: list[Cell] = []
        for c in range(1, max_col + 1):
            owner = owners.get((r, c), (r, c))
            value = ws.cell(row=owner[0], column=owner[1]).value
            origin = Origin(dom_path=f"{ws.title}!{ws.cell(row=owner[0], column=owner[1]).coordinate}")
            cell = Cell(_text(value), origin, owner != (r, c))
            if fws.cell(row=owner[0], column=owner[1]).data_type == "f" and not isinstance(value, (int, float)):
                computed_text.add(id(cell))
            row.append(cell)
        grid.append(row)

    blocks: list[Any] = []
    chunk: list[list[Cell]] = []

    def flush() -> None:
        if not chunk:
            return
        distinct = [[c for c in row if c.text and not c.spanned] for row in chunk]
        if any(len(cells) >= 2 for cells in distinct):
            for row in chunk:  # a check message beside a table row is the workbook's, not the report's
                for cell in row:
                    if id(cell) in computed_text:
                        cell.text = ""
            width = max((i for row in chunk for i, c in enumerate(row) if c.text), default=0) + 1
            blocks.append(Table([row[:width] for row in chunk], chunk[0][0].origin))
        else:
            for cells in distinct:
                if cells:
                    blocks.append(Paragraph(" ".join(c.text for c in cells), cells[0].origin))
        chunk.clear()

    for row in grid:
        if any(c.text for c in row):
            chunk.append(row)
        else:
            flush()
    flush()
    return blocks


__all__ = ["read_xlsx", "XLSX"]
