"""Ingest and export at scale: does the store's owner keep up with its workers, and do exports
stay within bounded memory?

Usage: python benchmarks/bench_ingest.py [--files 5000] [--export-reports 20000] [--no-dask]
                                         [--no-check] [--corpus ../shared/corpus] [--json]

Ingest: a corpus of `--files` files made from the shared corpus's real reports
(gongkai.store.synth: renamed, re-encoded copies plus 1 % broken files) is ingested into a fresh
store by the local engine (2 worker processes) and by the Dask engine (a scheduler and 2
single-threaded workers started as separate processes, as on a cluster, reading the files from
the shared file system). Each run is a fresh process. Copies of one report are kept as separate
reports (--keep-both), as distinct reports of a national year would be. Reported per engine:
files_per_s; owner_cpu_ms_per_file (the ingest process's CPU, all its threads, DuckDB's included,
during the ingest, the cross-report checks excluded and reported apart); worker_cpu_ms_per_file
(the CPU the workers report for their files); owner_share (the first over the second: the target
is at most 5 %); the same without the owner's one-off start (imports, opening the store, loading
what it holds: `owner_startup_cpu_s`), which a national year's 100,000 files make negligible;
peak RSS of the owner and of the largest worker.

Export: a store of `--export-reports` reports (made the same way, checks off to save time) is
exported in every form and format, each export in a fresh process; reported: seconds, output
bytes, peak RSS of the exporting process.

Ratios, not wall-clock targets: the machine is shared and its speed varies from run to run.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

INGEST = r"""
import json, resource, sys, time
from gongkai.store.pipeline import ingest
args = json.loads(sys.argv[1])

if __name__ == "__main__":
    t0 = time.perf_counter()
    r = ingest([args["corpus"]], args["db"], workers=args["workers"], engine=args["engine"],
               scheduler=args.get("scheduler"), check=args["check"], keep_both=True, cross=False,
               shared_fs=args.get("shared_fs"))
    wall = time.perf_counter() - t0
    c0 = time.process_time()
    t1 = time.perf_counter()
    from gongkai.store.writer import Store
    from gongkai.store.cross import check_and_store
    with Store(args["db"]) as s:
        cross = check_and_store(s)
    cross_wall = time.perf_counter() - t1
    cross_cpu = time.process_time() - c0
    me = resource.getrusage(resource.RUSAGE_SELF)
    done = r.read + r.failed
    print(json.dumps({"files": done, "read": r.read, "failed": r.failed, "new": r.new_reports, "wall_s": wall,
                      "files_per_s": done / wall, "owner_cpu_s": r.owner_cpu, "worker_cpu_s": r.worker_cpu,
                      "owner_cpu_ms_per_file": 1000 * r.owner_cpu / done,
                      "owner_startup_cpu_s": r.owner_cpu_startup,
                      "owner_steady_cpu_ms_per_file": 1000 * (r.owner_cpu - r.owner_cpu_startup) / done,
                      "worker_cpu_ms_per_file": 1000 * r.worker_cpu / done,
                      "owner_share": r.owner_cpu / r.worker_cpu if r.worker_cpu else None,
                      "owner_steady_share": (r.owner_cpu - r.owner_cpu_startup) / r.worker_cpu if r.worker_cpu else None,
                      "owner_peak_rss_mb": me.ru_maxrss / 1024,
                      "cross_findings": cross, "cross_wall_s": cross_wall, "cross_cpu_s": cross_cpu}))
