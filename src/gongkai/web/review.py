"""What the pages show about one record: its tables in the template's layout with each cell's
findings and source position, the findings list, and the source text with cells locatable.

Everything here is plain data (dicts and lists) so the JSON API and the templates show the same
thing; nothing here produces HTML (Jinja2 escapes every string when the pages are drawn).
"""
from __future__ import annotations

import re
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional

from ..render import layout as L
from .. import vocabulary as V
from ..i18n import _, language, use_language
from ..locations import cell_label as _cell_label
from ..locations import describe
from ..record import severity_word

SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}
TABLE_KEYS = ("active", "requests", "appeals")
_COL_RE = re.compile(r"\bcol (\d+)")
# The source panel shows at most this many lines (a long PDF's text is still searchable in the
# JSON); beyond it the page says what was cut.
MAX_SOURCE_LINES = 5000


def cell_id(path: str) -> str:
    """HTML id of a table cell: `requests.total.total` -> `c-requests-total-total`."""
    return "c-" + path.replace(".", "-")


def table_title(key: str) -> str:
    number = {"active": 2, "requests": 3, "appeals": 4}[key]
    title = next(t for n, t, _ in V.SECTION_TITLES if n == number)
    return f"{L.SECTION_NUMERALS[number - 1]}、{title}"


# --- findings -> cells ---------------------------------------------------------------------------
def _rule_summaries() -> dict[str, str]:
    try:
        from ..checks import rules
    except ImportError:
        return {}
    return {r.code: f"{r.name}: {r.summary}" for r in rules()}


def finding_views(findings: Iterable[Mapping[str, Any]], paths: set[str]) -> list[dict[str, Any]]:
    """Findings numbered, with the cells they concern (`cells`) and what to link to (`anchor`)."""
    summaries = _rule_summaries()
    out = []
    for i, f in enumerate(findings):
        where = f.get("where") or ""
        if where in paths:
            cells = [where]
        elif where.count(".") == 1 and where.split(".")[0] in TABLE_KEYS:  # a row
            cells = sorted(p for p in paths if p.startswith(where + "."))
        else:
            cells = []
        table = where.split(".")[0] if where.split(".")[0] in TABLE_KEYS else None
        anchor = cell_id(cells[0]) if cells else (f"t-{table}" if table else None)
        out.append({
            "n": i + 1, "id": f"f{i + 1}", "rule": f.get("rule"), "severity": f.get("severity"),
            "origin": f.get("origin"), "message": f.get("message"), "where": f.get("where"),
            "where_text": describe(f.get("where")),
            "evidence": f.get("evidence"), "rule_summary": summaries.get(f.get("rule") or ""),
            "cells": cells, "table": table, "anchor": anchor,
        })
    return out


def _worst(severities: Iterable[str]) -> Optional[str]:
    worst = None
    for s in severities:
        if worst is None or SEVERITY_RANK.get(s, 0) > SEVERITY_RANK.get(worst, 0):
            worst = s
    return worst


