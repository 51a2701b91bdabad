"""Bytes of any supported format -> one `Document`.

The format is sniffed from the bytes (the file name is only a tie-breaker), then handed to the
reader registered for that media type. A new input format is one more reader here; nothing
downstream changes.

Every input is untrusted: a small file may claim a table of millions of cells, a stream that
inflates to gigabytes, or a page metres wide. The limits below bound what any reader builds, and
an input beyond them is refused with a `ReadError` saying which limit, never read in part.
"""
from __future__ import annotations

import errno
import importlib
import os
import re
import stat
from contextlib import nullcontext
from typing import Callable

from ..document import Document
from ..gc_pause import collector_paused
from ..i18n import Message, _, lazy, render

TEXT = "text/plain"
MARKDOWN = "text/markdown"
HTML = "text/html"
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOC = "application/msword"
WPS = "application/vnd.ms-works"
PNG = "image/png"
JPEG = "image/jpeg"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# --- limits: what an annual report can be ------------------------------------------------------
# A report is a few hundred KB to a few tens of MB (a scanned PDF); past this a file is refused
# before it is read. GONGKAI_MAX_BYTES (a number of bytes, or with K/M/G) or the `max_bytes`
# argument of `read_file`/`gongkai.parse` (the CLI's --max-size) change it.
DEFAULT_MAX_FILE_BYTES = 100 * 1024 * 1024
MAX_BYTES_ENV = "GONGKAI_MAX_BYTES"
# The statutory tables are about 30 rows by 9 columns; appended lists (documents published, a
# year's requests one per row) reach a few thousand rows. Word's own tables stop at 63 columns.
MAX_TABLE_COLUMNS = 1000
MAX_TABLE_CELLS = 250_000  # one table, merged cells counted once per slot they cover
MAX_DOCUMENT_CELLS = 1_000_000  # all tables of one document together
# Lines of a text source: a report is a few hundred to a few thousand lines.
MAX_TEXT_LINES = 100_000
# OCR works on a page image at about 15 bytes a pixel: 40 megapixels (an A4 page at 600 dpi) is
# its budget. A larger page is read at a lower resolution, down to MIN_OCR_DPI, below which
# printed text cannot be read; a page that would need more is absurd and is not rendered.
MAX_OCR_PIXELS = 40_000_000
MIN_OCR_DPI = 100.0
# An image file is not decoded past this many pixels (a 165 KB PNG can declare 12,000 x 12,000).
MAX_IMAGE_PIXELS = 80_000_000


class ReadError(Exception):
    """The input cannot be read as a report; the message says why, for a person.

    The reason may be an i18n `Message`: `str(error)` renders it in the current language and
    `error.localized(lang)` in another, so the same refusal can be shown to anyone."""

    def __init__(self, reason: "str | Message" = "") -> None:
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return str(self.reason)

    def localized(self, lang: str | None = None) -> str:
        return str(render(self.reason, lang))


class TooLarge(ReadError):
    """The input is beyond one of the limits above (a bomb, or no report)."""


def max_file_bytes(value: int | str | None = None) -> int:
    """The size cap in bytes: `value` if given, else $GONGKAI_MAX_BYTES, else the default.
    Accepts '50M', '2G', '800K' or a plain number of bytes; 0 or less means no cap."""
    if value is None:
        value = os.environ.get(MAX_BYTES_ENV) or DEFAULT_MAX_FILE_BYTES
    if isinstance(value, int):
        return value
    text = str(value).strip().upper().removesuffix("B").removesuffix("I")
    factor = {"K": 1024, "M": 1024 ** 2, "G": 1024 ** 3}.get(text[-1:], 1)
    number = text[:-1] if text[-1:] in "KMG" and text[-1:] else text
    try:
        return int(float(number) * factor)
    except ValueError:
        raise ValueError(_("not a size: {value} (write e.g. 100M, 2G or a number of bytes)", value=repr(value))) from None


def check_size(size: int, max_bytes: int | None = None) -> None:
    """Refuse `size` bytes when it exceeds the cap."""
    limit = max_file_bytes(max_bytes)
    if 0 < limit < size:
        raise TooLarge(lazy("the file is {size}, more than the {limit} a report can be "
                            "(raise the limit with --max-size or GONGKAI_MAX_BYTES)",
                            size=human_size(size), limit=human_size(limit)))


