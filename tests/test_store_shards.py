"""The cells and sections live in Parquet files the workers write (issue 14 item 2; store/shards.py):
every report names its file, the views show exactly the current and superseded reports' rows, files
nobody names are ignored then deleted, a store moved with its folder still reads, a missing file
is an error rather than a report without cells, a removed report's cells leave the disk, and a
schema-2 store (cells in tables) is upgraded in place with every cell kept."""
from __future__ import annotations

import os
import shutil

import pyarrow as pa
import pytest

from conftest import CORPUS, SEEDS
from gongkai import parse
from gongkai.store import shards
from gongkai.store.pipeline import ingest
from gongkai.store.prepare import arrow_schema
from gongkai.store.query import run_query
from gongkai.store.writer import Store, StoreError

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="needs ../shared/corpus")

CELL_ROWS = "SELECT report_id, ord, path, value, raw, status FROM {} ORDER BY report_id, ord"
SECTION_ROWS = "SELECT report_id, seq, number, title, text FROM {} ORDER BY report_id, seq"


def _seeds(tmp_path, n=4):
    folder = tmp_path / "in"
    folder.mkdir()
    for s in SEEDS[:n]:
        shutil.copy(s, folder / s.name)
    return folder


def _rows(db, sql, params=None):
    with Store(db, read_only=True) as s:
        return s.query(sql, params)


def test_each_report_names_a_file_the_workers_wrote(tmp_path):
    db = tmp_path / "s.duckdb"
    ingest([str(_seeds(tmp_path))], str(db), workers=2)
    reports = _rows(db, "SELECT report_id, cells_file, n_cells FROM reports")
    assert reports and all(f and os.path.isfile(os.path.join(shards.folder(db, t), f))
                           for _, f, _n in reports for t in shards.TABLES)
    per_report = dict(_rows(db, "SELECT report_id, count(*) FROM cells GROUP BY report_id"))
    assert per_report == {rid: n for rid, _f, n in reports}
    # no cells or sections table in the DuckDB file: the views read the files
    kinds = dict(_rows(db, "SELECT table_name, table_type FROM information_schema.tables "
                           "WHERE table_name IN ('cells', 'cells_history', 'sections', 'sections_history')"))
    assert kinds == {t: "VIEW" for t in ("cells", "cells_history", "sections", "sections_history")}
    # a stored report reads back as the parser's record, cells and their provenance included
    with Store(db, read_only=True) as s:
        for seed in SEEDS[:4]:
            rec = parse(str(seed))
            assert s.record(rec.source.sha256).to_dict()["requests"] == rec.to_dict()["requests"]
            assert s.record(rec.source.sha256).provenance == rec.provenance
            assert s.record(rec.source.sha256).sections == rec.sections


def test_files_nobody_names_are_not_seen_and_are_deleted(tmp_path):
    db = tmp_path / "s.duckdb"
    inputs = _seeds(tmp_path)
    ingest([str(inputs)], str(db), workers=1)
    before = _rows(db, CELL_ROWS.format("cells"))
    rid = before[0][0]
    folder = shards.folder(db, "cells")
    # what a killed ingest leaves: a chunk's file written, its commit never made (here: another
    # reading of a stored report, with other values), and a half-written temporary file
    stray = pa.Table.from_batches([pa.RecordBatch.from_pylist(
        [{"report_id": rid, "ord": 0, "path": "requests.total.total", "value": 99999.0, "status": "read"}],
        schema=arrow_schema("cells"))])
    shards.write(folder, "uncommitted.parquet", stray)
    (tmp_path / "s.duckdb.cells" / "torn.parquet.tmp").write_bytes(b"PAR1")
    assert _rows(db, CELL_ROWS.format("cells")) == before
    ingest([str(inputs)], str(db), workers=1)  # nothing new to read; the strays go
    left = set(os.listdir(folder))
    assert "uncommitted.parquet" not in left and "torn.parquet.tmp" not in left
    assert _rows(db, CELL_ROWS.format("cells")) == before


def test_reading_again_replaces_the_file_and_the_old_one_goes(tmp_path):
    db = tmp_path / "s.duckdb"
    inputs = _seeds(tmp_path)
    ingest([str(inputs)], str(db), workers=1)
    before = _rows(db, CELL_ROWS.format("cells"))
    old = {f for (f,) in _rows(db, "SELECT DISTINCT cells_file FROM reports")}
    ingest([str(inputs)], str(db), workers=1, force=True)
    new = {f for (f,) in _rows(db, "SELECT DISTINCT cells_file FROM reports")}
    assert not old & new
    assert _rows(db, CELL_ROWS.format("cells")) == before  # no cell twice, none lost
    for table in shards.TABLES:
        assert set(os.listdir(shards.folder(db, table))) == new | {shards.EMPTY}


