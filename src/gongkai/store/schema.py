"""The store's tables (DuckDB). One row per report, per cell, per finding, per input file.

`report_id` is the SHA-256 of the source bytes: the same bytes are one report however many paths
or URLs hold them. Column names avoid SQL keywords so queries need no quoting.
"""
from __future__ import annotations

SCHEMA_VERSION = "1"

DDL = """
CREATE TABLE IF NOT EXISTS meta (
    key VARCHAR PRIMARY KEY,
    value VARCHAR
);

-- one row per distinct source document that was read into a record
CREATE TABLE IF NOT EXISTS reports (
    report_id VARCHAR PRIMARY KEY,      -- sha256 of the source bytes
    source_path VARCHAR,                -- the first path or URL it was read from
    media_type VARCHAR,
    size BIGINT,
    agency VARCHAR,                     -- the name as the report gives it
    agency_name VARCHAR,                -- Simplified, no spaces
    agency_body VARCHAR,                -- the body without its region: 人民政府, 公安局
    agency_key VARCHAR,                 -- links one body's reports across years: 320813:人民政府
    province VARCHAR,
    city VARCHAR,
    county VARCHAR,
    region_code VARCHAR,                -- GB/T 2260, 6 digits, of the deepest level found
    region_level VARCHAR,               -- province | city | county
    region_note VARCHAR,
    year INTEGER,
    template VARCHAR,
    parser_version VARCHAR,
    parser VARCHAR,                     -- the record's parser block, JSON
    checked BOOLEAN,                    -- whether the checks ran
    n_cells INTEGER,
    n_null_cells INTEGER,
    n_findings INTEGER,
    n_errors INTEGER,
    n_warnings INTEGER,
    narrative_chars INTEGER,
    cells_digest VARCHAR,               -- SHA-1 of every cell's path and value: equal tables, equal digest
    title VARCHAR,                      -- the report's title as printed
    preamble VARCHAR,                   -- the words before part 一
    published DATE,                     -- when it was published (page, signature, or as given)
    ingested_at TIMESTAMP
);

-- one row per table cell, with where it was read
CREATE TABLE IF NOT EXISTS cells (
    report_id VARCHAR,
    ord INTEGER,                        -- position in the record
    path VARCHAR,                       -- requests.total.commercial
    table_key VARCHAR,
    row_key VARCHAR,
    field_key VARCHAR,
    value DOUBLE,                       -- NULL: blank, a dash, or unreadable
    raw VARCHAR,
    location VARCHAR,                   -- human-readable: "line 57", "page 3"
    line INTEGER,
    page INTEGER,
    dom_path VARCHAR,
    bbox DOUBLE[],
    confidence DOUBLE,
    char INTEGER,                       -- character offset of the raw text in its line
    label VARCHAR,                      -- the row's label as printed
    extra VARCHAR                       -- JSON: provenance fields newer than this schema
);

-- the record's findings (scope 'report') and the cross-report checks' (scope 'cross')
CREATE TABLE IF NOT EXISTS findings (
    report_id VARCHAR,
    seq INTEGER,
    rule VARCHAR,
    severity VARCHAR,
    origin VARCHAR,
    message VARCHAR,
    where_path VARCHAR,
    evidence VARCHAR,
    scope VARCHAR,
    other_report_id VARCHAR
);

CREATE TABLE IF NOT EXISTS sections (
    report_id VARCHAR,
    seq INTEGER,
    number INTEGER,
    title VARCHAR,
    text VARCHAR
);

-- MinHash signature of the narrative and its LSH band buckets (see narrative.py)
CREATE TABLE IF NOT EXISTS narratives (
    report_id VARCHAR,
    signature UINTEGER[]
);
CREATE TABLE IF NOT EXISTS narrative_bands (
    report_id VARCHAR,
    band TINYINT,
    bucket BIGINT
);

-- every input (file path or URL) and what it holds
CREATE TABLE IF NOT EXISTS files (
    path VARCHAR PRIMARY KEY,
    sha256 VARCHAR,
    size BIGINT,
    mtime_ns BIGINT,
    status VARCHAR,                     -- report | failed
    seen_at TIMESTAMP
);

-- inputs that gave no record, and why
CREATE TABLE IF NOT EXISTS failures (
    path VARCHAR PRIMARY KEY,
    sha256 VARCHAR,
    reason VARCHAR,
    kind VARCHAR,                       -- read | internal | crash | timeout | fetch
    parser_version VARCHAR,
    failed_at TIMESTAMP
);

-- the Chinese header of every cell path (from gongkai.vocabulary), for exports and queries
CREATE TABLE IF NOT EXISTS labels (
    path VARCHAR,
    table_key VARCHAR,
    row_key VARCHAR,
    field_key VARCHAR,
    table_label VARCHAR,
    row_label VARCHAR,
    field_label VARCHAR,
    header VARCHAR,
    ord INTEGER
);
"""

# Columns added to `reports` after schema 1 was written: a store of schema 1 gains them when opened
# for writing (their values arrive as its reports are read again).
ADDED_REPORT_COLUMNS = (("title", "VARCHAR"), ("preamble", "VARCHAR"), ("published", "DATE"))

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
"""

TABLES = ("reports", "cells", "findings", "sections", "narratives", "narrative_bands", "files", "failures")
