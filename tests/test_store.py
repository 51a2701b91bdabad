"""The store on the real corpus: one report per document, cells equal to the records, regions and
links, idempotent reruns, exports that read back with their Chinese headers, read-only queries."""
from __future__ import annotations

import csv
import os
import shutil
import sys
from pathlib import Path

import pytest

from conftest import CORPUS, SEEDS
from gongkai import parse
from gongkai.ingest import ReadError
from gongkai.store.prepare import parser_version
from gongkai.store.export import ExportError, Filters, export
from gongkai.store.pipeline import discover, ingest
from gongkai.store.query import run_query, stats
from gongkai.store.writer import Store, StoreError

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="needs ../shared/corpus")

DOCUMENTS = sorted(SEEDS + sorted(CORPUS.glob("real/*/source.*")))


def _parsed(path: Path):
    try:
        return parse(os.path.abspath(path))
    except ReadError as e:
        return e


@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory):
    db = tmp_path_factory.mktemp("store") / "corpus.duckdb"
    result = ingest([str(CORPUS)], str(db), workers=1)
    records = {p: _parsed(p) for p in DOCUMENTS}
    return db, result, records


def test_discovery_takes_reports_and_skips_corpus_sidecars():
    found, missing = discover([str(CORPUS)])
    assert found == sorted(os.path.abspath(p) for p in DOCUMENTS)
    assert not missing
    # a file named explicitly is always taken; a pattern or path that matches nothing is reported
    found, missing = discover([str(CORPUS / "README.md"), str(CORPUS / "nope"), str(CORPUS / "*.xyz")])
    assert found == [os.path.abspath(CORPUS / "README.md")]
    assert [m[0] for m in missing] == [str(CORPUS / "nope"), str(CORPUS / "*.xyz")]


def test_one_report_per_document(corpus_store):
    db, result, records = corpus_store
    readable = {os.path.abspath(p) for p, r in records.items() if not isinstance(r, Exception)}
    unreadable = {os.path.abspath(p) for p, r in records.items() if isinstance(r, Exception)}
    with Store(db, read_only=True) as s:
        files = dict(s.query("SELECT path, status FROM files WHERE status <> 'skipped'"))
        skipped = dict(s.query("SELECT path, reason FROM files WHERE status = 'skipped'"))
        reports = {path: rid for rid, path in s.query("SELECT report_id, source_path FROM reports")}
        failures = dict(s.query("SELECT path, reason FROM failures"))
    assert set(files) == {os.path.abspath(p) for p in DOCUMENTS}
    # every other file of the corpus is accounted for: skipped, with why
    everything = {os.path.abspath(os.path.join(root, n)) for root, _, names in os.walk(CORPUS) for n in names}
    assert set(skipped) == everything - set(files) and all(skipped.values())
    assert result.inputs == len(everything) and sorted(result.not_reports) == sorted(skipped.items())
    assert set(reports) == readable
    assert len(set(reports.values())) == len(readable)
    # a document no reader can take (a reader not installed) is a failure with the parser's reason
    assert set(failures) == unreadable
    for path in unreadable:
        assert failures[path] == str(records[Path(path)] if Path(path) in records else "")
    assert result.found == len(DOCUMENTS) and result.new_reports == len(readable)


def test_cells_equal_the_records(corpus_store):
    db, _, records = corpus_store
    with Store(db, read_only=True) as s:
        for path, record in records.items():
            if isinstance(record, Exception):
                continue
            rid = record.source.sha256
            stored = s.query("SELECT path, value, raw, location FROM cells WHERE report_id = ? ORDER BY ord", [rid])
            assert [(p, v) for p, v, _, _ in stored] == record.cells(), path
            for p, _, raw, location in stored:
                src = record.provenance.get(p)
                assert (raw, location) == ((src.raw, src.at) if src else (None, None)), (path, p)
            # the whole record comes back from the store, findings and sections included
            assert s.record(rid).to_dict() == record.to_dict(), path
            (n_cells, n_findings) = s.query("SELECT n_cells, n_findings FROM reports WHERE report_id = ?", [rid])[0]
            assert (n_cells, n_findings) == (len(record.cells()), len(record.findings))


