"""Read-only queries on a store (the DuckDB file `gongkai ingest` writes; schema in
gongkai/store/schema.py): the lists, records, bodies, charts and comparisons the pages show.

The file is opened with `read_only=True`: the server can never change it. It is opened through
gongkai.store.live.LiveStore, which lets an ingest commit while the server runs (the connection
is let go while the ingest commits and opened again after, so new reports show without a
restart); `version()` changes with every commit, for caches. One connection is shared; FastAPI runs
handlers in threads, and each request reads on a cursor of its own, side by side with the others.

What every page needs over the whole store (facets, the overview's charts, each report's finding
counts and （七）总计, list totals) is computed once per store version (`StoreView.version`) and
kept, so a page of a 20,000-report store costs one small query on `reports`. Filters match as
the CLI's do (`gongkai.store.export.Filters`): a region is a name or part of one (江苏, 江苏省,
淮安) or a GB/T 2260 code prefix (32, 3208).
"""
from __future__ import annotations

import copy
import re
import threading
from array import array
from collections import OrderedDict, defaultdict
from contextlib import contextmanager
from typing import Any, Iterable, Iterator, Optional

from ..render import layout as L
from .. import vocabulary as V
from ..i18n import _, language
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


# A body's page draws at most this many reports (the latest); a store holding more copies of one
# body's reports says how many there are.
MAX_BODY_REPORTS = 20
# Stored records kept per server process (the last read; some 150 KB each): reading one costs
# five queries, and a reviewer opens a report's page, its record and its downloads in turn.
RECORDS_KEPT = 64


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


class VersionCache:
    """Results computed over the whole store, kept while the store's version stays the same.

    One lock per key, so a burst of requests after a change computes each result once; at most
    `size` keys (filters come from users), least recently used dropped first."""

    def __init__(self, size: int = 512):
        self.size = size
        self._version: Any = None
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._locks: dict[Any, threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, version: Any, key: Any, compute):
        with self._lock:
            if version != self._version:
                self._items.clear()
                self._locks.clear()
                self._version = version
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            key_lock = self._locks.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                if version == self._version and key in self._items:
                    return self._items[key]
            value = compute()
            with self._lock:
                if version == self._version:
                    self._items[key] = value
                    while len(self._items) > self.size:
                        old, _ = self._items.popitem(last=False)
                        self._locks.pop(old, None)
            return value


class Listing:
    """The reports in the lists' order, with the columns a list shows, their finding counts and
    （七）总计, aligned by place; `rank` maps a report id to its place."""

    COLUMNS = ("report_id", "agency", "agency_name", "agency_key", "year", "template", "source_path", "province",
               "city", "county", "region_code")
    ORDER = "r.year DESC NULLS LAST, r.agency, r.report_id"

    def __init__(self, rows: list[tuple]):
        self.rows = rows
        self.rank = {row[0]: i for i, row in enumerate(rows)}
        self.counts = tuple(array("l", [0]) * len(rows) for _ in range(3))  # errors, warnings, info
        self.totals: list[Optional[float]] = [None] * len(rows)


REGION_LEVELS = {1: "province", 2: "city", 3: "county"}
# bodies offered in a list page's filter: the ones with the most reports
SUGGESTED_AGENCIES = 300


