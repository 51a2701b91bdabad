"""The store's tables (DuckDB), declared once: the DDL, the Arrow schemas the workers fill and the
data dictionary (docs/data.md) are all made from `TABLES` below.

`report_id` is the SHA-256 of the source bytes: the same bytes are one report however many paths
or URLs hold them. Column names avoid SQL keywords so queries need no quoting.

The cells and sections are not in the DuckDB file: each chunk of reports' cells (sections) is a
Parquet file in `<store>.cells/` (`<store>.sections/`), written by the worker that read them, and
`cells`, `sections` and their `_history` are views over the files the reports name (see
shards.py). `CELLS` and `SECTIONS` below declare their columns all the same.

Versions of a report: the tables `reports`, `cells`, `findings`, `sections` hold the *current*
report of every body and year, and only those, so every count, chart and cross-report check
reads current reports without a filter. A report superseded by a later version of the same body
and year is moved, whole, to the `*_history` tables (`reports_history.superseded_by` names its
successor); `gongkai history BODY` lists both.
"""
from __future__ import annotations

from dataclasses import dataclass

SCHEMA_VERSION = "3"


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # DuckDB type
    doc: str
    key: bool = False  # PRIMARY KEY


@dataclass(frozen=True)
class Table:
    name: str
    doc: str
    columns: tuple[Column, ...]
    history: bool = False  # has a `<name>_history` twin for superseded versions
    view: bool = False  # not a table in the DuckDB file: a view over Parquet files (cells, sections)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def ddl(self, name: str | None = None, extra: tuple[Column, ...] = (), keys: bool = True) -> str:
        cols = [f"    {c.name} {c.type}{' PRIMARY KEY' if c.key and keys else ''}" for c in self.columns + extra]
        return f"CREATE TABLE IF NOT EXISTS {name or self.name} (\n" + ",\n".join(cols) + "\n);"


C = Column

REPORTS = Table("reports", "one row per current report: a distinct source document, the latest version of its "
                           "body and year", (
    C("report_id", "VARCHAR", "SHA-256 of the source bytes", key=True),
    C("source_path", "VARCHAR", "the first path or URL it was read from"),
    C("media_type", "VARCHAR", "the format sniffed from the bytes (text/plain, application/pdf, …)"),
    C("size", "BIGINT", "bytes"),
    C("agency", "VARCHAR", "the body's name as the report gives it"),
    C("agency_name", "VARCHAR", "the name normalised: Simplified, no spaces"),
    C("agency_body", "VARCHAR", "the body without its region: 人民政府, 公安局"),
    C("agency_key", "VARCHAR", "links one body's reports across years: 320813:人民政府 (a key starting with ? links "
                               "nothing: the region is ambiguous)"),
    C("province", "VARCHAR", "province-level division"),
    C("city", "VARCHAR", "prefecture-level division"),
    C("county", "VARCHAR", "county-level division"),
    C("region_code", "VARCHAR", "GB/T 2260 code (6 digits) of the deepest level found"),
    C("region_level", "VARCHAR", "province | city | county"),
    C("region_note", "VARCHAR", "why the region is empty or how an ambiguous name was resolved"),
    C("year", "INTEGER", "the statistical year the report covers"),
    C("template", "VARCHAR", "2021 | 2019: the national template its tables follow"),
    C("parser_version", "VARCHAR", "the parser (and checks) version that read it"),
    C("parser", "VARCHAR", "the record's parser block, JSON"),
    C("checked", "BOOLEAN", "whether the per-report checks ran"),
    C("keep_both", "BOOLEAN", "stored with --keep-both: neither supersedes nor is superseded by another version"),
    C("n_cells", "INTEGER", "table cells in the record"),
    C("n_null_cells", "INTEGER", "cells without a value (blank, dash or unreadable)"),
    C("n_findings", "INTEGER", "findings of the record itself (scope report)"),
    C("n_errors", "INTEGER", "findings of severity error on this report, its own and the cross-report ones"),
    C("n_warnings", "INTEGER", "findings of severity warning on this report, its own and the cross-report ones"),
    C("n_infos", "INTEGER", "findings of severity info on this report, its own and the cross-report ones"),
    C("narrative_chars", "INTEGER", "characters of narrative text (the prose parts)"),
    C("cells_digest", "VARCHAR", "SHA-1 of every cell's path and value: equal tables, equal digest"),
    C("title", "VARCHAR", "the report's title as printed"),
    C("preamble", "VARCHAR", "the words before part 一 (who compiled it, the period it covers)"),
    C("published", "DATE", "when it was published (the page's date, the date under the signature, or as given)"),
    C("ingested_at", "TIMESTAMP", "when this version was stored"),
    C("cells_file", "VARCHAR", "the Parquet file in the store's cells folder (<store>.cells/) that holds its cells, "
                               "and in its sections folder (<store>.sections/) its sections"),
), history=True)

