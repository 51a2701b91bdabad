"""The drafting page: a body fills the three tables in the template's layout in the browser, sees
the checks as it types (htmx posts the form; failing cells turn red with the identity in words),
pre-fills 上年结转 from last year's report, and downloads the workbook, the DOCX or the HTML.

Needs no store. Everything is posted back each time (a draft lives in the page, not the server).
"""
from __future__ import annotations

from typing import Any, Mapping, Optional

import anyio
from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from .. import vocabulary as V
from ..draft import live
from ..draft.workbook import PREVIOUS_PREFIX, TEMPLATE, record_paths
from ..i18n import _, language
from ..render import layout as L
from .review import SEVERITY_RANK, cell_id, table_title

router = APIRouter(include_in_schema=False)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MAX_FIELDS = 400  # the form has some 210 cells


def register(app: FastAPI) -> None:
    """Add the drafting page to the app (its templates use the i18n `_`)."""
    env = app.state.templates.env
    if "_" not in env.globals:
        from ..i18n import install_jinja

        env.add_extension("jinja2.ext.i18n")
        install_jinja(env)
    app.include_router(router)


def _tables(values: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The three tables of the template as rows of cells; value cells carry their input's value."""
    out = []
    for layout in (L.active_layout(TEMPLATE), L.requests_layout(TEMPLATE), L.appeals_layout()):
        rows = []
        for row in layout.rows:
            cells = []
            for c in row:
                cell = {"text": c.text, "rowspan": c.rowspan, "colspan": c.colspan, "path": c.path}
                if c.path:
                    cell.update(id=cell_id(c.path), value=values.get(c.path, ""),
                                decimal=c.path in live.DECIMAL_PATHS)
                cells.append(cell)
            rows.append(cells)
        out.append({"key": layout.key, "title": table_title(layout.key), "rows": rows})
    return out


def _flags(findings) -> dict[str, dict[str, Any]]:
    """Cell path -> its worst severity and messages (a finding on a row marks every cell of it)."""
    paths = set(record_paths())
    out: dict[str, dict[str, Any]] = {}
    for f in findings:
        where = f.where or ""
        cells = [where] if where in paths else sorted(p for p in paths if p.startswith(where + ".")) \
            if where.count(".") == 1 else []
        for p in cells:
            flag = out.setdefault(p, {"severity": "info", "messages": []})
            if SEVERITY_RANK[f.severity] > SEVERITY_RANK[flag["severity"]]:
                flag["severity"] = f.severity
            flag["messages"].append(f.message)
    return out


# Blank cells are the normal state of a draft being typed: counted, not listed cell by cell.
BLANK_RULE = "GK306"


def _state(fields: Mapping[str, Any]):
    record = live.record_from_fields(fields)
    previous = live.previous_from_fields(fields)
    findings = sorted((f for f in live.draft_findings(record, previous) if f.rule != BLANK_RULE),
                      key=lambda f: -SEVERITY_RANK[f.severity])
    return record, previous, findings


def _blanks(record) -> int:
    return sum(v is None for _p, v in record.cells())


def _counts(findings) -> dict[str, int]:
    counts = {"error": 0, "warning": 0, "info": 0}
    for f in findings:
        counts[f.severity] += 1
    return counts


def _page(request: Request, fields: Mapping[str, Any], *, note: Optional[str] = None, status: int = 200):
    record, previous, findings = _state(fields)
    values = {k: v for k, v in fields.items() if isinstance(v, str)}
    context = {
        "nav": "draft", "tables": _tables(values), "values": values, "findings": findings,
        "flags": _flags(findings), "counts": _counts(findings), "blanks": _blanks(record), "note": note,
        "prefix": PREVIOUS_PREFIX,
        "previous_rows": [(k, next(s.label for s in V.ACTIVE_ROWS_2021 if s.key == k))
                          for k in ("regulations", "normative_documents")],
        "applicant_columns": [(c, V.APPLICANT_COLUMN_LABELS[c]) for c in V.APPLICANT_COLUMNS],
    }
    return request.app.state.templates.TemplateResponse(request, "draft.html", context, status_code=status)


async def _fields(request: Request) -> dict[str, Any]:
    try:
        form = await request.form(max_fields=MAX_FIELDS, max_files=1)
    except Exception:
        raise HTTPException(400, _("The form could not be read.")) from None
    return {k: v for k, v in form.items()}


@router.get("/draft", response_class=HTMLResponse)
def draft_page(request: Request):
    return _page(request, {})


@router.post("/draft/check", response_class=HTMLResponse)
async def draft_check(request: Request):
    """The checks panel, and every cell's flag swapped in place (out of band)."""
    fields = await _fields(request)
    record, _previous, findings = _state(fields)
    return request.app.state.templates.TemplateResponse(
        request, "draft_checks.html",
        {"findings": findings, "flags": _flags(findings), "counts": _counts(findings), "blanks": _blanks(record),
         "paths": record_paths(), "oob": True})


@router.post("/draft/previous", response_class=HTMLResponse)
async def draft_previous(request: Request):
    """Last year's report uploaded: its 四、结转下年度 into 二、上年结转, its 现行有效件数 beside table 二;
    the page comes back with the body's other cells as they were."""
    from .api import job_error
    from .parsing import JobFailed, read_record_job
    from .uploads import clean_name

    settings = request.app.state.settings
    try:
        form = await request.form(max_fields=MAX_FIELDS, max_files=1, max_part_size=settings.max_upload)
    except Exception:
        raise HTTPException(400, _("The form could not be read.")) from None
    upload = form.get("previous_file")
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    if upload is None or isinstance(upload, str) or not upload.filename:
        return _page(request, fields, note=_("Choose last year's report first."), status=400)
    data = await upload.read(settings.max_upload + 1)
    name = clean_name(upload.filename)
    if len(data) > settings.max_upload:
        raise HTTPException(413, _("{name} is larger than {mb} MB.", name=name, mb=settings.max_upload // 2**20))
    try:
        # read in the server's parsing processes, with their time and memory limits
        last = await request.app.state.parser.run(data, name, language(), job=read_record_job)
    except JobFailed as e:
        if e.kind != "unreadable":
            raise job_error(e, name, settings) from None
        return _page(request, fields, note=_("{name} cannot be read as an annual report: {reason}", name=name,
                                             reason=str(e)), status=422)
    figures = live.previous_figures(last)
    for path, value in figures.items():
        fields[PREVIOUS_PREFIX + path] = L.format_value(value)
        if path.startswith("requests.carried_forward."):
            fields["requests.carried_over." + path.rsplit(".", 1)[1]] = L.format_value(value)
    if not fields.get("agency") and last.agency:
        fields["agency"] = last.agency
    if not fields.get("year") and last.year:
        fields["year"] = str(last.year + 1)
    carried = last.cell("requests.carried_forward.total")
    note = _("Read {name} ({agency} {year}): 二、上年结转 filled in from its 四、结转下年度继续办理 (总计 {carried}).",
             name=name, agency=last.agency or "?", year=last.year or "?",
             carried="——" if carried is None else carried)
    return _page(request, fields, note=note)


@router.post("/draft/download/{kind}")
async def draft_download(request: Request, kind: str):
    """The draft as a workbook (always), or the report as DOCX / HTML (only when the tables hold)."""
    from ..draft.report import draft_docx, draft_html
    from ..draft.workbook import new_workbook

    if kind not in ("xlsx", "docx", "html"):
        raise HTTPException(404, _("No such download."))
    fields = await _fields(request)
    record, previous, findings = _state(fields)
    stem = f"{record.agency or ''}{record.year or ''}".strip() or "draft"
    if kind == "xlsx":
        data = await anyio.to_thread.run_sync(lambda: new_workbook(
            values=record, previous=live.nested(previous) if previous else None))
        return _attachment(data, XLSX_TYPE, f"{stem}-填报.xlsx")
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        raise HTTPException(409, _("The tables have {n} errors; correct them before writing the report: {first}",
                                   n=len(errors), first=errors[0].message))
    if kind == "docx":
        return _attachment(await anyio.to_thread.run_sync(draft_docx, record), DOCX_TYPE, f"{stem}年度报告.docx")
    return _attachment(draft_html(record), "text/html; charset=utf-8", f"{stem}年度报告.html")


def _attachment(data: bytes, media_type: str, filename: str) -> Response:
    from urllib.parse import quote

    ascii_name = "".join(ch for ch in filename if ch.isascii() and ch.isprintable() and ch not in '"\\') or "draft"
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return Response(data, media_type=media_type, headers={"Content-Disposition": disposition})


__all__ = ["router", "register"]
