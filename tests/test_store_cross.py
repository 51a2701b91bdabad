"""Cross-report checks on real reports made into a chain.

The corpus has no body with consecutive years whose numbers disagree, so these tests make one,
openly: `平潭综合实验区公安局2024年…报告` (real, unchanged) plus a copy of it presented as the
body's 2023 report — every 2024 in the text becomes 2023 and every 2025 becomes 2024, nothing
else changed unless a test says so. Since the copy's narrative is the real report's, the pair is
also a genuine case of 内容雷同 (two years of one body with the same text).
"""
from __future__ import annotations

import pytest

from conftest import CORPUS
from gongkai.store.pipeline import ingest
from gongkai.store.writer import Store

POLICE_2024 = CORPUS / "real" / "pingtan-police-2024-crawltext" / "source.txt"
TRANSPORT_2022 = CORPUS / "real" / "pingtan-transport-2022-crawltext" / "source.txt"

pytestmark = pytest.mark.skipif(not POLICE_2024.exists(), reason="needs ../shared/corpus")


def _previous_year(text: str) -> str:
    return text.replace("2024", "\0").replace("2025", "2024").replace("\0", "2023")


def _edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def _store(tmp_path, files: dict[str, str]):
    """A store of the real 2024 report and `files`."""
    return _store_of(tmp_path, {"police-2024.txt": POLICE_2024.read_text(encoding="utf-8"), **files})


def _cross(store):
    return store.query("""
        SELECT r.year, f.rule, f.severity, f.where_path, f.message, f.evidence, o.year
        FROM findings f JOIN reports r USING (report_id) LEFT JOIN reports o ON o.report_id = f.other_report_id
        WHERE f.scope = 'cross' ORDER BY r.year, f.rule, f.where_path""")


def test_consistent_chain_gives_no_year_findings_but_flags_copied_text(tmp_path):
    text = POLICE_2024.read_text(encoding="utf-8")
    with _store(tmp_path, {"police-2023.txt": _previous_year(text)}) as s:
        assert s.query("SELECT agency_key, prev_year, year FROM year_links") == [("350128:公安局", 2023, 2024)]
        found = _cross(s)
    # the same text in consecutive years of one body: GK908 on the later report, with the sentences
    # (GK903 leaves consecutive years of one body to it)
    assert [(y, rule, other) for y, rule, _, _, _, _, other in found] == [(2024, "GK908", 2023)]
    assert "100%" in found[0][4] and "内容雷同" in found[0][4]
    assert found[0][5].count("“") >= 5


def test_carryover_and_in_force_breaks_are_found_per_column(tmp_path):
    """The 2023 copy says 2 applications were carried into 2024 (2024 says 0 were carried over) and
    that 4 行政规范性文件 were in force (2024: 4 + 0 issued − 0 repealed should be 4, it says 5)."""
    text = _previous_year(POLICE_2024.read_text(encoding="utf-8"))
    text = _edit(text, "四、结转下年度继续办理 0000000", "四、结转下年度继续办理 2000002")
    text = _edit(text, "行政规范性文件005", "行政规范性文件004")
    with _store(tmp_path, {"police-2023.txt": text}) as s:
        found = [f for f in _cross(s) if f[1] not in ("GK903", "GK908")]
    assert [(y, rule, sev, where, other) for y, rule, sev, where, _, _, other in found] == [
        (2024, "GK901", "warning", "requests.carried_over.natural_person", 2023),
        (2024, "GK901", "warning", "requests.carried_over.total", 2023),
        (2024, "GK902", "warning", "active.normative_documents.in_force", 2023),
    ]
    assert found[0][4].startswith("上年结转（自然人）为 0，与2023年报告的结转下年度继续办理 2 不一致")
    assert found[2][4] == "行政规范性文件现行有效件数为 5，按2023年现行有效 4 + 本年制发 0 − 本年废止 0 应为 4"
    # the evidence cites both reports' cells where they stand
    assert "2024年报告 第 10 行" in found[0][5] and "2023年报告 第 10 行" in found[0][5]


