"""One input -> the rows the store will hold for it, as Arrow record batches.

Runs in the parsing processes (local pool or Dask workers), so the store's owner does no per-row
work: it receives a few Arrow batches per chunk of files (`pack`: cheap to pickle, no Python object
per value) and hands them to DuckDB's bulk insert. Both engines call `prepare_bytes` and `pack`,
which is why their stores are identical.
"""
from __future__ import annotations

import datetime

import dataclasses
import hashlib
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Optional

from ..ingest import ReadError, read_file
from ..record import Record
from . import narrative, schema
from .agencies import normalise

# CellSource fields with a column of their own; any other goes to the JSON column `extra`
STORED_PROVENANCE = frozenset({"raw", "at", "line", "page", "dom_path", "bbox", "confidence", "char", "label"})
# extraction findings that mean a cell's value was inferred rather than printed as one number
INFERRED_RULES = frozenset({"split-inferred"})
UNREADABLE_CHAR = "\ufffd"
# columns the owner fills when it stores the rows
OWNER_COLUMNS = {"reports": ("keep_both", "ingested_at")}
# a table whose batches hold fewer rows than this on average is joined into one chunk to be stored
SMALL_BATCH_ROWS = 64


def parser_version() -> str:
    """What decides whether a stored report is stale: the extractor's version, plus the checks'
    when they declare one (`gongkai.checks.CHECKS_VERSION`)."""
    from .. import checks
    from ..extract import PARSER_VERSION

    checks_version = getattr(checks, "CHECKS_VERSION", None)
    return PARSER_VERSION if checks_version is None else f"{PARSER_VERSION}+checks.{checks_version}"


@dataclass
class Prepared:
    path: str
    size: Optional[int]
    mtime_ns: Optional[int]
    sha256: Optional[str]
    parser_version: str
    checked: bool
    ok: bool = False
    reason: Optional[str] = None
    kind: Optional[str] = None  # read | internal | crash | timeout | fetch
    # what the owner needs of the reports row (its body and year decide what it supersedes); the
    # row itself travels in `batches`, not as Python objects the owner would unpickle for nothing
    report: dict[str, Any] = field(default_factory=dict)
    # table -> its rows as one Arrow record batch; `pack` turns a chunk's batches into one serialized
    # batch (an IPC message) per table, carried by the chunk's first report: the owner reads a few
    # messages per chunk where lies (zero-copy) and never builds a Python object per row
    batches: dict[str, Any] = field(default_factory=dict)
    covers: tuple[str, ...] = ()  # the reports whose rows `batches` holds (packed), in their order
    chunk: Optional[str] = None  # the packed chunk it came in: its reports' rows are that chunk's carrier's
    cpu_seconds: float = 0.0  # CPU the worker spent on this input (benchmarks)


def failure(path: str, reason: str, kind: str, *, size=None, mtime_ns=None, sha256=None, checked=True) -> Prepared:
    return Prepared(path=path, size=size, mtime_ns=mtime_ns, sha256=sha256, parser_version=parser_version(),
                    checked=checked, ok=False, reason=reason, kind=kind)


def prepare_file(path: str, mtime_ns: Optional[int], check: bool, source: Optional[str] = None,
                 published: Optional[str] = None) -> Prepared:
    """Read and prepare the file at `path`; `source` (a URL whose body was cached at `path`) is what
    the store records as the input; `published`, a date an ingest list gives, overrides the one
    found in the document."""
    started = time.process_time()
    name = source or path
    try:
        # ingest's reader: the size cap is judged before the bytes are read, and a file swapped for
        # a FIFO or a device after the listing is refused rather than waited on
        data = read_file(path)
    except ReadError as e:
        return failure(name, str(e), "read", mtime_ns=mtime_ns, checked=check)
    out = prepare_bytes(data, name, check, mtime_ns=mtime_ns, published=published)
    out.cpu_seconds = time.process_time() - started
    return out


