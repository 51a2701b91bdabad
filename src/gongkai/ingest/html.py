"""HTML reader: a web page -> `Document` of paragraphs and table grids in document order.

Reports are published as web pages (often Word's "save as HTML", or a CMS's rich-text field),
in UTF-8 or the GB family, sometimes in Traditional characters. The reader keeps what a person
sees: the text of block elements as paragraphs, every `<table>` as a grid with merged cells
expanded, and drops what a person does not see (head, scripts, styles, hidden elements).
Every cell and paragraph records its DOM path (as lxml's `getpath` writes it) as provenance.
"""
from __future__ import annotations

import re
import threading

from lxml import etree

from ..document import Cell, Document, Origin, Paragraph, Table
from . import HTML, decode_text
from .chinese import is_traditional, to_simplified

# Content a reader of the page never sees.
_DROP = frozenset({
    "head", "script", "style", "noscript", "template", "title", "meta", "link", "svg", "math",
    "iframe", "object", "embed", "canvas", "audio", "video", "map", "select", "option", "textarea",
    "button", "input",
})
# Elements that start and end a line of text (a paragraph outside tables).
_BLOCK = frozenset({
    "html", "body", "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd",
    "section", "article", "header", "footer", "nav", "aside", "main", "blockquote", "pre", "address",
    "figure", "figcaption", "form", "fieldset", "legend", "center", "hr", "caption", "details",
    "summary", "tr", "td", "th", "thead", "tbody", "tfoot", "colgroup", "col",
})
_ROW_GROUPS = frozenset({"thead", "tbody", "tfoot"})
_CELLS = frozenset({"td", "th"})
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)