class StoreView:
    # -- opening and refreshing (the store's side: gongkai/store/live.py) -----------------------------
    def __init__(self, path: str):
        from ..store.live import LiveStore

        self.path = path
        # the store's own opener: read-only, schema version checked, clear errors (StoreError), and
        # ingests may commit while we serve
        self._live = LiveStore(path)
        self._rule_names: Optional[dict[str, str]] = None
        self._cache = VersionCache()
        self._records = VersionCache(2 * RECORDS_KEPT)  # records and their cross findings
        self._drawn = VersionCache(32)  # pieces of pages (some 40 KB each)
        self._version: tuple = (None, None)  # (LiveStore.version when counted, the counts)
        # what changes with any write, decisions and corrections too (small, read once per write)
        self._cache_until_write = VersionCache(64)

    def close(self) -> None:
        self._live.close()

    @contextmanager
    def reading(self) -> Iterator[Any]:
        """The store to read from (a read-only `Store`), held for the block, with a connection of
        its own: a DuckDB cursor of the server's one connection, so requests read side by side (a
        body's page does not wait behind every other request's queries). The server's connection
        steps aside between blocks for a writer."""
        with self._live.reading() as store, store.lent_cursor() as cursor:
            mine = copy.copy(store)
            mine.con = cursor
            yield mine

    # -- plumbing -------------------------------------------------------------------------------------
    def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        with self.reading() as store:
            cur = store.con.execute(sql, list(params))
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row)) for row in cur.fetchall()]

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

    def version(self) -> tuple:
        """Changes whenever reports or findings are added, replaced or removed: counted again
        whenever the store has been written (LiveStore.version, a stat, no query), so the request
        after an ingest sees its reports, and a decision leaves the whole-store caches be."""
        written = self._live.version()  # before counting: a write after it is seen next time
        if written != self._version[0]:
            row = self._rows("SELECT count(*) AS n, max(ingested_at) AS at, (SELECT count(*) FROM findings) AS f"
                             " FROM reports")[0]
            self._version = (written, (row["n"], row["at"], row["f"]))
        return self._version[1]

    def _cached(self, key: Any, compute):
        return self._cache.get(self.version(), key, compute)

    def drawn(self, key: Any, draw):
        """A piece of a page drawn from whole-store data (a list's filter form), kept for the store
        version; a few dozen at most (`key`: what else it depends on, from the request)."""
        return self._drawn.get(self.version(), key, draw)

    def cached_until_write(self, key: Any, compute):
        """`compute()`, kept until the store is next written (a decision, a correction, an ingest:
        LiveStore.version, a file's size and times, no query). For what is small to read again but
        read by every page (decisions, corrections): the next request after a write sees it."""
        return self._cache_until_write.get(self._live.version(), key, compute)

    # -- lists ----------------------------------------------------------------------------------------
    def count(self) -> int:
        return self._cached("count", lambda: self._rows("SELECT count(*) AS n FROM reports")[0]["n"])

    def facets(self, top_agencies: Optional[int] = None) -> dict[str, Any]:
        """Filter values present in the store, with counts; `top_agencies`: only the bodies with
        the most reports (a page's suggestions; a national store has tens of thousands)."""
        if top_agencies is None:
            return self._cached("facets", self._facets)

        def top() -> dict[str, Any]:
            facets = self.facets()
            agencies = sorted(facets["agencies"], key=lambda a: -a["count"])[:top_agencies]
            return {**facets, "agencies": sorted(agencies, key=lambda a: a["label"] or "")}
        return self._cached(("facets", top_agencies), top)

    def page_facets(self, selected_region: Optional[str] = None) -> dict[str, Any]:
        """The facets a list page offers: the bodies with the most reports, and the provinces and
        cities (a national store has thousands of counties: one is typed, or picked on a body's
        page), with the region chosen now kept."""
        def compute() -> dict[str, Any]:
            facets = self.facets(SUGGESTED_AGENCIES)
            return {**facets, "regions": [r for r in facets["regions"] if r["level"] != "county"]}

        facets = self._cached(("page facets", SUGGESTED_AGENCIES), compute)
        if selected_region and all(r["value"] != selected_region for r in facets["regions"]):
            chosen = [r for r in self.facets()["regions"] if r["value"] == selected_region]
            facets = {**facets, "regions": chosen + facets["regions"]}
        return facets

    def facets_json(self) -> bytes:
        """`facets()` as the API sends it, serialized once per store version (every body of a
        national store: the bytes are large and the same for everyone)."""
        from .models import Facets

        return self._cached("facets json", lambda: Facets.model_validate(self.facets()).model_dump_json().encode())

    def _facets(self) -> dict[str, Any]:
        years = self._rows("SELECT year AS value, count(*) AS count FROM reports WHERE year IS NOT NULL "
                           "GROUP BY year ORDER BY year DESC")
        # each name with the highest level it is found at (a province-level city is a province)
        regions = self._rows(
            "SELECT value, count(DISTINCT report_id) AS count, min(level) AS rank FROM ("
            " SELECT report_id, province AS value, 1 AS level FROM reports UNION ALL"
            " SELECT report_id, city, 2 FROM reports UNION ALL SELECT report_id, county, 3 FROM reports)"
            " WHERE value IS NOT NULL GROUP BY value ORDER BY count DESC, value")
        for r in regions:
            r["level"] = REGION_LEVELS[r.pop("rank")]
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

    def _listing(self) -> "Listing":
        """Every report in the lists' order (newest first) with what a list shows of it: sorted
        and counted once per store version, so a page of any depth is a slice and a few lookups."""
        def compute() -> Listing:
            rows = self._rows(f"SELECT {', '.join('r.' + c for c in Listing.COLUMNS)} FROM reports r"
                              f" ORDER BY {Listing.ORDER}")
            shared: dict[Any, Any] = {}  # one copy of each repeated name (regions, agencies, templates)
            listing = Listing([tuple(shared.setdefault(r[c], r[c]) for c in Listing.COLUMNS) for r in rows])
            counts = listing.counts
            for r in self._rows("SELECT report_id, count_if(severity = 'error') AS e, count_if(severity = 'warning') AS w,"
                                " count_if(severity = 'info') AS i FROM findings GROUP BY report_id"):
                i = listing.rank.get(r["report_id"])
                if i is not None:
                    counts[0][i], counts[1][i], counts[2][i] = r["e"], r["w"], r["i"]
            for r in self._rows("SELECT report_id, value FROM cells WHERE path = 'requests.total.total'"):
                i = listing.rank.get(r["report_id"])
                if i is not None:
                    listing.totals[i] = _number(r["value"])
            return listing
        return self._cached("listing", compute)

    def _summaries(self, positions: Iterable[int]) -> list[dict[str, Any]]:
        listing = self._listing()
        out = []
        for i in positions:
            row = dict(zip(Listing.COLUMNS, listing.rows[i]))
            out.append({"id": row["report_id"], "agency": row["agency"], "year": row["year"], "region": _region(row),
                        "template": row["template"], "source": row["source_path"],
                        "body": body_id(row["agency_key"], row["agency"]),
                        "counts": {"error": listing.counts[0][i], "warning": listing.counts[1][i],
                                   "info": listing.counts[2][i]},
                        "requests_total": listing.totals[i]})
        return out

    def reports(self, *, year: Optional[int] = None, region: Optional[str] = None, agency: Optional[str] = None,
                rule: Optional[str] = None, severity: Optional[str] = None, limit: int = 100,
                offset: int = 0) -> dict[str, Any]:
        """One page of the reports matching the filters (newest first) and how many match."""
        from ..store.export import Filters

        filters = Filters(years=[year] if year is not None else (), regions=[region] if region else (),
                          agencies=[agency] if agency else (), rules=[rule] if rule else ())
        clause = filters.where("r")
        params: list[Any] = []
        if severity:
            clause += " AND r.report_id IN (SELECT report_id FROM findings WHERE severity = ?)"
            params.append(severity)
        positions = self._matching(clause, tuple(params))
        if positions is None:
            total = len(self._listing().rows)
            page = range(offset, min(total, offset + limit))
        else:
            total, page = len(positions), positions[offset:offset + limit]
        return {"total": total, "offset": offset, "limit": limit, "items": self._summaries(page)}

    def _matching(self, clause: str, params: tuple) -> Optional[array]:
        """The places (in the listing) of the reports a filter selects, once per version and
        filter; None when it selects every report."""
        if clause == "TRUE" and not params:
            return None

        def compute() -> array:
            rank = self._listing().rank
            found = self._rows(f"SELECT r.report_id FROM reports r WHERE {clause}", list(params))
            return array("i", sorted(rank[r["report_id"]] for r in found if r["report_id"] in rank))
        return self._cached(("matching", clause, params), compute)

    def summary(self, report_id: str) -> Optional[dict[str, Any]]:
        i = self._listing().rank.get(report_id)
        return None if i is None else self._summaries([i])[0]

    # -- one record -----------------------------------------------------------------------------------
    def record(self, report_id: str) -> Optional[dict[str, Any]]:
        """The stored report as a record (JSON contract), as the store rebuilds it, plus the
        cross-report findings on it and where the store placed it (`region`, `store`)."""
        stored = self.stored_record(report_id)
        if stored is None:
            return None
        record = stored.to_dict()
        from ..store.writer import text_of  # stored messages, shown in the request's language

        for f in self.cross_findings(report_id):
            record["findings"].append({"rule": f["rule"], "severity": f["severity"], "origin": f["origin"],
                                       "message": text_of(f["message"], f["message_data"]), "where": f["where_path"],
                                       "evidence": text_of(f["evidence"], f["evidence_data"]),
                                       "scope": f["scope"], "other_report": f["other_report_id"]})
        r = self.listed(report_id) or self._rows(f"SELECT {', '.join(Listing.COLUMNS)} FROM reports WHERE report_id = ?",
                                                 [report_id])[0]
        record["region"] = {"province": r["province"], "city": r["city"], "county": r["county"],
                            "code": r["region_code"]}
        record["store"] = {"report_id": report_id, "agency_key": r["agency_key"]}
        return record

    def cross_findings(self, report_id: str) -> list[dict[str, Any]]:
        """The cross-report findings on a report, as stored (read by their rowid range when the
        index knows it; kept as the record is, see stored_record)."""
        return self._records.get(self.version(), ("cross", report_id), lambda: self._read_cross_findings(report_id))

    def _read_cross_findings(self, report_id: str) -> list[dict[str, Any]]:
        sql = ("SELECT rule, severity, origin, message, where_path, evidence, scope, other_report_id, message_data, "
               "evidence_data FROM findings WHERE {where} AND scope <> 'report' ORDER BY seq")
        spans = self._spans_of(report_id)
        if spans is not None:
            lo, hi = spans["cross_findings"]
            cross = self._rows(sql.format(where="rowid BETWEEN ? AND ? AND report_id = ?"), [lo, hi, report_id])
            if len(cross) == self._counts_of(report_id)["cross_findings"]:
                return cross
        return self._rows(sql.format(where="report_id = ?"), [report_id])

    def listed(self, report_id: str) -> Optional[dict[str, Any]]:
        """What the lists hold of a report (Listing.COLUMNS), without a query; None when the listing
        does not have it (yet)."""
        listing = self._listing()
        i = listing.rank.get(report_id)
        return None if i is None else dict(zip(Listing.COLUMNS, listing.rows[i]))

    def stored_record(self, report_id: str) -> Optional[Any]:
        """The stored report as a `Record` (None: no such current report), its rows read by their
        rowid ranges (a few rows, not a scan of millions) and checked against the index's counts.
        The last RECORDS_KEPT read are kept for the store version (not to be changed by callers): a
        report's page, its record, downloads and letter read it once."""
        return self._records.get(self.version(), ("record", report_id), lambda: self._read_record(report_id))

    def _read_record(self, report_id: str) -> Optional[Any]:
        spans = self._spans_of(report_id)
        counts = self._counts_of(report_id) if spans is not None else None
        with self.reading() as store:
            try:
                stored = store.record(report_id, spans=spans)
                if counts is not None and not _complete(stored, counts):
                    stored = store.record(report_id)  # the store changed since it was indexed
            except KeyError:
                return None
        return stored

    # -- where each report's rows lie -----------------------------------------------------------------
    # part -> (table, which of its rows); a report's own findings and the cross-report ones are
    # written at different times, so each has a range of its own
    # (the cells and sections are read from their report's own files: see Store.record)
    _SPAN_PARTS = {"findings": ("findings", "scope = 'report'"), "cross_findings": ("findings", "scope <> 'report'")}

    def _spans(self) -> dict[str, tuple[array, array, array]]:
        """Per part (cells, the report's own findings, cross-report findings, sections), by a
        report's place in the listing: the first and last rowid of its rows and how many there
        are. Computed once per store version; reading a report's rows by rowid range then costs a
        few rows instead of a scan of millions. Every read by range is checked against these
        counts and done again in full if they differ."""
        def compute() -> dict[str, tuple[array, array, array]]:
            rank = self._listing().rank
            n = len(rank)
            out: dict[str, tuple[array, array, array]] = {}
            for part, (table, which) in self._SPAN_PARTS.items():
                lo, hi, count = array("q", [0]) * n, array("q", [-1]) * n, array("l", [0]) * n
                for r in self._rows(f"SELECT report_id, min(rowid) AS lo, max(rowid) AS hi, count(*) AS n"
                                    f" FROM {table} WHERE {which} GROUP BY report_id"):
                    i = rank.get(r["report_id"])
                    if i is not None:
                        lo[i], hi[i], count[i] = r["lo"], r["hi"], r["n"]
                out[part] = (lo, hi, count)
            return out
        return self._cached("spans", compute)

    def _spans_of(self, report_id: str) -> Optional[dict[str, tuple[int, int]]]:
        i = self._listing().rank.get(report_id)
        if i is None:
            return None
        return {part: (lo[i], hi[i]) for part, (lo, hi, _count) in self._spans().items()}

    def _counts_of(self, report_id: str) -> dict[str, int]:
        i = self._listing().rank[report_id]
        return {part: count[i] for part, (_lo, _hi, count) in self._spans().items()}

    def _cell_values(self, ids: list[str]) -> dict[str, dict[str, Optional[float]]]:
        """The cell values a body's page shows of a few reports: {report id: {path: value}}."""
        values: dict[str, dict[str, Optional[float]]] = defaultdict(dict)
        with self.reading() as store:
            found = store.cells(ids, "report_id, path, value", _SHOWN, [_SHOWN_PATHS])
        for rid, path, value in found:
            values[rid][path] = _number(value)
        return values

    def corrections(self) -> dict[str, dict[str, Any]]:
        """Reviewers' corrections, the latest of each cell: {report id: {path: Correction}}; read
        once per write to the store (a handful of rows, a reviewer's work), not once per page."""
        from ..review.decisions import corrections_by_report, has_table

        def read() -> dict[str, dict[str, Any]]:
            with self.reading() as store:
                return corrections_by_report(store.con) if has_table(store.con, "corrections") else {}
        return self.cached_until_write("corrections", read)

    # -- bodies ---------------------------------------------------------------------------------------
    def _bodies_index(self) -> dict[str, list[int]]:
        """{body id: the places in the listing of its reports, latest first (year, then report id,
        descending)}, once per store version: a body's page looks its reports up instead of
        scanning the reports table twice."""
        def compute() -> dict[str, list[int]]:
            rows = self._listing().rows
            places: dict[str, list[int]] = defaultdict(list)
            for i in sorted(range(len(rows)), key=lambda i: rows[i][0], reverse=True):  # report id descending
                places[body_id(rows[i][3], rows[i][1])].append(i)
            for found in places.values():  # then year, descending, unknown last (sort is stable)
                found.sort(key=lambda i: (rows[i][4] is None, -(rows[i][4] or 0)))
            return dict(places)
        return self._cached("bodies index", compute)

    def bodies(self, region: Optional[str] = None, limit: int = 100, offset: int = 0) -> dict[str, Any]:
        """One page of the reporting bodies (in a region, matched as the CLI's `--region`) and how many."""
        from ..store.export import Filters

        clause = Filters(regions=[region] if region else ()).where()

        def compute() -> list[dict[str, Any]]:
            rows = self._rows(
                "SELECT coalesce(agency_key, agency) AS id, arg_max(coalesce(agency_name, agency), year) AS agency,"
                " any_value(province) AS province, any_value(city) AS city, any_value(county) AS county,"
                " list(DISTINCT year ORDER BY year) FILTER (WHERE year IS NOT NULL) AS years, count(*) AS reports"
                f" FROM reports r WHERE {clause} GROUP BY 1 HAVING id IS NOT NULL ORDER BY agency, id")
            return [{"id": r["id"], "agency": r["agency"], "region": _region(r), "years": list(r["years"] or []),
                     "reports": r["reports"]} for r in rows]

        everything = self._cached(("bodies", clause), compute)
        return {"total": len(everything), "offset": offset, "limit": limit,
                "items": everything[offset:offset + limit]}

    def body(self, body: str) -> Optional[dict[str, Any]]:
        """One body's reports side by side, by year, with its year-over-year charts (the latest
        MAX_BODY_REPORTS reports when it has more)."""
        places = self._bodies_index().get(body)
        if not places:
            # a name given instead of the key: find the key
            keys = self._rows("SELECT DISTINCT agency_key FROM reports WHERE agency = ? OR agency_name = ?",
                              [body, body])
            if len(keys) == 1 and keys[0]["agency_key"] and keys[0]["agency_key"] != body:
                return self.body(keys[0]["agency_key"])
            return None
        count = len(places)
        summaries = self._summaries(places[:MAX_BODY_REPORTS])
        summaries.sort(key=lambda r: (r["year"] is None, r["year"] or 0, r["id"]))  # oldest first, year unknown last
        ids = [r["id"] for r in summaries]
        values = self._cell_values(ids)
        seen_years: dict[Any, int] = defaultdict(int)
        years = []
        for r in summaries:
            seen_years[r["year"]] += 1
            years.append({"id": r["id"], "year": r["year"], "label": _year_label(r["year"], seen_years[r["year"]]),
                          "counts": r["counts"]})
        present = {p for v in values.values() for p in v}
        active_paths = [p for p in _active_paths() if p in present]
        table_rows = []
        corrections = self.corrections()
        for path in active_paths + [p for p in BODY_ROWS if p in present]:
            table_rows.append({"path": path, "table": path.split(".")[0], "label": cell_label(path),
                               "values": [values[i].get(path) for i in ids],
                               "corrected": [path in corrections.get(i, {}) for i in ids],
                               "corrections": [_correction_value(corrections, i, path) for i in ids]})
        categories = [y["label"] for y in years]
        sums = {i: _group_sums(values[i]) for i in ids}
        charts = [
            {"id": "outcomes", "title": _("Requests by outcome (三、本年度办理结果)"), "kind": "stacked",
             "categories": categories,
             "series": [{"name": label, "key": key,
                         "data": [sums[i][key] for i in ids]} for key, label, _ in OUTCOME_GROUPS]},
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
        listing = self._listing()
        newest = dict(zip(Listing.COLUMNS, listing.rows[listing.rank[ids[-1]]]))
        return {"id": body, "agency": newest["agency_name"] or newest["agency"], "region": _region(newest),
                "reports": count, "years": years, "rows": table_rows, "charts": charts}

    # -- overview -------------------------------------------------------------------------------------
    def overview(self) -> dict[str, Any]:
        """Chart data over the whole store (computed once per store version and language)."""
        return self._cached(("overview", language()), self._overview)

    def _overview(self) -> dict[str, Any]:
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
        by_region = self._rows(
            f"SELECT coalesce(r.city, r.province, ?) AS region, {_OUTCOME_CASE} AS grp, sum(c.value) AS n FROM cells c"
            " JOIN reports r USING (report_id) WHERE c.table_key = 'requests' AND c.field_key = 'total'"
            " GROUP BY 1, 2", [_("(region unknown)")])
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


def _complete(record: Any, counts: dict[str, int]) -> bool:
    """Whether a record read by rowid ranges holds as many findings as the store's index says the
    report has (its cells and sections are read from its own files, whole)."""
    return len(record.findings) == counts["findings"]


def _correction_value(corrections: dict[str, dict[str, Any]], report_id: str, path: str) -> Optional[float]:
    found = corrections.get(report_id, {}).get(path)
    return None if found is None else found.value


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


def _outcome_group(row: str) -> Optional[str]:
    """The outcome group of a row of table 三 (as OUTCOME_GROUPS), or None for the other rows."""
    if row in ("granted", "partially_granted"):
        return row
    for prefix, group in (("denied_", "denied"), ("unavailable_", "unavailable"), ("not_processed_", "not_processed")):
        if row.startswith(prefix):
            return group
    return "other" if row == "other" or row.startswith("other_") else None


def _group_sums(cells: dict[str, Optional[float]]) -> dict[str, Optional[float]]:
    """A report's 总计 per outcome group, summing the cells present (None where none is)."""
    found: dict[str, list[float]] = defaultdict(list)
    for path, value in cells.items():
        table, row, field_ = path.split(".")
        if table == "requests" and field_ == "total" and value is not None:
            group = _outcome_group(row)
            if group is not None:
                found[group].append(value)
    return {key: _number(sum(found[key])) if key in found else None for key, _label, _pred in OUTCOME_GROUPS}


# The cells a body's page shows: its key cells and every 总计 of table 三 (the outcome groups).
_SHOWN_PATHS = list(dict.fromkeys(_active_paths() + list(BODY_ROWS)))
_SHOWN = "(path IN (SELECT unnest(?::VARCHAR[])) OR (table_key = 'requests' AND field_key = 'total'))"
