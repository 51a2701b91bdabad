"""Exports: xlsx, csv, parquet; wide (one row per report), common (the 2019/2021 common view, one
row per report), long (one row per cell), findings (one row per finding).

A dataset researchers can trust:
- column names are ASCII and equal to the record's paths (`requests.new_received.total`), so a
  column means what the JSON contract says; xlsx adds a second header row with the Chinese
  headers and a data dictionary sheet, csv and parquet a `NAME.dictionary.csv` beside the file;
- counts are integers (BIGINT), money (万元) is DECIMAL(18,4); nothing is a float;
- the long form gives every cell's status (read, inferred, unreadable, blank, corrected) and the
  finding that explains it.

Everything streams: DuckDB runs the query and hands Arrow record batches of `BATCH_ROWS` rows to
the writer (pyarrow's CSV and Parquet writers, openpyxl's write-only mode), so memory stays
bounded by a batch however large the store. The long form is read and sorted a few thousand
reports at a time, in the order of the cells' files (`long_batches`), not in one sort of millions
of rows.

Text cells that a spreadsheet would take for a formula (starting with = + - @, a tab or a carriage
return) are written as text in csv and xlsx: prefixed with an apostrophe in csv, as a string cell
with Excel's quote prefix in xlsx.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Optional, Sequence

from ..i18n import N_, _, Message, use_language
from .labels import by_path
from ..render.xlsx import FORMULA_START, defused as _safe_text  # text a spreadsheet would take for a formula
from .writer import Store, StoreError, text_of

FORMS = ("wide", "common", "long", "findings")
FORMATS = ("xlsx", "csv", "parquet")
COMPRESSIONS = ("gzip", "bz2", "zstd", "lz4")
XLSX_MAX_ROWS = 1_048_576
XLSX_MAX_COLUMNS = 16_384
BATCH_ROWS = 50_000


class ExportError(Exception):
    """The export cannot be written as asked; the message says why."""


@dataclass
class Filters:
    years: Sequence[int] = ()
    regions: Sequence[str] = ()  # a name (江苏, 淮安市, 洪泽区) or a code prefix (32, 3208, 320813)
    agencies: Sequence[str] = ()  # part of the name, or an agency_key
    rules: Sequence[str] = ()  # reports with a finding of these rules (code, code prefix or name)
    extra: list = field(default_factory=list)

    def where(self, alias: str = "r") -> str:
        """A SQL condition on the reports table; values are quoted here because COPY takes no
        parameters."""
        parts = []
        if self.years:
            parts.append(f"{alias}.year IN ({', '.join(str(int(y)) for y in self.years)})")
        if self.regions:
            ors = []
            for region in self.regions:
                region = region.strip()
                if region.isdigit():
                    prefix = region.rstrip("0") if len(region) == 6 else region
                    ors.append(f"{alias}.region_code LIKE {_q(prefix + '%')}")
                else:
                    like = _q("%" + region + "%")
                    ors.append(f"({alias}.province LIKE {like} OR {alias}.city LIKE {like} OR {alias}.county LIKE {like})")
            parts.append("(" + " OR ".join(ors) + ")")
        if self.agencies:
            ors = []
            for agency in self.agencies:
                like = _q("%" + agency.strip() + "%")
                ors.append(f"({alias}.agency_name LIKE {like} OR {alias}.agency LIKE {like} "
                           f"OR {alias}.agency_key = {_q(agency.strip())})")
            parts.append("(" + " OR ".join(ors) + ")")
        if self.rules:
            parts.append(f"EXISTS (SELECT 1 FROM findings f WHERE f.report_id = {alias}.report_id AND {rule_condition(self.rules, 'f')})")
        return " AND ".join(parts) if parts else "TRUE"


def rule_condition(selectors: Iterable[str], alias: str = "f") -> str:
    codes = []
    for s in selectors:
        codes.append(_rule_code(s.strip()))
    return "(" + " OR ".join(f"{alias}.rule LIKE {_q(c + '%')}" for c in codes) + ")"


def _rule_code(selector: str) -> str:
    """A rule's code from its code, code prefix or slug name."""
    from .cross import CROSS_RULES

    for r in CROSS_RULES:
        if selector == r.name:
            return r.code
    try:
        from ..checks import rules

        for r in rules():
            if selector == r.name:
                return r.code
    except ImportError:  # pragma: no cover - the checks package is optional
        pass
    return selector


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


