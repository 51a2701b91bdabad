"""Did a record take a number the source does not print? (shared by the hostile and fuzz tests)

A value is accounted for when its digits are a piece of one run of digits in the source: the glued-
digit splitter legitimately cuts "230 000023" into 23 | 0 | …, but no value may join digits that
stand apart (a "1" and a "10" in two cells must never become 110). Cell boundaries are kept apart
when the source text is made: tags between table cells become a separator.
"""
from __future__ import annotations

import html
import re
from decimal import Decimal

_FULLWIDTH = str.maketrans("０１２３４５６７８９．，", "0123456789.,")
_RUN = re.compile(r"[0-9][0-9,.]*")
_CELL_TAGS = re.compile(r"</?(?:td|th|tr|table|w:tc|w:tr|w:tbl)\b[^>]*>", re.I)
_TAGS = re.compile(r"<[^>]*>")


def text_of_markup(markup: str) -> str:
    """HTML or WordprocessingML as text, cells kept apart, runs and paragraphs within a cell joined
    (the readers join digits split by paragraph marks inside one cell)."""
    return html.unescape(_TAGS.sub("", _CELL_TAGS.sub(" | ", markup)))


def digit_runs(text: str) -> list[str]:
    """Every run of digits in `text`, thousands separators dropped (full-width digits as ASCII)."""
    return [m.group().replace(",", "").strip(".") for m in _RUN.finditer(text.translate(_FULLWIDTH))]


def canonical(value) -> str:
    d = Decimal(str(value))
    text = format(d.normalize(), "f") if d != d.to_integral() else str(int(d))
    return text.lstrip("-")


def invented_numbers(record, source_text: str) -> list[tuple[str, object]]:
    """(cell path, value) of every value whose digits stand in no single digit run of the source."""
    runs = digit_runs(source_text)
    return [(path, value) for path, value in record.cells()
            if value is not None and not any(canonical(value) in run for run in runs)]
