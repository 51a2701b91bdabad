"""Fuzzing real reports (issue 16): whatever is done to a report's text, HTML or Word file, reading it
raises nothing but `ReadError` and never yields a number the mutated source does not print.

Mutations are drawn by hypothesis: cuts, duplications and insertions of the pieces reports are made
of (tabs, pipes, line breaks, digits, dashes, labels, escapes, other digit scripts), byte flips and
truncations, and for Word files edits of the cells' text and of the table structure (cells dropped,
rows doubled, spans and merges added). The runs are derandomised so CI sees the same cases every
time; GONGKAI_FUZZ_EXAMPLES=2000 makes a longer campaign.
"""
from __future__ import annotations

import io
import os
import re
import zipfile

import pytest

hypothesis = pytest.importorskip("hypothesis", reason="the fuzz tests need hypothesis (dev extra)")
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

from gongkai.api import parse_bytes  # noqa: E402
from gongkai.ingest import ReadError  # noqa: E402
from conftest import CORPUS, SEEDS, gold_for  # noqa: E402
from source_numbers import invented_numbers, text_of_markup  # noqa: E402

EXAMPLES = int(os.environ.get("GONGKAI_FUZZ_EXAMPLES", "0")) or None


def fuzz_settings(examples: int):
    return settings(max_examples=EXAMPLES or examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])


# Pieces reports are made of, and a few they should never contain.
PIECES = ["\t", "\n", "\r\n", "|", " | ", "  ", "0", "1", "17", "230 000023", "\t1", "\t10 0\t0", "2\t0",
          "——", "-", "/", "一、", "（七）总计", "总计", "自然人", "商业企业", "本年新收", "行政复议", "合计",
          "12.5", "1,234", "１２", "\x00", "\x1b]2;x\x07", "\u202e", "\ufeff", "\ufffd", "&nbsp;",
          "政府信息公开工作年度报告"]
# Pieces that once reached defects of the extractor and the checks (issue 16 items 3 and 11: long
# glued digit runs, a 401-digit value, other digit scripts): kept as pieces of their own.
PIECES += ["१७", "𝟏𝟕", "٣", "9" * 40, "1" + "0" * 400]
SAFE_PIECES = [p for p in PIECES if not any(c in p for c in "<>&\x00")]

# Positions are thousandths of the length (integers: a library loaded earlier in the process may
# have switched the CPU to flush subnormal floats, which hypothesis's float strategies refuse).
SCALE = 1000
position = st.integers(0, SCALE)


