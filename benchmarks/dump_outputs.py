"""Dump `gongkai parse --format json` and `gongkai check --format json` of every corpus and fixture
report (and each seed rendered as HTML), in Chinese and English, into a folder: run it before and
after a change meant to keep the output, then `diff -r` the two folders.

Usage: python benchmarks/dump_outputs.py OUT_DIR [--corpus ../shared/corpus] [--bin .venv/bin]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def inputs(corpus: Path, tmp: Path) -> list[Path]:
    files = sorted(corpus.glob("seeds/*.txt")) + sorted(p for p in corpus.glob("real/*/source.*"))
    files += sorted(p for p in (REPO / "tests" / "data").rglob("*") if p.suffix in (".txt", ".md", ".html", ".pdf"))
    files += sorted((REPO / "examples").glob("*.*"))
    from gongkai.render.html import render_html

    for gold in sorted(corpus.glob("seeds/*.gold.json")):
        html = tmp / (gold.name.removesuffix(".gold.json") + ".html")
        html.write_bytes(render_html(json.loads(gold.read_text(encoding="utf-8"))))
        files.append(html)
    return files


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out", type=Path)
    ap.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    ap.add_argument("--bin", type=Path, default=REPO / ".venv" / "bin")
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        files = inputs(a.corpus, Path(tmp))
        for f in files:
            # names as given, without the temporary folder, so two runs compare equal
            rel = f.name if str(f).startswith(tmp) else str(f)
            for command in ("parse", "check"):
                for lang in ("zh", "en"):
                    proc = subprocess.run([str(a.bin.resolve() / "gongkai"), "--lang", lang, command, "--format", "json", f.name],
                                          cwd=f.parent, capture_output=True)
                    name = f"{rel.replace('/', '_')}.{command}.{lang}"
                    (a.out / (name + ".out")).write_bytes(proc.stdout + proc.stderr + f"\nexit {proc.returncode}\n".encode())
        print(f"{len(files)} files dumped into {a.out}")


if __name__ == "__main__":
    main()
