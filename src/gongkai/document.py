"""The document model every reader produces and the extractor consumes.

A document is an ordered list of blocks: paragraphs of text and table grids. Every piece of text
keeps where it came from (`Origin`), so every value derived from it can be traced back to the
source: a line for text, a DOM path for HTML, a page and bounding box for PDF and scans.
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

    def describe(self) -> str:
        """Short human-readable location, e.g. 'line 57' or 'page 3'."""
        parts = []
        if self.page is not None:
            parts.append(f"page {self.page}")
        if self.line is not None:
            parts.append(f"line {self.line}" + (f" col {self.char + 1}" if self.char else ""))
        if self.dom_path:
            parts.append(self.dom_path)
        if self.confidence is not None:
            parts.append(f"OCR confidence {self.confidence:.2f}")
        return ", ".join(parts) or "unknown position"


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
            else:
                for row in block.rows:
                    out.append(" ".join(c.text for c in row if not c.spanned and c.text))
        return "\n".join(out)
