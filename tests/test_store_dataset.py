"""The store as a dataset: per-cell status (inferred, unreadable, blank, corrected) with the finding
that explains it, typed exports that load in pandas and DuckDB under ASCII names, the common view,
formula-like text kept as text, and `gongkai.open_store` frames. Fixtures are real reports, some
edited openly (a number replaced by OCR's U+FFFD; a body's name given a leading `=`)."""
from __future__ import annotations

import csv
import shutil
import subprocess

import pytest

from conftest import CORPUS, SEEDS
from gongkai import parse
from gongkai.store import copy_store
from gongkai.store.export import export
from gongkai.store.pipeline import ingest
from gongkai.store.writer import Store

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="needs ../shared/corpus")

SEED = CORPUS / "seeds" / "000_e36cf77514eb609c.txt"  # 上海市静安区人社局 2023, pipe table
PINGTAN_2019 = CORPUS / "real" / "pingtan-2019-crawltext" / "source.txt"  # glued digit runs
HONGZE_2024 = CORPUS / "real" / "hongze-district-2024-pdf" / "source.pdf"  # template 2021, money cell


def _edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    root = tmp_path_factory.mktemp("dataset")
    docs = root / "docs"
    docs.mkdir()
    seed = SEED.read_text(encoding="utf-8")
    # OCR could not read 行政许可's 47: the reader leaves it null with an unreadable-cell finding
    (docs / "jingan-ocr.txt").write_text(_edit(seed, "行政许可 | 47 |", "行政许可 | \ufffd |"), encoding="utf-8")
    # a body whose name a spreadsheet would take for a formula
    (docs / "formula.txt").write_text(
        _edit(seed, "2023年度上海市静安区", "2023年度=1+1上海市静安区").replace("2023", "2022"), encoding="utf-8")
    shutil.copy(PINGTAN_2019, docs / "pingtan-2019.txt")
    shutil.copy(HONGZE_2024, docs / "hongze-2024.pdf")
    for s in SEEDS[1:]:
        shutil.copy(s, docs / s.name)
    db = root / "dataset.duckdb"
    result = ingest([str(docs)], str(db), workers=1)
    assert result.failed == 0, result.failures
    return db, docs


def _cell(s: Store, agency_like: str, path: str):
    return s.query("""SELECT c.value, c.raw, c.status, c.status_rule, f.rule, f.message
                      FROM cells c JOIN reports r USING (report_id)
                      LEFT JOIN findings f ON f.report_id = c.report_id AND f.scope = 'report' AND f.seq = c.status_seq
                      WHERE r.agency_name LIKE ? AND r.year = ? AND c.path = ?""", [agency_like[0], agency_like[1],
                                                                                   path])[0]


def test_cell_status_inferred_unreadable_blank_with_the_explaining_finding(store):
    db, _ = store
    pingtan = parse(PINGTAN_2019)
    inferred = next(f for f in pingtan.findings if f.rule == "split-inferred" and f.where == "requests.new_received")
    with Store(db, read_only=True) as s:
        # 230 000023 -> 23 | 0 | 0 | 0 | 0 | 0 | 23, decided by the identities
        value, raw, status, rule, frule, message = _cell(s, ("平潭综合实验区", 2019), "requests.new_received.total")
        assert (value, status, rule, frule) == (23, "inferred", "split-inferred", "split-inferred")
        assert message == inferred.message
        # the OCR-unreadable cell: null, no replacement character stored, the finding names the cell
        value, raw, status, rule, frule, message = _cell(s, ("%静安区%", 2023), "active.licensing.decisions")
        assert (value, raw, status, rule) == (None, None, "unreadable", "unreadable-cell")
        assert s.query("SELECT count(*) FROM cells WHERE contains(raw, '\ufffd')") == [(0,)]
        # a dash in the report: blank, no finding
        value, raw, status, rule, frule, message = _cell(s, ("%静安区%", 2023), "active.regulations.issued")
        assert (value, raw, status, rule, frule) == (None, "————", "blank", None, None)
        # a number printed as such: read
        assert _cell(s, ("%静安区%", 2023), "requests.new_received.total")[:3] == (15, "15", "read")
        statuses = {st for (st,) in s.query("SELECT DISTINCT status FROM cells")}
    assert statuses <= {"read", "inferred", "unreadable", "blank"}


def test_a_reviewer_correction_shows_as_corrected_and_keeps_what_was_read(store, tmp_path):
    """The slot for the reviewers' correction layer (issue 11): a row in `corrections` makes the
    cell `corrected` in the cell_status view and the long export, the value as read untouched."""
    import duckdb

    db, _ = store
    copy = tmp_path / "corrected.duckdb"
    copy_store(db, copy)
    con = duckdb.connect(str(copy))
    rid = con.execute("SELECT report_id FROM reports WHERE agency_name LIKE '%静安区%' AND year = 2023").fetchone()[0]
    con.execute("INSERT INTO corrections VALUES (?, 'active.licensing.decisions', 47, 'reviewer-1', "
                "'read from the scan by eye', 'reviewer', now())", [rid])
    row = con.execute("SELECT value, status, corrected_value, read_status, status_rule FROM cell_status "
                      "WHERE report_id = ? AND path = 'active.licensing.decisions'", [rid]).fetchone()
    assert row == (None, "corrected", 47, "unreadable", "unreadable-cell")
    assert con.execute("SELECT value FROM cells WHERE report_id = ? AND path = 'active.licensing.decisions'",
                       [rid]).fetchone() == (None,)
    con.close()
    out = tmp_path / "long.parquet"
    export(str(copy), str(out), form="long")
    got = duckdb.connect().execute(
        f"SELECT value, status, corrected_value FROM '{out}' WHERE report_id = ? AND path = "
        "'active.licensing.decisions'", [rid]).fetchone()
    assert got == (None, "corrected", 47)