# --- columns: name, Chinese header (msgid), type, description (msgid) -----------------------------
@dataclass(frozen=True)
class Col:
    name: str
    sql: str  # expression
    label: str  # msgid (translated at export) or template label (data)
    type: str
    doc: str  # msgid
    translate: bool = True


REPORT_COLS: tuple[Col, ...] = (
    Col("report_id", "r.report_id", N_("Report ID (SHA-256)"), "VARCHAR", N_("SHA-256 of the source file's bytes")),
    Col("agency", "r.agency_name", N_("Body"), "VARCHAR", N_("the reporting body's name, normalised")),
    Col("agency_key", "r.agency_key", N_("Body key"), "VARCHAR",
        N_("links one body's reports across years: region code and body")),
    Col("province", "r.province", N_("Province"), "VARCHAR", N_("province-level division")),
    Col("city", "r.city", N_("City"), "VARCHAR", N_("prefecture-level division")),
    Col("county", "r.county", N_("County (district)"), "VARCHAR", N_("county-level division")),
    Col("region_code", "r.region_code", N_("Region code"), "VARCHAR", N_("GB/T 2260 code of the deepest level found")),
    Col("year", "r.year", N_("Year"), "INTEGER", N_("the statistical year the report covers")),
    Col("template", "r.template", N_("Template"), "VARCHAR", N_("2021 or 2019: the national template of its tables")),
    Col("source_path", "r.source_path", N_("File"), "VARCHAR", N_("the path or URL it was read from")),
    Col("media_type", "r.media_type", N_("File type"), "VARCHAR", N_("the format of the file")),
)
COUNT_COLS: tuple[Col, ...] = (
    Col("n_errors", "r.n_errors", N_("Errors"), "INTEGER", N_("findings of severity error (the report's own and "
                                                               "the cross-report ones)")),
    Col("n_warnings", "r.n_warnings", N_("Warnings"), "INTEGER", N_("findings of severity warning")),
    Col("n_infos", "r.n_infos", N_("Notes"), "INTEGER", N_("findings of severity info")),
)
SEVERITY_TEXT = {"error": N_("error"), "warning": N_("warning"), "info": N_("note")}
ORIGIN_TEXT = {"source": N_("the report"), "extraction": N_("the reading")}
STATUS_TEXT = {"read": N_("read"), "inferred": N_("inferred"), "unreadable": N_("unreadable"), "blank": N_("blank"),
               "corrected": N_("corrected")}


def _case(column: str, mapping: dict[str, str]) -> str:
    whens = " ".join(f"WHEN {_q(k)} THEN {_q(_(v))}" for k, v in mapping.items())
    return f"CASE {column} {whens} ELSE {column} END"


def _cell_col(path: str, source: str) -> Col:
    label = by_path().get(path)
    money = label.money if label else False
    expr = (f"CAST({source} AS DECIMAL(18,4))" if money
            else f"CASE WHEN {source} = trunc({source}) THEN CAST({source} AS BIGINT) END")
    header = label.header if label else path
    doc = (f"{label.table_label}｜{label.row_label}｜{label.field_label}" + ("（万元）" if money else "")
           if label else path)
    return Col(path, expr, header, "DECIMAL(18,4)" if money else "BIGINT", doc, translate=False)


def _present_paths(store: Store, filters: Filters, common: bool) -> list[str]:
    table = "common_cells" if common else "cells"
    paths = [p for (p,) in store.con.execute(
        f"SELECT DISTINCT c.path FROM {table} c JOIN reports r USING (report_id) WHERE {filters.where('r')}").fetchall()]
    known = by_path()
    paths.sort(key=lambda p: (known[p].order if p in known else len(known), p))
    return paths