CELLS = Table("cells", "one row per table cell of a current report, with where it was read and how (a view over "
                       "the Parquet files of the store's cells folder, <store>.cells/, that the reports name)", (
    C("report_id", "VARCHAR", "the report"),
    C("ord", "INTEGER", "position in the record"),
    C("path", "VARCHAR", "the record path: requests.total.commercial"),
    C("table_key", "VARCHAR", "active | requests | appeals"),
    C("row_key", "VARCHAR", "the row's key in the record"),
    C("field_key", "VARCHAR", "the column's key in the record"),
    C("value", "DOUBLE", "the number as read (exact: counts are integers below 2^53, money has at most 4 "
                         "decimals); NULL: blank, a dash, or unreadable — see status"),
    C("raw", "VARCHAR", "the text the value was read from; NULL where the reader could not read it surely "
                        "(never a replacement character)"),
    C("location", "VARCHAR", "where it stands, for a person: line 57, page 3"),
    C("line", "INTEGER", "1-based line (text)"),
    C("page", "INTEGER", "1-based page (PDF, scans)"),
    C("dom_path", "VARCHAR", "the table cell in the HTML/DOCX grid"),
    C("bbox", "DOUBLE[]", "x0, y0, x1, y1 on the page (PDF, scans)"),
    C("confidence", "DOUBLE", "OCR confidence"),
    C("char", "INTEGER", "0-based character offset of the raw text in its line"),
    C("label", "VARCHAR", "the row's label as printed"),
    C("extra", "VARCHAR", "JSON: provenance fields newer than this schema"),
    C("status", "VARCHAR", "read | inferred | unreadable | blank (corrected: see the cell_status view)"),
    C("status_rule", "VARCHAR", "the rule of the finding that explains an inferred or unreadable cell"),
    C("status_seq", "INTEGER", "that finding's seq in findings (scope report)"),
), history=True, view=True)

FINDINGS = Table("findings", "one row per finding: the record's own (scope report) and the cross-report checks' "
                             "(scope cross)", (
    C("report_id", "VARCHAR", "the report it is about"),
    C("seq", "INTEGER", "order within the report and scope"),
    C("rule", "VARCHAR", "the rule id: GK201, split-inferred, GK901 …"),
    C("severity", "VARCHAR", "error | warning | info"),
    C("origin", "VARCHAR", "source (the report is wrong) | extraction (the reading is unsure)"),
    C("message", "VARCHAR", "what is wrong, in the language of the ingest (Chinese by default)"),
    C("where_path", "VARCHAR", "the cell, row or table concerned: requests.total.total, sections"),
    C("evidence", "VARCHAR", "where it stands in the source and the text there"),
    C("scope", "VARCHAR", "report | cross"),
    C("other_report_id", "VARCHAR", "cross-report findings: the other report compared"),
    C("message_data", "VARCHAR", "JSON of the message's msgid and arguments, to show it in another language "
                                 "(NULL: plain text)"),
    C("evidence_data", "VARCHAR", "the same for evidence"),
), history=True)

SECTIONS = Table("sections", "one row per numbered part of a current report (a view over the Parquet files of the "
                             "store's sections folder, <store>.sections/, that the reports name)", (
    C("report_id", "VARCHAR", "the report"),
    C("seq", "INTEGER", "order"),
    C("number", "INTEGER", "the part's number (一 = 1 …)"),
    C("title", "VARCHAR", "its title"),
    C("text", "VARCHAR", "its text"),
), history=True, view=True)

NARRATIVES = Table("narratives", "MinHash signature of a current report's narrative (see narrative.py)", (
    C("report_id", "VARCHAR", "the report"),
    C("signature", "UINTEGER[]", "128 one-permutation MinHash bins"),
))

NARRATIVE_BANDS = Table("narrative_bands", "LSH band buckets of the signatures: candidate pairs of GK903", (
    C("report_id", "VARCHAR", "the report"),
    C("band", "TINYINT", "band number"),
    C("bucket", "BIGINT", "hash of the band"),
))