_META_CHARSET = re.compile(rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.I)
_XML_CHARSET = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.:\-]+)""", re.I)

# Zero-width characters vanish (a zero-width space inside "1\u200b5" must not split the number).
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_CJK = "\u2e80-\u2fff\u3001-\u303f\u3040-\u9fff\uf900-\ufaff\uff01-\uffef"
# A line break in the source between two CJK characters is no space (browsers drop it too):
# CMS editors wrap long Chinese lines anywhere, even inside a label or an agency name.
_CJK_BREAK = re.compile(f"(?<=[{_CJK}])[ \\t\\r]*\\n\\s*(?=[{_CJK}])")
_SPACES = re.compile(r"\s+")  # \s covers &nbsp; (U+00A0) and the full-width space (U+3000)
_DIGITS = re.compile(r"\s*(\d+)")
_NUMBERISH = frozenset("0123456789０１２３４５６７８９.．,，%％")


def _is_cjk(ch: str) -> bool:
    o = ord(ch)
    return 0x2E80 <= o <= 0x2FFF or 0x3001 <= o <= 0x303F or 0x3040 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF \
        or 0xFF01 <= o <= 0xFFEF


def clean_text(raw: str) -> str:
    """Source text -> displayed text: whitespace collapsed, &nbsp;/full-width spaces stripped."""
    if "\n" in raw:
        raw = _CJK_BREAK.sub("", raw)
    return _SPACES.sub(" ", _INVISIBLE.sub("", raw)).strip()


# A boundary between block-level pieces inside one table cell (`<p>`, `<div>`, `<br>`).
_BREAK = None


def _join_runs(parts: list[str | None]) -> str:
    """Join a cell's text runs split by block boundaries (None in `parts`).

    Inline pieces (`<span>1</span><span>5</span>`) are always joined without a space. At a block
    boundary inside a cell we join without a space when both sides are CJK (a wrapped label,
    商业<br>企业 -> 商业企业) or both sides are digits (a number split by Word's paragraph marks,
    <p>1</p><p>5</p> -> 15): a cell holds one label or one value, and a space there would only make
    the label or the number harder to read. Everything else (a label next to a number, Latin
    words) gets one space, so a label and a value that share a cell stay apart (总计 17).
    """
    runs: list[str] = []
    buf: list[str] = []
    for p in parts:
        if p is None:
            if buf:
                runs.append(clean_text("".join(buf)))
                buf = []
        else:
            buf.append(p)
    if buf:
        runs.append(clean_text("".join(buf)))
    out = ""
    for run in runs:
        if not run:
            continue
        if out:
            a, b = out[-1], run[0]
            if not ((_is_cjk(a) and _is_cjk(b)) or (a in _NUMBERISH and b in _NUMBERISH)):
                out += " "
        out += run
    return out


def _child_paths(el, path: str) -> list[tuple[object, str | None]]:
    """(child, its DOM path) for every child, indexed like lxml's getpath(); the path is None
    for non-element nodes (an entity, a comment the parser kept), whose tail still counts."""
    children = list(el)
    if len(children) == 1:
        c = children[0]
        return [(c, f"{path}/{c.tag}" if isinstance(c.tag, str) else None)]
    counts: dict[str, int] = {}
    for c in children:
        t = c.tag
        if isinstance(t, str):
            counts[t] = counts.get(t, 0) + 1
    seen: dict[str, int] = {}
    out: list[tuple[object, str | None]] = []
    for c in children:
        t = c.tag
        if not isinstance(t, str):
            out.append((c, None))
        elif counts[t] > 1:
            n = seen.get(t, 0) + 1
            seen[t] = n
            out.append((c, f"{path}/{t}[{n}]"))
        else:
            out.append((c, f"{path}/{t}"))
    return out


def _hidden(el) -> bool:
    if el.get("hidden") is not None:
        return True
    style = el.get("style")
    return bool(style) and _HIDDEN_STYLE.search(style) is not None


def _span(value: str | None, limit: int, zero: int = 1) -> int:
    """A rowspan/colspan attribute as browsers read it: leading digits, clamped to `limit`;
    missing or unreadable -> 1; 0 -> `zero` (rowspan=0 means "to the end", passed as 0)."""
    if not value:
        return 1
    m = _DIGITS.match(value)
    if not m:
        return 1
    n = int(m.group(1))
    return min(n, limit) if n else zero


class _Reader:
    def __init__(self) -> None:
        self.blocks: list[Paragraph | Table] = []
        self._buf: list[str] = []
        self._buf_path: str | None = None

    # --- paragraphs ---------------------------------------------------------------------------
    def _add(self, text: str, block_path: str) -> None:
        if not self._buf:
            if text.isspace():
                return
            self._buf_path = block_path
        self._buf.append(text)

    def _flush(self) -> None:
        if self._buf:
            text = clean_text("".join(self._buf))
            if text:
                self.blocks.append(Paragraph(text, Origin(dom_path=self._buf_path)))
            self._buf = []

    def flow(self, el, path: str, block_path: str) -> None:
        """Walk flow content: text joins into the current paragraph, blocks delimit paragraphs."""
        if el.text:
            self._add(el.text, block_path)
        if len(el):
            for child, cpath in _child_paths(el, path):
                tag = child.tag
                if cpath is None or tag in _DROP or _hidden(child):
                    pass
                elif tag == "table":
                    self._flush()
                    self.table(child, cpath)
                elif tag == "br":
                    self._flush()
                elif tag in _BLOCK:
                    self._flush()
                    self.flow(child, cpath, cpath)
                    self._flush()
                else:
                    self.flow(child, cpath, block_path)
                if child.tail:
                    self._add(child.tail, block_path)

    # --- tables -------------------------------------------------------------------------------
    def table(self, el, path: str) -> None:
        rows: list[tuple[str, list]] = []  # (tr path, [(td element, td path)])
        for child, cpath in _child_paths(el, path):
            tag = child.tag
            if cpath is None:
                continue
            if tag == "tr":
                rows.append((cpath, [(c, p) for c, p in _child_paths(child, cpath) if c.tag in _CELLS]))
            elif tag in _ROW_GROUPS:
                for tr, trpath in _child_paths(child, cpath):
                    if trpath is not None and tr.tag == "tr":
                        rows.append((trpath, [(c, p) for c, p in _child_paths(tr, trpath) if c.tag in _CELLS]))
            elif tag in _DROP or tag in ("colgroup", "col") or _hidden(child):
                pass
            else:
                # <caption>, or stray content the parser left between rows: text before the grid.
                self.flow(child, cpath, cpath)
                self._flush()

        nested: list[tuple[object, str]] = []
        read: list[tuple[str, list[tuple[str, str, int, int]]]] = []
        longest = 0
        n_cells = 0
        for trpath, cells in rows:
            out = []
            for td, tdpath in cells:
                if _hidden(td):
                    continue
                parts: list[str | None] = []
                self._cell(td, tdpath, parts, nested)
                text = _join_runs(parts)
                longest = max(longest, len(text))
                n_cells += 1
                out.append((text, tdpath, _span(td.get("rowspan"), 65534, zero=0), _span(td.get("colspan"), 1000)))
            read.append((trpath, out))

        width = max((sum(c[3] for c in cells) for _, cells in read), default=0)
        # A table used for page layout (a 1x1 box, or a narrow frame around nested tables or
        # long text) is not data: read its cells as flow content so the report's paragraphs stay
        # paragraphs and its data tables become tables of their own.
        if n_cells == 1 or (nested and (width <= 2 or longest > 200)):
            for trpath, cells in rows:
                for td, tdpath in cells:
                    if not _hidden(td):
                        self._flush()
                        self.flow(td, tdpath, tdpath)
                        self._flush()
            return

        grid = _expand(read)
        if grid:
            self.blocks.append(Table(grid, Origin(dom_path=path)))
        # Tables nested in data cells follow their outer table, in document order.
        for inner, inner_path in nested:
            self.table(inner, inner_path)

    def _cell(self, el, path: str, parts: list, nested: list) -> None:
        if el.text:
            parts.append(el.text)
        if len(el):
            for child in el:
                tag = child.tag
                if not isinstance(tag, str) or tag in _DROP or _hidden(child):
                    pass
                elif tag == "table":
                    nested.append((child, child.getroottree().getpath(child)))
                    parts.append(_BREAK)
                elif tag == "br":
                    parts.append(_BREAK)
                elif tag in _BLOCK:
                    parts.append(_BREAK)
                    self._cell(child, path, parts, nested)
                    parts.append(_BREAK)
                else:
                    self._cell(child, path, parts, nested)
                if child.tail:
                    parts.append(child.tail)


def _expand(read: list[tuple[str, list[tuple[str, str, int, int]]]]) -> list[list[Cell]]:
    """Rows of (text, path, rowspan, colspan) -> a rectangular grid with merges expanded.

    The owner of a merged area keeps its text; every other slot it covers gets a copy with
    `spanned=True`. Where spans overlap (malformed tables) the first cell placed wins. Slots no
    cell covers are filled with empty cells located at their row.
    """
    n_rows = len(read)
    grid: list[list[Cell | None]] = [[] for _ in range(n_rows)]
    for r, (_, cells) in enumerate(read):
        row = grid[r]
        c = 0
        for text, path, rowspan, colspan in cells:
            while c < len(row) and row[c] is not None:
                c += 1
            # rowspan=0 means "to the end of the table"; spans never reach past the last row.
            rows_covered = n_rows - r if rowspan == 0 else min(rowspan, n_rows - r)
            origin = Origin(dom_path=path)
            for dr in range(rows_covered):
                target = grid[r + dr]
                end = c + colspan
                if len(target) < end:
                    target.extend([None] * (end - len(target)))
                for col in range(c, end):
                    if target[col] is None:
                        target[col] = Cell(text, origin, spanned=not (dr == 0 and col == c))
            c += colspan
    width = max((len(row) for row in grid), default=0)
    out: list[list[Cell]] = []
    for (trpath, _), row in zip(read, grid):
        if all(cell is None for cell in row):
            continue  # a row with no cell at all (<tr></tr>)
        if len(row) < width:
            row.extend([None] * (width - len(row)))
        pad = Origin(dom_path=trpath)
        out.append([cell if cell is not None else Cell("", pad) for cell in row])
    return out


# --- decoding --------------------------------------------------------------------------------
def declared_charset(data: bytes) -> str | None:
    """The charset a page declares (XML declaration or <meta>), lower-cased, or None."""
    head = data[:16384]
    m = _XML_CHARSET.search(head) or _META_CHARSET.search(head)
    return m.group(1).decode("ascii").lower() if m else None


_local = threading.local()


def _parser() -> etree.HTMLParser:
    # lxml parsers must not be shared between threads; one per thread, reused.
    p = getattr(_local, "parser", None)
    if p is None:
        p = _local.parser = etree.HTMLParser(
            encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True, collect_ids=False,
        )
    return p


def read_html(data: bytes) -> Document:
    """Read an HTML page into a Document (media type text/html)."""
    notes: list[str] = []
    declared = declared_charset(data)
    if declared and declared not in ("utf-8", "utf8") and not data.isascii():
        # Pages copied between CMSs often keep a stale <meta charset>; text that decodes as
        # UTF-8 is UTF-8 (a GB-encoded Chinese page never does by accident).
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            notes.append(f"the page declares charset {declared} but is UTF-8; read as UTF-8")
            declared = "utf-8"
    text = decode_text(data, declared)
    if "\ufffd" in text and "\ufffd".encode("utf-8") not in data:
        notes.append("some bytes could not be decoded and were replaced")
    # The bytes handed to libxml2 are UTF-8 whatever the page declared; the parser's encoding
    # overrides any <meta charset> in them.
    root = etree.fromstring(text.encode("utf-8"), _parser()) if text.strip() else None
    reader = _Reader()
    if root is not None:
        tree = root.getroottree()
        reader.flow(root, tree.getpath(root), tree.getpath(root))
        reader._flush()
    blocks = reader.blocks
    if _simplify(blocks):
        notes.append("the page is in Traditional characters; its text was converted to Simplified (OpenCC t2s)")
    return Document(blocks=blocks, media_type=HTML, notes=notes)


def _simplify(blocks: list[Paragraph | Table]) -> bool:
    """Convert all text to Simplified when the page is Traditional; True if it did."""
    items: list[Paragraph | Cell] = []
    for b in blocks:
        if isinstance(b, Paragraph):
            items.append(b)
        else:
            for row in b.rows:
                items.extend(row)
    texts = [i.text for i in items]
    joined = "\n".join(texts)
    if not is_traditional(joined):
        return False
    # One conversion call over everything (texts hold no NUL), then split back.
    converted = to_simplified("\x00".join(texts)).split("\x00")
    if len(converted) != len(items):  # cannot happen unless the converter maps onto NUL
        converted = [to_simplified(t) for t in texts]
    for item, text in zip(items, converted):
        item.text = text
    return True


__all__ = ["read_html", "declared_charset", "clean_text"]