def wide_query(store: Store, filters: Filters, *, common: bool = False) -> tuple[str, list[Col]]:
    where = filters.where("r")
    paths = _present_paths(store, filters, common)
    cols = list(REPORT_COLS + COUNT_COLS)
    order = "ORDER BY r.year, r.province, r.city, r.county, r.agency_name, r.report_id"
    if not paths:
        return f"SELECT {_select(cols)} FROM reports r WHERE {where} {order}", cols
    table = "common_cells" if common else "cells"
    # PIVOT, not one FILTER aggregate per column: 15x faster with ~230 columns
    pivot = (f"PIVOT (SELECT c.report_id, c.path, c.value FROM {table} c JOIN reports r USING (report_id) "
             f"WHERE {where}) ON path IN ({', '.join(_q(p) for p in paths)}) USING max(value) GROUP BY report_id")
    cols += [_cell_col(p, f"p.{_ident(p)}") for p in paths]
    return (f"WITH p AS ({pivot}) SELECT {_select(cols)} FROM reports r LEFT JOIN p USING (report_id) "
            f"WHERE {where} {order}"), cols


def long_query(filters: Filters, cells: str = "cells") -> tuple[str, list[Col]]:
    """The long form's SQL over the relation `cells` (the whole view, or some reports' rows read
    from their files: see `long_batches`, which runs it and sorts its rows by `_file`, `report_id`
    and `_ord`), and its columns."""
    cols = [c for c in REPORT_COLS if c.name in ("report_id", "agency", "agency_key", "province", "city", "county",
                                                  "region_code", "year", "template")]
    cols += [
        Col("path", "c.path", N_("Cell"), "VARCHAR", N_("the record path of the cell")),
        Col("label", "coalesce(l.header, c.path)", N_("Header"), "VARCHAR",
            N_("the cell's table, row and column in the template's words")),
        Col("value", "CASE WHEN NOT coalesce(l.money, false) AND c.value = trunc(c.value) "
                     "THEN CAST(c.value AS BIGINT) END", N_("Count"), "BIGINT",
            N_("the number as read, for counts (NULL: see status)")),
        Col("amount", "CASE WHEN l.money THEN CAST(c.value AS DECIMAL(18,4)) END", N_("Amount (10,000 yuan)"),
            "DECIMAL(18,4)", N_("the number as read, for money cells (万元)")),
        Col("status", "CASE WHEN k.report_id IS NOT NULL THEN 'corrected' ELSE c.status END", N_("Status"),
            "VARCHAR", N_("read | inferred | unreadable | blank | corrected")),
        Col("status_text", _case("CASE WHEN k.report_id IS NOT NULL THEN 'corrected' ELSE c.status END",
                                 STATUS_TEXT), N_("Status (text)"), "VARCHAR", N_("the status in words")),
        Col("corrected_value", "k.value", N_("Corrected value"), "DOUBLE",
            N_("a reviewer's correction (the value as read stays in value/amount)")),
        Col("status_rule", "c.status_rule", N_("Status rule"), "VARCHAR",
            N_("the rule of the finding that explains an inferred or unreadable cell")),
        Col("status_message", "f.message", N_("Status explanation"), "VARCHAR", N_("that finding's message")),
        Col("raw", "c.raw", N_("Source text"), "VARCHAR",
            N_("the text the value was read from (NULL where it could not be read)")),
        Col("location", "c.location", N_("Location"), "VARCHAR", N_("where it stands in the source")),
    ]
    sql = (f"SELECT {_select(cols)}, f.message_data AS status_message__data, r.cells_file AS _file, c.ord AS _ord "
           f"FROM reports r "
           f"JOIN {cells} c USING (report_id) LEFT JOIN labels l ON l.path = c.path "
           f"LEFT JOIN findings f ON f.report_id = c.report_id AND f.scope = 'report' AND f.seq = c.status_seq "
           f"LEFT JOIN (SELECT report_id, path, arg_max(value, corrected_at) AS value FROM corrections "
           f"GROUP BY ALL) k ON k.report_id = c.report_id AND k.path = c.path "
           f"WHERE {filters.where('r')}")
    return sql, cols


