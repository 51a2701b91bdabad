"""Ingest speed and memory: reports/s with 1 and 2 local workers and the Dask engine on 2 workers;
peak memory against the number of files.

Usage: python benchmarks/bench_ingest.py [--files 2000] [--sizes 500,1000,2000,4000] [--no-check]
                                         [--pdfs] [--corpus ../shared/corpus] [--json]

The corpus is made from the shared corpus's real reports (gongkai.store.synth: renamed,
re-encoded copies plus 1 % broken files). Each run is a fresh process ingesting into a fresh
store, so its numbers include process start, imports and the cross-report checks, as a user sees
them. Memory is the peak RSS of the owner (the writer, from getrusage), of its largest descendant
process (a parsing worker; for Dask a LocalCluster worker) and of the whole process tree, the
last two sampled every 0.1 s with psutil (a dependency of dask.distributed).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

RUNNER = r"""
import json, resource, sys, threading, time
import psutil
from gongkai.store.pipeline import ingest
args = json.loads(sys.argv[1])
peak = {"child": 0, "tree": 0}

def sample():
    # the parsing workers are children of the fork server (or of Dask's nannies), which getrusage
    # does not see: sample the whole process tree instead
    me = psutil.Process()
    while True:
        total, biggest = me.memory_info().rss, 0
        for child in me.children(recursive=True):
            try:
                rss = child.memory_info().rss
            except psutil.Error:
                continue
            total += rss
            biggest = max(biggest, rss)
        peak["child"] = max(peak["child"], biggest)
        peak["tree"] = max(peak["tree"], total)
        time.sleep(0.1)

if __name__ == "__main__":
    threading.Thread(target=sample, daemon=True).start()
    cluster = None
    if args["engine"] == "dask":
        from distributed import LocalCluster
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
        args["scheduler"] = cluster.scheduler_address
    t0 = time.perf_counter()
    c0 = resource.getrusage(resource.RUSAGE_SELF)
    r = ingest([args["corpus"]], args["db"], workers=args["workers"], engine=args["engine"],
               scheduler=args.get("scheduler"), check=args["check"])
    wall = time.perf_counter() - t0
    if cluster is not None:
        cluster.close()
    me = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"wall": wall, "read": r.read, "failed": r.failed, "new": r.new_reports,
                      "cross": r.cross_findings,
                      "owner_cpu": me.ru_utime + me.ru_stime - c0.ru_utime - c0.ru_stime,
                      "owner_rss_mb": me.ru_maxrss / 1024, "child_rss_mb": peak["child"] / 2**20,
                      "tree_rss_mb": peak["tree"] / 2**20}))
"""


def run(corpus: Path, *, workers: int, engine: str, check: bool) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        args = {"corpus": str(corpus), "db": os.path.join(tmp, "bench.duckdb"), "workers": workers,
                "engine": engine, "check": check}
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", RUNNER, json.dumps(args)], capture_output=True, text=True,
                             check=True)
        total = time.perf_counter() - t0
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["process_wall"] = total
    result["files_per_s"] = (result["read"] + result["failed"]) / result["wall"]
    return result


def main() -> None:
    from gongkai.store.synth import make_corpus, real_sources

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--sizes", default="500,1000,2000,4000", help="corpus sizes for the memory runs")
    ap.add_argument("--no-check", action="store_true", help="ingest without the per-report checks")
    ap.add_argument("--pdfs", action="store_true", help="include copies of the corpus's PDFs (slower)")
    ap.add_argument("--no-dask", action="store_true")
    ap.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    ap.add_argument("--json", action="store_true", help="print the results as JSON too")
    args = ap.parse_args()
    check = not args.no_check
    sources = real_sources(args.corpus, pdfs=args.pdfs)
    results: dict = {"cores": os.cpu_count(), "check": check, "pdfs": args.pdfs, "speed": {}, "memory": {}}
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        make_corpus(sources, corpus, n=args.files)
        runs = [("local, 1 worker", 1, "local"), ("local, 2 workers", 2, "local")]
        if not args.no_dask:
            runs.append(("dask, 2 workers", 2, "dask"))
        print(f"{args.files} files ({'with' if check else 'without'} checks), {os.cpu_count()} cores, "
              f"load average {os.getloadavg()[0]:.1f}")
        print(f"{'engine':<18} {'files/s':>8} {'wall s':>7} {'owner CPU s':>11} {'owner MB':>9} "
              f"{'worker MB':>9} {'total MB':>9}")
        for label, workers, engine in runs:
            r = run(corpus, workers=workers, engine=engine, check=check)
            results["speed"][label] = r
            print(f"{label:<18} {r['files_per_s']:8.1f} {r['wall']:7.1f} {r['owner_cpu']:11.1f} "
                  f"{r['owner_rss_mb']:9.0f} {r['child_rss_mb']:9.0f} {r['tree_rss_mb']:9.0f}")
    print("\npeak memory against the number of files (local, 2 workers)")
    print(f"{'files':>6} {'files/s':>8} {'owner MB':>9} {'worker MB':>9} {'total MB':>9}")
    for n in [int(x) for x in args.sizes.split(",") if x.strip()]:
        with tempfile.TemporaryDirectory() as tmp:
            corpus = Path(tmp) / "corpus"
            make_corpus(sources, corpus, n=n)
            r = run(corpus, workers=2, engine="local", check=check)
        results["memory"][n] = r
        print(f"{n:>6} {r['files_per_s']:8.1f} {r['owner_rss_mb']:9.0f} {r['child_rss_mb']:9.0f} "
              f"{r['tree_rss_mb']:9.0f}")
    if args.json:
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