FILES = Table("files", "one row per input (file path or URL) ever given to an ingest, and what became of it", (
    C("path", "VARCHAR", "absolute path or URL", key=True),
    C("sha256", "VARCHAR", "SHA-256 of its bytes (NULL when not read)"),
    C("size", "BIGINT", "bytes"),
    C("mtime_ns", "BIGINT", "modification time when read"),
    C("status", "VARCHAR", "report | failed | skipped | removed"),
    C("reason", "VARCHAR", "why it was skipped or removed"),
    C("seen_at", "TIMESTAMP", "when the last ingest saw it"),
))

FAILURES = Table("failures", "inputs that gave no record, and why", (
    C("path", "VARCHAR", "absolute path or URL", key=True),
    C("sha256", "VARCHAR", "SHA-256 of its bytes"),
    C("reason", "VARCHAR", "the reader's reason, for a person"),
    C("kind", "VARCHAR", "read | internal | crash | timeout | fetch"),
    C("parser_version", "VARCHAR", "the parser that failed (a new one retries)"),
    C("failed_at", "TIMESTAMP", "when"),
))

CORRECTIONS = Table("corrections", "a reviewer's correction of a cell (issue 11's layer: never overwrites what "
                                   "was read; the cell_status view shows it as status corrected)", (
    C("report_id", "VARCHAR", "the report"),
    C("path", "VARCHAR", "the cell"),
    C("value", "DOUBLE", "the corrected value (NULL: the cell should be empty)"),
    C("reviewer", "VARCHAR", "who"),
    C("note", "VARCHAR", "why"),
    C("origin", "VARCHAR", "reviewer"),
    C("corrected_at", "TIMESTAMP", "when"),
))

FINDING_DECISIONS = Table("finding_decisions", "a reviewer's decision on a finding (issue 11): 确认 confirmed or "
                                               "驳回 dismissed, kept by the finding's fingerprint so it outlives "
                                               "re-ingest and an unchanged finding of a resubmission", (
    C("fingerprint", "VARCHAR", "16 hex characters: the body's agency key, year, rule, where and occurrence, hashed "
                                "(gongkai.review.fingerprint)", key=True),
    C("agency_key", "VARCHAR", "the body when it was decided"),
    C("year", "INTEGER", "the report's year"),
    C("rule", "VARCHAR", "the finding's rule"),
    C("where_path", "VARCHAR", "the finding's place"),
    C("kind", "VARCHAR", "confirmed | dismissed"),
    C("note", "VARCHAR", "the reviewer's note"),
    C("reviewer", "VARCHAR", "who"),
    C("decided_at", "TIMESTAMP", "when"),
))

REPORT_DECISIONS = Table("report_decisions", "a reviewer's decision on a body's report of a year (issue 11): 退回 "
                                             "returned or 通过 approved", (
    C("agency_key", "VARCHAR", "the body (a report of no known body: # and its report id)"),
    C("year", "INTEGER", "the year"),
    C("kind", "VARCHAR", "returned | approved"),
    C("note", "VARCHAR", "the reviewer's note"),
    C("reviewer", "VARCHAR", "who"),
    C("decided_at", "TIMESTAMP", "when"),
    C("report_id", "VARCHAR", "the version decided on (a later resubmission of the body and year keeps the decision, "
                              "marked as made on an earlier version)"),
))

LABELS = Table("labels", "the Chinese header of every cell path (from gongkai.vocabulary)", (
    C("path", "VARCHAR", "the record path"),
    C("table_key", "VARCHAR", "table"),
    C("row_key", "VARCHAR", "row"),
    C("field_key", "VARCHAR", "column"),
    C("table_label", "VARCHAR", "主动公开 | 依申请公开 | 复议诉讼"),
    C("row_label", "VARCHAR", "the template's row label"),
    C("field_label", "VARCHAR", "the template's column label"),
    C("header", "VARCHAR", "依申请公开｜（七）总计｜商业企业"),
    C("ord", "INTEGER", "template order"),
    C("money", "BOOLEAN", "a money amount (万元), not a count"),
    C("templates", "VARCHAR", "the templates that have this cell: 2021, 2019 or 2021,2019"),
    C("common_path", "VARCHAR", "its path in the common 2019/2021 view (NULL: template-specific)"),
))