REGIONS = {
    # agency as the report names itself -> (province, city, county, code, agency_key)
    "上海市静安区人力资源和社会保障局": ("上海市", "上海市", "静安区", "310106", "310106:人力资源和社会保障局"),
    "上海市人力资源和社会保障局": ("上海市", None, None, "310000", "310000:人力资源和社会保障局"),
    "莆田市涵江区人力资源和社会保障局": ("福建省", "莆田市", "涵江区", "350303", "350303:人力资源和社会保障局"),
    "上海市嘉定区人力资源和社会保障局": ("上海市", "上海市", "嘉定区", "310114", "310114:人力资源和社会保障局"),
    "青岛市人力资源和社会保障局": ("山东省", "青岛市", None, "370200", "370200:人力资源和社会保障局"),
    "平潭综合实验区": ("福建省", "福州市", "平潭综合实验区", "350128", "350128:人民政府"),
    "平潭综合实验区公安局": ("福建省", "福州市", "平潭综合实验区", "350128", "350128:公安局"),
    "平潭综合实验区交通与建设局": ("福建省", "福州市", "平潭综合实验区", "350128", "350128:交通与建设局"),
    "洪泽区人民政府": ("江苏省", "淮安市", "洪泽区", "320813", "320813:人民政府"),
    "淮安市洪泽区人民政府": ("江苏省", "淮安市", "洪泽区", "320813", "320813:人民政府"),
    "淮安市人民政府": ("江苏省", "淮安市", None, "320800", "320800:人民政府"),
    "上海市科委": ("上海市", None, None, "310000", "310000:科委"),
    None: (None, None, None, None, None),  # the blank template names no body
}


def test_regions_and_agency_keys(corpus_store):
    db, _, _ = corpus_store
    with Store(db, read_only=True) as s:
        rows = s.query("SELECT agency, province, city, county, region_code, agency_key FROM reports")
    assert rows
    for agency, *got in rows:
        assert tuple(got) == REGIONS[agency], agency


def test_years_chain_only_where_one_body_reports_consecutive_years(corpus_store):
    """平潭's four reports are three bodies (and 2019/2024 of the 实验区 do not chain): no link.
    洪泽区 2023 (洪泽区人民政府) and 2024 (淮安市洪泽区人民政府) are one body in consecutive
    years; their numbers agree (结转 0 -> 0; 规范性文件 5 + 3 − 0 = 8), so no cross-year finding."""
    db, _, records = corpus_store
    with Store(db, read_only=True) as s:
        links = s.query("SELECT agency_key, prev_year, year FROM year_links ORDER BY 1")
        cross = s.query("SELECT rule, message FROM findings WHERE scope = 'cross'")
        pingtan = s.query("SELECT agency_key, year FROM reports WHERE agency_key LIKE '350128:%' ORDER BY 1, 2")
    assert pingtan == [("350128:交通与建设局", 2022), ("350128:人民政府", 2019), ("350128:人民政府", 2024),
                       ("350128:公安局", 2024)]
    hongze_read = all(not isinstance(r, Exception) for p, r in records.items() if "hongze" in str(p))
    assert links == ([("320813:人民政府", 2023, 2024)] if hongze_read else [])
    assert not [l for l in links if l[0].startswith("350128:")]
    assert cross == []


def test_rerun_skips_renamed_copy_is_no_new_report_and_parser_upgrade_rereads(tmp_path, monkeypatch):
    import gongkai.extract

    db = str(tmp_path / "s.duckdb")
    docs = tmp_path / "docs"
    docs.mkdir()
    for p in SEEDS[:3]:
        shutil.copy(p, docs / p.name)
    first = ingest([str(docs)], db, workers=1)
    assert (first.new_reports, first.skipped, first.failed) == (3, 0, 0)
    again = ingest([str(docs)], db, workers=1)
    assert (again.new_reports, again.read, again.skipped) == (0, 0, 3)
    # the same bytes under another name: a second file of one report
    shutil.copy(SEEDS[0], docs / "renamed.txt")
    third = ingest([str(docs)], db, workers=1)
    assert (third.new_reports, third.duplicates, third.skipped) == (0, 1, 3)
    with Store(db, read_only=True) as s:
        assert s.query("SELECT count(*) FROM reports")[0][0] == 3
        assert s.query("SELECT count(*) FROM files")[0][0] == 4
        n_cells = s.query("SELECT count(*) FROM cells")[0][0]
    # a new parser version re-reads everything, replacing rows rather than adding them
    monkeypatch.setattr(gongkai.extract, "PARSER_VERSION", gongkai.extract.PARSER_VERSION + ".test")
    upgraded = ingest([str(docs)], db, workers=1)
    assert (upgraded.rewritten, upgraded.new_reports, upgraded.skipped) == (3, 0, 0)
    with Store(db, read_only=True) as s:
        assert s.query("SELECT count(*) FROM cells")[0][0] == n_cells
        assert {v for (v,) in s.query("SELECT DISTINCT parser_version FROM reports")} == {parser_version()}
        assert parser_version().startswith(gongkai.extract.PARSER_VERSION)
    # a report stored without checks is read again when checks are asked for
    db2 = str(tmp_path / "nocheck.duckdb")
    ingest([str(docs)], db2, workers=1, check=False)
    checked = ingest([str(docs)], db2, workers=1, check=True)
    assert checked.rewritten == 3


