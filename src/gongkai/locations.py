"""Where something is, in words a reader of the report understands.

Two kinds of place, both returned as `gongkai.i18n.Message`s (rendered when shown, in either
language):

- a record path in the template's words: `where("requests.total.natural_person")` is
  表三 （七）总计 行 × 自然人 列 (English: table 三, row （七）总计, column 自然人);
- a position in the source: `position(origin)` is 第 61 行, 第 2 页 or 第二张表 第27行第9列 (the
  document's second table; row and column of its grid, merged cells counted in each place they
  cover). DOM paths, XPath and boxes stay in the provenance for tools; they are not words.

The template's labels are data (Chinese in both languages); only the frame around them is
translated.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Optional

from . import vocabulary as V
from .i18n import Message, language, lazy

TABLE_NUMERALS = {"active": "二", "requests": "三", "appeals": "四"}
_SUB_ITEM_RE = re.compile(r"^\d+\.")


# --- positions in the source ---------------------------------------------------------------------
def position(src: Any) -> Message:
    """Where an `Origin` or a `CellSource` stands, as a Message."""
    grid = getattr(src, "grid", None)
    return _position(src.line, src.char, src.page, tuple(grid) if grid else None, getattr(src, "paragraph", None),
                     src.confidence)


def position_text(src: Any) -> str:
    """`position(src)` rendered in the current language (cached: a record has hundreds of cells)."""
    grid = getattr(src, "grid", None)
    return position_words(src.line, src.char, src.page, tuple(grid) if grid else None,
                          getattr(src, "paragraph", None), src.confidence, language())


@lru_cache(maxsize=8192)
def position_words(line, char, page, grid, paragraph, confidence, lang: str) -> str:
    """The words of a position in `lang`, cached (`CellSource.at` calls it for every cell)."""
    return _position(line, char, page, grid, paragraph, confidence).render(lang)


@lru_cache(maxsize=4096)
def _position(line, char, page, grid, paragraph, confidence) -> Message:
    if line is not None:
        place = lazy("line {line}, col {col}", line=line, col=char + 1) if char else lazy("line {line}", line=line)
    elif page is not None:
        place = lazy("page {page}", page=page)
    elif grid is not None:
        place = lazy("table {n}, row {row}, column {column}", n=grid[0], row=grid[1], column=grid[2])
    elif paragraph is not None:
        place = lazy("paragraph {n}", n=paragraph)
    else:
        place = lazy("unknown position")
    if confidence is not None:
        shown = format(confidence, ".2f")
        return lazy("{place}, OCR confidence {confidence}", place=place, confidence=shown)
    return place


# --- record paths in the template's words ----------------------------------------------------------
@lru_cache(maxsize=1)
def _row_names() -> dict[str, dict[str, str]]:
    """table -> row key -> the row's name as the template prints it, a sub-item with its group
    (（三）不予公开 2.其他法律行政法规禁止公开) and without the label's long explanations."""
    requests: dict[str, str] = {}
    group = ""
    for spec in V.REQUEST_ROWS_2021 + (V.REQUEST_ROW_OTHER_SINGLE,):
        label = V.ROW_GROUP_HEADING_RE.sub("", V.LABEL_EXPLANATIONS_RE.sub("", spec.label))
        head, _, item = label.partition(" ")
        if item:  # "（三）不予公开 1.属于国家秘密": the group's first row carries the group's name
            group = head
            requests[spec.key] = label
        elif _SUB_ITEM_RE.match(label):
            requests[spec.key] = f"{group} {label}" if group else label
        else:
            group = ""
            requests[spec.key] = label
    active: dict[str, str] = {}
    for spec in V.ACTIVE_ROWS_2021 + V.ACTIVE_ROWS_2019:
        active.setdefault(spec.key, spec.label)
    return {"requests": requests, "active": active, "appeals": dict(V.APPEAL_GROUP_LABELS)}


def row_name(table: str, row: str) -> str:
    """The template's name of a row (for table 四, of a group of columns); the key if unknown."""
    return _row_names().get(table, {}).get(row, row)


def column_name(table: str, field: str) -> str:
    """The template's heading of a column; the key if unknown."""
    labels = {"requests": V.APPLICANT_COLUMN_LABELS, "active": V.ACTIVE_FIELD_LABELS,
              "appeals": V.APPEAL_FIELD_LABELS}.get(table, {})
    return labels.get(field, field)


def cell_words(path: str) -> Optional[tuple[str, str, str]]:
    """(table numeral, row name, column name) of a cell path, or None for anything else."""
    parts = path.split(".")
    if len(parts) != 3 or parts[0] not in TABLE_NUMERALS:
        return None
    table, row, field = parts
    return TABLE_NUMERALS[table], row_name(table, row), column_name(table, field)


def cell_label(path: str) -> str:
    """A short name of a cell without its table: （一）予以公开 × 自然人, 行政复议 · 总计."""
    words = cell_words(path)
    if words is None:
        return path
    _, row, column = words
    return f"{row} · {column}" if path.startswith("appeals.") else f"{row} × {column}"


@lru_cache(maxsize=2048)
def where(path: Optional[str]) -> Optional[Message]:
    """A finding's `where` (cell, row, table, `sections.N`, agency, year, template) in words."""
    if not path:
        return None
    parts = path.split(".")
    head = parts[0]
    if head in TABLE_NUMERALS and len(parts) <= 3:
        table = TABLE_NUMERALS[head]
        if len(parts) == 1:
            return lazy("table {table}", table=table)
        row = row_name(head, parts[1])
        if len(parts) == 2:
            if head == "appeals":
                return lazy("table {table}, columns {group}", table=table, group=row)
            return lazy("table {table}, row {row}", table=table, row=row)
        column = column_name(head, parts[2])
        if head == "appeals":
            group_column = row + "·" + column
            return lazy("table {table}, column {column}", table=table, column=group_column)
        return lazy("table {table}, row {row}, column {column}", table=table, row=row, column=column)
    if head == "sections" and len(parts) == 2 and parts[1].isdigit():
        n = int(parts[1])
        title = next((t for number, t, _ in V.SECTION_TITLES if number == n), None)
        numeral = "一二三四五六七八九"[n - 1] if 1 <= n <= 9 else parts[1]
        if title:
            return lazy("part {part} ({title})", part=numeral, title=title)
        return lazy("part {part}", part=numeral)
    if path == "agency":
        return lazy("the reporting body's name")
    if path == "year":
        return lazy("the report's year")
    if path == "template":
        return lazy("the template the tables follow")
    return Message(path)  # not a msgid: shown as it is in every language


def describe(path: Optional[str]) -> str:
    """`where(path)` rendered in the current language ('' for none)."""
    message = where(path)
    return message.render() if message is not None else ""


__all__ = ["position", "position_text", "position_words", "where", "describe", "row_name", "column_name",
           "cell_words", "cell_label", "TABLE_NUMERALS"]
