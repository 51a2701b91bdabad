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
from ..i18n import lazy
from . import HTML, GridBudget, ReadError, decode_text
from .chinese import join_fragments, simplify_blocks

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
# Cheap test on the source before looking at every element's attributes.
_HIDDEN_HINT = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden|\shidden[\s=>/]", re.I)
# A block boundary inside a table cell, written into the tree as this character so that a cell's
# text can be taken in one C call (tostring method="text") and still be split where blocks meet.
_MARK = "\ufdd0"  # a Unicode noncharacter: never in real text, yet allowed in an lxml tree
_EDGE = _MARK + " \t\r\n\u00a0\u3000"
_MARKED_TAGS = tuple(sorted(_BLOCK - {"html", "body", "tr", "td", "th", "thead", "tbody", "tfoot", "colgroup", "col"})) \
    + ("br",)

# Matched against the lower-cased head of the page (a literal prefix keeps the search fast).
_META_CHARSET = re.compile(rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([a-z0-9_.:\-]+)""")
_XML_CHARSET = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([a-z0-9_.:\-]+)""")

# Zero-width characters vanish (a zero-width space inside "1\u200b5" must not split the number).
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff\ufdd0]")
_CJK = "\u2e80-\u2fff\u3001-\u303f\u3040-\u9fff\uf900-\ufaff\uff01-\uffef"
# A line break in the source between two CJK characters is no space (browsers drop it too):
# CMS editors wrap long Chinese lines anywhere, even inside a label or an agency name.
_CJK_BREAK = re.compile(f"(?<=[{_CJK}])[ \\t\\r]*\\n\\s*(?=[{_CJK}])")
_SPACES = re.compile(r"\s+")  # \s covers &nbsp; (U+00A0) and the full-width space (U+3000)
_NEEDS_CLEANING = re.compile("[\\s\u00ad\u200b\u200c\u200d\u2060\ufeff\ufdd0]")
_DIGITS = re.compile(r"\s*(\d+)")
_NOT_XML_CHARS = "".join(map(chr, [*range(0, 9), 11, 12, *range(14, 32)])) + "\ufffe\uffff"
_NOT_XML = re.compile(f"[{re.escape(_NOT_XML_CHARS)}]")
def clean_text(raw: str) -> str:
    """Source text -> displayed text: whitespace collapsed, &nbsp;/full-width spaces stripped."""
    if _NEEDS_CLEANING.search(raw) is None:
        return raw  # most cells: "0", "12", a label without spaces
    if "\n" in raw:
        raw = _CJK_BREAK.sub("", raw)
    return _SPACES.sub(" ", _INVISIBLE.sub("", raw)).strip()


def _cell_text(raw: str) -> str:
    """A cell's text content, with block boundaries marked by _MARK, -> the cell's text.

    Inline pieces (`<span>1</span><span>5</span>`) are always joined without a space. At a block
    boundary inside a cell (`<p>`, `<div>`, `<br>`) we join without a space when both sides are
    CJK (a wrapped label, 商业<br>企业 -> 商业企业) or both sides are digits (a number split by
    Word's paragraph marks, <p>1</p><p>5</p> -> 15): a cell holds one label or one value, and a
    space there would only make the label or the number harder to read (the extractor would
    take "1 5" as possibly glued values). Everything else gets one space, so a label and a value
    that share a cell stay apart (<p>总计</p><p>17</p> -> "总计 17").
    """
    raw = raw.strip(_EDGE)
    if _MARK not in raw:
        return clean_text(raw)
    return join_fragments(clean_text(piece) for piece in raw.split(_MARK))


