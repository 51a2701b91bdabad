"""Every request and appeals number of the real corpus changed in turn (+1), in the source as the
reader sees it: each change read back must be an error on its table; a change that is not read
back must leave a finding on its cell, row or table — never a different number in silence.

Text sources (crawler texts, PDF-to-Markdown) are edited in their bytes at the cell's line and
column; PDFs in the document their text layer gives (the cell found by page and box). A cell the
reader took from a run of glued digits (`230000023` = 23|0|0|0|0|0|23) is changed inside the run,
its digits located by the values of the run's cells. (The seeds' tables are mutated the same way
in test_checks.py.)
"""
from __future__ import annotations

import copy
from functools import lru_cache
from pathlib import Path

import pytest

from conftest import CORPUS
from gongkai import parse
from gongkai.checks import run_checks
from gongkai.document import Table
from gongkai.extract import extract
from gongkai.ingest import read_document
from gongkai.record import Record

REAL = sorted(p for p in CORPUS.glob("real/*/source.*") if p.suffix in (".txt", ".md", ".pdf"))


def _fmt(v) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


def _run_cells(record: Record, path: str) -> list[tuple[str, float]]:
    """The cells read from the same printed text as `path` (a glued run), in record order."""
    src = record.provenance[path]
    key = (src.raw, src.line, src.char, src.page, src.bbox)
    return [(p, record.cell(p)) for p, s in record.provenance.items()
            if (s.raw, s.line, s.char, s.page, s.bbox) == key and record.cell(p) is not None]


def mutated_raw(raw: str, cells: list[tuple[str, float]], path: str, new: str) -> str:
    """`raw` with the digits of `path` replaced by `new`, the run's digits split by its cells' values."""
    digits = [i for i, ch in enumerate(raw) if ch.isdigit() or ch in ".-"]
    if "".join(raw[i] for i in digits) != "".join(_fmt(v) for _, v in cells):
        raise LookupError(f"{path}: the digits of {raw!r} are not its cells' {[v for _, v in cells]}")
    offset = 0
    for p, v in cells:
        if p == path:
            span = digits[offset:offset + len(_fmt(v))]
            return raw[:span[0]] + new + raw[span[-1] + 1:]
        offset += len(_fmt(v))
    raise LookupError(path)


@lru_cache(maxsize=None)
def _original(source: Path) -> Record:
    return parse(str(source), check=False)


@lru_cache(maxsize=2)
def _document(source: Path):
    return read_document(source.read_bytes(), str(source))


def _numbers(source: Path):
    record = _original(source)
    for table in ("requests", "appeals"):
        for row, fields in getattr(record, table).items():
            for field, value in fields.items():
                path = f"{table}.{row}.{field}"
                if value is not None and path in record.provenance:
                    yield pytest.param(source, path, id=f"{source.parent.name}:{path}")


def changed_record(source: Path, path: str, tmp_path: Path) -> Record:
    record = _original(source)
    src = record.provenance[path]
    cells = _run_cells(record, path)
    new = _fmt(record.cell(path) + 1)
    if source.suffix == ".pdf":
        document = copy.deepcopy(_document(source))
        found = [c for b in document.blocks if isinstance(b, Table) for row in b.rows for c in row
                 if c.origin.page == src.page and c.origin.bbox == src.bbox and src.raw.strip() in c.text]
        assert len(found) == 1, f"{path}: {len(found)} cells at page {src.page} {src.bbox}"
        cell = found[0]
        i = cell.text.index(src.raw.strip())
        cell.text = cell.text[:i] + mutated_raw(src.raw.strip(), cells, path, new) + cell.text[i + len(src.raw.strip()):]
        changed = extract(document)
        changed.source = record.source
        return changed
    lines = source.read_text(encoding="utf-8").split("\n")
    line = lines[src.line - 1]
    at = src.char if src.char is not None else line.index(src.raw)
    assert line[at:at + len(src.raw)] == src.raw, f"{path}: {src.raw!r} not at line {src.line} col {at + 1}"
    lines[src.line - 1] = line[:at] + mutated_raw(src.raw, cells, path, new) + line[at + len(src.raw):]
    target = tmp_path / source.name
    target.write_text("\n".join(lines), encoding="utf-8")
    return parse(str(target), check=False)


@pytest.mark.parametrize("source,path", [p for s in REAL for p in _numbers(s)])
def test_every_number_changed_is_caught_or_flagged(source, path, tmp_path):
    record = _original(source)
    changed = changed_record(source, path, tmp_path)
    table, row, _ = path.split(".")
    findings = changed.findings + run_checks(changed)
    if changed.cell(path) == record.cell(path) + 1:
        errors = [f for f in findings if f.severity == "error" and (f.where or "").startswith(table)]
        assert errors, f"{path} changed from {record.cell(path)} to {changed.cell(path)} went unreported"
        return
    # not read back as changed: the reader must say so where the number stands
    places = (path, f"{table}.{row}", table)
    flagged = [f for f in findings if f.severity != "info" and f.where in places]
    assert flagged, f"{path}: changed in the source, read as {changed.cell(path)}, and nothing said"
    # and no other number of the table may differ from before without a finding on it
    for p, v in changed.cells():
        if p.startswith(table + ".") and p != path and v is not None and v != record.cell(p):
            assert any(f.where in (p, ".".join(p.split(".")[:2]), table) for f in findings), \
                f"{p} reads {v} instead of {record.cell(p)} after {path} was changed, and nothing says so"
