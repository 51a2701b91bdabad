"""The office's pages: a stored report reviewed (decisions on findings and on the report,
corrections of unread cells, the feedback letter), uploading files or a .zip into the store, issue
lists (问题清单) per body and per region, a roster of who submitted, and CSV/XLSX downloads of
every list.

The server reads the store through its LiveStore (store_view.py) and never opens it for writing
itself: DuckDB lets one process write a file or many read it, and this process is a reader. Every
write (a decision, a correction, an ingest of uploaded files) runs in `app.state.store_writer`,
a pool of one process of its own: it announces itself as the store's writer (store/writer.py), the
server's LiveStore lets go while it commits, and a `gongkai ingest` running at the same time is
waited for as any writer waits for another. A store busy for longer than the writer waits gives
a 503 with the reason, never a traceback.
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
import secrets
import threading
import zipfile
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterable, Optional, Sequence
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..i18n import N_, _, gettext, language
from . import api, pages
from .api import MAX_OFFSET, XLSX
from ..render.xlsx import append_row, defused
from .security import CSRF_FIELD, verify_csrf

router = APIRouter(include_in_schema=False)

# Zip uploads: at most this many members, each within the upload limit, all together within
# MAX_UNPACKED bytes (checked on the bytes actually inflated, not on what the archive claims).
MAX_MEMBERS = 1000
MAX_UNPACKED = 1024 * 1024 * 1024
# Files one upload form may carry.
MAX_FILES = 200
# An issue list or a roster loads at most this many reports (the newest first); the page says so.
MAX_LIST_REPORTS = 1000
# Rows a list download may hold (the store's lists are larger only in tests of limits).
MAX_DOWNLOAD_ROWS = 200_000
SHOW_FILTERS = ("all", "open", "confirmed", "dismissed")
REPORT_ID = re.compile(r"[0-9a-f]{64}")


# --- the writer process ----------------------------------------------------------------------------
def store_write_job(write: str, db: str, wait: float, lang: str, args: dict) -> tuple[str, Any]:
    """Runs in the writer process: one write to the store. ("ok", {"ok": value}) when done, ("ok",
    {"refused": message}) when the input is refused (a value that is no count, a cell not in the
    template), ("ok", {"busy": message}) when the store stayed held by another writer."""
    from ..i18n import use_language
    from ..store.writer import StoreBusy, StoreError

    with use_language(lang):
        try:
            return "ok", {"ok": _WRITES[write](db, wait, **args)}
        except StoreBusy as e:
            return "ok", {"busy": str(e)}
        except (ValueError, KeyError, StoreError) as e:
            return "ok", {"refused": str(e).strip("'\"")}


def _finding_decision(db: str, wait: float, fingerprint: str, kind: str, note: Optional[str]) -> None:
    from ..review import decisions
    from ..store.writer import Store

    with Store(db, wait=wait) as store:
        if kind == "clear":
            decisions.clear_finding_decision(store, fingerprint)
        else:
            decisions.set_finding_decision(store, fingerprint, kind, note=note)


def _report_decision(db: str, wait: float, report_id: str, kind: str, note: Optional[str]) -> None:
    from ..review import decisions
    from ..store.writer import Store

    with Store(db, wait=wait) as store:
        decisions.set_report_decision(store, report_id, kind, note=note)


def _correction(db: str, wait: float, report_id: str, path: str, value: Any, note: Optional[str]) -> None:
    from ..review import decisions
    from ..store.writer import Store

    with Store(db, wait=wait) as store:
        decisions.add_correction(store, report_id, path, value, note=note)


def _ingest(db: str, wait: float, folder: str, paths: list[str]) -> dict[str, Any]:
    """Ingest the folder of saved uploads as `gongkai ingest FOLDER` does (in this process: the
    writer process has no children) and say what became of each file: {path: (outcome, detail)}."""
    from ..store.pipeline import NothingToIngest, ingest

    try:
        result = ingest([folder], db, workers=1, wait=wait)
    except NothingToIngest as e:
        result = e.result
    outcome: dict[str, tuple[str, Optional[str]]] = {}
    for path, why in result.not_reports + result.missing:
        outcome[path] = ("skipped", why)
    for path, why in result.failures:
        outcome[path] = ("unreadable", why)
    for path, first in result.duplicate_of:
        outcome[path] = ("unchanged", first)
    replaced = {new_path: old_path for _old, old_path, _new, new_path in result.superseded}
    for path in paths:
        if path not in outcome:
            outcome[path] = ("stored", replaced.get(path))
    return outcome


_WRITES: dict[str, Callable[..., Any]] = {"finding": _finding_decision, "report": _report_decision,
                                          "correction": _correction, "ingest": _ingest}


async def write_store(request: Request, write: str, **args: Any) -> Any:
    """Do one write in the writer process; 503 when the store is busy, 400 with the reason when
    the input is refused."""
    from .parsing import JobFailed

    state = request.app.state
    db = need_writable_store(request)
    try:
        answer = await state.store_writer.run(write, db, state.settings.write_wait, language(), args)
    except JobFailed as e:
        if e.kind == "busy":
            raise HTTPException(503, _("The store is busy with other changes; try again in a minute."),
                                headers={"Retry-After": "30"}) from None
        if e.kind == "timeout":
            raise HTTPException(503, _("Writing to the store took too long and was stopped; the store may be held "
                                       "by a long ingest. Try again later.")) from None
        raise HTTPException(500, _("Writing to the store failed ({error}).", error=str(e) or e.kind)) from None
    if "busy" in answer:
        raise HTTPException(503, _("The store is in use by another process (an ingest?) and could not be "
                                   "written: {reason}", reason=answer["busy"]), headers={"Retry-After": "30"})
    if "refused" in answer:
        raise HTTPException(400, answer["refused"])
    return answer["ok"]


def need_writable_store(request: Request) -> str:
    api.need_store(request)
    return request.app.state.settings.db


# --- reviewed reports (read) -------------------------------------------------------------------------
class Kept:
    """The last `size` items put, least recently used dropped first (reviewed reports by id,
    content version and language; rosters uploaded on the page by a random token)."""

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def peek(self, key: Any) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)



def reviewed_report(request: Request, report_id: str):
    """The stored report with its decisions and corrections, checked again on the corrected
    values (gongkai.review.inbox.load_report); 404 when the store has no such report."""
    if not REPORT_ID.fullmatch(report_id):  # load_report also takes prefixes and file paths: not from a URL
        raise HTTPException(404, _("No report {id} in the store.", id=report_id))
    report = reviewed_reports(request, [report_id]).get(report_id)
    if report is None:
        raise HTTPException(404, _("No report {id} in the store.", id=report_id))
    return report


# A list reads its reports this many at a time, letting the server's other requests in between.
READ_CHUNK = 100


def reviewed_reports(request: Request, ids: Sequence[str]) -> dict[str, Any]:
    """{id: ReviewedReport} of the current reports among `ids` (gongkai.review.inbox.stored_reports).

    Reading and checking a report again is what costs (tens of ms each); it is kept until the
    store's reports, findings or corrections change. Decisions are laid over the kept reports, so
    deciding on a finding does not make a list read everything again; they and the corrections are
    read once per write to the store (review_state), not on every page."""
    from ..review import decisions as D
    from ..review.inbox import stored_reports
    from ..store.writer import StoreError

    api.need_store(request)
    state = request.app.state
    view = state.store
    cache = state.office_cache
    out: dict[str, Any] = {}
    try:
        review = review_state(view)
        version = (review.content, language())
        todo = []
        for rid in ids:
            found = cache.peek((rid, version))
            if found is None:
                todo.append(rid)
            elif found is not MISSING:
                out[rid] = found
        for start in range(0, len(todo), READ_CHUNK):
            chunk = todo[start:start + READ_CHUNK]
            # one report (its page): read as the store's pages read it, else the chunk's records in a
            # few queries (stored_reports), not a few per report
            found = _one_report(view, chunk[0]) if len(chunk) == 1 else None
            if found is None:
                with view.reading() as store, D.reading(store) as con:
                    current = dict(con.execute("SELECT report_id, agency_key FROM reports WHERE report_id IN "
                                               "(SELECT unnest(?::VARCHAR[]))", [chunk]).fetchall())
                    found = {rr.report_id: (rr, current[rr.report_id])
                             for rr in stored_reports(con, chunk, decisions={}, report_decisions={})}
            for rid in chunk:
                # kept with the store's agency key: the report decisions' key (decisions.report_key)
                report = found.get(rid, MISSING)
                cache.put((rid, version), report)
                if report is not MISSING:
                    out[rid] = report
    except StoreError as e:  # held by a writer for longer than a reader waits
        raise HTTPException(503, str(e), headers={"Retry-After": "30"}) from None
    return {rid: _with_decisions(rr, key, review.decisions, review.report_decisions)
            for rid, (rr, key) in out.items()}


def _one_report(view, report_id: str) -> Optional[dict[str, tuple[Any, Optional[str]]]]:
    """{id: (ReviewedReport without decisions, the store's agency key)} of one report, its rows read
    by their rowid ranges and its row in the reports table taken from the lists' index ({} when
    it is no current report); None when the index does not have it yet (read it as a list does)."""
    from ..review.inbox import review_record
    from ..store.writer import finding_of

    record = view.stored_record(report_id)
    if record is None:
        return {}
    listed = view.listed(report_id)
    if listed is None:
        return None
    cross = [finding_of(f["rule"], f["severity"], f["origin"], f["message"], f["where_path"], f["evidence"],
                        f["message_data"], f["evidence_data"]) for f in view.cross_findings(report_id)]
    rr = review_record(record, report_id=report_id, agency_key=listed["agency_key"], file=listed["source_path"],
                       corrections=view.corrections().get(report_id, {}), cross_findings=cross)
    return {report_id: (rr, listed["agency_key"])}


@dataclass(frozen=True)
class ReviewState:
    """What every office page lays over the kept reports, and what the kept reports depend on."""
    content: tuple  # changes when reports, findings or corrections change (not with decisions)
    decisions: dict
    report_decisions: dict


def review_state(view) -> ReviewState:
    """The store's decisions, read once per write to the store (a decision made through the web
    shows on the next request), not a few queries per page; the corrections likewise
    (StoreView.corrections)."""
    from ..review import decisions as D

    def read() -> ReviewState:
        with view.reading() as store, D.reading(store) as con:
            return ReviewState(_content_version(con), D.finding_decisions(con), D.report_decisions(con))
    return view.cached_until_write("review state", read)


def _content_version(con) -> tuple:
    """Changes when reports, findings or corrections change (not with decisions)."""
    from ..review.decisions import has_table

    row = con.execute("SELECT count(*), max(ingested_at), (SELECT count(*) FROM findings) FROM reports").fetchone()
    if has_table(con, "corrections"):
        row += con.execute("SELECT count(*), max(corrected_at) FROM corrections").fetchone()
    return tuple(row)


def _with_decisions(rr: Any, agency_key: Optional[str], decisions: dict, report_decisions: dict) -> Any:
    """A kept report with the store's current decisions."""
    import dataclasses

    from ..review.decisions import report_key

    findings = [dataclasses.replace(f, decision=decisions.get(f.fingerprint)) for f in rr.findings]
    decision = report_decisions.get((report_key(agency_key, rr.report_id), rr.year))
    return dataclasses.replace(rr, findings=findings, decision=decision)


