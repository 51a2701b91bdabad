"""Layout variants real reports show, made by editing one thing in a real seed: the reading must
follow the edit exactly (or flag it), and nothing else may change."""
from __future__ import annotations

import pytest

from gongkai import parse
from conftest import CORPUS, gold_for

SEED_PIPE = CORPUS / "seeds" / "000_e36cf77514eb609c.txt"   # pipe, no leading pipe
SEED_TAB = CORPUS / "seeds" / "001_5b34437e6e8fa2c0.txt"    # tab-separated
SEED_CELLS = CORPUS / "seeds" / "004_bae14acceb6e7b7b.txt"  # one cell per line


def edited(path, old: str, new: str, count: int = 1) -> str:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= count, f"{old!r} not in {path.name}"
    return text.replace(old, new, count)


def diff(a, b) -> dict:
    return {p: (v, b.cell(p)) for p, v in a.cells() if v != b.cell(p)}


@pytest.fixture(scope="module")
def pipe():
    return parse(SEED_PIPE)


def test_units_typed_into_a_money_cell(pipe):
    rec = parse(edited(SEED_PIPE, "行政事业性收费 | 52.29 |", "行政事业性收费 | 52.29万元 |"))
    assert diff(pipe, rec) == {}
    assert rec.provenance["active.fees.amount"].raw == "52.29万元"
    rec = parse(edited(SEED_PIPE, "行政事业性收费 | 52.29 |", "行政事业性收费 | 522900元 |"))
    assert diff(pipe, rec) == {"active.fees.amount": (52.29, 522900)}  # printed number kept, no conversion


def test_fullwidth_digits_and_thousands_separators(pipe):
    rec = parse(edited(SEED_PIPE, "一、本年新收政府信息公开申请数量 | 15 |", "一、本年新收政府信息公开申请数量 | １５ |"))
    assert diff(pipe, rec) == {}
    cells = parse(SEED_CELLS)
    rec = parse(edited(SEED_CELLS, "\t1926.4174", "\t1,926.4174"))
    assert diff(cells, rec) == {}


def test_dash_and_blank_cells_are_null(pipe):
    rec = parse(edited(SEED_PIPE, "行政许可 | 47 |", "行政许可 | —— |"))
    assert diff(pipe, rec) == {"active.licensing.decisions": (47, None)}
    row = "(一)予以公开 | 2 | 0 | 0 |"
    rec = parse(edited(SEED_PIPE, row, "(一)予以公开 | 2 | 0 |  |"))
    assert diff(pipe, rec) == {"requests.granted.research": (0, None)}


def test_page_number_inside_a_table_is_not_a_value():
    tab = parse(SEED_TAB)
    rec = parse(edited(SEED_TAB, "8. 属于行政查询事项", "- 4 -\n8. 属于行政查询事项"))
    assert diff(tab, rec) == {}


def test_column_number_row_under_the_header_is_not_read_as_a_row(pipe):
    header_end = "商业 企业 | 科研 机构 | 社会公益组织 | 法律服务机构 | 其他 | |||||\n"
    rec = parse(edited(SEED_PIPE, header_end, header_end + "| 1 | 2 | 3 | 4 | 5 | 6 | 7 |\n"))
    assert diff(pipe, rec) == {}


def test_a_missing_row_is_null_and_said(pipe):
    text = SEED_PIPE.read_text(encoding="utf-8").split("\n")
    text = [line for line in text if not line.startswith("3.危及")]
    rec = parse("\n".join(text))
    changed = diff(pipe, rec)
    assert set(changed) == {f"requests.denied_security_stability.{c}" for c in
                            ("natural_person", "commercial", "research", "social_welfare", "legal_services",
                             "other_org", "total")}
    assert all(got is None for _, got in changed.values())
    assert any(f.rule == "row-not-found" and f.where == "requests.denied_security_stability" for f in rec.findings)


def test_a_row_with_a_cell_missing_is_left_unread_not_shifted(pipe):
    rec = parse(edited(SEED_PIPE, "4.保护第三方合法权益 | 2 | 0 | 0 | 0 | 0 | 0 | 2 |", "4.保护第三方合法权益 | 2 | 0 | 0 | 0 | 0 | 2 |"))
    changed = diff(pipe, rec)
    assert changed and all(p.startswith("requests.denied_third_party.") and got is None for p, (_, got) in changed.items())
    assert any(f.rule == "missing-cells" and f.where == "requests.denied_third_party" for f in rec.findings)


