"""Parse and check speed and memory for text and HTML reports, one process, one core.

Usage: python benchmarks/bench_parse.py [--repeat N] [--corpus ../shared/corpus] [--json]
       python benchmarks/bench_parse.py --compare /path/to/other/checkout/src

Reads every text report of the shared corpus (seeds and crawler texts) and, when the HTML reader
and renderer are installed, each seed rendered into the template's HTML layout. For each kind it
measures, per report, in CPU time:

- `parse`: reading and extraction (`parse_bytes(check=False)`);
- `check`: the checks alone (`run_checks` on the parsed record);
- `floor`: decoding the bytes and finding their numbers with one regex — the least any reader
  must do, measured in the same run, so figures can be compared across runs as ratios.

and prints median and p95 ms of each, their ratios to the floor, reports/s and peak RSS. With
`--compare SRC` the same measurement runs again in a subprocess on the code under SRC (another
checkout's `src`, e.g. main's) and both are printed side by side with the speed-up of each figure
(timings are taken alternately, several rounds, so load on the machine hits both alike).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
_NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")


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


def _floor(data: bytes) -> int:
    return len(_NUMBER_RE.findall(data.decode("utf-8", errors="replace")))


def measure(corpus: Path, repeat: int) -> dict:
    """{kind: {stage: [seconds per report]}} for the code importable as `gongkai`."""
    from gongkai import parse_bytes
    from gongkai.checks import run_checks

    out: dict = {}
    for kind, files in inputs(corpus).items():
        records = [parse_bytes(data, name=name, check=False) for name, data in files]  # warm-up
        for record in records:
            run_checks(record)
        times: dict[str, list[float]] = {"parse": [], "check": [], "floor": []}
        clock = time.process_time
        for _ in range(repeat):
            for (name, data), record in zip(files, records):
                t = clock()
                _floor(data)
                times["floor"].append(clock() - t)
                t = clock()
                parse_bytes(data, name=name, check=False)
                times["parse"].append(clock() - t)
                t = clock()
                run_checks(record)
                times["check"].append(clock() - t)
        out[kind] = {"files": len(files), **times}
    out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def summary(raw: dict) -> dict:
    """Median and p95 ms per stage and kind, and each stage's median as a multiple of the floor."""
    out = {}
    for kind, data in raw.items():
        if not isinstance(data, dict):
            continue
        floor = statistics.median(data["floor"])
        row = {"files": data["files"]}
        for stage in ("parse", "check", "floor"):
            ts = sorted(data[stage])
            row[stage] = {"median_ms": statistics.median(ts) * 1000, "p95_ms": ts[int(len(ts) * 0.95)] * 1000,
                          "x_floor": statistics.median(ts) / floor if floor else None}
        row["reports_per_s"] = 1 / (statistics.median(data["parse"]) + statistics.median(data["check"]))
        # issue 14's measure: the parse and check medians together, as a multiple of the floor's
        both = statistics.median(data["parse"]) + statistics.median(data["check"])
        row["parse_check_x_floor"] = both / floor if floor else None
        out[kind] = row
    return out


def _child(src: str, corpus: Path, repeat: int) -> dict:
    env = {**os.environ, "PYTHONPATH": src, "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run([sys.executable, __file__, "--raw", "--repeat", str(repeat), "--corpus", str(corpus)],
                          capture_output=True, text=True, env=env, check=True)
    return json.loads(proc.stdout)


def _merge(a: dict, b: dict) -> dict:
    for kind, data in b.items():
        if isinstance(data, dict):
            for stage in ("parse", "check", "floor"):
                a.setdefault(kind, {"files": data["files"], "parse": [], "check": [], "floor": []})[stage] += data[stage]
        else:
            a[kind] = max(a.get(kind, 0), data)
    return a


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=100)
    ap.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    ap.add_argument("--json", action="store_true", help="print the summary as JSON")
    ap.add_argument("--compare", metavar="SRC", help="also measure the code under SRC (e.g. main's src) and compare")
    ap.add_argument("--rounds", type=int, default=3, help="with --compare: alternate this many rounds")
    ap.add_argument("--raw", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.raw:
        print(json.dumps(measure(a.corpus, a.repeat)))
        return
    if not a.compare:
        result = summary(measure(a.corpus, a.repeat))
        if a.json:
            print(json.dumps(result, indent=2))
            return
        for kind, row in result.items():
            print(f"{kind:5} {row['files']} files x {a.repeat}: {row['reports_per_s']:7.1f} reports/s")
            for stage in ("parse", "check", "floor"):
                s = row[stage]
                print(f"      {stage:6} median {s['median_ms']:6.2f} ms  p95 {s['p95_ms']:6.2f} ms  "
                      f"= {s['x_floor']:5.1f} x floor")
            print(f"      parse+check = {row['parse_check_x_floor']:5.1f} x floor")
        print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
        return
    here = str(REPO / "src")
    mine: dict = {}
    other: dict = {}
    per_round = max(1, a.repeat // a.rounds)
    for _ in range(a.rounds):  # alternate, so the machine's load falls on both
        _merge(other, _child(a.compare, a.corpus, per_round))
        _merge(mine, _child(here, a.corpus, per_round))
    before, after = summary(other), summary(mine)
    if a.json:
        print(json.dumps({"before": before, "after": after}, indent=2))
        return
    print(f"before: {a.compare}\nafter:  {here}\n")
    for kind in after:
        print(f"{kind} ({after[kind]['files']} files x {per_round * a.rounds})")
        for stage in ("parse", "check", "floor"):
            b, c = before[kind][stage], after[kind][stage]
            print(f"  {stage:6} median {b['median_ms']:6.2f} -> {c['median_ms']:6.2f} ms "
                  f"({b['median_ms'] / c['median_ms']:4.1f}x)   p95 {b['p95_ms']:6.2f} -> {c['p95_ms']:6.2f} ms   "
                  f"x floor {b['x_floor']:5.1f} -> {c['x_floor']:5.1f}")
        both_b = before[kind]["parse"]["median_ms"] + before[kind]["check"]["median_ms"]
        both_a = after[kind]["parse"]["median_ms"] + after[kind]["check"]["median_ms"]
        print(f"  parse+check {both_b:6.2f} -> {both_a:6.2f} ms ({both_b / both_a:4.1f}x), x floor "
              f"{before[kind]['parse_check_x_floor']:5.1f} -> {after[kind]['parse_check_x_floor']:5.1f}; checks' share "
              f"{before[kind]['check']['median_ms'] / both_b:4.0%} -> {after[kind]['check']['median_ms'] / both_a:4.0%}")


if __name__ == "__main__":
    main()