def human_size(n: int) -> str:
    """1536 -> '1.5 KB', 104857600 -> '100 MB'."""
    for unit, factor in (("GB", 1024 ** 3), ("MB", 1024 ** 2), ("KB", 1024)):
        if n >= factor:
            return f"{n / factor:.1f}".removesuffix(".0") + " " + unit
    return f"{n} B"


_CHUNK = 1 << 20


def read_file(path: "str | os.PathLike", max_bytes: int | None = None) -> bytes:
    """The bytes of the regular file at `path`, or ReadError.

    Only regular files are read: a FIFO would block forever and a device (/dev/zero,
    /dev/urandom) never ends. The file is opened without blocking, checked with fstat (so a
    file swapped after a check is still the one judged), and read in chunks up to the size cap,
    so a file that grows while being read, or one whose size the system misreports, is bounded too.
    """
    limit = max_file_bytes(max_bytes)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
                     | getattr(os, "O_BINARY", 0))
    except (ValueError, UnicodeError):
        # a NUL or a lone surrogate in the name: no file can have it
        raise ReadError(lazy("the file name cannot be used (it contains a NUL or an invalid character)")) from None
    except FileNotFoundError:
        raise ReadError(lazy("no such file")) from None
    except IsADirectoryError:
        raise ReadError(lazy("is a directory, not a file")) from None
    except PermissionError:
        raise ReadError(lazy("cannot be opened (permission denied)")) from None
    except OSError as e:
        if e.errno == errno.ENXIO:  # what opening a Unix socket gives
            raise ReadError(lazy("is a socket, not a file")) from None
        raise ReadError(lazy("cannot be opened ({reason})", reason=e.strerror or str(e))) from None
    try:
        info = os.fstat(fd)
        kind = _not_regular(info.st_mode)
        if kind is not None:
            raise ReadError(kind)
        check_size(info.st_size, limit)
        chunks = []
        total = 0
        while True:
            want = _CHUNK if limit <= 0 else min(_CHUNK, limit + 1 - total)
            try:
                chunk = os.read(fd, max(want, 1))
            except BlockingIOError:  # regular files never block; anything else is no report
                raise ReadError(lazy("cannot be read without waiting (not a regular file)")) from None
            except OSError as e:
                raise ReadError(lazy("cannot be read ({reason})", reason=e.strerror or str(e))) from None
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if limit > 0 and total > limit:
                check_size(total, limit)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _not_regular(mode: int) -> Message | None:
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return lazy("is a directory, not a file")
    if stat.S_ISFIFO(mode):
        return lazy("is a pipe (FIFO), not a file: it is not read, since reading it could wait forever")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return lazy("is a device, not a file")
    if stat.S_ISSOCK(mode):
        return lazy("is a socket, not a file")
    return lazy("is not a regular file")


def ocr_dpi(width_pt: float, height_pt: float, dpi: float) -> float | None:
    """The resolution to render a page of this size (in points) at for OCR: `dpi`, lowered so
    the image stays within MAX_OCR_PIXELS; None when even MIN_OCR_DPI would exceed it."""
    if not (width_pt > 0 and height_pt > 0 and dpi > 0):
        return None
    pixels = (width_pt * dpi / 72.0) * (height_pt * dpi / 72.0)
    if pixels > MAX_OCR_PIXELS:
        dpi = dpi * (MAX_OCR_PIXELS / pixels) ** 0.5
    return dpi if dpi >= MIN_OCR_DPI else None


def table_too_large(rows: int, columns: int, cells: int | None = None) -> TooLarge:
    """The refusal for a table grid beyond the limits (raised by the readers while expanding)."""
    return TooLarge(lazy("a table of {rows} rows by at least {columns} columns ({cells} cells with its merged "
                         "cells expanded) is beyond what a report table can be (at most {max_columns} columns and "
                         "{max_cells} cells)", rows=rows, columns=columns,
                         cells=cells if cells is not None else rows * columns,
                         max_columns=MAX_TABLE_COLUMNS, max_cells=MAX_TABLE_CELLS))