# reports whose cells the long form reads and sorts at once: some 100,000 rows, about 50 MB in Arrow
LONG_BATCH_REPORTS = 500
# the order of the long form: a report's cells together, in the template's order (see long_batches)
_LONG_ORDER = [("_file", "ascending"), ("report_id", "ascending"), ("_ord", "ascending")]


def long_batches(store: Store, filters: Filters, rows: int = BATCH_ROWS) -> Any:
    """The long form's record batches (an Arrow RecordBatchReader): the reports in the order of their
    files (and of their ids within a file), each report's cells in the template's order, the same
    for the same store (its files are read in no fixed order). `LONG_BATCH_REPORTS` reports at a
    time are read from their own files and sorted by Arrow: one ORDER BY of every cell would need
    DuckDB's memory to grow with the store (at 20,000 reports it fills its 512 MB and more, and it
    fails further on), and a sort inside DuckDB carries every column of every row. Batches taken
    in the order of the files give the same order with each file read once."""
    from . import shards

    con = store.con
    pairs = con.execute(f"SELECT r.report_id, r.cells_file FROM reports r WHERE {filters.where('r')} "
                        "AND r.cells_file IS NOT NULL ORDER BY r.cells_file, r.report_id").fetchall()
    sql = long_query(filters, cells="__CELLS__")[0]

    def run(relation: str, params: list) -> Any:
        try:
            table = con.sql(sql.replace("__CELLS__", relation), params=params).to_arrow_table()
        except Exception as e:
            raise StoreError(str(e).splitlines()[0]) from None
        return table.sort_by(_LONG_ORDER).drop_columns(["_file", "_ord"])

    if not pairs:  # (no rows: the columns)
        return run("(SELECT * FROM cells WHERE false)", []).to_reader(rows)
    return _chained(run(*shards.relation(store.cells_folder, pairs[start:start + LONG_BATCH_REPORTS])).to_reader(rows)
                    for start in range(0, len(pairs), LONG_BATCH_REPORTS))


def _chained(readers: Iterator[Any]) -> Any:
    """One Arrow RecordBatchReader of the readers' batches, in turn (at least one reader; the
    first one's schema): each is made when the one before is read out and let go first, so one
    batch of reports is in memory at a time."""
    import pyarrow as pa

    held = [next(readers)]
    schema = held[0].schema

    def batches() -> Iterator[Any]:
        while held:
            yield from held.pop()
            following = next(readers, None)
            if following is not None:
                held.append(following)

    return pa.RecordBatchReader.from_batches(schema, batches())


DECISION_TEXT = {"confirmed": N_("confirmed"), "dismissed": N_("dismissed")}


# the findings of the reports a reviewer corrected, as the checks give them on the corrected values
# (register_rechecked), and those reports' ids
RECHECKED_FINDINGS = "_rechecked_findings"
RECHECKED_REPORTS = "_rechecked_reports"


def register_rechecked(con) -> bool:
    """Register on `con`, for `findings_query(rechecked=True)`, the findings of every current report
    with a reviewer's correction, checked again on the corrected values: the findings the letters,
    the summary and the office's pages show. False (nothing registered) when no report is corrected."""
    import pyarrow as pa

    from ..review.decisions import has_table

    if not has_table(con, "corrections"):
        return False
    ids = [rid for (rid,) in con.execute("SELECT DISTINCT report_id FROM corrections WHERE report_id IN "
                                         "(SELECT report_id FROM reports) ORDER BY report_id").fetchall()]
    if not ids:
        return False
    from ..review.inbox import stored_reports
    from .prepare import arrow_schema, finding_rows, to_batch

    rows = [row for rr in stored_reports(con, ids, decisions={}, report_decisions={})
            for row in finding_rows(rr.report_id, rr.corrected_record.findings)]
    con.register(RECHECKED_FINDINGS, pa.Table.from_batches([to_batch("findings", rows)]) if rows
                 else arrow_schema("findings").empty_table())
    con.register(RECHECKED_REPORTS, pa.table({"report_id": ids}))
    return True


