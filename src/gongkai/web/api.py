"""The JSON API: everything the pages show, under /api (OpenAPI docs at /docs)."""
from __future__ import annotations

import json
from typing import Any, Optional

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from .. import __version__
from ..i18n import _, language, listing
from . import models as M
from .review import Review, cell_label, layout_data, review_record, severity_counts, table_views, \
    finding_views, TABLE_KEYS
from .uploads import read_upload

router = APIRouter(prefix="/api")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "string", "format": "binary",
                                 "description": "a report: text, HTML, PDF, Word, or an image"},
                        "text": {"type": "string", "description": "or the report's text, pasted"},
                    },
                }
            },
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            "text/plain": {"schema": {"type": "string"}},
        },
    }
}


# --- check: one upload ---------------------------------------------------------------------------
# Largest list offset accepted (more than any store holds; DuckDB's OFFSET would overflow at 2^63).
MAX_OFFSET = 1_000_000_000


async def check_upload(request: Request, form_check=None) -> Review:
    """Read the upload and have a parsing process read and check it; keep the result in the
    cache. `form_check(fields)` runs on the form's other fields first (the pages' CSRF check)."""
    from .parsing import JobFailed

    state = request.app.state
    async with state.uploads.hold() as held:
        data, name, fields = await read_upload(request, state.settings.max_upload, held,
                                               idle=state.settings.upload_idle_timeout,
                                               total=state.settings.upload_total_timeout)
        if form_check is not None:
            form_check(fields)
        try:
            review = await state.parser.run(data, name, language())
        except JobFailed as e:
            raise job_error(e, name, state.settings) from None
    state.reviews.put(review)
    return review


def job_error(e, name: str, settings) -> HTTPException:
    """What a person is told when an upload's reading failed."""
    from .uploads import busy

    if e.kind == "unreadable":
        return HTTPException(422, _("{name} cannot be read as an annual report: {reason}", name=name, reason=str(e)))
    if e.kind == "timeout":
        return HTTPException(422, _("{name}: reading it took longer than {seconds} s and was stopped; "
                                    "the file may be damaged or built to be expensive to read.",
                                    name=name, seconds=format(settings.job_timeout, "g")))
    if e.kind == "memory":
        return HTTPException(422, _("{name}: reading it needed more than {mb} MB of memory and was stopped; "
                                    "the file may be damaged or built to be expensive to read.",
                                    name=name, mb=settings.job_memory_mb))
    if e.kind == "crash":
        return HTTPException(422, _("{name}: the reader stopped unexpectedly ({how}) on this file; "
                                    "the file may be damaged.", name=name, how=str(e)))
    if e.kind == "busy":
        return busy()
    return HTTPException(500, _("Internal error while reading {name} ({error}). Please report it with the file.",
                                name=name, error=str(e)))


def get_review(request: Request, review_id: str) -> Review:
    review = request.app.state.reviews.get(review_id)
    if review is None:
        raise HTTPException(404, _("No such checked upload (uploads are kept only for a while; "
                                   "upload the file again)."))
    return review


def check_result(review: Review, with_source: bool) -> dict[str, Any]:
    base = f"/api/checks/{review.id}"
    return {
        "summary": review.summary(), "record": review.record, "findings": review.findings,
        "tables": review.tables, "source": review.source if with_source else None,
        "source_truncated": review.source_truncated,
        "links": {"self": base, "page": f"/check/{review.id}", "json": f"{base}/record.json",
                  "xlsx": f"{base}/record.xlsx"},
    }


@router.post("/check", tags=["check"], response_model=M.CheckResult, openapi_extra=_UPLOAD_BODY,
             summary="Check a report",
             responses={400: {"description": "nothing uploaded"}, 413: {"description": "upload too large"},
                        422: {"description": "not readable as a report"}})
async def api_check(request: Request, source: bool = Query(False, description="include the source text")):
    """Upload a report (multipart `file`, or pasted `text`, or the raw bytes with `?name=`) and get
    its record, findings, the tables as the template lays them out and (optionally) the source
    text. The result stays fetchable at `links.self` for a while (memory only)."""
    review = await check_upload(request)
    return check_result(review, source)


@router.get("/checks/{review_id}", tags=["check"], response_model=M.CheckResult, summary="A checked upload")
def api_check_get(request: Request, review_id: str, source: bool = Query(False)):
    return check_result(get_review(request, review_id), source)