def test_an_extra_trailing_zero_is_ignored_but_never_a_number(pipe):
    row = "4.保护第三方合法权益 | 2 | 0 | 0 | 0 | 0 | 0 | 2 |"
    rec = parse(edited(SEED_PIPE, row, "4.保护第三方合法权益 | 2 | 0 | 0 | 0 | 0 | 0 | 2 | 0 |"))
    assert diff(pipe, rec) == {}
    assert any(f.rule == "extra-cells" and f.where == "requests.denied_third_party" for f in rec.findings)
    # a surplus number: which cell is extra cannot be told from the text
    rec = parse(edited(SEED_PIPE, row, "4.保护第三方合法权益 | 1 | 2 | 1 | 0 | 0 | 0 | 0 | 3 |"))
    assert all(v is None for v in rec.requests["denied_third_party"].values())
    assert any(f.rule == "extra-cells" and "cannot be told" in f.localized("en").message for f in rec.findings)


def test_a_row_printed_blank_is_null_and_does_not_shift_the_next(pipe):
    row = "2.其他法律行政法规禁止公开 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |"
    rec = parse(edited(SEED_PIPE, row, "2.其他法律行政法规禁止公开 | | | | | | | |"))
    changed = diff(pipe, rec)
    assert set(changed) == {f"requests.denied_prohibited_by_law.{c}" for c in
                            ("natural_person", "commercial", "research", "social_welfare", "legal_services",
                             "other_org", "total")}
    assert all(got is None for _, got in changed.values())


def test_text_copied_from_a_pdf_with_wrapped_labels(corpus_present):
    """tests/data/huaian-city-2024-pdf-lines.txt is the text layer of the real 淮安市 2024 PDF as
    lines (labels wrapped around their numbers: `（二）部分公开（…只计这一情` / `447 7 0 0 0 0 454` /
    `形，不计其他情形）`); it must read exactly as the PDF's gold."""
    from conftest import REPO, cell_of, gold_cells, same

    gold = gold_for(CORPUS / "real" / "huaian-city-2024-pdf" / "source.pdf")
    record = parse(REPO / "tests" / "data" / "huaian-city-2024-pdf-lines.txt").to_dict()
    assert [(p, g, cell_of(record, p)) for p, g in gold_cells(gold) if not same(g, cell_of(record, p))] == []


def test_title_set_over_two_lines(pipe):
    title = "2023年度上海市静安区人力资源和社会保障局政府信息公开年度工作报告"
    rec = parse(edited(SEED_PIPE, title, "2023年度上海市静安区人力资源和社会保障局政府信息公开\n年度工作报告"))
    assert (rec.agency, rec.year) == (pipe.agency, pipe.year)


def test_traditional_character_text_reads_like_simplified(pipe):
    from gongkai.ingest.chinese import to_traditional

    text = SEED_PIPE.read_text(encoding="utf-8")
    rec = parse(to_traditional(text))
    assert diff(pipe, rec) == {}
    assert (rec.agency, rec.year, rec.template) == (pipe.agency, pipe.year, pipe.template)
    assert any("Traditional" in f.localized("en").message for f in rec.findings if f.rule == "reader-note")


def test_a_cell_the_reader_could_not_read_is_null_with_a_finding(pipe):
    # readers (OCR) write U+FFFD for a value they saw but could not read surely
    rec = parse(edited(SEED_PIPE, "行政许可 | 47 |", "行政许可 | \ufffd |"))
    assert diff(pipe, rec) == {"active.licensing.decisions": (47, None)}
    found = [f for f in rec.findings if f.rule == "unreadable-cell"]
    assert [f.where for f in found] == ["active.licensing.decisions"] and found[0].origin == "extraction"


def test_a_table_row_without_cells_takes_no_number_from_the_text_after_it(pipe):
    # the fee row lost its cells; the paragraph after the table says 申请15件
    rec = parse(edited(SEED_PIPE, "行政事业性收费 | 52.29 |", "行政事业性收费 |\n本年度新收政府信息公开申请15件。"))
    assert rec.active["fees"]["amount"] is None
    assert any(f.rule == "values-outside-table" and f.where == "active.fees" for f in rec.findings)
