"""Per-route server CPU and DuckDB queries of the web app, in process (no HTTP, no other load).

Usage: python benchmarks/profile_web_routes.py --db STORE [--reports 40] [--repeat 2] [--json]

bench_web.py's wall-clock figures move with whatever else the machine runs; this measures what a
request costs the server itself: the handler's CPU time (`time.process_time`, one thread) and the
number of statements it sends to DuckDB (every cursor of the StoreView wrapped in a counter), for
a report's office page, its record (`/api/reports/{id}`), a body's page and a list page. Each
route is measured on `--reports` reports never requested before (cold: the office's kept reports
and the record are read from the store) and again on the same ones (warm), after one warm-up
request that fills the store-version caches (listing, spans, facets).
"""
from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote


class CountingConnection:
    """A DuckDB connection (cursor) that counts the statements sent through it."""

    count = 0  # one request at a time, in whichever thread the app runs it
    lock = threading.Lock()

    def __init__(self, con):
        self._con = con

    def execute(self, *args, **kwargs):
        with CountingConnection.lock:
            CountingConnection.count += 1
        return self._con.execute(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._con, name)


def count_queries() -> None:
    """Wrap every cursor StoreView.reading hands out (all of a request's reads go through it)."""
    from gongkai.web import store_view

    original = store_view.StoreView.reading

    @contextmanager
    def reading(self):
        with original(self) as store:
            store.con = CountingConnection(store.con)
            yield store
    store_view.StoreView.reading = reading


def measure(client, path: str) -> tuple[float, int]:
    CountingConnection.count = 0
    t0 = time.process_time()
    response = client.get(path)
    cpu = time.process_time() - t0
    assert response.status_code == 200, (path, response.status_code, response.text[:300])
    return cpu * 1000, CountingConnection.count


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--reports", type=int, default=40)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    count_queries()
    from fastapi.testclient import TestClient

    from gongkai.web.app import create_app

    client = TestClient(create_app(db=str(args.db)), base_url="http://localhost")
    total = client.get("/api/reports?limit=1").json()["total"]
    ids = [r["id"] for r in client.get(f"/api/reports?limit=1000&offset={total // 3}").json()["items"]]
    ids = ids[::max(1, len(ids) // (3 * args.reports))][:3 * args.reports]
    bodies = [b["id"] for b in client.get("/api/bodies?limit=1000&offset=1000").json()["items"]][::max(1, 1000 // args.reports)][:args.reports + 1]
    client.get("/reports/" + ids[-1])  # the store-version caches (listing, spans)
    client.get("/api/reports/" + ids[-1])
    client.get("/bodies/" + quote(bodies[-1], safe=":"))
    groups = {
        "page report": ["/reports/" + i for i in ids[:args.reports]],
        "api report": ["/api/reports/" + i for i in ids[args.reports:2 * args.reports]],
        "page body": ["/bodies/" + quote(b, safe=":") for b in bodies[:-1]],
        "page reports": [f"/reports?offset={100 * k}" for k in range(args.reports)],
        "api list": [f"/api/reports?offset={100 * k}" for k in range(args.reports)],
        "api list severity": [f"/api/reports?severity=warning&offset={100 * k}" for k in range(args.reports)],
        "page bodies": ["/bodies"] * args.reports,
        "page overview": ["/overview"] * args.reports,
        "api overview": ["/api/overview"] * args.reports,
        "api facets": ["/api/facets"] * args.reports,
    }
    result = {}
    for name, paths in groups.items():
        for state in ("cold", "warm"):
            runs = [measure(client, p) for p in paths]
            cpu = [c for c, _ in runs]
            result[f"{name} ({state})"] = {"n": len(runs), "cpu_ms_median": round(statistics.median(cpu), 1),
                                           "cpu_ms_mean": round(statistics.mean(cpu), 1),
                                           "queries_median": statistics.median(q for _, q in runs),
                                           "queries_max": max(q for _, q in runs)}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"{'route':26s} {'n':>4s} {'cpu ms med':>11s} {'mean':>7s} {'queries':>8s} {'max':>5s}")
        for name, r in result.items():
            print(f"{name:26s} {r['n']:4d} {r['cpu_ms_median']:11.1f} {r['cpu_ms_mean']:7.1f} "
                  f"{r['queries_median']:8g} {r['queries_max']:5d}")
    return result


if __name__ == "__main__":
    main()
