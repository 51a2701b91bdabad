"""OCR speed and memory: seconds per scanned page on one core, and the process's peak RSS.

Usage: python benchmarks/bench_ocr.py [--threads 1] [--dpi 200] [--repeat 1] [--seeds N]

Renders each seed's gold into the template (DOCX -> PDF with LibreOffice -> page images at --dpi,
as a scanner delivers them) and reads every page with `gongkai.ingest.scan.ocr_page_image`. Prints
CPU and wall seconds per page (median and max), the split between detection, recognition and the
rest, and the peak RSS of the process. One core: run with --threads 1 (the default) and, to be
sure nothing else helps, under `taskset -c 0`. Target (issue): <= 3 s per page on one core.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=1, help="OCR threads (GONGKAI_OCR_THREADS)")
    ap.add_argument("--dpi", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--seeds", type=int, default=5, help="how many seed reports to render")
    ap.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    a = ap.parse_args()
    os.environ["GONGKAI_OCR_THREADS"] = str(a.threads)

    from gongkai.ingest import scan
    from gongkai.render.docx import docx_to, render_docx
    from gongkai.render.images import pdf_pages_to_images

    seeds = sorted(a.corpus.glob("seeds/*.gold.json"))[: a.seeds]
    if not seeds:
        print(f"no seeds under {a.corpus}/seeds", file=sys.stderr)
        return 2
    golds = [json.loads(p.read_text(encoding="utf-8")) for p in seeds]
    pdfs = docx_to([render_docx(g) for g in golds], "pdf")
    pages = [im for pdf in pdfs for im in pdf_pages_to_images(pdf, dpi=a.dpi)]
    print(f"{len(seeds)} reports, {len(pages)} pages at {a.dpi} dpi, {a.threads} OCR thread(s)")

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter()
    engine = scan.engine()
    print(f"model load: {time.perf_counter() - t:.2f} s")

    # time the two model calls separately
    spent = {"detect": 0.0, "recognise": 0.0}
    det, rec = engine.detect, engine._read_line

    def timed_detect(*args, **kwargs):
        s = time.process_time()
        try:
            return det(*args, **kwargs)
        finally:
            spent["detect"] += time.process_time() - s

    def timed_read(*args, **kwargs):
        s = time.thread_time()
        try:
            return rec(*args, **kwargs)
        finally:
            spent["recognise"] += time.thread_time() - s

    engine.detect = timed_detect
    engine._read_line = timed_read

    cpu_per_page: list[float] = []
    wall_per_page: list[float] = []
    cpu0, t0 = time.process_time(), time.perf_counter()
    for _ in range(a.repeat):
        for n, image in enumerate(pages, 1):
            c, w = time.process_time(), time.perf_counter()
            scan.ocr_page_image(image, page=n, dpi=a.dpi)
            cpu_per_page.append(time.process_time() - c)
            wall_per_page.append(time.perf_counter() - w)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - t0
    n = len(cpu_per_page)
    print(f"CPU s/page: median {statistics.median(cpu_per_page):.2f}, max {max(cpu_per_page):.2f}, "
          f"mean {cpu / n:.2f}")
    print(f"wall s/page: median {statistics.median(wall_per_page):.2f}, max {max(wall_per_page):.2f}, "
          f"mean {wall / n:.2f}")
    other = max(0.0, cpu - spent["detect"] - spent["recognise"])
    print(f"CPU split: detection {spent['detect'] / n:.2f} s/page, recognition {spent['recognise'] / n:.2f} "
          f"s/page, image analysis and the rest {other / n:.2f} s/page")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak RSS: {peak / 1024:.0f} MB (before OCR {rss_before / 1024:.0f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
