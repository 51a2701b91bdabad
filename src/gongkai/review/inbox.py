"""Reports as a reviewer sees them: the findings with their fingerprints, decisions and places in
words; the reviewer's corrections applied to a copy of the record and the checks run again on it.

`load_reports` reads files and folders (checked now) or a store's current reports;
`review_record` does the work for one record.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional, Sequence, Union

from ..i18n import _
from ..locations import describe
from ..record import CellSource, Finding, Record
from .fingerprint import agency_key_of, fingerprints
from .model import SEVERITY_ORDER, Correction, Decision, ReviewedFinding, ReviewedReport, Unreadable


# --- corrections and checks ---------------------------------------------------------------------------
def corrected(record: Record, corrections: Mapping[str, Correction]) -> Record:
    """A copy of `record` with the corrections' values in its tables and a provenance saying the
    reviewer gave them (the record itself is not touched)."""
    tables = {t: {row: dict(fields) for row, fields in getattr(record, t).items()}
              for t in ("active", "requests", "appeals")}
    provenance = dict(record.provenance)
    label = _("reviewer's correction")
    for path, c in corrections.items():
        table, row, field = path.split(".")
        tables[table].setdefault(row, {})[field] = c.value
        provenance[path] = CellSource(raw="" if c.value is None else _number_text(c.value), label=label)
    return record.model_copy(update={**tables, "provenance": provenance})


def _number_text(value: Union[int, float]) -> str:
    return str(int(value)) if float(value).is_integer() else format(value, "f").rstrip("0").rstrip(".")


def _check_rules() -> set[str]:
    from ..checks import rules

    return {r.code for r in rules()}


def _resolved(finding: Finding, record: Record, corrections: Mapping[str, Correction]) -> bool:
    """Whether a reading finding is answered by the corrections: its cell is corrected, or it is
    about a row or table every unread cell of which is corrected."""
    where = finding.where
    if not where:
        return False
    if where in corrections:
        return True
    prefix = where + "."
    unread = [p for p, v in record.cells() if p.startswith(prefix) and v is None]
    return bool(unread) and all(p in corrections for p in unread)


def recheck(record: Record, corrections: Mapping[str, Correction]) -> Record:
    """The corrected copy of `record`, with its findings: the reading's findings the corrections do
    not answer, and the checks run again on the corrected values."""
    if not corrections:
        return record
    from ..checks import run_checks

    checks = _check_rules()
    out = corrected(record, corrections)
    out.findings = [f for f in record.findings if f.rule not in checks and not _resolved(f, record, corrections)]
    out.findings = out.findings + run_checks(out)
    return out


# --- places ------------------------------------------------------------------------------------------
def _rows(record: Record) -> dict[str, list[CellSource]]:
    """The record's cell sources by row path (requests.total), for findings about a row."""
    out: dict[str, list[CellSource]] = {}
    for path, src in record.provenance.items():
        out.setdefault(path.rpartition(".")[0], []).append(src)
    return out


def _sources(record: Record, where: Optional[str], rows: Optional[dict] = None) -> list[CellSource]:
    """The sources of a cell, or of a row's cells (not of a whole table: too many to quote)."""
    if not where or where.count(".") == 0:
        return []
    if where in record.provenance:
        return [record.provenance[where]]
    return (rows if rows is not None else _rows(record)).get(where, [])


def place_of(finding: Finding, record: Record, rows: Optional[dict] = None) -> str:
    """Where a finding points, in words: the template's table, row and column, and where that stands
    in the source (line or page) when known."""
    words = describe(finding.where) or _("the report as a whole")
    sources = _sources(record, finding.where, rows)
    position = next((s.at for s in sources if s.line is not None or s.page is not None or s.grid is not None), None)
    return _("{place}, {position}", place=words, position=position) if position else words


def quote_of(finding: Finding, record: Record, rows: Optional[dict] = None) -> Optional[str]:
    """The source text at the finding's place (the cell's raw text, a row's texts), else its evidence."""
    raws: list[str] = []
    for src in _sources(record, finding.where, rows):
        if src.raw and src.raw not in raws:
            raws.append(src.raw)
    if raws:
        return " ".join(raws)
    return finding.evidence or None