def test_a_bad_file_is_recorded_and_does_not_stop_the_batch(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(SEEDS[0], docs / "a.txt")
    (docs / "b.pdf").write_bytes(b"%PDF-1.7\n garbage")
    (docs / "c.txt").write_bytes(b"")
    shutil.copy(SEEDS[1], docs / "d.txt")
    db = str(tmp_path / "s.duckdb")
    from gongkai.i18n import use_language

    with use_language("en"):  # the reasons are stored in the language of the ingest
        result = ingest([str(docs)], db, workers=1)
    assert (result.new_reports, result.failed) == (2, 2)
    with Store(db, read_only=True) as s:
        failures = dict(s.query("SELECT path, reason FROM failures"))
    assert set(failures) == {str(docs / "b.pdf"), str(docs / "c.txt")}
    assert failures[str(docs / "c.txt")] == "the file is empty"  # as the ingest said it, in its language
    # known failures are not retried with the same parser, and a fixed file replaces its failure
    again = ingest([str(docs)], db, workers=1)
    assert (again.known_failures, again.failed) == (2, 0)
    assert ingest([str(docs)], db, workers=1, retry_failed=True).failed == 2
    shutil.copy(SEEDS[2], docs / "c.txt")
    fixed = ingest([str(docs)], db, workers=1)
    assert (fixed.new_reports, fixed.known_failures) == (1, 1)
    with Store(db, read_only=True) as s:
        assert [p for (p,) in s.query("SELECT path FROM failures")] == [str(docs / "b.pdf")]


# --- exports ---------------------------------------------------------------------------------------
def test_xlsx_wide_export_reads_back_with_record_paths_and_chinese_headers(corpus_store, tmp_path):
    from openpyxl import load_workbook

    from gongkai.store.labels import header as header_of

    db, _, records = corpus_store
    out = tmp_path / "reports.xlsx"
    n = export(str(db), str(out), lang="zh")
    readable = [r for r in records.values() if not isinstance(r, Exception)]
    assert n == len(readable)
    wb = load_workbook(out, read_only=True)
    assert wb.sheetnames == ["报告", "数据字典"]
    rows = list(wb["报告"].iter_rows(values_only=True))
    names, chinese = rows[0], rows[1]
    assert len(set(names)) == len(names) and all(name.isascii() for name in names)
    col = {name: i for i, name in enumerate(names)}
    for name in ("agency", "year", "province", "region_code", "requests.total.total",
                 "requests.new_received.natural_person", "active.normative_documents.in_force",
                 "appeals.reconsideration.upheld"):
        assert name in col, name
    assert chinese[col["agency"]] == "机关名称" and chinese[col["year"]] == "年度"
    assert chinese[col["requests.total.total"]] == header_of("requests.total.total") == "依申请公开｜（七）总计｜总计"
    assert len(rows) == 2 + len(readable)
    # a row whose last cells are empty comes back shorter (the blank template has no numbers at all)
    by_agency_year = {(r[col["agency"]], r[col["year"]]): r + (None,) * (len(names) - len(r)) for r in rows[2:]}
    for record in readable:
        row = by_agency_year[(record.agency, record.year)]
        for path, value in record.cells():
            got = row[col[path]]
            assert got == value and type(got) is type(value) or (value is None and got is None), (record.agency, path)
    dictionary = {r[0]: r for r in wb["数据字典"].iter_rows(values_only=True)}
    assert dictionary["requests.total.total"][1:3] == ("依申请公开｜（七）总计｜总计", "BIGINT")
    assert dictionary["active.fees.amount"][2] == "DECIMAL(18,4)"


def test_csv_long_and_findings_forms(corpus_store, tmp_path):
    db, _, records = corpus_store
    out = tmp_path / "cells.csv"
    n = export(str(db), str(out), form="long")
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel needs the BOM to read UTF-8 Chinese
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0][:3] == ["report_id", "agency", "agency_key"]
    assert {"path", "label", "value", "amount", "status", "status_rule", "raw", "location"} <= set(rows[0])
    assert n == len(rows) - 1 == sum(len(r.cells()) for r in records.values() if not isinstance(r, Exception))
    findings = tmp_path / "findings.csv"
    n = export(str(db), str(findings), form="findings")
    assert n == sum(len(r.findings) for r in records.values() if not isinstance(r, Exception))


