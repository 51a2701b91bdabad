"""Layouts the reader was not tuned on (issue 9), and inputs built to hurt it (issue 16, items 3,
6 and 11): each class on a real document of the corpus edited to show it, asserting exact cells,
plus synthetic variations. A number is read exactly or left null with a finding — never wrong.

The fixtures in tests/data/unseen/ are written by tests/data/unseen/make_fixtures.py from the
corpus; class 1 (a blank grid row before a row with numbers) is in test_grid_rows.py.
"""
from __future__ import annotations

import re

import pytest

from conftest import CORPUS, REPO, cell_of, gold_cells, gold_for, same
from gongkai import parse
from gongkai.render import html as layout  # the template page drawn as HTML
from gongkai.extract import solver

UNSEEN = REPO / "tests" / "data" / "unseen"
SEED_PIPE = CORPUS / "seeds" / "000_e36cf77514eb609c.txt"
PINGTAN_2019 = CORPUS / "real" / "pingtan-2019-crawltext" / "source.txt"
PINGTAN_2024 = CORPUS / "real" / "pingtan-2024-crawltext" / "source.txt"
STCSM = CORPUS / "real" / "shanghai-stcsm-2024-pdfmd" / "source.md"


def edited(path, old: str, new: str) -> str:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    return text.replace(old, new, 1)


def misses(record, gold: dict) -> list:
    rec = record.to_dict()
    return [(p, g, cell_of(rec, p)) for p, g in gold_cells(gold) if not same(g, cell_of(rec, p))]


def wrong(record, gold: dict) -> list:
    """Cells with a number that differs from gold (null is flagged, not wrong)."""
    return [m for m in misses(record, gold) if m[2] is not None]


def findings(record, rule: str) -> dict:
    return {f.where: f for f in record.findings if f.rule == rule}


# --- class 2: negative numbers in glued crawler text ------------------------------------------
def test_a_minus_inside_a_glued_run_is_a_sign():
    """2019-template 本年增/减 can be negative: `行政事业性收费35-15` is 35 | -15 (read as 3 | 5 before),
    `行政处罚2648-18538` is 2648 | -18 | 538 or three other splits no identity decides."""
    text = edited(PINGTAN_2019, "行政事业性收费350", "行政事业性收费35-15")
    text = text.replace("行政处罚26480430", "行政处罚2648-18538", 1)
    record = parse(text)
    assert record.active["fees"] == {"previous_items": 35, "change": -15}
    assert findings(record, "split-inferred")["active.fees"].severity == "info"
    # every split keeps 2648 first; the rest is left unread and said
    assert record.active["penalty"] == {"previous_items": 2648, "change": None, "decisions": None}
    assert "2648-18538" in findings(record, "split-ambiguous")["active.penalty"].message
    gold = gold_for(PINGTAN_2019)
    assert [m for m in wrong(record, gold) if not m[0].startswith(("active.fees", "active.penalty"))] == []


def test_a_minus_is_only_a_sign_where_the_field_may_be_negative():
    pieces = solver.pieces_of("35-15")
    assert solver.readings(pieces, 2, signed_at=[1]) == [(35, -15)]
    assert solver.readings(pieces, 2) == []  # counts are never negative: no reading, not 3 | 5
    assert sorted(solver.readings(solver.pieces_of("2648-18538"), 3, signed_at=[1])) == [
        (2648, -1853, 8), (2648, -185, 38), (2648, -18, 538), (2648, -1, 8538)]


# --- class 3: OCR output as Markdown ----------------------------------------------------------
def test_ocr_markdown_small_tables_with_generic_headers():
    """Seed 000 as a vision-OCR tool writes it: one small table per row group under a `###`
    heading, generic headers `| 类别 | 数据1 | … | 总计 |`, a wrong header over the last rows, the
    appeals table as three tables, one per group. Every cell reads as the seed's gold."""
    record = parse(UNSEEN / "ocr-markdown-000.md")
    gold = gold_for(SEED_PIPE)
    assert misses(record, gold) == []
    assert (record.agency, record.year, record.template) == (gold["agency"], gold["year"], gold["template"])
    assert not any(f.rule in ("split-impossible", "row-not-found", "table-not-found") for f in record.findings)


def test_generic_column_headers_carry_no_numbers():
    header = "自然人 | 法人或其他组织 | 总计 |"
    text = edited(SEED_PIPE, header, "数据1 | 数据2 | 数据3 |")
    record = parse(text)
    assert misses(record, gold_for(SEED_PIPE)) == []