# --- tables --------------------------------------------------------------------------------------
def table_views(record: Mapping[str, Any], findings: list[dict[str, Any]],
                source_index: Optional[Mapping[str, dict[str, Any]]] = None,
                compare_to: Optional[Mapping[str, Any]] = None) -> list[dict[str, Any]]:
    """The three tables as the template draws them (layout rows, merged cells kept), each value
    cell with its text, status (worst finding severity), findings and source position.

    With `compare_to` (another record), cells whose values differ are marked `changed` and carry
    the other value: the compare page's view.
    """
    by_cell: dict[str, list[dict[str, Any]]] = {}
    by_table: dict[str, list[dict[str, Any]]] = {}
    for f in findings:
        for p in f["cells"]:
            by_cell.setdefault(p, []).append(f)
        if not f["cells"] and f["table"]:
            by_table.setdefault(f["table"], []).append(f)
    provenance = record.get("provenance") or {}
    source_index = source_index or {}
    out = []
    for layout in L.layouts_for(record):
        rows = []
        for row in layout.rows:
            cells = []
            for c in row:
                cell: dict[str, Any] = {"text": c.text, "rowspan": c.rowspan, "colspan": c.colspan,
                                        "header": c.header, "path": c.path}
                if c.path:
                    value = L.lookup(record, c.path)
                    fs = by_cell.get(c.path, [])
                    prov = provenance.get(c.path) or {}
                    loc = source_index.get(c.path)
                    cell.update({
                        "id": cell_id(c.path), "value": value, "text": L.format_value(value),
                        "status": _worst(f["severity"] for f in fs),
                        "findings": [f["id"] for f in fs],
                        "messages": [_("{rule} {severity}: {message}", rule=f["rule"],
                                       severity=severity_word(f["severity"]), message=f["message"]) for f in fs],
                        "raw": prov.get("raw"), "at": prov.get("at"), "where_text": describe(c.path),
                        "source_line": loc["line"] if loc else None,
                    })
                    if compare_to is not None:
                        other = L.lookup(compare_to, c.path)
                        cell["other"] = other
                        cell["changed"] = other != value
                cells.append(cell)
            rows.append(cells)
        tf = by_table.get(layout.key, [])
        out.append({"key": layout.key, "id": f"t-{layout.key}", "title": table_title(layout.key),
                    "width": layout.width, "rows": rows, "findings": [f["id"] for f in tf],
                    "status": _worst(f["severity"] for f in tf)})
    return out


def layout_data(template: str, single_other: Optional[bool] = None) -> list[dict[str, Any]]:
    """The template's tables as data (for /api/layout): rows of cells with spans and paths."""
    layouts = [L.active_layout(template), L.requests_layout(template, single_other=single_other),
               L.appeals_layout()]
    return [{"key": t.key, "title": table_title(t.key), "section": t.section, "width": t.width,
             "rows": [[{"text": c.text, "rowspan": c.rowspan, "colspan": c.colspan, "path": c.path,
                        "header": c.header} for c in row] for row in t.rows]}
            for t in layouts]


# --- source text ---------------------------------------------------------------------------------
def source_view(document: Any, record: Mapping[str, Any]) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]], bool]:
    """(lines, cell index, truncated): the text as read, one entry per line, with the spans of
    table cells marked; and for each cell path the line it was read from.

    Text formats keep their own lines (provenance gives line numbers). PDF and HTML have none:
    their paragraphs and table rows become the lines, and a cell is found by its page and box or
    its DOM path.
    """
    provenance = record.get("provenance") or {}
    index: dict[str, dict[str, Any]] = {}
    spans: dict[int, list[tuple[int, int, str]]] = {}  # line -> (start, end, path)
    if document.lines:
        texts = list(document.lines)
        pages: list[Optional[int]] = [None] * len(texts)
        for path, prov in provenance.items():
            line = prov.get("line")
            if not line or line > len(texts):
                continue
            index[path] = {"line": line}
            raw = prov.get("raw") or ""
            start = prov.get("char")
            if start is None:  # older records say it only in words: "line 10 col 4694"
                m = _COL_RE.search(prov.get("at") or "")
                start = int(m.group(1)) - 1 if m else None
            if start is not None and raw:
                if texts[line - 1][start:start + len(raw)] == raw:
                    spans.setdefault(line, []).append((start, start + len(raw), path))
    else:
        texts, pages, where = _block_lines(document)
        for path, prov in provenance.items():
            key = _origin_key(prov.get("page"), prov.get("bbox"), prov.get("dom_path"))
            if key in where:
                line, start, end = where[key]
                index[path] = {"line": line}
                spans.setdefault(line, []).append((start, end, path))
            elif prov.get("page") is not None:
                # no box to match: point at the page's first line
                first = next((i + 1 for i, p in enumerate(pages) if p == prov["page"]), None)
                if first:
                    index[path] = {"line": first}
    truncated = len(texts) > MAX_SOURCE_LINES
    lines = []
    for n, text in enumerate(texts[:MAX_SOURCE_LINES], start=1):
        lines.append({"n": n, "page": pages[n - 1], "segments": _segments(text, spans.get(n, []))})
    return lines, index, truncated


