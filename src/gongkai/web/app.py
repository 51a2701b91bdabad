"""The reviewers' web app: check an uploaded report, browse a store, with a JSON API.

`create_app(db=...)` builds a FastAPI app; `gongkai serve` runs it with uvicorn (in several
processes with `--workers N`, each building its app with `app_from_environment`). Pages are
Jinja2 templates (autoescaped: no text from a report is ever markup) with htmx for partial
updates and ECharts for charts, both vendored under static/ (no CDN). A strict Content Security
Policy allows scripts from this server only, so even a markup slip could not run a report's
script. Uploads are read in separate processes with a time and memory limit (parsing.py); the
Host, Origin and CSRF checks are in security.py.
"""
from __future__ import annotations

import json
import os
import secrets
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field, fields
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
from .security import allowed_hosts

HERE = Path(__file__).parent
DEFAULT_MAX_UPLOAD = 20 * 1024 * 1024  # a long PDF report is a few MB; 20 MB leaves room

# Scripts and styles from this server only; no inline script, nothing framed, no plugins. ECharts'
# tooltips set inline styles, hence 'unsafe-inline' for styles (styles cannot run code).
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")

DOCS_CSP = CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")


SETTINGS_ENV = "GONGKAI_SERVE_SETTINGS"


@dataclass
class Settings:
    db: Optional[str] = None
    max_upload: int = DEFAULT_MAX_UPLOAD
    chart_animation: bool = True
    # uploads read at once, each in a process of its own; more wait (reading is CPU-bound and the
    # machine may be small), up to `upload_queue`; beyond that an upload is refused as busy
    parse_workers: int = 2
    upload_queue: int = 16
    job_timeout: float = 120.0  # seconds one upload may take to read (a scanned PDF is slow)
    job_memory_mb: Optional[int] = 1536  # memory one upload's reading may use
    # a client that sends no byte of its upload for this long, or takes longer in all, is cut off
    upload_idle_timeout: float = 30.0
    upload_total_timeout: float = 600.0
    # names the server answers to in `Host` (security.allowed_hosts; "*" for any)
    allowed_hosts: tuple[str, ...] = field(default_factory=lambda: allowed_hosts())
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)  # signs CSRF tokens
    review_dir: Optional[str] = None  # checked uploads shared by several server processes
    allow_upload: bool = False  # the office may upload files or a .zip into the store (needs db)
    roster: Optional[str] = None  # a CSV of the bodies expected to report (column 机关), for /roster
    write_wait: float = 30.0  # seconds a write from the pages waits for a store held by another writer (503 after)

    def to_environment(self) -> str:
        data = asdict(self)
        data["secret"] = self.secret.hex()
        return json.dumps(data)

    @classmethod
    def from_environment(cls, text: str) -> "Settings":
        data = json.loads(text)
        data["secret"] = bytes.fromhex(data["secret"])
        data["allowed_hosts"] = tuple(data["allowed_hosts"])
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})


def app_from_environment() -> FastAPI:
    """The app of one server process of `gongkai serve --workers N` (settings in $GONGKAI_SERVE_SETTINGS)."""
    return create_app(settings=Settings.from_environment(os.environ[SETTINGS_ENV]))


