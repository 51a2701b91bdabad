"""A large test corpus made from real reports: renamed, re-encoded copies plus corrupt files.

For load tests and benchmarks only (the kill-and-resume test, benchmarks/bench_ingest.py). Every
copy is a real report's text, unchanged except for its encoding (UTF-8, UTF-8 with BOM, GB18030 or
UTF-16), its line endings and a run of trailing blank lines that makes each file's bytes unique. PDFs are copied with a trailing comment after `%%EOF`,
which readers ignore. About `corrupt` of the files are broken on purpose: random bytes, a
truncated PDF, an empty file, a ZIP that is no Word file, a text that is no report.
"""
from __future__ import annotations

import os
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

# Traditional-character copies are left out: the text reader does not convert them (yet), so they
# would be failures by design rather than reports.
ENCODINGS = ("utf-8", "utf-8-sig", "gb18030", "utf-16")


@dataclass
class Corpus:
    root: Path
    good: list[Path]
    bad: list[Path]
    sources: list[Path]


def _variants(source: Path) -> list[tuple[str, str | bytes]]:
    """(encoding, text) per encoding; ("pdf", bytes) for a PDF."""
    data = source.read_bytes()
    if data.startswith(b"%PDF-"):
        return [("pdf", data)]
    text = data.decode("utf-8-sig")
    return [(enc, text) for enc in ENCODINGS]


def _encode(text: str, enc: str) -> bytes:
    return text.encode(enc)


def _bad_file(i: int, rng: random.Random) -> tuple[str, bytes]:
    kind = i % 6
    if kind == 0:
        return ".pdf", bytes(rng.getrandbits(8) for _ in range(2048))
    if kind == 1:
        return ".pdf", b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog" + bytes(rng.getrandbits(8) for _ in range(512))
    if kind == 2:
        return ".txt", b""
    if kind == 3:
        return ".docx", b"PK\x03\x04" + bytes(rng.getrandbits(8) for _ in range(1024))
    if kind == 4:
        return ".txt", ("会议纪要\n今天讨论了食堂的菜单。" * (i + 1)).encode("utf-8")
    return ".html", b"\x00\x01\x02" + bytes(rng.getrandbits(8) for _ in range(1024))


def make_corpus(sources: Iterable[os.PathLike | str], root: os.PathLike | str, n: int = 2000, *,
                corrupt: float = 0.01, seed: int = 2024, subdirs: int = 20) -> Corpus:
    """Write `n` files under `root` (in `subdirs` folders): copies of `sources` and
    round(n * corrupt) broken files, in shuffled order."""
    rng = random.Random(seed)
    root = Path(root)
    sources = [Path(s) for s in sources]
    variants = [(src, enc, data) for src in sources for enc, data in _variants(src)]
    n_bad = round(n * corrupt)
    n_good = n - n_bad
    slots = list(range(n))
    rng.shuffle(slots)
    good, bad = [], []
    for i in range(n_good):
        src, enc, data = variants[i % len(variants)]
        rest = i // len(variants)
        crlf, pad = rest % 2, rest // 2
        if enc == "pdf":
            body = data + b"\n%copy " + str(i).encode() + b"\n"
        else:
            text = data.replace("\n", "\r\n") if crlf else data
            body = _encode(text + "\n" * pad, enc)
        ext = source_ext(src)
        path = root / f"d{slots[i] % subdirs:02d}" / f"report-{slots[i]:05d}-{enc}{ext}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
        good.append(path)
    for j in range(n_bad):
        ext, body = _bad_file(j, rng)
        slot = slots[n_good + j]
        path = root / f"d{slot % subdirs:02d}" / f"report-{slot:05d}-broken{ext}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
        bad.append(path)
    return Corpus(root, good, bad, sources)


def source_ext(path: Path) -> str:
    return path.suffix if path.suffix else ".txt"


def real_sources(corpus: os.PathLike | str, *, pdfs: bool = False) -> list[Path]:
    """The real reports of shared/corpus: the text ones, and the PDFs if asked."""
    corpus = Path(corpus)
    out = sorted(corpus.glob("seeds/*.txt")) + sorted(corpus.glob("real/*/source.txt"))
    if pdfs:
        out += sorted(corpus.glob("real/*/source.pdf"))
    return out


def main(argv: Optional[list[str]] = None) -> None:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("corpus", help="shared/corpus")
    ap.add_argument("out")
    ap.add_argument("-n", type=int, default=2000)
    ap.add_argument("--pdfs", action="store_true")
    args = ap.parse_args(argv)
    c = make_corpus(real_sources(args.corpus, pdfs=args.pdfs), args.out, args.n)
    print(f"{len(c.good)} good, {len(c.bad)} broken files under {c.root}")


if __name__ == "__main__":
    main()
