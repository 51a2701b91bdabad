"""`gongkai compact` on a large store: files, time and peak memory of the compaction, and what it
changes for reading (a scan of every cell and every section, `gongkai export --form long`, one
report's `Store.record`), before and after.

Usage: python benchmarks/bench_compact.py [--db STORE] [--reports 20000] [--reports-per-file N] [--json]

Without --db the store is bench_web.py's (`--reports` synthetic reports of many bodies, ingested
with --keep-both; built once into /tmp/gongkai-bench-web/ and reused). The store is copied to a
temporary folder first: the original is never changed. Every measurement runs in a fresh process
(`/usr/bin/time` gives its peak RSS); reads are timed three times, the median reported.
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
BIN = Path(sys.executable).parent
sys.path.insert(0, str(REPO / "benchmarks"))

READS = r"""
import json, random, statistics, sys, time
from gongkai.store.writer import Store
out = {}
with Store(sys.argv[1], read_only=True) as s:
    for name, sql in (("scan_cells", "SELECT count(*), sum(value) FROM cells"),
                      ("scan_sections", "SELECT count(*), sum(length(text)) FROM sections")):
        times = []
        for _ in range(3):
            t = time.perf_counter(); s.query(sql); times.append(time.perf_counter() - t)
        out[name] = statistics.median(times)
    ids = [r for (r,) in s.query("SELECT report_id FROM reports")]
    picked = random.Random(1).sample(ids, min(200, len(ids)))
    s.record(picked[0])
    t = time.perf_counter()
    for rid in picked:
        s.record(rid)
    out["record_ms"] = (time.perf_counter() - t) / len(picked) * 1000
print(json.dumps(out))
"""


def timed(cmd: list[str], env=None) -> tuple[float, float, str]:
    """(seconds, peak RSS MB, stdout) of a command in a fresh process."""
    t = time.perf_counter()
    r = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - t
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd)}: {r.stderr}")
    return seconds, int(r.stderr.strip().splitlines()[-1]) / 1024, r.stdout


def measure(db: Path, work: Path) -> dict:
    from gongkai.store.compact import files_in

    out: dict = {"files": files_in(str(db))}
    reads = json.loads(timed([sys.executable, "-c", READS, str(db)])[2])
    out.update(reads)
    target = work / "long.parquet"
    out["export_long_s"], out["export_long_mb"], _ = timed(
        [str(BIN / "gongkai"), "export", "--db", str(db), "--form", "long", "--to", str(target), "--no-dictionary"])
    target.unlink()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path)
    ap.add_argument("--reports", type=int, default=20000)
    ap.add_argument("--reports-per-file", type=int, default=None)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    from gongkai.store.shards import copy_store

    source = args.db
    if source is None:
        from bench_web import build_store

        source = build_store(args.reports, False, REPO.parent / "shared" / "corpus")
    with tempfile.TemporaryDirectory(prefix="gongkai-bench-compact-") as tmp:
        work = Path(tmp)
        db = work / "store.duckdb"
        copy_store(source, db)
        before = measure(db, work)
        cmd = [str(BIN / "gongkai"), "compact", "--db", str(db)]
        if args.reports_per_file:
            cmd += ["--reports-per-file", str(args.reports_per_file)]
        seconds, peak, _ = timed(cmd, env={**os.environ, "GONGKAI_LANG": "en"})
        again, _, _ = timed(cmd)
        after = measure(db, work)
        result = {"store": str(source), "compact_s": seconds, "compact_peak_mb": peak, "second_compact_s": again,
                  "before": before, "after": after}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"store {result['store']}: compact {seconds:.1f} s, peak RSS {peak:.0f} MB; again (nothing to do) "
          f"{again:.2f} s (a fresh process)")
    print(f"{'':24}{'before':>12}{'after':>12}")
    for key, label in (("files", "files per folder"), ("scan_cells", "scan cells s"), ("scan_sections", "scan sections s"),
                       ("record_ms", "Store.record ms"), ("export_long_s", "export long s"),
                       ("export_long_mb", "export long peak MB")):
        print(f"{label:24}{before[key]:>12.3f}{after[key]:>12.3f}" if isinstance(before[key], float)
              else f"{label:24}{before[key]:>12}{after[key]:>12}")


if __name__ == "__main__":
    main()
