"""Bytes of any supported format -> one `Document`.

The format is sniffed from the bytes (the file name is only a tie-breaker), then handed to the
reader registered for that media type. A new input format is one more reader here; nothing
downstream changes.
"""
from __future__ import annotations

import importlib
import re
from typing import Callable

from ..document import Document

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


class ReadError(Exception):
    """The input cannot be read as a report; the message says why, for a person."""


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
        raise ReadError("a ZIP archive that is not a Word (.docx) document")
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
        raise ReadError(f"reading {media_type} needs a component that is not installed ({e.name})") from e
    return getattr(module, func)


def read_document(data: bytes, name: str | None = None) -> Document:
    """Read `data` (the bytes of one file) into a Document, or raise ReadError."""
    if not data or not data.strip():
        raise ReadError("the file is empty")
    media_type = sniff(data, name)
    return _reader(media_type)(data)


def decode_text(data: bytes, declared: str | None = None) -> str:
    """Bytes of a text or HTML source -> str.

    UTF-8 (with or without BOM) and UTF-16 with BOM are recognised; the GB family (GBK, GB2312,
    GB18030) is always decoded as GB18030, its superset. Anything else that is not text raises.
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
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("big5hkscs")
    except UnicodeDecodeError:
        raise ReadError("the bytes are neither UTF-8 nor GB18030/GBK/Big5 text") from None


_PRINTABLE_BYTES = bytes(range(9, 14)) + bytes(range(32, 256))


def _reject_binary(data: bytes) -> None:
    sample = data[:8192]
    if b"\x00" in sample:
        raise ReadError("binary data, not a text, HTML, PDF, Word or image file")
    controls = len(sample.translate(None, _PRINTABLE_BYTES))
    if controls > max(8, len(sample) // 50):
        raise ReadError("binary data, not a text, HTML, PDF, Word or image file")