def _origin_key(page: Any, bbox: Any, dom_path: Any) -> Optional[tuple]:
    if dom_path:
        return ("dom", dom_path)
    if page is not None and bbox:
        return ("box", page, tuple(round(float(v), 1) for v in bbox))
    return None


def _block_lines(document: Any) -> tuple[list[str], list[Optional[int]], dict[tuple, tuple[int, int, int]]]:
    from ..document import Paragraph

    texts: list[str] = []
    pages: list[Optional[int]] = []
    where: dict[tuple, tuple[int, int, int]] = {}
    for block in document.blocks:
        if isinstance(block, Paragraph):
            for part in block.text.split("\n"):
                texts.append(part)
                pages.append(block.origin.page)
            continue
        for row in block.rows:
            text = ""
            page = block.origin.page
            for cell in row:
                if cell.spanned or not cell.text:
                    continue
                if text:
                    text += " | "
                key = _origin_key(cell.origin.page, cell.origin.bbox, cell.origin.dom_path)
                if key is not None:
                    where[key] = (len(texts) + 1, len(text), len(text) + len(cell.text))
                text += cell.text.replace("\n", " ")
                page = cell.origin.page if cell.origin.page is not None else page
            texts.append(text)
            pages.append(page)
    return texts, pages, where


def _segments(text: str, spans: list[tuple[int, int, str]]) -> list[dict[str, Any]]:
    """The line cut into plain text and marked cell spans; cells read from the same characters
    (a glued run split into several cells) share one mark."""
    grouped: dict[tuple[int, int], list[str]] = {}
    for start, end, path in sorted(spans):
        grouped.setdefault((start, end), []).append(path)
    out: list[dict[str, Any]] = []
    pos = 0
    for (start, end), paths in sorted(grouped.items()):
        if start < pos:  # overlaps an earlier mark: keep the first
            continue
        if start > pos:
            out.append({"text": text[pos:start]})
        out.append({"text": text[start:end], "cells": paths})
        pos = end
    if pos < len(text) or not out:
        out.append({"text": text[pos:]})
    return out


# --- one checked upload --------------------------------------------------------------------------
@dataclass
class Review:
    id: str
    name: str
    record: dict[str, Any]
    findings: list[dict[str, Any]]
    tables: list[dict[str, Any]]
    source: list[dict[str, Any]]
    source_truncated: bool
    media_type: str
    index: dict = field(default_factory=dict)  # cell path -> its source line (for other languages' views)
    created: float = field(default_factory=time.time)
    # the record itself, whose findings keep their messages for either language (see `localized`)
    source_record: Any = None
    _views: dict = field(default_factory=dict, repr=False)

    def localized(self, lang: str) -> "Review":
        """This review with the record, findings and tables in `lang` (its findings' Messages
        rendered again; words of places too). Made once per language."""
        if self.source_record is None:
            return self
        if lang not in self._views:
            with use_language(lang):
                record = self.source_record.model_copy(
                    update={"findings": [f.localized(lang) for f in self.source_record.findings]}).to_dict()
                view = review_record(record, name=self.name, source=(self.source, self.index, self.source_truncated),
                                     media_type=self.media_type, review_id=self.id)
            view.created = self.created
            self._views[lang] = view
        return self._views[lang]

    @property
    def counts(self) -> dict[str, int]:
        return severity_counts(self.findings)

    def summary(self) -> dict[str, Any]:
        r = self.record
        return {"id": self.id, "name": self.name, "agency": r.get("agency"), "year": r.get("year"),
                "template": r.get("template"), "media_type": self.media_type, "counts": self.counts}


