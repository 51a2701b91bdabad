"""Locations in words: record paths in the template's words, source positions as a person counts
them, in Chinese by default and in English on request."""
from __future__ import annotations

import re

import pytest

from conftest import CORPUS, SEEDS
from gongkai import parse
from gongkai.i18n import use_language
from gongkai.render.html import render_html
from gongkai.locations import cell_label, position, row_name, where
from gongkai.record import CellSource

PDF = CORPUS / "real" / "hongze-district-2023-pdf" / "source.pdf"
DOCX = CORPUS / "real" / "template-2021-blank-docx" / "source.docx"


@pytest.mark.parametrize("path, zh, en", [
    ("requests.total.natural_person", "表三 （七）总计 行 × 自然人 列", "table 三, row （七）总计, column 自然人"),
    ("requests.denied_third_party.total", "表三 （三）不予公开 4.保护第三方合法权益 行 × 总计 列",
     "table 三, row （三）不予公开 4.保护第三方合法权益, column 总计"),
    ("requests.partially_granted", "表三 （二）部分公开 行", "table 三, row （二）部分公开"),
    ("appeals.reconsideration.total", "表四 行政复议·总计 列", "table 四, column 行政复议·总计"),
    ("active.regulations.issued", "表二 规章 行 × 本年制发件数 列", "table 二, row 规章, column 本年制发件数"),
    ("requests", "表三", "table 三"),
    ("sections.5", "第五部分（存在的主要问题及改进情况）", "part 五 (存在的主要问题及改进情况)"),
    ("year", "报告年度", "the report's year"),
])
def test_paths_in_the_templates_words(path, zh, en):
    assert where(path).render("zh") == zh
    assert where(path).render("en") == en


def test_every_row_of_the_template_has_a_name_with_its_group():
    from gongkai.vocabulary import REQUEST_ROWS_2021

    for spec in REQUEST_ROWS_2021:
        name = row_name("requests", spec.key)
        assert name != spec.key and "区分处理的" not in name and "不再处理" not in name
        if re.match(r"^\d+\.", spec.label):  # a sub-item keeps its group visible
            assert re.match(r"^（[三四五六]）\S+ \d+\.", name), name
    assert cell_label("requests.granted.natural_person") == "（一）予以公开 × 自然人"


def test_text_positions_are_lines():
    record = parse(SEEDS[0])
    src = record.provenance["requests.total.total"]
    assert re.fullmatch(r"第 \d+ 行第 \d+ 字", src.at)
    with use_language("en"):
        assert re.fullmatch(r"line \d+, col \d+", src.at)
        assert record.to_dict()["provenance"]["requests.total.total"]["at"] == src.at
    assert record.to_dict()["provenance"]["requests.total.total"]["at"].startswith("第 ")


def test_pdf_positions_are_pages():
    record = parse(PDF, check=False)
    assert record.provenance["appeals.reconsideration.total"].at == "第 4 页"
    assert record.provenance["appeals.reconsideration.total"].location().render("en") == "page 4"


def test_html_cells_are_located_by_table_row_and_column_as_seen(tmp_path):
    """A seed drawn as the template's HTML page: the DOM path stays for tools, the words count the
    document's tables and the cells a person sees along the row (a merged cell counts once)."""
    record = parse(render_html(parse(SEEDS[0])), name="report.html", check=False)
    total = record.provenance["requests.total.total"]
    assert total.dom_path.startswith("/html/body") and "/html" not in total.at
    # table 三 is the page's second table; （七）总计 its 27th row; along that row a person sees
    # 三、本年度办理结果 (merged from above), （七）总计, then the seven values: 总计 is the 9th
    assert total.at == "第二张表 第27行第9列"
    assert total.location().render("en") == "table 2, row 27, column 9"
    # under the rowspan of 三、本年度办理结果 the cells of （二）部分公开 start one further right
    assert record.provenance["requests.partially_granted.natural_person"].at == "第二张表 第7行第3列"


def test_docx_cells_are_located_by_table_row_and_column():
    record = parse(DOCX, check=False)
    assert record.provenance
    for src in record.provenance.values():
        assert src.dom_path.startswith("/w:body") and re.fullmatch(r"第[一二]张表 第\d+行第\d+列", src.at), src


def test_ocr_confidence_is_said_and_positions_round_trip_through_json():
    src = CellSource("7", page=2, confidence=0.612)
    assert src.at == "第 2 页（识别置信度 0.61）"
    assert position(src).render("en") == "page 2, OCR confidence 0.61"
    back = CellSource(**{k: v for k, v in {"raw": "1", "grid": [2, 3, 4]}.items()})
    assert back.grid == (2, 3, 4) and back.at == "第二张表 第3行第4列"


def test_parsing_processes_follow_the_callers_language(tmp_path):
    """The store's workers (started by a fork server whose environment may be older) render
    positions in the language of the process that runs the ingest."""
    pytest.importorskip("duckdb")
    from gongkai.store.pipeline import ingest
    from gongkai.store.writer import Store

    for i, (lang, prefix) in enumerate((("en", "line "), ("zh", "第 "), ("en", "line "))):
        db = tmp_path / f"{i}-{lang}.duckdb"
        with use_language(lang):
            result = ingest([str(SEEDS[0])], str(db), workers=2, progress="none", cross=False)
        assert result.new_reports == 1
        with Store(db, read_only=True) as s:
            places = {p for (p,) in s.query("SELECT location FROM cells WHERE location IS NOT NULL")}
        assert places and all(p.startswith(prefix) for p in places), (lang, sorted(places)[:3])