# --- class 4: PDF-to-Markdown extraction ------------------------------------------------------
def test_pdf_to_markdown_extraction_reads_every_cell_but_the_blank_total():
    """上海市科委 2024 as a PDF-to-Markdown tool left it (labels cut off their values, rows with no
    label, two rows' values on one line, wrapped labels): every cell is read; the carried-forward
    total the extraction left blank is null, with a finding at that cell."""
    record = parse(STCSM)
    gold = gold_for(STCSM)
    assert misses(record, gold) == [("requests.carried_forward.total", 1, None)]
    assert any(f.where == "requests.carried_forward.total" for f in record.findings)
    placed = findings(record, "row-placed")
    assert set(placed) == {f"requests.{k}" for k in (
        "partially_granted", "denied_prohibited_by_law", "unavailable_not_held",
        "unavailable_needs_creation", "unavailable_still_unclear", "not_processed_excessive",
        "not_processed_confirmation", "other_no_correction", "other_no_fee")}
    assert all(f.severity == "info" for f in placed.values())
    # the stray '1' between the rows is said, not taken
    assert "requests" in findings(record, "stray-values")


def _unlabel(text: str, *labels: str) -> str:
    for label in labels:
        assert label + " |" in text, label
        text = text.replace(label + " |", "|", 1)
    return text


def test_rows_without_labels_are_placed_by_the_template_order():
    """Synthetic: the labels of single rows, and of three rows in a run, removed from seed 000."""
    gold = gold_for(SEED_PIPE)
    text = SEED_PIPE.read_text(encoding="utf-8")
    for cut in [("4.保护第三方合法权益",),
                ("2.没有现成信息需要另行制作", "3.补正后申请内容仍不明确"),
                ("2.其他法律行政法规禁止公开", "3.危及“三安全一稳定”", "4.保护第三方合法权益")]:
        record = parse(_unlabel(text, *cut))
        assert misses(record, gold) == [], cut
        assert len(findings(record, "row-placed")) == len(cut)


def test_rows_without_labels_are_not_placed_when_the_count_leaves_two_placements():
    """A row without a label next to a missing row: two placements fit the order, so neither is
    taken — null and a warning, never a guess."""
    gold = gold_for(SEED_PIPE)
    lines = [line for line in SEED_PIPE.read_text(encoding="utf-8").split("\n") if not line.startswith("3.危及")]
    record = parse(_unlabel("\n".join(lines), "4.保护第三方合法权益"))
    assert wrong(record, gold) == []
    for key in ("denied_security_stability", "denied_third_party"):
        assert all(v is None for v in record.requests[key].values())
    assert "requests.denied_prohibited_by_law" in findings(record, "rows-unplaced")


def test_a_row_with_a_blank_cell_is_placed_by_the_identities():
    """四、结转 printed with its last cell blank in a ragged table: only a blank 总计 fits the column
    identities (一 + 二 = （七） + 四), so the six numbers stand and the total is null."""
    row = "四、结转下年度继续办理 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |"
    record = parse(edited(SEED_PIPE, row, "四、结转下年度继续办理 | 0 | 0 | 0 | 0 | 0 | 0 |"))
    assert record.requests["carried_forward"] == dict(natural_person=0, commercial=0, research=0, social_welfare=0,
                                                      legal_services=0, other_org=0, total=None) \
        or all(v is None for v in record.requests["carried_forward"].values())
    assert wrong(record, gold_for(SEED_PIPE)) == []


# --- class 5: glued runs only the narrative decides -------------------------------------------
NARRATIVE = "动态更新发布本年度制发行政规范性文件62件，"


def test_the_report_text_decides_a_glued_run_when_one_split_agrees():
    """pingtan 2024 prints 行政规范性文件6233440 (15 splits); its text said only 制发…62件 (four
    splits agree: unread). With 废止33件，现行有效440件 added, exactly one split agrees."""
    record = parse(PINGTAN_2024)
    assert record.active["normative_documents"] == {"issued": None, "repealed": None, "in_force": None}
    record = parse(edited(PINGTAN_2024, NARRATIVE, "动态更新发布本年度制发行政规范性文件62件，废止33件，现行有效440件，"))
    assert record.active["normative_documents"] == {"issued": 62, "repealed": 33, "in_force": 440}
    found = findings(record, "split-narrative")["active.normative_documents"]
    assert found.severity == "info" and found.origin == "extraction" and "现行有效440件" in found.message
    assert "agrees with what the report's text states" in found.localized("en").message
    assert misses(record, gold_for(PINGTAN_2024)) == []


