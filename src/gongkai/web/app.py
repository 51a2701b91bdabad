"""The reviewers' web app: check an uploaded report, browse a store, with a JSON API.

`create_app(db=...)` builds a FastAPI app; `gongkai serve` runs it with uvicorn. Pages are
Jinja2 templates (autoescaped: no text from a report is ever markup) with htmx for partial
updates and ECharts for charts, both vendored under static/ (no CDN). A strict Content Security
Policy allows scripts from this server only, so even a markup slip could not run a report's
script.
"""
from __future__ import annotations

import os
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..i18n import N_, _, install_jinja
from ..record import origin_word, severity_word
from .language import LanguageMiddleware, switch_url
from .review import ReviewCache

HERE = Path(__file__).parent
DEFAULT_MAX_UPLOAD = 20 * 1024 * 1024  # a long PDF report is a few MB; 20 MB leaves room

# Scripts and styles from this server only; no inline script, nothing framed, no plugins. ECharts'
# tooltips set inline styles, hence 'unsafe-inline' for styles (styles cannot run code).
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")

DOCS_CSP = CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")


@dataclass
class Settings:
    db: Optional[str] = None
    max_upload: int = DEFAULT_MAX_UPLOAD
    chart_animation: bool = True
    # parses running at once; more wait (reading is CPU-bound and the machine may be small)
    parse_workers: int = 2


def create_app(db: Optional[str | os.PathLike] = None, *, max_upload: int = DEFAULT_MAX_UPLOAD,
               chart_animation: bool = True, cache_size: int = 64) -> FastAPI:
    """The app. `db`: a store file (DuckDB) to browse, opened read-only; None: checking only."""
    import anyio

    from . import api, pages
    from .store_view import open_store

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        if app.state.store is not None:
            app.state.store.close()

    settings = Settings(db=str(db) if db else None, max_upload=max_upload, chart_animation=chart_animation)
    app = FastAPI(
        title="gongkai",
        lifespan=lifespan,
        docs_url=None,  # served below from vendored Swagger UI files (the default loads a CDN)
        redoc_url=None,
        version=__version__,
        summary="Check and browse government information-disclosure annual reports (政府信息公开工作年度报告).",
        description=(
            "Upload a report to get its record (the JSON contract `gongkai.report/1`) with findings; "
            "browse a store of records by year, region, agency and rule; compare reports. "
            "Every page of the web interface is drawn from these endpoints' data."
        ),
        openapi_tags=[
            {"name": "check", "description": "Read and check one uploaded report (no database needed)."},
            {"name": "store", "description": "Browse a store of reports (needs `gongkai serve --db`)."},
            {"name": "reference", "description": "Template layout and rules."},
        ],
    )
    app.state.settings = settings
    app.state.reviews = ReviewCache(cache_size)
    app.state.parse_limiter = anyio.CapacityLimiter(settings.parse_workers)
    app.state.store = open_store(settings.db) if settings.db else None
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.add_extension("jinja2.ext.i18n")
    install_jinja(templates.env)  # {{ _("…") }} in the request's language (LanguageMiddleware)
    templates.env.globals.update(version=__version__, settings=settings, switch_url=switch_url,
                                 severity_word=severity_word, origin_word=origin_word)
    templates.env.filters["cellid"] = lambda p: "c-" + str(p).replace(".", "-")
    app.state.templates = templates

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        # Swagger UI's page starts itself with an inline script; it still loads nothing from elsewhere.
        policy = DOCS_CSP if request.url.path == "/docs" else CSP
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response

    app.add_middleware(LanguageMiddleware)  # outermost: everything below renders in the request's language
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.include_router(api.router)

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        from fastapi.openapi.docs import get_swagger_ui_html

        return get_swagger_ui_html(openapi_url=app.openapi_url, title="gongkai API",
                                   swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
                                   swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
                                   swagger_favicon_url="/static/favicon.svg")

    app.include_router(pages.router)
    from .draft import register as register_draft  # the drafting page (works without a store)

    register_draft(app)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        return error_response(request, exc.status_code, str(exc.detail), headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        if _wants_json(request):
            return JSONResponse({"detail": _jsonable_errors(exc.errors())}, status_code=422)
        problems = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in exc.errors())
        return error_response(request, 422, _("The request is not valid: {problems}", problems=problems))

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception):
        # a bug must give a clear page, never a traceback with report text in it
        return error_response(request, 500, _("Internal error ({error}). Please report what you did.",
                                              error=type(exc).__name__))

    return app


def _jsonable_errors(errors: Any) -> Any:
    from fastapi.encoders import jsonable_encoder

    return jsonable_encoder(errors, custom_encoder={Exception: str})


def _wants_json(request: Request) -> bool:
    if request.url.path.startswith("/api/"):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


TITLES = {400: N_("Bad request"), 404: N_("Not found"), 405: N_("Method not allowed"), 413: N_("Upload too large"),
          415: N_("Unsupported upload"), 422: N_("Cannot read this upload"), 500: N_("Internal error"),
          503: N_("No store opened")}


def error_response(request: Request, status: int, detail: str, headers: Optional[dict] = None):
    """A JSON error for the API, an error page for people."""
    if _wants_json(request):
        return JSONResponse({"detail": detail}, status_code=status, headers=headers)
    templates = request.app.state.templates
    return templates.TemplateResponse(request, "error.html",
                                      {"status": status, "title": _(TITLES.get(status, N_("Error"))), "detail": detail},
                                      status_code=status, headers=headers)


__all__ = ["create_app", "Settings", "HTMLResponse"]