# --- one report ---------------------------------------------------------------------------------------
def review_record(record: Record, *, report_id: Optional[str] = None, agency_key: Optional[str] = None,
                  file: Optional[str] = None, decisions: Mapping[str, Decision] = {},
                  report_decision: Optional[Decision] = None, corrections: Mapping[str, Correction] = {},
                  cross_findings: Sequence[Finding] = ()) -> ReviewedReport:
    """A record as a reviewer sees it. With corrections, the findings are those of the corrected
    record (checks run again); `cross_findings` (the store's cross-report findings) are added as
    they are."""
    key = agency_key if agency_key is not None else agency_key_of(record)
    checked = recheck(record, corrections)
    findings = list(checked.findings) + list(cross_findings)
    prints = fingerprints(record, key, findings)
    rows = _rows(checked)
    reviewed = [ReviewedFinding(f, fp, decisions.get(fp), place_of(f, checked, rows), quote_of(f, checked, rows))
                for f, fp in zip(findings, prints)]
    reviewed.sort(key=lambda r: SEVERITY_ORDER.get(r.finding.severity, 3))
    return ReviewedReport(record=record, report_id=report_id, agency_key=key,
                          agency=record.agency or _("(body not named)"), year=record.year,
                          file=file if file is not None else record.source.path, findings=reviewed,
                          corrections=dict(corrections), decision=report_decision, corrected_record=checked)


# --- from the store -------------------------------------------------------------------------------------
_CROSS_SQL = ("SELECT report_id, rule, severity, origin, message, where_path, evidence, message_data, evidence_data "
              "FROM findings WHERE scope = 'cross'")


def stored_report(con, report_id: str, *, decisions: Optional[Mapping[str, Decision]] = None,
                  report_decisions: Optional[Mapping] = None) -> ReviewedReport:
    """One current report of the store, with its cross-report findings, decisions and corrections."""
    from ..store.writer import _record, finding_of
    from . import decisions as D

    record = _record(con, report_id)
    agency_key, year, source = con.execute("SELECT agency_key, year, source_path FROM reports WHERE report_id = ?",
                                           [report_id]).fetchall()[0]
    cross = [finding_of(*row[1:]) for row in con.execute(_CROSS_SQL + " AND report_id = ? ORDER BY seq",
                                                         [report_id]).fetchall()]
    if decisions is None:
        decisions = D.finding_decisions(con)
    if report_decisions is None:
        report_decisions = D.report_decisions(con)
    return review_record(record, report_id=report_id, agency_key=agency_key, file=source, decisions=decisions,
                         report_decision=report_decisions.get((D.report_key(agency_key, report_id), year)),
                         corrections=D.corrections_of(con, report_id), cross_findings=cross)


def stored_reports(con, report_ids: Optional[Sequence[str]] = None, *, progress: bool = False,
                   chunk: int = 500, decisions: Optional[Mapping[str, Decision]] = None,
                   report_decisions: Optional[Mapping] = None) -> list[ReviewedReport]:
    """Current reports of the store (all by default, by body and year; else those of `report_ids`
    that are current, in that order), read in bulk: a few queries per `chunk` reports rather than a
    few per report. `decisions`, `report_decisions`: the store's, when the caller has read them."""
    from ..store.writer import finding_of, records
    from . import decisions as D

    decisions = D.finding_decisions(con) if decisions is None else decisions
    by_report = D.report_decisions(con) if report_decisions is None else report_decisions
    # with ids, every query reads only theirs: a page of a large store does not read all of it
    only, params = ("", []) if report_ids is None else (
        " AND report_id IN (SELECT unnest(?::VARCHAR[]))", [list(report_ids)])
    meta = {rid: (key, year, source) for rid, key, year, source in con.execute(
        "SELECT report_id, agency_key, year, source_path FROM reports WHERE true" + only +
        " ORDER BY agency_name NULLS LAST, year, source_path", params).fetchall()}
    ids = list(meta) if report_ids is None else [rid for rid in dict.fromkeys(report_ids) if rid in meta]
    cross: dict[str, list] = {}
    for row in con.execute(_CROSS_SQL + only + " ORDER BY report_id, seq", params).fetchall():
        cross.setdefault(row[0], []).append(finding_of(*row[1:]))
    corrections = D.corrections_by_report(con, None if report_ids is None else list(report_ids))
    out = []
    for start in _progress(range(0, len(ids), chunk), progress, len(ids), chunk):
        part = ids[start:start + chunk]
        for rid, record in zip(part, records(con, part)):
            key, year, source = meta[rid]
            out.append(review_record(record, report_id=rid, agency_key=key, file=source, decisions=decisions,
                                     report_decision=by_report.get((D.report_key(key, rid), year)),
                                     corrections=corrections.get(rid, {}), cross_findings=cross.get(rid, ())))
    return out