def findings_query(filters: Filters, *, decisions: bool = True, rechecked: bool = False) -> tuple[str, list[Col]]:
    """One row per finding, with its fingerprint and a reviewer's decision on it (issue 11);
    `decisions=False` for a store made before the decision table existed (opened read-only).
    `rechecked`: the reports a reviewer corrected have the findings `register_rechecked` registered
    instead of those stored when they were read."""
    from ..review.fingerprint import SQL_FINGERPRINT

    cols = [c for c in REPORT_COLS if c.name in ("report_id", "agency", "agency_key", "province", "city", "county",
                                                  "region_code", "year", "template", "source_path")]
    cols += [
        Col("rule", "f.rule", N_("Rule"), "VARCHAR", N_("the rule id")),
        Col("severity", "f.severity", N_("Severity"), "VARCHAR", N_("error | warning | info")),
        Col("severity_text", _case("f.severity", SEVERITY_TEXT), N_("Severity (text)"), "VARCHAR",
            N_("the severity in words")),
        Col("origin", "f.origin", N_("Origin"), "VARCHAR",
            N_("source: the report is wrong; extraction: the reading is unsure")),
        Col("origin_text", _case("f.origin", ORIGIN_TEXT), N_("Origin (text)"), "VARCHAR", N_("the origin in words")),
        Col("message", "f.message", N_("Message"), "VARCHAR", N_("what is wrong")),
        Col("where_path", "f.where_path", N_("Where"), "VARCHAR", N_("the cell, row or table concerned")),
        Col("evidence", "f.evidence", N_("Evidence"), "VARCHAR", N_("where it stands in the source, and the text")),
        Col("scope", "f.scope", N_("Scope"), "VARCHAR", N_("report: the report's own; cross: across reports")),
        Col("other_report_id", "f.other_report_id", N_("Other report"), "VARCHAR",
            N_("cross-report findings: the report compared")),
        Col("fingerprint", "f.fingerprint", N_("Fingerprint"), "VARCHAR",
            N_("the finding's fingerprint: body, year, rule and place (the same in a resubmission)")),
        Col("decision", "d.kind", N_("Decision"), "VARCHAR", N_("a reviewer's decision: confirmed | dismissed")),
        Col("decision_text", _case("d.kind", DECISION_TEXT), N_("Decision (text)"), "VARCHAR",
            N_("the decision in words")),
        Col("dismissed", "coalesce(d.kind = 'dismissed', false)", N_("Dismissed"), "BOOLEAN",
            N_("a reviewer dismissed the finding")),
        Col("decision_note", "d.note", N_("Reviewer's note"), "VARCHAR", N_("the reviewer's note on the decision")),
        Col("reviewer", "d.reviewer", N_("Reviewer"), "VARCHAR", N_("who decided")),
        Col("decided_at", "d.decided_at", N_("Decided at"), "TIMESTAMP", N_("when")),
        Col("rechecked", f"r.report_id IN (SELECT report_id FROM {RECHECKED_REPORTS})" if rechecked else "false",
            N_("Checked after corrections"), "BOOLEAN",
            N_("a reviewer corrected the report: its findings are those of the corrected values")),
    ]
    only = f" AND {rule_condition(filters.rules, 'f')}" if filters.rules else ""
    source = ("findings" if not rechecked else
              f"(SELECT * FROM findings WHERE scope <> 'report' OR report_id NOT IN (SELECT report_id FROM "
              f"{RECHECKED_REPORTS}) UNION ALL BY NAME SELECT * FROM {RECHECKED_FINDINGS})")
    table = ("finding_decisions" if decisions else
             "(SELECT NULL::VARCHAR AS fingerprint, NULL::VARCHAR AS kind, NULL::VARCHAR AS note, "
             "NULL::VARCHAR AS reviewer, NULL::TIMESTAMP AS decided_at WHERE false)")
    sql = (f"WITH fx AS (SELECT f.*, {SQL_FINGERPRINT} AS fingerprint FROM {source} f JOIN reports r USING (report_id)) "
           f"SELECT {_select(cols)}, f.message_data AS message__data, f.evidence_data AS evidence__data "
           f"FROM reports r JOIN fx f USING (report_id) LEFT JOIN {table} d ON d.fingerprint = f.fingerprint "
           f"WHERE {filters.where('r')}{only} AND {_IN_BATCH} "
           f"ORDER BY {FINDINGS_REPORT_ORDER}, f.scope DESC, f.seq")
    return sql, cols


