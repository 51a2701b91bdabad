"""Excel formula pieces: quoted text, cell references across sheets, messages as text formulas.

The drafting workbook's checks are formulas only (no macros), so they run in Excel, WPS and
LibreOffice alike. A check says in the reader's language what fails; the message comes from the
i18n catalog with `{name}` placeholders, and `text_formula` turns it into an Excel string
expression whose placeholders are formula expressions.
"""
from __future__ import annotations

import re
from typing import Iterable

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def quote(text: str) -> str:
    """An Excel string literal."""
    return '"' + text.replace('"', '""') + '"'


def sheet_ref(sheet: str, coordinate: str, *, absolute: bool = False) -> str:
    """`'三、依申请公开'!D5` (the sheet name always quoted: it may hold any character)."""
    if absolute:
        coordinate = absolute_coordinate(coordinate)
    return "'" + sheet.replace("'", "''") + "'!" + coordinate


def absolute_coordinate(coordinate: str) -> str:
    letters = coordinate.rstrip("0123456789")
    return f"${letters}${coordinate[len(letters):]}"


def total(refs: Iterable[str]) -> str:
    """The sum of some cells (blank cells count as 0, as a person filling in expects)."""
    refs = list(refs)
    return f"SUM({','.join(refs)})" if refs else "0"


def text_formula(message: str, **expressions: str) -> str:
    """`message` (already translated) as a string expression: literal parts quoted, each
    `{name}` replaced by the expression given for it."""
    parts: list[str] = []
    pos = 0
    for m in _PLACEHOLDER.finditer(message):
        if m.start() > pos:
            parts.append(quote(message[pos:m.start()]))
        parts.append(f"({expressions[m.group(1)]})")
        pos = m.end()
    if pos < len(message):
        parts.append(quote(message[pos:]))
    return "&".join(parts) if parts else '""'


__all__ = ["quote", "sheet_ref", "absolute_coordinate", "total", "text_formula"]
