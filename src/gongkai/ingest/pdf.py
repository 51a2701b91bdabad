"""PDF reader: the text layer of a PDF -> paragraphs and table grids.

PDFium (pypdfium2) gives every character with its box and every vector path of a page. Table grids
come from the ruling lines: the horizontal and vertical lines that touch each other form one table;
their positions cut the table into elementary boxes, and boxes with no drawn line between them are
one (merged) cell. Characters inside a cell are its text; the others become text lines, then
paragraphs. Tables broken across pages are stitched together, and page numbers, running headers
and footers are dropped.

pdfminer.six (under pdfplumber) parses content streams in pure Python: on these reports it reads
about 10 pages/s, PDFium about 100. Nothing here needs pdfplumber's objects, so PDFium does all of
it; `pdfplumber` stays available to callers that want its debugging tools.

Pages without a text layer (scans) are listed in `Document.notes`; an OCR engine can take them
over through `register_ocr` (see there).
"""
from __future__ import annotations

import ctypes
import re
import zlib
from bisect import bisect_right
from dataclasses import dataclass, field
from statistics import median
from typing import Callable, Iterable, Sequence

from ..document import Block, Cell, Document, Origin, Paragraph, Table
from ..i18n import Message, N_, lazy
from . import MIN_OCR_DPI, PDF, ReadError, TooLarge, ocr_dpi

try:  # PDFium is a compiled wheel: a missing one should be a ReadError, not an ImportError
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c
except ImportError as e:  # pragma: no cover - depends on the installation
    raise ModuleNotFoundError("PDF support needs pypdfium2", name="pypdfium2") from e


# --- public API ---------------------------------------------------------------------------------

# An OCR engine for pages without a text layer: called with the PDF bytes and the 1-based numbers
# of those pages, it returns the blocks it read for each page (cells and paragraphs with
# Origin(page=n, bbox=..., confidence=...)), in reading order. Pages it leaves out stay unread
# and noted. Unless one is registered, `gongkai.ingest.scan.ocr_pdf_pages` is used when the OCR
# extra is installed (looked up only when a PDF has such pages).
OcrPages = Callable[[bytes, Sequence[int]], "dict[int, list[Block]]"]
_DISCOVER = object()
_ocr_engine: object = _DISCOVER


def register_ocr(engine: OcrPages | None) -> object:
    """Install the OCR engine for pages without text (None: no OCR); returns the previous setting,
    which can be passed back to restore it."""
    global _ocr_engine
    old, _ocr_engine = _ocr_engine, engine
    return old


def _ocr() -> OcrPages | None:
    if _ocr_engine is not _DISCOVER:
        return _ocr_engine  # type: ignore[return-value]
    try:
        from . import scan
    except ImportError:
        return None
    return scan.ocr_pdf_pages if scan.ocr_available() else None


def read_pdf(data: bytes) -> Document:
    """Read the bytes of a PDF into a Document, or raise ReadError saying why it cannot be read."""
    pdf = _open(data)
    try:
        pages = [_read_page(pdf, i) for i in range(len(pdf))]
    except pdfium.PdfiumError as e:
        raise ReadError(lazy("the PDF is damaged: {reason}", reason=str(e))) from None
    finally:
        pdf.close()
    return _assemble(data, pages)


def pages_without_text(data: bytes) -> list[int]:
    """1-based numbers of the pages that carry images but no text layer (scans needing OCR)."""
    pdf = _open(data)
    try:
        out = []
        for i in range(len(pdf)):
            page = _load_page(pdf, i)
            try:
                if _page_text(page)[2]:
                    out.append(i + 1)
            finally:
                page.close()
        return out
    except pdfium.PdfiumError as e:
        raise ReadError(lazy("the PDF is damaged: {reason}", reason=str(e))) from None
    finally:
        pdf.close()


# --- opening ------------------------------------------------------------------------------------

def _open(data: bytes) -> "pdfium.PdfDocument":
    if b"%PDF-" not in data[:1024]:
        raise ReadError(lazy("not a PDF (no %PDF- header)"))
    tail = data[-16384:]  # room for junk some servers append after the end marker
    if b"%%EOF" not in tail and b"startxref" not in tail:
        # PDFium rebuilds a cut file silently and shows what is left: say it instead.
        raise ReadError(lazy("the PDF is damaged: the end of the file is missing (truncated?)"))
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        code = getattr(e, "err_code", None)
        if code == pdfium_c.FPDF_ERR_PASSWORD:
            raise ReadError(lazy("the PDF is encrypted (it needs a password to be opened)")) from None
        if code == pdfium_c.FPDF_ERR_SECURITY:
            raise ReadError(lazy("the PDF is encrypted with an unsupported security handler")) from None
        raise ReadError(lazy("the PDF is damaged: {reason}",
                             reason=lazy(_PDFIUM_ERRORS.get(code, N_("it cannot be parsed"))))) from None
    if not _encrypted(data):
        try:
            bad = _corrupt_stream(data)
        except ReadError:
            pdf.close()
            raise
        if bad:
            pdf.close()
            raise ReadError(lazy("the PDF is damaged: {reason}", reason=bad))
    return pdf


_PDFIUM_ERRORS = {
    pdfium_c.FPDF_ERR_FILE: N_("the file cannot be read"),
    pdfium_c.FPDF_ERR_FORMAT: N_("it is not in PDF format or its structure is corrupt"),
    pdfium_c.FPDF_ERR_PAGE: N_("its pages cannot be found"),
}

_ENCRYPT_RE = re.compile(rb"/Encrypt\s+\d+\s+\d+\s+R|/Encrypt\s*<<")
_STREAM_RE = re.compile(rb"<<((?:[^<>]|<<(?:[^<>]|<<[^<>]*>>)*>>|<[^<>]*>)*)>>\s*stream\r?\n")
_LENGTH_RE = re.compile(rb"/Length\s+(\d{1,15})(?!\d|\s+\d+\s+R)")
# Inflating a stream to check it stops here: no content stream, font or object stream of a report
# comes near, while a few KB of zeros deflated can claim gigabytes. Output is discarded as it comes.
MAX_INFLATED_STREAM = 256 * 1024 * 1024
MAX_INFLATED_TOTAL = 1024 * 1024 * 1024
_INFLATE_CHUNK = 1 << 20
_IMAGE_STREAM_RE = re.compile(rb"/Subtype\s*/Image\b")


def _encrypted(data: bytes) -> bool:
    return _ENCRYPT_RE.search(data) is not None


