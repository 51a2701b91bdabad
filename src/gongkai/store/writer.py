"""The store: one DuckDB file, one writer.

Every batch of prepared inputs is written in one transaction, so a report is either entirely in
the store (report, cells, findings, sections, file row) or not at all; a killed ingest keeps
every committed batch and the next run skips what is there. Batches are small (the writer
commits at least every quarter second) because a DuckDB commit costs a few milliseconds however
little it holds, and one commit per report would make the writer the bottleneck.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional

from ..record import CellSource, Finding, Record, Section, Source
from . import schema
from .labels import labels
from .prepare import Prepared

DEFAULT_PATH = "gongkai.duckdb"

REPORT_COLUMNS = ("report_id", "source_path", "media_type", "size", "agency", "agency_name", "agency_body",
                  "agency_key", "province", "city", "county", "region_code", "region_level", "region_note", "year",
                  "template", "parser_version", "parser", "checked", "n_cells", "n_null_cells", "n_findings",
                  "n_errors", "n_warnings", "narrative_chars", "cells_digest", "title", "preamble", "published")
CELL_COLUMNS = ("report_id", "ord", "path", "table_key", "row_key", "field_key", "value", "raw", "location", "line",
                "page", "dom_path", "bbox", "confidence", "char", "label", "extra")
FINDING_COLUMNS = ("report_id", "seq", "rule", "severity", "origin", "message", "where_path", "evidence", "scope",
                   "other_report_id")
SECTION_COLUMNS = ("report_id", "seq", "number", "title", "text")

_CASTS = {
    "reports": {"size": "BIGINT", "year": "INTEGER", "checked": "BOOLEAN", "n_cells": "INTEGER",
                "n_null_cells": "INTEGER", "n_findings": "INTEGER", "n_errors": "INTEGER", "n_warnings": "INTEGER",
                "narrative_chars": "INTEGER", "ingested_at": "TIMESTAMP", "published": "DATE"},
    "cells": {"ord": "INTEGER", "value": "DOUBLE", "line": "INTEGER", "page": "INTEGER", "bbox": "DOUBLE[]",
              "confidence": "DOUBLE", "char": "INTEGER"},
    "findings": {"seq": "INTEGER"},
    "sections": {"seq": "INTEGER", "number": "INTEGER"},
    "narratives": {"signature": "UINTEGER[]"},
    "narrative_bands": {"band": "TINYINT", "bucket": "BIGINT"},
    "files": {"size": "BIGINT", "mtime_ns": "BIGINT", "seen_at": "TIMESTAMP"},
    "failures": {"failed_at": "TIMESTAMP"},
}


_LIST_COLUMNS = frozenset({"bbox", "signature"})


class StoreError(Exception):
    """The store cannot be opened or used; the message says why."""


@dataclass
class Memo:
    """What the store already holds, loaded once per ingest so skipping costs no queries."""

    files: dict[str, tuple] = field(default_factory=dict)  # path -> (size, mtime_ns, sha256, status)
    reports: dict[str, tuple] = field(default_factory=dict)  # sha256 -> (parser_version, checked)
    failures: dict[str, tuple] = field(default_factory=dict)  # path -> (sha256, parser_version, kind)
    force: bool = False  # rewrite every report once, whatever its version
    written: set = field(default_factory=set)  # reports written in this run


def connect(path: str | os.PathLike, *, read_only: bool = False):
    import duckdb

    path = str(path)
    if read_only and not os.path.exists(path):
        raise StoreError(f"{path}: no such store (run `gongkai ingest` first)")
    try:
        con = duckdb.connect(path, read_only=read_only)
    except duckdb.IOException as e:
        msg = str(e)
        if "lock" in msg.lower():
            raise StoreError(f"{path}: the store is in use by another process (an ingest still running?)") from None
        raise StoreError(f"{path}: cannot be opened ({msg.splitlines()[0]})") from None
    except duckdb.Error as e:
        raise StoreError(f"{path}: not a gongkai store ({str(e).splitlines()[0]})") from None
    # The owner's memory is bounded, not constant: DuckDB keeps the store's blocks it has touched in
    # its buffer pool (growing with the store, up to memory_limit), and committed rows wait in memory
    # until a checkpoint, done every 4 MB of WAL rather than 16 MB so the peaks stay low.
    con.execute("SET memory_limit = '512MB'")
    con.execute("SET checkpoint_threshold = '4MB'")
    con.execute("SET enable_progress_bar = false")  # DuckDB would draw on stdout, which is the user's
    con.execute("SET preserve_insertion_order = false")
    return con


class Store:
    """A gongkai store. `Store(path)` opens (and creates) it for writing; `read_only=True` for queries."""

    def __init__(self, path: str | os.PathLike = DEFAULT_PATH, *, read_only: bool = False):
        self.path = str(path)
        self.read_only = read_only
        self.con = connect(self.path, read_only=read_only)
        if not read_only:
            self._init_schema()
        else:
            self._check_version()

    # -- lifecycle --------------------------------------------------------------------------------
    def close(self) -> None:
        if self.con is not None:
            self.con.close()
            self.con = None

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _check_version(self) -> None:
        try:
            row = self.con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except Exception:
            raise StoreError(f"{self.path}: not a gongkai store (no meta table)") from None
        if row is None or row[0] != schema.SCHEMA_VERSION:
            raise StoreError(f"{self.path}: store schema {row[0] if row else '?'} is not the supported "
                             f"{schema.SCHEMA_VERSION}; re-ingest into a new store")

    def _init_schema(self) -> None:
        con = self.con
        exists = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'").fetchone()[0]
        if exists:
            self._check_version()
        con.execute("BEGIN")
        con.execute(schema.DDL)
        for column, kind in schema.ADDED_REPORT_COLUMNS:
            con.execute(f"ALTER TABLE reports ADD COLUMN IF NOT EXISTS {column} {kind}")
        con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [schema.SCHEMA_VERSION])
        con.execute("DELETE FROM labels")
        rows = [(lb.path, lb.table_key, lb.row_key, lb.field_key, lb.table_label, lb.row_label, lb.field_label,
                 lb.header, lb.order) for lb in labels()]
        self._insert("labels", ("path", "table_key", "row_key", "field_key", "table_label", "row_label",
                                "field_label", "header", "ord"), rows)
        con.execute(schema.VIEWS)
        con.execute("COMMIT")

    # -- memo -----------------------------------------------------------------------------------
    def memo(self) -> Memo:
        m = Memo()
        for path, size, mtime, sha, status in self.con.execute(
                "SELECT path, size, mtime_ns, sha256, status FROM files").fetchall():
            m.files[path] = (size, mtime, sha, status)
        for sha, version, checked in self.con.execute(
                "SELECT report_id, parser_version, checked FROM reports").fetchall():
            m.reports[sha] = (version, checked)
        for path, sha, version, kind in self.con.execute(
                "SELECT path, sha256, parser_version, kind FROM failures").fetchall():
            m.failures[path] = (sha, version, kind)
        return m

    # -- writing --------------------------------------------------------------------------------
    def write(self, batch: list[Prepared], memo: Optional[Memo] = None) -> tuple[int, int, int]:
        """Write prepared inputs in one transaction: (new reports, rewritten reports, inputs whose
        report was already stored). A report already stored with the same parser version (and
        checks at least as complete) is not rewritten, unless `memo.force` and not yet in this run."""
        if not batch:
            return 0, 0, 0
        now = _dt.datetime.now()
        reports: dict[str, Prepared] = {}
        already = 0
        for p in batch:
            if not p.ok:
                continue
            known = memo.reports.get(p.sha256) if memo is not None else None
            fresh = (known is not None and known[0] == p.parser_version and (known[1] or not p.checked)
                     and (not memo.force or p.sha256 in memo.written))
            if p.sha256 in reports or fresh:
                already += 1
            else:
                reports[p.sha256] = p
        # rows of reports stored before (a parser upgrade, --force) are replaced; new ones only
        # inserted, which spares a scan of the big tables per batch
        stored = [sha for sha in reports if memo is None or sha in memo.reports]
        con = self.con
        con.execute("BEGIN")
        try:
            if reports:
                if stored:
                    for table in ("cells", "findings", "sections", "narratives", "narrative_bands"):
                        con.execute(f"DELETE FROM {table} WHERE report_id IN (SELECT unnest(?::VARCHAR[]))", [stored])
                self._insert("reports", REPORT_COLUMNS + ("ingested_at",),
                             [tuple(p.report[c] for c in REPORT_COLUMNS) + (now,) for p in reports.values()],
                             replace=bool(stored))
                self._insert("cells", CELL_COLUMNS, [c for p in reports.values() for c in p.cells])
                self._insert("findings", FINDING_COLUMNS, [f for p in reports.values() for f in p.findings])
                self._insert("sections", SECTION_COLUMNS, [s for p in reports.values() for s in p.sections])
                self._insert("narratives", ("report_id", "signature"),
                             [(p.sha256, p.signature) for p in reports.values() if p.signature is not None])
                self._insert("narrative_bands", ("report_id", "band", "bucket"),
                             [(p.sha256, i, b) for p in reports.values() for i, b in enumerate(p.bands)])
            paths = {}
            for p in batch:
                paths[p.path] = p  # the last word on a path within one batch wins
            known_paths = memo is None or any(path in memo.files or path in memo.failures for path in paths)
            self._insert("files", ("path", "sha256", "size", "mtime_ns", "status", "seen_at"),
                         [(p.path, p.sha256, p.size, p.mtime_ns, "report" if p.ok else "failed", now)
                          for p in paths.values()], replace=known_paths)
            ok_paths = [p.path for p in paths.values() if p.ok and (memo is None or p.path in memo.failures)]
            if ok_paths:
                con.execute("DELETE FROM failures WHERE path IN (SELECT unnest(?::VARCHAR[]))", [ok_paths])
            self._insert("failures", ("path", "sha256", "reason", "kind", "parser_version", "failed_at"),
                         [(p.path, p.sha256, p.reason, p.kind, p.parser_version, now)
                          for p in paths.values() if not p.ok], replace=known_paths)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        if memo is not None:
            memo.written.update(reports)
            for p in reports.values():
                memo.reports[p.sha256] = (p.parser_version, p.checked)
            for p in paths.values():
                memo.files[p.path] = (p.size, p.mtime_ns, p.sha256, "report" if p.ok else "failed")
                if p.ok:
                    memo.failures.pop(p.path, None)
                else:
                    memo.failures[p.path] = (p.sha256, p.parser_version, p.kind)
        return len(reports) - len(stored), len(stored), already

    def _insert(self, table: str, columns: Iterable[str], rows: list[tuple], *, replace: bool = False) -> None:
        """Insert many rows with one statement, scanning a dict of NumPy object arrays (DuckDB's
        executemany costs a round trip per row; pandas would cost a second of import)."""
        if not rows:
            return
        import numpy as np

        columns = tuple(columns)
        frame = {}
        for c, values in zip(columns, zip(*rows)):
            if c in _LIST_COLUMNS:
                arr = np.empty(len(values), dtype=object)  # list cells: filled one by one, or NumPy
                for j, x in enumerate(values):             # would make a 2-D array of them
                    arr[j] = x
            else:
                arr = np.array(values, dtype=object)
            frame[c] = arr
        casts = _CASTS.get(table, {})
        select = ", ".join(f'CAST("{c}" AS {casts.get(c, "VARCHAR")}) AS "{c}"' for c in columns)
        verb = "INSERT OR REPLACE INTO" if replace else "INSERT INTO"
        self.con.register("_batch", frame)
        try:
            self.con.execute(f"{verb} {table} ({', '.join(columns)}) SELECT {select} FROM _batch")
        finally:
            self.con.unregister("_batch")

    def replace_cross_findings(self, rows: list[tuple]) -> None:
        """Swap the cross-report findings for a fresh set, atomically."""
        con = self.con
        con.execute("BEGIN")
        try:
            con.execute("DELETE FROM findings WHERE scope = 'cross'")
            self._insert("findings", FINDING_COLUMNS, rows)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise

    # -- reading --------------------------------------------------------------------------------
    def query(self, sql: str, params: Optional[list] = None) -> list[tuple]:
        return self.con.execute(sql, params or []).fetchall()

    def record(self, report_id: str) -> Record:
        """The stored report as a `Record` (with the record's own findings, not the cross-report ones)."""
        row = self.con.execute(
            "SELECT source_path, media_type, agency, year, template, parser, title, preamble, "
            "strftime(published, '%Y-%m-%d') FROM reports WHERE report_id = ?", [report_id]).fetchone()
        if row is None:
            raise KeyError(report_id)
        source_path, media_type, agency, year, template, parser, title, preamble, published = row
        tables: dict[str, dict[str, dict[str, Any]]] = {"active": {}, "requests": {}, "appeals": {}}
        provenance = {}
        for (path, table, row_key, fld, value, raw, location, line, page, dom_path, bbox, confidence, char, label,
             extra) in self.con.execute(
                "SELECT path, table_key, row_key, field_key, value, raw, location, line, page, dom_path, bbox, "
                "confidence, char, label, extra FROM cells WHERE report_id = ? ORDER BY ord", [report_id]).fetchall():
            if value is not None and float(value).is_integer():
                value = int(value)  # counts are stored as DOUBLE beside money; the record has ints
            tables[table].setdefault(row_key, {})[fld] = value
            if location is not None:
                fields = dict(raw=raw, at=location, line=line, page=page, dom_path=dom_path,
                              bbox=tuple(bbox) if bbox is not None else None, confidence=confidence, char=char,
                              label=label, **(json.loads(extra) if extra else {}))
                known = {f.name for f in dataclasses.fields(CellSource)}
                provenance[path] = CellSource(**{k: v for k, v in fields.items() if k in known})
        findings = [Finding(rule=r, severity=s, origin=o, message=m, where=w, evidence=e)
                    for r, s, o, m, w, e in self.con.execute(
                        "SELECT rule, severity, origin, message, where_path, evidence FROM findings "
                        "WHERE report_id = ? AND scope = 'report' ORDER BY seq", [report_id]).fetchall()]
        sections = [Section(number=n, title=t, text=x) for n, t, x in self.con.execute(
            "SELECT number, title, text FROM sections WHERE report_id = ? ORDER BY seq", [report_id]).fetchall()]
        return Record(source=Source(path=source_path, sha256=report_id, media_type=media_type), agency=agency,
                      year=year, template=template, title=title, preamble=preamble, published=published,
                      findings=findings, sections=sections, provenance=provenance,
                      parser=json.loads(parser) if parser else {}, **tables)


def default_path() -> str:
    return os.environ.get("GONGKAI_DB") or DEFAULT_PATH


def resolve(path: Optional[str]) -> Path:
    return Path(path or default_path())