def test_long_form_is_read_in_batches_of_reports_in_the_order_of_their_files(corpus_store, tmp_path, monkeypatch):
    """The long form is read and sorted a few reports at a time (a single sort of every cell needs
    memory growing with the store): the rows come out by file, then report, each report's cells
    together in the template's order, and the batches' size changes nothing."""
    import pyarrow.parquet as pq

    from gongkai.store import export as export_module

    db, _, records = corpus_store
    whole = tmp_path / "whole.parquet"
    export(str(db), str(whole), form="long")
    monkeypatch.setattr(export_module, "LONG_BATCH_REPORTS", 2)
    batched = tmp_path / "batched.parquet"
    export(str(db), str(batched), form="long")
    rows = pq.read_table(whole).to_pylist()
    assert rows == pq.read_table(batched).to_pylist()
    with Store(db, read_only=True) as s:
        order = s.query("SELECT report_id FROM reports WHERE cells_file IS NOT NULL ORDER BY cells_file, report_id")
        paths = {rid: [p for (p,) in s.query("SELECT path FROM cells WHERE report_id = ? ORDER BY ord", [rid])]
                 for (rid,) in order}
    assert len(order) > 2  # more than one batch above
    reports = [r["report_id"] for r in rows]
    assert list(dict.fromkeys(reports)) == [rid for (rid,) in order]  # a report's rows together, in file order
    for rid, cells in paths.items():
        assert [r["path"] for r in rows if r["report_id"] == rid] == cells  # in the template's order


def test_findings_form_sorted_a_batch_of_reports_at_a_time_comes_out_as_one_sort(corpus_store, tmp_path,
                                                                                 monkeypatch):
    import pyarrow.parquet as pq

    from gongkai.store import export as export_module

    db, _, records = corpus_store
    whole = tmp_path / "whole.parquet"
    n = export(str(db), str(whole), form="findings")
    monkeypatch.setattr(export_module, "FINDINGS_BATCH_REPORTS", 2)
    batched = tmp_path / "batched.parquet"
    assert export(str(db), str(batched), form="findings") == n
    rows = pq.read_table(whole).to_pylist()
    assert rows == pq.read_table(batched).to_pylist()
    with Store(db, read_only=True) as s:
        order = [rid for (rid,) in s.query("SELECT report_id FROM reports ORDER BY year, province, agency_name, "
                                             "report_id")]
    reports = list(dict.fromkeys(r["report_id"] for r in rows))
    assert len(reports) > 2 and reports == [rid for rid in order if rid in reports]


def test_parquet_and_filters(corpus_store, tmp_path):
    import duckdb

    db, _, _ = corpus_store
    with Store(db, read_only=True) as s:
        def count(where):
            return s.query(f"SELECT count(*) FROM reports WHERE {where}")[0][0]

        expected = {
            "year": count("year = 2024"),
            "years": count("year IN (2022, 2023)"),
            "region": count("province = '江苏省'"),
            "code": count("region_code LIKE '3208%'"),
            "agency": count("agency_name LIKE '%平潭%'"),
            "rule": s.query("SELECT count(DISTINCT report_id) FROM findings WHERE rule LIKE 'GK3%'")[0][0],
        }
    cases = {
        "year": Filters(years=[2024]),
        "years": Filters(years=[2022, 2023]),
        "region": Filters(regions=["江苏"]),
        "code": Filters(regions=["320800"]),
        "agency": Filters(agencies=["平潭"]),
        "rule": Filters(rules=["GK3"]),
    }
    for name, filters in cases.items():
        out = tmp_path / f"{name}.parquet"
        n = export(str(db), str(out), filters=filters)
        assert n == expected[name], name
        assert duckdb.connect().execute(f"SELECT count(*) FROM read_parquet('{out}')").fetchall()[0][0] == n
    with pytest.raises(ExportError):
        export(str(db), str(tmp_path / "x.json"))


