"""`gongkai summary`: the leadership's workbook, opened with openpyxl: statuses against a roster,
error counts per body equal to the findings' counts, the missing body 未提交, sheet set-up."""
from __future__ import annotations

import io
from datetime import datetime, timezone
from pathlib import Path

import pytest

openpyxl = pytest.importorskip("openpyxl", reason="openpyxl (extra `store`) writes the workbook")
from click.testing import CliRunner  # noqa: E402

import gongkai  # noqa: E402
from gongkai.i18n import _, listing, pgettext  # noqa: E402
from gongkai.review.inbox import load_reports, review_record  # noqa: E402
from gongkai.review.letters_cli import summary_command  # noqa: E402
from gongkai.review.model import Decision  # noqa: E402
from gongkai.review.summary import (RosterError, read_roster, status_word,  # noqa: E402
                                    summary_rows, summary_workbook)

from conftest import CORPUS  # noqa: E402
from review_inbox import MISSING_BODY, ROSTER, YEAR, build_inbox  # noqa: E402

HEADER_ROW = 3


@pytest.fixture(scope="module")
def inbox(tmp_path_factory, corpus_present):
    return build_inbox(tmp_path_factory.mktemp("summary"))


@pytest.fixture(scope="module")
def workbook(inbox, tmp_path_factory):
    target = tmp_path_factory.mktemp("out") / "summary.xlsx"
    result = CliRunner().invoke(summary_command, [str(inbox["inbox"]), "--roster", str(inbox["roster"]),
                                                  "--year", str(YEAR), "--to", str(target)])
    assert result.exit_code == 0, result.output
    assert "broken.pdf" in result.stderr
    return openpyxl.load_workbook(target), result


def _sheet_rows(ws, header_row: int = HEADER_ROW) -> list[dict]:
    header = [c.value for c in ws[header_row]]
    return [dict(zip(header, (c.value for c in row))) for row in ws.iter_rows(min_row=header_row + 1)]


def col(name: str) -> str:
    return pgettext("summary column", name)


def test_statuses_against_the_roster(workbook, inbox):
    wb, _result = workbook
    ws = wb[pgettext("sheet", "Summary")]
    rows = _sheet_rows(ws)
    by_file = {Path(r[col("File")]).name: r for r in rows if r[col("File")]}
    status = {name: r[col("Status")] for name, r in by_file.items()}
    assert status == {
        "jingan-2023.txt": status_word("passed"),
        "qingdao-2023.txt": status_word("passed"),
        "hanjiang-2023-edited.txt": status_word("needs_fixes"),
        "hongze-2023.pdf": status_word("needs_fixes"),
        "jiading-2020.txt": status_word("wrong_year"),
        "shanghai-2024.txt": status_word("wrong_year"),
        "broken.pdf": status_word("unreadable"),
    }
    # the body that sent nothing is listed, by its roster name, and only it
    missing = [r for r in rows if r[col("Status")] == status_word("missing")]
    assert [r[col("Body")] for r in missing] == [MISSING_BODY]
    # 静安区人社局 on the roster is 上海市静安区人力资源和社会保障局's report (normalised names)
    assert by_file["jingan-2023.txt"][col("Body")] == "上海市静安区人力资源和社会保障局"
    assert "静安区人社局" not in [r[col("Body")] for r in rows]
    # a body not on the roster is kept, marked
    assert _("not on the roster") in by_file["shanghai-2024.txt"][col("Note")]
    assert not by_file["jingan-2023.txt"][col("Note")]
    # roster order first: 静安, 涵江, 嘉定, 洪泽, 青岛, 黄浦; then off-roster, then unreadable
    order = [r[col("Body")] for r in rows]
    assert order[:6] == ["上海市静安区人力资源和社会保障局", "莆田市涵江区人力资源和社会保障局", "上海市嘉定区人力资源和社会保障局",
                         "洪泽区人民政府", "青岛市人力资源和社会保障局", MISSING_BODY]
    assert len(rows) == len(ROSTER) + 2  # + the off-roster report and the unreadable file


def test_error_and_warning_counts_equal_the_findings(workbook, inbox):
    wb, _result = workbook
    rows = {Path(r[col("File")]).name: r for r in _sheet_rows(wb[pgettext("sheet", "Summary")]) if r[col("File")]}
    for name in ("jingan-2023.txt", "qingdao-2023.txt", "hanjiang-2023-edited.txt", "hongze-2023.pdf", "jiading-2020.txt"):
        record = gongkai.parse(inbox["inbox"] / name)  # the checks' own findings, not the review model's
        errors = sum(f.severity == "error" for f in record.findings)
        warnings = sum(f.severity == "warning" for f in record.findings)
        assert (rows[name][col("Errors")], rows[name][col("Warnings")]) == (errors, warnings), name
    assert rows["hongze-2023.pdf"][col("Errors")] == 2
    assert rows["hanjiang-2023-edited.txt"][col("Errors")] >= 2
    # main problems in words: the first error's message
    hongze = gongkai.parse(inbox["hongze"])
    first_error = next(f for f in hongze.findings if f.severity == "error")
    assert rows["hongze-2023.pdf"][col("Main problems")].startswith(first_error.message)
    assert rows["broken.pdf"][col("Note")]  # the reason it could not be read