# the findings form's order, by report (the reports' part of it: see batched_by_report)
FINDINGS_REPORT_ORDER = "r.year, r.province, r.agency_name, r.report_id"
# where a query sorted by report takes one batch of reports: batched_by_report, which runs the
# query, puts the batch's condition there
_IN_BATCH = "__IN_BATCH__"
# reports whose findings are sorted at once: some 50,000 findings, a few tens of MB
FINDINGS_BATCH_REPORTS = 5_000


def batched_by_report(con, sql: str, report_order: str, filters: Filters, batch: int, rows: int = BATCH_ROWS) -> Any:
    """The record batches (an Arrow RecordBatchReader) of `sql`, a query sorted by `report_order`
    (the reports' columns, ending with the report id) and then within a report, run on `batch`
    reports at a time in that order: the same rows in the same order as one run, but sorted a batch
    at a time, so the memory does not grow with the store (one ORDER BY of every finding of a large
    store needs more than DuckDB's memory limit)."""
    ids = [rid for (rid,) in con.execute(f"SELECT r.report_id FROM reports r WHERE {filters.where('r')} "
                                         f"ORDER BY {report_order}").fetchall()]

    def run(part: list[str]) -> Any:
        try:
            return con.sql(sql.replace(_IN_BATCH, "r.report_id IN (SELECT unnest(?::VARCHAR[]))"),
                           params=[part]).to_arrow_reader(rows)
        except Exception as e:
            raise StoreError(str(e).splitlines()[0]) from None

    return _chained(run(ids[start:start + batch]) for start in range(0, max(len(ids), 1), batch))


def _select(cols: list[Col]) -> str:
    return ", ".join(f"{c.sql} AS {_ident(c.name)}" for c in cols)


def dictionary(cols: list[Col]) -> list[tuple[str, str, str, str]]:
    """(column, Chinese header, type, description) per column, in the current language."""
    return [(c.name, _(c.label) if c.translate else c.label, c.type, _(c.doc) if c.translate else c.doc)
            for c in cols]


# --- writing -----------------------------------------------------------------------------------
def export(db: str, to: str, *, form: str = "wide", filters: Optional[Filters] = None,
           fmt: Optional[str] = None, compression: Optional[str] = None, lang: Optional[str] = None,
           with_dictionary: bool = True, wait: Optional[float] = None) -> int:
    """Write the selected reports to `to`; returns the number of data rows written."""
    with use_language(lang):
        return _export(db, to, form=form, filters=filters or Filters(), fmt=fmt, compression=compression,
                       with_dictionary=with_dictionary, wait=wait)