def load_report(db: Any, report_id: str) -> ReviewedReport:
    """One current report of the store (an id, a unique prefix of one, or its file). ReviewError
    when there is no such report."""
    from . import decisions as D

    with D.reading(db) as con:
        return stored_report(con, D.resolve_report(con, report_id))


def load_reports(inputs: Sequence[Union[str, Path]] = (), *, db: Any = None,
                 progress: bool = False) -> list[Union[ReviewedReport, Unreadable]]:
    """Files, folders and globs (read and checked now; with `db` also, the store's decisions and
    corrections apply to them), or with `db` only, the store's current reports."""
    if inputs:
        return _from_files([str(i) for i in inputs], db, progress)
    if db is None:
        return []
    from . import decisions as D

    with D.reading(db) as con:
        return stored_reports(con, progress=progress)


def _from_files(inputs: list[str], db: Any, progress: bool) -> list[Union[ReviewedReport, Unreadable]]:
    from ..api import parse_files
    from ..inputs import discover

    files, missing = discover(inputs)
    out: list[Union[ReviewedReport, Unreadable]] = [Unreadable(path, reason) for path, reason in missing]
    layers = _StoreLayers(db) if db is not None else None
    for path, record, reason in parse_files(_progress(files, progress, len(files))):
        if record is None:
            out.append(Unreadable(path, reason or ""))
        elif layers is None:
            out.append(review_record(record, file=path))
        else:
            out.append(layers.review(record, path))
    return out


class _StoreLayers:
    """The store's decisions and corrections, read once, for reports read from files."""

    def __init__(self, db: Any):
        from . import decisions as D

        with D.reading(db) as con:
            self.decisions = D.finding_decisions(con)
            self.reports = D.report_decisions(con)
            self.stored = {rid: (key, year) for rid, key, year in con.execute(
                "SELECT report_id, agency_key, year FROM reports").fetchall()}
            self.corrections = D.corrections_by_report(con)

    def review(self, record: Record, path: str) -> ReviewedReport:
        from .decisions import report_key

        rid = record.source.sha256
        key, year = self.stored.get(rid, (None, record.year))
        key = key if rid in self.stored else agency_key_of(record)
        return review_record(record, report_id=rid if rid in self.stored else None, agency_key=key, file=path,
                             decisions=self.decisions,
                             report_decision=self.reports.get((report_key(key, rid), record.year)),
                             corrections=self.corrections.get(rid, {}))


def _progress(items: Iterable, show: bool, total: int, step: int = 1) -> Iterable:
    """`items`, with a bar on stderr counting `total` reports (`step` per item) when `show`."""
    if not show or not total:
        yield from items
        return
    import click

    with click.progressbar(length=total, file=sys.stderr, label=_("reading"), show_pos=True) as bar:
        for item in items:
            yield item
            bar.update(step)


__all__ = ["review_record", "load_reports", "load_report", "stored_report", "recheck", "corrected", "place_of",
           "quote_of"]