def test_counts_on_top_and_sheet_setup(workbook):
    wb, result = workbook
    ws = wb[pgettext("sheet", "Summary")]
    assert wb.sheetnames == [pgettext("sheet", "Summary"), pgettext("sheet", "Issues")]  # no store: no 同比
    rows = _sheet_rows(ws)
    n = {"passed": 2, "needs_fixes": 2, "missing": 1, "unreadable": 1, "wrong_year": 2}
    line = ws["A2"].value
    for status, k in n.items():
        assert f"{status_word(status)} {k}" in line
    parts = listing(_("{status} {n}", status=status_word(s), n=k) for s, k in n.items())
    assert line == _("{n} reports: {parts}", n=8, parts=parts)
    assert line in result.stderr
    assert ws.freeze_panes == f"A{HEADER_ROW + 1}"
    assert ws.auto_filter.ref == f"A{HEADER_ROW}:H{HEADER_ROW + len(rows)}"
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
    assert ws.column_dimensions["F"].width >= 40  # 主要问题 is wide
    issues = wb[pgettext("sheet", "Issues")]
    assert issues.freeze_panes == "A2" and issues.auto_filter.ref.startswith("A1:")


def test_every_finding_listed_message_first(workbook, inbox):
    wb, _result = workbook
    ws = wb[pgettext("sheet", "Issues")]
    header = [c.value for c in ws[1]]
    assert header[:4] == [col("Finding"), col("Place"), col("Rule"), col("Body")]
    listed = [(r[0].value, r[2].value) for r in ws.iter_rows(min_row=2)]
    expected = []
    for report in load_reports([inbox["inbox"]]):
        if hasattr(report, "findings"):
            expected += [(r.finding.message, r.finding.rule) for r in report.findings
                         if r.finding.severity in ("error", "warning")]
    assert sorted(listed) == sorted(expected)
    assert any(rule == "GK201" for _m, rule in listed)


def test_a_summary_in_another_language_than_the_reports_were_loaded_in(inbox):
    """Reports loaded in Chinese, the workbook written in English: its findings are in English."""
    from gongkai.i18n import use_language

    reports = load_reports([inbox["inbox"]])
    with use_language("en"):
        wb = openpyxl.load_workbook(io.BytesIO(summary_workbook(reports, year=YEAR)))
        ws = wb[pgettext("sheet", "Issues")]
    listed = sorted(r[0].value for r in ws.iter_rows(min_row=2))
    expected = sorted(r.finding.localized("en").message for report in reports if hasattr(report, "findings")
                      for r in report.findings if r.finding.severity in ("error", "warning"))
    assert listed == expected and any(" reads 0, but " in m for m in listed)


def test_dismissed_findings_do_not_count_and_are_struck_through(inbox):
    record = gongkai.parse(inbox["hongze"])
    first = review_record(record)
    error = next(r for r in first.findings if r.finding.severity == "error")
    now = datetime(2026, 12, 2, tzinfo=timezone.utc)
    report = review_record(record, decisions={error.fingerprint: Decision("dismissed", "读取有误", None, now)})
    rows = summary_rows([report], year=YEAR)
    assert rows[0]["errors"] == 1 and rows[0]["status"] == "needs_fixes"
    wb = openpyxl.load_workbook(io.BytesIO(summary_workbook([report], year=YEAR)))
    ws = wb[pgettext("sheet", "Issues")]
    struck = [r[0].value for r in ws.iter_rows(min_row=2) if r[0].font.strike]
    assert struck == [error.finding.message]


def test_rosters_in_gbk_and_bad_rosters(tmp_path):
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("机关,地区\n静安区人社局,上海\n青岛市人力资源和社会保障局,青岛\n".encode("gbk"))
    entries = read_roster(gbk)
    assert [e.name for e in entries] == ["静安区人社局", "青岛市人力资源和社会保障局"]
    assert entries[0].region == "上海"
    sheet = openpyxl.load_workbook(io.BytesIO(summary_workbook([], roster=entries)))[pgettext("sheet", "Summary")]
    assert [c.value for c in sheet[HEADER_ROW]][-1] == col("Region")
    assert [(r[col("Body")], r[col("Status")], r[col("Region")]) for r in _sheet_rows(sheet)] == [
        ("静安区人社局", status_word("missing"), "上海"), ("青岛市人力资源和社会保障局", status_word("missing"), "青岛")]
    tabbed = tmp_path / "tab.csv"
    tabbed.write_text("序号\t机关\n1\t洪泽区人民政府\n", encoding="utf-8")
    assert [e.name for e in read_roster(tabbed)] == ["洪泽区人民政府"]
    no_column = tmp_path / "no-column.csv"
    no_column.write_text("名称,地区\n某局,上海\n", encoding="utf-8")
    binary = tmp_path / "roster.xlsx"
    binary.write_bytes(b"PK\x03\x04\x00\x00binary")
    latin = tmp_path / "latin.csv"
    latin.write_bytes("机关\n".encode("utf-16"))
    for bad in (no_column, binary, latin, tmp_path / "absent.csv"):
        with pytest.raises(RosterError) as e:
            read_roster(bad)
        assert str(bad) in str(e.value)
        result = CliRunner().invoke(summary_command, [str(CORPUS / "seeds"), "--roster", str(bad),
                                                      "--to", str(tmp_path / "s.xlsx")])
        assert result.exit_code == 2, result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("gongkai: ") and str(bad) in lines[0]
        assert not (tmp_path / "s.xlsx").exists()


