"""Reviewer decisions and corrections, kept in the store beside the reports as read.

- `finding_decisions`: 确认 / 驳回 of a finding, keyed by its fingerprint (fingerprint.py), so a
  decision outlives re-ingest, re-check and a resubmission that leaves the finding unchanged;
- `report_decisions`: 退回 / 通过 of a report, keyed by the body's agency key and the year;
- `corrections` (schema.CORRECTIONS): a reviewer's value for a cell, origin `reviewer`, never
  written over the value read (the `cell_status` view shows it as `corrected`).

`db` is a store path, or an open `Store` (a writer for the setters).
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import os
import re
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from typing import Any, Iterator, Optional, Union

from ..i18n import _
from ..store import schema
from ..store.writer import Store, StoreError
from .fingerprint import SQL_FINGERPRINT
from .model import FINDING_DECISIONS, REPORT_DECISIONS, Correction, Decision

_FINGERPRINT_RE = re.compile(r"^[0-9a-f]{16}$")
MIN_PREFIX = 8
DB = Union[str, "os.PathLike[str]", Store]


class ReviewError(ValueError):
    """A decision or correction that cannot be made; the message says why, for a person."""


def ensure_tables(con) -> None:
    """Create the decision tables in a store made before they existed (idempotent)."""
    for table in (schema.FINDING_DECISIONS, schema.REPORT_DECISIONS):
        con.execute(table.ddl())
    # a column added after the table was first made
    con.execute("ALTER TABLE report_decisions ADD COLUMN IF NOT EXISTS report_id VARCHAR")


# --- connections --------------------------------------------------------------------------------------
@contextmanager
def writing(db: DB) -> Iterator[Any]:
    """A connection in one transaction on the store, held only for the block."""
    if isinstance(db, Store) and not db.read_only:
        with db.transaction() as con:
            yield con
        return
    with Store(db.path if isinstance(db, Store) else db) as store, store.transaction() as con:
        yield con


@contextmanager
def reading(db: Any) -> Iterator[Any]:
    """A connection to read the store: an open Store, a web LiveStore (`reading()`), or a path."""
    if isinstance(db, Store):
        with db.holding():
            yield db.con
    elif hasattr(db, "reading"):
        with db.reading() as store, store.holding():
            yield store.con
    else:
        with Store(db, read_only=True) as store:
            yield store.con


def has_table(con, name: str) -> bool:
    """Whether the store has the table (a store opened read-only may predate the decision tables)."""
    # duckdb_tables(), not information_schema (a view over it): a third of the time, once per page
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [name]).fetchall()[0][0])


def has_column(con, table: str, column: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_columns() WHERE table_name = ? AND column_name = ?",
                            [table, column]).fetchall()[0][0])


# --- reports --------------------------------------------------------------------------------------------
def resolve_report(con, given: str) -> str:
    """A current report's id from its id, a unique prefix (at least 8 characters) or its file's path."""
    given = str(given).strip()
    if os.path.isfile(given):
        with open(given, "rb") as f:
            sha = hashlib.sha256(f.read()).hexdigest()
        if not con.execute("SELECT count(*) FROM reports WHERE report_id = ?", [sha]).fetchone()[0]:
            raise ReviewError(_("{path}: this file is not a current report of the store (ingest it first)",
                                path=given))
        return sha
    prefix = given.lower()
    if len(prefix) < MIN_PREFIX or not re.fullmatch(r"[0-9a-f]+", prefix):
        raise ReviewError(_("{id}: give a file or at least {n} characters of the report id", id=given, n=MIN_PREFIX))
    ids = [r[0] for r in con.execute("SELECT report_id FROM reports WHERE starts_with(report_id, ?) "
                                     "ORDER BY report_id LIMIT 6", [prefix]).fetchall()]
    if not ids:
        raise ReviewError(_("{id}: no such current report in the store", id=given))
    if len(ids) > 1:
        raise ReviewError(_("{id}: several reports start so ({ids}); give more characters", id=given,
                            ids=", ".join(i[:16] for i in ids[:5])))
    return ids[0]


def report_key(agency_key: Optional[str], report_id: str) -> str:
    """The key a report decision is kept under: the body's agency key (a report of no known body: its id)."""
    return agency_key or f"#{report_id}"


# --- finding decisions ------------------------------------------------------------------------------------
def _check_fingerprint(fingerprint: str) -> str:
    fp = str(fingerprint).strip().lower()
    if not _FINGERPRINT_RE.match(fp):
        raise ReviewError(_("{fingerprint}: not a finding's fingerprint (16 hexadecimal characters)",
                            fingerprint=fingerprint))
    return fp