def create_app(db: Optional[str | os.PathLike] = None, *, settings: Optional[Settings] = None, cache_size: int = 64,
               **options: Any) -> FastAPI:
    """The app. `db`: a store file (DuckDB) to browse, opened read-only; None: checking only.
    `options` are `Settings` fields (max_upload=, chart_animation=, job_timeout=, ...)."""
    from . import api, pages
    from .parsing import ParsePool
    from .security import Guard
    from .server import quiet_accept_errors
    from .store_view import open_store
    from .uploads import UploadBudget

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        quiet_accept_errors()
        if app.state.settings.allow_upload:  # the pages write: the writer's process is ready before the first write
            app.state.store_writer.prestart()
        yield
        app.state.parser.close()
        app.state.store_writer.close()
        if app.state.store is not None:
            app.state.store.close()

    if settings is None:
        settings = Settings(db=str(db) if db else None, **options)
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
    app.state.reviews = ReviewCache(cache_size, settings.review_dir)
    app.state.parser = ParsePool(settings.parse_workers, timeout=settings.job_timeout,
                                 memory_mb=settings.job_memory_mb, queue=settings.upload_queue)
    # uploads in progress (received, waiting or being read) and the bytes they hold together
    app.state.uploads = UploadBudget(settings.parse_workers + settings.upload_queue,
                                     max(4 * settings.max_upload, 64 * 1024 * 1024))
    app.state.store = open_store(settings.db) if settings.db else None
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.add_extension("jinja2.ext.i18n")
    install_jinja(templates.env)  # {{ _("…") }} in the request's language (LanguageMiddleware)
    templates.env.globals.update(version=__version__, settings=settings, switch_url=switch_url,
                                 severity_word=severity_word, origin_word=origin_word)
    templates.env.filters["cellid"] = lambda p: "c-" + str(p).replace(".", "-")
    app.state.templates = templates

    def security_headers(path: str) -> dict[bytes, bytes]:
        # Swagger UI's page starts itself with an inline script; it still loads nothing from elsewhere.
        # Referrer same-origin, not no-referrer: with no-referrer a browser posts this server's own
        # forms with `Origin: null`, which the Origin check must refuse; other sites still get none.
        return {b"content-security-policy": (DOCS_CSP if path == "/docs" else CSP).encode(),
                b"x-content-type-options": b"nosniff", b"referrer-policy": b"same-origin",
                b"x-frame-options": b"DENY"}

    async def reject(scope, receive, send, status: int, detail: str):
        await error_response(Request(scope, receive), status, detail)(scope, receive, send)

    app.add_middleware(Guard, hosts=settings.allowed_hosts, secret=settings.secret, reject=reject,
                       headers=security_headers)

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

    from .office import install as install_office  # before pages: it extends /reports, /bodies

    install_office(app)
    app.include_router(pages.router)
    from .draft import register as register_draft  # the drafting page (works without a store)

    register_draft(app)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        return error_response(request, exc.status_code, str(exc.detail), headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        detail = _("The request is not valid: {problems}",
                   problems="; ".join(describe_problem(e) for e in exc.errors()))
        if _wants_json(request):
            return JSONResponse({"detail": detail, "errors": _jsonable_errors(exc.errors())}, status_code=422)
        return error_response(request, 422, detail)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception):
        # a bug must give a clear page, never a traceback with report text in it
        return error_response(request, 500, _("Internal error ({error}). Please report what you did.",
                                              error=type(exc).__name__))

    return app


def describe_problem(error: dict[str, Any]) -> str:
    """One validation problem as a person reads it: which parameter, what it must be."""
    where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("query", "path", "body", "header"))
    ctx = error.get("ctx") or {}
    kind = error.get("type", "")
    if kind == "missing":
        what = _("is required")
    elif kind in ("int_parsing", "int_type", "int_from_float"):
        what = _("must be a whole number")
    elif kind in ("less_than_equal", "less_than"):
        what = _("must be at most {limit}", limit=ctx.get("le", ctx.get("lt")))
    elif kind in ("greater_than_equal", "greater_than"):
        what = _("must be at least {limit}", limit=ctx.get("ge", ctx.get("gt")))
    elif kind == "string_pattern_mismatch":
        what = _("must match {pattern}", pattern=ctx.get("pattern"))
    elif kind in ("bool_parsing", "bool_type"):
        what = _("must be true or false")
    else:
        what = str(error.get("msg", kind))
    return f"{where or '?'}: {what}"


def _jsonable_errors(errors: Any) -> Any:
    from fastapi.encoders import jsonable_encoder

    return jsonable_encoder(errors, custom_encoder={Exception: str})


def _wants_json(request: Request) -> bool:
    if request.url.path.startswith("/api/"):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


TITLES = {400: N_("Bad request"), 403: N_("Refused"), 404: N_("Not found"), 405: N_("Method not allowed"),
          408: N_("Too slow"), 413: N_("Upload too large"), 415: N_("Unsupported upload"),
          422: N_("Cannot read this upload"), 500: N_("Internal error"), 503: N_("Not available")}


def error_response(request: Request, status: int, detail: str, headers: Optional[dict] = None):
    """A JSON error for the API, an error page for people."""
    if _wants_json(request):
        return JSONResponse({"detail": detail}, status_code=status, headers=headers)
    templates = request.app.state.templates
    return templates.TemplateResponse(request, "error.html",
                                      {"status": status, "title": _(TITLES.get(status, N_("Error"))),
                                       "detail": detail},
                                      status_code=status, headers=headers)


__all__ = ["create_app", "app_from_environment", "Settings", "HTMLResponse"]
