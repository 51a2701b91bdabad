"""The reviewers' web interface (`gongkai serve`): check a report, browse a store, JSON API.

Needs the `web` extra (FastAPI, Jinja2, uvicorn, python-multipart, openpyxl).
"""
from __future__ import annotations


def create_app(*args, **kwargs):
    """See `gongkai.web.app.create_app` (imported lazily so `import gongkai.web` stays light)."""
    from .app import create_app as _create_app

    return _create_app(*args, **kwargs)


__all__ = ["create_app"]
