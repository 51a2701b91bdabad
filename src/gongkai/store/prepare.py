"""One input -> the rows the store will hold for it. Runs in the parsing processes (local pool or
Dask workers), so the single writer only inserts. Both engines call `prepare_bytes`, which is why
their results are identical.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Optional

from ..ingest import ReadError
from ..record import Record
from . import narrative
from .agencies import normalise


# CellSource fields with a column of their own; any other goes to the JSON column `extra`
STORED_PROVENANCE = frozenset({"raw", "at", "line", "page", "dom_path", "bbox", "confidence", "char", "label"})


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
    report: dict[str, Any] = field(default_factory=dict)
    cells: list[tuple] = field(default_factory=list)
    findings: list[tuple] = field(default_factory=list)
    sections: list[tuple] = field(default_factory=list)
    signature: Optional[list[int]] = None
    bands: list[int] = field(default_factory=list)


def failure(path: str, reason: str, kind: str, *, size=None, mtime_ns=None, sha256=None, checked=True) -> Prepared:
    return Prepared(path=path, size=size, mtime_ns=mtime_ns, sha256=sha256, parser_version=parser_version(),
                    checked=checked, ok=False, reason=reason, kind=kind)


def prepare_file(path: str, mtime_ns: Optional[int], check: bool, source: Optional[str] = None) -> Prepared:
    """Read and prepare the file at `path`; `source` (a URL whose body was cached at `path`) is what
    the store records as the input."""
    name = source or path
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        return failure(name, f"cannot be opened ({e.strerror or e})", "read", mtime_ns=mtime_ns, checked=check)
    return prepare_bytes(data, name, check, mtime_ns=mtime_ns)


def prepare_bytes(data: bytes, path: str, check: bool, *, mtime_ns: Optional[int] = None) -> Prepared:
    """Parse (and check) the bytes of one input (`path`: its file path or URL); never raises."""
    from ..api import parse_bytes

    sha = hashlib.sha256(data).hexdigest()
    common = dict(size=len(data), mtime_ns=mtime_ns, sha256=sha, checked=check)
    try:
        record = parse_bytes(data, name=path, check=check)
    except ReadError as e:
        return failure(path, str(e), "read", **common)
    except Exception as e:  # a reader's bug must cost only this file
        return failure(path, f"internal error while reading ({type(e).__name__}: {e})", "internal", **common)
    try:
        return rows_of(record, path, check, mtime_ns=mtime_ns, size=len(data))
    except Exception as e:
        return failure(path, f"internal error while storing ({type(e).__name__}: {e})", "internal", **common)


def rows_of(record: Record, path: str, check: bool, *, mtime_ns: Optional[int] = None,
            size: Optional[int] = None) -> Prepared:
    rid = record.source.sha256
    sections = [(s.number, s.text) for s in record.sections]
    hints = " ".join(text for _, text in sections[:2])
    agency = normalise(record.agency, hints)
    region = agency.region if agency else None

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
            where = (src.raw, src.at, src.line, src.page, src.dom_path,
                     list(src.bbox) if src.bbox is not None else None, src.confidence,
                     getattr(src, "char", None), getattr(src, "label", None),
                     json.dumps(extra, ensure_ascii=False, sort_keys=True) if extra else None)
        cells.append((rid, ord_, cell_path, table, row, fld, None if value is None else float(value)) + where)
    findings = [
        (rid, i, f.rule, f.severity, f.origin, f.message, f.where, f.evidence, "report", None)
        for i, f in enumerate(record.findings)
    ]
    text = narrative.narrative_text(sections)
    sig = narrative.signature(text)
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
        "n_errors": sum(1 for f in record.findings if f.severity == "error"),
        "n_warnings": sum(1 for f in record.findings if f.severity == "warning"),
        "narrative_chars": len(text),
        "title": record.title,
        "preamble": record.preamble,
        "published": record.published,
        "cells_digest": hashlib.sha1("\n".join(
            f"{c[2]}={'' if c[6] is None else repr(c[6])}" for c in sorted(cells, key=lambda c: c[2])
        ).encode("utf-8")).hexdigest(),
    }
    return Prepared(
        path=path, size=size, mtime_ns=mtime_ns, sha256=rid, parser_version=report["parser_version"],
        checked=check, ok=True, report=report, cells=cells, findings=findings,
        sections=[(rid, i, s.number, s.title, s.text) for i, s in enumerate(record.sections)],
        signature=sig, bands=narrative.bands(sig) if sig is not None else [],
    )
