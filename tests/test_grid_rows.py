"""A value belongs to its own grid row (issue 9, class 1).

A real 2019-template web page printed （六）其他处理 with every cell `&nbsp;` and then （七）总计 with
`767 | 35 | &nbsp; | &nbsp; | 2 | 1 | 805`: the reader put 767, 35, 2, 1, 805 into （六）其他处理 and
said （七）总计 was not found. Here every row of every seed's tables is printed blank in turn, with
the row after it keeping its numbers but two cells blank, and drawn as the template draws it in
HTML, DOCX and PDF (LibreOffice): the record must give back exactly the edited gold — the blank row
null, the next row's numbers in the next row.
"""
from __future__ import annotations

import copy
import functools

import pytest

from conftest import SEEDS, gold_for
from gongkai import parse
from gongkai.render import html as layout  # the template page drawn as HTML

TABLES = ("active", "requests", "appeals")


def blank_row_variants(gold: dict):
    """(name, gold with one row printed blank and two cells of the row after it blank)."""
    for table in ("active", "requests"):
        keys = list(gold[table])
        for i, key in enumerate(keys):
            edited = copy.deepcopy(gold)
            edited[table][key] = {f: None for f in edited[table][key]}
            if i + 1 < len(keys):
                after = edited[table][keys[i + 1]]
                fields = list(after)
                for f in fields[2:4]:
                    after[f] = None
            yield f"{table}.{key}", edited


VARIANTS = [(seed.stem[:3] + ":" + name, edited) for seed in SEEDS for name, edited in
            blank_row_variants(gold_for(seed))]


def differences(record, gold: dict) -> list:
    got = record.to_dict()
    return [(f"{t}.{r}.{f}", v, (got[t].get(r) or {}).get(f))
            for t in TABLES for r, fields in gold[t].items() for f, v in fields.items()
            if (got[t].get(r) or {}).get(f) != v]


def test_the_issue_page_reads_each_row_from_its_own_row():
    """The 2019 seed, （六）其他处理 printed blank and （七）总计 with two blank cells."""
    gold = copy.deepcopy(gold_for(next(s for s in SEEDS if gold_for(s)["template"] == "2019")))
    gold["requests"]["other"] = {f: None for f in gold["requests"]["other"]}
    gold["requests"]["total"]["research"] = gold["requests"]["total"]["social_welfare"] = None
    page = layout.render_html(gold, null_text="&nbsp;").decode("utf-8").replace("&amp;nbsp;", "&nbsp;")
    assert "&nbsp;" in page
    record = parse(page.encode("utf-8"))
    assert differences(record, gold) == []
    assert not any(f.rule == "row-not-found" and f.where == "requests.total" for f in record.findings)


@pytest.mark.parametrize("name,gold", VARIANTS, ids=[v[0] for v in VARIANTS])
def test_html_blank_row_before_every_kind_of_row(name, gold):
    assert differences(parse(layout.render_html(gold, null_text="")), gold) == []


@pytest.mark.parametrize("name,gold", VARIANTS, ids=[v[0] for v in VARIANTS])
def test_docx_blank_row_before_every_kind_of_row(name, gold):
    pytest.importorskip("docx")
    from gongkai.render.docx import render_docx

    assert differences(parse(render_docx(gold, null_text="")), gold) == []


# PDF: one LibreOffice run for the variants of two seeds (one per template)
PDF_SEEDS = [next(s for s in SEEDS if gold_for(s)["template"] == t) for t in ("2019", "2021")]
PDF_VARIANTS = [(seed.stem[:3] + ":" + name, edited) for seed in PDF_SEEDS for name, edited in
                blank_row_variants(gold_for(seed))]


@functools.lru_cache(maxsize=1)
def _pdfs() -> tuple[bytes, ...]:
    from gongkai.render.docx import docx_to, render_docx

    return tuple(docx_to([render_docx(g, null_text="") for _, g in PDF_VARIANTS], "pdf"))


def test_pdf_blank_row_before_every_kind_of_row():
    pytest.importorskip("docx")
    from test_formats_roundtrip import require_soffice

    require_soffice()
    wrong = {}
    for (name, gold), pdf in zip(PDF_VARIANTS, _pdfs()):
        diff = differences(parse(pdf), gold)
        if diff:
            wrong[name] = diff[:4]
    assert wrong == {}
