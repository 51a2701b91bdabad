"""Read-only SQL over the store, and the summary `gongkai stats` prints."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from ..i18n import N_, _
from .writer import DEFAULT_WAIT, Store, StoreError


@dataclass
class Result:
    columns: list[str]
    rows: list[tuple]


def run_query(db: str, sql: str, params: Optional[list] = None, *, limit: Optional[int] = None,
              wait: float = DEFAULT_WAIT) -> Result:
    """Run one SQL statement on a read-only connection with no access to other files: a query can
    read the store and nothing else, and change nothing. While an ingest commits, it waits."""
    import duckdb

    allowed = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN, duckdb.StatementType.PRAGMA}
    try:
        kinds = {st.type for st in duckdb.extract_statements(sql)}
    except duckdb.Error as e:
        raise StoreError(str(e).strip().splitlines()[0]) from None
    # the cells' and sections' folders must be readable (their views read them), so no statement may write a file
    # (COPY, EXPORT) or change a setting
    if not kinds <= allowed:
        raise StoreError(_("only queries run here (SELECT, EXPLAIN, PRAGMA): the store is read-only and no "
                           "other file can be read or written"))
    with Store(db, read_only=True, wait=wait) as store:
        con = store.con
        con.execute("SET allowed_directories = ?", [[store.cells_folder + "/", store.sections_folder + "/"]])
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
        try:
            cursor = con.execute(sql, params or [])
        except duckdb.Error as e:
            raise StoreError(str(e).strip().splitlines()[0]) from None
        if cursor.description is None:
            return Result([], [])
        columns = [d[0] for d in cursor.description]
        rows = cursor.fetchmany(limit) if limit else cursor.fetchall()
        return Result(columns, rows)


LEVELS = ("province", "city", "county")
STATS_HEADERS: dict[str, str] = {
    "year": N_("year"),
    "region": N_("region"),
    "reports": N_("reports"),
    "agencies": N_("bodies"),
    "with_errors": N_("reports with errors"),
    "errors": N_("errors"),
    "warnings": N_("warnings"),
    "cross_findings": N_("cross-report findings"),
    "new_requests": N_("new requests"),
    "reconsiderations": N_("administrative reconsiderations"),
    "lawsuits": N_("lawsuits"),
}
UNKNOWN_REGION = N_("(region not recognised)")


def stats(db: str, *, by: str = "province", years: Optional[list[int]] = None) -> Result:
    """Reports, bodies, findings and headline numbers per year and region."""
    if by not in LEVELS:
        raise StoreError(_("--by must be one of {levels}", levels=", ".join(LEVELS)))
    h = {k: _(v).replace('"', "'") for k, v in STATS_HEADERS.items()}
    unknown = _(UNKNOWN_REGION).replace("'", "''")
    region = {"province": "r.province",
              "city": "concat_ws('', r.province, CASE WHEN r.city <> r.province THEN r.city END)",
              "county": "concat_ws('', r.province, CASE WHEN r.city <> r.province THEN r.city END, r.county)"}[by]
    year_filter = f"WHERE r.year IN ({', '.join(str(int(y)) for y in years)})" if years else ""
    sql = f"""
        WITH f AS (
            SELECT report_id,
                   count(*) FILTER (WHERE severity = 'error') AS errors,
                   count(*) FILTER (WHERE severity = 'warning') AS warnings,
                   count(*) FILTER (WHERE scope = 'cross') AS cross_findings
            FROM findings GROUP BY report_id),
        n AS (
            SELECT report_id,
                   max(value) FILTER (WHERE path = 'requests.new_received.total') AS new_requests,
                   max(value) FILTER (WHERE path = 'appeals.reconsideration.total') AS reconsiderations,
                   sum(value) FILTER (WHERE path IN ('appeals.litigation_direct.total',
                                                     'appeals.litigation_after_reconsideration.total')) AS lawsuits
            FROM cells WHERE path IN ('requests.new_received.total', 'appeals.reconsideration.total',
                                      'appeals.litigation_direct.total',
                                      'appeals.litigation_after_reconsideration.total')
            GROUP BY report_id)
        SELECT r.year AS "{h['year']}",
               coalesce(nullif({region}, ''), '{unknown}') AS "{h['region']}",
               count(*) AS "{h['reports']}",
               count(DISTINCT r.agency_key) AS "{h['agencies']}",
               count(*) FILTER (WHERE coalesce(f.errors, 0) > 0) AS "{h['with_errors']}",
               coalesce(sum(f.errors), 0) AS "{h['errors']}",
               coalesce(sum(f.warnings), 0) AS "{h['warnings']}",
               coalesce(sum(f.cross_findings), 0) AS "{h['cross_findings']}",
               CAST(sum(n.new_requests) AS BIGINT) AS "{h['new_requests']}",
               CAST(sum(n.reconsiderations) AS BIGINT) AS "{h['reconsiderations']}",
               CAST(sum(n.lawsuits) AS BIGINT) AS "{h['lawsuits']}"
        FROM reports r LEFT JOIN f USING (report_id) LEFT JOIN n USING (report_id)
        {year_filter}
        GROUP BY ALL
        ORDER BY 1 NULLS LAST, 2
    """
    return run_query(db, sql)


def summary(db: str) -> dict[str, Any]:
    """Totals for the footer of `gongkai stats`."""
    with Store(db, read_only=True) as store:
        (reports, agencies, files, failures, cross, history) = store.con.execute("""
            SELECT (SELECT count(*) FROM reports), (SELECT count(DISTINCT agency_key) FROM reports),
                   (SELECT count(*) FROM files), (SELECT count(*) FROM failures),
                   (SELECT count(*) FROM findings WHERE scope = 'cross'),
                   (SELECT count(*) FROM reports_history)""").fetchone()
    return {"reports": reports, "agencies": agencies, "files": files, "failures": failures, "cross": cross,
            "history": history}
