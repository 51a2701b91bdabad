"""Read-only queries on a store (the DuckDB file `gongkai ingest` writes; schema in
gongkai/store/schema.py): the lists, records, bodies, charts and comparisons the pages show.

The file is opened with `read_only=True`: the server can never change it. It is opened through
gongkai.store.live.LiveStore, which lets an ingest commit while the server runs (the connection
is let go while the ingest commits and opened again after, so new reports show without a
restart); `version()` changes with every commit, for caches. One connection is shared; each query
takes a lock and its own cursor because FastAPI runs handlers in threads.
"""
from __future__ import annotations

import re
import threading
from collections import defaultdict
from typing import Any, Iterable, Optional

from ..render import layout as L
from .. import vocabulary as V
from ..i18n import _
from .review import cell_label

# --- chart vocabularies (labels from gongkai.vocabulary) ---------------------------------------------
_GROUP_LABEL_RE = re.compile(r"^（[一二三四五六七]）[^（ ]*")


def _short(label: str) -> str:
    label = label.removeprefix(L.OUTCOME_HEADER)
    m = _GROUP_LABEL_RE.match(label)
    return m.group(0) if m else label


# Outcome groups of table 三: key, label, SQL predicate on row_key.
OUTCOME_GROUPS: tuple[tuple[str, str, str], ...] = (
    ("granted", _short(V.ALL_REQUEST_ROW_LABELS["granted"]), "row_key = 'granted'"),
    ("partially_granted", _short(V.ALL_REQUEST_ROW_LABELS["partially_granted"]), "row_key = 'partially_granted'"),
    ("denied", _short(V.ALL_REQUEST_ROW_LABELS["denied_state_secret"]), "row_key LIKE 'denied\\_%' ESCAPE '\\'"),
    ("unavailable", _short(V.ALL_REQUEST_ROW_LABELS["unavailable_not_held"]),
     "row_key LIKE 'unavailable\\_%' ESCAPE '\\'"),
    ("not_processed", _short(V.ALL_REQUEST_ROW_LABELS["not_processed_complaint"]),
     "row_key LIKE 'not\\_processed\\_%' ESCAPE '\\'"),
    ("other", _short(V.REQUEST_ROW_OTHER_SINGLE.label), "(row_key = 'other' OR row_key LIKE 'other\\_%' ESCAPE '\\')"),
)
_OUTCOME_CASE = "CASE " + " ".join(f"WHEN {pred} THEN '{key}'" for key, _, pred in OUTCOME_GROUPS) + " END"
APPLICANTS = V.APPLICANT_COLUMNS[:-1]
# Key cells of a body's page, year by year.
BODY_ROWS: tuple[str, ...] = (
    ("requests.new_received.total", "requests.carried_over.total")
    + tuple(f"requests.new_received.{c}" for c in APPLICANTS)
    + tuple(f"requests.{r.key}.total" for r in V.REQUEST_ROWS_HEAD[2:])
    + ("requests.other.total",) + tuple(f"requests.{r.key}.total" for r in V.REQUEST_ROWS_OTHER_2021)
    + ("requests.total.total", "requests.carried_forward.total")
    + tuple(f"appeals.{g}.{f}" for g in V.APPEAL_GROUPS for f in V.APPEAL_FIELDS)
)
DECIMAL_FIELDS = {f for s in V.ACTIVE_ROWS_2021 + V.ACTIVE_ROWS_2019 for f in s.decimal_fields}


def open_store(path: str) -> "StoreView":
    return StoreView(path)


def _number(value: Optional[float]) -> Optional[float | int]:
    """Counts come back from DOUBLE columns as integers again; money keeps its decimals."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def _region(row: dict[str, Any]) -> Optional[str]:
    parts = [row.get("province"), row.get("city"), row.get("county")]
    out: list[str] = []
    for p in parts:
        if p and p not in out:
            out.append(p)
    return " ".join(out) or None


def body_id(agency_key: Optional[str], agency: Optional[str]) -> Optional[str]:
    """What identifies a body in URLs: the store's agency key, or the name when it has none."""
    return agency_key or agency


