"""Parse speed and memory for text and HTML reports, one process, one core.

Usage: python benchmarks/bench_parse.py [--repeat N] [--corpus ../shared/corpus]

Reads every text report of the shared corpus (seeds and crawler texts) and, when the HTML reader
and renderer are installed, each seed rendered into the template's HTML layout; parses each file
N times and prints, per kind: reports/s, median and p95 ms per report, and the process's peak RSS.
Targets (issue #2): median <= 2 ms per text report and <= 5 ms per HTML report.
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import time
from pathlib import Path

from gongkai import parse_bytes

REPO = Path(__file__).resolve().parents[1]


def inputs(corpus: Path) -> dict[str, list[tuple[str, bytes]]]:
    text = [(p.name, p.read_bytes()) for p in sorted(corpus.glob("seeds/*.txt"))]
    text += [(p.parent.name, p.read_bytes()) for p in sorted(corpus.glob("real/*/source.txt"))]
    kinds = {"text": text}
    try:
        from gongkai.render.html import render_html
    except ImportError:
        return kinds
    kinds["html"] = [(p.name, render_html(json.loads(p.read_text(encoding="utf-8"))))
                     for p in sorted(corpus.glob("seeds/*.gold.json"))]
    return kinds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=200)
    ap.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    ap.add_argument("--check", action="store_true", help="run the checks too (default: reading only)")
    a = ap.parse_args()
    for kind, files in inputs(a.corpus).items():
        for name, data in files:  # warm-up: imports, regex compilation
            parse_bytes(data, name=name, check=a.check)
        times = []
        t0 = time.perf_counter()
        for _ in range(a.repeat):
            for name, data in files:
                t = time.perf_counter()
                parse_bytes(data, name=name, check=a.check)
                times.append(time.perf_counter() - t)
        wall = time.perf_counter() - t0
        times.sort()
        print(f"{kind:5} {len(files)} files x {a.repeat}: {len(times) / wall:8.1f} reports/s, "
              f"median {statistics.median(times) * 1000:.2f} ms, p95 {times[int(len(times) * 0.95)] * 1000:.2f} ms")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MiB")


if __name__ == "__main__":
    main()
