#!/usr/bin/env python3
"""Regenerate docs/screenshots/letter.png and docs/screenshots/summary.png.

    .venv/bin/python scripts/screenshots_review.py [--out docs/screenshots]

Both are drawn from the tests' inbox (tests/review_inbox.py: real reports of the shared corpus, an
edited copy, a roster with one body that sent nothing): the letter of 洪泽区人民政府 2023 (its
pages side by side) and the summary workbook's first sheet, each printed to PDF by LibreOffice
and rendered to PNG with pdftoppm. Needs LibreOffice, poppler-utils and Pillow.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the inbox the tests build


def pdf_pages(pdf: bytes, dpi: int, first: int = 1, last: int | None = None) -> list:
    from PIL import Image

    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp, "in.pdf")
        source.write_bytes(pdf)
        args = ["pdftoppm", "-r", str(dpi), "-png", "-f", str(first)] + (["-l", str(last)] if last else [])
        subprocess.run(args + [str(source), str(Path(tmp, "page"))], check=True)
        return [Image.open(p).copy() for p in sorted(Path(tmp).glob("page*.png"))]


def cropped(image, margin: int = 24):
    """The page cut to what is printed on it, with a white margin."""
    from PIL import ImageOps

    box = ImageOps.invert(image.convert("RGB")).getbbox()
    if box is None:
        return image
    left, top, right, bottom = box
    return image.crop((max(left - margin, 0), max(top - margin, 0), min(right + margin, image.width),
                       min(bottom + margin, image.height)))


def side_by_side(pages: list, gap: int = 16):
    from PIL import Image

    width = sum(p.width for p in pages) + gap * (len(pages) + 1)
    height = max(p.height for p in pages) + 2 * gap
    sheet = Image.new("RGB", (width, height), (200, 200, 200))
    x = gap
    for page in pages:
        sheet.paste(page, (x, gap))
        x += page.width + gap
    return sheet


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()

    from review_inbox import YEAR, build_inbox

    from gongkai.ingest.office import convert
    from gongkai.render.docx import docx_to
    from gongkai.review.inbox import load_reports
    from gongkai.review.letters import letter_docx
    from gongkai.review.summary import read_roster, summary_workbook

    import os

    out = args.out.resolve()
    with tempfile.TemporaryDirectory() as tmp:
        inbox = build_inbox(Path(tmp))
        os.chdir(tmp)  # the sheet shows files relative to the current folder: inbox/…
        reports = load_reports([inbox["inbox"]])
        hongze = next(r for r in reports if getattr(r, "file", "").endswith("hongze-2023.pdf"))
        letter = letter_docx(hongze, office="淮安市人民政府办公室", date="2027年1月15日")
        pages = pdf_pages(docx_to([letter], "pdf")[0], dpi=80)
        side_by_side(pages).save(out / "letter.png", optimize=True)
        workbook = summary_workbook(reports, roster=read_roster(inbox["roster"]), year=YEAR)
        pdf = convert([("summary.xlsx", workbook)], "pdf:calc_pdf_Export")[0]
        cropped(pdf_pages(pdf, dpi=110, last=1)[0]).save(out / "summary.png", optimize=True)
    print(f"wrote {out / 'letter.png'} and {out / 'summary.png'}")


if __name__ == "__main__":
    main()
