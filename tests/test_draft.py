"""Drafting (template 2021): the fill-in workbook, the workbook as an input format, the report
written from it, `--previous`, and the live checks recalculated by LibreOffice.

Every 2021-template seed's gold is typed into a fresh workbook through its defined names (as a
script or another system would fill it) and must come back equal to gold; the report rendered
from it (DOCX and HTML) must parse back equal to gold, with agency and year, and no error.
"""
from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path

import pytest

pytest.importorskip("openpyxl")
pytest.importorskip("docx")

from click.testing import CliRunner  # noqa: E402
from openpyxl import load_workbook  # noqa: E402

from gongkai import parse  # noqa: E402
from gongkai.cli import main  # noqa: E402
from gongkai.draft.report import draft_docx, draft_html, draft_outline  # noqa: E402
from gongkai.draft.workbook import (  # noqa: E402
    PREVIOUS_PREFIX, fill_by_names, new_workbook, record_paths, record_values,
)
from gongkai.i18n import use_language  # noqa: E402
from gongkai.ingest import XLSX, ReadError, sniff  # noqa: E402
from gongkai.ingest import office  # noqa: E402

from conftest import CORPUS, SEEDS, gold_cells, gold_for  # noqa: E402

SEEDS_2021 = [s for s in SEEDS if gold_for(s)["template"] == "2021"]
HUAIAN = CORPUS / "real" / "huaian-city-2024-pdf" / "source.pdf"
REPO_OUTPUT = Path(__file__).resolve().parents[1] / "test-output"
DOCS_SHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


def _differences(record, gold: dict) -> list:
    return [(p, v, record.cell(p)) for p, v in gold_cells(gold) if record.cell(p) != v]


def _filled(gold: dict, **changes) -> bytes:
    values = record_values(gold)
    values.update(changes)
    return fill_by_names(new_workbook(year=gold["year"]), values)


def _without_names(data: bytes) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    for name in list(wb.defined_names):
        del wb.defined_names[name]
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def require_calc() -> None:
    if office.find_soffice() is None:
        if os.environ.get("GONGKAI_ALLOW_MISSING_SOFFICE") == "1":
            pytest.skip("LibreOffice (soffice) is not installed and GONGKAI_ALLOW_MISSING_SOFFICE=1")
        pytest.fail("LibreOffice Calc is needed to recalculate the workbook: apt-get install libreoffice-calc-nogui")


def recalculated(*workbooks: bytes) -> list[bytes]:
    """The workbooks as LibreOffice Calc saves them after opening: every formula recalculated."""
    require_calc()
    return office.convert([(f"w{i}.xlsx", w) for i, w in enumerate(workbooks)], "xlsx:Calc MS Excel 2007 XML")


# --- the workbook ---------------------------------------------------------------------------------
def test_every_input_cell_is_named_unlocked_and_validated():
    wb = load_workbook(io.BytesIO(new_workbook(year=2024, agency="某某市某某局")))
    names = dict(wb.defined_names.items())
    paths = record_paths()
    assert len(paths) == 10 + 25 * 7 + 15 == len(set(paths))  # Article 20, 25 request rows × 7, appeals
    for name in paths + ["agency", "year"]:
        (sheet, coord), = list(names[name].destinations)
        cell = wb[sheet][coord.replace("$", "")]
        assert cell.protection.locked is False, name
        if name.count(".") == 2:
            validations = [dv for dv in wb[sheet].data_validations.dataValidation if cell.coordinate in dv.sqref]
            assert len(validations) == 1, name
            kind = "decimal" if name == "active.fees.amount" else "whole"
            assert (validations[0].type, validations[0].operator, validations[0].formula1) == \
                (kind, "greaterThanOrEqual", "0"), name
    agency_sheet, agency_cell = next(iter(names["agency"].destinations))
    assert wb[agency_sheet][agency_cell.replace("$", "")].value == "某某市某某局"
    for ws in wb.worksheets:
        assert ws.protection.sheet is True and not ws.protection.password
    # labels are locked: the template's words in the request table cannot be typed over
    requests = wb["三、收到和处理政府信息公开申请情况"]
    labels = [c for row in requests.iter_rows() for c in row if isinstance(c.value, str) and "予以公开" in c.value]
    assert labels and all(c.protection.locked for c in labels)