MISSING = object()  # cached: no such current report


# --- the report page -------------------------------------------------------------------------------
def report_context(request: Request, report_id: str, show: str = "all") -> dict[str, Any]:
    from .review import office_view

    rr = reviewed_report(request, report_id)
    store = request.app.state.store
    view = office_view(rr, show=show)
    base = f"/api/reports/{report_id}"
    return {"nav": "reports", "rv": view, "rr": rr, "summary": store.summary(report_id) or {}, "show": show,
            "show_filters": [(s, gettext(SHOW_WORDS[s])) for s in SHOW_FILTERS], "report_id": report_id,
            "links": {"json": f"{base}/record.json", "xlsx": f"{base}/record.xlsx",
                      "letter": f"/reports/{report_id}/letter.docx"}}


SHOW_WORDS = {"all": N_("all"), "open": N_("to decide"), "confirmed": N_("confirmed"), "dismissed": N_("dismissed")}


@router.get("/reports/{report_id}", response_class=HTMLResponse)
def report_page(request: Request, report_id: str, show: str = Query("all")):
    """A stored report as the office reviews it: findings errors first with their decisions, the
    tables with corrected cells marked, the forms to decide and correct."""
    context = report_context(request, report_id, show if show in SHOW_FILTERS else "all")
    return pages.render(request, "report.html", **context)


