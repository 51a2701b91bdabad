"""PDF reading speed and memory: text-layer pages per second, one process, one core.

Usage: python benchmarks/bench_pdf.py [--repeat N] [--corpus ../shared/corpus] [--parse]

Reads every PDF of the shared corpus (real/*/source.pdf) N times with `read_pdf` (and with
--parse also through the whole `parse_bytes`, extractor and checks included) and prints pages/s,
median ms per page and per document, and the process's peak RSS. Target (issue): >= 30 text-layer
pages/s on one core.
"""
from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=50)
    ap.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    ap.add_argument("--parse", action="store_true", help="also time the full parse (reader + extractor)")
    a = ap.parse_args()

    import pypdfium2 as pdfium

    from gongkai.ingest.pdf import read_pdf

    files = [(p.parent.name, p.read_bytes()) for p in sorted(a.corpus.glob("real/*/source.pdf"))]
    if not files:
        print(f"no PDFs under {a.corpus}/real", file=sys.stderr)
        return 2
    pages = {name: len(pdfium.PdfDocument(data)) for name, data in files}
    total_pages = sum(pages.values())
    print(f"{len(files)} PDFs, {total_pages} pages, {a.repeat} repetitions")

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    runs = {"read_pdf": read_pdf}
    if a.parse:
        from gongkai import parse_bytes

        runs["parse_bytes"] = lambda data: parse_bytes(data, name="x.pdf")
    for label, fn in runs.items():
        for _, data in files:  # warm-up: imports, CMaps, first-call costs
            fn(data)
        per_doc: dict[str, list[float]] = {name: [] for name, _ in files}
        cpu0, t0 = time.process_time(), time.perf_counter()
        for _ in range(a.repeat):
            for name, data in files:
                s = time.perf_counter()
                fn(data)
                per_doc[name].append(time.perf_counter() - s)
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        n = total_pages * a.repeat
        per_page = sorted(t / pages[name] for name, ts in per_doc.items() for t in ts)
        print(f"{label}: {n / wall:.1f} pages/s wall, {n / cpu:.1f} pages/s CPU; "
              f"median {statistics.median(per_page) * 1000:.1f} ms/page, "
              f"p95 {per_page[int(len(per_page) * 0.95)] * 1000:.1f} ms/page")
        for name, ts in per_doc.items():
            print(f"    {name}: {pages[name]} pages, median {statistics.median(ts) * 1000:.1f} ms/document")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak RSS {peak / 1024:.1f} MiB (before the runs {rss_before / 1024:.1f} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