def test_tables_are_drawn_with_the_templates_merges():
    wb = load_workbook(io.BytesIO(new_workbook(year=2024)))
    ws = wb["三、收到和处理政府信息公开申请情况"]
    merged = {str(r): r for r in ws.merged_cells.ranges}
    note = next(c for row in ws.iter_rows() for c in row if c.value and "勾稽关系" in str(c.value))
    span = next(r for r in merged.values() if note.coordinate == r.start_cell.coordinate)
    assert (span.max_row - span.min_row + 1, span.max_col - span.min_col + 1) == (3, 3)
    outcome = next(c for row in ws.iter_rows() for c in row if c.value == "三、本年度办理结果")
    span = next(r for r in merged.values() if outcome.coordinate == r.start_cell.coordinate)
    assert span.max_row - span.min_row + 1 == 22  # （一） to （七）, with the three （六） sub-rows


@pytest.mark.parametrize("seed", SEEDS_2021, ids=lambda p: p.stem)
def test_workbook_filled_through_names_parses_back_to_gold(seed):
    gold = gold_for(seed)
    data = _filled(gold)
    assert sniff(data, "draft.xlsx") == XLSX and sniff(data) == XLSX
    record = parse(data, name="draft.xlsx")
    assert _differences(record, gold) == []
    assert (record.agency, record.year, record.template) == (gold["agency"], gold["year"], "2021")
    assert not [f for f in record.findings if f.severity == "error"]
    # where each number was read: the workbook cell
    assert re.fullmatch(r"三、收到和处理政府信息公开申请情况!J\d+", record.provenance["requests.total.total"].dom_path)


def test_workbook_without_names_is_read_by_labels():
    """A draft whose names were lost (copied into another workbook by a body) and saved by an
    office suite: read by the template's labels, the check messages beside the rows ignored."""
    golds = [gold_for(s) for s in SEEDS_2021]
    broken = dict(golds[0])
    last_year = gold_for(HUAIAN)  # last year's figures shown beside table 二 must not be read as its cells
    with_previous = fill_by_names(new_workbook(year=golds[1]["year"], previous=last_year), record_values(golds[1]))
    saved = recalculated(*[_without_names(_filled(g)) for g in golds], _without_names(with_previous),
                         _without_names(_filled(golds[0], **{"requests.granted.natural_person": 9})))
    for gold, data in zip(golds + [golds[1]], saved):
        assert not load_workbook(io.BytesIO(data)).defined_names
        record = parse(data, name="copied.xlsx")
        assert _differences(record, gold) == []
        assert (record.agency, record.year) == (gold["agency"], gold["year"])
    # with a check message standing beside a row, the row is still read as typed
    record = parse(saved[-1], name="copied.xlsx")
    assert record.cell("requests.granted.natural_person") == 9
    assert {f.rule for f in record.findings if f.severity == "error"} >= {"GK101"}
    assert broken["agency"] == record.agency


def test_values_a_body_typed_as_text_are_read_or_flagged():
    gold = gold_for(SEEDS_2021[0])
    data = _filled(gold, **{"requests.new_received.commercial": "0件", "requests.carried_over.research": "两"})
    record = parse(data, name="draft.xlsx")
    assert record.cell("requests.new_received.commercial") == 0
    assert record.cell("requests.carried_over.research") is None  # never guessed
    assert any(f.where and f.where.startswith("requests.carried_over") for f in record.findings)


def test_damaged_workbook_is_named_with_the_reason(tmp_path):
    damaged = tmp_path / "draft.xlsx"
    damaged.write_bytes(_filled(gold_for(SEEDS_2021[0]))[:3000])  # cut off, as a failed download
    with use_language("en"), pytest.raises(ReadError, match="workbook is damaged"):
        parse(str(damaged))
    with use_language("zh"), pytest.raises(ReadError, match="工作簿已损坏"):
        parse(str(damaged))
    result = CliRunner().invoke(main, ["parse", "--format", "jsonl", str(damaged), str(SEEDS_2021[0])])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"gongkai: {damaged}:") and "Traceback" not in result.output
    assert json.loads(result.stdout)["agency"] == gold_for(SEEDS_2021[0])["agency"]