def test_fixing_the_report_clears_the_finding_on_the_next_ingest(tmp_path):
    text = _edit(_previous_year(POLICE_2024.read_text(encoding="utf-8")), "行政规范性文件005", "行政规范性文件004")
    with _store(tmp_path, {"police-2023.txt": text}) as s:
        assert [f[1] for f in _cross(s)].count("GK902") == 1
    docs = tmp_path / "docs"
    (docs / "police-2023.txt").write_text(_previous_year(POLICE_2024.read_text(encoding="utf-8")), encoding="utf-8")
    ingest([str(docs)], str(tmp_path / "s.duckdb"), workers=1)
    with Store(tmp_path / "s.duckdb", read_only=True) as s:
        assert [f[1] for f in _cross(s)].count("GK902") == 0


def test_same_text_from_another_body_and_a_duplicate_of_the_same_year(tmp_path):
    """Another body publishing the 公安局's text (a copy with the body's name replaced) is 内容雷同
    across bodies; a second, re-encoded copy of the 2024 report itself, kept beside the first with
    --keep-both, is a duplicate (GK904, naming the files and the body), not 雷同."""
    text = POLICE_2024.read_text(encoding="utf-8")
    other_body = text.replace("平潭综合实验区公安局", "平潭综合实验区市场监督管理局").replace("区公安局", "区市场监管局")
    with _store(tmp_path, {"market-2024.txt": other_body}) as s:
        (tmp_path / "docs" / "police-2024-gbk.txt").write_bytes(text.encode("gb18030"))
    ingest([str(tmp_path / "docs")], str(tmp_path / "s.duckdb"), workers=1, keep_both=True)
    with Store(tmp_path / "s.duckdb", read_only=True) as s:
        found = s.query("""
            SELECT r.agency_name, r.size, f.rule, f.message FROM findings f JOIN reports r USING (report_id)
            WHERE f.scope = 'cross' ORDER BY r.agency_name, r.size, f.rule""")
    similar = [(a, m) for a, _, rule, m in found if rule == "GK903"]
    duplicate = [(a, m) for a, _, rule, m in found if rule == "GK904"]
    assert {a for a, _ in similar} == {"平潭综合实验区公安局", "平潭综合实验区市场监督管理局"}
    assert any("平潭综合实验区公安局2024年报告雷同" in m for _, m in similar)
    assert len(duplicate) == 2 and all("另有 1 份报告" in m and "表格数据完全相同" in m for _, m in duplicate)
    # the files and the body are named, not hashes
    assert all("平潭综合实验区公安局" in m for _, m in duplicate)
    assert any("police-2024-gbk.txt" in m for _, m in duplicate) and any("police-2024.txt（" in m for _, m in duplicate)


def test_different_bodies_with_different_text_are_not_similar(tmp_path):
    with _store(tmp_path, {"transport-2022.txt": TRANSPORT_2022.read_text(encoding="utf-8")}) as s:
        assert _cross(s) == []


# --- GK905–GK908 (the checks' cross-report warnings) ------------------------------------------------
AREA_2024 = CORPUS / "real" / "pingtan-2024-crawltext" / "source.txt"
# The 公安局's request table as printed (glued runs), and the same rows with every count 0.
POLICE_ROWS = ("8 0 0 0 0 0 8", "3000003", " 10 0 0 0 01", "4000004", "8000008")
ZERO_ROWS = ("0 0 0 0 0 0 0", "0000000", " 00 0 0 0 00", "0000000", "0000000")


def _store_of(tmp_path, files: dict[str, str]):
    """A store ingested from `files` (name -> text)."""
    docs = tmp_path / "docs"
    docs.mkdir(parents=True)
    for name, text in files.items():
        (docs / name).write_text(text, encoding="utf-8")
    db = str(tmp_path / "s.duckdb")
    result = ingest([str(docs)], db, workers=1)
    assert result.failed == 0, result.failures
    return Store(db, read_only=True)


def test_gk905_a_fivefold_jump_in_new_requests(tmp_path):
    """The 2023 copy counts 40 new requests, 2024 (real) 8: a fifth, on enough volume."""
    text = POLICE_2024.read_text(encoding="utf-8")
    earlier = _edit(_previous_year(text), "8 0 0 0 0 0 8", "40 0 0 0 0 0 40")
    with _store_of(tmp_path, {"police-2023.txt": earlier, "police-2024.txt": text}) as s:
        found = [f for f in _cross(s) if f[1] == "GK905"]
    assert [(y, sev, where, other) for y, _, sev, where, _, _, other in found] == [
        (2024, "warning", "requests.new_received.total", 2023)]
    assert "40" in found[0][4] and "8" in found[0][4]


