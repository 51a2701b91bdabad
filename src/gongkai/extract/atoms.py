"""A document's text as a stream of atoms: labels, values and blanks, in reading order.

Every layout — a grid with one number per cell, a pipe table with ragged rows, a crawler's single
line of glued digits — becomes the same stream, so one row matcher reads them all:

- `label`: words (a row or column label, a heading);
- `cell`: a table cell that is exactly one value (a number, or a dash meaning null);
- `run`: digits that may hold several values (glued by a crawler, or spaced in running text);
  spaces inside a run are cell boundaries, adjacent digits may or may not be;
- `blank`: an empty table cell.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from ..document import Document, Origin, Paragraph, TextTable
from ..i18n import Message, lazy
from ..record import CellSource
from ..vocabulary import GENERIC_COLUMN_HEADER_RE, NULL_MARKERS, TABLE_START_CUES
from .solver import MAX_AMOUNT_DIGITS, MAX_COUNT_DIGITS

# What a reader writes for a value cell it saw but could not read surely (see ingest/scan.py).
UNREADABLE = "\ufffd"
_FULLWIDTH = str.maketrans("０１２３４５６７８９．，－＋", "0123456789.,-+")
# translate() looks up every character of a CJK text in a dict: a regex finds the few full-width
# characters a text holds (most hold none, or only the comma ，) and replace() swaps each, ten
# times faster
_FULLWIDTH_RE = re.compile("[０-９．，－＋]")
_FULLWIDTH_CHARS = {chr(k): chr(v) for k, v in _FULLWIDTH.items()}

# A stretch of digits (with decimal points and thousands commas only between digits, spaces, and
# minus signs before a digit: a glued 35-15 is 35 | -15), or a run of dashes (a null cell in
# running text). Digits are ASCII (after full-width ones are normalised): digits of other scripts
# (Devanagari, Arabic-Indic, mathematical) are never read as numbers.
_DIGIT_RUN = r"[0-9](?:[0-9 \t]|(?<=[0-9])[.,](?=[0-9])|(?<=[0-9])-(?=[0-9]))*"
_RUN_DASHES = "—―─－"
_RUN_RE = re.compile(_DIGIT_RUN + f"|[{_RUN_DASHES}]{{2,}}(?:\\s*[{_RUN_DASHES}]{{2,}})*")
# the digits alone, for the many texts that hold no dash: an alternation at the pattern's start
# makes the regex engine try it at every character, where one character class is scanned fast
_DIGIT_RUN_RE = re.compile(_DIGIT_RUN)
_NUMBER_CELL_RE = re.compile(r"^([+\-−]?)([0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.([0-9]+))?\s*(万元|元|件|条|个|项|次)?$")
_UNIT_AFTER_RE = re.compile(r"\s*(万元|元)")
_TABLE_CUES_RE = re.compile("|".join(TABLE_START_CUES))


class Atom:
    """One label, value or blank of the stream.

    `origin` is where it was read. A text source's atoms keep it as (line, char) and make the
    `Origin` only when asked (most never are: a value's provenance is made by `source`)."""

    __slots__ = ("kind", "text", "_origin", "unit", "in_grid", "in_table", "row")

    def __init__(self, kind: str, text: str, origin: "Origin | tuple[int, int]", unit: str | None = None,
                 in_grid: bool = False, in_table: bool = False, row: int = 0) -> None:
        self.kind = kind  # "label" | "cell" | "run" | "blank"
        self.text = text
        self._origin = origin
        self.unit = unit  # a unit typed after the value (元, 万元, 件 …)
        # a cell of a regular grid (every row equally wide, merged cells expanded, as HTML, Word
        # and PDF tables are): its position is meaningful, so a blank at a row's edge is a null,
        # not padding
        self.in_grid = in_grid
        # read from a table cell (not from running text): a row label in a table takes no values
        # from a paragraph after it
        self.in_table = in_table
        # the source row it was read from (a table row, or a paragraph): a value belongs to its own row
        self.row = row

    @property
    def origin(self) -> Origin:
        o = self._origin
        if type(o) is tuple:
            o = self._origin = Origin(o[0], o[1])
        return o

    def source(self, raw: str, label: str) -> CellSource:
        """Where a value read from this atom (printed as `raw`, in the row labelled `label`) came from."""
        o = self._origin
        if type(o) is tuple:
            return CellSource(raw, o[0], None, None, None, None, o[1], label, None)
        return CellSource(raw, o.line, o.page, o.dom_path, o.bbox, o.confidence, o.char, label, o.grid)

    def _fields(self) -> tuple:
        return (self.kind, self.text, self.origin, self.unit, self.in_grid, self.in_table, self.row)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Atom):
            return NotImplemented
        return self._fields() == other._fields()

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by content (as the dataclass was)

    def __repr__(self) -> str:
        return ("Atom(kind={!r}, text={!r}, origin={!r}, unit={!r}, in_grid={!r}, in_table={!r}, row={!r})"
                .format(*self._fields()))