class GridBudget:
    """Counts the cells readers create for one document, refusing past the limits.

    A reader calls `row(width)` as it fills each row of a table grid (`table()` between tables),
    so a merged cell claiming 65,534 rows or 200,000,000 columns stops the reader after at most
    MAX_TABLE_CELLS slots, instead of after it has built them all."""

    __slots__ = ("table_cells", "document_cells", "rows", "columns")

    def __init__(self) -> None:
        self.document_cells = 0
        self.table()

    def table(self, rows: int = 0) -> None:
        """A new table of `rows` rows begins."""
        self.table_cells = 0
        self.rows = rows
        self.columns = 0

    def columns_ok(self, columns: int, rows: int = 1) -> None:
        """Refuse before building a row `columns` wide (cheap check on a span's claim)."""
        if columns > MAX_TABLE_COLUMNS:
            raise table_too_large(max(rows, self.rows), columns)

    def add(self, cells: int, width: int = 0) -> None:
        """`cells` more slots were (or are about to be) built; `width`: the row's width so far."""
        self.table_cells += cells
        self.document_cells += cells
        if width > self.columns:
            self.columns = width
        if width > MAX_TABLE_COLUMNS or self.table_cells > MAX_TABLE_CELLS:
            raise table_too_large(max(self.rows, 1), max(self.columns, 1), self.table_cells)
        if self.document_cells > MAX_DOCUMENT_CELLS:
            raise TooLarge(lazy("the tables of the file have more than {max_cells} cells together: no report "
                                "has that many", max_cells=MAX_DOCUMENT_CELLS))


# media type -> "module:function" taking (data: bytes) and returning a Document.
READERS: dict[str, str] = {
    TEXT: "gongkai.ingest.text:read_text",
    MARKDOWN: "gongkai.ingest.text:read_text",
    HTML: "gongkai.ingest.html:read_html",
    PDF: "gongkai.ingest.pdf:read_pdf",
    DOCX: "gongkai.ingest.docx:read_docx",
    DOC: "gongkai.ingest.office:read_doc",
    WPS: "gongkai.ingest.office:read_doc",
    PNG: "gongkai.ingest.scan:read_image",
    JPEG: "gongkai.ingest.scan:read_image",
    XLSX: "gongkai.ingest.xlsx:read_xlsx",
}

_HTML_SNIFF = re.compile(rb"<\s*(?:!doctype\s+html|html|head|body|table|div|meta|p)[\s>/]", re.I)


def sniff(data: bytes, name: str | None = None) -> str:
    """The media type of `data`, judged from its bytes first and its name second."""
    head = data[:4096]
    if head.startswith(b"%PDF-") or b"%PDF-" in head[:1024]:
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        if b"word/" in data[:65536] or (name or "").lower().endswith(".docx"):
            return DOCX
        if b"xl/" in data[:65536] or (name or "").lower().endswith(".xlsx"):
            return XLSX
        raise ReadError(lazy("a ZIP archive that is neither a Word (.docx) document nor an Excel (.xlsx) workbook"))
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return WPS if (name or "").lower().endswith(".wps") else DOC
    if _HTML_SNIFF.search(head):
        return HTML
    lower = (name or "").lower()
    if lower.endswith((".md", ".markdown")):
        return MARKDOWN
    return TEXT


def _reader(media_type: str) -> Callable[[bytes], Document]:
    module_name, func = READERS[media_type].split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        raise ReadError(lazy("reading {media_type} needs a component that is not installed ({name})",
                             media_type=media_type, name=e.name)) from e
    return getattr(module, func)


# the readers that make only plain Python objects, bounded by the file's size, without cycles:
# they run with the cyclic collector paused (see gc_pause); PDF, Word and scan readers build other
# libraries' object graphs, for seconds, and keep it
_PAUSED_READERS = frozenset((TEXT, MARKDOWN, HTML))


def read_document(data: bytes, name: str | None = None) -> Document:
    """Read `data` (the bytes of one file) into a Document, or raise ReadError."""
    if not data or not data.strip():
        raise ReadError(lazy("the file is empty"))
    media_type = sniff(data, name)
    if media_type in (TEXT, MARKDOWN):
        # One paragraph object per line: a million short lines would cost most of a gigabyte.
        lines = data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n") + 1
        if lines > MAX_TEXT_LINES:
            raise TooLarge(lazy("the text has {lines} lines, more than the {limit} a report can have",
                                lines=lines, limit=MAX_TEXT_LINES))
    reader = _reader(media_type)
    try:
        with collector_paused() if media_type in _PAUSED_READERS else nullcontext():
            return reader(data)
    except RecursionError:  # tables nested thousands deep: no report is built so
        raise ReadError(lazy("its structure is nested too deeply to be read")) from None
    except MemoryError:
        raise ReadError(lazy("not enough memory to read it")) from None