def test_gk905_gk906_quiet_on_steady_years(tmp_path):
    text = POLICE_2024.read_text(encoding="utf-8")
    with _store_of(tmp_path, {"police-2023.txt": _previous_year(text), "police-2024.txt": text}) as s:
        assert [f for f in _cross(s) if f[1] in ("GK905", "GK906", "GK907")] == []


def test_gk906_all_zero_after_a_busy_year(tmp_path):
    """2023 (a copy counting 18 new requests) then 2024 with every count of the request table 0."""
    text = POLICE_2024.read_text(encoding="utf-8")
    earlier = _edit(_previous_year(text), "8 0 0 0 0 0 8", "18 0 0 0 0 0 18")
    zeros = text
    for row, zero in zip(POLICE_ROWS, ZERO_ROWS):
        zeros = _edit(zeros, row, zero)
    with _store_of(tmp_path, {"police-2023.txt": earlier, "police-2024.txt": zeros}) as s:
        found = [f for f in _cross(s) if f[1] == "GK906"]
    assert [(y, where, other) for y, _, _, where, _, _, other in found] == [(2024, "requests", 2023)]


def test_gk907_an_area_count_below_its_departments(tmp_path):
    """平潭综合实验区 2024 made to say 全区共受理政府信息公开申请5件 beside its 公安局's 8 new requests."""
    area = _edit(AREA_2024.read_text(encoding="utf-8"), "全年办理政府信息公开申请218件", "全区共受理政府信息公开申请5件")
    police = POLICE_2024.read_text(encoding="utf-8")
    with _store_of(tmp_path, {"area-2024.txt": area, "police-2024.txt": police}) as s:
        found = s.query("""SELECT r.agency_name, f.severity, f.where_path, f.message FROM findings f
                           JOIN reports r USING (report_id) WHERE f.rule = 'GK907'""")
    assert [(a, sev, where) for a, sev, where, _ in found] == [
        ("平潭综合实验区", "warning", "requests.new_received.total")]
    # the report as published (全年办理…218件, no area-wide count) is not compared
    with _store_of(tmp_path / "real", {"area-2024.txt": AREA_2024.read_text(encoding="utf-8"),
                                       "police-2024.txt": police}) as s:
        assert s.query("SELECT * FROM findings WHERE rule = 'GK907'") == []


def test_gk905_to_gk908_are_silent_on_the_corpus(tmp_path):
    """The whole corpus in one store: 洪泽区 2023 → 2024 is a year link, 平潭综合实验区 2024 a government
    with a department (公安局) of the same year; none of the new warnings applies."""
    result = ingest([str(CORPUS)], str(tmp_path / "c.duckdb"), workers=1)
    assert result.failed == 0
    with Store(tmp_path / "c.duckdb", read_only=True) as s:
        assert s.query("SELECT count(*) FROM year_links") == [(1,)]
        assert s.query("SELECT rule, message FROM findings WHERE rule IN ('GK905', 'GK906', 'GK907', 'GK908')") == []


def test_report_counts_and_the_web_page_count_the_same_findings(tmp_path):
    """reports.n_errors/n_warnings/n_infos count the record's own findings and the cross-report
    ones, as the web page does: a report with a GK903 warning shows it in both."""
    from fastapi.testclient import TestClient

    from gongkai.web.app import create_app

    text = POLICE_2024.read_text(encoding="utf-8")
    with _store(tmp_path, {"police-2023.txt": _previous_year(text)}) as s:
        counts = {rid: (e, w, i) for rid, e, w, i in s.query("SELECT report_id, n_errors, n_warnings, n_infos FROM reports")}
        own = dict(s.query("SELECT report_id, count(*) FROM findings WHERE scope = 'report' AND severity = 'warning' "
                           "GROUP BY ALL"))
    assert any(w > own.get(rid, 0) for rid, (_, w, _) in counts.items())  # the cross-report warnings are counted
    with TestClient(create_app(tmp_path / "s.duckdb"), base_url="http://localhost") as client:
        items = client.get("/api/reports").json()["items"]
    assert {it["id"]: (it["counts"]["error"], it["counts"]["warning"], it["counts"]["info"]) for it in items} == counts