META = Table("meta", "the store's schema version", (
    C("key", "VARCHAR", "name", key=True),
    C("value", "VARCHAR", "value"),
))

ALL_TABLES: tuple[Table, ...] = (META, REPORTS, CELLS, FINDINGS, SECTIONS, NARRATIVES, NARRATIVE_BANDS, FILES,
                                 FAILURES, CORRECTIONS, FINDING_DECISIONS, REPORT_DECISIONS, LABELS)
BY_NAME = {t.name: t for t in ALL_TABLES}
# what a report is made of: moved together to history, removed together
REPORT_TABLES = (REPORTS, CELLS, FINDINGS, SECTIONS)
HISTORY_COLUMNS = (C("superseded_by", "VARCHAR", "the report that replaced this version (NULL: removed later)"),
                   C("superseded_at", "TIMESTAMP", "when"))


def history_ddl() -> str:
    out = []
    for t in REPORT_TABLES:
        if t.view:
            continue
        extra = HISTORY_COLUMNS if t is REPORTS else ()
        out.append(t.ddl(f"{t.name}_history", extra, keys=False))
    return "\n".join(out)


DDL = "\n".join(t.ddl() for t in ALL_TABLES if not t.view) + "\n" + history_ddl()

VIEWS = """
-- one body's reports across years, with every name it used
CREATE OR REPLACE VIEW agencies AS
SELECT agency_key,
       arg_max(agency_name, year) AS agency_name,
       any_value(province) AS province, any_value(city) AS city, any_value(county) AS county,
       any_value(region_code) AS region_code,
       count(*) AS reports, min(year) AS first_year, max(year) AS last_year,
       list(DISTINCT agency_name) AS names
FROM reports WHERE agency_key IS NOT NULL GROUP BY agency_key;

-- consecutive years of one body: the pairs the cross-year checks compare (a key starting with
-- '?' is a county name shared by several places: it links nothing)
CREATE OR REPLACE VIEW year_links AS
SELECT cur.agency_key, prev.year AS prev_year, cur.year AS year,
       prev.report_id AS prev_report_id, cur.report_id AS report_id,
       prev.agency_name AS prev_agency_name, cur.agency_name AS agency_name
FROM reports cur JOIN reports prev
  ON prev.agency_key = cur.agency_key AND prev.year = cur.year - 1
WHERE cur.agency_key NOT LIKE '?%';

CREATE OR REPLACE VIEW cells_labeled AS
SELECT c.*, l.header, l.table_label, l.row_label, l.field_label
FROM cells c LEFT JOIN labels l USING (path);

-- every cell with its status, a reviewer's correction (issue 11) taking precedence: the value as
-- read stays in `value`, the corrected one is in `corrected_value`
CREATE OR REPLACE VIEW cell_status AS
SELECT c.report_id, c.path, c.value,
       CASE WHEN k.report_id IS NOT NULL THEN 'corrected' ELSE c.status END AS status,
       CASE WHEN k.report_id IS NOT NULL THEN k.value END AS corrected_value,
       c.status AS read_status, c.status_rule, c.status_seq, k.reviewer, k.note
FROM cells c LEFT JOIN (SELECT report_id, path, arg_max(value, corrected_at) AS value,
                               arg_max(reviewer, corrected_at) AS reviewer, arg_max(note, corrected_at) AS note
                        FROM corrections GROUP BY report_id, path) k USING (report_id, path);

-- the common view of both templates: cells whose meaning is the same in 2019 and 2021, under one
-- path (labels.common_path); template-specific cells are left out
CREATE OR REPLACE VIEW common_cells AS
SELECT c.report_id, l.common_path AS path, c.value, c.status
FROM cells c JOIN labels l USING (path)
WHERE l.common_path IS NOT NULL;

-- every version of every body's reports: current and superseded
CREATE OR REPLACE VIEW report_versions AS
SELECT report_id, agency, agency_key, agency_name, year, source_path, ingested_at, keep_both,
       'current' AS state, NULL::VARCHAR AS superseded_by, NULL::TIMESTAMP AS superseded_at
FROM reports
UNION ALL
SELECT report_id, agency, agency_key, agency_name, year, source_path, ingested_at, keep_both,
       'superseded' AS state, superseded_by, superseded_at
FROM reports_history;
"""

TABLES = tuple(t.name for t in ALL_TABLES if t.name not in ("meta", "labels"))