# --- the report -------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS_2021, ids=lambda p: p.stem)
def test_report_rendered_from_the_draft_parses_back_to_gold(seed, tmp_path):
    gold = gold_for(seed)
    draft = tmp_path / "draft.xlsx"
    draft.write_bytes(_filled(gold))
    runner = CliRunner()
    for suffix in ("docx", "html"):
        target = tmp_path / f"report.{suffix}"
        result = runner.invoke(main, ["draft", "render", str(draft), "--to", str(target)])
        assert result.exit_code == 0, result.output
        record = parse(target.read_bytes(), name=target.name)
        assert _differences(record, gold) == [], suffix
        assert (record.agency, record.year) == (gold["agency"], gold["year"]), suffix
        assert [f for f in record.findings if f.severity == "error"] == [], suffix
        assert [s.number for s in record.sections] == [1, 2, 3, 4, 5, 6], suffix


def test_report_skeleton_states_the_tables_numbers():
    gold = gold_for(SEEDS_2021[1])
    text = "\n".join(b.text for b in draft_outline(gold) if b.kind != "table")
    total = gold["requests"]["new_received"]["total"]
    assert f"本年度共收到政府信息公开申请{total}件" in text
    assert f"现行有效行政规范性文件{gold['active']['normative_documents']['in_force']}件" in text
    assert "【待填写：" in text
    assert text.splitlines()[0] == f"{gold['agency']}{gold['year']}年政府信息公开工作年度报告"
    # the narrative checks read those sentences: a number changed in the text is caught
    html = draft_html(gold).decode("utf-8")
    wrong = html.replace(f"收到政府信息公开申请{total}件", f"收到政府信息公开申请{total + 1}件")
    assert "GK401" in {f.rule for f in parse(wrong.encode("utf-8"), name="r.html").findings}


def test_docx_marks_the_places_to_fill():
    import docx

    document = docx.Document(io.BytesIO(draft_docx(gold_for(SEEDS_2021[0]))))
    marked = [r.text for p in document.paragraphs for r in p.runs if r.font.highlight_color is not None]
    assert marked and all(t.startswith("【待填写") for t in marked)
    assert len(document.tables) == 3


def test_render_refuses_a_draft_whose_tables_have_errors(tmp_path):
    gold = gold_for(SEEDS_2021[0])
    draft = tmp_path / "draft.xlsx"
    draft.write_bytes(_filled(gold, **{"requests.granted.natural_person": gold["requests"]["granted"]["natural_person"] + 1}))
    target = tmp_path / "report.docx"
    runner = CliRunner()
    with use_language("zh"):
        result = runner.invoke(main, ["draft", "render", str(draft), "--to", str(target)])
    assert result.exit_code == 1
    assert not target.exists()
    assert "GK101" in result.stderr and "GK102" in result.stderr and "requests.granted.total" in result.stderr
    assert "--force" in result.stderr
    result = runner.invoke(main, ["draft", "render", str(draft), "--to", str(target), "--force"])
    assert result.exit_code == 0 and target.exists()
    assert "GK101" in result.stderr


