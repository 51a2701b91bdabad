"""`gongkai letters`: one feedback letter per report, opened with python-docx and checked for what it
says (each finding's message and rule) and for the shading of the cells the findings point at."""
from __future__ import annotations

import io
import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest

docx = pytest.importorskip("docx", reason="python-docx (extra `docx`) writes the letters")
from docx.oxml.ns import qn  # noqa: E402
from click.testing import CliRunner  # noqa: E402

import gongkai  # noqa: E402
from gongkai.i18n import use_language  # noqa: E402
from gongkai.render.layout import format_value  # noqa: E402
from gongkai.review.inbox import load_reports, review_record  # noqa: E402
from gongkai.review.letters import (CORRECTED_FILL, CORRECTED_MARK, ERROR_FILL, WARNING_FILL, letter_docx,  # noqa: E402
                                    letter_filename, letter_layouts)
from gongkai.review.letters_cli import letters_command  # noqa: E402
from gongkai.review.model import Correction, Decision, ReviewedReport, Unreadable  # noqa: E402

from conftest import SEEDS  # noqa: E402
from review_inbox import build_inbox  # noqa: E402

NOW = datetime(2026, 12, 2, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def inbox(tmp_path_factory, corpus_present):
    return build_inbox(tmp_path_factory.mktemp("letters"))


@pytest.fixture(scope="module")
def reviewed(inbox):
    return {Path(r.file).name: r for r in load_reports([inbox["inbox"]]) if isinstance(r, ReviewedReport)}


def _texts(document) -> str:
    return "\n".join(p.text for p in document.paragraphs)


def _fill(cell) -> str | None:
    shd = cell._tc.tcPr.find(qn("w:shd"))
    return None if shd is None else shd.get(qn("w:fill"))


def _cells(document, report) -> dict[str, object]:
    """Record path -> the docx cell drawn for it (the three tables in layout order)."""
    out = {}
    for layout, table in zip(letter_layouts(report.corrected_record), document.tables):
        for r, c, cell in layout.placements():
            if cell.path:
                out[cell.path] = table.cell(r, c)
    return out


def _expected_fills(report) -> dict[str, str]:
    """Worst severity per cell, from the active findings (a row finding: every cell of its row)."""
    rank = {"error": 0, "warning": 1}
    paths = [p for layout in letter_layouts(report.corrected_record) for p in layout.paths()]
    worst: dict[str, str] = {}
    for reviewed in report.active:
        f = reviewed.finding
        if f.severity not in rank or not f.where or f.where.count(".") == 0:  # a table: no cell
            continue
        for path in [f.where] if f.where.count(".") == 2 else [p for p in paths if p.startswith(f.where + ".")]:
            if path not in worst or rank[f.severity] < rank[worst[path]]:
                worst[path] = f.severity
    return {p: ERROR_FILL if s == "error" else WARNING_FILL for p, s in worst.items()}


def test_cli_writes_one_letter_per_report_naming_each_finding_with_its_cells_shaded(inbox, reviewed, tmp_path):
    out = tmp_path / "letters"
    result = CliRunner().invoke(letters_command, [str(inbox["inbox"]), "--out", str(out), "--office", "某市人民政府办公室",
                                                  "--date", "2027年1月15日"])
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted(letter_filename(r) for r in reviewed.values())
    assert len(written) == 6
    # the file that is no report is named with its reason, and counted
    assert any("broken.pdf" in line for line in result.stderr.splitlines())
    assert result.stderr.strip().splitlines()[-1].endswith(str(out))

    shaded_cells = 0
    for name, report in reviewed.items():
        document = docx.Document(str(out / letter_filename(report)))
        text = _texts(document)
        assert report.agency in text and "某市人民政府办公室" in text and "2027年1月15日" in text
        listed = [r.finding for r in report.active if r.finding.severity in ("error", "warning")]
        for f in listed:
            assert f.message in text, (name, f.message)
            assert f.rule in text
        assert f"{len(listed)}. " in text or not listed
        # three tables as the template draws them, values as read
        assert len(document.tables) == 3
        cells = _cells(document, report)
        record = report.record.to_dict()
        table, row, field = "requests.total.total".split(".")
        assert cells["requests.total.total"].text == format_value(record[table][row][field])
        expected = _expected_fills(report)
        for path, cell in cells.items():
            assert _fill(cell) == expected.get(path), (name, path)
        shaded_cells += len(expected)
    assert shaded_cells >= 5  # the edited copy and 洪泽区's appeals table at least


def test_a_letter_is_not_read_as_a_report(reviewed):
    """A letter draws the report's tables; when the letters' folder lies in the inbox, gongkai must
    not count them as reports: it names them as its own letters."""
    from gongkai.ingest import ReadError

    report = next(r for r in reviewed.values() if r.errors)
    data = letter_docx(report)
    with pytest.raises(ReadError, match="审核意见"):
        gongkai.parse(data, name="letter.docx")
    # the same tables in a document without the mark are read (the mark, not the layout, decides)
    document = docx.Document(io.BytesIO(data))
    document.core_properties.category = ""
    plain = io.BytesIO()
    document.save(plain)
    assert gongkai.parse(plain.getvalue(), name="copy.docx", check=False).requests


def test_the_edited_copy_gets_a_rectification_notice_with_the_changed_cell_in_red(reviewed, inbox):
    report = reviewed["hanjiang-2023-edited.txt"]
    assert report.errors >= 2 and report.status == "needs_fixes"
    # independent of the review model: the checks' own findings on the file
    record = gongkai.parse(inbox["hanjiang"])
    assert {f.rule for f in record.findings if f.severity == "error"} >= {"GK101", "GK103"}
    document = docx.Document(io.BytesIO(letter_docx(report)))
    title = document.paragraphs[1].text
    assert "莆田市涵江区人力资源和社会保障局" in title and "2023" in title
    cells = _cells(document, report)
    assert cells["requests.new_received.total"].text == "3"
    assert _fill(cells["requests.new_received.total"]) == ERROR_FILL
    assert _fill(cells["requests.new_received.natural_person"]) is None


def test_dismissed_findings_are_left_out_and_reviewer_notes_included(inbox):
    record = gongkai.parse(inbox["hongze"])
    first = review_record(record)
    errors = [r for r in first.findings if r.finding.severity == "error"]
    assert len(errors) == 2
    dismissed, confirmed = errors
    decisions = {dismissed.fingerprint: Decision("dismissed", "原件第4页总计为11，读取有误", "张三", NOW),
                 confirmed.fingerprint: Decision("confirmed", "请核对复议后起诉总计", "张三", NOW)}
    report = review_record(record, decisions=decisions,
                           report_decision=Decision("returned", "请于1月20日前重新报送", "李四", NOW))
    assert report.errors == 1
    document = docx.Document(io.BytesIO(letter_docx(report)))
    text = _texts(document)
    assert dismissed.finding.message not in text
    assert confirmed.finding.message in text
    assert "请核对复议后起诉总计" in text
    assert "原件第4页总计为11，读取有误" not in text
    assert "请于1月20日前重新报送" in text and report.decision.word in text
    cells = _cells(document, report)
    assert _fill(cells[dismissed.finding.where]) is None
    assert _fill(cells[confirmed.finding.where]) == ERROR_FILL
    # （六）其他处理 printed as one row: drawn as one row, shaded for the warning about it
    assert cells["requests.other.total"].text == "0" and "requests.other_other.total" not in cells
    assert _fill(cells["requests.other.total"]) == WARNING_FILL


def test_a_reviewer_correction_is_marked_and_footnoted_and_the_record_keeps_what_was_read(inbox):
    record = gongkai.parse(inbox["hongze"])
    path = "appeals.reconsideration.total"
    assert record.appeals["reconsideration"]["total"] == 0
    correction = Correction(path, 11, "原件为11", "张三", NOW)
    report = review_record(record, corrections={path: correction})
    assert report.record.appeals["reconsideration"]["total"] == 0  # never overwritten
    assert not any(r.finding.where == path for r in report.active)  # the checks ran again on 11
    document = docx.Document(io.BytesIO(letter_docx(report)))
    cell = _cells(document, report)[path]
    assert cell.text == "11" + CORRECTED_MARK
    assert _fill(cell) == CORRECTED_FILL
    text = _texts(document)
    assert "原件为11" in text and CORRECTED_MARK in text


def test_letter_in_english(reviewed):
    report = reviewed["hongze-2023.pdf"]
    with use_language("en"):
        document = docx.Document(io.BytesIO(letter_docx(report, date="15 January 2027")))
        name = letter_filename(report)
        messages = [r.finding.localized("en").message for r in report.active]
    text = _texts(document)
    assert "Rectification notice on the 2023 government information disclosure annual report of 洪泽区人民政府" in text
    assert name == "洪泽区人民政府-2023-review.docx"
    assert "Result: needs fixes. 2 errors and 2 warnings." in text
    assert "15 January 2027" in text
    # every finding is told in English (in paragraphs or in the findings' table)
    words = text + "\n".join(cell.text for table in document.tables for row in table.rows for cell in row.cells)
    assert messages and all(m in words for m in messages), [m for m in messages if m not in words]


def test_file_names_are_safe_and_unique(tmp_path):
    record = gongkai.parse(SEEDS[0])
    report = review_record(record)
    assert letter_filename(report).startswith("上海市静安区人力资源和社会保障局-2023-")
    hostile = review_record(record.model_copy(update={"agency": "../../etc/某局:*?" + "长" * 200}))
    name = letter_filename(hostile)
    assert "/" not in name and ":" not in name and "*" not in name and not name.startswith(".")
    assert len(name.encode("utf-8")) < 255
    # two files of one body and year: two letters
    inbox = tmp_path / "in"
    inbox.mkdir()
    shutil.copy(SEEDS[0], inbox / "a.txt")
    shutil.copy(SEEDS[0], inbox / "b.txt")
    out = tmp_path / "out"
    result = CliRunner().invoke(letters_command, [str(inbox), "--out", str(out)])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 2 and names[0] != names[1]


def test_year_restricts_and_nothing_written_is_exit_2(inbox, tmp_path):
    out = tmp_path / "y"
    result = CliRunner().invoke(letters_command, [str(inbox["inbox"]), "--out", str(out), "--year", "2020"])
    assert result.exit_code == 0, result.output
    assert [p.name for p in out.iterdir()] == [letter_filename(review_record(gongkai.parse(inbox["jiading"])))]
    result = CliRunner().invoke(letters_command, [str(inbox["broken"]), "--out", str(tmp_path / "none")])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith(f"gongkai: {inbox['broken']}: ")
    assert "Traceback" not in result.output
    result = CliRunner().invoke(letters_command, ["--out", str(tmp_path / "none")])
    assert result.exit_code == 2
    result = CliRunner().invoke(letters_command, ["--db", str(tmp_path / "nowhere.duckdb"), "--out", str(tmp_path / "n")])
    assert result.exit_code == 2 and "nowhere.duckdb" in result.stderr and "Traceback" not in result.output


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice makes the PDF")
def test_pdf_beside_the_docx(tmp_path):
    out = tmp_path / "pdf"
    result = CliRunner().invoke(letters_command, [str(SEEDS[0]), "--out", str(out), "--pdf"])
    assert result.exit_code == 0, result.output
    pdfs = list(out.glob("*.pdf"))
    assert len(pdfs) == 1 and pdfs[0].with_suffix(".docx").exists()
    text = subprocess.run(["pdftotext", str(pdfs[0]), "-"], capture_output=True, text=True, check=True).stdout
    assert "上海市静安区人力资源和社会保障局" in text.replace(" ", "").replace("\n", "")


def test_letters_from_the_store_follow_its_decisions(inbox, tmp_path):
    from gongkai.review import decisions as D
    from gongkai.store.pipeline import ingest

    db = tmp_path / "store.duckdb"
    ingest([str(inbox["hongze"]), str(inbox["hanjiang"])], str(db), workers=1)
    reports = [r for r in load_reports(db=db) if isinstance(r, ReviewedReport)]
    hongze = next(r for r in reports if "洪泽" in r.agency)
    gone = next(r for r in hongze.findings if r.finding.severity == "error")
    D.set_finding_decision(db, gone.fingerprint, "dismissed", note="读取有误")
    out = tmp_path / "out"
    result = CliRunner().invoke(letters_command, ["--db", str(db), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert len(list(out.glob("*.docx"))) == 2
    document = docx.Document(str(out / letter_filename(hongze)))
    assert gone.finding.message not in _texts(document)
    assert not any(isinstance(r, Unreadable) for r in load_reports(db=db))


def test_a_report_without_findings_gets_a_review_opinion(reviewed):
    from gongkai.i18n import _

    report = reviewed["jingan-2023.txt"]
    assert report.errors == report.warnings == 0
    document = docx.Document(io.BytesIO(letter_docx(report)))
    title = _("Review opinion on the {year} government information disclosure annual report of {agency}",
              year=2023, agency="上海市静安区人力资源和社会保障局")
    assert document.paragraphs[1].text == title
    text = _texts(document)
    assert _("No errors or warnings were found.") in text
    assert _("Government information disclosure office") in text  # the default office
    assert not any(_fill(cell) for cell in _cells(document, report).values())