def prepare_bytes(data: bytes, path: str, check: bool, *, mtime_ns: Optional[int] = None,
                  published: Optional[str] = None) -> Prepared:
    """Parse (and check) the bytes of one input (`path`: its file path or URL); never raises."""
    from ..api import parse_bytes
    from ..i18n import _

    sha = hashlib.sha256(data).hexdigest()
    common = dict(size=len(data), mtime_ns=mtime_ns, sha256=sha, checked=check)
    try:
        record = parse_bytes(data, name=path, check=check, published=published)
    except ReadError as e:
        return failure(path, str(e), "read", **common)
    except Exception as e:  # a reader's bug must cost only this file
        return failure(path, _("internal error while reading ({error})", error=type(e).__name__ + ": " + str(e)),
                       "internal", **common)
    try:
        return rows_of(record, path, check, mtime_ns=mtime_ns, size=len(data))
    except Exception as e:
        return failure(path, _("internal error while storing ({error})", error=type(e).__name__ + ": " + str(e)),
                       "internal", **common)


def cell_statuses(record: Record) -> dict[str, tuple[str, Optional[str], Optional[int]]]:
    """Every cell's status (read, inferred, unreadable, blank) and the finding that explains it.

    A value is `inferred` when an extraction finding on its cell, row or table says it was decided
    (a glued run split by the identities); a null is `unreadable` when an extraction finding on the
    cell says why, or one on its row or table left it unread, and `blank` when the report prints
    nothing or a dash there. (`corrected` comes from reviewers' corrections: see the cell_status view.)
    """
    from ..vocabulary import NULL_MARKERS

    cover: dict[str, list[tuple[int, Any]]] = {}
    for seq, f in enumerate(record.findings):
        if f.origin == "extraction" and f.where:
            cover.setdefault(f.where, []).append((seq, f))
    out = {}
    for path, value in record.cells():
        table, row, _field = path.split(".")
        own = cover.get(path, [])
        around = own + cover.get(f"{table}.{row}", []) + cover.get(table, [])
        if value is not None:
            hit = next(((s, f) for s, f in around if f.rule in INFERRED_RULES), None)
            out[path] = ("inferred", hit[1].rule, hit[0]) if hit else ("read", None, None)
            continue
        src = record.provenance.get(path)
        raw = (src.raw or "").strip() if src is not None else None
        hit = next(((s, f) for s, f in own), None)
        if hit is None and not (raw is not None and (not raw or raw in NULL_MARKERS)):
            hit = next(((s, f) for s, f in around if f.severity in ("warning", "error")), None)
        if hit is not None:
            out[path] = ("unreadable", hit[1].rule, hit[0])
        elif raw is None or not raw or raw in NULL_MARKERS or set(raw) <= set("-—―－─"):
            out[path] = ("blank", None, None)
        else:  # text that is no number and no finding about it: never call it blank
            out[path] = ("unreadable", None, None)
    return out


def _data(message) -> Optional[str]:
    return json.dumps(message.to_data(), ensure_ascii=False, default=str) if message is not None else None


def finding_rows(rid: str, findings) -> list[tuple]:
    """The `findings` table's rows (scope report) of a record's findings, in `arrow_columns` order."""
    return [(rid, i, f.rule, f.severity, f.origin, f.message, f.where, f.evidence, "report", None,
             _data(f.text("message")), _data(f.text("evidence")))
            for i, f in enumerate(findings)]


