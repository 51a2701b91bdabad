"""Web load: latency percentiles and requests/s of `gongkai serve` browsing a large store.

Usage: python benchmarks/bench_web.py [--db STORE] [--reports 20000] [--pdfs] [--workers 2]
                                      [--concurrency 20] [--requests 3000] [--max-seconds 180] [--json]

The store is made as a user would make it: `gongkai.store.synth` writes `--reports` copies of the
shared corpus's real reports (plus 1 % broken files), each text copy moved to a county of its own
(`bodies=True`: thousands of bodies across every province), and `gongkai ingest --keep-both` reads
them, so every copy is a current report (kept in /tmp/gongkai-bench-web/ and reused by later runs;
`--db` uses a store of your own). The store's numbers of current reports and bodies are printed. The server is
`gongkai serve --db STORE --workers N` in its own process on a free port of 127.0.0.1.

The load is bounded: `--concurrency` clients send `--requests` requests in all (stopping early at
`--max-seconds`) over a reviewer's mix: list pages (JSON and HTML, first and deep pages, filtered
by year, region in its three forms, rule and severity), facets, the overview, bodies, a body's
page, a report's page and record. Every distinct URL is fetched once first (caches warm, as on a
server that has been up a while).

The floor is measured in the same run, the same way: `/api/health` alone at the same
concurrency (the HTTP stack and a trivial handler). Printed: per route and overall p50/p95/p99,
requests/s, errors, the ratio of the mix's p95 to the floor's, and the target (p95 < 300 ms at
concurrency 20, issue 14).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CACHE = Path(tempfile.gettempdir()) / "gongkai-bench-web"
TARGET_P95_MS = 300.0


def build_store(n: int, pdfs: bool, corpus: Path) -> Path:
    from gongkai.store.schema import SCHEMA_VERSION
    from gongkai.store.shards import TABLES, folder
    from gongkai.store.synth import make_corpus, real_sources

    CACHE.mkdir(parents=True, exist_ok=True)
    db = CACHE / f"web-{n}-bodies{'-pdfs' if pdfs else ''}-schema{SCHEMA_VERSION}.duckdb"
    if db.exists():
        print(f"store: {db} (made by an earlier run)", file=sys.stderr)
        return db
    with tempfile.TemporaryDirectory(prefix="gongkai-bench-web-") as tmp:
        t0 = time.perf_counter()
        made = make_corpus(real_sources(corpus, pdfs=pdfs), Path(tmp) / "files", n, bodies=True)
        print(f"store: {len(made.good)} report files + {len(made.bad)} broken ones -> gongkai ingest ...",
              file=sys.stderr)
        partial = db.with_suffix(".partial.duckdb")
        subprocess.run([str(BIN / "gongkai"), "ingest", "--keep-both", "--db", str(partial), str(Path(tmp) / "files")],
                       check=False, stdout=subprocess.DEVNULL)
        for table in TABLES:  # a store moves with its folders
            os.rename(folder(partial, table), folder(db, table))
        partial.rename(db)
        print(f"store: {db} in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return db


def store_counts(db: Path) -> dict:
    """What the figures were measured on: current reports, bodies, provinces, superseded versions."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        reports, bodies, provinces = con.execute(
            "SELECT count(*), count(DISTINCT agency_key), count(DISTINCT province) FROM reports").fetchone()
        history = con.execute("SELECT count(*) FROM reports_history").fetchone()[0]
    finally:
        con.close()
    return {"current_reports": reports, "bodies": bodies, "provinces": provinces, "superseded_reports": history}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: Path, workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([str(BIN / "gongkai"), "serve", "--db", str(db), "--port", str(port),
                             "--workers", str(workers)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited: {proc.stderr.read().decode()}")
        try:
            if httpx.get(base + "/api/health", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not start in 60 s")


def server_cpu_s(proc: subprocess.Popen) -> float:
    """CPU time of the server and its processes so far."""
    import psutil

    try:
        p = psutil.Process(proc.pid)
        return sum(sum(x.cpu_times()[:2]) for x in [p, *p.children(recursive=True)])
    except psutil.Error:
        return float("nan")


def server_rss_mb(proc: subprocess.Popen) -> float:
    import psutil

    try:
        p = psutil.Process(proc.pid)
        return sum(x.memory_info().rss for x in [p, *p.children(recursive=True)]) / 2**20
    except psutil.Error:
        return float("nan")


def mix(base: str, rng: random.Random) -> list[tuple[str, callable]]:
    """(route name, () -> path) for a reviewer's browsing, with values taken from the store."""
    import httpx

    facets = httpx.get(base + "/api/facets", timeout=60).json()
    total = httpx.get(base + "/api/reports?limit=1", timeout=60).json()["total"]
    ids = []
    for _ in range(20):  # 400 reports from all over the store
        page = httpx.get(base + f"/api/reports?limit=20&offset={rng.randrange(max(1, total - 20))}", timeout=60).json()
        ids += [r["id"] for r in page["items"]]
    bodies = [b["id"] for b in httpx.get(base + "/api/bodies?limit=1000", timeout=60).json()["items"]]
    province = next((r["value"] for r in facets["regions"] if r["value"].endswith(("省", "市", "自治区"))),
                    facets["regions"][0]["value"])
    code = None
    for rid in ids:
        region = httpx.get(base + f"/api/reports/{rid}", timeout=60).json()["record"]["region"]
        if region.get("province") == province and region.get("code"):
            code = region["code"][:2]
            break
    short = province.removesuffix("省").removesuffix("市").removesuffix("自治区")
    year = facets["years"][0]["value"]
    rule = facets["rules"][0]["value"] if facets["rules"] else "GK201"
    q = lambda s: httpx.QueryParams(s)  # noqa: E731 - percent-encodes Chinese
    deep = lambda: rng.randrange(max(1, total - 100))  # noqa: E731
    return [
        ("api list", lambda: "/api/reports"),
        ("api list deep page", lambda: f"/api/reports?offset={deep()}"),
        ("api list region name", lambda: f"/api/reports?{q({'region': short})}"),
        ("api list region full+year", lambda: f"/api/reports?{q({'region': province, 'year': year})}"),
        ("api list region code+page", lambda: f"/api/reports?region={code or '3'}&offset={rng.randrange(0, 1000, 100)}"),
        ("api list rule", lambda: f"/api/reports?rule={rule}"),
        ("api list severity+page", lambda: f"/api/reports?severity=warning&offset={rng.randrange(0, 2000, 100)}"),
        ("page reports", lambda: "/reports"),
        ("page reports filtered", lambda: f"/reports?{q({'region': province, 'offset': rng.randrange(0, 2000, 100)})}"),
        ("api facets", lambda: "/api/facets"),
        ("page overview", lambda: "/overview"),
        ("api overview", lambda: "/api/overview"),
        ("page bodies", lambda: "/bodies"),
        ("page body", lambda: "/bodies/" + quote(rng.choice(bodies), safe=":")),
        ("api report", lambda: f"/api/reports/{rng.choice(ids)}"),
        ("page report", lambda: f"/reports/{rng.choice(ids)}"),
    ]


class Connection:
    """One keep-alive HTTP/1.1 connection driven with h11 (the parser uvicorn and httpx use):
    a load generator much lighter than a full client, so it leaves the shared cores to the server."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader = self.writer = self.conn = None

    async def get(self, path: str) -> int:
        import h11

        if self.conn is None or self.conn.our_state is not h11.IDLE:
            await self.close()
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            self.conn = h11.Connection(h11.CLIENT)
        conn = self.conn
        self.writer.write(conn.send(h11.Request(method="GET", target=path,
                                                headers=[("Host", f"{self.host}:{self.port}")])))
        self.writer.write(conn.send(h11.EndOfMessage()))
        await self.writer.drain()
        status = 0
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                data = await self.reader.read(65536)
                conn.receive_data(data)
                if not data:
                    break
            elif isinstance(event, h11.Response):
                status = event.status_code
            elif isinstance(event, (h11.EndOfMessage, h11.ConnectionClosed)):
                break
        if conn.our_state is h11.DONE and conn.their_state is h11.DONE:
            conn.start_next_cycle()
        return status

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


async def load(base: str, routes: list[tuple[str, callable]], requests: int, concurrency: int,
               max_seconds: float) -> tuple[dict[str, list[float]], int, float]:
    """Latencies (s) per route, errors, wall time."""
    from urllib.parse import urlsplit

    where = urlsplit(base)
    latencies: dict[str, list[float]] = {name: [] for name, _ in routes}
    errors = 0
    sent = 0
    stop = time.monotonic() + max_seconds

    async def worker() -> None:
        nonlocal sent, errors
        connection = Connection(where.hostname, where.port)
        try:
            while sent < requests and time.monotonic() < stop:
                name, path = routes[sent % len(routes)]
                sent += 1
                t0 = time.perf_counter()
                try:
                    ok = await asyncio.wait_for(connection.get(path()), 60) == 200
                except (OSError, asyncio.TimeoutError, Exception):
                    ok = False
                    await connection.close()
                    connection = Connection(where.hostname, where.port)
                latencies[name].append(time.perf_counter() - t0)
                errors += not ok
        finally:
            await connection.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, errors, time.perf_counter() - t0


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] * 1000


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", type=Path, help="a store to serve (default: build one with synth + ingest)")
    ap.add_argument("--reports", type=int, default=20000)
    ap.add_argument("--pdfs", action="store_true", help="include the corpus's PDFs in the synthetic store")
    ap.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    ap.add_argument("--workers", type=int, default=2, help="server processes (gongkai serve --workers)")
    ap.add_argument("--concurrency", type=int, default=20)
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--max-seconds", type=float, default=180)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    db = args.db or build_store(args.reports, args.pdfs, args.corpus)
    store_size = store_counts(db)
    rng = random.Random(args.seed)
    proc, base = start_server(db, args.workers)
    try:
        routes = mix(base, rng)
        rss_start = server_rss_mb(proc)
        # warm: every route a few times (each server process fills its own caches)
        asyncio.run(load(base, routes, len(routes) * 3 * args.workers, args.concurrency, 120))
        floor, floor_errors, floor_wall = asyncio.run(load(
            base, [("health", lambda: "/api/health")], max(200, args.requests // 4), args.concurrency, 60))
        cpu0, server0 = resource.getrusage(resource.RUSAGE_SELF), server_cpu_s(proc)
        latencies, errors, wall = asyncio.run(load(base, routes, args.requests, args.concurrency, args.max_seconds))
        cpu1, server1 = resource.getrusage(resource.RUSAGE_SELF), server_cpu_s(proc)
        load_average = os.getloadavg()[0]
        rss_end = server_rss_mb(proc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()

    everything = [x for v in latencies.values() for x in v]
    floor_all = floor["health"]
    result = {
        "store": str(db), **store_size, "workers": args.workers, "concurrency": args.concurrency,
        "requests": len(everything), "errors": errors, "seconds": round(wall, 1),
        "requests_per_s": round(len(everything) / wall, 1),
        "p50_ms": round(pct(everything, 50), 1), "p95_ms": round(pct(everything, 95), 1),
        "p99_ms": round(pct(everything, 99), 1), "max_ms": round(max(everything) * 1000, 1),
        "floor_p50_ms": round(pct(floor_all, 50), 1), "floor_p95_ms": round(pct(floor_all, 95), 1),
        "floor_requests_per_s": round(len(floor_all) / floor_wall, 1), "floor_errors": floor_errors,
        "p95_over_floor_p95": round(pct(everything, 95) / pct(floor_all, 95), 2),
        "client_cpu_s": round((cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime), 1),
        "server_cpu_ms_per_request": round((server1 - server0) * 1000 / max(1, len(everything)), 1),
        "load_average_1min": round(load_average, 2), "cores": os.cpu_count(),
        "server_rss_mb_start": round(rss_start), "server_rss_mb_end": round(rss_end),
        "target_p95_ms": TARGET_P95_MS, "meets_target": pct(everything, 95) < TARGET_P95_MS and errors == 0,
        "routes": {name: {"n": len(v), "p50_ms": round(pct(v, 50), 1), "p95_ms": round(pct(v, 95), 1),
                          "max_ms": round(max(v) * 1000, 1) if v else None} for name, v in latencies.items()},
    }
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return result
    print(f"store {db}: {store_size['current_reports']} current reports of {store_size['bodies']} bodies in "
          f"{store_size['provinces']} provinces ({store_size['superseded_reports']} superseded)")
    print(f"{'route':28s} {'n':>5s} {'p50 ms':>8s} {'p95 ms':>8s} {'max ms':>8s}")
    for name, r in result["routes"].items():
        print(f"{name:28s} {r['n']:5d} {r['p50_ms']:8.1f} {r['p95_ms']:8.1f} {r['max_ms'] or 0:8.1f}")
    print(f"\nmix: {result['requests']} requests in {result['seconds']} s = {result['requests_per_s']} req/s at "
          f"concurrency {args.concurrency}, {args.workers} server processes; {errors} errors")
    print(f"     p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, p99 {result['p99_ms']} ms, "
          f"max {result['max_ms']} ms")
    print(f"floor (/api/health, same concurrency): p50 {result['floor_p50_ms']} ms, p95 {result['floor_p95_ms']} ms, "
          f"{result['floor_requests_per_s']} req/s; mix p95 / floor p95 = {result['p95_over_floor_p95']}")
    print(f"server CPU {result['server_cpu_ms_per_request']} ms per request; load generator CPU "
          f"{result['client_cpu_s']} s; machine load average {result['load_average_1min']} on {os.cpu_count()} cores "
          f"(other work shares them); server RSS {result['server_rss_mb_start']} -> {result['server_rss_mb_end']} MB")
    print(f"target p95 < {TARGET_P95_MS:g} ms: {'met' if result['meets_target'] else 'NOT met'}")
    return result


if __name__ == "__main__":
    main()