def test_a_store_moved_with_its_folder_reads_and_a_missing_file_is_named(tmp_path):
    db = tmp_path / "s.duckdb"
    ingest([str(_seeds(tmp_path, 2))], str(db), workers=1)
    before = _rows(db, CELL_ROWS.format("cells"))
    moved = tmp_path / "elsewhere" / "m.duckdb"
    moved.parent.mkdir()
    shutil.move(db, moved)
    for table in shards.TABLES:
        shutil.move(shards.folder(db, table), shards.folder(moved, table))
    assert _rows(moved, CELL_ROWS.format("cells")) == before
    assert run_query(str(moved), "SELECT count(*) FROM cells_labeled").rows == [(len(before),)]
    with Store(moved, read_only=True) as s:  # the web reads through cursors, connections of their own
        assert s.cursor().execute("SELECT count(*) FROM cells").fetchone() == (len(before),)
        # a server's cursors are lent and given back: each makes the moved store's views once
        with s.lent_cursor() as first:
            assert first.execute("SELECT count(*) FROM cells").fetchone() == (len(before),)
        with s.lent_cursor() as again:
            assert again is first
        with pytest.raises(ZeroDivisionError), s.lent_cursor() as failing:
            assert failing is first
            1 / 0
        with s.lent_cursor() as fresh:  # a failed block's cursor is closed, not lent again
            assert fresh is not first
            assert fresh.execute("SELECT count(*) FROM sections").fetchone()[0] > 0
    with Store(moved) as writer:  # closing the reader closed the cursors it kept: a writer gets in
        assert writer.query("SELECT count(*) FROM reports")[0][0] == 2
    alone = tmp_path / "alone.duckdb"  # the file without its folders
    shutil.copyfile(moved, alone)
    with pytest.raises(StoreError, match="alone.duckdb.cells"):
        Store(alone, read_only=True)
    os.mkdir(shards.folder(alone, "cells"))
    with pytest.raises(StoreError, match="alone.duckdb.sections"):
        run_query(str(alone), "SELECT count(*) FROM reports")
    rid, name = _rows(moved, "SELECT report_id, cells_file FROM reports")[0]
    os.unlink(os.path.join(shards.folder(moved, "cells"), name))
    with Store(moved, read_only=True) as s, pytest.raises(StoreError, match=name):
        s.record(rid)


def test_query_reads_the_cells_but_writes_no_file(tmp_path):
    db = tmp_path / "s.duckdb"
    ingest([str(_seeds(tmp_path, 1))], str(db), workers=1)
    assert run_query(str(db), "SELECT count(*) FROM cells").rows[0][0] > 0
    target = os.path.join(shards.folder(db, "cells"), "x.parquet")
    for sql in (f"COPY (SELECT 1) TO '{target}'", f"EXPORT DATABASE '{tmp_path / 'out'}'", "SET threads = 4"):
        with pytest.raises(StoreError):
            run_query(str(db), sql)
    assert not os.path.exists(target) and not (tmp_path / "out").exists()
    with pytest.raises(StoreError, match="disabled"):
        run_query(str(db), "SELECT * FROM read_csv('/etc/hostname')")


def _as_schema_2(db):
    """What schema 2 wrote: the cells and sections in tables of the DuckDB file, no cells_file, no
    folders."""
    import duckdb

    con = duckdb.connect(str(db))
    for view in ("cells_labeled", "cell_status", "common_cells"):
        con.execute(f"DROP VIEW {view}")
    for table in ("cells", "cells_history", "sections", "sections_history"):
        con.execute(f"CREATE TABLE _{table} AS SELECT * FROM {table}")
        con.execute(f"DROP VIEW {table}")
        con.execute(f"ALTER TABLE _{table} RENAME TO {table}")
    con.execute("ALTER TABLE reports DROP COLUMN cells_file")
    con.execute("ALTER TABLE reports_history DROP COLUMN cells_file")
    con.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    con.close()
    for table in shards.TABLES:
        shutil.rmtree(shards.folder(db, table))


def test_a_schema_2_store_is_upgraded_in_place(tmp_path):
    from test_store_versions import SEED, _corrected

    inputs = _seeds(tmp_path, 3)
    shutil.copy(SEED, inputs / "jingan.txt")
    db = tmp_path / "s.duckdb"
    ingest([str(inputs)], str(db), workers=1)
    # a superseded version too, so cells_history has rows
    (inputs / "jingan-v2.txt").write_text(_corrected(SEED.read_text(encoding="utf-8")), encoding="utf-8")
    ingest([str(inputs)], str(db), workers=1)
    current, history = _rows(db, CELL_ROWS.format("cells")), _rows(db, CELL_ROWS.format("cells_history"))
    texts = _rows(db, SECTION_ROWS.format("sections")), _rows(db, SECTION_ROWS.format("sections_history"))
    assert history and texts[1]
    _as_schema_2(db)
    with pytest.raises(StoreError, match="gongkai ingest"):
        Store(db, read_only=True)
    ingest([str(inputs)], str(db), workers=1)  # reads nothing again, upgrades
    assert _rows(db, "SELECT value FROM meta WHERE key = 'schema_version'") == [("3",)]
    assert _rows(db, CELL_ROWS.format("cells")) == current
    assert _rows(db, CELL_ROWS.format("cells_history")) == history
    assert (_rows(db, SECTION_ROWS.format("sections")), _rows(db, SECTION_ROWS.format("sections_history"))) == texts
    assert _rows(db, "SELECT count(*) FROM reports WHERE cells_file IS NULL") == [(0,)]


def test_removing_a_report_takes_its_cells_off_the_disk(tmp_path):
    from gongkai.store.versions import remove

    db = tmp_path / "s.duckdb"
    ingest([str(_seeds(tmp_path))], str(db), workers=2)
    before = _rows(db, CELL_ROWS.format("cells"))
    rid, name = _rows(db, "SELECT report_id, cells_file FROM reports ORDER BY report_id")[0]
    mates = _rows(db, "SELECT count(*) FROM reports WHERE cells_file = ?", [name])[0][0]
    assert mates > 1  # the chunk's file holds other reports too
    remove(str(db), [rid])
    assert _rows(db, CELL_ROWS.format("cells")) == [r for r in before if r[0] != rid]
    for table in shards.TABLES:
        pattern = os.path.join(shards.folder(db, table), "*.parquet")
        assert run_query(str(db), f"SELECT count(*) FROM read_parquet('{pattern}') WHERE report_id = ?",
                         [rid]).rows == [(0,)]
        assert name not in os.listdir(shards.folder(db, table))