def _at(text, where: int) -> int:
    return min(len(text), where * len(text) // SCALE)


def _index(n: int, where: int) -> int:
    return min(n - 1, where * n // SCALE)


@st.composite
def text_edit(draw, pieces=PIECES):
    kind = draw(st.sampled_from(["delete", "insert", "insert", "duplicate", "swap-lines", "replace"]))
    return (kind, draw(position), draw(st.integers(1, 400)), draw(st.sampled_from(pieces)),
            draw(position))


def apply_text_edit(text: str, edit) -> str:
    kind, where, length, piece, other = edit
    i = _at(text, where)
    if kind == "delete":
        return text[:i] + text[i + length:]
    if kind == "insert":
        return text[:i] + piece + text[i:]
    if kind == "duplicate":
        j = _at(text, other)
        return text[:j] + text[i:i + length] + text[j:]
    if kind == "replace":
        return text[:i] + piece + text[i + len(piece):]
    lines = text.split("\n")  # swap two lines
    a, b = _at(lines[:-1] or lines, where), _at(lines[:-1] or lines, other)
    if a < len(lines) and b < len(lines):
        lines[a], lines[b] = lines[b], lines[a]
    return "\n".join(lines)


@st.composite
def byte_edit(draw):
    return (draw(st.sampled_from(["flip", "truncate", "zero"])), draw(position), draw(st.integers(0, 255)))


def apply_byte_edit(data: bytes, edit) -> bytes:
    kind, where, value = edit
    i = _index(len(data), where)
    if kind == "truncate":
        return data[:i]
    if kind == "zero":
        return data[:i] + bytes(min(64, len(data) - i)) + data[i + 64:]
    return data[:i] + bytes([data[i] ^ (value or 1)]) + data[i + 1:]


def read_checked(data: bytes, name: str, source_text) -> None:
    """The property: a record or a ReadError; no other exception, no invented number."""
    try:
        record = parse_bytes(data, name=name)
    except ReadError:
        return
    assert invented_numbers(record, source_text()) == []


# --- sources: real reports -----------------------------------------------------------------------
class Sources(list):
    """(name, content) pairs; shown by name in hypothesis's reports, not as megabytes of content."""

    def __repr__(self) -> str:
        return f"Sources({[name for name, _ in self]})"


TEXTS = [p for p in SEEDS] + sorted(CORPUS.glob("real/*/source.txt")) + sorted(CORPUS.glob("real/*/source.md"))


@pytest.fixture(scope="module")
def texts() -> list[tuple[str, str]]:
    return Sources((p.name, p.read_text(encoding="utf-8")) for p in TEXTS)


@pytest.fixture(scope="module")
def pages() -> list[tuple[str, str]]:
    from gongkai.render.html import render_html

    return Sources((p.stem + ".html", render_html(gold_for(p)).decode("utf-8")) for p in SEEDS)


@pytest.fixture(scope="module")
def word_files() -> list[tuple[str, bytes]]:
    pytest.importorskip("docx", reason="python-docx renders the seeds as Word files")
    from gongkai.render.docx import render_docx

    files = [(p.stem + ".docx", render_docx(gold_for(p))) for p in SEEDS[:3]]
    return Sources(files + [(p.name, p.read_bytes()) for p in sorted(CORPUS.glob("real/*/source.docx"))])


# --- text ----------------------------------------------------------------------------------------
@fuzz_settings(120)
@given(data=st.data())
def test_mutated_text_reports(texts, data):
    name, text = texts[data.draw(st.integers(0, len(texts) - 1), label="source")]
    for edit in data.draw(st.lists(text_edit(), min_size=1, max_size=6), label="edits"):
        text = apply_text_edit(text, edit)
    encoding = data.draw(st.sampled_from(["utf-8", "gb18030", "utf-16-le"]), label="encoding")
    raw = text.encode(encoding, errors="replace")
    edits = data.draw(st.lists(byte_edit(), max_size=1), label="byte edits")
    for edit in edits:
        raw = apply_byte_edit(raw, edit)
    # what the source prints: its text as the reader would decode it, or (for damaged bytes) every
    # decoding a reader could choose
    read_checked(raw, name, lambda: text if not edits else "\n".join(
        raw.decode(e, errors="replace") for e in ("utf-8", "gb18030", "big5hkscs", "utf-16-le", "utf-16-be")))


# --- HTML ----------------------------------------------------------------------------------------
@fuzz_settings(60)
@given(data=st.data())
def test_mutated_html_reports(pages, data):
    name, page = pages[data.draw(st.integers(0, len(pages) - 1), label="source")]
    for edit in data.draw(st.lists(text_edit(SAFE_PIECES), min_size=1, max_size=6), label="edits"):
        page = apply_text_edit(page, edit)
    structure = data.draw(st.lists(st.tuples(st.sampled_from(
        ["</td>", "<td>", "<tr>", "</tr>", '<td rowspan="3">', '<td colspan="4">', '<td rowspan="0">',
         "<p>", "<br>", "</table>", "<table>"]), position), max_size=3), label="tags")
    for tag, where in structure:
        i = _at(page, where)
        page = page[:i] + tag + page[i:]
    read_checked(page.encode("utf-8"), name, lambda: text_of_markup(page))


# --- Word ----------------------------------------------------------------------------------------
_T = re.compile(r"(<w:t(?: [^>]*)?>)([^<]*)(</w:t>)")
_ELEMENT = {tag: re.compile(rf"<w:{tag}[ >].*?</w:{tag}>", re.S) for tag in ("tc", "tr")}
_TC_PR = re.compile(r"<w:tc>")


@st.composite
def docx_edit(draw):
    kind = draw(st.sampled_from(["text", "text", "text", "drop-tc", "double-tr", "span", "vmerge"]))
    return kind, draw(position), draw(text_edit(SAFE_PIECES)), draw(st.integers(0, 70))


def apply_docx_edit(xml: str, edit) -> str:
    kind, where, text_change, n = edit
    if kind == "text":
        runs = list(_T.finditer(xml))
        if not runs:
            return xml
        m = runs[_index(len(runs), where)]
        new = apply_text_edit(m.group(2), text_change)
        return xml[:m.start(2)] + new + xml[m.end(2):]
    if kind in ("drop-tc", "double-tr"):
        found = list(_ELEMENT["tc" if kind == "drop-tc" else "tr"].finditer(xml))
        if not found:
            return xml
        m = found[_index(len(found), where)]
        return xml[:m.start()] + ("" if kind == "drop-tc" else m.group() * 2) + xml[m.end():]
    cells = list(re.finditer(r"<w:tc>", xml))
    if not cells:
        return xml
    m = cells[_index(len(cells), where)]
    prop = f'<w:tcPr><w:gridSpan w:val="{n}"/></w:tcPr>' if kind == "span" else \
        f'<w:tcPr><w:vMerge w:val="{"restart" if n % 2 else "continue"}"/></w:tcPr>'
    return xml[:m.end()] + prop + xml[m.end():]


def _rezip(original: bytes, document_xml: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(original)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = document_xml.encode("utf-8") if info.filename == "word/document.xml" else src.read(info)
            dst.writestr(info.filename, data)
    return out.getvalue()


@fuzz_settings(60)
@given(data=st.data())
def test_mutated_word_reports(word_files, data):
    name, original = word_files[data.draw(st.integers(0, len(word_files) - 1), label="source")]
    with zipfile.ZipFile(io.BytesIO(original)) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    for edit in data.draw(st.lists(docx_edit(), min_size=1, max_size=5), label="edits"):
        xml = apply_docx_edit(xml, edit)
    raw = _rezip(original, xml)
    for edit in data.draw(st.lists(byte_edit(), max_size=1), label="byte edits"):
        raw = apply_byte_edit(raw, edit)
    read_checked(raw, name, lambda: text_of_markup(xml))