def _text_without_tables(el) -> str:
    """Text content of a cell that holds nested tables, leaving those out (they are read as
    tables of their own); a nested table counts as a block boundary."""
    parts = [el.text or ""]
    for child in el:
        if child.tag == "table":
            parts.append(_MARK)
        elif isinstance(child.tag, str):
            parts.append(_text_without_tables(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _child_paths(el, path: str) -> list[tuple[object, str | None]]:
    """(child, its DOM path) for every child, indexed like lxml's getpath(); the path is None
    for non-element nodes (an entity, a comment the parser kept), whose tail still counts."""
    children = list(el)
    n = len(children)
    if not n:
        return []
    first = children[0].tag
    if n == 1:
        return [(children[0], f"{path}/{first}" if isinstance(first, str) else None)]
    tags = [c.tag for c in children]
    if isinstance(first, str) and tags.count(first) == n:  # all <td>, all <tr>, all <p>: common
        return [(c, f"{path}/{first}[{i}]") for i, c in enumerate(children, 1)]
    counts: dict[str, int] = {}
    for t in tags:
        if isinstance(t, str):
            counts[t] = counts.get(t, 0) + 1
    seen: dict[str, int] = {}
    out: list[tuple[object, str | None]] = []
    for c, t in zip(children, tags):
        if not isinstance(t, str):
            out.append((c, None))
        elif counts[t] > 1:
            k = seen.get(t, 0) + 1
            seen[t] = k
            out.append((c, f"{path}/{t}[{k}]"))
        else:
            out.append((c, f"{path}/{t}"))
    return out


def _span(value: str | None, limit: int, zero: int = 1) -> int:
    """A rowspan/colspan attribute as browsers read it: leading digits, clamped to `limit`;
    missing or unreadable -> 1; 0 -> `zero` (rowspan=0 means "to the end", passed as 0)."""
    if not value:
        return 1
    m = _DIGITS.match(value)
    if not m:
        return 1
    digits = m.group(1).lstrip("0") or "0"
    n = int(digits) if len(digits) <= 9 else limit  # "99999…" is as large as a span gets
    return min(n, limit) if n else zero


class _Reader:
    def __init__(self, cells_with_tables: set, hidden: set) -> None:
        self.blocks: list[Paragraph | Table] = []
        self.budget = GridBudget()
        self._buf: list[str] = []
        self._buf_path: str | None = None
        self._cells_with_tables = cells_with_tables
        # Hidden rows and cells are emptied like all hidden content, but must also leave the
        # grid: a browser does not draw them, so they take no column.
        self._hidden = hidden

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
                if cpath is None or tag in _DROP:
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
                rows.append((cpath, self._cells(child, cpath)))
            elif tag in _ROW_GROUPS:
                for tr, trpath in _child_paths(child, cpath):
                    if trpath is not None and tr.tag == "tr":
                        rows.append((trpath, self._cells(tr, trpath)))
            elif tag in _DROP or tag in ("colgroup", "col"):
                pass
            else:
                # <caption>, or stray content the parser left between rows: text before the grid.
                self.flow(child, cpath, cpath)
                self._flush()

        nested: list[tuple[object, str]] = []
        read: list[tuple[str, list[tuple[str, str, int, int]]]] = []
        longest = 0
        n_cells = 0
        tostring = etree.tostring
        for trpath, cells in rows:
            out = []
            for td, tdpath in cells:
                if td in self._cells_with_tables:
                    raw = _text_without_tables(td)
                    tree = td.getroottree()
                    nested.extend((t, tree.getpath(t)) for t in _outermost_tables(td))
                else:
                    raw = tostring(td, method="text", encoding="unicode", with_tail=False)
                text = _cell_text(raw)
                if len(text) > longest:
                    longest = len(text)
                n_cells += 1
                rowspan = td.get("rowspan")
                colspan = td.get("colspan")
                out.append((text, tdpath, 1 if rowspan is None else _span(rowspan, 65534, zero=0),
                            1 if colspan is None else _span(colspan, 1000)))
            read.append((trpath, out))

        width = max((sum(c[3] for c in cells) for _, cells in read), default=0)
        # A table used for page layout (a 1x1 box, or a narrow frame around nested tables or
        # long text) is not data: read its cells as flow content so the report's paragraphs stay
        # paragraphs and its data tables become tables of their own.
        if n_cells == 1 or (width <= 2 and longest > 200) or (nested and (width <= 2 or longest > 200)):
            for trpath, cells in rows:
                for td, tdpath in cells:
                    self._flush()
                    self.flow(td, tdpath, tdpath)
                    self._flush()
            return

        grid = _expand(read, self.budget)
        if grid:
            self.blocks.append(Table(grid, Origin(dom_path=path)))
        # Tables nested in data cells follow their outer table, in document order.
        for inner, inner_path in nested:
            self.table(inner, inner_path)


    def _cells(self, tr, trpath: str) -> list:
        if self._hidden and tr in self._hidden:
            return []
        cells = [(c, p) for c, p in _child_paths(tr, trpath) if c.tag in _CELLS]
        if self._hidden:
            cells = [(c, p) for c, p in cells if c not in self._hidden]
        return cells


def _outermost_tables(el):
    """Tables inside `el` that are not inside another table inside `el`."""
    for child in el:
        if child.tag == "table":
            yield child
        elif isinstance(child.tag, str) and len(child):
            yield from _outermost_tables(child)


def _expand(read: list[tuple[str, list[tuple[str, str, int, int]]]], budget: GridBudget | None = None
            ) -> list[list[Cell]]:
    """Rows of (text, path, rowspan, colspan) -> a rectangular grid with merges expanded.

    The owner of a merged area keeps its text; every other slot it covers gets a copy with
    `spanned=True`. Where spans overlap (malformed tables) the first cell placed wins. Slots no
    cell covers are filled with empty cells located at their row.

    Every slot placed or visited is counted against `budget`, which refuses the table as soon as
    it passes what a report table can be: a span over 65,534 rows costs at most the budget.
    """
    n_rows = len(read)
    budget = budget or GridBudget()
    budget.table(n_rows)
    count = budget.add
    grid: list[list[Cell | None]] = [[] for _ in range(n_rows)]
    for r, (_, cells) in enumerate(read):
        row = grid[r]
        c = 0
        for text, path, rowspan, colspan in cells:
            size = len(row)
            while c < size and row[c] is not None:
                c += 1
            origin = Origin(None, None, None, None, path)  # (by position: cheaper than by keyword)
            count(1, c + 1)
            if c == size:
                row.append(Cell(text, origin))
            else:
                row[c] = Cell(text, origin)
            if rowspan != 1 or colspan != 1:
                # rowspan=0 means "to the end of the table"; spans never reach past the last row.
                rows_covered = n_rows - r if rowspan == 0 else min(rowspan, n_rows - r)
                end = c + colspan
                for dr in range(rows_covered):
                    count(end - c - (dr == 0), end)
                    target = grid[r + dr]
                    if len(target) < end:
                        target.extend([None] * (end - len(target)))
                    for col in range(c + 1 if dr == 0 else c, end):
                        if target[col] is None:
                            target[col] = Cell(text, origin, True)
            c += colspan
    width = max(map(len, grid), default=0)
    out: list[list[Cell]] = []
    for (trpath, _), row in zip(read, grid):
        if not row:
            continue  # a row with no cell at all (<tr></tr>)
        if len(row) < width:
            count(width - len(row), width)
            row.extend([None] * (width - len(row)))
        if any(cell is None for cell in row):  # (`None in row` would call Cell.__eq__ on every cell)
            pad = Origin(dom_path=trpath)
            row = [cell if cell is not None else Cell("", pad) for cell in row]
        out.append(row)
    return out


# --- decoding --------------------------------------------------------------------------------
def declared_charset(data: bytes) -> str | None:
    """The charset a page declares (XML declaration or <meta>), lower-cased, or None."""
    head = data[:16384].lower()
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
    notes: list = []
    declared = declared_charset(data)
    if declared and declared not in ("utf-8", "utf8") and not data.isascii():
        # Pages copied between CMSs often keep a stale <meta charset>; text that decodes as
        # UTF-8 is UTF-8 (a GB-encoded Chinese page never does by accident).
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            notes.append(lazy("the page declares charset {charset} but is UTF-8; read as UTF-8", charset=declared))
            declared = "utf-8"
    try:
        text = decode_text(data, declared)
    except ReadError:
        # A page cut off or damaged by a crawler: a few broken bytes in otherwise valid UTF-8 (or
        # GB18030) text should not cost the whole report.
        text = _decode_damaged(data)
        if text is None:
            raise
    if "\ufffd" in text and "\ufffd".encode("utf-8") not in data:
        notes.append(lazy("some bytes could not be decoded and were replaced"))
    # The bytes handed to libxml2 are UTF-8 whatever the page declared; the parser's encoding
    # overrides any <meta charset> in them.
    if _MARK in text:
        text = text.replace(_MARK, "")
    if any(c in text for c in _NOT_XML_CHARS) and _NOT_XML.search(text):
        # Control characters a browser shows as nothing would make the tree unwritable (lxml
        # refuses them in text it is given); a space, so that digits on both sides stay apart.
        text = _NOT_XML.sub(" ", text)
    text = _trim_attributes(text)
    root = etree.fromstring(text.encode("utf-8"), _parser()) if text.strip() else None
    blocks: list[Paragraph | Table] = []
    if root is not None:
        hidden = _prepare(root, hidden_hint=_hidden_hint(text))
        reader = _Reader({td for t in root.iter("table") for td in t.iterancestors("td", "th")}, hidden)
        path = root.getroottree().getpath(root)
        reader.flow(root, path, path)
        reader._flush()
        blocks = reader.blocks
    if simplify_blocks(blocks):
        notes.append(lazy("the page is in Traditional characters; its text was converted to Simplified (OpenCC t2s)"))
    return Document(blocks=blocks, media_type=HTML, notes=notes)


# A start tag with this many attributes is no page's: libxml2 checks each new attribute against
# all before it (100,000 attributes cost over a minute; 1,000 a few ms), so such a tag keeps only
# those read here.
_MAX_ATTRIBUTES = 1000
_ATTRIBUTE = r"""\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?"""
_MANY_ATTRIBUTES = re.compile(r"<[A-Za-z][^\s/>]*+(?>%s){%d}" % (_ATTRIBUTE, _MAX_ATTRIBUTES))
_TAG_WITH_ATTRIBUTES = re.compile(r"<([A-Za-z][^\s/>]*+)((?>%s)*)\s*/?>?" % _ATTRIBUTE)
_ATTRIBUTE_PARTS = re.compile(r"""\s+([^\s"'>/=]+)(\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?""")
_USED_ATTRIBUTES = frozenset({"rowspan", "colspan", "style", "hidden"})


def _trim_attributes(text: str) -> str:
    """The page with every start tag of absurdly many attributes cut down to the ones this reader
    uses (first occurrence each, as browsers take them); other pages unchanged."""
    # Each attribute needs a separator and most an "=": a page with fewer of them in all has no such
    # tag, and most pages are spared the scan.
    if text.count("=") + text.count(" ") + text.count("\n") + text.count("\t") < _MAX_ATTRIBUTES \
            or _MANY_ATTRIBUTES.search(text) is None:
        return text

    def trim(m: re.Match[str]) -> str:
        attributes = m.group(2)
        if len(attributes) < 2 * _MAX_ATTRIBUTES or _MANY_ATTRIBUTES.match(m.group()) is None:
            return m.group()
        kept: dict[str, str] = {}
        for a in _ATTRIBUTE_PARTS.finditer(attributes):
            name = a.group(1).lower()
            if name in _USED_ATTRIBUTES and name not in kept:
                kept[name] = a.group()
        return f"<{m.group(1)}{''.join(kept.values())}>"

    return _TAG_WITH_ATTRIBUTES.sub(trim, text)


def _decode_damaged(data: bytes) -> str | None:
    """Text with at most 1 in 200 characters undecodable, in the encoding that fits best."""
    best = None
    for encoding in ("utf-8", "gb18030"):
        text = data.decode(encoding, errors="replace")
        bad = text.count("\ufffd")
        if bad * 200 <= len(text) and (best is None or bad < best[0]):
            best = (bad, text)
    return best[1] if best else None


def _hidden_hint(text: str) -> bool:
    """Whether the page may hide elements with inline style or the hidden attribute."""
    if not any(word in text for word in ("none", "NONE", "None", "hidden", "HIDDEN", "Hidden")):
        return False
    return _HIDDEN_HINT.search(text) is not None


def _prepare(root, *, hidden_hint: bool) -> set:
    """Empty what a reader never sees and mark block boundaries inside table cells; returns the
    hidden elements."""
    # Emptied, not removed: DOM paths must stay those of the page as published.
    for el in list(root.iter(*_DROP)):
        el.clear(keep_tail=True)
    hidden = set()
    if hidden_hint:
        for el in list(root.iter()):
            if el.get("hidden") is not None or _HIDDEN_STYLE.search(el.get("style") or ""):
                el.clear(keep_tail=True)
                hidden.add(el)
    for table in root.iter("table"):
        if next(table.iterancestors("table"), None) is not None:
            continue  # nested: marked from its outermost table
        for el in table.iter(*_MARKED_TAGS):
            if el.tag != "br":
                el.text = _MARK + el.text if el.text else _MARK
            el.tail = _MARK + el.tail if el.tail else _MARK
    return hidden


__all__ = ["read_html", "declared_charset", "clean_text"]