def severity_counts(findings: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    counts = {"error": 0, "warning": 0, "info": 0}
    for f in findings:
        counts[f.get("severity") or "info"] = counts.get(f.get("severity") or "info", 0) + 1
    return counts


def review_bytes(data: bytes, name: str) -> Review:
    """Read, extract and check one upload; raises `gongkai.ingest.ReadError` for unreadable input."""
    from ..api import parse_bytes
    from ..ingest import read_document

    parsed = parse_bytes(data, name=name)
    record = parsed.to_dict()
    # The record does not keep the document; read it again (cheap next to extraction) for the
    # source panel.
    document = read_document(data, name)
    lines, index, truncated = source_view(document, record)
    review = review_record(record, name=name, source=(lines, index, truncated), media_type=document.media_type)
    review.source_record = parsed
    review._views[language()] = review
    return review


def review_record(record: dict[str, Any], *, name: str = "",
                  source: Optional[tuple[list, dict, bool]] = None, media_type: str = "",
                  review_id: Optional[str] = None) -> Review:
    lines, index, truncated = source or ([], {}, False)
    paths = {p for t in TABLE_KEYS for p in _paths_of(record, t)}
    findings = finding_views(record.get("findings") or [], paths)
    tables = table_views(record, findings, index)
    return Review(id=review_id or secrets.token_urlsafe(12), name=name, record=record, findings=findings,
                  tables=tables, source=lines, source_truncated=truncated, index=index,
                  media_type=media_type or (record.get("source") or {}).get("media_type") or "")


def _paths_of(record: Mapping[str, Any], table: str) -> list[str]:
    return [f"{table}.{row}.{f}" for row, fields in (record.get(table) or {}).items() for f in (fields or {})]


class ReviewCache:
    """The last few checked uploads, so their pages and downloads can be fetched by id.

    In memory; or, when the server runs several processes (`gongkai serve --workers N`), in a
    private folder they share (JSON files, removed when the server stops), since the next request
    may reach another process."""

    def __init__(self, size: int = 64, directory: Optional[str] = None):
        self.size = size
        self.directory = Path(directory) if directory else None
        self._items: OrderedDict[str, Review] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, review: Review) -> None:
        if self.directory is not None:
            return self._write(review)
        with self._lock:
            self._items[review.id] = review
            self._items.move_to_end(review.id)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def get(self, review_id: str) -> Optional[Review]:
        """The review in the current language."""
        if self.directory is not None:
            return self._read(review_id)
        with self._lock:
            review = self._items.get(review_id)
        return review.localized(language()) if review is not None else None

    def _write(self, review: Review) -> None:
        """One JSON file per review, holding its view in each language (a Record's Messages do not
        travel as JSON; the views are made now, once)."""
        import json
        import os

        from ..i18n import LANGUAGES

        views = {lang: _plain(review.localized(lang)) for lang in LANGUAGES}
        path = self.directory / f"{review.id}.json"
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(views, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
        files = sorted(self.directory.glob("*.json"), key=_mtime, reverse=True)
        for old in files[self.size:]:
            old.unlink(missing_ok=True)

    def _read(self, review_id: str) -> Optional[Review]:
        import json

        if not _REVIEW_ID.fullmatch(review_id):
            return None
        try:
            views = json.loads((self.directory / f"{review_id}.json").read_text(encoding="utf-8"))
            return Review(**views[language()])
        except (OSError, ValueError, KeyError, TypeError):
            return None


def _plain(review: Review) -> dict:
    """A review's JSON-able fields (its views and source record stay in the process that made it)."""
    import dataclasses

    return {f.name: getattr(review, f.name) for f in dataclasses.fields(review)
            if f.name not in ("source_record", "_views")}


_REVIEW_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def cell_label(path: str) -> str:
    """A person's name for a cell: `requests.granted.natural_person` -> （一）予以公开 × 自然人."""
    return _cell_label(path)


# --- a stored report as the office reviews it ---------------------------------------------------------
def _decided(decision: Any) -> Optional[dict[str, Any]]:
    if decision is None:
        return None
    return {"kind": decision.kind, "word": decision.word, "note": decision.note, "reviewer": decision.reviewer,
            "at": decision.decided_at.strftime("%Y-%m-%d %H:%M") if decision.decided_at else None}


def _matches(finding: Mapping[str, Any], show: str) -> bool:
    kind = finding["decision"]["kind"] if finding["decision"] else None
    return {"open": kind is None, "confirmed": kind == "confirmed", "dismissed": kind == "dismissed"}.get(show, True)


def office_view(rr: Any, show: str = "all") -> dict[str, Any]:
    """A ReviewedReport (gongkai.review) as the report page shows it: every finding, errors first,
    with its fingerprint, place in words, quote and decision (`findings`, filtered by `show`: all,
    open, confirmed, dismissed; `shown_counts` per filter); the tables of the corrected record, a
    cell a reviewer corrected marked `corrected` and only active findings marking cells; the cells
    that could not be read (`unread`: null with a finding), each with its correction if any."""
    record = rr.corrected_record.to_dict()
    paths = {p for t in TABLE_KEYS for p in _paths_of(record, t)}
    views = finding_views([f.finding.model_dump() for f in rr.findings], paths)
    for view, f in zip(views, rr.findings):
        view.update({"id": f"fp-{f.fingerprint}", "fingerprint": f.fingerprint, "place": f.place, "quote": f.quote,
                     "decision": _decided(f.decision), "dismissed": f.dismissed})
    active = [v for v in views if not v["dismissed"]]
    tables = table_views(record, active)
    rules = {v["id"]: v["rule"] for v in active}
    for t in tables:  # a table's own findings linked by their rule codes (their ids are fingerprints)
        t["finding_links"] = [(fid, rules[fid]) for fid in t["findings"]]
    cells = {c["path"]: c for t in tables for row in t["rows"] for c in row if c.get("path")}
    original = rr.record.to_dict()
    for path, correction in rr.corrections.items():
        cell = cells.get(path)
        if cell is None:
            continue
        values = {"value": L.format_value(correction.value), "read": L.format_value(L.lookup(original, path))}
        cell["corrected"] = True
        cell["corrected_title"] = (
            _("Reviewer's correction: {value} (read: {read}); {note}", note=correction.note, **values)
            if correction.note else _("Reviewer's correction: {value} (read: {read})", **values))
    original_paths = {p for t in TABLE_KEYS for p in _paths_of(original, t)}
    pointed: dict[str, list[str]] = {}
    for f in finding_views(original.get("findings") or [], original_paths):
        for p in f["cells"]:
            pointed.setdefault(p, []).append(f["message"])
    unread = []
    for path in sorted(original_paths | set(rr.corrections), key=_layout_order(original)):
        if L.lookup(original, path) is not None and path not in rr.corrections:
            continue
        if path not in pointed and path not in rr.corrections:
            continue
        c = rr.corrections.get(path)
        unread.append({"path": path, "label": describe(path), "messages": pointed.get(path, []),
                       "correction": None if c is None else {
                           "value": c.value, "text": L.format_value(c.value), "note": c.note,
                           "at": c.corrected_at.strftime("%Y-%m-%d %H:%M") if c.corrected_at else None}})
    shown_counts = {s: sum(1 for v in views if _matches(v, s)) for s in ("all", "open", "confirmed", "dismissed")}
    return {"findings": [v for v in views if _matches(v, show)], "all_findings": views, "tables": tables,
            "unread": unread, "shown_counts": shown_counts, "decision": _decided(rr.decision),
            "counts": {"error": rr.errors, "warning": rr.warnings, "info": rr.infos},
            "status": rr.status, "status_word": rr.status_word, "agency": rr.agency, "year": rr.year,
            "file": rr.file, "record": record}


def _layout_order(record: Mapping[str, Any]):
    """Sort key: a cell's place in the template's tables (table, then row, then column)."""
    order = {c.path: i for i, c in enumerate(c for t in L.layouts_for(record) for row in t.rows for c in row
                                             if c.path)}
    return lambda path: (order.get(path, len(order)), path)