class StoreView:
    # -- opening and refreshing (the store's side: gongkai/store/live.py) -----------------------------
    def __init__(self, path: str):
        from ..store.live import LiveStore

        self.path = path
        # the store's own opener: read-only, schema version checked, clear errors (StoreError), and
        # ingests may commit while we serve
        self._live = LiveStore(path)
        self._lock = threading.Lock()
        self._rule_names: Optional[dict[str, str]] = None

    def close(self) -> None:
        self._live.close()

    def version(self) -> tuple:
        """Changes with every commit to the store: key caches on it."""
        return self._live.version()

    # -- plumbing -------------------------------------------------------------------------------------
    def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        with self._live.reading() as store, self._lock:
            cur = store.con.cursor()
            try:
                cur.execute(sql, list(params))
                names = [d[0] for d in cur.description]
                return [dict(zip(names, row)) for row in cur.fetchall()]
            finally:
                cur.close()

    def rule_names(self) -> dict[str, str]:
        if self._rule_names is None:
            try:
                from ..checks import rules

                self._rule_names = {r.code: r.name for r in rules()}
            except ImportError:
                self._rule_names = {}
        return self._rule_names

    def _rule_code(self, rule: str) -> str:
        by_name = {name: code for code, name in self.rule_names().items()}
        return by_name.get(rule, rule)

    # -- lists ----------------------------------------------------------------------------------------
    def count(self) -> int:
        return self._rows("SELECT count(*) AS n FROM reports")[0]["n"]

    def facets(self) -> dict[str, Any]:
        years = self._rows("SELECT year AS value, count(*) AS count FROM reports WHERE year IS NOT NULL "
                           "GROUP BY year ORDER BY year DESC")
        regions = self._rows(
            "SELECT value, count(DISTINCT report_id) AS count FROM ("
            " SELECT report_id, province AS value FROM reports UNION ALL"
            " SELECT report_id, city FROM reports UNION ALL SELECT report_id, county FROM reports)"
            " WHERE value IS NOT NULL GROUP BY value ORDER BY count DESC, value")
        agencies = self._rows(
            "SELECT coalesce(agency_key, agency) AS value, arg_max(coalesce(agency_name, agency), year) AS label,"
            " count(*) AS count FROM reports WHERE coalesce(agency_key, agency) IS NOT NULL"
            " GROUP BY 1 ORDER BY label")
        names = self.rule_names()
        rules = self._rows("SELECT rule AS value, count(DISTINCT report_id) AS count FROM findings "
                           "GROUP BY rule ORDER BY count DESC, rule")
        for r in rules:
            r["label"] = f"{r['value']} {names[r['value']]}" if r["value"] in names else r["value"]
        return {"years": years, "regions": regions, "agencies": agencies, "rules": rules}

    _SUMMARY_SQL = """
        SELECT r.report_id AS id, r.agency, r.agency_name, r.agency_key, r.year, r.template, r.source_path AS source,
               r.province, r.city, r.county,
               coalesce(f.error, 0) AS error, coalesce(f.warning, 0) AS warning, coalesce(f.info, 0) AS info,
               t.value AS requests_total
        FROM reports r
        LEFT JOIN (SELECT report_id, count_if(severity = 'error') AS error, count_if(severity = 'warning') AS warning,
                          count_if(severity = 'info') AS info FROM findings GROUP BY report_id) f USING (report_id)
        LEFT JOIN (SELECT report_id, value FROM cells WHERE path = 'requests.total.total') t USING (report_id)
    """

    def _summary(self, row: dict[str, Any]) -> dict[str, Any]:
        return {"id": row["id"], "agency": row["agency"], "year": row["year"], "region": _region(row),
                "template": row["template"], "source": row["source"],
                "body": body_id(row["agency_key"], row["agency"]),
                "counts": {"error": row["error"], "warning": row["warning"], "info": row["info"]},
                "requests_total": _number(row["requests_total"])}

    def reports(self, *, year: Optional[int] = None, region: Optional[str] = None, agency: Optional[str] = None,
                rule: Optional[str] = None, severity: Optional[str] = None, limit: int = 100,
                offset: int = 0) -> dict[str, Any]:
        where, params = [], []
        if year is not None:
            where.append("r.year = ?")
            params.append(year)
        if region:
            where.append("(r.province = ? OR r.city = ? OR r.county = ?)")
            params += [region] * 3
        if agency:
            where.append("(r.agency_key = ? OR contains(r.agency, ?) OR contains(r.agency_name, ?))")
            params += [agency] * 3
        if rule:
            where.append("r.report_id IN (SELECT report_id FROM findings WHERE rule = ?)")
            params.append(self._rule_code(rule))
        if severity:
            where.append("r.report_id IN (SELECT report_id FROM findings WHERE severity = ?)")
            params.append(severity)
        clause = (" WHERE " + " AND ".join(where)) if where else ""
        total = self._rows(f"SELECT count(*) AS n FROM reports r{clause}", params)[0]["n"]
        rows = self._rows(f"{self._SUMMARY_SQL}{clause} ORDER BY r.year DESC NULLS LAST, r.agency, r.report_id "
                          "LIMIT ? OFFSET ?", params + [limit, offset])
        return {"total": total, "offset": offset, "limit": limit, "items": [self._summary(r) for r in rows]}

    def summary(self, report_id: str) -> Optional[dict[str, Any]]:
        rows = self._rows(f"{self._SUMMARY_SQL} WHERE r.report_id = ?", [report_id])
        return self._summary(rows[0]) if rows else None

    # -- one record -----------------------------------------------------------------------------------
    def record(self, report_id: str) -> Optional[dict[str, Any]]:
        """The stored report as a record (JSON contract), as the store rebuilds it, plus the
        cross-report findings on it and where the store placed it (`region`, `store`)."""
        with self._live.reading() as store, self._lock:
            try:
                record = store.record(report_id).to_dict()
            except KeyError:
                return None
        from ..store.writer import text_of  # stored messages, shown in the request's language

        for f in self._rows("SELECT rule, severity, origin, message, where_path, evidence, scope, other_report_id, "
                            "message_data, evidence_data "
                            "FROM findings WHERE report_id = ? AND scope <> 'report' ORDER BY seq", [report_id]):
            record["findings"].append({"rule": f["rule"], "severity": f["severity"], "origin": f["origin"],
                                       "message": text_of(f["message"], f["message_data"]), "where": f["where_path"],
                                       "evidence": text_of(f["evidence"], f["evidence_data"]),
                                       "scope": f["scope"], "other_report": f["other_report_id"]})
        r = self._rows("SELECT province, city, county, region_code, agency_key FROM reports WHERE report_id = ?",
                       [report_id])[0]
        record["region"] = {"province": r["province"], "city": r["city"], "county": r["county"],
                            "code": r["region_code"]}
        record["store"] = {"report_id": report_id, "agency_key": r["agency_key"]}
        return record

    # -- bodies ---------------------------------------------------------------------------------------
    def bodies(self, region: Optional[str] = None) -> list[dict[str, Any]]:
        where, params = "", []
        if region:
            where = " WHERE (province = ? OR city = ? OR county = ?)"
            params = [region] * 3
        rows = self._rows(
            "SELECT coalesce(agency_key, agency) AS id, arg_max(coalesce(agency_name, agency), year) AS agency,"
            " any_value(province) AS province, any_value(city) AS city, any_value(county) AS county,"
            " list(DISTINCT year ORDER BY year) FILTER (WHERE year IS NOT NULL) AS years, count(*) AS reports"
            f" FROM reports{where} GROUP BY 1 HAVING id IS NOT NULL ORDER BY agency", params)
        return [{"id": r["id"], "agency": r["agency"], "region": _region(r), "years": list(r["years"] or []),
                 "reports": r["reports"]} for r in rows]

    def body(self, body: str) -> Optional[dict[str, Any]]:
        """One body's reports side by side, by year, with its year-over-year charts."""
        rows = self._rows(
            f"{self._SUMMARY_SQL} WHERE r.agency_key = ? OR (r.agency_key IS NULL AND r.agency = ?)"
            " ORDER BY r.year NULLS LAST, r.report_id", [body, body])
        if not rows:
            # a name given instead of the key: find the key
            keys = self._rows("SELECT DISTINCT agency_key FROM reports WHERE agency = ? OR agency_name = ?",
                              [body, body])
            if len(keys) == 1 and keys[0]["agency_key"] and keys[0]["agency_key"] != body:
                return self.body(keys[0]["agency_key"])
            return None
        ids = [r["id"] for r in rows]
        values: dict[str, dict[str, Optional[float]]] = defaultdict(dict)
        placeholders = ",".join("?" * len(ids))
        for c in self._rows(f"SELECT report_id, path, value FROM cells WHERE report_id IN ({placeholders})", ids):
            values[c["report_id"]][c["path"]] = _number(c["value"])
        seen_years: dict[Any, int] = defaultdict(int)
        years = []
        for r in rows:
            seen_years[r["year"]] += 1
            years.append({"id": r["id"], "year": r["year"], "label": _year_label(r["year"], seen_years[r["year"]]),
                          "counts": {"error": r["error"], "warning": r["warning"], "info": r["info"]}})
        present = {p for v in values.values() for p in v}
        active_paths = [p for p in _active_paths() if p in present]
        table_rows = []
        for path in active_paths + [p for p in BODY_ROWS if p in present]:
            table_rows.append({"path": path, "table": path.split(".")[0], "label": cell_label(path),
                               "values": [values[i].get(path) for i in ids]})
        categories = [y["label"] for y in years]
        charts = [
            {"id": "outcomes", "title": _("Requests by outcome (三、本年度办理结果)"), "kind": "stacked",
             "categories": categories,
             "series": [{"name": label, "key": key,
                         "data": [_sum_group(values[i], key) for i in ids]} for key, label, _ in OUTCOME_GROUPS]},
            {"id": "applicants", "title": _("Applicant mix of new requests (一、本年新收)"), "kind": "stacked",
             "categories": categories,
             "series": [{"name": V.APPLICANT_COLUMN_LABELS[c], "key": c,
                         "data": [values[i].get(f"requests.new_received.{c}") for i in ids]} for c in APPLICANTS]},
            {"id": "appeals", "title": _("Appeals (行政复议、行政诉讼)"), "kind": "bar", "categories": categories,
             "series": [{"name": V.APPEAL_GROUP_LABELS[g], "key": g,
                         "data": [values[i].get(f"appeals.{g}.total") for i in ids]} for g in V.APPEAL_GROUPS]
             + [{"name": V.APPEAL_FIELD_LABELS["corrected"], "key": "corrected",
                 "data": [_sum_present(values[i].get(f"appeals.{g}.corrected") for g in V.APPEAL_GROUPS)
                          for i in ids]}]},
            {"id": "flow", "title": _("Requests received, handled and carried forward"), "kind": "line",
             "categories": categories,
             "series": [{"name": _short_row(p), "key": p, "data": [values[i].get(p) for i in ids]}
                        for p in ("requests.new_received.total", "requests.total.total",
                                  "requests.carried_forward.total")]},
        ]
        first = rows[-1]
        return {"id": body, "agency": first["agency_name"] or first["agency"], "region": _region(first),
                "years": years, "rows": table_rows, "charts": charts}

    # -- overview -------------------------------------------------------------------------------------
    def overview(self) -> dict[str, Any]:
        stats = self._rows("SELECT count(*) AS reports, count(DISTINCT coalesce(agency_key, agency)) AS bodies "
                           "FROM reports")[0]
        span = self._rows("SELECT min(year) AS lo, max(year) AS hi FROM reports WHERE year BETWEEN 2000 AND 2100")[0]
        # every year in the span, so a year without reports shows as a gap, not as no time at all
        years = list(range(span["lo"], span["hi"] + 1)) if span["lo"] is not None else []
        by_year = self._rows(
            f"SELECT r.year, {_OUTCOME_CASE} AS grp, sum(c.value) AS n FROM cells c JOIN reports r USING (report_id)"
            " WHERE c.table_key = 'requests' AND c.field_key = 'total' AND r.year IS NOT NULL GROUP BY 1, 2")
        new_by_year = {r["year"]: r["n"] for r in self._rows(
            "SELECT r.year, sum(c.value) AS n FROM cells c JOIN reports r USING (report_id)"
            " WHERE c.path = 'requests.new_received.total' GROUP BY 1")}
        grid = {(r["year"], r["grp"]): r["n"] for r in by_year}
        unknown = _("(region unknown)").replace("'", "''")
        region_sql = f"coalesce(r.city, r.province, '{unknown}')"
        by_region = self._rows(
            f"SELECT {region_sql} AS region, {_OUTCOME_CASE} AS grp, sum(c.value) AS n FROM cells c"
            " JOIN reports r USING (report_id) WHERE c.table_key = 'requests' AND c.field_key = 'total'"
            " GROUP BY 1, 2")
        region_totals: dict[str, float] = defaultdict(float)
        by_region = [r for r in by_region if r["grp"] is not None]  # rows outside （一）–（六）
        for r in by_region:
            region_totals[r["region"]] += r["n"] or 0
        regions = sorted(region_totals, key=lambda k: (-region_totals[k], k))[:15]
        rgrid = {(r["region"], r["grp"]): r["n"] for r in by_region}
        names = self.rule_names()
        rules = self._rows("SELECT rule, count(DISTINCT report_id) AS n FROM findings WHERE severity IN "
                           "('error', 'warning') GROUP BY rule ORDER BY n DESC, rule LIMIT 15")
        clean = {r["year"]: (r["clean"], r["failing"]) for r in self._rows(
            "SELECT r.year, count_if(f.report_id IS NULL) AS clean, count_if(f.report_id IS NOT NULL) AS failing"
            " FROM reports r LEFT JOIN (SELECT DISTINCT report_id FROM findings WHERE severity = 'error') f"
            " USING (report_id) WHERE r.year IS NOT NULL GROUP BY 1")}
        ylabels = [str(y) for y in years]
        charts = [
            {"id": "year-outcomes", "title": _("Requests handled by year and outcome"), "kind": "stacked",
             "categories": ylabels,
             "series": [{"name": label, "key": key, "data": [_number(grid.get((y, key))) for y in years]}
                        for key, label, _ in OUTCOME_GROUPS]
             + [{"name": _short_row("requests.new_received.total"), "key": "new_received",
                 "data": [_number(new_by_year.get(y)) for y in years]}]},
            {"id": "region-outcomes", "title": _("Requests handled by region and outcome"), "kind": "stacked",
             "categories": regions,
             "series": [{"name": label, "key": key, "data": [_number(rgrid.get((g, key))) for g in regions]}
                        for key, label, _ in OUTCOME_GROUPS]},
            {"id": "rules", "title": _("Which rules fail most (reports with an error or warning)"), "kind": "hbar",
             "categories": [f"{r['rule']} {names.get(r['rule'], '')}".strip() for r in rules],
             "series": [{"name": _("reports"), "data": [r["n"] for r in rules]}]},
            {"id": "year-errors", "title": _("Reports by year: with errors, without"), "kind": "stacked",
             "categories": ylabels,
             "series": [{"name": _("with errors"), "key": "failing", "color": "#c94a4a",
                         "data": [clean.get(y, (0, 0))[1] for y in years]},
                        {"name": _("no errors"), "key": "clean", "color": "#3f9b5a",
                         "data": [clean.get(y, (0, 0))[0] for y in years]}]},
        ]
        # the by-year outcome chart's last series is a total: draw it as a line over the stacks
        charts[0]["series"][-1]["kind"] = "line"
        return {"reports": stats["reports"], "bodies": stats["bodies"], "years": years, "charts": charts}