def test_text_that_disagrees_with_every_split_decides_nothing():
    record = parse(edited(PINGTAN_2024, NARRATIVE, "动态更新发布本年度制发行政规范性文件62件，废止34件，现行有效440件，"))
    assert record.active["normative_documents"] == {"issued": None, "repealed": None, "in_force": None}
    assert "active.normative_documents" in findings(record, "split-ambiguous")


def test_the_issue_example_97253():
    text = edited(PINGTAN_2024, "行政规范性文件6233440", "行政规范性文件97253")
    text = text.replace(NARRATIVE, "制发规范性文件9件……废止7件……现行有效253件。", 1)
    assert parse(text).active["normative_documents"] == {"issued": 9, "repealed": 7, "in_force": 253}


# --- class 6: agency names --------------------------------------------------------------------
TITLE = "2023年度上海市静安区人力资源和社会保障局政府信息公开年度工作报告"


@pytest.mark.parametrize("title,agency", [
    ("沭阳县发展和改革局2023年政府信息公开年度报告-沭阳县发改局", "沭阳县发展和改革局"),
    ("江苏省供销合作总社2023年政府信息公开工作年度报告", "江苏省供销合作总社"),
    ("南京市第一中学2023年度政府信息公开工作年度报告", "南京市第一中学"),
    ("沭阳农村信用合作联社2023年政府信息公开年度报告", "沭阳农村信用合作联社"),
])
def test_agency_from_titles_real_portals_print(title, agency):
    record = parse(edited(SEED_PIPE, TITLE, title))
    assert record.agency == agency
    assert misses(record, gold_for(SEED_PIPE)) == []


def _fragment(opening: str | None, signature: bool) -> bytes:
    """Seed 000 drawn as a page, then cut to the article body: no <title>, no heading."""
    page = layout.render_html(gold_for(SEED_PIPE)).decode("utf-8")
    page = re.sub(r"<title>.*?</title>|<h1>.*?</h1>", "", page)
    page = page.replace("上海市静安区人力资源和社会保障局编制本报告", opening or "编制本报告")
    if not signature:
        page = page.replace('<p class="signature">上海市静安区人力资源和社会保障局</p>', "")
    return page.encode("utf-8")


@pytest.mark.parametrize("opening,signature", [
    ("本报告由上海市静安区人力资源和社会保障局编制", False),
    ("现将上海市静安区人力资源和社会保障局2023年度政府信息公开工作情况报告如下，编制本报告", False),
    (None, True),
])
def test_agency_of_a_fragment_without_title(opening, signature):
    record = parse(_fragment(opening, signature))
    assert record.agency == "上海市静安区人力资源和社会保障局"
    assert not any(f.rule == "agency-not-found" for f in record.findings)


# --- class 7: reports older than the templates ------------------------------------------------
def test_a_report_before_2019_is_noted_not_read_as_the_templates():
    record = parse(UNSEEN / "predates-2012.txt")
    assert (record.year, record.template) == (2012, None)
    assert record.agency == "上海市静安区人力资源和社会保障局"
    assert [(f.rule, f.severity) for f in record.findings if f.origin == "extraction"] == [
        ("predates-templates", "info")]
    assert not any(f.severity == "error" for f in record.findings)
    assert list(record.cells()) == []


# --- issue 16: the splitter, one-cell-per-line continuations, impossible numbers --------------
@pytest.mark.parametrize("digits", [38, 45, 60, 200])
def test_a_glued_run_of_any_length_is_decided_or_refused_within_bounds(digits):
    src = PINGTAN_2019.read_text(encoding="utf-8")
    run = ("123456789" * 30)[:digits]
    record = parse(src.replace("一、本年新收政府信息公开申请数量230 000023", "一、本年新收政府信息公开申请数量" + run))
    assert all(v is None for v in record.requests["new_received"].values())
    said = {f.rule for f in record.findings if f.where == "requests.new_received"}
    assert said & {"split-too-long", "split-impossible"}
    assert wrong(record, gold_for(PINGTAN_2019)) == [] or all(
        m[0].startswith("requests.") for m in wrong(record, gold_for(PINGTAN_2019))) is False