def locate_finding(con, fingerprint: str) -> Optional[tuple[str, Optional[str], Optional[int], str, Optional[str]]]:
    """(report id, agency key, year, rule, where) of the current finding with this fingerprint, among
    the findings as read and those the checks give on a corrected report; None if there is none."""
    row = con.execute(f"""
        SELECT report_id, agency_key, year, rule, where_path FROM (
            SELECT f.report_id, r.agency_key, r.year, f.rule, f.where_path, {SQL_FINGERPRINT} AS fp
            FROM findings f JOIN reports r USING (report_id))
        WHERE fp = ? LIMIT 1""", [fingerprint]).fetchone()
    if row is not None:
        return row
    # a finding that only the checks of a corrected report give
    from .inbox import stored_report

    corrected = [r[0] for r in con.execute("SELECT DISTINCT report_id FROM corrections "
                                           "WHERE report_id IN (SELECT report_id FROM reports)").fetchall()]
    for rid in corrected:
        report = stored_report(con, rid)
        found = report.finding(fingerprint)
        if found is not None:
            return rid, report.agency_key, report.year, found.finding.rule, found.finding.where
    return None


def set_finding_decision(db: DB, fingerprint: str, kind: str, *, note: Optional[str] = None,
                         reviewer: Optional[str] = None) -> None:
    """确认 (confirmed) or 驳回 (dismissed) a finding, with a note; replaces an earlier decision."""
    if kind not in FINDING_DECISIONS:
        raise ReviewError(_("{kind}: a finding is confirmed or dismissed", kind=kind))
    fp = _check_fingerprint(fingerprint)
    with writing(db) as con:
        ensure_tables(con)
        found = locate_finding(con, fp)
        if found is None:
            raise ReviewError(_("{fingerprint}: no finding with this fingerprint in the store's current reports",
                                fingerprint=fp))
        agency_key, year, rule, where = found[1:]
        con.execute("DELETE FROM finding_decisions WHERE fingerprint = ?", [fp])
        con.execute("INSERT INTO finding_decisions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [fp, agency_key, year, rule, where, kind, _blank(note), _blank(reviewer), _now()])


def clear_finding_decision(db: DB, fingerprint: str) -> None:
    """Take back the decision on a finding (it is open again)."""
    fp = _check_fingerprint(fingerprint)
    with writing(db) as con:
        ensure_tables(con)
        if not con.execute("SELECT count(*) FROM finding_decisions WHERE fingerprint = ?", [fp]).fetchone()[0]:
            raise ReviewError(_("{fingerprint}: no decision on this finding", fingerprint=fp))
        con.execute("DELETE FROM finding_decisions WHERE fingerprint = ?", [fp])


def finding_decisions(con) -> dict[str, Decision]:
    """Every finding decision in the store: fingerprint -> decision."""
    if not has_table(con, "finding_decisions"):
        return {}
    return {fp: Decision(kind, note, reviewer, at) for fp, kind, note, reviewer, at in con.execute(
        "SELECT fingerprint, kind, note, reviewer, decided_at FROM finding_decisions").fetchall()}


# --- report decisions -----------------------------------------------------------------------------------
def set_report_decision(db: DB, report_id: str, kind: str, *, note: Optional[str] = None,
                        reviewer: Optional[str] = None) -> None:
    """退回 (returned) or 通过 (approved) a report; kept by its body and year, so it stays with a
    re-ingest of the report."""
    if kind not in REPORT_DECISIONS:
        raise ReviewError(_("{kind}: a report is returned or approved", kind=kind))
    with writing(db) as con:
        ensure_tables(con)
        rid = resolve_report(con, report_id)
        agency_key, year = con.execute("SELECT agency_key, year FROM reports WHERE report_id = ?", [rid]).fetchone()
        key = report_key(agency_key, rid)
        con.execute("DELETE FROM report_decisions WHERE agency_key = ? AND year IS NOT DISTINCT FROM ?", [key, year])
        con.execute("INSERT INTO report_decisions (agency_key, year, kind, note, reviewer, decided_at, report_id) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)", [key, year, kind, _blank(note), _blank(reviewer), _now(), rid])


def clear_report_decision(db: DB, report_id: str) -> None:
    with writing(db) as con:
        ensure_tables(con)
        rid = resolve_report(con, report_id)
        agency_key, year = con.execute("SELECT agency_key, year FROM reports WHERE report_id = ?", [rid]).fetchone()
        con.execute("DELETE FROM report_decisions WHERE agency_key = ? AND year IS NOT DISTINCT FROM ?",
                    [report_key(agency_key, rid), year])


def report_decisions(con) -> dict[tuple[str, Optional[int]], Decision]:
    """Every report decision: (agency key, year) -> decision."""
    if not has_table(con, "report_decisions"):
        return {}
    version = "report_id" if has_column(con, "report_decisions", "report_id") else "NULL"
    return {(key, year): Decision(kind, note, reviewer, at, rid) for key, year, kind, note, reviewer, at, rid in
            con.execute(f"SELECT agency_key, year, kind, note, reviewer, decided_at, {version} "
                        "FROM report_decisions").fetchall()}


# --- corrections ------------------------------------------------------------------------------------------
def correction_value(path: str, value: Any, template: Optional[str]) -> Union[int, float, None]:
    """The value a reviewer gives for a cell, checked: a cell of the report's template, a count a
    whole number (not negative but in a 本年增/减 column), money at most 4 decimals. ReviewError
    with the reason otherwise. None or '' or '-' : the cell should be empty."""
    from ..store.labels import by_path

    label = by_path().get(path)
    if label is None or template is None or template not in label.templates.split(","):
        if template is None:
            raise ReviewError(_("{path}: the report's tables were not read (no template), so no cell can be corrected",
                                path=path))
        raise ReviewError(_("{path}: not a cell of the {template} template's tables", path=path, template=template))
    if value is None or (isinstance(value, str) and value.strip() in ("", "-", "—")):
        return None
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise ReviewError(_("{value}: not a number", value=value)) from None
    if not number.is_finite():
        raise ReviewError(_("{value}: not a number", value=value))
    if number < 0 and label.field_key not in _signed_fields(label.row_key):
        raise ReviewError(_("{path}: {value} is negative; this cell cannot be", path=path, value=value))
    if label.money:
        if number.as_tuple().exponent < -4:
            raise ReviewError(_("{path}: {value} has more than 4 decimals", path=path, value=value))
        return int(number) if number == number.to_integral_value() else float(number)
    if number != number.to_integral_value():
        raise ReviewError(_("{path}: {value} is not a whole number; this cell is a count", path=path, value=value))
    return int(number)


def _signed_fields(row: str) -> set[str]:
    from .. import vocabulary as V

    return {f for spec in V.ACTIVE_ROWS_2021 + V.ACTIVE_ROWS_2019 if spec.key == row for f in spec.signed_fields}


def add_correction(db: DB, report_id: str, path: str, value: Any, *, note: Optional[str] = None,
                   reviewer: Optional[str] = None) -> Correction:
    """Enter a cell's value from the original (origin reviewer). The value read stays as read; the
    latest correction of a cell is the one shown and checked."""
    with writing(db) as con:
        rid = resolve_report(con, report_id)
        template = con.execute("SELECT template FROM reports WHERE report_id = ?", [rid]).fetchone()[0]
        checked = correction_value(path, value, template)
        correction = Correction(path, checked, _blank(note), _blank(reviewer), _now())
        con.execute("INSERT INTO corrections VALUES (?, ?, ?, ?, ?, 'reviewer', ?)",
                    [rid, path, checked, correction.reviewer, correction.note, correction.corrected_at])
    return correction


def clear_correction(db: DB, report_id: str, path: str) -> None:
    """Take back every correction of a cell: the value read is shown again."""
    with writing(db) as con:
        rid = resolve_report(con, report_id)
        if not con.execute("SELECT count(*) FROM corrections WHERE report_id = ? AND path = ?", [rid, path]).fetchone()[0]:
            raise ReviewError(_("{path}: no correction of this cell", path=path))
        con.execute("DELETE FROM corrections WHERE report_id = ? AND path = ?", [rid, path])


def corrections_of(con, report_id: str) -> dict[str, Correction]:
    """The latest correction of each corrected cell of a report."""
    return corrections_by_report(con, [report_id]).get(report_id, {})


def corrections_by_report(con, report_ids: Optional[list[str]] = None) -> dict[str, dict[str, Correction]]:
    """The latest correction of each corrected cell, by report: of `report_ids`, or of every report
    (one query, however many reports)."""
    only, params = ("", []) if report_ids is None else (" WHERE report_id IN (SELECT unnest(?::VARCHAR[]))",
                                                        [list(report_ids)])
    out: dict[str, dict[str, Correction]] = {}
    for rid, path, value, note, reviewer, at in con.execute(
            "SELECT report_id, path, value, note, reviewer, corrected_at FROM corrections" + only +
            " ORDER BY corrected_at", params).fetchall():
        if value is not None and float(value).is_integer():
            value = int(value)
        out.setdefault(rid, {})[path] = Correction(path, value, note, reviewer, at)
    return out


def _blank(text: Optional[str]) -> Optional[str]:
    return text.strip() or None if isinstance(text, str) else text


def _now() -> _dt.datetime:
    return _dt.datetime.now()


__all__ = ["ReviewError", "ensure_tables", "set_finding_decision", "clear_finding_decision", "finding_decisions",
           "set_report_decision", "clear_report_decision", "report_decisions", "add_correction", "clear_correction",
           "corrections_of", "corrections_by_report", "correction_value", "resolve_report", "locate_finding", "reading", "writing", "StoreError"]