def test_year_over_year_from_the_store(tmp_path, corpus_present):
    from gongkai.store.pipeline import ingest

    db = tmp_path / "store.duckdb"
    ingest([str(CORPUS / "real" / "hongze-district-2023-pdf"), str(CORPUS / "real" / "hongze-district-2024-pdf"),
            str(CORPUS / "real" / "huaian-city-2024-pdf")], str(db), workers=1)
    target = tmp_path / "yoy.xlsx"
    result = CliRunner().invoke(summary_command, ["--db", str(db), "--year", "2024", "--to", str(target)])
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(target)
    assert wb.sheetnames == [pgettext("sheet", "Summary"), pgettext("sheet", "Issues"),
                             pgettext("sheet", "Year over year")]
    summary = _sheet_rows(wb[pgettext("sheet", "Summary")])
    assert sorted(r[col("Body")] for r in summary) == ["淮安市人民政府", "淮安市洪泽区人民政府"]
    yoy = _sheet_rows(wb[pgettext("sheet", "Year over year")], header_row=1)
    assert len(yoy) == 1  # only 洪泽区 has last year's report
    row = yoy[0]
    assert row[col("Body")] == "淮安市洪泽区人民政府"
    assert (row[col("Year")], row[col("Last year")], row[col("Errors last year")]) == (2024, 2023, 2)
    last = gongkai.parse(CORPUS / "real" / "hongze-district-2023-pdf" / "source.pdf")
    assert row[col("New requests last year")] == last.requests["new_received"]["total"]
    # without --year: the store's latest year
    result = CliRunner().invoke(summary_command, ["--db", str(db), "--to", str(tmp_path / "latest.xlsx")])
    assert result.exit_code == 0
    assert len(_sheet_rows(openpyxl.load_workbook(tmp_path / "latest.xlsx")[pgettext("sheet", "Summary")])) == 2


def test_through_the_gongkai_command_in_english(inbox, tmp_path):
    from gongkai.cli import main

    target = tmp_path / "en.xlsx"
    result = CliRunner().invoke(main, ["--lang", "en", "summary", str(inbox["inbox"]), "--roster", str(inbox["roster"]),
                                       "--year", str(YEAR), "--to", str(target)])
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(target)
    assert wb.sheetnames == ["Summary", "Issues"]
    rows = _sheet_rows(wb["Summary"])
    assert [c.value for c in wb["Summary"][HEADER_ROW]][:3] == ["Body", "Year", "Status"]
    assert [r["Body"] for r in rows if r["Status"] == "not submitted"] == [MISSING_BODY]
    assert result.stderr.strip().splitlines()[-1].startswith("8 reports: passed 2, needs fixes 2, not submitted 1")
    bad = tmp_path / "bad.csv"
    bad.write_text("名称\n某局\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["summary", str(inbox["jingan"]), "--roster", str(bad), "--to", str(target)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.stderr.strip().splitlines() == [f"gongkai: {_('{file}: no column 机关 in the first row (found: {columns})', file=bad, columns='名称')}"]


def test_text_that_looks_like_a_formula_stays_text(inbox, tmp_path):
    """Formula injection: a body named `=HYPERLINK(…)` (here in the roster; a report's agency name
    goes through the same writer) is written as text, with Excel's quote prefix, never a formula."""
    roster = tmp_path / "roster.csv"
    roster.write_text("机关\n=HYPERLINK(\"http://evil.example\")\n@SUM(A1)\n+1\n", encoding="utf-8")
    target = tmp_path / "s.xlsx"
    result = CliRunner().invoke(summary_command, [str(inbox["inbox"]), "--roster", str(roster), "--to", str(target)])
    assert result.exit_code == 0, result.output
    ws = openpyxl.load_workbook(target).worksheets[0]
    cells = {c.value: c for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    for name in ('=HYPERLINK("http://evil.example")', "@SUM(A1)", "+1"):
        assert cells[name].data_type == "s" and cells[name].quotePrefix, name
    assert not any(c.data_type == "f" for ws in openpyxl.load_workbook(target) for row in ws.iter_rows() for c in row)
