"""The document model every reader produces and the extractor consumes.

A document is an ordered list of blocks: paragraphs of text and table grids. Every piece of text
keeps where it came from (`Origin`), so every value derived from it can be traced back to the
source: a line for text, a DOM path for HTML, a page and bounding box for PDF and scans. A
document also numbers its tables and paragraphs (`Origin.grid`, `Origin.paragraph`) where the
format has no lines or pages, so a person can be told where a cell is: 第二张表 第27行第9列.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Union


@dataclass(slots=True, unsafe_hash=True)
class Origin:
    """Where a piece of text stands in the source. Fields a format does not have stay None.

    Treat as immutable (it is hashed); not frozen only because readers make hundreds per page and
    a frozen dataclass costs several times more to build.
    """

    line: int | None = None  # 1-based line in a text source
    char: int | None = None  # 0-based character offset within that line or paragraph
    page: int | None = None  # 1-based page in a PDF or scan
    bbox: tuple[float, float, float, float] | None = None  # x0, top, x1, bottom in PDF points
    dom_path: str | None = None  # e.g. /html/body/table[2]/tr[5]/td[3]
    confidence: float | None = None  # OCR confidence 0..1, None when not OCR'd
    # (table, row, column), 1-based: the document's n-th table and the cell's place in its grid
    # (merged cells expanded). Set by `Document` for formats without lines or pages.
    grid: tuple[int, int, int] | None = None
    paragraph: int | None = None  # 1-based paragraph of the document, likewise

    def describe(self) -> str:
        """Where this is, in words of the current language: 第 57 行, 第 3 页, 第二张表 第27行第9列."""
        from .locations import position_text

        return position_text(self)

    def location(self):
        """`describe()` as a `gongkai.i18n.Message`, to be rendered later in either language."""
        from .locations import position

        return position(self)


@dataclass(slots=True)
class Cell:
    """One table cell as printed (text not yet interpreted)."""

    text: str
    origin: Origin = field(default_factory=Origin)
    # A cell spanned by a merged cell (rowspan/colspan copy) repeats the owner's text; readers
    # that expand merges set this so the extractor can skip the copies.
    spanned: bool = False


@dataclass(slots=True)
class Paragraph:
    text: str
    origin: Origin = field(default_factory=Origin)


@dataclass(slots=True)
class Table:
    rows: list[list[Cell]]
    origin: Origin = field(default_factory=Origin)


class TextTable(Table):
    """A table of a text source, kept as `(text, line, char)` per cell (`cells`) until its `rows`
    of `Cell`s are asked for: the extractor reads the tuples, so a text report's few hundred cells
    cost no Cell and Origin objects unless something else looks at them. Once `rows` is read (or
    set) the Cells are the table and `cells` is None."""

    __slots__ = ("cells", "_rows")

    def __init__(self, cells: list[list[tuple[str, int, int]]], origin: Origin) -> None:
        self.cells = cells
        self._rows = None
        self.origin = origin

    @property  # type: ignore[override]
    def rows(self) -> list[list[Cell]]:
        rows = self._rows
        if rows is None:
            rows = self._rows = [[Cell(text, Origin(line, char)) for text, line, char in row] for row in self.cells]
            self.cells = None
        return rows

    @rows.setter
    def rows(self, rows: list[list[Cell]]) -> None:
        self._rows = rows
        self.cells = None


Block = Union[Paragraph, Table]


@dataclass(slots=True)
class Document:
    """What a reader made of one source file."""

    blocks: list[Block]
    media_type: str
    # Raw source lines for evidence display (text formats); empty for binary formats.
    lines: list[str] = field(default_factory=list)
    # Problems the reader met that the record should report (e.g. an OCR page it could not read).
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        number_positions(self.blocks)

    def iter_text(self) -> Iterator[tuple[str, Origin]]:
        """Every paragraph's and cell's text in document order (spanned copies skipped)."""
        for block in self.blocks:
            if isinstance(block, Paragraph):
                yield block.text, block.origin
            else:
                for row in block.rows:
                    for cell in row:
                        if not cell.spanned:
                            yield cell.text, cell.origin

    def plain_text(self) -> str:
        """All text joined with newlines: paragraphs one per line, table rows one per line."""
        out: list[str] = []
        for block in self.blocks:
            if isinstance(block, Paragraph):
                out.append(block.text)
            elif type(block) is TextTable and block.cells is not None:
                for row in block.cells:
                    out.append(" ".join([c[0] for c in row if c[0]]))
            else:
                for row in block.rows:
                    out.append(" ".join(c.text for c in row if not c.spanned and c.text))
        return "\n".join(out)


def number_positions(blocks: list[Block]) -> None:
    """Give table cells and paragraphs that have neither a line nor a page (HTML, Word) their
    ordinal position: `grid` (table, row, column) and `paragraph`. A reader that set them keeps
    its own; text and PDF positions already say where."""
    tables = paragraphs = 0
    for block in blocks:
        if isinstance(block, Paragraph):
            paragraphs += 1
            o = block.origin
            if o.line is None and o.page is None and o.paragraph is None:
                block.origin = Origin(o.line, o.char, o.page, o.bbox, o.dom_path, o.confidence, o.grid, paragraphs)
            continue
        tables += 1
        if type(block) is TextTable and block.cells is not None:
            continue  # every cell has its line
        for r, row in enumerate(block.rows, 1):
            # columns as a person counts them along the row: a merged cell is one, wherever it
            # comes from (the copies a reader made of it share its Origin)
            column, left = 0, None
            for cell in row:
                o = cell.origin
                if o is not left:
                    column += 1
                    left = o
                if o.line is None and o.page is None and o.grid is None and not cell.spanned:
                    cell.origin = Origin(o.line, o.char, o.page, o.bbox, o.dom_path, o.confidence,
                                         (tables, r, column), o.paragraph)