def normalize(text: str) -> str:
    """Full-width digits and number signs as ASCII (`text.translate(_FULLWIDTH)`)."""
    found = _FULLWIDTH_RE.findall(text)
    if found:
        for ch in set(found):
            text = text.replace(ch, _FULLWIDTH_CHARS[ch])
    return text


def atoms_of(document: Document) -> list[Atom]:
    """Atoms of the blocks from the first that mentions a statutory table on. Narrative before
    that (section 一) is skipped: it holds no table, and splitting it costs time."""
    out: list[Atom] = []
    blocks = document.blocks
    start = next((i for i, b in enumerate(blocks) if isinstance(b, Paragraph) and _TABLE_CUES_RE.search(b.text)
                  or not isinstance(b, Paragraph)), len(blocks))
    row_id = 0
    append = out.append
    for block in blocks[start:]:
        row_id += 1
        if isinstance(block, Paragraph):
            _split_text(block.text, block.origin, out, row_id, False)
            continue
        # A row as wide as the row above or below it stands in the table's columns (HTML and Word
        # grids are regular; a PDF's merged header rows are narrower, its data rows alike).
        if type(block) is TextTable and block.cells is not None:
            _text_table_atoms(block.cells, out, row_id)
            row_id += len(block.cells)
            continue
        widths = [len(r) for r in block.rows]
        last = len(widths) - 1
        for k, row in enumerate(block.rows):
            width = widths[k]
            regular = (k > 0 and widths[k - 1] == width) or (k < last and widths[k + 1] == width)
            row_id += 1
            for cell in row:
                if cell.spanned:
                    continue
                kind, text, unit = _classify(cell.text)
                if kind is None:
                    _emit(_cell_plan(text), cell.origin, out, row_id, True)
                else:
                    append(Atom(kind, text, cell.origin, unit, regular, True, row_id))
    return out


def _text_table_atoms(rows: list[list[tuple[str, int, int]]], out: list[Atom], row_id: int) -> None:
    """`atoms_of` for a text source's table, read from its (text, line, char) cells (see TextTable)."""
    widths = [len(r) for r in rows]
    last = len(widths) - 1
    append = out.append
    for k, row in enumerate(rows):
        width = widths[k]
        regular = (k > 0 and widths[k - 1] == width) or (k < last and widths[k + 1] == width)
        row_id += 1
        for raw, line, char in row:
            kind, text, unit = _classify(raw)
            if kind is None:
                _emit(_cell_plan(text), (line, char), out, row_id, True)
            else:
                append(Atom(kind, text, (line, char), unit, regular, True, row_id))


@lru_cache(maxsize=4096)
def _classify(raw: str) -> tuple[str | None, str, str | None]:
    """(kind, normalised text, unit) of a cell's text; kind None: mixed text to split (by
    `_cell_plan`). Cached: most cells of a report repeat a handful of texts (0, 1, ——)."""
    text = normalize(raw).strip()
    if not text:
        return "blank", "", None
    if text == UNREADABLE:
        return "cell", text, None  # a value the reader saw but could not read surely (OCR)
    if text in NULL_MARKERS or _is_dashes(text):
        return "cell", text, None
    if GENERIC_COLUMN_HEADER_RE.match(text):
        return "label", text, None  # 数据1, 列2: a generic column header names no value
    if _foreign_digits(text):
        return "cell", text, None  # digits of another script: a value, but not one read (finding)
    if _is_single_value(text):
        m = _NUMBER_CELL_RE.match(text)
        return "cell", text, m.group(4) if m else None
    return None, text, None


_DASHES_RE = re.compile(r"[—―─－-]+")


def _is_dashes(text: str) -> bool:
    return _DASHES_RE.fullmatch(text) is not None


def _is_single_value(text: str) -> bool:
    """One number and nothing else. Leading zeros (`000`) or inner spaces (`1 0`) mean the cell may
    hold glued values, so it is left to the run splitter instead."""
    m = _NUMBER_CELL_RE.match(text)
    if not m:
        return False
    digits = m.group(2)
    return not (len(digits) > 1 and digits[0] == "0")


def _split_text(text: str, origin: "Origin | tuple[int, int]", out: list[Atom], row: int = 0,
                in_table: bool = False) -> None:
    """Split running text into label and run atoms (of source row `row`, from a table cell or not);
    `origin` is where the text starts (an Origin, or (line, char) in a line of text)."""
    _emit(_split_plan(normalize(text)), origin, out, row, in_table)


# A text's atoms as (kind, text, start, unit): `start` is a run's offset in the text, None for a
# label (a label stands at the text's origin).
SplitPlan = tuple[tuple[str, str, "int | None", "str | None"], ...]