"""

EXPORT = r"""
import json, resource, sys, time
from gongkai.store.export import export
args = json.loads(sys.argv[1])
if __name__ == "__main__":
    t0 = time.perf_counter()
    n = export(args["db"], args["to"], form=args["form"], compression=args.get("compression"))
    wall = time.perf_counter() - t0
    print(json.dumps({"rows": n, "wall_s": wall, "bytes": __import__("os").path.getsize(args["to"]),
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _python(code: str, args: dict, worker_pids: tuple = ()) -> dict:
    """Run `code` in a fresh process; sample (from here, so the sampling costs the measured process
    nothing) the peak RSS of its descendants and of `worker_pids`: the parsing workers."""
    import psutil

    proc = subprocess.Popen([sys.executable, "-c", code, json.dumps(args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    peak = 0
    watched = psutil.Process(proc.pid)
    while proc.poll() is None:
        try:
            others = [psutil.Process(p) for p in worker_pids]
            for p in watched.children(recursive=True) + others:
                try:
                    peak = max(peak, p.memory_info().rss)
                except psutil.Error:
                    pass
        except psutil.Error:
            pass
        time.sleep(0.2)
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(err)
    result = json.loads(out.strip().splitlines()[-1])
    result["worker_peak_rss_mb"] = peak / 2**20
    return result


def _dask_cluster(tmp: Path, workers: int = 2):
    """A scheduler and `workers` single-threaded workers as separate processes (a cluster on one
    machine); returns (address, worker pids, processes)."""
    dask = shutil.which("dask", path=os.path.dirname(sys.executable)) or "dask"
    info = tmp / "scheduler.json"
    procs = [subprocess.Popen([dask, "scheduler", "--scheduler-file", str(info), "--port", "0",
                               "--dashboard-address", ":0", "--no-dashboard"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    deadline = time.monotonic() + 60
    while not info.exists():
        if time.monotonic() > deadline:
            raise SystemExit("the Dask scheduler did not start")
        time.sleep(0.2)
    for _ in range(workers):
        procs.append(subprocess.Popen([dask, "worker", "--scheduler-file", str(info), "--nthreads", "1",
                                       "--nworkers", "1", "--no-nanny", "--no-dashboard"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    from distributed import Client

    address = json.loads(info.read_text())["address"]
    with Client(address) as client:
        client.wait_for_workers(workers, timeout=120)
    return address, [p.pid for p in procs[1:]], procs


def bench_ingest(sources, n: int, check: bool, dask: bool) -> dict:
    from gongkai.store.synth import make_corpus

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        corpus = tmp / "corpus"
        make_corpus(sources, corpus, n=n)
        base = {"corpus": str(corpus), "check": check}
        results["local"] = _python(INGEST, {**base, "db": str(tmp / "local.duckdb"), "workers": 2,
                                            "engine": "local"})
        if dask:
            address, pids, procs = _dask_cluster(tmp)
            try:
                results["dask"] = _python(INGEST, {**base, "db": str(tmp / "dask.duckdb"), "workers": 2,
                                                   "engine": "dask", "scheduler": address, "shared_fs": True},
                                          worker_pids=tuple(pids))
            finally:
                for p in reversed(procs):  # workers first, then the scheduler
                    p.terminate()
                for p in procs:
                    try:
                        p.wait(timeout=30)
                    except subprocess.TimeoutExpired:
                        p.kill()
                        p.wait()
    return results


def bench_export(sources, n: int) -> dict:
    from gongkai.store.synth import make_corpus

    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        corpus = tmp / "corpus"
        make_corpus(sources, corpus, n=n, corrupt=0.0)
        db = tmp / "big.duckdb"
        store = _python(INGEST, {"corpus": str(corpus), "db": str(db), "workers": 2, "engine": "local",
                                 "check": False})
        out["store"] = {"reports": store["new"], "bytes": os.path.getsize(db), "ingest_files_per_s": store["files_per_s"]}
        shutil.rmtree(corpus)
        for form, name, compression in (("wide", "wide.parquet", None), ("wide", "wide.csv", None),
                                        ("common", "common.parquet", None), ("long", "long.parquet", None),
                                        ("long", "long.csv", None), ("long", "long.csv.gz", "gzip"),
                                        ("findings", "findings.csv", None), ("wide", "wide.xlsx", None)):
            r = _python(EXPORT, {"db": str(db), "to": str(tmp / name), "form": form, "compression": compression})
            out[name] = r
            os.unlink(tmp / name)
    return out


def main() -> None:
    from gongkai.store.synth import real_sources

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=5000)
    ap.add_argument("--export-reports", type=int, default=20000, help="0: skip the export runs")
    ap.add_argument("--no-check", action="store_true", help="ingest without the per-report checks")
    ap.add_argument("--no-dask", action="store_true")
    ap.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    args = ap.parse_args()
    sources = real_sources(args.corpus)
    results: dict = {"cores": os.cpu_count(), "load_average": os.getloadavg()[0], "files": args.files,
                     "check": not args.no_check}
    results["ingest"] = bench_ingest(sources, args.files, not args.no_check, not args.no_dask)
    if not args.json:
        print(f"ingest of {args.files} files, {os.cpu_count()} cores, load average {results['load_average']:.1f}")
        print(f"{'engine':<8} {'files/s':>8} {'owner ms/file':>14} {'worker ms/file':>15} {'owner share':>12} "
              f"{'w/o start':>10} {'owner MB':>9} {'worker MB':>10}")
        for engine, r in results["ingest"].items():
            print(f"{engine:<8} {r['files_per_s']:8.1f} {r['owner_cpu_ms_per_file']:14.2f} "
                  f"{r['worker_cpu_ms_per_file']:15.2f} {100 * r['owner_share']:11.1f}% "
                  f"{100 * r['owner_steady_share']:9.1f}% {r['owner_peak_rss_mb']:9.0f} {r['worker_peak_rss_mb']:10.0f}")
    if args.export_reports:
        results["export"] = bench_export(sources, args.export_reports)
        if not args.json:
            store = results["export"]["store"]
            print(f"\nexports of {store['reports']} reports ({store['bytes'] / 2**20:.0f} MB store)")
            print(f"{'file':<16} {'rows':>10} {'seconds':>8} {'MB':>8} {'peak RSS MB':>12}")
            for name, r in results["export"].items():
                if name != "store":
                    print(f"{name:<16} {r['rows']:>10} {r['wall_s']:8.1f} {r['bytes'] / 2**20:8.1f} "
                          f"{r['peak_rss_mb']:12.0f}")
    if args.json:
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
