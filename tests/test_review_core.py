"""Issue 11, the reviewer's layer: fingerprints, decisions that outlive re-ingest and a corrected
resubmission, corrections that never overwrite what was read and make the checks run again,
`gongkai review …`, decisions in exports. Real corpus reports (and edited copies of them) in a
temporary store."""
from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess

import duckdb
import pytest
from click.testing import CliRunner

from conftest import CORPUS, SEEDS
from gongkai.api import parse
from gongkai.cli import main
from gongkai.review import decisions as D
from gongkai.review.fingerprint import fingerprint, fingerprints
from gongkai.review.inbox import load_report, load_reports, review_record
from gongkai.review.model import Correction, ReviewedReport, Unreadable
from gongkai.store.agencies import normalise
from gongkai.store.pipeline import ingest
from gongkai.store.writer import Store

EN = {"GONGKAI_LANG": "en"}
HONGZE_PDF = CORPUS / "real" / "hongze-district-2023-pdf" / "source.pdf"  # 洪泽区人民政府 2023: two GK201 errors
PINGTAN_2019 = CORPUS / "real" / "pingtan-2019-crawltext" / "source.txt"  # glued runs, some ambiguous
POLICE_2024 = CORPUS / "real" / "pingtan-police-2024-crawltext" / "source.txt"
JINGAN = CORPUS / "seeds" / "000_e36cf77514eb609c.txt"  # 上海市静安区人力资源和社会保障局 2023, no findings
# the appeals row of 洪泽区 2023 as pdftotext lays it out: 行政复议 总计 printed 0 (should be 11),
# 复议后起诉 总计 printed 0 (should be 5)
APPEALS_LINE = "10    1      0   0    0   0    0   0   0    0   5   0     0   0   0"
APPEALS_FIXED = "10    1      0   0   11   0    0   0   0    0   5   0     0   0   0"
RECONSIDERATION = "appeals.reconsideration.total"
LITIGATION = "appeals.litigation_after_reconsideration.total"


def _cli(*args, env=EN):
    r = CliRunner().invoke(main, [str(a) for a in args], env=env)
    assert "Traceback" not in r.output, r.output
    return r


def _edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


@pytest.fixture(scope="module")
def hongze_text(tmp_path_factory):
    """洪泽区 2023 as text (pdftotext of the real PDF): the same findings as the PDF, and editable."""
    out = tmp_path_factory.mktemp("hongze") / "hongze-2023.txt"
    subprocess.run(["pdftotext", "-layout", str(HONGZE_PDF), str(out)], check=True)
    assert APPEALS_LINE in out.read_text(encoding="utf-8")
    return out


def _by_where(report: ReviewedReport, rule: str, where: str):
    found = [f for f in report.findings if f.finding.rule == rule and f.finding.where == where]
    assert len(found) == 1, [(f.finding.rule, f.finding.where) for f in report.findings]
    return found[0]


# --- fingerprints ---------------------------------------------------------------------------------------
def test_fingerprints_depend_on_body_year_rule_and_place_not_on_the_file(hongze_text):
    from_pdf = parse(HONGZE_PDF)
    from_text = parse(hongze_text)
    assert from_pdf.source.sha256 != from_text.source.sha256
    pdf_prints = dict(zip(((f.rule, f.where) for f in from_pdf.findings), fingerprints(from_pdf)))
    text_prints = dict(zip(((f.rule, f.where) for f in from_text.findings), fingerprints(from_text)))
    for key in (("GK201", RECONSIDERATION), ("GK201", LITIGATION)):
        assert re.fullmatch(r"[0-9a-f]{16}", pdf_prints[key])
        assert pdf_prints[key] == text_prints[key]  # another file of the same report: same fingerprints
    assert pdf_prints[("GK201", RECONSIDERATION)] != pdf_prints[("GK201", LITIGATION)]
    # the body by its short name is the same body; another year is another finding
    key = normalise("上海市静安区人力资源和社会保障局").key
    assert normalise("静安区人社局").key == key
    record = parse(JINGAN)
    renamed = record.model_copy(update={"agency": "静安区人社局"})
    assert fingerprints(renamed) == fingerprints(record)
    assert fingerprint(key, 2023, "GK201", RECONSIDERATION) != fingerprint(key, 2024, "GK201", RECONSIDERATION)
    # a rule at the same place twice: told apart by occurrence
    assert fingerprint(key, 2023, "GK305", "requests", 0) != fingerprint(key, 2023, "GK305", "requests", 1)


