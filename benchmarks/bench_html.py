"""HTML reading speed and memory: the seeds rendered as template HTML pages, one process.

Usage: python benchmarks/bench_html.py [--repeat N] [--corpus ../shared/corpus]

Each seed's gold record is rendered with gongkai.render.html.render_html (UTF-8, GBK, Traditional in
UTF-8), then every page is read N times. Printed per variant and stage (`read`: bytes -> Document
with gongkai.ingest.html.read_html; `parse`: bytes -> checked Record with gongkai.parse_bytes):
reports/s, median and p95 ms per report (wall clock and CPU time, since a busy machine inflates
the former), then the peak memory of one read and one parse (tracemalloc, measured in a separate
pass because tracing slows Python down) and the process's peak RSS.
Target: median <= 5 ms per HTML report read.
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import time
import tracemalloc
from pathlib import Path

from gongkai import parse_bytes
from gongkai.ingest.html import read_html
from gongkai.render.html import render_html

REPO = Path(__file__).resolve().parents[1]
VARIANTS = {
    "utf-8": {},
    "gbk": {"encoding": "gbk"},
    "traditional": {"traditional": True},
}


def pages(corpus: Path) -> dict[str, list[bytes]]:
    golds = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(corpus.glob("seeds/*.gold.json"))]
    if not golds:
        raise SystemExit(f"no seed gold records under {corpus}/seeds")
    return {name: [render_html(g, **opts) for g in golds] for name, opts in VARIANTS.items()}


def timed(fn, files: list[bytes], repeat: int) -> tuple[list[float], list[float], float]:
    for data in files:  # warm-up: imports, regex compilation, OpenCC tables
        fn(data)
    wall: list[float] = []
    cpu: list[float] = []
    t0 = time.perf_counter()
    for _ in range(repeat):
        for data in files:
            w, c = time.perf_counter(), time.process_time()
            fn(data)
            cpu.append(time.process_time() - c)
            wall.append(time.perf_counter() - w)
    return wall, cpu, time.perf_counter() - t0


def p95(xs: list[float]) -> float:
    return sorted(xs)[int(len(xs) * 0.95)]


def peak_traced(fn, data: bytes) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn(data)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=200)
    ap.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    a = ap.parse_args()
    stages = {"read": read_html, "parse": lambda d: parse_bytes(d, check=True)}
    print(f"{'variant':<12} {'stage':<6} {'pages':>5} {'KB/page':>8} {'reports/s':>10} "
          f"{'median ms':>10} {'p95 ms':>8} {'CPU med ms':>11} {'peak KB':>8}")
    for variant, files in pages(a.corpus).items():
        size = sum(map(len, files)) / len(files) / 1024
        for stage, fn in stages.items():
            wall, cpu, total = timed(fn, files, a.repeat)
            peak = max(peak_traced(fn, d) for d in files)
            print(f"{variant:<12} {stage:<6} {len(files):>5} {size:>8.1f} {len(wall) / total:>10.0f} "
                  f"{statistics.median(wall) * 1000:>10.2f} {p95(wall) * 1000:>8.2f} "
                  f"{statistics.median(cpu) * 1000:>11.2f} {peak / 1024:>8.0f}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the process: {rss:.0f} MB")


if __name__ == "__main__":
    main()
