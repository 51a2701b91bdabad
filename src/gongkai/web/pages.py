"""The HTML pages. Each draws the same data the JSON API returns (see api.py)."""
from __future__ import annotations

import json
from typing import Any, Optional
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from markupsafe import Markup

from ..i18n import _, language
from . import api
from .api import MAX_OFFSET
from .security import CSRF_FIELD, verify_csrf

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 100
# The compare page's pickers list this many reports (the newest); a body's page links its years.
PICK_SIZE = 300
# The agency field suggests the bodies with the most reports (any part of any name still filters).


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    return request.app.state.templates.TemplateResponse(request, name, context, status_code=status_code)


def charts_json(charts: list[dict[str, Any]]) -> str:
    """Chart data for app.js, placed in a `<script type="application/json">` (never executed);
    `<`, `>` and `&` escaped so no text can close that element."""
    text = json.dumps(charts, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# --- check -----------------------------------------------------------------------------------------
@router.get("/", response_class=HTMLResponse)
def index(request: Request):
    store = request.app.state.store
    return render(request, "index.html", nav="check", store_count=store.count() if store else 0)


@router.post("/check")
async def check(request: Request):
    review = await api.check_upload(request, form_check=lambda fields: verify_csrf(request, fields.get(CSRF_FIELD)))
    return RedirectResponse(f"/check/{review.id}", status_code=303)


@router.get("/check/{review_id}", response_class=HTMLResponse)
def check_page(request: Request, review_id: str):
    return render(request, "check.html", nav="check", r=api.get_review(request, review_id))


# --- store -----------------------------------------------------------------------------------------
def _store(request: Request):
    return api.need_store(request)


@router.get("/reports", response_class=HTMLResponse)
def reports(request: Request, year: Optional[str] = None, region: Optional[str] = None,
            agency: Optional[str] = None, rule: Optional[str] = None, severity: Optional[str] = None,
            offset: int = Query(0, ge=0, le=MAX_OFFSET)):
    store = _store(request)
    year_value = int(year) if year and year.isdigit() and len(year) <= 4 else None
    filters = {"year": year_value, "region": region or None, "agency": agency or None, "rule": rule or None,
               "severity": severity if severity in ("error", "warning", "info") else None}
    page = store.reports(limit=PAGE_SIZE, offset=offset, **filters)
    query = {k: v for k, v in filters.items() if v is not None}
    context = {"nav": "reports", "page": page, "filters": filters, "query": urlencode(query),
               **_pager(offset, page["total"])}
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "report-list":
        return render(request, "_report_list.html", **context)
    return render(request, "reports.html", filters_form=_filters_form(request, store, filters), **context)


def _filters_form(request: Request, store: Any, filters: dict[str, Any]) -> Markup:
    """The list's filter form: some 700 options (provinces and cities, the bodies with the most
    reports), half the page's drawing, the same for everyone who chose the same filters: drawn
    once per store version, language and choice (an agency typed in: for this request only)."""
    def draw() -> Markup:
        template = request.app.state.templates.get_template("_report_filters.html")
        return Markup(template.render(facets=store.page_facets(filters["region"]), filters=filters))

    if filters["agency"]:
        return draw()
    from .store_view import SUGGESTED_AGENCIES  # what page_facets offers (tests change it)

    return store.drawn(("reports filters", language(), tuple(filters.items()), SUGGESTED_AGENCIES), draw)


# /reports/{report_id}: the office's page (office.py), with the reviewer's decisions and corrections


def _pager(offset: int, total: int) -> dict[str, Optional[int]]:
    return {"next_offset": offset + PAGE_SIZE if offset + PAGE_SIZE < total else None,
            "prev_offset": max(0, offset - PAGE_SIZE) if offset else None}


@router.get("/bodies", response_class=HTMLResponse)
def bodies(request: Request, region: Optional[str] = None, offset: int = Query(0, ge=0, le=MAX_OFFSET)):
    store = _store(request)
    page = store.bodies(region=region or None, limit=PAGE_SIZE, offset=offset)
    return render(request, "bodies.html", nav="bodies", bodies=page["items"], page=page, region=region,
                  facets=store.page_facets(region), query=urlencode({"region": region} if region else {}),
                  **_pager(offset, page["total"]))


@router.get("/bodies/{agency:path}", response_class=HTMLResponse)
def body_page(request: Request, agency: str):
    page = _store(request).body(agency)
    if page is None:
        raise HTTPException(404, _("No reports of {agency} in the store.", agency=agency))
    return render(request, "body.html", nav="bodies", b=page, charts=charts_json(page["charts"]))


@router.get("/overview", response_class=HTMLResponse)
def overview(request: Request):
    data = _store(request).overview()
    return render(request, "overview.html", nav="overview", o=data, charts=charts_json(data["charts"]))


@router.get("/compare", response_class=HTMLResponse)
def compare(request: Request, a: Optional[str] = None, b: Optional[str] = None):
    store = _store(request)
    if not a or not b:
        listing = store.reports(limit=PICK_SIZE, offset=0)
        return render(request, "compare_pick.html", nav="compare", items=listing["items"], a=a, b=b)
    return render(request, "compare.html", nav="compare", c=api.comparison(store, a, b))