def decode_text(data: bytes, declared: str | None = None) -> str:
    """Bytes of a text or HTML source -> str.

    UTF-8 (with or without BOM) and UTF-16 (with a BOM, or without one when its NUL bytes show
    it) are recognised; the GB family (GBK, GB2312, GB18030) is always decoded as GB18030, its
    superset. Big5 and GB18030 both accept most byte pairs, so when both decode an undeclared
    text the one whose characters look like a report's wins. Anything else that is not text raises.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    enc = (declared or "").lower().replace("_", "-")
    if enc in ("gbk", "gb2312", "gb18030", "gb-2312", "x-gbk", "cp936", "euc-cn", "hz-gb-2312"):
        return data.decode("gb18030", errors="replace")
    if enc in ("big5", "big5-hkscs", "cp950"):
        return data.decode("big5hkscs", errors="replace")
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        return data.decode(utf16, errors="replace")
    _reject_binary(data)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if enc and enc not in ("utf-8", "utf8"):
        try:
            return data.decode(enc)
        except (LookupError, UnicodeDecodeError):
            pass
    candidates = []
    for encoding in ("gb18030", "big5hkscs"):
        try:
            candidates.append((encoding, data.decode(encoding)))
        except UnicodeDecodeError:
            pass
    if not candidates:
        raise ReadError(lazy("the bytes are neither UTF-8 nor GB18030/GBK/Big5 text"))
    if len(candidates) == 1:
        return candidates[0][1]
    # Both decode: keep GB18030 unless Big5 reads clearly more like a report.
    (_, gb), (_, big5) = candidates
    return big5 if _report_likeness(big5) > 2 * _report_likeness(gb) + 0.02 else gb


_SAMPLE_CHARS = 20000


def _report_likeness(text: str) -> float:
    """Share of the Han characters (in a sample) that are words of the templates, in Simplified
    or Traditional form: high for the right decoding, near zero for a wrong one, which scatters
    over the whole of Unicode's Han block."""
    common = _common_characters()
    sample = text[:_SAMPLE_CHARS]
    han = [c for c in sample if "\u3400" <= c <= "\u9fff" or "\ue000" <= c <= "\uf8ff"]
    if not han:
        return 0.0
    return sum(c in common for c in han) / len(han)


_common: frozenset[str] | None = None


def _common_characters() -> frozenset[str]:
    global _common
    if _common is None:
        from .. import vocabulary
        from .chinese import to_traditional

        words = []
        for value in vars(vocabulary).values():
            if isinstance(value, str):
                words.append(value)
            elif isinstance(value, dict):
                words.extend(v for v in value.values() if isinstance(v, str))
                words.extend(k for k in value if isinstance(k, str))
            elif isinstance(value, (list, tuple, frozenset, set)):
                words.extend(v for v in value if isinstance(v, str))
                words.extend(getattr(v, "label", "") for v in value)
        simplified = "".join(w for w in words if isinstance(w, str))
        _common = frozenset(simplified + to_traditional(simplified)) - frozenset("\x00")
    return _common


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when the bytes are UTF-16 text without a BOM, else None.

    A report's digits, spaces and line breaks are ASCII, whose UTF-16 form has a NUL byte beside
    each; text in the other encodings has no NUL at all. Read in the right byte order those are
    ASCII characters again; in the wrong one they become rare ideographs."""
    sample = data[:8192]
    if len(data) % 2 or b"\x00" not in sample:
        return None
    sample = sample[: len(sample) // 2 * 2]
    if sample.count(0) < len(sample) // 20:
        return None
    ascii_counts = {}
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = sample.decode(encoding)
        except UnicodeDecodeError:
            continue
        if sum(1 for c in text if c < " " and c not in "\t\n\r\x0c") > max(4, len(text) // 100):
            continue
        ascii_counts[encoding] = sum(1 for c in text if " " <= c <= "~" or c in "\t\n\r")
    if not ascii_counts:
        return None
    best = max(ascii_counts, key=ascii_counts.__getitem__)
    other = min(ascii_counts.values()) if len(ascii_counts) == 2 else 0
    return best if ascii_counts[best] > 2 * other else None


_PRINTABLE_BYTES = bytes(range(9, 14)) + bytes(range(32, 256))


def _reject_binary(data: bytes) -> None:
    sample = data[:8192]
    if b"\x00" in sample:
        raise ReadError(lazy("binary data, not a text, HTML, PDF, Word or image file"))
    controls = len(sample.translate(None, _PRINTABLE_BYTES))
    if controls > max(8, len(sample) // 50):
        raise ReadError(lazy("binary data, not a text, HTML, PDF, Word or image file"))