async def _form(request: Request) -> dict[str, str]:
    """The urlencoded or multipart form of a small POST, its CSRF token verified."""
    form = await request.form(max_files=0, max_fields=20)
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    verify_csrf(request, fields.get(CSRF_FIELD))
    return fields


def _note(fields: dict[str, str]) -> Optional[str]:
    note = (fields.get("note") or "").strip()
    return note[:2000] or None


def _back(request: Request, report_id: str, anchor: str = "") -> RedirectResponse:
    show = request.query_params.get("show")
    query = f"?show={show}" if show in SHOW_FILTERS else ""
    return RedirectResponse(f"/reports/{report_id}{query}{anchor}", status_code=303)


@router.post("/reports/{report_id}/findings/{fingerprint}")
async def decide_finding(request: Request, report_id: str, fingerprint: str):
    """确认 / 驳回 a finding (kind confirmed | dismissed | clear) with a note."""
    fields = await _form(request)
    kind = fields.get("kind", "")
    from ..review.model import FINDING_DECISIONS

    if kind not in FINDING_DECISIONS + ("clear",):
        raise HTTPException(400, _("Choose confirm or dismiss."))
    rr = reviewed_report(request, report_id)
    if rr.finding(fingerprint) is None:
        raise HTTPException(404, _("This report has no such finding (it may have changed: reload the page)."))
    await write_store(request, "finding", fingerprint=fingerprint, kind=kind, note=_note(fields))
    if request.headers.get("HX-Request"):
        context = report_context(request, report_id)
        f = next(f for f in context["rv"]["findings"] if f["fingerprint"] == fingerprint)
        return pages.render(request, "_office_finding.html", f=f, oob=True, **context)
    return _back(request, report_id, f"#fp-{fingerprint}")


@router.post("/reports/{report_id}/decision")
async def decide_report(request: Request, report_id: str):
    """退回 / 通过 the report, with a note."""
    fields = await _form(request)
    kind = fields.get("kind", "")
    from ..review.model import REPORT_DECISIONS

    if kind not in REPORT_DECISIONS:
        raise HTTPException(400, _("Choose return or approve."))
    reviewed_report(request, report_id)
    await write_store(request, "report", report_id=report_id, kind=kind, note=_note(fields))
    return _back(request, report_id, "#report-decision")