def rows_of(record: Record, path: str, check: bool, *, mtime_ns: Optional[int] = None,
            size: Optional[int] = None) -> Prepared:
    rid = record.source.sha256
    sections = [(s.number, s.text) for s in record.sections]
    hints = " ".join(text for _, text in sections[:2])
    agency = normalise(record.agency, hints)
    region = agency.region if agency else None
    statuses = cell_statuses(record)

    cells = []
    n_null = 0
    for ord_, (cell_path, value) in enumerate(record.cells()):
        table, row, fld = cell_path.split(".")
        src = record.provenance.get(cell_path)
        if value is None:
            n_null += 1
        if src is None:
            where: tuple = (None,) * 10
        else:
            extra = {f.name: getattr(src, f.name) for f in dataclasses.fields(src)
                     if f.name not in STORED_PROVENANCE and getattr(src, f.name) is not None}
            raw = src.raw
            if raw is not None and UNREADABLE_CHAR in raw:
                raw = None  # what could not be read is not text: the status and its finding say so
            where = (raw, src.at, src.line, src.page, src.dom_path,
                     list(src.bbox) if src.bbox is not None else None, src.confidence,
                     getattr(src, "char", None), getattr(src, "label", None),
                     json.dumps(extra, ensure_ascii=False, sort_keys=True) if extra else None)
        status, rule, seq = statuses[cell_path]
        cells.append((rid, ord_, cell_path, table, row, fld, None if value is None else float(value)) + where
                     + (status, rule, seq))
    findings = finding_rows(rid, record.findings)
    text = narrative.narrative_text(sections)
    sig = narrative.signature(text)
    severities = [f.severity for f in record.findings]
    report = {
        "report_id": rid,
        "source_path": record.source.path,
        "media_type": record.source.media_type,
        "size": size,
        "agency": record.agency,
        "agency_name": agency.name if agency else None,
        "agency_body": agency.body if agency else None,
        "agency_key": agency.key if agency else None,
        "province": region.province if region else None,
        "city": region.city if region else None,
        "county": region.county if region else None,
        "region_code": region.code if region else None,
        "region_level": region.level if region else None,
        "region_note": region.note if region else None,
        "year": record.year,
        "template": record.template,
        "parser_version": parser_version(),
        "parser": json.dumps(record.parser, ensure_ascii=False, sort_keys=True),
        "checked": check,
        "n_cells": len(cells),
        "n_null_cells": n_null,
        "n_findings": len(findings),
        "n_errors": severities.count("error"),
        "n_warnings": severities.count("warning"),
        "n_infos": severities.count("info"),
        "narrative_chars": len(text),
        "title": record.title,
        "preamble": record.preamble,
        "published": datetime.date.fromisoformat(record.published) if record.published else None,
        "cells_digest": hashlib.sha1("\n".join(
            f"{c[2]}={'' if c[6] is None else repr(c[6])}" for c in sorted(cells, key=lambda c: c[2])
        ).encode("utf-8")).hexdigest(),
        "cells_file": None,  # named by `pack`, which writes the chunk's cells and sections
    }
    rows = {
        "reports": [tuple(report[c] for c in arrow_columns("reports"))],
        "cells": cells,
        "findings": findings,
        "sections": [(rid, i, s.number, s.title, s.text) for i, s in enumerate(record.sections)],
        "narratives": [(rid, sig)] if sig is not None else [],
        "narrative_bands": [(rid, i, b) for i, b in enumerate(narrative.bands(sig))] if sig is not None else [],
    }
    return Prepared(
        path=path, size=size, mtime_ns=mtime_ns, sha256=rid, parser_version=report["parser_version"],
        checked=check, ok=True, report={"agency_key": report["agency_key"], "year": report["year"]},
        batches={t: to_batch(t, r) for t, r in rows.items() if r},
    )