def _download_name(record: dict[str, Any], fallback: str) -> str:
    agency, year = record.get("agency"), record.get("year")
    stem = "-".join(str(x) for x in (agency, year) if x) or fallback
    return stem


def _attachment(content: bytes, media_type: str, stem: str, ext: str) -> Response:
    from urllib.parse import quote

    ascii_name = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "_" for c in stem) or "record"
    disposition = f"attachment; filename=\"{ascii_name}.{ext}\"; filename*=UTF-8''{quote(stem)}.{ext}"
    return Response(content, media_type=media_type, headers={"Content-Disposition": disposition})


def record_json_response(record: dict[str, Any], stem: str) -> Response:
    body = json.dumps(record, ensure_ascii=False, indent=2).encode("utf-8")
    return _attachment(body, "application/json", stem, "json")


def record_xlsx_response(record: dict[str, Any], stem: str) -> Response:
    from .export import record_xlsx

    return _attachment(record_xlsx(record), XLSX, stem, "xlsx")


@router.get("/checks/{review_id}/record.json", tags=["check"], summary="Download the record as JSON",
            response_class=Response, responses={200: {"content": {"application/json": {}}}})
def api_check_json(request: Request, review_id: str):
    review = get_review(request, review_id)
    return record_json_response(review.record, _download_name(review.record, review.id))


@router.get("/checks/{review_id}/record.xlsx", tags=["check"], summary="Download the record as Excel",
            response_class=Response, responses={200: {"content": {XLSX: {}}}})
def api_check_xlsx(request: Request, review_id: str):
    review = get_review(request, review_id)
    return record_xlsx_response(review.record, _download_name(review.record, review.id))


# --- reference -----------------------------------------------------------------------------------
@router.get("/layout", tags=["reference"], response_model=list[M.LayoutTable], summary="The template's tables")
def api_layout(template: str = Query("2021", pattern="^(2021|2019)$"),
               single_other: Optional[bool] = Query(None, description="（六）其他处理 as one row")):
    """The three statutory tables as the template draws them: rows of cells with row/column spans
    and, for value cells, the record path they show."""
    return layout_data(template, single_other)


@router.get("/rules", tags=["reference"], response_model=list[M.RuleInfo], summary="The checks' rules")
def api_rules():
    from ..checks import rules

    return [{"code": r.code, "name": r.name, "summary": r.summary, "severity": r.severity, "origin": r.origin,
             "doc": r.doc} for r in rules()]


@router.get("/health", tags=["reference"], response_model=M.Health, summary="Is the server up")
def api_health(request: Request):
    store = request.app.state.store
    return {"ok": True, "version": __version__, "store": request.app.state.settings.db,
            "reports": store.count() if store is not None else None}


# --- store ---------------------------------------------------------------------------------------
def need_store(request: Request):
    store = request.app.state.store
    if store is None:
        raise HTTPException(503, _("No store is open: start the server with `gongkai serve --db FILE`."))
    return store


@router.get("/facets", tags=["store"], response_model=M.Facets, summary="Filter values present in the store")
def api_facets(request: Request):
    # the same bytes for every request of a store version (every body of the store is in them)
    return Response(need_store(request).facets_json(), media_type="application/json")


@router.get("/reports", tags=["store"], response_model=M.ReportList, summary="List and filter reports")
def api_reports(request: Request, year: Optional[int] = Query(None, ge=0, le=9999),
                region: Optional[str] = Query(None, description="a name or part of one (江苏, 江苏省, 淮安) or a "
                                                                "GB/T 2260 code prefix (32, 3208), as the CLI's --region"),
                agency: Optional[str] = Query(None, description="the store's agency key, or part of the name"),
                rule: Optional[str] = Query(None, description="only reports with a finding of this rule (code, code "
                                                              "prefix such as GK2, or name)"),
                severity: Optional[str] = Query(None, pattern="^(error|warning|info)$"),
                limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0, le=MAX_OFFSET)):
    """One page of the reports matching the filters, newest first; `total` is how many match."""
    return need_store(request).reports(year=year, region=region, agency=agency, rule=rule, severity=severity,
                                       limit=limit, offset=offset)