def test_exports_load_in_pandas_and_duckdb_with_integer_counts_and_ascii_names(store, tmp_path):
    import duckdb
    import pandas as pd
    import pyarrow.parquet as pq

    db, docs = store
    hongze = parse(HONGZE_2024)
    wide_parquet, wide_csv = tmp_path / "wide.parquet", tmp_path / "wide.csv"
    export(str(db), str(wide_parquet))
    export(str(db), str(wide_csv))
    schema = pq.read_schema(wide_parquet)
    assert all(name.isascii() for name in schema.names)
    assert str(schema.field("requests.total.total").type) == "int64"
    assert str(schema.field("active.fees.amount").type) == "decimal128(18, 4)"
    assert str(schema.field("year").type) == "int32"
    frame = pd.read_parquet(wide_parquet, dtype_backend="numpy_nullable")
    assert str(frame["requests.total.total"].dtype) == "Int64"
    row = frame[frame["agency"] == hongze.agency].iloc[0]
    assert int(row["requests.total.total"]) == hongze.cell("requests.total.total")
    assert float(row["active.fees.amount"]) == hongze.cell("active.fees.amount")
    # DuckDB infers the same types from the csv
    con = duckdb.connect()
    types = dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM '{wide_csv}')").fetchall())
    assert types["requests.total.total"] == "BIGINT" and types["requests.new_received.natural_person"] == "BIGINT"
    assert con.execute(f"SELECT \"requests.total.total\" FROM '{wide_csv}' WHERE agency = ?",
                       [hongze.agency]).fetchone()[0] == hongze.cell("requests.total.total")
    # the data dictionary beside it explains every column, in Chinese
    with open(tmp_path / "wide.dictionary.csv", encoding="utf-8-sig") as f:
        entries = {r[0]: r for r in csv.reader(f)}
    assert set(entries) - {"column"} == set(schema.names)
    assert entries["requests.total.total"][1:3] == ["依申请公开｜（七）总计｜总计", "BIGINT"]


def test_common_view_puts_both_templates_side_by_side(store, tmp_path):
    import pyarrow.parquet as pq

    db, _ = store
    out = tmp_path / "common.parquet"
    export(str(db), str(out), form="common")
    table = pq.read_table(out).to_pylist()
    names = pq.read_schema(out).names
    templates = {r["template"] for r in table}
    assert templates == {"2019", "2021"}
    # what both templates print with one meaning is there; what only one template has is not
    assert "requests.new_received.total" in names and "active.licensing.decisions" in names
    assert "active.regulations.in_force" not in names and "active.regulations.made" not in names
    pingtan = next(r for r in table if r["template"] == "2019")
    assert pingtan["requests.new_received.total"] == 23


def test_formula_like_text_stays_text_in_csv_and_xlsx(store, tmp_path):
    from openpyxl import load_workbook

    db, _ = store
    out_csv, out_xlsx = tmp_path / "r.csv", tmp_path / "r.xlsx"
    export(str(db), str(out_csv), filters=None)
    export(str(db), str(out_xlsx))
    with open(out_csv, encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    agencies = {r["agency"] for r in rows}
    assert "'=1+1上海市静安区人力资源和社会保障局" in agencies
    assert not any(a.startswith(("=", "+", "-", "@")) for a in agencies)
    ws = load_workbook(out_xlsx)["报告"]
    cell = next(c for row in ws.iter_rows(min_row=3) for c in row if c.value == "=1+1上海市静安区人力资源和社会保障局")
    assert cell.data_type == "s" and cell.quotePrefix
    # LibreOffice, recalculating the workbook, still reads the text (a formula would give an error or 2)
    if shutil.which("soffice"):
        subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                        "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
                        "--outdir", str(tmp_path / "lo"), str(out_xlsx)], capture_output=True, timeout=120, check=True)
        text = next((tmp_path / "lo").glob("*.csv")).read_text(encoding="utf-8")
        assert "=1+1上海市静安区人力资源和社会保障局" in text and "#NAME" not in text


def test_open_store_frames(store):
    import pandas as pd

    import gongkai

    db, _ = store
    with gongkai.open_store(db) as s:
        reports = s.reports()
        cells = s.cells(long=True)
        findings = s.findings()
        wide = s.cells(long=False)
        assert isinstance(reports, pd.DataFrame) and len(reports) == s.query("SELECT count(*) FROM reports")[0][0]
        assert str(cells["value"].dtype) == "Int64" and {"path", "status", "status_rule"} <= set(cells.columns)
        assert len(findings) == s.query("SELECT count(*) FROM findings")[0][0]
        assert str(wide["requests.total.total"].dtype) == "Int64"
        polars = pytest.importorskip("polars")
        assert isinstance(s.reports(frame="polars"), polars.DataFrame)


def test_the_web_download_keeps_formula_like_text_as_text():
    from io import BytesIO

    from openpyxl import load_workbook

    from gongkai.i18n import use_language
    from gongkai.web.export import record_xlsx

    text = _edit(SEED.read_text(encoding="utf-8"), "2023年度上海市静安区", "2023年度=1+1上海市静安区")
    record = parse(text.encode("utf-8")).to_dict()
    assert record["agency"].startswith("=")
    with use_language("zh"):
        wb = load_workbook(BytesIO(record_xlsx(record)))
    assert wb.sheetnames == ["报告", "单元格", "问题"]
    title = wb["报告"]["A1"]
    assert title.value.startswith("=1+1") and title.data_type == "s" and title.quotePrefix
    assert [c.value for c in wb["问题"][1]] == ["规则", "级别", "来源", "位置", "说明", "依据"]