@router.post("/reports/{report_id}/corrections")
async def correct_cell(request: Request, report_id: str):
    """A reviewer's value for a cell that could not be read (kept beside the value read)."""
    fields = await _form(request)
    path = fields.get("path", "")
    text = (fields.get("value") or "").strip().replace(",", "").replace("，", "")
    if not text:
        return _refused(request, report_id, _("Enter the value printed in the original report."))
    try:
        value: Any = int(text) if text.lstrip("-").isdigit() else float(text)
    except ValueError:
        return _refused(request, report_id, _("“{value}” is not a number.", value=text))
    reviewed_report(request, report_id)
    try:
        await write_store(request, "correction", report_id=report_id, path=path, value=value, note=_note(fields))
    except HTTPException as e:
        if e.status_code != 400:
            raise
        return _refused(request, report_id, e.detail)
    return _back(request, report_id, "#corrections")


def _refused(request: Request, report_id: str, problem: str) -> HTMLResponse:
    """The report page again, saying why the correction was refused (nothing was stored)."""
    return pages.render(request, "report.html", status_code=400, problem=problem, **report_context(request, report_id))


@router.get("/reports/{report_id}/letter.docx")
def letter(request: Request, report_id: str, office: Optional[str] = None, date: Optional[str] = None):
    """The feedback letter (审核意见) of a stored report, as Word."""
    from ..review.letters import letter_docx, letter_filename

    rr = reviewed_report(request, report_id)
    data = letter_docx(rr, office=office or None, date=date or None)
    return attachment(data, "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                      letter_filename(rr))


@router.get("/api/reports/{report_id}/review", include_in_schema=True, tags=["store"],
            summary="A stored report as reviewed: decisions, corrections, findings re-checked")
def api_review(request: Request, report_id: str):
    """The report's status (passed | needs_fixes, over the findings not dismissed), its decision,
    every finding with its fingerprint, place in words, quote and decision, and the reviewer's
    corrections (origin `reviewer`; the record as read stays at `/api/reports/{id}`)."""
    rr = reviewed_report(request, report_id)

    def decided(d):
        return None if d is None else {"kind": d.kind, "note": d.note, "reviewer": d.reviewer,
                                       "decided_at": d.decided_at.isoformat() if d.decided_at else None}

    return {"report_id": report_id, "agency": rr.agency, "year": rr.year, "status": rr.status,
            "counts": {"error": rr.errors, "warning": rr.warnings, "info": rr.infos},
            "decision": decided(rr.decision),
            "findings": [{"fingerprint": f.fingerprint, "rule": f.finding.rule, "severity": f.finding.severity,
                          "where": f.finding.where, "place": f.place, "quote": f.quote, "message": f.finding.message,
                          "decision": decided(f.decision)} for f in rr.findings],
            "corrections": {path: {"value": c.value, "note": c.note, "reviewer": c.reviewer, "origin": c.origin,
                                   "corrected_at": c.corrected_at.isoformat() if c.corrected_at else None}
                            for path, c in rr.corrections.items()},
            "links": {"page": f"/reports/{report_id}", "letter": f"/reports/{report_id}/letter.docx",
                      "record": f"/api/reports/{report_id}"}}


def attachment(content: bytes, media_type: str, filename: str) -> Response:
    """A download named in UTF-8 (RFC 6266), with an ASCII fallback for old clients."""
    from urllib.parse import quote

    stem, dot, ext = filename.rpartition(".")
    stem = stem if dot else filename
    ascii_stem = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "_" for c in stem)
    if not any(c.isalnum() for c in ascii_stem):
        ascii_stem = "download"
    disposition = (f"attachment; filename=\"{ascii_stem}{dot}{ext if dot else ''}\"; "
                   f"filename*=UTF-8''{quote(filename)}")
    return Response(content, media_type=media_type, headers={"Content-Disposition": disposition})


# --- lists as CSV / XLSX -------------------------------------------------------------------------------
@dataclass
class Column:
    key: str
    title: str  # a msgid, shown in the request's language
    width: int = 14


def list_download(rows: Sequence[dict[str, Any]], columns: Sequence[Column], stem: str, fmt: str) -> Response:
    """A list as CSV (UTF-8 with BOM, so Excel reads Chinese) or XLSX (header frozen, autofilter,
    column widths)."""
    titles = [gettext(c.title) for c in columns]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(titles)
        for r in rows:
            writer.writerow(["" if r.get(c.key) is None else defused(_xlsx_value(r.get(c.key))) for c in columns])
        return attachment(("\ufeff" + out.getvalue()).encode("utf-8"), "text/csv; charset=utf-8", f"{stem}.csv")
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = stem[:31]
    append_row(ws, titles)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in rows:
        append_row(ws, [_xlsx_value(r.get(c.key)) for c in columns])
    for i, c in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = c.width
        if c.width >= 40:
            for cell in ws[get_column_letter(i)][1:]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    if rows:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(rows) + 1}"
    buf = io.BytesIO()
    wb.save(buf)
    return attachment(buf.getvalue(), XLSX, f"{stem}.xlsx")


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return value