def stored_report(request: Request, report_id: str) -> dict[str, Any]:
    record = need_store(request).record(report_id)
    if record is None:
        raise HTTPException(404, _("No report {id} in the store.", id=report_id))
    return record


def report_detail(store: Any, report_id: str, record: dict[str, Any]) -> dict[str, Any]:
    review = review_record(record, review_id=report_id)
    base = f"/api/reports/{report_id}"
    return {"summary": store.summary(report_id), "record": record, "findings": review.findings,
            "tables": review.tables,
            "links": {"self": base, "page": f"/reports/{report_id}", "json": f"{base}/record.json",
                      "xlsx": f"{base}/record.xlsx"}}


class _Detail(M.BaseModel):
    summary: M.ReportSummary
    record: M.Record
    findings: list[M.FindingView]
    tables: list[M.TableView]
    links: dict[str, str]


@router.get("/reports/{report_id}", tags=["store"], response_model=_Detail, summary="One stored report")
def api_report(request: Request, report_id: str):
    record = stored_report(request, report_id)
    return report_detail(request.app.state.store, report_id, record)


@router.get("/reports/{report_id}/record.json", tags=["store"], summary="Download a stored record as JSON",
            response_class=Response, responses={200: {"content": {"application/json": {}}}})
def api_report_json(request: Request, report_id: str):
    record = stored_report(request, report_id)
    return record_json_response(record, _download_name(record, report_id))


@router.get("/reports/{report_id}/record.xlsx", tags=["store"], summary="Download a stored record as Excel",
            response_class=Response, responses={200: {"content": {XLSX: {}}}})
def api_report_xlsx(request: Request, report_id: str):
    record = stored_report(request, report_id)
    return record_xlsx_response(record, _download_name(record, report_id))


@router.get("/bodies", tags=["store"], response_model=M.BodyList, summary="Reporting bodies")
def api_bodies(request: Request,
               region: Optional[str] = Query(None, description="a name or part of one, or a code prefix"),
               limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0, le=MAX_OFFSET)):
    """One page of the reporting bodies (by name), with their years; `total` is how many match."""
    return need_store(request).bodies(region=region, limit=limit, offset=offset)


@router.get("/bodies/{agency:path}", tags=["store"], response_model=M.BodyPage, summary="One body, year by year")
def api_body(request: Request, agency: str):
    page = need_store(request).body(agency)
    if page is None:
        raise HTTPException(404, _("No reports of {agency} in the store.", agency=agency))
    return page


@router.get("/overview", tags=["store"], response_model=M.Overview, summary="Charts over the whole store")
def api_overview(request: Request):
    return need_store(request).overview()


def comparison(store: Any, a: str, b: str) -> dict[str, Any]:
    ra, rb = store.record(a), store.record(b)
    missing = [x for x, r in ((a, ra), (b, rb)) if r is None]
    if missing:
        raise HTTPException(404, _("No report {id} in the store.", id=listing(missing)))
    diffs = []
    paths_a = [f"{t}.{row}.{f}" for t in TABLE_KEYS for row, fs in (ra.get(t) or {}).items() for f in fs]
    seen = set(paths_a)
    paths_b = [f"{t}.{row}.{f}" for t in TABLE_KEYS for row, fs in (rb.get(t) or {}).items() for f in fs
               if f"{t}.{row}.{f}" not in seen]
    from ..render import layout as L

    for path in paths_a + paths_b:
        va, vb = L.lookup(ra, path), L.lookup(rb, path)
        if va != vb:
            diffs.append({"path": path, "label": cell_label(path), "a": va, "b": vb})
    fa = finding_views(ra.get("findings") or [], set(paths_a))
    fb = finding_views(rb.get("findings") or [], set(paths_a) | set(paths_b))
    return {"a": store.summary(a), "b": store.summary(b), "differences": diffs,
            "tables_a": table_views(ra, fa, compare_to=rb), "tables_b": table_views(rb, fb, compare_to=ra)}


@router.get("/compare", tags=["store"], response_model=M.Comparison, summary="Two reports side by side")
def api_compare(request: Request, a: str = Query(..., description="report id"),
                b: str = Query(..., description="report id")):
    return comparison(need_store(request), a, b)


__all__ = ["router", "check_upload", "get_review", "severity_counts"]
