"""Plain text and markdown -> Document.

Text copies of reports come in several table layouts; each line is classified and consecutive
table lines become one Table:

- pipe rows (`a | b | c`, with or without a leading pipe; a pipe line that does not start with a
  pipe in a leading-pipe table continues the row above, as when a cell wrapped);
- tab-separated rows (`a<TAB>b<TAB>c`);
- one cell per line: tab-prefixed lines, a blank line between rows; a line without the tab inside
  such a row continues the cell above (a wrapped label) — unless a digit would meet a digit or a
  number would grow: then it is a cell of its own, and a line with tabs inside is several cells;
- everything else is a paragraph (markdown `#` heading marks dropped).

Page numbers standing alone on a line (`- 4 -`, `第4页`) are dropped so they can never be read as
values. Word leftovers such as `[bookmark: _Hlk…]` are removed from every line.
"""
from __future__ import annotations

import re

from ..document import Document, Origin, Paragraph, TextTable
from ..i18n import lazy
from ..vocabulary import WORD_ARTEFACT_RE
from . import MARKDOWN, TEXT, ReadError, decode_text
from .chinese import is_traditional, to_simplified

_PAGE_NUMBER_RE = re.compile(r"^\s*(?:[-—–－]\s*\d{1,3}\s*[-—–－]|第\s*\d{1,3}\s*页(?:\s*共\s*\d{1,3}\s*页)?|\d{1,3}\s*/\s*\d{1,3})\s*$")
_MD_SEPARATOR_RE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_HEADING_RE = re.compile(r"^\s{0,3}#{1,6}\s+")


def read_text(data: bytes) -> Document:
    text = decode_text(data)
    notes = []
    if is_traditional(text):
        # the template's labels are matched in Simplified; same length, so offsets still hold
        text = to_simplified(text)
        notes.append(lazy("the text is in Traditional characters; it was converted to Simplified (OpenCC t2s)"))
    document = parse_text(text, media_type=MARKDOWN if _looks_markdown(text) else TEXT)
    document.notes.extend(notes)
    return document


def _looks_markdown(text: str) -> bool:
    return "#" in text and re.search(r"^#{1,6}\s", text, re.M) is not None


def parse_text(text: str, media_type: str = TEXT) -> Document:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    if "\x00" in text:
        raise ReadError(lazy("binary data, not a text file"))
    lines = text.split("\n")
    clean = _clean_lines(text, lines)
    blocks: list = []
    i, n = 0, len(clean)
    while i < n:
        line = clean[i]
        if not line.strip() or _PAGE_NUMBER_RE.match(line):
            i += 1
            continue
        tab = "\t" in line  # (both tab layouts need one: most lines are spared their tests)
        if tab and _is_cell_line(line) and _starts_cell_block(clean, i):
            i = _read_cell_per_line(clean, i, blocks)
        elif "|" in line and not _MD_SEPARATOR_RE.match(line):
            i = _read_pipe_table(clean, i, blocks)
        elif tab and _is_tab_row(line):
            i = _read_tab_table(clean, i, blocks)
        else:
            blocks.append(Paragraph((_HEADING_RE.sub("", line) if "#" in line else line).strip(), Origin(i + 1)))
            i += 1
    _offsets_in_raw_lines(blocks, lines, clean)
    return Document(blocks=blocks, media_type=media_type, lines=lines)


def _offsets_in_raw_lines(blocks: list, raw: list[str], clean: list[str]) -> None:
    """Cell offsets were counted in cleaned lines; where cleaning removed text (Word bookmarks),
    point them at the same text in the line as the file has it."""
    if raw == clean:  # nothing was removed (most texts)
        return
    cursor: dict[int, int] = {}
    for block in blocks:
        if not isinstance(block, TextTable):
            continue
        for row in block.cells:
            for k, (text, n, _) in enumerate(row):
                if raw[n - 1] == clean[n - 1] or not text:
                    continue
                at = raw[n - 1].find(text, cursor.get(n, 0))
                if at >= 0:
                    cursor[n] = at + len(text)
                    row[k] = (text, n, at)


def _clean_lines(text: str, lines: list[str]) -> list[str]:
    """`_clean_line` of every line: without Word bookmarks (a text rarely has them) the spaces are
    swapped in the whole text at once, and only the ends of lines trimmed one by one."""
    if "[bookmark" in text:  # (a bookmark may run over a line break: removed line by line, as ever)
        return [_clean_line(line) for line in lines]
    if "\u00a0" in text or "\u3000" in text:
        text = text.replace("\u00a0", " ").replace("\u3000", " ")
    return [line.rstrip(" ") for line in text.split("\n")]


def _clean_line(line: str) -> str:
    if "[bookmark" in line:
        line = WORD_ARTEFACT_RE.sub("", line)
    return line.replace("\u00a0", " ").replace("\u3000", " ").rstrip(" \n")


# --- pipe tables -------------------------------------------------------------------------------
# A cell is (text, line, char): see TextTable.
TextCell = tuple[str, int, int]