def _split_plan(text: str) -> SplitPlan:
    """How `_split_text` cuts a normalised text into labels and runs. It depends on the text alone,
    so a table's cells, whose texts repeat from report to report (1.本机关不掌握相关政府信息), are
    cut once (`_cell_plan`)."""
    plan: list[tuple[str, str, int | None, str | None]] = []
    pos = 0
    append = plan.append
    runs = _RUN_RE if any(d in text for d in _RUN_DASHES) else _DIGIT_RUN_RE
    for m in runs.finditer(text):
        start, end = m.span()
        if start < pos:
            continue
        run = m.group()
        after = text[end:end + 1]
        # dates and bracketed numbering are words, not values: 2023年, （1）
        if after and (after in "年月日号%％" or (start and text[start - 1] in "(（" and after in ")）")):
            continue
        trailing = run.rstrip(" \t")
        stop = start + len(trailing)
        tail = text[stop:stop + 1]
        if tail and tail in ".．、" and not _decimal_follows(text, stop) and trailing[-1].isdigit():
            # "…00000002.其他": the last digit numbers the next label
            trailing = trailing[:-1].rstrip(" \t")
            if not trailing:
                continue
            stop = start + len(trailing)
        unit = None
        consumed = stop
        if trailing[-1].isdigit():
            u = _UNIT_AFTER_RE.match(text, stop)
            if u:
                unit = u.group(1)
                consumed = u.end()
        words = text[pos:start].strip()
        if words:
            append(("label", words, None, None))
        append(("run", trailing.strip(), start, unit))
        pos = consumed
    words = text[pos:].strip()
    if words:
        append(("label", words, None, None))
    return tuple(plan)


_cell_plan = lru_cache(maxsize=4096)(_split_plan)


def _emit(plan: SplitPlan, origin: "Origin | tuple[int, int]", out: list[Atom], row: int, in_table: bool) -> None:
    """The atoms of a split plan, placed at `origin` (runs shifted to their offset)."""
    append = out.append
    for kind, text, start, unit in plan:
        append(Atom(kind, text, origin if start is None else _shifted(origin, start), unit, False, in_table, row))


def _shifted(origin: "Origin | tuple[int, int]", offset: int) -> "Origin | tuple[int, int]":
    """The place `offset` characters after `origin`: (line, char) in a line of text (see Atom)."""
    if type(origin) is tuple:
        return origin[0], origin[1] + offset
    o = origin
    char = (o.char or 0) + offset
    if o.page is None and o.bbox is None and o.dom_path is None and o.confidence is None and o.grid is None \
            and o.paragraph is None:
        return o.line, char
    return Origin(o.line, char, o.page, o.bbox, o.dom_path, o.confidence, o.grid, o.paragraph)


def _decimal_follows(text: str, i: int) -> bool:
    return i + 1 < len(text) and text[i + 1].isdigit()


def _foreign_digits(text: str) -> bool:
    """Whether the text holds a decimal digit of a script other than ASCII (०-९, ٠-٩, 𝟎-𝟗 …)."""
    return any(not ("0" <= ch <= "9") and ch.isdigit() and unicodedata.category(ch) == "Nd" for ch in text)


def parse_number(text: str, *, decimal: bool) -> tuple[int | float | None, Message | None]:
    """A single cell's text -> (value, problem). Null markers give (None, None)."""
    return _parse_number(text, decimal)


@lru_cache(maxsize=4096)
def _parse_number(text: str, decimal: bool) -> tuple[int | float | None, Message | None]:
    t = normalize(text).strip()
    if t == UNREADABLE:
        return None, lazy("unreadable: the reader could not read this cell surely (e.g. low OCR confidence)")
    if not t or t in NULL_MARKERS or _is_dashes(t):
        return None, None
    if _foreign_digits(t):
        return None, lazy("digits of another script ({text}): not read as a number", text=_shown(text))
    m = _NUMBER_CELL_RE.match(t.replace(" ", ""))
    if not m:
        return None, lazy("not a number: {text}", text=_shown(text))
    sign, digits, frac, _unit = m.groups()
    digits = digits.replace(",", "")
    if len(digits) > (MAX_AMOUNT_DIGITS if decimal else MAX_COUNT_DIGITS):
        return None, lazy("{digits} digits: beyond any plausible count, not read", digits=len(digits))
    if frac is not None:
        value: int | float = float(f"{digits}.{frac}")
        if not decimal and value == int(value):
            value = int(value)
    else:
        value = int(digits)
    if sign in ("-", "−"):
        value = -value
    return value, None


@lru_cache(maxsize=4096)
def _parse_count(text: str) -> tuple[int | float | None, Message | None]:
    """`_parse_number(text, False)`, cached under the text alone (a count cell, as most are, costs
    no key tuple)."""
    return _parse_number(text, False)


def _shown(text: str) -> str:
    """A cell's text quoted for a message, cut short."""
    return repr(text if len(text) <= 40 else text[:40] + "…")
