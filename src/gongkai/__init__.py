"""gongkai: read, check, store and compare government information-disclosure annual reports.

>>> from gongkai import parse
>>> record = parse("report.html")          # a path, bytes, or the text itself
>>> record.requests["total"]["total"]
"""
from __future__ import annotations

from .api import parse, parse_bytes
from .record import Finding, Record, Section, Source

__version__ = "0.1.0"


def open_store(path, **kwargs):
    """A store (from `gongkai ingest`) as pandas/polars frames: `reports()`, `cells(long=True)`,
    `findings()`. See gongkai.store.dataset (needs the store extra)."""
    from .store.dataset import open_store as _open

    return _open(path, **kwargs)


__all__ = ["parse", "parse_bytes", "open_store", "Record", "Finding", "Section", "Source", "__version__"]