def download_links(request: Request) -> dict[str, str]:
    """This page's URL with format=csv and format=xlsx."""
    query = [(k, v) for k, v in request.query_params.multi_items() if k not in ("format", "offset")]
    return {fmt: f"{request.url.path}?{urlencode(query + [('format', fmt)])}" for fmt in ("csv", "xlsx")}


def _format(value: Optional[str]) -> Optional[str]:
    if value in (None, "", "html"):
        return None
    if value not in ("csv", "xlsx"):
        raise HTTPException(400, _("format must be csv or xlsx"))
    return value


REPORT_COLUMNS = (Column("year", N_("Year"), 8), Column("agency", N_("Agency"), 36), Column("region", N_("Region"), 24),
                  Column("template", N_("Template"), 10), Column("requests_total", N_("Requests (七)总计"), 12),
                  Column("errors", N_("Errors"), 8), Column("warnings", N_("Warnings"), 8),
                  Column("source", N_("File"), 40), Column("id", N_("Report id"), 20))


@router.get("/reports", response_class=HTMLResponse)
def reports(request: Request, year: Optional[str] = None, region: Optional[str] = None,
            agency: Optional[str] = None, rule: Optional[str] = None, severity: Optional[str] = None,
            offset: int = Query(0, ge=0, le=MAX_OFFSET), format: Optional[str] = None):
    """The reports list (pages.reports), or every report it matches as CSV/XLSX."""
    fmt = _format(format)
    if fmt is None:
        response = pages.reports(request, year=year, region=region, agency=agency, rule=rule, severity=severity,
                                 offset=offset)
        return response
    store = api.need_store(request)
    year_value = int(year) if year and year.isdigit() and len(year) <= 4 else None
    page = store.reports(year=year_value, region=region or None, agency=agency or None, rule=rule or None,
                         severity=severity if severity in ("error", "warning", "info") else None,
                         limit=MAX_DOWNLOAD_ROWS, offset=0)
    rows = [dict(r, errors=r["counts"]["error"], warnings=r["counts"]["warning"]) for r in page["items"]]
    return list_download(rows, REPORT_COLUMNS, _("reports"), fmt)


BODY_COLUMNS = (Column("agency", N_("Body"), 40), Column("region", N_("Region"), 24), Column("years", N_("Years"), 24),
                Column("reports", N_("Reports"), 8), Column("id", N_("Body key"), 30))


@router.get("/bodies", response_class=HTMLResponse)
def bodies(request: Request, region: Optional[str] = None, offset: int = Query(0, ge=0, le=MAX_OFFSET),
           format: Optional[str] = None):
    """The bodies list (pages.bodies), or every body it matches as CSV/XLSX."""
    fmt = _format(format)
    if fmt is None:
        return pages.bodies(request, region=region, offset=offset)
    page = api.need_store(request).bodies(region=region or None, limit=MAX_DOWNLOAD_ROWS, offset=0)
    return list_download(page["items"], BODY_COLUMNS, _("bodies"), fmt)


# --- issue lists (问题清单) ------------------------------------------------------------------------------
ISSUE_COLUMNS = (Column("agency", N_("Body"), 36), Column("year", N_("Year"), 8), Column("severity_word", N_("Severity"), 8),
                 Column("rule", N_("Rule"), 10), Column("place", N_("Place"), 36), Column("message", N_("Message"), 70),
                 Column("quote", N_("Source text"), 30), Column("decision_word", N_("Decision"), 10),
                 Column("note", N_("Note"), 30), Column("region", N_("Region"), 20),
                 Column("report_id", N_("Report id"), 20))