# --- decisions that last ----------------------------------------------------------------------------------
def test_decisions_survive_reingest_and_a_corrected_resubmission(hongze_text, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    first = inbox / "hongze-2023.txt"
    shutil.copy(hongze_text, first)
    db = tmp_path / "s.duckdb"
    ingest([str(inbox)], str(db), workers=1)

    listed = _cli("review", "list", "洪泽区人民政府", "--db", db, "--format", "json")
    assert listed.exit_code == 0, listed.output
    (report,) = json.loads(listed.output)
    assert report["year"] == 2023 and report["status"] == "needs_fixes" and report["errors"] == 2
    prints = {(f["rule"], f["where"]): f["fingerprint"] for f in report["findings"]}
    recon, litigation = prints[("GK201", RECONSIDERATION)], prints[("GK201", LITIGATION)]
    assert [f["severity"] for f in report["findings"]][:2] == ["error", "error"]  # errors first

    r = _cli("review", "set", recon, "--confirm", "--note", "总计应为11", "--db", db)
    assert r.exit_code == 0, r.output
    r = _cli("review", "set", litigation, "--dismiss", "--note", "原件第4页总计为5，系转换错位", "--reviewer", "王审核",
             "--db", db)
    assert r.exit_code == 0, r.output
    r = _cli("review", "report", report["report_id"][:10], "--return", "--note", "请更正表四", "--db", db)
    assert r.exit_code == 0, r.output

    def current() -> ReviewedReport:
        (only,) = [x for x in load_reports(db=db) if x.year == 2023 and "洪泽" in x.agency]
        return only

    now = current()
    assert now.finding(litigation).dismissed and now.finding(litigation).decision.reviewer == "王审核"
    assert now.finding(recon).confirmed and now.finding(recon).decision.note == "总计应为11"
    assert now.errors == 1 and now.status == "needs_fixes"  # the dismissed error no longer counts
    assert now.decision.kind == "returned" and now.decision.note == "请更正表四"

    # the same file again, read anew
    ingest([str(inbox)], str(db), workers=1, force=True)
    again = current()
    assert again.report_id == now.report_id
    assert again.finding(litigation).dismissed and again.finding(recon).confirmed and again.decision.kind == "returned"

    # a corrected resubmission: 行政复议 总计 fixed, the other error kept; it supersedes the first
    fixed = inbox / "hongze-2023-resubmitted.txt"
    fixed.write_text(_edit(first.read_text(encoding="utf-8"), APPEALS_LINE, APPEALS_FIXED), encoding="utf-8")
    result = ingest([str(inbox)], str(db), workers=1)
    assert [old for old, _, _, _ in result.superseded] == [now.report_id]
    resubmitted = current()
    assert resubmitted.report_id != now.report_id and resubmitted.file == str(fixed)
    assert resubmitted.finding(recon) is None  # fixed: the finding is gone
    kept = resubmitted.finding(litigation)
    assert kept is not None and kept.dismissed and kept.decision.note == "原件第4页总计为5，系转换错位"
    assert resubmitted.errors == 0 and resubmitted.status == "passed"
    assert resubmitted.decision.kind == "returned"  # kept for the body and year,
    assert resubmitted.decision_on_earlier_version and not again.decision_on_earlier_version  # and said so

    # the files read now (not from the store) get the store's decisions too
    (from_file,) = load_reports([fixed], db=db)
    assert from_file.finding(litigation).dismissed and from_file.report_id == resubmitted.report_id

    # exports carry the decision
    out = tmp_path / "findings.csv"
    r = _cli("export", "--db", db, "--form", "findings", "--to", out)
    assert r.exit_code == 0, r.output
    rows = [row for row in csv.DictReader(out.open(encoding="utf-8-sig")) if row["rule"] == "GK201"]
    assert [(row["fingerprint"], row["decision"], row["dismissed"], row["decision_note"]) for row in rows] == [
        (litigation, "dismissed", "true", "原件第4页总计为5，系转换错位")]

    # the text listing marks the decision; taking it back reopens the finding
    text = _cli("review", "list", resubmitted.report_id[:12], "--db", db)
    assert litigation in text.output and "[dismissed]" in text.output.replace("［", "[").replace("］", "]")
    assert _cli("review", "set", litigation, "--clear", "--db", db).exit_code == 0
    assert current().errors == 1


# --- corrections --------------------------------------------------------------------------------------------
def test_a_correction_of_an_ambiguous_glued_run_answers_its_finding(tmp_path):
    """平潭 2019 (real crawler text): 行政事业性收费's run “350” splits two ways; the reviewer enters
    the original's 35 | 0."""
    db = tmp_path / "s.duckdb"
    ingest([str(PINGTAN_2019)], str(db), workers=1)
    report = load_reports(db=db)[0]
    ambiguous = _by_where(report, "split-ambiguous", "active.fees")
    assert report.record.cell("active.fees.previous_items") is None

    r = _cli("review", "correct", report.report_id[:12], "active.fees.previous_items", "35", "--note", "原件", "--db", db)
    assert r.exit_code == 0, r.output
    half = load_report(db, report.report_id)
    assert half.finding(ambiguous.fingerprint) is not None  # one cell of the row still unread
    r = _cli("review", "correct", PINGTAN_2019, "active.fees.change", "0", "--reviewer", "李", "--db", db)
    assert r.exit_code == 0, r.output

    done = load_report(db, report.report_id)
    assert done.finding(ambiguous.fingerprint) is None
    assert done.corrected_record.cell("active.fees.previous_items") == 35
    assert done.corrected_record.cell("active.fees.change") == 0
    assert done.record.cell("active.fees.previous_items") is None  # the record as read is untouched
    assert done.corrections["active.fees.change"].reviewer == "李"
    assert done.corrections["active.fees.previous_items"].origin == "reviewer"
    assert done.corrected_record.provenance["active.fees.previous_items"].raw == "35"
    # every other finding is still there
    others = {(f.finding.rule, f.finding.where) for f in report.findings} - {("split-ambiguous", "active.fees")}
    assert others <= {(f.finding.rule, f.finding.where) for f in done.findings}
    with Store(db, read_only=True) as s:
        assert s.query("SELECT value, status, corrected_value FROM cell_status WHERE path = "
                       "'active.fees.previous_items'") == [(None, "corrected", 35.0)]


def test_a_correction_of_an_unread_row_makes_its_identities_checked_again(tmp_path):
    """An edited copy of 平潭公安 2024 whose （四）1 row cannot be split (null + finding): with the
    original's values the identities hold; with a wrong value the checks find it."""
    edited = tmp_path / "police-2024.txt"
    edited.write_text(_edit(POLICE_2024.read_text(encoding="utf-8"), "1.本机关不掌握相关政府信息 4000004",
                            "1.本机关不掌握相关政府信息 4 0 0 0 0 0 ？"), encoding="utf-8")
    db = tmp_path / "s.duckdb"
    ingest([str(edited)], str(db), workers=1)
    report = load_reports(db=db)[0]
    unread = _by_where(report, "split-impossible", "requests.unavailable_not_held")
    assert report.errors == 0  # the identities skip the unread row
    row = "requests.unavailable_not_held"
    gold = {"natural_person": 4, "commercial": 0, "research": 0, "social_welfare": 0, "legal_services": 0,
            "other_org": 0, "total": 4}
    for column, value in gold.items():
        D.add_correction(db, report.report_id, f"{row}.{column}", value, note="原件", reviewer="王")
    right = load_report(db, report.report_id)
    assert right.finding(unread.fingerprint) is None and right.errors == 0
    assert all(right.corrected_record.cell(f"{row}.{c}") == v for c, v in gold.items())

    # a wrong value entered: the column and the row no longer add up, and the checks say so
    D.add_correction(db, report.report_id, f"{row}.natural_person", 3)
    wrong = load_report(db, report.report_id)
    assert wrong.corrections[f"{row}.natural_person"].value == 3  # the latest correction counts
    errors = {(f.finding.rule, f.finding.where) for f in wrong.findings if f.finding.severity == "error"}
    assert ("GK102", "requests.total.natural_person") in errors, errors
    assert wrong.status == "needs_fixes"
    # a decision on a finding that only the corrected report has
    fp = next(f.fingerprint for f in wrong.findings if f.finding.rule == "GK102")
    D.set_finding_decision(db, fp, "confirmed", note="录入有误")
    assert load_report(db, report.report_id).finding(fp).confirmed
    # the findings export and the dataset give the corrected report's findings, as the review does
    out = tmp_path / "findings.csv"
    assert _cli("export", "--db", db, "--form", "findings", "--to", out).exit_code == 0
    with out.open(encoding="utf-8-sig", newline="") as fh:
        exported = list(csv.DictReader(fh))
    assert {r["fingerprint"] for r in exported} == {f.fingerprint for f in wrong.findings}
    assert next(r for r in exported if r["fingerprint"] == fp)["decision"] == "confirmed"
    assert unread.fingerprint not in {r["fingerprint"] for r in exported}
    assert {r["rechecked"] for r in exported} == {"true"}
    import gongkai

    with gongkai.open_store(db) as data:
        frame = data.findings()
    assert set(frame["fingerprint"]) == {f.fingerprint for f in wrong.findings} and frame["rechecked"].all()
    D.clear_correction(db, report.report_id, f"{row}.natural_person")
    D.add_correction(db, report.report_id, f"{row}.natural_person", 4)
    assert load_report(db, report.report_id).errors == 0


def test_review_record_applies_corrections_to_a_copy_of_a_record_read_from_a_file():
    record = parse(JINGAN)
    before = record.to_dict()
    total = record.cell("requests.total.total")
    at = Correction("requests.total.total", total + 1, "试改", None, __import__("datetime").datetime.now())
    reviewed = review_record(record, corrections={"requests.total.total": at})
    assert record.to_dict() == before  # never changed
    assert reviewed.corrected_record.cell("requests.total.total") == total + 1
    assert any(f.finding.severity == "error" and f.finding.where and f.finding.where.startswith("requests.total")
               for f in reviewed.findings)
    assert review_record(record).status == "passed" and review_record(record).findings == []


# --- bad inputs ---------------------------------------------------------------------------------------------
def test_bad_inputs_are_one_line_and_exit_2(tmp_path, hongze_text):
    db = tmp_path / "s.duckdb"
    ingest([str(hongze_text)], str(db), workers=1)
    rid = load_reports(db=db)[0].report_id
    cases = [
        (("review", "set", "0123456789abcdef", "--dismiss"), "no finding with this fingerprint"),
        (("review", "set", "xyz", "--confirm"), "not a finding's fingerprint"),
        (("review", "set", "0123456789abcdef"), "--confirm, --dismiss or --clear"),
        (("review", "report", "ffffffffff", "--approve"), "no such current report"),
        (("review", "report", "abc", "--approve"), "at least 8 characters"),
        (("review", "report", tmp_path / "s.duckdb", "--approve"), "not a current report"),
        (("review", "correct", rid[:12], "appeals.nowhere.total", "3"), "not a cell of the 2021 template"),
        (("review", "correct", rid[:12], "active.fees.previous_items", "3"), "not a cell of the 2021 template"),
        (("review", "correct", rid[:12], RECONSIDERATION, "1.5"), "not a whole number"),
        (("review", "correct", rid[:12], RECONSIDERATION, "eleven"), "not a number"),
        (("review", "correct", rid[:12], RECONSIDERATION, "--", "-11"), "negative"),
        (("review", "correct", rid[:12], RECONSIDERATION, "--clear"), "no correction of this cell"),
        (("review", "list", "无此机关"), "no such report or body"),
    ]
    for args, expected in cases:
        r = _cli(*args, "--db", db) if "--" not in args else _cli(*args[:-2], "--db", db, *args[-2:])
        assert r.exit_code == 2, (args, r.output)
        assert expected in r.output and len(r.output.strip().splitlines()) == 1, (args, r.output)
    r = _cli("review", "list", "洪泽", "--db", tmp_path / "none.duckdb")
    assert r.exit_code == 2 and "no such store" in r.output
    # money may be decimal; a 本年增/减 column may be negative (2019 template)
    assert D.correction_value("active.fees.amount", "12.5", "2021") == 12.5
    assert D.correction_value("active.licensing.change", "-3", "2019") == -3
    with pytest.raises(D.ReviewError):
        D.correction_value("active.fees.amount", "1.23456", "2021")
    assert D.correction_value(RECONSIDERATION, "-", "2021") is None


def test_files_that_are_no_report_are_listed_not_dropped(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    out = load_reports([empty, tmp_path / "missing.txt", SEEDS[0]])
    unreadable = [x for x in out if isinstance(x, Unreadable)]
    assert sorted(u.file for u in unreadable) == sorted([str(empty), str(tmp_path / "missing.txt")])
    assert all(u.reason for u in unreadable)
    assert [x.agency for x in out if isinstance(x, ReviewedReport)] == ["上海市静安区人力资源和社会保障局"]


def test_a_store_made_before_the_decision_tables_reads_and_gains_them(tmp_path, hongze_text):
    db = tmp_path / "old.duckdb"
    ingest([str(hongze_text)], str(db), workers=1)
    con = duckdb.connect(str(db))
    con.execute("DROP TABLE finding_decisions; DROP TABLE report_decisions")
    con.close()
    assert _cli("query", "--db", db, "SELECT count(*) FROM reports").exit_code == 0
    (report,) = load_reports(db=db)  # read-only: no decisions, no failure
    assert report.errors == 2 and all(f.decision is None for f in report.findings)
    out = tmp_path / "f.csv"
    assert _cli("export", "--db", db, "--form", "findings", "--to", out).exit_code == 0
    fp = report.findings[0].fingerprint
    D.set_finding_decision(db, fp, "dismissed")  # opened for writing: the tables are created
    assert load_report(db, report.report_id).finding(fp).dismissed
    # a report_decisions table of the first version, without the version decided on: gains it
    con = duckdb.connect(str(db))
    con.execute("DROP TABLE report_decisions; CREATE TABLE report_decisions (agency_key VARCHAR, year INTEGER, "
                "kind VARCHAR, note VARCHAR, reviewer VARCHAR, decided_at TIMESTAMP)")
    con.close()
    assert load_report(db, report.report_id).decision is None
    D.set_report_decision(db, report.report_id, "approved", note="同意")
    decided = load_report(db, report.report_id)
    assert decided.decision.kind == "approved" and decided.decision.report_id == report.report_id


def test_a_whole_store_read_in_bulk_equals_each_report_read_alone(tmp_path):
    """load_reports(db=…) reads every report with a few queries per 500 reports; the result must be
    what reading each report alone gives (cross-report findings, corrections included)."""
    db = tmp_path / "s.duckdb"
    ingest([str(p) for p in SEEDS] + [str(PINGTAN_2019), str(POLICE_2024)], str(db), workers=1)
    rid = next(r for r in load_reports(db=db) if r.year == 2019).report_id
    D.add_correction(db, rid, "active.fees.previous_items", 35)
    bulk = load_reports(db=db)
    assert len(bulk) == len(SEEDS) + 2
    with Store(db, read_only=True) as store:
        stored = {r.report_id: store.record(r.report_id).to_dict() for r in bulk}
    for report in bulk:
        assert report.record.to_dict() == stored[report.report_id]
        assert report.to_dict() == load_report(db, report.report_id).to_dict()
    assert next(r for r in bulk if r.report_id == rid).corrections["active.fees.previous_items"].value == 35
    # a page of ids (the office's lists): only those that are current, in the order asked, each as read alone
    from gongkai.review.inbox import stored_reports

    first, last = [r.report_id for r in bulk if r.report_id != rid][:2]
    with D.reading(db) as con:
        page = stored_reports(con, [last, "0" * 64, rid, first, rid])
    assert [r.report_id for r in page] == [last, rid, first]
    assert [r.to_dict() for r in page] == [load_report(db, i).to_dict() for i in (last, rid, first)]