def test_query_is_read_only(corpus_store, tmp_path):
    db, _, _ = corpus_store
    result = run_query(str(db), "SELECT count(*) AS n FROM reports")
    assert result.columns == ["n"] and result.rows[0][0] > 0
    for sql in ("DELETE FROM reports", "DROP TABLE cells", f"COPY reports TO '{tmp_path / 'x.csv'}'",
                "CREATE TABLE x AS SELECT 1"):
        with pytest.raises(StoreError):
            run_query(str(db), sql)
    assert run_query(str(db), "SELECT count(*) FROM reports").rows == result.rows
    with pytest.raises(StoreError, match="数据库不存在"):
        run_query(str(tmp_path / "missing.duckdb"), "SELECT 1")


def test_stats_by_year_and_region(corpus_store):
    db, _, records = corpus_store
    from gongkai.i18n import use_language

    with use_language("zh"):
        result = stats(str(db))
    assert result.columns[:4] == ["年度", "地区", "报告", "机关"]
    assert sum(r[2] for r in result.rows) == sum(1 for r in records.values() if not isinstance(r, Exception))
    fujian_2024 = [r for r in result.rows if r[0] == 2024 and r[1] == "福建省"]
    assert fujian_2024 and fujian_2024[0][2] == 2  # 平潭综合实验区 and its 公安局
    by_county = stats(str(db), by="county")
    assert any(r[1] == "福建省福州市平潭综合实验区" for r in by_county.rows)


# --- the command line ------------------------------------------------------------------------------
def test_cli_ingest_query_export_stats(tmp_path):
    from click.testing import CliRunner

    from gongkai.cli import main
    from gongkai.cli_store import register

    register(main)
    runner = CliRunner(env={"GONGKAI_LANG": "en"})  # English wording; the Chinese default: test_cli_check.py
    db = str(tmp_path / "cli.duckdb")
    docs = tmp_path / "docs"
    docs.mkdir()
    for p in SEEDS[:2]:
        shutil.copy(p, docs / p.name)
    (docs / "broken.pdf").write_bytes(b"%PDF-1.4 nothing")
    en = {"GONGKAI_LANG": "en"}
    r = runner.invoke(main, ["ingest", str(docs), "--db", db, "--workers", "1", "--progress", "none"], env=en)
    assert r.exit_code == 2, r.output  # one input failed
    assert "2 new reports" in r.stderr and "1 unreadable" in r.stderr and "broken.pdf" in r.stderr
    r = runner.invoke(main, ["query", "--db", db, "--format", "csv", "SELECT agency, year FROM reports ORDER BY year"])
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines() == ["agency,year", "上海市静安区人力资源和社会保障局,2023", "上海市人力资源和社会保障局,2024"]
    r = runner.invoke(main, ["query", "--db", db, "DELETE FROM reports"])
    assert r.exit_code == 2 and "read-only" in r.output.lower() and "Traceback" not in r.output
    out = tmp_path / "x.xlsx"
    r = runner.invoke(main, ["export", "--db", db, "--to", str(out), "--year", "2023-2024"], env=en)
    assert r.exit_code == 0 and out.exists() and "2 rows" in r.stderr
    r = runner.invoke(main, ["stats", "--db", db, "--format", "csv"], env={"GONGKAI_LANG": "zh"})
    assert r.exit_code == 0 and r.stdout.splitlines()[0].startswith("年度,地区,报告")
    r = runner.invoke(main, ["ingest", str(tmp_path / "nothing-here"), "--db", db, "--progress", "none"], env=en)
    assert r.exit_code == 2 and "no such file or folder" in r.stderr


def test_store_in_use_and_not_a_store(tmp_path):
    db = tmp_path / "s.duckdb"
    with Store(db):
        pass
    bogus = tmp_path / "bogus.duckdb"
    bogus.write_bytes(b"not a database at all" * 100)
    with pytest.raises(StoreError):
        Store(bogus)


