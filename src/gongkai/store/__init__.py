"""The store: many reports in one DuckDB file (and the folders of their cells and sections),
checked against each other, queried and exported.

>>> from gongkai.store import ingest, Store
>>> ingest(["reports/"], "gongkai.duckdb")            # parse, check, store, cross-check
>>> with Store("gongkai.duckdb", read_only=True) as s:
...     s.query("SELECT year, count(*) FROM reports GROUP BY year")

See docs/store.md. Heavy imports (DuckDB, cpca, Dask) happen inside the functions that need them.
"""
from __future__ import annotations

from .pipeline import IngestResult, discover, ingest
from .shards import copy_store
from .writer import Store, StoreError

__all__ = ["ingest", "discover", "IngestResult", "Store", "StoreError", "copy_store"]
