"""Versions of a report: which files are one body's report of a year, removing one, its history.

A report of the same body and year ingested again with other content (a corrected resubmission,
the same report in another format) supersedes the stored one, which moves whole to the history
tables (`reports_history` …): out of counts, charts and cross-report checks, but listed by
`gongkai history` and kept for `gongkai remove` to bring back.
"""
from __future__ import annotations

from typing import Optional

from ..i18n import _
from .query import Result
from .writer import Store, StoreError


class VersionError(StoreError):
    """The report to remove or the body to list cannot be told; the message says why."""


MIN_PREFIX = 8


def _resolve(store: Store, given: str) -> str:
    """A full report id from an id or a unique prefix (current or superseded)."""
    given = given.strip().lower()
    if len(given) < MIN_PREFIX:
        raise VersionError(_("{id}: give at least {n} characters of the report id", id=given, n=MIN_PREFIX))
    rows = store.con.execute("SELECT report_id FROM report_versions WHERE starts_with(report_id, ?)",
                             [given]).fetchall()
    ids = sorted({r[0] for r in rows})
    if not ids:
        raise VersionError(_("{id}: no such report in the store", id=given))
    if len(ids) > 1:
        raise VersionError(_("{id}: several reports start so ({ids}); give more characters", id=given,
                             ids=", ".join(i[:16] for i in ids[:5])))
    return ids[0]


def _body_condition(alias: str = "") -> str:
    p = f"{alias}." if alias else ""
    return (f"({p}agency_key = $1 OR {p}agency_name = $1 OR contains({p}agency_name, $1) "
            f"OR contains(coalesce({p}agency, ''), $1))")


def remove(db: str, report_ids: list[str], *, agency: Optional[str] = None,
           year: Optional[int] = None) -> list[tuple]:
    """Remove reports; returns (id, agency, year, path, (restored id, its path) or None) per report."""
    with Store(db) as store:
        store.exclusive()
        if agency is not None:
            rows = store.con.execute(
                f"SELECT report_id, agency_name, source_path FROM reports WHERE {_body_condition()} AND year = $2",
                [agency, year]).fetchall()
            if not rows:
                raise VersionError(_("no current report of {agency} for {year} in the store", agency=agency,
                                     year=year))
            if len(rows) > 1:
                listed = "; ".join(f"{r[0][:12]} {r[1]} {r[2]}" for r in rows[:5])
                raise VersionError(_("{n} current reports match {agency} {year} ({listed}); give the report id",
                                     n=len(rows), agency=agency, year=year, listed=listed))
            ids = [rows[0][0]]
        else:
            ids = [_resolve(store, r) for r in report_ids]
        info = {}
        for rid in ids:
            info[rid] = store.con.execute("SELECT agency_name, year, source_path FROM report_versions "
                                          "WHERE report_id = ?", [rid]).fetchone()
        done = store.remove(ids, _("removed with gongkai remove"))
        store.collect_garbage()  # a cells file whose reports are all gone
        out = []
        for rid, restored in done:
            name, yr, path = info[rid]
            back = None
            if restored:
                back = (restored, store.con.execute("SELECT source_path FROM reports WHERE report_id = ?",
                                                    [restored]).fetchone()[0] if store.con else None)
            out.append((rid, name, yr, path, back))
        from .cross import check_and_store

        with store.holding():
            check_and_store(store)
        return out


HISTORY_COLUMNS = ("year", "state", "report_id", "agency", "source_path", "ingested_at", "superseded_by")


def history(db: str, body: str) -> Result:
    """Every version of the body's reports (current and superseded), by year and time stored."""
    with Store(db, read_only=True) as store:
        keys = store.con.execute(
            f"SELECT DISTINCT coalesce(agency_key, agency_name) FROM report_versions WHERE {_body_condition()}",
            [body]).fetchall()
        keys = sorted(k for (k,) in keys if k)
        if not keys:
            raise VersionError(_("{body}: no reports of such a body in the store", body=body))
        rows = store.con.execute(
            "SELECT year, state, report_id, agency_name, source_path, ingested_at, superseded_by "
            "FROM report_versions WHERE coalesce(agency_key, agency_name) IN (SELECT unnest(?::VARCHAR[])) "
            "ORDER BY agency_key, year NULLS LAST, ingested_at, report_id", [keys]).fetchall()
    states = {"current": _("current"), "superseded": _("superseded")}
    out = [(y, states.get(st, st), rid[:12], name, path, at.isoformat(sep=" ", timespec="seconds") if at else None,
            by[:12] if by else None) for y, st, rid, name, path, at, by in rows]
    headers = [_("year"), _("state"), _("report"), _("body"), _("file"), _("stored at"), _("superseded by")]
    return Result(headers, out)