def test_ingest_without_cpca_fails_before_reading_and_owner_never_loads_it(tmp_path, monkeypatch):
    """A missing module cpca imports stops the ingest at once, naming it; when all are there the
    owner only checks they exist: cpca's table of places is loaded by the workers that use it."""
    import gongkai.store.regions as regions

    monkeypatch.setattr(regions, "CPCA_MODULES", regions.CPCA_MODULES + ("no_such_module_for_cpca",))
    with pytest.raises(StoreError, match="no_such_module_for_cpca"):
        ingest([str(SEEDS[0])], str(tmp_path / "a.duckdb"), workers=1)
    assert not (tmp_path / "a.duckdb").exists()
    monkeypatch.undo()
    monkeypatch.delitem(sys.modules, "cpca", raising=False)
    regions.require_cpca()
    assert "cpca" not in sys.modules


def test_a_synthetic_corpus_of_many_bodies(tmp_path):
    """gongkai.store.synth with bodies=True (the web benchmark's store): each text copy is its
    source's report moved to a real county of its own: the body and every cell as in the source,
    the region another one, so a store of copies holds as many bodies as copies."""
    from gongkai.store.agencies import normalise
    from gongkai.store.synth import make_corpus, real_sources

    sources = real_sources(CORPUS)
    made = make_corpus(sources, tmp_path / "copies", n=3 * len(sources), corrupt=0, bodies=True)
    originals = {}
    for s in sources:
        record = parse(s, check=False)
        originals[s] = (record, normalise(record.agency, " ".join(x.text for x in record.sections[:2])))
    keys = set()
    for path in made.good:
        record = parse(path, check=False)
        agency = normalise(record.agency, " ".join(x.text for x in record.sections[:2]))
        source, (original, body) = next((s, o) for s, o in originals.items()
                                        if o[0].cells() == record.cells() and o[0].year == record.year)
        assert agency.body == body.body and agency.region.code != body.region.code, (path, record.agency)
        assert agency.region.county is not None and not agency.key.startswith("?"), record.agency
        keys.add(agency.key)
    assert len(keys) == len(made.good)


def test_packed_chunks_store_each_report_once_as_one_by_one(tmp_path):
    """Workers send a chunk's rows as one batch per table (prepare.pack). A chunk holding a report
    already stored, the same bytes twice, and bytes another chunk of the same commit also holds
    gives the store that writing the files one at a time gives: each report's rows once."""
    from test_store_dask import DUMPS

    from gongkai.store.prepare import pack, prepare_file

    docs = tmp_path / "docs"
    docs.mkdir()
    names = {"a.txt": SEEDS[0], "b.txt": SEEDS[1], "a-copy.txt": SEEDS[0], "d.txt": SEEDS[2],
             "d-copy.txt": SEEDS[2], "d-third.txt": SEEDS[2]}
    for name, src in names.items():
        shutil.copy(src, docs / name)

    def read(*files):
        return [prepare_file(str(docs / f), None, True) for f in files]

    packed, alone = str(tmp_path / "packed.duckdb"), str(tmp_path / "alone.duckdb")
    with Store(packed) as s:
        memo = s.memo()
        s.write(pack(read("a.txt")), memo)
        chunks = pack(read("b.txt", "a-copy.txt", "d.txt", "d-copy.txt")) + pack(read("d-third.txt"))
        assert [p.covers for p in chunks if p.covers][0] == tuple(p.sha256 for p in chunks[:3])
        done = s.write(chunks, memo)
    assert done.new == 2 and sorted(done.duplicates) == sorted(
        [(str(docs / "a-copy.txt"), str(docs / "a.txt")), (str(docs / "d-copy.txt"), str(docs / "d.txt")),
         (str(docs / "d-third.txt"), str(docs / "d.txt"))])
    with Store(alone) as s:
        memo = s.memo()
        for name in names:
            s.write(pack(read(name)), memo)
    dumps = []
    for db in (packed, alone):
        with Store(db, read_only=True) as s:
            assert s.query("SELECT count(*) FROM reports")[0][0] == 3
            assert s.query("SELECT count(*) FROM (SELECT DISTINCT report_id, ord FROM cells)") == s.query(
                "SELECT count(*) FROM cells") == s.query("SELECT sum(n_cells) FROM reports")
            dumps.append({name: s.query(sql) for name, sql in DUMPS.items()})
    assert dumps[0] == dumps[1]