def pack(items: list[Prepared], store_path: Optional[str] = None) -> list[Prepared]:
    """A worker's chunk of prepared inputs, ready to send to the owner: the rows of all its reports
    as one serialized batch per table, on the first of them. Per-input messages cost the owner a
    read, a chunk and a scan in DuckDB each; per chunk, an eighth of that. A report read twice in the
    chunk (the same bytes at two paths) is carried once. The packing's CPU counts as its inputs'.

    The chunk's cells and sections go to Parquet files named by the chunk (shards.py): written
    here, in the folders of the store at `store_path` when the worker can reach them, else by the
    owner from the batches carried."""
    import pyarrow as pa

    from . import shards

    started = time.process_time()
    token = uuid.uuid4().hex
    carried: dict[str, Prepared] = {}
    for p in items:
        p.chunk = token
        if p.ok and p.batches and p.sha256 not in carried:
            carried[p.sha256] = p
    if not carried:
        return items
    tables: dict[str, list] = {}
    for p in carried.values():
        for t, b in p.batches.items():
            tables.setdefault(t, []).append(b)
    for p in items:
        p.batches = {}
    joined = {t: (bs[0] if len(bs) == 1 else pa.concat_batches(bs)) for t, bs in tables.items()}
    name = shards.file_name(token)
    reports = joined["reports"]
    at = reports.schema.get_field_index("cells_file")
    joined["reports"] = reports.set_column(at, reports.schema.field(at), pa.array([name] * reports.num_rows, pa.string()))
    for table in shards.TABLES:
        rows = joined.pop(table, None)
        if rows is None:  # no rows at all: the file exists all the same, as every report names one
            rows = pa.RecordBatch.from_pylist([], schema=arrow_schema(table))
        if store_path is not None:
            try:
                shards.write(shards.folder(store_path, table), name, rows)
                continue
            except OSError:
                pass  # the owner writes it (or stops with the disk's error)
        joined[table] = rows
    first = next(iter(carried.values()))
    # Arrow buffers, not bytes: Dask sends them as frames of their own, which the owner reads
    # without a copy (bytes would be copied out of the pickled result)
    first.batches = {t: b.serialize() for t, b in joined.items()}
    first.covers = tuple(carried)
    spent = (time.process_time() - started) / len(carried)
    for p in carried.values():
        p.cpu_seconds += spent
    return items


# --- Arrow ----------------------------------------------------------------------------------------
def _arrow_type(duck: str):
    import pyarrow as pa

    if duck.endswith("[]"):
        return pa.list_(_arrow_type(duck[:-2]))
    return {"VARCHAR": pa.string(), "INTEGER": pa.int32(), "BIGINT": pa.int64(), "DOUBLE": pa.float64(),
            "BOOLEAN": pa.bool_(), "TINYINT": pa.int8(), "UINTEGER": pa.uint32(),
            "TIMESTAMP": pa.timestamp("us"), "DATE": pa.date32()}[duck]


def arrow_columns(table: str) -> tuple[str, ...]:
    """The columns the workers fill (all but the ones the owner sets when it stores the rows)."""
    owner = OWNER_COLUMNS.get(table, ())
    return tuple(c for c in schema.BY_NAME[table].names if c not in owner)


_SCHEMAS: dict[str, Any] = {}


def arrow_schema(table: str):
    if table not in _SCHEMAS:
        import pyarrow as pa

        cols = {c.name: c for c in schema.BY_NAME[table].columns}
        _SCHEMAS[table] = pa.schema([(name, _arrow_type(cols[name].type)) for name in arrow_columns(table)])
    return _SCHEMAS[table]


def table_of(table: str, parts: list[tuple[Any, Optional[list[str]]]]):
    """Serialized record batches of one table (from many chunks) -> one Arrow table. Each part is
    (message, None) for all its rows, or (message, report ids) for those reports' rows only."""
    import pyarrow as pa

    sch = arrow_schema(table)
    # each message is read where it lies (zero-copy): no joined copy of the batch's megabytes
    batches = []
    for message, wanted in parts:
        batch = pa.ipc.read_record_batch(pa.py_buffer(message), sch)
        if wanted is not None:
            import pyarrow.compute as pc

            batch = batch.filter(pc.is_in(batch.column("report_id"), value_set=pa.array(wanted, pa.string())))
        batches.append(batch)
    data = pa.Table.from_batches(batches, sch)
    if data.num_rows < SMALL_BATCH_ROWS * len(parts):
        # DuckDB scans an Arrow table chunk by chunk at a fixed cost each: a commit's small
        # `reports` batches cost it more than their copy into one chunk (the cells' batches of some
        # thousand rows do not: their copy would cost more than it saves)
        data = data.combine_chunks()
    return data


def to_batch(table: str, rows: list[tuple]):
    """Rows (tuples in `arrow_columns(table)` order) -> one Arrow record batch of the table's schema."""
    import pyarrow as pa

    sch = arrow_schema(table)
    columns = list(zip(*rows))
    return pa.RecordBatch.from_arrays([pa.array(col, type=f.type) for col, f in zip(columns, sch)], schema=sch)