def _split_cells(line: str, sep: str, trim_edges: bool, number: int) -> list[TextCell]:
    """Cells of the row on line `number`, each at the character offset where its text starts."""
    out: list[TextCell] = []
    pos = 0
    append = out.append
    for part in line.split(sep):
        lead = part.lstrip()
        stripped = lead.rstrip()
        append((stripped, number, pos + len(part) - len(lead) if stripped else pos))
        pos += len(part) + 1
    if trim_edges:
        if out and not out[0][0] and line.lstrip().startswith(sep):
            out.pop(0)
        if out and not out[-1][0] and line.rstrip().endswith(sep):
            out.pop()
    return out


def _read_pipe_table(lines: list[str], i: int, blocks: list) -> int:
    rows: list[list[TextCell]] = []
    leading = lines[i].lstrip().startswith("|")
    start = i
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            # a blank line ends the table unless the next line clearly continues it
            if i + 1 < len(lines) and "|" in lines[i + 1]:
                i += 1
                continue
            break
        if _PAGE_NUMBER_RE.match(line) or _MD_SEPARATOR_RE.match(line):
            i += 1
            continue
        if "|" not in line:
            break
        cells = _split_cells(line, "|", True, i + 1)
        continues = leading and not line.lstrip().startswith("|") and rows
        if continues:
            rows[-1].extend(cells)
        else:
            rows.append(cells)
        i += 1
    blocks.append(TextTable(rows, Origin(line=start + 1)))
    return i


# --- tab tables --------------------------------------------------------------------------------
def _read_tab_table(lines: list[str], i: int, blocks: list) -> int:
    rows: list[list[TextCell]] = []
    start = i
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            # rows split by blank lines (a page break in the original) stay in one table
            j = i + 1
            while j < len(lines) and not lines[j].strip():
                j += 1
            if j < len(lines) and _is_tab_row(lines[j]):
                i = j
                continue
            break
        if _PAGE_NUMBER_RE.match(line):
            i += 1
            continue
        if not _is_tab_row(line):
            break
        rows.append(_split_cells(line, "\t", False, i + 1))
        i += 1
    blocks.append(TextTable(rows, Origin(line=start + 1)))
    return i


def _is_tab_row(line: str) -> bool:
    return "\t" in line.strip(" ") and not _is_cell_line(line)


# --- one cell per line -------------------------------------------------------------------------
def _is_cell_line(line: str) -> bool:
    """A tab-prefixed line holding a single cell (`<TAB>text`)."""
    return line.startswith("\t") and "\t" not in line[1:]


def _starts_cell_block(lines: list[str], i: int) -> bool:
    """At least two single-cell lines ahead (blank lines between rows allowed): a one-cell-per-line
    table, not a stray tab-indented paragraph."""
    count = 0
    for j in range(i, min(len(lines), i + 12)):
        if _is_cell_line(lines[j]):
            count += 1
        elif lines[j].strip():
            break
    return count >= 2


def _read_cell_per_line(lines: list[str], i: int, blocks: list) -> int:
    rows: list[list[TextCell]] = []
    row: list[TextCell] = []
    start = i
    n = len(lines)
    while i < n:
        line = lines[i]
        if not line.strip() and not _is_cell_line(line):
            if row:
                rows.append(row)
                row = []
            # the table goes on while the next non-blank line is a cell line
            j = i + 1
            while j < n and not lines[j].strip() and not _is_cell_line(lines[j]):
                j += 1
            if j < n and _is_cell_line(lines[j]):
                i = j
                continue
            i = j
            break
        if _PAGE_NUMBER_RE.match(line):
            i += 1
            continue
        if _is_cell_line(line):
            row.append((line[1:].strip(), i + 1, 1))
        elif "\t" in line.strip(" "):
            # several cells on one line inside the table: each is a cell of its own
            row.extend(c for c in _split_cells(line, "\t", False, i + 1) if c[0])
        elif row and not _looks_like_heading(line) and _continues(row[-1][0], line.strip()):
            # a wrapped cell: the continuation has no tab
            text, number, char = row[-1]
            row[-1] = (text + line.strip(), number, char)
        elif row and not _looks_like_heading(line):
            # digits never join the cell above across a line break (3 / 2 is not 32): a cell of its own
            row.append((line.strip(), i + 1, len(line) - len(line.lstrip())))
        else:
            break
        i += 1
    if row:
        rows.append(row)
    blocks.append(TextTable(rows, Origin(line=start + 1)))
    return i


def _continues(cell: str, line: str) -> bool:
    """Whether `line` carries on the words of `cell` (a wrapped label): never where a digit would
    meet a digit or a number would take more digits."""
    return not (cell and cell[-1].isdigit()) and not (line and line[0].isdigit())


_SECTION_HEAD_RE = re.compile(r"^\s*(?:[一二三四五六七八九十]+|\d{1,2})\s*[、.．]")


def _looks_like_heading(line: str) -> bool:
    return bool(_SECTION_HEAD_RE.match(line)) and len(line.strip()) < 60
