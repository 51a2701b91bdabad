"""A large test corpus made from real reports: renamed, re-encoded copies plus corrupt files.

For load tests and benchmarks only (the kill-and-resume test, benchmarks/bench_ingest.py). Every
copy is a real report's text, unchanged except for its encoding (UTF-8, UTF-8 with BOM, GB18030 or
UTF-16), its line endings and a run of trailing blank lines that makes each file's bytes unique. PDFs are copied with a trailing comment after `%%EOF`,
which readers ignore. About `corrupt` of the files are broken on purpose: random bytes, a
truncated PDF, an empty file, a ZIP that is no Word file, a text that is no report.

With `bodies=True` each text copy is also moved to a county of its own: the report's body name
(平潭综合实验区公安局) has its region replaced, wherever the text names it, by a real county's
city and county (南京市鼓楼区公安局), so a store of 20,000 copies holds thousands of bodies across
every province instead of the sources' few, as a national year's store does (the web benchmark).
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


def _counties() -> list[str]:
    """Every county-level division as its city and county names (南京市鼓楼区), in code order."""
    from .regions import divisions

    names = divisions().names

    def city(code: str) -> str:
        # 北京市东城区, not 市辖区东城区; 海南省五指山市, not 省直辖县级行政区划五指山市
        name = names.get(code[:4] + "00", "")
        return names.get(code[:2] + "0000", "") if not name or name.startswith(("市辖", "县", "省直辖", "自治区直辖")) \
            else name

    def plain(name: str) -> bool:  # a county, district or county-level city, not a zone (蚌埠市高新技术开发区)
        return name.endswith(("区", "县", "市", "旗")) and not name.startswith("市辖") and not any(
            w in name for w in ("开发区", "新区", "园区", "管理区", "实验区", "试验区", "示范区", "合作区"))

    return [city(code) + names[code] for code in sorted(names)
            if len(code) == 6 and code[4:] != "00" and code[2:4] != "00" and plain(names[code])]


def _body_names(sources: list[Path]) -> dict[Path, tuple[str, str]]:
    """{text source: (its body's name as printed, the rest of that name after its region)}."""
    from ..api import parse
    from .agencies import normalise

    out = {}
    for src in sources:
        data = src.read_bytes()
        if data.startswith(b"%PDF-"):
            continue
        record = parse(src, check=False)
        agency = normalise(record.agency, " ".join(s.text for s in record.sections[:2])) if record.agency else None
        if agency is not None and agency.region.code is not None and record.agency in data.decode("utf-8-sig"):
            out[src] = (record.agency, agency.name[agency.region.end:])
    return out


def make_corpus(sources: Iterable[os.PathLike | str], root: os.PathLike | str, n: int = 2000, *,
                corrupt: float = 0.01, seed: int = 2024, subdirs: int = 20, bodies: bool = False) -> Corpus:
    """Write `n` files under `root` (in `subdirs` folders): copies of `sources` and
    round(n * corrupt) broken files, in shuffled order (`bodies`: see the module's docstring)."""
    rng = random.Random(seed)
    root = Path(root)
    sources = [Path(s) for s in sources]
    variants = [(src, enc, data) for src in sources for enc, data in _variants(src)]
    names = _body_names(sources) if bodies else {}
    counties = _counties() if bodies else []
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
            if src in names:
                printed, rest = names[src]
                data = data.replace(printed, counties[(i * 7919) % len(counties)] + rest)
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