def _export(db, to, *, form, filters, fmt, compression, with_dictionary, wait) -> int:
    if form not in FORMS:
        raise ExportError(_("unknown form {form!r} ({forms})", form=form, forms=", ".join(FORMS)))
    folder = os.path.dirname(os.path.abspath(to))
    if not os.path.isdir(folder):
        raise ExportError(_("{path}: the folder {folder} does not exist", path=to, folder=folder))
    if os.path.isdir(to):
        raise ExportError(_("{path} is a folder; give a file name", path=to))
    if not os.access(folder, os.W_OK):
        raise ExportError(_("{path}: the folder {folder} cannot be written", path=to, folder=folder))
    stem, ext = _split_ext(to)
    fmt = fmt or ext
    if fmt not in FORMATS:
        raise ExportError(_("cannot tell the format from {path!r}: use .xlsx, .csv or .parquet (or --format)",
                            path=to))
    if compression and fmt != "csv":
        raise ExportError(_("--compression applies to csv only (parquet is compressed already, xlsx is a zip)"))
    if compression and compression not in COMPRESSIONS:
        raise ExportError(_("unknown compression {name!r} ({names})", name=compression, names=", ".join(COMPRESSIONS)))
    kwargs = {"wait": wait} if wait is not None else {}
    with Store(db, read_only=True, **kwargs) as store:
        con = store.con
        if form in ("wide", "common"):
            sql, cols = wide_query(store, filters, common=form == "common")
        elif form == "long":
            cols = long_query(filters)[1]
        else:
            from ..review.decisions import has_table

            findings_sql, cols = findings_query(filters, decisions=has_table(con, "finding_decisions"),
                                                rechecked=register_rechecked(con))
        if fmt == "xlsx" and len(cols) > XLSX_MAX_COLUMNS:
            raise ExportError(_("{n} columns do not fit in an xlsx sheet; use csv or parquet", n=len(cols)))
        if form == "long":
            reader = long_batches(store, filters)
        elif form == "findings":
            reader = batched_by_report(con, findings_sql, FINDINGS_REPORT_ORDER, filters, FINDINGS_BATCH_REPORTS)
        else:
            try:
                reader = con.sql(sql).to_arrow_reader(BATCH_ROWS)
            except Exception as e:
                raise StoreError(str(e).splitlines()[0]) from None
        batches = _localized(reader)
        tmp = to + ".part"
        try:
            if fmt == "csv":
                n = _write_csv(tmp, cols, batches, compression)
            elif fmt == "parquet":
                n = _write_parquet(tmp, cols, batches)
            else:
                n = _write_xlsx(tmp, cols, batches, _(SHEET_NAMES[form]))
            os.replace(tmp, to)
        except OSError as e:
            raise ExportError(_("{path}: cannot be written ({reason})", path=to, reason=e.strerror or str(e))) from None
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    if with_dictionary and fmt != "xlsx":
        _write_dictionary(dictionary_path(to), cols)
    return n


SHEET_NAMES = {"wide": N_("reports"), "common": N_("reports (common view)"), "long": N_("cells"),
               "findings": N_("findings")}


def _split_ext(path: str) -> tuple[str, str]:
    base, ext = os.path.splitext(path)
    if ext.lower() in (".gz", ".bz2", ".zst", ".lz4"):
        base, inner = os.path.splitext(base)
        return base, inner.lower().lstrip(".")
    return base, ext.lower().lstrip(".")


def dictionary_path(to: str) -> str:
    """reports.csv.gz -> reports.dictionary.csv"""
    return _split_ext(to)[0] + ".dictionary.csv"


def _localized(reader) -> Iterator[Any]:
    """Record batches with messages rendered in the export language from their stored data (the
    `<col>__data` companions, then dropped)."""
    import pyarrow as pa

    cache: dict[str, Optional[str]] = {}
    for batch in reader:
        names = batch.schema.names
        data_cols = [n for n in names if n.endswith("__data")]
        if not data_cols:
            yield batch
            continue
        arrays = {n: batch.column(n) for n in names}
        for dn in data_cols:
            target = dn[: -len("__data")]
            texts = arrays[target].to_pylist()
            datas = arrays[dn].to_pylist()
            out = []
            for text, data in zip(texts, datas):
                if data is None:
                    out.append(text)
                    continue
                if data not in cache:
                    if len(cache) >= 10_000:  # (bounded: a store's messages are many, a batch's few)
                        cache.clear()
                    cache[data] = text_of(text, data)
                out.append(cache[data])
            arrays[target] = pa.array(out, pa.string())
        keep = [n for n in names if not n.endswith("__data")]
        yield pa.RecordBatch.from_arrays([arrays[n] for n in keep], names=keep)