def test_the_search_is_bounded_in_steps_and_says_when_it_stops():
    long_run = solver.pieces_of(("123456789" * 5)[:38])
    out = solver.split(long_run, 7, sums=((tuple(range(6)), 6),), max_steps=500)
    assert out.complete is False
    out = solver.split(solver.pieces_of("9" * 60), 7, sums=((tuple(range(6)), 6),))
    assert out.complete and out.readings == ()  # no cell holds more than 9 digits: decided at once


def test_the_row_sum_prunes_without_changing_the_readings():
    """Same readings with the sum checked while generating as filtered after generating."""
    for run in ("230 000023", "21710000218", "7500000075", "10 0 0 0 01", "3200000032", "23 0 00 0 023"):
        pieces = solver.pieces_of(run)
        everything = solver.readings(pieces, 7)
        assert solver.readings(pieces, 7, sums=((tuple(range(6)), 6),)) == \
            [r for r in everything if sum(r[:6]) == r[6]], run


def test_pruning_keeps_every_reading_on_many_glued_rows():
    """Rows that add up, glued with random spaces and dashes: the readings found with the sums
    pruned while generating are exactly those of the full enumeration that keep the sums — for
    request rows (one sum, total last) and appeals rows (three sums)."""
    import random

    rng = random.Random(9)
    checked = 0
    shapes = [(7, ((tuple(range(6)), 6),)), (15, tuple(((5 * g, 5 * g + 1, 5 * g + 2, 5 * g + 3), 5 * g + 4)
                                                       for g in range(3)))]
    for _ in range(200):
        n, sums = rng.choice(shapes)
        cells: list = [rng.choice([0, 0, 0, 1, 2, 3, 7, 12, 25, 130, None]) for _ in range(n)]
        for parts, total in sums:
            values = [cells[p] for p in parts]
            cells[total] = None if None in values else sum(values)
        text = ""
        for k, v in enumerate(cells):
            text += ("——" if v is None else str(v)) + (" " if v is None or rng.random() < 0.3 else "")
            if k + 1 < n and v is not None and cells[k + 1] is None:
                text += " "
        pieces = solver.pieces_of(text)
        full = solver.split(pieces, n, max_steps=20000, max_readings=20000)
        if not full.complete:
            continue
        everything = full.readings
        checked += 1
        kept = [r for r in everything if all(None in [r[p] for p in parts] + [r[t]] or
                                             sum(r[p] for p in parts) == r[t] for parts, t in sums)]
        assert sorted(solver.readings(pieces, n, sums=sums), key=repr) == sorted(kept, key=repr), text
        assert tuple(cells) in kept, text
    assert checked > 100


SEED_CELLS = CORPUS / "seeds" / "004_bae14acceb6e7b7b.txt"


@pytest.mark.parametrize("lines", [["\t1", "\t10 0\t0"], ["\t3", "2\t0"]])
def test_a_continuation_line_never_joins_digits_to_the_cell_above(lines):
    seed = SEED_CELLS.read_text(encoding="utf-8").split("\n")
    i = next(k for k, line in enumerate(seed) if line.startswith("\t5.属于三类内部事务信息"))
    record = parse("\n".join(seed[:i + 1] + lines + seed[i + 4:]))
    row = record.requests["denied_internal_affairs"]
    # only numbers the lines print, each as printed: never 110 or 32
    printed = {int(t) for line in seed[i + 4:i + 8] + lines for t in re.findall(r"[0-9]+", line)}
    assert all(v is None or v in printed for v in row.values()), row
    assert not {110, 32} & set(row.values())
    # the other rows are untouched
    assert [m for m in wrong(record, gold_for(SEED_CELLS)) if "denied_internal_affairs" not in m[0]] == []


ROW = "(七)总计 | 17 | 0 | 0 | 0 | 0 | 0 | 17 |"


@pytest.mark.parametrize("cell,why", [("1" + "0" * 400, "401 digits"), ("9" * 5000, "5000 digits"),
                                      ("𝟏𝟕", "𝟏𝟕"), ("१७", "१७"), ("١٧", "١٧")])
def test_impossible_or_foreign_numbers_are_null_with_a_finding(cell, why):
    record = parse(edited(SEED_PIPE, ROW, ROW.replace("| 17 |", f"| {cell} |", 1)))
    assert record.requests["total"]["natural_person"] is None
    found = findings(record, "unreadable-cell")["requests.total.natural_person"]
    assert why in found.localized("en").message
    assert wrong(record, gold_for(SEED_PIPE)) == []