def _year_label(year: Optional[int], n: int) -> str:
    base = str(year) if year is not None else _("year?")
    return base if n == 1 else f"{base} ({n})"


def _active_paths() -> list[str]:
    out = []
    for spec in V.ACTIVE_ROWS_2021 + V.ACTIVE_ROWS_2019:
        for f in spec.fields:
            p = f"active.{spec.key}.{f}"
            if p not in out:
                out.append(p)
    return out


def _short_row(path: str) -> str:
    row = path.split(".")[1]
    label = V.ALL_REQUEST_ROW_LABELS.get(row, row)
    return _short(label) if label.startswith(("三", "（")) else label.removesuffix("政府信息公开申请数量")


def _sum_present(values: Iterable[Optional[float]]) -> Optional[float]:
    present = [v for v in values if v is not None]
    return _number(sum(present)) if present else None


def _sum_group(cells: dict[str, Optional[float]], group: str) -> Optional[float]:
    pred = {
        "granted": lambda r: r == "granted",
        "partially_granted": lambda r: r == "partially_granted",
        "denied": lambda r: r.startswith("denied_"),
        "unavailable": lambda r: r.startswith("unavailable_"),
        "not_processed": lambda r: r.startswith("not_processed_"),
        "other": lambda r: r == "other" or r.startswith("other_"),
    }[group]
    return _sum_present(v for p, v in cells.items()
                        if p.startswith("requests.") and p.endswith(".total") and pred(p.split(".")[1]))