def _defused(batch):
    """The batch with every text column made safe for a spreadsheet (formula injection)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arrays = []
    for col, f in zip(batch.columns, batch.schema):
        if pa.types.is_string(f.type) or pa.types.is_large_string(f.type):
            risky = pc.match_substring_regex(col, r"^[=+\-@\t\r]")
            col = pc.if_else(risky, pc.binary_join_element_wise("'", col, ""), col)
        arrays.append(col)
    return pa.RecordBatch.from_arrays(arrays, schema=batch.schema)


def _write_csv(path: str, cols: list[Col], batches, compression: Optional[str]) -> int:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    n = 0
    raw = pa.OSFile(path, "wb")
    sink = pa.CompressedOutputStream(raw, compression) if compression else raw
    try:
        sink.write(b"\xef\xbb\xbf")  # Excel needs the byte-order mark to read UTF-8 Chinese
        writer = None
        for batch in batches:
            batch = _defused(batch)
            if writer is None:
                writer = pacsv.CSVWriter(sink, batch.schema, write_options=pacsv.WriteOptions(quoting_style="needed"))
            writer.write_batch(batch)
            n += batch.num_rows
        if writer is None:  # no rows: the header alone
            sink.write((",".join(c.name for c in cols) + "\n").encode("utf-8"))
        else:
            writer.close()
    finally:
        sink.close()
        if sink is not raw:
            raw.close()
    return n


def _write_parquet(path: str, cols: list[Col], batches) -> int:
    import pyarrow.parquet as pq

    n = 0
    writer = None
    try:
        for batch in batches:
            if writer is None:
                writer = pq.ParquetWriter(path, batch.schema, compression="zstd")
            writer.write_batch(batch)
            n += batch.num_rows
        if writer is None:
            import pyarrow as pa

            pq.write_table(pa.table({c.name: pa.array([], pa.string()) for c in cols}), path)
    finally:
        if writer is not None:
            writer.close()
    return n


def _write_xlsx(path: str, cols: list[Col], batches, sheet: str) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)
    ws.freeze_panes = "C3"
    headers = dictionary(cols)
    for i, (name, label, _type, _doc) in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(i)].width = min(40, max(10, len(label) * 1.6, len(name) * 0.9))
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in ([h[0] for h in headers], [h[1] for h in headers]):  # ASCII names, then the Chinese headers
        cells = []
        for value in row:
            cell = _text_cell(ws, value, WriteOnlyCell)
            cell.font = bold
            cell.alignment = wrap
            cells.append(cell)
        ws.append(cells)
    n = 0
    for batch in batches:
        for row in batch.to_pylist():
            n += 1
            if n >= XLSX_MAX_ROWS - 1:
                raise ExportError(_("more than {n} rows do not fit in an xlsx sheet; use csv or parquet, or filter "
                                    "(--year, --region)", n=XLSX_MAX_ROWS - 2))
            ws.append([_xlsx_value(ws, v, WriteOnlyCell) for v in row.values()])
    info = wb.create_sheet(_("data dictionary"))
    info.append([_text_cell(info, _(t), WriteOnlyCell) for t in (N_("Column"), N_("Header"), N_("Type"),
                                                                  N_("Description"))])
    for entry in headers:
        info.append([_text_cell(info, t, WriteOnlyCell) for t in entry])
    for letter, width in zip("ABCD", (36, 40, 14, 80)):
        info.column_dimensions[letter].width = width
    wb.save(path)
    return n


def _text_cell(ws, value: str, cell_class):
    """A string cell that stays a string: never a formula, shown as typed (Excel's quote prefix)."""
    cell = cell_class(ws, value=value)
    cell.data_type = "s"
    if value and value.startswith(FORMULA_START):
        cell.quotePrefix = True
    return cell


def _xlsx_value(ws, value, cell_class):
    import decimal

    if isinstance(value, str):
        return _text_cell(ws, value, cell_class)
    if isinstance(value, decimal.Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    if isinstance(value, (list, tuple, dict)):
        return _text_cell(ws, json.dumps(value, ensure_ascii=False, default=str), cell_class)
    if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
        return value.replace(tzinfo=None)
    return value


def _write_dictionary(path: str, cols: list[Col]) -> None:
    import csv

    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(["column", _("Header"), "type", _("Description")])
        for name, label, typ, doc in dictionary(cols):
            w.writerow([_safe_text(name), _safe_text(label), typ, _safe_text(doc)])


__all__ = ["export", "Filters", "ExportError", "FORMS", "FORMATS", "COMPRESSIONS", "wide_query", "long_query",
           "findings_query", "batched_by_report", "register_rechecked", "dictionary", "dictionary_path", "Message"]