def _corrupt_stream(data: bytes) -> "Message | None":
    """A reason if a Flate stream of the file does not inflate (bytes damaged in transit or on disk).

    PDFium draws what it can of a damaged stream and says nothing, so a flipped byte would silently
    drop text or table lines; zlib notices. Streams with other or chained filters are left alone.
    Streams are inflated in chunks, within MAX_INFLATED_STREAM each and MAX_INFLATED_TOTAL for the
    file: past either the file is refused as a compression bomb (TooLarge).
    """
    inflated = 0
    for m in _STREAM_RE.finditer(data):
        head = m.group(1)
        if b"/FlateDecode" not in head:
            continue
        if re.search(rb"/Filter\s*\[[^\]]*/\w+[^\]]*/\w+", head):
            continue  # a filter chain (e.g. ASCII85 then Flate): not worth decoding here
        if _IMAGE_STREAM_RE.search(head):
            continue  # damage in a picture does not change the text (fonts do: glyph boxes, codes)
        start = m.end()
        length = _LENGTH_RE.search(head)
        if length:
            end = start + int(length.group(1))
        else:  # indirect /Length: up to the endstream keyword
            end = data.find(b"endstream", start)
            if end < 0:
                return lazy("a data stream is cut off")
        body = data[start:end]
        try:
            size = _inflated_size(body, min(MAX_INFLATED_STREAM, MAX_INFLATED_TOTAL - inflated))
        except zlib.error as e:
            return lazy("compressed data in object {object} is corrupt ({error})",
                        object=_object_name(data, m.start()), error=str(e))
        if size is None:
            raise TooLarge(lazy("a compressed stream of the PDF (object {object}) expands to more than {limit} MB, "
                                "more than any report holds: the file is refused as a compression bomb",
                                object=_object_name(data, m.start()),
                                limit=min(MAX_INFLATED_STREAM, MAX_INFLATED_TOTAL - inflated) // (1024 * 1024)))
        inflated += size
    return None


def _inflated_size(body: bytes, limit: int) -> int | None:
    """How many bytes `body` inflates to, or None past `limit`; zlib.error if it is corrupt."""
    inflater = zlib.decompressobj()
    total = 0
    pending = body
    while True:
        out = inflater.decompress(pending, _INFLATE_CHUNK)
        total += len(out)
        if total > limit:
            return None
        pending = inflater.unconsumed_tail
        if inflater.eof or (not out and not pending):
            return total


def _object_name(data: bytes, at: int) -> str:
    """'12 0' for the object whose dictionary starts at `at` ('?' when it cannot be told)."""
    offset = data.rfind(b" obj", 0, at)
    where = data[max(0, data.rfind(b"\n", 0, offset) + 1):offset].strip()[-40:].decode("latin-1")
    return where or "?"


def _load_page(pdf: "pdfium.PdfDocument", index: int) -> "pdfium.PdfPage":
    try:
        return pdf[index]
    except pdfium.PdfiumError:
        raise ReadError(lazy("the PDF is damaged: page {page} cannot be read", page=index + 1)) from None


# --- one page: characters and ruling lines ------------------------------------------------------

@dataclass(slots=True)
class _Char:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def height(self) -> float:
        return self.bottom - self.top


@dataclass(slots=True)
class _Line:
    """A line of text (outside tables), with its box."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float  # median character height: the font size, near enough
    size_start: float  # the same over the first and the last few characters (a bold run-in
    size_end: float  # heading has taller boxes than the text that follows it)
    tabular: bool = False  # wide gaps inside: a row of a table drawn without lines
    chars: list[_Char] = field(default_factory=list, repr=False)


@dataclass(slots=True)
class _GridCell:
    page: int
    x0: float
    top: float
    x1: float
    bottom: float
    row: int  # index of the first elementary row the cell covers
    col: int
    nrows: int
    open_top: bool  # no line drawn along the top: the cell goes on from the previous page
    chars: list[_Char] = field(default_factory=list)
    text: str = ""
    spanned: bool = False


@dataclass(slots=True)
class _PageTable:
    page: int
    x0: float
    top: float
    x1: float
    bottom: float
    rows: list[list[_GridCell]]


@dataclass(slots=True)
class _Page:
    number: int
    width: float
    height: float
    tables: list[_PageTable]
    lines: list[_Line]
    needs_ocr: bool
    undecodable: bool = False  # has a text layer, but its characters map to no Unicode


class _Frame:
    """PDF user space (y up, any origin, maybe /Rotate'd) -> the page as displayed: origin top left,
    y down, in points. Every position this module hands out is in this frame."""

    __slots__ = ("left", "bottom", "right", "top", "rotation", "width", "height")

    def __init__(self, cropbox: tuple[float, float, float, float], rotation: int):
        self.left, self.bottom, self.right, self.top = cropbox
        self.rotation = rotation % 4
        w, h = self.right - self.left, self.top - self.bottom
        self.width, self.height = (h, w) if self.rotation % 2 else (w, h)

    def point(self, x: float, y: float) -> tuple[float, float]:
        r = self.rotation
        if r == 0:
            return x - self.left, self.top - y
        if r == 1:  # 90 degrees clockwise
            return y - self.bottom, x - self.left
        if r == 2:
            return self.right - x, y - self.bottom
        return self.top - y, self.right - x

    def box(self, x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
        ax, ay = self.point(x0, y0)
        bx, by = self.point(x1, y1)
        return min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)


def _read_page(pdf: "pdfium.PdfDocument", index: int) -> _Page:
    page = _load_page(pdf, index)
    try:
        frame, chars, needs_ocr, unreadable = _page_text(page)
        hsegs, vsegs = _rulings(page, frame)
    finally:
        page.close()
    tables, rest = _tables(index + 1, chars, hsegs, vsegs)
    lines = _text_lines(rest)
    if any(ln.tabular for ln in lines):
        unruled, lines = _unruled_tables(index + 1, lines)
        tables = sorted(tables + unruled, key=lambda t: t.top)
    return _Page(index + 1, frame.width, frame.height, tables, lines, needs_ocr, unreadable)


def _page_text(page: "pdfium.PdfPage") -> tuple[_Frame, list[_Char], bool, bool]:
    """The page's frame and characters; whether it needs OCR; whether its text is undecodable."""
    frame = _Frame(page.get_cropbox(), pdfium_c.FPDFPage_GetRotation(page.raw))
    textpage = page.get_textpage()
    try:
        chars, undecodable = _chars(textpage, frame)
    finally:
        textpage.close()
    visible = sum(1 for c in chars if c.text != " ")
    # No text at all over a picture: a scan. Text whose fonts map to no Unicode: as good as none.
    unreadable = visible > 0 and undecodable > 0.5 * visible
    needs_ocr = unreadable or (visible == 0 and _has_images(page))
    return frame, ([] if unreadable else chars), needs_ocr, unreadable


def _chars(textpage: "pdfium.PdfTextPage", frame: _Frame) -> tuple[list[_Char], int]:
    """The printed characters of a page; and how many of them have no Unicode meaning."""
    raw = textpage.raw
    n = pdfium_c.FPDFText_CountChars(raw)
    rect = pdfium_c.FS_RECTF()
    rect_ref = ctypes.byref(rect)
    l, r, b, t = ctypes.c_double(), ctypes.c_double(), ctypes.c_double(), ctypes.c_double()
    get_unicode, is_generated = pdfium_c.FPDFText_GetUnicode, pdfium_c.FPDFText_IsGenerated
    get_loose, get_tight = pdfium_c.FPDFText_GetLooseCharBox, pdfium_c.FPDFText_GetCharBox
    map_error = pdfium_c.FPDFText_HasUnicodeMapError
    out: list[_Char] = []
    undecodable = 0
    high = 0
    upright = frame.rotation == 0
    left, top = frame.left, frame.top
    for i in range(n):
        if is_generated(raw, i) == 1:  # spaces and line breaks PDFium inferred, not printed
            continue
        u = get_unicode(raw, i)
        if 0xD800 <= u < 0xDC00:
            high = u
            continue
        if 0xDC00 <= u < 0xE000 and high:
            u, high = 0x10000 + ((high - 0xD800) << 10) + (u - 0xDC00), 0
        if u in (0, 0xFFFE, 0xFFFF) or u in (10, 13):
            continue
        ch = chr(u)
        if ch in "\u00a0\u3000\t":
            ch = " "
        elif map_error(raw, i) == 1 or 0xE000 <= u <= 0xF8FF or u == 0xFFFD:
            undecodable += 1
        if not get_loose(raw, i, rect_ref):
            continue
        x0, x1, y0, y1 = rect.left, rect.right, rect.bottom, rect.top
        if ch != " " and max(x1 - x0, y1 - y0) > 30 and get_tight(raw, i, l, r, b, t):
            # The loose box (font ascent to descent) keeps a line's characters level, but PDFium
            # misplaces it for vertical-writing fonts (a label set one character per line in a
            # tall cell): then the tight glyph box, squared up, is the better position.
            cx, cy = (l.value + r.value) / 2, (b.value + t.value) / 2
            if not (x0 - 1 <= cx <= x1 + 1 and y0 - 1 <= cy <= y1 + 1) or y1 - y0 > 4 * (t.value - b.value) + 6:
                half = max(r.value - l.value, t.value - b.value, 1.0) / 2
                x0, x1, y0, y1 = cx - half, cx + half, cy - half, cy + half
        if upright:
            out.append(_Char(ch, x0 - left, top - y1, x1 - left, top - y0))
        else:
            out.append(_Char(ch, *frame.box(x0, y0, x1, y1)))
    return out, undecodable


def _has_images(page: "pdfium.PdfPage") -> bool:
    return any(True for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=3))


# Ruling lines: (position across, start along, end along); y grows downwards.
_Seg = tuple[float, float, float]


def _rulings(page: "pdfium.PdfPage", frame: _Frame) -> tuple[list[_Seg], list[_Seg]]:
    """Visible horizontal and vertical lines of the page, merged where they touch."""
    hs: list[_Seg] = []
    vs: list[_Seg] = []
    identity = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    _collect_paths(page.raw, pdfium_c.FPDFPage_CountObjects, pdfium_c.FPDFPage_GetObject,
                   identity, frame, hs, vs, depth=0)
    return _merge_segments(hs), _merge_segments(vs)


def _mul(m: tuple, n: tuple) -> tuple:
    """m then n (PDF row-vector convention: p' = p·m·n)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _collect_paths(parent, count, get, ctm, frame, hs, vs, depth) -> None:
    matrix = pdfium_c.FS_MATRIX()
    for i in range(count(parent)):
        obj = get(parent, i)
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind == pdfium_c.FPDF_PAGEOBJ_FORM and depth < 8:
            pdfium_c.FPDFPageObj_GetMatrix(obj, ctypes.byref(matrix))
            m = (matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f)
            _collect_paths(obj, pdfium_c.FPDFFormObj_CountObjects, pdfium_c.FPDFFormObj_GetObject,
                           _mul(m, ctm), frame, hs, vs, depth + 1)
        elif kind == pdfium_c.FPDF_PAGEOBJ_PATH:
            _path_segments(obj, ctm, frame, hs, vs, matrix)


def _visible(getter, obj) -> bool:
    r, g, b, a = ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint()
    if not getter(obj, r, g, b, a):
        return True
    return a.value > 0 and min(r.value, g.value, b.value) < 230  # white lines draw nothing


def _path_segments(obj, ctm, frame: _Frame, hs, vs, matrix) -> None:
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    if not pdfium_c.FPDFPath_GetDrawMode(obj, ctypes.byref(fill), ctypes.byref(stroke)):
        return
    stroked = bool(stroke.value) and _visible(pdfium_c.FPDFPageObj_GetStrokeColor, obj)
    filled = fill.value != 0 and _visible(pdfium_c.FPDFPageObj_GetFillColor, obj)
    if not stroked and not filled:
        return
    pdfium_c.FPDFPageObj_GetMatrix(obj, ctypes.byref(matrix))
    a, b, c, d, e, f = _mul((matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f), ctm)
    x, y = ctypes.c_float(), ctypes.c_float()
    points: list[tuple[float, float, int, bool]] = []
    for k in range(pdfium_c.FPDFPath_CountSegments(obj)):
        seg = pdfium_c.FPDFPath_GetPathSegment(obj, k)
        pdfium_c.FPDFPathSegment_GetPoint(seg, ctypes.byref(x), ctypes.byref(y))
        px, py = frame.point(a * x.value + c * y.value + e, b * x.value + d * y.value + f)
        points.append((px, py, pdfium_c.FPDFPathSegment_GetType(seg),
                       bool(pdfium_c.FPDFPathSegment_GetClose(seg))))
    if not points:
        return
    if stroked:
        start = prev = None
        for px, py, kind, close in points:
            if kind == pdfium_c.FPDF_SEGMENT_MOVETO or prev is None:
                start = prev = (px, py)
                continue
            if kind == pdfium_c.FPDF_SEGMENT_LINETO:
                _add_segment(prev, (px, py), hs, vs)
            prev = (px, py)
            if close and start is not None:
                _add_segment(prev, start, hs, vs)
                prev = start
    else:
        # A thin filled rectangle is a ruling line; a large one is cell shading or a background.
        xs = [p[0] for p in points]
        ys = [p[1] for p in points]
        x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
        if x1 - x0 <= 2.5 and y1 - y0 > 2.5:
            vs.append(((x0 + x1) / 2, y0, y1))
        elif y1 - y0 <= 2.5 and x1 - x0 > 2.5:
            hs.append(((y0 + y1) / 2, x0, x1))


def _add_segment(p, q, hs, vs) -> None:
    (x0, y0), (x1, y1) = p, q
    if abs(y1 - y0) <= 1.0 and abs(x1 - x0) > 1.0:
        hs.append(((y0 + y1) / 2, min(x0, x1), max(x0, x1)))
    elif abs(x1 - x0) <= 1.0 and abs(y1 - y0) > 1.0:
        vs.append(((x0 + x1) / 2, min(y0, y1), max(y0, y1)))


_SNAP = 2.0  # points: lines closer than this are the same line (double borders, rounding)


def _merge_segments(segs: list[_Seg]) -> list[_Seg]:
    """Collinear segments that overlap or touch -> one segment."""
    out: list[_Seg] = []
    segs.sort()
    groups: list[list[_Seg]] = []
    for s in segs:
        if groups and s[0] - groups[-1][-1][0] <= _SNAP:
            groups[-1].append(s)
        else:
            groups.append([s])
    for g in groups:
        pos = median(s[0] for s in g)
        spans = sorted((s[1], s[2]) for s in g)
        lo, hi = spans[0]
        for a, b in spans[1:]:
            if a <= hi + _SNAP:
                hi = max(hi, b)
            else:
                out.append((pos, lo, hi))
                lo, hi = a, b
        out.append((pos, lo, hi))
    return out


# --- table grids -----------------------------------------------------------------------------------

def _tables(page: int, chars: list[_Char], hsegs: list[_Seg], vsegs: list[_Seg]
            ) -> tuple[list[_PageTable], list[_Char]]:
    """The page's ruled tables, with their characters; and the characters outside them."""
    tables: list[_PageTable] = []
    grids = []
    for hs, vs in _connected(hsegs, vsegs):
        grid = _grid(page, hs, vs)
        if grid is not None:
            grids.append(grid)
    if not grids:
        return [], chars
    rest: list[_Char] = []
    for ch in chars:
        cx, cy = (ch.x0 + ch.x1) / 2, (ch.top + ch.bottom) / 2
        for xs, ys, owner, _ in grids:
            if xs[0] <= cx <= xs[-1] and ys[0] <= cy <= ys[-1]:
                i = min(max(bisect_right(ys, cy) - 1, 0), len(ys) - 2)
                j = min(max(bisect_right(xs, cx) - 1, 0), len(xs) - 2)
                owner[i][j].chars.append(ch)
                break
        else:
            rest.append(ch)
    for xs, ys, owner, cells in grids:
        for cell in cells:
            cell.text = _cell_text(cell.chars)
        if len(cells) < 2 or not any(c.text for c in cells):
            # A framed paragraph or a decorative box, not a table: its text is ordinary text.
            rest.extend(ch for c in cells for ch in c.chars)
            continue
        rows: dict[int, list[_GridCell]] = {}
        for cell in cells:
            rows.setdefault(cell.row, []).append(cell)
        table_rows = [sorted(rows[k], key=lambda c: c.x0) for k in sorted(rows)]
        tables.append(_PageTable(page, xs[0], ys[0], xs[-1], ys[-1], table_rows))
    if len(rest) != len(chars):
        rest.sort(key=lambda c: (c.top, c.x0))
    return tables, rest


def _connected(hsegs: list[_Seg], vsegs: list[_Seg]) -> list[tuple[list[_Seg], list[_Seg]]]:
    """Groups of horizontal and vertical lines that cross or touch each other."""
    n = len(hsegs)
    parent = list(range(n + len(vsegs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    t = _SNAP + 1
    for i, (y, hx0, hx1) in enumerate(hsegs):
        for j, (x, vy0, vy1) in enumerate(vsegs):
            if hx0 - t <= x <= hx1 + t and vy0 - t <= y <= vy1 + t:
                a, b = find(i), find(n + j)
                if a != b:
                    parent[a] = b
    groups: dict[int, tuple[list[_Seg], list[_Seg]]] = {}
    for i, s in enumerate(hsegs):
        groups.setdefault(find(i), ([], []))[0].append(s)
    for j, s in enumerate(vsegs):
        groups.setdefault(find(n + j), ([], []))[1].append(s)
    return [g for g in groups.values() if len(g[0]) >= 2 and len(g[1]) >= 2]


def _cluster(values: Iterable[float]) -> list[float]:
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= _SNAP:
            out[-1].append(v)
        else:
            out.append([v])
    return [sum(g) / len(g) for g in out]


def _covered(segs: list[_Seg], pos: float, lo: float, hi: float) -> float:
    """Fraction of [lo, hi] at `pos` that drawn lines cover."""
    total = 0.0
    for p, a, b in segs:
        if abs(p - pos) <= _SNAP:
            total += max(0.0, min(b, hi) - max(a, lo))
    return total / (hi - lo) if hi > lo else 1.0


def _grid(page: int, hs: list[_Seg], vs: list[_Seg]):
    """Cells of one ruled table: elementary boxes between lines, joined where no line parts them.

    The outer frame is implied by the lines' extent, so a table whose top or side border is not
    drawn (a continuation at the top of a page) still gets its cells.
    """
    xs = _cluster([v[0] for v in vs] + [min(h[1] for h in hs), max(h[2] for h in hs)])
    ys = _cluster([h[0] for h in hs] + [min(v[1] for v in vs), max(v[2] for v in vs)])
    if len(xs) < 2 or len(ys) < 2 or xs[-1] - xs[0] < 20 or ys[-1] - ys[0] < 10:
        return None
    nr, nc = len(ys) - 1, len(xs) - 1
    parent = list(range(nr * nc))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(nr):
        for j in range(nc):
            if j + 1 < nc and _covered(vs, xs[j + 1], ys[i], ys[i + 1]) < 0.5:
                a, b = find(i * nc + j), find(i * nc + j + 1)
                if a != b:
                    parent[b] = a
            if i + 1 < nr and _covered(hs, ys[i + 1], xs[j], xs[j + 1]) < 0.5:
                a, b = find(i * nc + j), find((i + 1) * nc + j)
                if a != b:
                    parent[b] = a
    boxes: dict[int, list[int]] = {}
    for i in range(nr):
        for j in range(nc):
            r = find(i * nc + j)
            box = boxes.get(r)
            if box is None:
                boxes[r] = [i, j, i, j]
            else:
                box[0], box[1] = min(box[0], i), min(box[1], j)
                box[2], box[3] = max(box[2], i), max(box[3], j)
    by_root: dict[int, _GridCell] = {}
    cells: list[_GridCell] = []
    for r, (i0, j0, i1, j1) in sorted(boxes.items(), key=lambda kv: (kv[1][0], kv[1][1])):
        x0, x1, top, bottom = xs[j0], xs[j1 + 1], ys[i0], ys[i1 + 1]
        cell = _GridCell(page, x0, top, x1, bottom, i0, j0, i1 - i0 + 1,
                         open_top=_covered(hs, top, x0, x1) < 0.5)
        cells.append(cell)
        by_root[r] = cell
    owner = [[by_root[find(i * nc + j)] for j in range(nc)] for i in range(nr)]
    return xs, ys, owner, cells


# --- text -----------------------------------------------------------------------------------------

def _group_lines(chars: list[_Char]) -> list[list[_Char]]:
    """Characters -> lines (top to bottom), each sorted left to right, double-struck copies dropped.

    A character joins a line when its vertical centre is near the line's: boxes of two lines set
    tight in a small cell overlap, their centres do not.
    """
    lines: list[list[_Char]] = []
    centre = height = 0.0
    for ch in sorted(chars, key=lambda c: c.top + c.bottom):
        cy, h = (ch.top + ch.bottom) / 2, ch.bottom - ch.top
        if lines and abs(cy - centre) <= 0.4 * max(height, h):
            line = lines[-1]
            line.append(ch)
            centre += (cy - centre) / len(line)
            height = max(height, h)
        else:
            lines.append([ch])
            centre, height = cy, h
    out = []
    for line in lines:
        line.sort(key=lambda c: c.x0)
        kept: list[_Char] = []
        for ch in line:
            # Fake bold: the same glyph printed again a fraction of a point to the side.
            if kept and ch.text == kept[-1].text and ch.x0 - kept[-1].x0 < 0.3 * max(ch.x1 - ch.x0, 1.0):
                continue
            kept.append(ch)
        out.append(kept)
    return out


def _is_ascii_word(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch in "%.,")


def _line_text(chars: list[_Char], digit_gap: float = 0.5) -> tuple[str, int]:
    """A line's text with a space where the print leaves a gap; and how many wide gaps it has.

    `digit_gap` (in ems) is the gap that parts two digits: in a ruled cell, which holds one
    number, a number spread across the cell (distributed alignment) is still one number.
    """
    parts: list[str] = []
    prev: _Char | None = None
    space = False
    wide = 0
    for ch in chars:
        if ch.text == " ":
            space = True
            continue
        if prev is not None:
            em = max(prev.height, ch.height, 1.0)
            gap = ch.x0 - prev.x1
            if gap > 2.0 * em:
                wide += 1
            a, b = prev.text[-1], ch.text[0]
            if a.isdigit() and b.isdigit() or a in ".,，" and b.isdigit() or a.isdigit() and b in ".,":
                limit = digit_gap
            elif _is_ascii_word(a) or _is_ascii_word(b):
                limit = 0.5
            else:
                limit = 1.5  # CJK text is often justified with wide, meaningless gaps
            if space or gap > limit * em:
                parts.append(" ")
        parts.append(ch.text)
        prev, space = ch, False
    return "".join(parts), wide


def _cell_text(chars: list[_Char]) -> str:
    """A cell's lines joined: wrapped CJK joins directly, wrapped Latin words with a space."""
    out = ""
    for line in _group_lines(chars):
        text, _ = _line_text(line, digit_gap=2.0)
        text = text.strip()
        if not text or _PAGE_NUMBER_RE.match(text):
            continue
        if out and _is_ascii_word(out[-1]) and _is_ascii_word(text[0]) and not out[-1].isdigit():
            out += " "
        out += text
    return out


def _text_lines(chars: list[_Char]) -> list[_Line]:
    out = []
    for line in _group_lines(chars):
        text, wide = _line_text(line)
        text = text.strip()
        if not text:
            continue
        visible = [c for c in line if c.text != " "]
        out.append(_Line(text, min(c.x0 for c in visible), min(c.top for c in visible),
                         max(c.x1 for c in visible), max(c.bottom for c in visible),
                         median(c.height for c in visible), median(c.height for c in visible[:3]),
                         median(c.height for c in visible[-3:]), tabular=wide >= 2, chars=visible))
    return out


# --- tables drawn without lines -----------------------------------------------------------------

_VALUE_RE = re.compile(r"^\s*(?:[-+−]?\s*\d[\d,，]*(?:[.．]\d+)?\s*%?|[—－\-―─/／]{1,4}|无)\s*$")


@dataclass(slots=True)
class _Chunk:
    """A run of characters of one line with no wide gap inside: a cell's line, without lines."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    value: bool


def _chunks(line: _Line) -> list[_Chunk]:
    out: list[_Chunk] = []
    run: list[_Char] = []
    em = max(line.size, 1.0)
    for ch in line.chars:
        if run:
            gap = ch.x0 - run[-1].x1
            a, b = run[-1].text[-1], ch.text[0]
            if gap > 1.0 * em or gap > 0.5 * em and (_is_ascii_word(a) or _is_ascii_word(b)):
                out.append(_chunk(run))
                run = []
        run.append(ch)
    if run:
        out.append(_chunk(run))
    return out


def _chunk(chars: list[_Char]) -> _Chunk:
    text = _line_text(chars)[0].strip()
    return _Chunk(text, chars[0].x0, min(c.top for c in chars), chars[-1].x1, max(c.bottom for c in chars),
                  bool(_VALUE_RE.match(text)))


def _unruled_tables(page: int, lines: list[_Line]) -> tuple[list[_PageTable], list[_Line]]:
    """Tables set without ruling lines: rows of numbers in columns, labels to their left.

    A row is a line with three or more numbers set apart by wide gaps (a lone row needs five). The label lines between
    such rows (a label wrapped onto two or three lines around its numbers, a group label set
    one character per line) belong to the row whose numbers are nearest; the pieces of label in
    one column of a row are one cell. Other text, the column headers above the numbers
    included, stays text.
    """
    chunked = [_chunks(ln) for ln in lines]
    is_row = [sum(c.value for c in ch) >= 3 and any(c.value and _numeric(c.text) for c in ch) for ch in chunked]
    tables: list[_PageTable] = []
    used: set[int] = set()
    i = 0
    while i < len(lines):
        if not is_row[i]:
            i += 1
            continue
        # The region: rows, and label-only lines between them, while the rows stay close.
        rows = [i]
        zone = min(c.x0 for c in chunked[i] if c.value)
        j = i + 1
        while j < len(lines) and lines[j].top - lines[j - 1].bottom <= 2 * max(lines[j].size, 1.0):
            if is_row[j]:
                rows.append(j)
                zone = min(zone, min(c.x0 for c in chunked[j] if c.value))
            elif not all(c.x1 <= zone + 1 for c in chunked[j]):
                break  # text across the number columns: the table has ended
            j += 1
        if len(rows) < 2 and sum(c.value for c in chunked[i]) < 5:
            i += 1
            continue
        end = rows[-1]
        members = list(range(rows[0], end + 1))
        # Label lines just above the first row or below the last one (a label wrapped around
        # the numbers), when they are nearer to that row than a row's own height.
        if len(rows) > 1:
            pitch = median(lines[b].top - lines[a].top for a, b in zip(rows, rows[1:]))
        else:
            pitch = 2.5 * (lines[i].bottom - lines[i].top)
        k = rows[0] - 1
        while k >= 0 and k not in used and not is_row[k] and all(c.x1 <= zone + 1 for c in chunked[k]) \
                and (lines[rows[0]].top + lines[rows[0]].bottom - lines[k].top - lines[k].bottom) / 2 < 0.6 * pitch:
            members.insert(0, k)
            k -= 1
        k = end + 1
        while k < len(lines) and not is_row[k] and all(c.x1 <= zone + 1 for c in chunked[k]) \
                and (lines[k].top + lines[k].bottom - lines[end].top - lines[end].bottom) / 2 < 0.6 * pitch:
            members.append(k)
            k += 1
        table = _assemble_unruled(page, lines, chunked, members, rows, zone)
        if tables and min(members) == max(used) + 1:  # right after the last one: one table
            prev = tables[-1]
            base = len(prev.rows)
            for row in table.rows:
                for c in row:
                    c.row += base
            prev.rows.extend(table.rows)
            prev.x0, prev.x1 = min(prev.x0, table.x0), max(prev.x1, table.x1)
            prev.bottom = max(prev.bottom, table.bottom)
        else:
            tables.append(table)
        used.update(members)
        i = max(members) + 1
    return tables, [ln for n, ln in enumerate(lines) if n not in used]


def _assemble_unruled(page, lines, chunked, members, rows, zone) -> _PageTable:
    centre = {n: (lines[n].top + lines[n].bottom) / 2 for n in members}
    owner: dict[int, int] = {}
    for n in members:
        if n in rows:
            owner[n] = n
        else:  # the row whose numbers are nearest; on a tie the later row (labels sit centred)
            owner[n] = min(rows, key=lambda r: (abs(centre[r] - centre[n]), -r))
    table_rows: list[list[_GridCell]] = []
    for r_index, r in enumerate(rows):
        parts = [c for n in members if owner[n] == r for c in chunked[n]]
        labels = sorted((c for c in parts if c.x1 <= zone + 1 and not (c.value and c.x0 >= zone - 1)),
                        key=lambda c: c.x0)
        values = sorted((c for c in parts if c not in labels), key=lambda c: c.x0)
        # Label pieces in one column (overlapping across) are one cell, read top to bottom.
        columns: list[list[_Chunk]] = []
        for c in labels:
            for col in columns:
                if min(col[-1].x1, c.x1) - max(min(p.x0 for p in col), c.x0) > 0:
                    col.append(c)
                    break
            else:
                columns.append([c])
        cells = []
        for col in columns:
            col.sort(key=lambda c: c.top)
            cells.append(_GridCell(page, min(c.x0 for c in col), min(c.top for c in col), max(c.x1 for c in col),
                                   max(c.bottom for c in col), r_index, 0, 1, False,
                                   text="".join(c.text for c in col)))
        cells += [_GridCell(page, c.x0, c.top, c.x1, c.bottom, r_index, 0, 1, False, text=c.text) for c in values]
        table_rows.append(sorted(cells, key=lambda c: c.x0))
    boxes = [c for row in table_rows for c in row]
    return _PageTable(page, min(c.x0 for c in boxes), min(c.top for c in boxes), max(c.x1 for c in boxes),
                      max(c.bottom for c in boxes), table_rows)


# Page numbers that are nothing else wherever they stand: "- 4 -", "—4—", "第4页", "第 4 页 共 6 页".
_PAGE_NUMBER_RE = re.compile(
    r"^\s*(?:[-—–－‒―_~～·•]+\s*\d{1,4}\s*[-—–－‒―_~～·•]+"
    r"|(?:共\s*\d{1,4}\s*页\s*[,，]?\s*)?第\s*\d{1,4}\s*页(?:\s*[,，/／]?\s*共\s*\d{1,4}\s*页)?)\s*$"
)
# ... and forms that are page numbers only in the top or bottom margin: "4", "(4)", "4/6", "Page 4".
_MARGIN_NUMBER_RE = re.compile(
    r"^\s*(?:[\(（\[]?\s*\d{1,4}\s*[\)）\]]?|\d{1,4}\s*[/／]\s*\d{1,4}"
    r"|[Pp]age\s*\d{1,4}(?:\s*of\s*\d{1,4})?)\s*$"
)
_CONTINUED_RE = re.compile(r"^\s*[（(]?\s*续\s*(?:表|上表)?\s*[）)]?\s*\d*\s*[：:]?\s*$")


# --- the whole document -------------------------------------------------------------------------

def _assemble(data: bytes, pages: list[_Page]) -> Document:
    notes: list = []
    _drop_page_furniture(pages)
    ocr_blocks: dict[int, list[Block]] = {}
    undecodable = [p.number for p in pages if p.undecodable]
    if undecodable:
        notes.append(lazy("the text layer of page {pages} cannot be decoded (fonts without a Unicode map); "
                          "treated as having no text", pages=_ranges(undecodable)) if len(undecodable) == 1 else
                     lazy("the text layer of pages {pages} cannot be decoded (fonts without a Unicode map); "
                          "treated as having no text", pages=_ranges(undecodable)))
    no_text = [p.number for p in pages if p.needs_ocr]
    # A page no image of which could be read within OCR's memory budget (one 5 m wide) is not
    # handed to the engine at all.
    absurd = [p for p in pages if p.needs_ocr and ocr_dpi(p.width, p.height, MIN_OCR_DPI) is None]
    for p in absurd:
        notes.append(lazy("page {page} is {width} × {height} cm, far larger than any page of a report: "
                          "it has no text layer and is not read by OCR", page=p.number,
                          width=round(p.width / 72 * 2.54), height=round(p.height / 72 * 2.54)))
    no_text = [n for n in no_text if n not in {p.number for p in absurd}]
    if no_text:
        engine = _ocr()
        if engine is not None:
            ocr_blocks = dict(engine(data, no_text) or {})
        if ocr_blocks:
            done = sorted(ocr_blocks)
            notes.append(lazy("page {pages}: no text layer, read by OCR", pages=_ranges(done)) if len(done) == 1
                         else lazy("pages {pages}: no text layer, read by OCR", pages=_ranges(done)))
        missing = [n for n in no_text if n not in ocr_blocks]
        if missing:
            reason = lazy("the OCR engine returned nothing") if engine else lazy("no OCR engine is installed")
            notes.append(lazy("page {pages} of {total}: no text layer (scanned image), not read: {reason}",
                              pages=_ranges(missing), total=len(pages), reason=reason) if len(missing) == 1 else
                         lazy("pages {pages} of {total}: no text layer (scanned image), not read: {reason}",
                              pages=_ranges(missing), total=len(pages), reason=reason))
    blocks: list[Block] = []
    # Items of the document in reading order: ("table", _PageTable) or ("line", (_Page, _Line)).
    items: list[tuple[str, object]] = []
    for page in pages:
        page_items: list[tuple[float, str, object]] = [(t.top, "table", t) for t in page.tables]
        page_items += [(ln.top, "line", (page, ln)) for ln in page.lines]
        page_items.sort(key=lambda it: it[0])
        if page.number in ocr_blocks:
            items.append(("ocr", ocr_blocks[page.number]))
        items.append(("page", page))
        items.extend((kind, obj) for _, kind, obj in page_items)
    metrics = _body_metrics(pages)
    current: _StitchedTable | None = None
    para: list[tuple[_Page, _Line]] = []
    last_kind = ""

    def flush_para() -> None:
        if para:
            blocks.append(_paragraph(para))
            para.clear()

    pending_page_break = False
    for kind, obj in items:
        if kind == "page":
            pending_page_break = True
            continue
        if kind == "ocr":
            flush_para()
            current = None
            blocks.extend(obj)  # type: ignore[arg-type]
            continue
        if kind == "table":
            table: _PageTable = obj  # type: ignore[assignment]
            flush_para()
            if current is not None and last_kind == "table" and pending_page_break and current.continues(table):
                current.extend(table)
            else:
                current = _StitchedTable(table)
                blocks.append(current.table)
            last_kind = "table"
        else:
            page, line = obj  # type: ignore[misc]
            if current is not None and last_kind == "table" and _CONTINUED_RE.match(line.text):
                continue  # "续表" between the parts of a broken table
            if para and not _same_paragraph(para[-1], (page, line), metrics, pending_page_break):
                flush_para()
            if last_kind == "table":
                flush_para()
            para.append((page, line))
            last_kind = "line"
        pending_page_break = False
    flush_para()
    for b in blocks:
        if isinstance(b, Table):
            # grids of the text layer become Cells here; the OCR engine's tables already are
            b.rows = [[c if isinstance(c, Cell) else _to_cell(c) for c in row] for row in b.rows]  # type: ignore[arg-type]
    return Document(blocks=blocks, media_type=PDF, notes=notes)


def _to_cell(c: _GridCell) -> Cell:
    return Cell(c.text, Origin(page=c.page, bbox=_bbox(c.x0, c.top, c.x1, c.bottom)), spanned=c.spanned)


def _bbox(x0: float, top: float, x1: float, bottom: float) -> tuple[float, float, float, float]:
    return (round(x0, 2), round(top, 2), round(x1, 2), round(bottom, 2))


def _ranges(numbers: list[int]) -> str:
    out: list[str] = []
    start = prev = numbers[0]
    for n in numbers[1:] + [None]:  # type: ignore[list-item]
        if n is not None and n == prev + 1:
            prev = n
            continue
        out.append(str(start) if start == prev else f"{start}-{prev}")
        if n is not None:
            start = prev = n
    return ", ".join(out)


def _drop_page_furniture(pages: list[_Page]) -> None:
    """Remove page numbers and running headers/footers from the text lines."""
    repeated: dict[str, set[int]] = {}
    for page in pages:
        for ln in page.lines:
            if _in_margin(page, ln):
                repeated.setdefault(re.sub(r"\d+", "#", ln.text), set()).add(page.number)
    running = {k for k, v in repeated.items() if len(v) >= 2 and len(v) * 2 >= len(pages)}
    for page in pages:
        kept = []
        for ln in page.lines:
            if _PAGE_NUMBER_RE.match(ln.text):
                continue
            if _in_margin(page, ln) and (_MARGIN_NUMBER_RE.match(ln.text)
                                         or re.sub(r"\d+", "#", ln.text) in running):
                continue
            kept.append(ln)
        page.lines = kept


def _in_margin(page: _Page, ln: _Line) -> bool:
    """In the top or bottom margin, where running headers, footers and page numbers stand."""
    return ln.bottom < page.height * 0.09 or ln.top > page.height * 0.88


@dataclass
class _Metrics:
    left: float
    right: float
    gap: float  # usual space between two lines of one paragraph
    size: float  # usual character height of body text


def _body_metrics(pages: list[_Page]) -> _Metrics:
    lines = [ln for p in pages for ln in p.lines if not ln.tabular]
    if not lines:
        return _Metrics(0.0, 0.0, 0.0, 0.0)
    x0s = sorted(ln.x0 for ln in lines)
    x1s = sorted(ln.x1 for ln in lines)
    gaps = []
    for p in pages:
        for a, b in zip(p.lines, p.lines[1:]):
            g = b.top - a.bottom
            if 0 <= g < 3 * a.size:
                gaps.append(g)
    return _Metrics(x0s[len(x0s) // 20], x1s[-1 - len(x1s) // 20], median(gaps) if gaps else 0.0,
                    median(ln.size for ln in lines))


def _same_paragraph(a: tuple[_Page, _Line], b: tuple[_Page, _Line], m: _Metrics, page_break: bool) -> bool:
    """Does line b go on the paragraph that line a is in?"""
    (_, la), (_, lb) = a, b
    em = max(la.size, lb.size, 1.0)
    if la.tabular or lb.tabular:
        return False
    if abs(la.size_end - lb.size_start) > 0.2 * em:
        return False
    if not page_break and lb.top - la.bottom > m.gap + 0.6 * em:
        return False
    centred_a = _centred(la, m, em)
    centred_b = _centred(lb, m, em)
    if centred_a and centred_b and not page_break:
        return True  # a title set on two lines
    if lb.x0 > m.left + 1.0 * em:  # indented: a new paragraph or heading
        return False
    if la.x1 < m.right - 1.5 * em:  # the line before stops short: its paragraph ended
        return False
    return True


def _centred(ln: _Line, m: _Metrics, em: float) -> bool:
    """Centred in the text column: short lines, or a title's lines in a larger type (the first
    line of a long title fills the column)."""
    if abs((ln.x0 + ln.x1) / 2 - (m.left + m.right) / 2) >= 1.5 * em:
        return False
    return ln.x0 > m.left + 2 * em or ln.size >= 1.15 * m.size


def _paragraph(lines: list[tuple[_Page, _Line]]) -> Paragraph:
    text = ""
    for _, ln in lines:
        if text and _is_ascii_word(text[-1]) and _is_ascii_word(ln.text[0]) and text[-1].isalpha() and ln.text[0].isalpha():
            text += " "
        text += ln.text
    page = lines[0][0].number
    first = [ln for p, ln in lines if p.number == page]
    bbox = _bbox(min(ln.x0 for ln in first), min(ln.top for ln in first),
                 max(ln.x1 for ln in first), max(ln.bottom for ln in first))
    return Paragraph(text, Origin(page=page, bbox=bbox))


# --- tables broken across pages ---------------------------------------------------------------

_LIST_MARKER_RE = re.compile(
    r"^\s*(?:[（(]\s*[一二三四五六七八九十\d]+\s*[)）]|[一二三四五六七八九十]+\s*[、.．]|\d+\s*[、.．]"
    r"|[①-⑳])"
)
_NUMBER_RE = re.compile(r"^\s*[-+−]?\s*[\d,，.．]+\s*%?\s*$")
_TERMINAL = "。；;：:！!？?"


def _numeric(text: str) -> bool:
    return bool(_NUMBER_RE.match(text))


class _StitchedTable:
    """A table and the parts of it that later pages continue."""

    def __init__(self, first: _PageTable):
        self.parts = [first]
        self.table = Table(rows=list(first.rows), origin=Origin(
            page=first.page, bbox=_bbox(first.x0, first.top, first.x1, first.bottom)))

    @property
    def last(self) -> _PageTable:
        return self.parts[-1]

    def continues(self, nxt: _PageTable) -> bool:
        """Is `nxt` (first thing on a page) the rest of this table (last thing on the page before)?"""
        prev = self.last
        if nxt.page != prev.page + 1:
            return False
        overlap = min(prev.x1, nxt.x1) - max(prev.x0, nxt.x0)
        return overlap >= 0.8 * max(prev.x1 - prev.x0, nxt.x1 - nxt.x0)

    def extend(self, nxt: _PageTable) -> None:
        rows = list(nxt.rows)
        rows = rows[self._repeated_header(rows):]
        if rows:
            self._join_boundary(rows[0])
        self.table.rows.extend(rows)  # type: ignore[arg-type]
        self.parts.append(nxt)

    def _repeated_header(self, rows: list[list[_GridCell]]) -> int:
        """How many leading rows of the new part repeat the table's header rows."""
        head = self.table.rows
        k = 0
        while k < min(len(rows) - 1, len(head), 4):
            a = [c.text for c in head[k] if c.text]  # type: ignore[union-attr]
            b = [c.text for c in rows[k] if c.text]
            if not b or a != b or all(_numeric(t) for t in b):
                break
            k += 1
        return k

    def _join_boundary(self, first: list[_GridCell]) -> None:
        """Join the cells a page break cut in two: their text goes to the part on the earlier page.

        A cell of the new page's first row continues the cell above it when no line is drawn
        along its top, or when it is a label that spans several rows (a group label such as
        （四）无法提供 wrapped across the break) or the whole row is a wrapped fragment
        (2.其他法 | 律行政法规禁止公开), and its text does not start a new numbered label.
        """
        prev = self.last
        frontier = [c for row in self.table.rows for c in row  # type: ignore[union-attr]
                    if c.page == prev.page and abs(c.bottom - prev.bottom) <= _SNAP]
        split_row = self._split_row(frontier, first)
        for b in first:
            above = self._above(frontier, b)
            if above is None or abs(above.x0 - b.x0) > _SNAP or abs(above.x1 - b.x1) > _SNAP:
                continue  # not the same column: a new cell (a missing border proves nothing)
            joins = split_row or b.open_top or b.nrows > 1
            if not joins:
                continue
            if b.text and above.text:
                if _numeric(b.text) or _numeric(above.text) or not self._fragment(b.text):
                    continue
                if above.text[-1] in _TERMINAL:
                    continue
            elif b.text and not (split_row or b.open_top):
                continue  # a tall cell with text under an empty cell: a new cell, keep it
            above.text += b.text
            b.text = above.text
            b.spanned = True

    def _split_row(self, frontier: list[_GridCell], first: list[_GridCell]) -> bool:
        """Is the new page's first row the rest of the last row (one row broken by the page)?

        Then both parts have the same cells, and no column has text on both sides except a label
        wrapped onto the new page (which does not start a new numbered label).
        """
        if len(frontier) != len(first):
            return False
        one_sided = False
        for b in first:
            a = self._above(frontier, b)
            if a is None or abs(a.x0 - b.x0) > _SNAP or abs(a.x1 - b.x1) > _SNAP:
                return False
            if a.text and b.text:
                if _numeric(a.text) or not self._fragment(b.text):
                    return False
            elif a.text or b.text:
                one_sided = True
        return one_sided

    @staticmethod
    def _fragment(text: str) -> bool:
        return not _LIST_MARKER_RE.match(text) and not _numeric(text)

    @staticmethod
    def _above(frontier: list[_GridCell], b: _GridCell) -> _GridCell | None:
        best, best_overlap = None, 0.0
        for a in frontier:
            overlap = min(a.x1, b.x1) - max(a.x0, b.x0)
            if overlap > best_overlap:
                best, best_overlap = a, overlap
        if best is None or best_overlap < 0.6 * min(best.x1 - best.x0, b.x1 - b.x0):
            return None
        return best