def test_draft_commands_explain_bad_input(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["draft", "new", "--year", "2024", "--to", str(tmp_path / "x.docx")])
    assert result.exit_code == 2 and ".xlsx" in result.stderr
    result = runner.invoke(main, ["draft", "new", "--to", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 2 and "--year" in result.stderr
    missing = tmp_path / "missing.pdf"
    result = runner.invoke(main, ["draft", "new", "--previous", str(missing), "--to", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 2 and str(missing) in result.stderr and "Traceback" not in result.output
    notes = tmp_path / "notes.txt"
    notes.write_text("这里没有年度报告。\n", encoding="utf-8")
    result = runner.invoke(main, ["draft", "render", str(notes), "--to", str(tmp_path / "r.html")])
    assert result.exit_code == 2 and result.stderr.startswith(f"gongkai: {notes}:")
    result = runner.invoke(main, ["draft", "blank", "--to", str(tmp_path / "no-such-dir" / "t.docx")])
    assert result.exit_code == 2 and "no-such-dir" in result.stderr


def test_blank_templates(tmp_path):
    import docx

    runner = CliRunner()
    for suffix in ("docx", "xlsx"):
        target = tmp_path / f"template.{suffix}"
        result = runner.invoke(main, ["draft", "blank", "--to", str(target)])
        assert result.exit_code == 0, result.output
        record = parse(target.read_bytes(), name=target.name)
        assert record.template == "2021"
        assert all(v is None for _p, v in record.cells()), suffix  # blank is null, never 0
    document = docx.Document(io.BytesIO((tmp_path / "template.docx").read_bytes()))
    assert len(document.tables) == 3
    headings = [p.text for p in document.paragraphs if p.text[:2] in ("一、", "二、", "三、", "四、", "五、", "六、")]
    assert len(headings) == 6


# --- last year's report -----------------------------------------------------------------------------
def test_previous_report_prefills_carried_over(tmp_path):
    gold = gold_for(HUAIAN)
    target = tmp_path / "draft.xlsx"
    result = CliRunner().invoke(main, ["draft", "new", "--previous", str(HUAIAN), "--to", str(target)])
    assert result.exit_code == 0, result.output
    wb = load_workbook(io.BytesIO(target.read_bytes()))

    def named(name):
        (sheet, coord), = list(wb.defined_names[name].destinations)
        return wb[sheet][coord.replace("$", "")].value

    assert named("year") == gold["year"] + 1 and named("agency") == gold["agency"]
    for column, value in gold["requests"]["carried_forward"].items():
        assert named(f"requests.carried_over.{column}") == value
        assert named(f"requests.new_received.{column}") is None
    for row in ("regulations", "normative_documents"):
        assert named(f"{PREVIOUS_PREFIX}active.{row}.in_force") == gold["active"][row]["in_force"]
    record = parse(target.read_bytes(), name="draft.xlsx")
    assert record.requests["carried_over"] == gold["requests"]["carried_forward"]


# --- live checks, recalculated by LibreOffice ----------------------------------------------------
def _check_texts(wb) -> dict[str, str]:
    return {f"{ws.title}!{c.coordinate}": c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if isinstance(c.value, str)}


def test_live_checks_recalculated_flag_the_broken_cell():
    gold = gold_for(SEEDS_2021[1])  # 上海市人社局 2024: numbers in every part of the table
    row = "granted"
    broken_value = gold["requests"][row]["commercial"] + 2
    previous = {"active": {"normative_documents": {"in_force": 100}, "regulations": {"in_force": 0}},
                "requests": {"carried_forward": gold["requests"]["carried_over"]}}
    good = fill_by_names(new_workbook(year=gold["year"], previous=previous), record_values(gold))
    broken = fill_by_names(good, {f"requests.{row}.commercial": broken_value})
    with use_language("zh"):
        ok_book, bad_book = (load_workbook(io.BytesIO(d), data_only=True) for d in recalculated(good, broken))

    checks = ok_book["校验"]
    # continuity: 100 + 25 − 12 ≠ 125 → fails by 12; everything else holds in the gold
    assert checks["A2"].value == "有1处勾稽关系不符，见下表。"
    normative = gold["active"]["normative_documents"]
    failing = [r for r in checks.iter_rows(min_row=6) if r[4].value == 1]
    assert len(failing) == 1 and "行政规范性文件" in failing[0][2].value
    expected = 100 + normative["issued"] - normative["repealed"]
    assert f"相差{abs(normative['in_force'] - expected)}" in failing[0][3].value

    requests = bad_book["三、收到和处理政府信息公开申请情况"]
    texts = _check_texts(bad_book)
    row_cell = bad_book.defined_names[f"requests.{row}.commercial"]
    (sheet, coord), = list(row_cell.destinations)
    r = int(coord.replace("$", "").lstrip("ABCDEFGHIJ"))
    parts = sum(v for k, v in gold["requests"][row].items() if k != "total") + 2
    assert requests[f"K{r}"].value == f"各类申请人之和为{parts}，总计为{gold['requests'][row]['total']}，相差2"
    column_checks = [k for k, v in texts.items() if k.startswith(requests.title) and v == "相差2"]
    assert len(column_checks) == 1  # the 商业企业 column's （一）–（六） = （七） check
    assert bad_book["校验"]["A2"].value == "有3处勾稽关系不符，见下表。"
    # the red flag: conditional formatting on the broken cell's row tests exactly that check cell
    rules = load_workbook(io.BytesIO(broken)).worksheets[2].conditional_formatting
    formulas = [f for rng in rules for rule in rng.rules for f in rule.formula
                if coord.replace("$", "") in str(rng.sqref) or f"D{r}:J{r}" == str(rng.sqref)]
    assert any(f"$K{r}" in f for f in formulas)
    column_check_cell = column_checks[0].split("!")[1]
    letter = column_check_cell.rstrip("0123456789")
    assert any(f"${column_check_cell[len(letter):]}" in f for f in formulas)
    # and nothing is red in the good workbook's request table
    ok_requests = ok_book["三、收到和处理政府信息公开申请情况"]
    assert not [c for c in ok_requests["K"] if isinstance(c.value, str) and "相差" in c.value]


def test_checks_speak_english_on_request():
    with use_language("en"):
        data = new_workbook(year=2024)
    wb = load_workbook(io.BytesIO(data))
    assert "Checks" in wb.sheetnames and "三、收到和处理政府信息公开申请情况" in wb.sheetnames
    formulas = " ".join(str(c.value) for row in wb["三、收到和处理政府信息公开申请情况"].iter_rows() for c in row)
    assert "apart" in formulas and "相差" not in formulas


def test_record_values_cover_the_gold():
    gold = gold_for(SEEDS_2021[0])
    values = record_values(gold)
    assert {p for p, _v in gold_cells(gold)} <= set(values)
    assert json.dumps(values, ensure_ascii=False)


def _page_of(pdf: bytes, words: str) -> int:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        return next(i for i in range(len(doc)) if words in doc[i].get_textpage().get_text_range())
    finally:
        doc.close()


def _reddish(image) -> int:
    """Pixels of the workbook's two reds (conditional formatting fills)."""
    from gongkai.draft.workbook import DARK_RED, RED

    targets = [tuple(int(c[i:i + 2], 16) for i in (0, 2, 4)) for c in (RED, DARK_RED)]
    rgb = image.convert("RGB")
    return sum(n for n, px in rgb.getcolors(rgb.width * rgb.height)
               if any(all(abs(a - b) <= 6 for a, b in zip(px, t)) for t in targets))


def test_workbook_rendered_shows_the_red_cells(tmp_path):
    """LibreOffice draws the conditional formatting when it prints the workbook: the request
    table's page has red cells in the broken workbook and none in the good one. The page image
    is the screenshot in docs/ (GONGKAI_UPDATE_SCREENSHOTS=1 refreshes it)."""
    import shutil

    from gongkai.render.images import pdf_pages_to_images

    require_calc()
    gold = gold_for(SEEDS_2021[0])
    good = _filled(gold)
    broken = _filled(gold, **{"requests.granted.natural_person": gold["requests"]["granted"]["natural_person"] + 1})
    with use_language("zh"):
        pdfs = office.convert([("good.xlsx", good), ("broken.xlsx", broken)], "pdf:calc_pdf_Export")
    images = []
    for pdf in pdfs:
        page = _page_of(pdf, "（七）总计")
        images.append(pdf_pages_to_images(pdf, dpi=110, pages=[page + 1], grayscale=False)[0])
    good_red, broken_red = _reddish(images[0]), _reddish(images[1])
    # (the check labels' red text gives a few anti-aliased pixels of that colour; a filled cell many)
    assert good_red < 300
    assert broken_red > 10 * max(good_red, 300)  # a row and a column of filled cells
    out = REPO_OUTPUT / "draft"
    out.mkdir(parents=True, exist_ok=True)
    images[1].save(out / "draft-workbook.png")
    if os.environ.get("GONGKAI_UPDATE_SCREENSHOTS") == "1":
        shutil.copyfile(out / "draft-workbook.png", DOCS_SHOTS / "draft-workbook.png")