def issue_rows(request: Request, summaries: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every active finding (not dismissed) of these reports, errors first, then by body and year."""
    from ..record import severity_word

    rows = []
    summaries = list(summaries)
    reviewed = reviewed_reports(request, [s["id"] for s in summaries])
    for s in summaries:
        rr = reviewed.get(s["id"])
        if rr is None:
            continue  # removed or superseded since the list was read
        for f in rr.active:
            d = f.decision
            rows.append({"agency": rr.agency, "year": rr.year, "region": s.get("region"), "report_id": s["id"],
                         "body": s.get("body"), "severity": f.finding.severity,
                         "severity_word": severity_word(f.finding.severity), "rule": f.finding.rule,
                         "place": f.place, "message": f.finding.message, "quote": f.quote,
                         "decision": d.kind if d else None, "decision_word": d.word if d else "",
                         "note": d.note if d else None, "fingerprint": f.fingerprint})
    rank = {"error": 0, "warning": 1, "info": 2}
    rows.sort(key=lambda r: (rank.get(r["severity"], 3), r["agency"] or "", -(r["year"] or 0)))
    return rows


def _issues_response(request: Request, summaries: list[dict[str, Any]], total: int, title: str, stem: str,
                     fmt: Optional[str], **context: Any):
    rows = issue_rows(request, summaries)
    if fmt is not None:
        return list_download(rows, ISSUE_COLUMNS, stem, fmt)
    counts = {s: sum(1 for r in rows if r["severity"] == s) for s in ("error", "warning", "info")}
    return pages.render(request, "office_issues.html", nav="issues", rows=rows, title=title, counts=counts,
                        reports=len(summaries), total_reports=total, cut=total > len(summaries),
                        downloads=download_links(request), **context)


@router.get("/issues", response_class=HTMLResponse)
def issues(request: Request, region: Optional[str] = None, year: Optional[str] = None, format: Optional[str] = None):
    """问题清单 of a region (or of the whole store): the current reports' active findings."""
    fmt = _format(format)
    store = api.need_store(request)
    year_value = int(year) if year and year.isdigit() and len(year) <= 4 else None
    page = store.reports(region=region or None, year=year_value, limit=MAX_LIST_REPORTS, offset=0)
    title = _("Issues of {region}", region=region) if region else _("Issues of every body")
    if year_value:
        title += f" · {year_value}"
    stem = "-".join(x for x in (_("issues"), region, str(year_value) if year_value else None) if x)
    return _issues_response(request, page["items"], page["total"], title, stem, fmt, region=region,
                            year=year_value, facets=store.page_facets(region))


@router.get("/bodies/{agency:path}/issues", response_class=HTMLResponse)
def body_issues(request: Request, agency: str, format: Optional[str] = None):
    """问题清单 of one body: the active findings of its reports, year by year."""
    fmt = _format(format)
    store = api.need_store(request)
    body = store.body(agency)
    if body is None:
        raise HTTPException(404, _("No reports of {agency} in the store.", agency=agency))
    summaries = [s for s in (store.summary(y["id"]) for y in reversed(body["years"])) if s is not None]
    return _issues_response(request, summaries, len(summaries), _("Issues of {body}", body=body["agency"]),
                            f"{body['agency']}-{_('issues')}", fmt, body=body)


# --- uploading into the store ------------------------------------------------------------------------
@dataclass
class Outcome:
    name: str  # as uploaded (a zip member: archive/member)
    status: str  # stored | unchanged | unreadable | skipped | refused
    detail: Optional[str] = None
    report_id: Optional[str] = None


STATUS_WORDS = {"stored": N_("stored"), "unchanged": N_("already in the store"), "unreadable": N_("unreadable"),
                "skipped": N_("skipped"), "refused": N_("refused")}


def uploads_dir(db: str) -> Path:
    """Where uploaded files are kept, beside the store (the store names its reports' files)."""
    p = Path(db).resolve()
    return p.parent / (p.name + ".uploads")


def _safe_member(name: str) -> Optional[PurePosixPath]:
    """A zip member's path inside the batch folder, or None when it would leave it (absolute,
    `..`, a drive)."""
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or not path.parts or any(p in ("..", "") for p in path.parts) or ":" in path.parts[0]:
        return None
    parts = [_clean_part(p) for p in path.parts if p != "."]
    return PurePosixPath(*parts) if parts and all(parts) else None


def _clean_part(part: str) -> str:
    part = "".join(c for c in part if c.isprintable() and c not in '<>:"|?*').strip().strip(".")
    return part[:120]


def _member_name(info: zipfile.ZipInfo) -> str:
    """A member's name: zips made on Chinese Windows store GBK without saying so (no UTF-8 flag)."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


class Batch:
    """The files of one upload, saved into their own folder beside the store."""

    def __init__(self, root: Path, max_file: int):
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        self.folder = root / f"{stamp}-{secrets.token_hex(3)}"
        self.max_file = max_file
        self.saved: dict[str, str] = {}  # path on disk -> name as uploaded
        self.outcomes: list[Outcome] = []
        self.unpacked = 0

    def save(self, relative: PurePosixPath, data: bytes, shown: str) -> None:
        target = self.folder.joinpath(*relative.parts)
        n = 1
        while str(target) in self.saved or target.exists():
            n += 1
            target = target.with_name(f"{relative.stem}-{n}{relative.suffix}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        self.saved[str(target)] = shown

    def add(self, name: str, data: bytes) -> None:
        if name.lower().endswith(".zip") or data[:4] == b"PK\x03\x04" and not _is_office(data):
            self.add_zip(name, data)
        else:
            self.save(PurePosixPath(_clean_part(name) or "upload"), data, name)

    def add_zip(self, name: str, data: bytes) -> None:
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            members = archive.infolist()
        except (zipfile.BadZipFile, OSError, ValueError) as e:
            self.outcomes.append(Outcome(name, "unreadable", _("not a readable zip file ({reason})", reason=e)))
            return
        files = [m for m in members if not m.is_dir()]
        for i, info in enumerate(files):
            shown = f"{name}/{_member_name(info)}"
            if i >= MAX_MEMBERS:
                self.outcomes.append(Outcome(shown, "refused", _("the archive holds more than {n} files; the rest "
                                                                 "were not opened", n=MAX_MEMBERS)))
                continue
            relative = _safe_member(_member_name(info))
            if relative is None:
                self.outcomes.append(Outcome(shown, "refused", _("its path leaves the archive's folder (absolute "
                                                                 "or with ..); not extracted")))
                continue
            if info.flag_bits & 0x1:
                self.outcomes.append(Outcome(shown, "refused", _("encrypted; not extracted")))
                continue
            if relative.suffix.lower() == ".zip":
                self.outcomes.append(Outcome(shown, "skipped", _("an archive inside the archive is not opened")))
                continue
            if info.file_size > self.max_file:
                self.outcomes.append(Outcome(shown, "refused", _("larger than the limit of {mb} MB",
                                                                 mb=self.max_file // (1024 * 1024))))
                continue
            try:
                with archive.open(info) as f:
                    content = f.read(self.max_file + 1)  # what it inflates to, whatever the header says
            except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError) as e:
                self.outcomes.append(Outcome(shown, "unreadable", _("cannot be extracted ({reason})", reason=e)))
                continue
            if len(content) > self.max_file:
                self.outcomes.append(Outcome(shown, "refused", _("larger than the limit of {mb} MB",
                                                                 mb=self.max_file // (1024 * 1024))))
                continue
            self.unpacked += len(content)
            if self.unpacked > MAX_UNPACKED:
                self.outcomes.append(Outcome(shown, "refused", _("the archive inflates to more than {mb} MB; the rest "
                                                                 "was not extracted", mb=MAX_UNPACKED // (1024 * 1024))))
                break
            self.save(PurePosixPath(_clean_part(Path(name).stem) or "archive") / relative, content, shown)


def _is_office(data: bytes) -> bool:
    """A .docx or .xlsx is a zip too: it is a report, not an archive of reports."""
    head = data[:4096]
    return b"[Content_Types].xml" in head or b"word/" in head or b"xl/" in head


async def read_files(request: Request, held) -> tuple[list[tuple[str, bytes]], dict[str, str]]:
    """The files of a multipart form (field `files`, several) and its other fields."""
    from starlette.datastructures import UploadFile

    from .uploads import _capped_body, clean_name, parse_multipart

    settings = request.app.state.settings
    cap = request.app.state.uploads.total_bytes
    body = await _capped_body(request, cap, held, settings.upload_idle_timeout, settings.upload_total_timeout)
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise HTTPException(400, _("Choose files or a .zip to upload."))
    form = await parse_multipart(request, body, max_files=MAX_FILES)
    try:
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        files = []
        for item in form.getlist("files"):
            if isinstance(item, UploadFile) and item.filename:
                data = await item.read(settings.max_upload + 1)
                files.append((clean_name(item.filename), data))
    finally:
        await form.close()
    return files, fields


def upload_allowed(request: Request) -> bool:
    return bool(request.app.state.settings.allow_upload and request.app.state.settings.db)


@router.get("/upload", response_class=HTMLResponse)
def upload_page(request: Request):
    api.need_store(request)
    return pages.render(request, "office_upload.html", nav="upload", allowed=upload_allowed(request), outcomes=None)


@router.post("/upload", response_class=HTMLResponse)
async def upload(request: Request):
    """Files or a .zip of files into the store: each saved beside the store, ingested, and
    accounted for (stored / already there / unreadable with the reason / skipped / refused)."""
    state = request.app.state
    db = need_writable_store(request)
    if not upload_allowed(request):
        raise HTTPException(403, _("Uploading into the store is off: start the server with "
                                   "`gongkai serve --db FILE --allow-upload`."))
    async with state.uploads.hold() as held:
        files, fields = await read_files(request, held)
        verify_csrf(request, fields.get(CSRF_FIELD))
        if not files:
            raise HTTPException(400, _("Choose files or a .zip to upload."))
        batch = Batch(uploads_dir(db), state.settings.max_upload)
        for name, data in files:
            if len(data) > batch.max_file:
                batch.outcomes.append(Outcome(name, "refused", _("larger than the limit of {mb} MB",
                                                                 mb=batch.max_file // (1024 * 1024))))
                continue
            batch.add(name, data)
        del files
    ids = {path: _sha256(path) for path in batch.saved}
    if batch.saved:
        done = await write_store(request, "ingest", folder=str(batch.folder), paths=list(batch.saved))
        for path, shown in batch.saved.items():
            status, detail = done.get(path, ("unreadable", None))
            if status == "stored" and detail:
                detail = _("replaces {path}", path=_shown_path(detail, db))
            elif status == "unchanged":
                detail = _("same file as {path}", path=_shown_path(detail, db)) if detail else None
            batch.outcomes.append(Outcome(shown, status, detail,
                                          ids[path] if status in ("stored", "unchanged") else None))
    order = {"unreadable": 0, "refused": 1, "skipped": 2, "stored": 3, "unchanged": 4}
    outcomes = sorted(batch.outcomes, key=lambda o: (order.get(o.status, 5), o.name))
    counts = {s: sum(1 for o in outcomes if o.status == s) for s in STATUS_WORDS}
    return pages.render(request, "office_upload.html", nav="upload", allowed=True, outcomes=outcomes,
                        counts=counts, status_words={k: gettext(v) for k, v in STATUS_WORDS.items()})


def _sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _shown_path(path: str, db: str) -> str:
    """A stored path, relative to the uploads folder when it lies there."""
    try:
        return str(Path(path).relative_to(uploads_dir(db)))
    except ValueError:
        return path


# --- roster ----------------------------------------------------------------------------------------
# summary_rows' keys (the summary workbook's sheet 1), as the roster page and its CSV show them
ROSTER_COLUMNS = (Column("agency", N_("Body"), 36), Column("year", N_("Year"), 8),
                  Column("status_word", N_("Status"), 10), Column("errors", N_("Errors"), 8),
                  Column("warnings", N_("Warnings"), 8), Column("problems", N_("Main problems"), 60),
                  Column("parent", N_("Parent body"), 20), Column("region", N_("Region"), 16),
                  Column("note", N_("Note"), 30), Column("file", N_("File"), 40))


def _all_reviewed(request: Request, year: Optional[int] = None) -> list:
    store = api.need_store(request)
    page = store.reports(year=year, limit=MAX_LIST_REPORTS, offset=0)
    reviewed = reviewed_reports(request, [s["id"] for s in page["items"]])
    return [reviewed[s["id"]] for s in page["items"] if s["id"] in reviewed], page["total"]


def _roster_entries(request: Request, token: Optional[str]):
    from ..review.summary import read_roster

    if token:
        entries = request.app.state.rosters.peek(token)
        if entries is None:
            raise HTTPException(404, _("This uploaded roster is no longer kept; upload it again."))
        return entries
    path = request.app.state.settings.roster
    if not path:
        return None
    try:
        return read_roster(path)
    except (OSError, ValueError) as e:
        raise HTTPException(500, _("The roster {path} cannot be read: {reason}", path=path, reason=e)) from None


def _roster_response(request: Request, entries, token: Optional[str], year: Optional[int], fmt: Optional[str]):
    from ..review.summary import summary_rows, summary_workbook

    reports, total = _all_reviewed(request)
    if fmt == "xlsx":
        data = summary_workbook(reports, roster=entries, year=year)
        return attachment(data, XLSX, _("summary") + ".xlsx")
    rows = summary_rows(reports, roster=entries, year=year) if entries is not None else []
    if fmt == "csv":
        return list_download(rows, ROSTER_COLUMNS, _("roster"), fmt)
    counts: dict[str, int] = {}
    words: dict[str, str] = {}
    for r in rows:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
        words[r["status"]] = r["status_word"]
    links = {f: f"/roster?{urlencode([(k, v) for k, v in (('token', token), ('year', year), ('format', f)) if v])}"
             for f in ("csv", "xlsx")}
    return pages.render(request, "office_roster.html", nav="roster", rows=rows, counts=counts, status_words=words,
                        has_roster=entries is not None, token=token, year=year, downloads=links,
                        cut=total > len(reports), total_reports=total, reports=len(reports))


@router.get("/roster", response_class=HTMLResponse)
def roster(request: Request, token: Optional[str] = None, year: Optional[str] = None, format: Optional[str] = None):
    """Who submitted: each body of the roster (`serve --roster` or uploaded here) with its report's
    status, or 未提交."""
    fmt = _format(format)
    year_value = int(year) if year and year.isdigit() and len(year) <= 4 else None
    return _roster_response(request, _roster_entries(request, token), token, year_value, fmt)


@router.post("/roster", response_class=HTMLResponse)
async def roster_upload(request: Request):
    """A roster CSV uploaded on the page (column 机关, optionally 上级 and 地区)."""
    import tempfile

    from ..review.summary import read_roster

    api.need_store(request)
    state = request.app.state
    async with state.uploads.hold() as held:
        files, fields = await read_files(request, held)
    verify_csrf(request, fields.get(CSRF_FIELD))
    if not files:
        raise HTTPException(400, _("Choose a roster CSV file."))
    name, data = files[0]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / (_clean_part(name) or "roster.csv")
        path.write_bytes(data)
        try:
            entries = read_roster(path)
        except (OSError, ValueError) as e:
            raise HTTPException(422, _("{name}: not a roster: {reason}", name=name, reason=e)) from None
    token = secrets.token_urlsafe(12)
    state.rosters.put(token, entries)
    year = (fields.get("year") or "").strip()
    query = urlencode([(k, v) for k, v in (("token", token), ("year", year)) if v])
    return RedirectResponse(f"/roster?{query}", status_code=303)


def install(app) -> None:
    """Register the office's routes (before the plain pages they extend) and their state."""
    from .parsing import ParsePool

    settings = app.state.settings
    app.state.office_cache = Kept(4096)
    app.state.rosters = Kept(16)  # rosters uploaded on the page, so their downloads can be fetched
    # one writer process: the server's writes go one at a time; an ingest of many files may take
    # a while, decisions take a moment
    app.state.store_writer = ParsePool(1, timeout=max(600.0, settings.job_timeout * 10, settings.write_wait * 2),
                                       memory_mb=settings.job_memory_mb, queue=32, job=store_write_job)
    app.include_router(router)
