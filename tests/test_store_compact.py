"""`gongkai compact`: the cells and sections of many small files rewritten into a few large ones
(store/compact.py), on a store of the real corpus with every kind of report version: current,
superseded, removed, read again with its earlier rows still in a file other reports name, and a
superseded version with the id of a current one. Every view, record and export gives the same rows
after; a second run does nothing; a reader keeps reading; a kill at any moment leaves a whole store
and the next writer deletes the leftovers; a reader that holds the store makes it give up cleanly."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys

import pytest
from click.testing import CliRunner

from conftest import CORPUS, SEEDS
from gongkai.cli import main
from gongkai.store import compact, shards
from gongkai.store.export import export
from gongkai.store.live import LiveStore
from gongkai.store.pipeline import ingest
from gongkai.store.versions import remove
from gongkai.store.writer import Store, StoreBusy, records

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="needs ../shared/corpus")

VIEWS = {"cells": "SELECT * FROM cells ORDER BY report_id, ord",
         "cells_history": "SELECT * FROM cells_history ORDER BY report_id, ord",
         "sections": "SELECT * FROM sections ORDER BY report_id, seq",
         "sections_history": "SELECT * FROM sections_history ORDER BY report_id, seq"}
# small enough that the corpus's chunk files are merged into several files, some kept as they are
PER_FILE = 8
PYTHON = [sys.executable, "-c"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The store, and the folder of its inputs (a later ingest of it reads nothing)."""
    from test_store_versions import SEED, _corrected

    root = tmp_path_factory.mktemp("compact")
    inputs = root / "in"
    inputs.mkdir()
    for s in SEEDS:
        shutil.copy(s, inputs / s.name)
    db = root / "s.duckdb"
    ingest([str(inputs)], str(db), workers=1)  # a chunk's file per ingest, and more
    for d in sorted((CORPUS / "real").iterdir()):
        for source in d.glob("source.*"):
            shutil.copy(source, inputs / f"{d.name}{source.suffix}")
    ingest([str(inputs)], str(db), workers=2)
    # a superseded version (its rows stay in a file current reports name)
    (inputs / "jingan-corrected.txt").write_text(_corrected(SEED.read_text(encoding="utf-8")), encoding="utf-8")
    ingest([str(inputs)], str(db), workers=1)
    with Store(db, read_only=True) as s:
        by_file = s.query("SELECT cells_file, list(report_id ORDER BY report_id) FROM reports GROUP BY 1 "
                          "HAVING count(*) >= 3 ORDER BY 1")
    assert by_file, "no chunk's file holds three current reports"
    old_file, (reread, removed, *_rest) = by_file[0]
    # a removed report: its chunk's file is written again without it
    remove(str(db), [removed])
    # one report read again alone: its earlier rows stay in the file the others still name
    source = _rows(db, "SELECT source_path FROM reports WHERE report_id = ?", [reread])[0][0]
    ingest([source], str(db), workers=1, force=True)
    # `remove` rewrote the chunk's file under a new name: the one the re-read report's mates name now
    (mates_file,) = _rows(db, "SELECT DISTINCT cells_file FROM reports WHERE report_id IN "
                              "(SELECT unnest(?::VARCHAR[]))", [_rest])[0]
    assert mates_file != _rows(db, "SELECT cells_file FROM reports WHERE report_id = ?", [reread])[0][0]
    # a superseded version with the id of a current report, its rows the earlier reading in the
    # mates' file: the writer makes none today, but the store allows it (reports_history has no key)
    # and compacting must not put both readings' rows in one file, where both views would show both
    with Store(db) as s:
        s.con.execute("INSERT INTO reports_history SELECT *, report_id, now()::TIMESTAMP FROM reports "
                      "WHERE report_id = ?", [reread])
        s.con.execute("UPDATE reports_history SET cells_file = ? WHERE report_id = ? AND superseded_by = ?",
                      [mates_file, reread, reread])
    assert _rows(db, "SELECT count(*) FROM cells_history WHERE report_id = ?", [reread])[0][0] > 0
    return db, inputs, old_file


def _rows(db, sql, params=None):
    with Store(db, read_only=True) as s:
        return s.query(sql, params)


@pytest.fixture
def store(built, tmp_path):
    db = tmp_path / "s.duckdb"
    shards.copy_store(built[0], db)
    return db


def _listing(db) -> dict[str, set[str]]:
    return {t: set(os.listdir(shards.folder(db, t))) for t in shards.TABLES}


def _named(db) -> set[str]:
    return {f for (f,) in _rows(db, "SELECT cells_file FROM reports UNION SELECT cells_file FROM reports_history")}


def _everything(db, tmp_path) -> dict:
    """Every row the store shows: its views, its records (one by one and all at once) and its
    exports."""
    out = {name: _rows(db, sql) for name, sql in VIEWS.items()}
    with Store(db, read_only=True) as s:
        ids = [r for (r,) in s.query("SELECT report_id FROM reports ORDER BY report_id")]
        out["records"] = [(r.to_dict(), r.provenance, r.sections) for r in map(s.record, ids)]
        out["records at once"] = [r.to_dict() for r in records(s.con, ids)]
    for form in ("wide", "long"):
        target = tmp_path / f"{form}.csv"
        export(str(db), str(target), form=form, with_dictionary=False)
        out[form] = target.read_bytes()
    # the long form comes in the order of the store's files, which compacting renames: the same
    # rows, each report's together in the template's order
    header, *rows = out["long"].decode("utf-8-sig").splitlines()
    by_report: dict[str, list[str]] = {}
    for row in rows:
        by_report.setdefault(row.split(",", 1)[0], []).append(row)
    out["long"] = (header, sorted(by_report.items()))
    return out


def test_compacting_merges_the_small_files_and_every_row_stays_the_same(store, tmp_path):
    before = _everything(store, tmp_path)
    files_before, named_before = _listing(store), _named(store)
    assert len(named_before) >= 4
    with Store(store) as s:
        done = s.compact(PER_FILE)
    assert done.merged >= 2 and done.written < done.merged
    named = _named(store)
    # each file is one of those named before (kept: large enough) or new; the old small ones are gone
    new = named - named_before
    assert len(new) == done.written and len(named & named_before) == done.kept
    assert _listing(store) == {t: named | {shards.EMPTY} for t in shards.TABLES}
    assert len(named) < len(named_before)
    assert _everything(store, tmp_path) == before
    for table, order in shards.ORDER.items():
        pattern = os.path.join(shards.folder(store, table), "*.parquet")
        # no file holds a report's rows twice (two versions with one id would both be shown) ...
        assert _rows(store, f"SELECT filename, report_id, {order} FROM read_parquet('{pattern}', filename = true) "
                            "GROUP BY ALL HAVING count(*) > 1") == []
        # ... nor the rows of reports no version names (the earlier reading, the removed report)
        assert _rows(store, f"SELECT count(*) FROM read_parquet('{pattern}', filename = true) c WHERE "
                            "regexp_extract(c.filename, '[^/]+$') IN (SELECT unnest(?::VARCHAR[])) AND NOT EXISTS "
                            "(SELECT 1 FROM report_versions v JOIN (SELECT report_id, cells_file FROM reports UNION "
                            "ALL SELECT report_id, cells_file FROM reports_history) f USING (report_id) "
                            "WHERE f.report_id = c.report_id AND regexp_extract(c.filename, '[^/]+$') = f.cells_file)",
                     [sorted(new)]) == [(0,)]
    # and each new file names at most PER_FILE versions, current and superseded ones apart
    per_file = _rows(store, "SELECT cells_file, count(*), count(DISTINCT kind) FROM (SELECT cells_file, 'current' "
                            "AS kind FROM reports UNION ALL SELECT cells_file, 'history' FROM reports_history) "
                            "WHERE cells_file IN (SELECT unnest(?::VARCHAR[])) GROUP BY 1", [sorted(new)])
    assert all(n <= PER_FILE and kinds == 1 for _f, n, kinds in per_file)
    # the folder's first file is its largest: DuckDB estimates the rows of a folder from it
    first = sorted(_listing(store)["cells"])[0]
    assert first in new and dict((f, n) for f, n, _k in per_file)[first] == max(n for _f, n, _k in per_file)
    assert files_before != _listing(store)

    # a second run finds nothing to merge and writes nothing
    listing = _listing(store)
    with Store(store) as s:
        again = s.compact(PER_FILE)
    assert (again.merged, again.written) == (0, 0) and again.kept == len(named)
    assert _listing(store) == listing
    # at the default size every file is small: one file for the current reports, one for the rest
    with Store(store) as s:
        done = s.compact()
    assert (done.merged, done.written, done.kept) == (len(named), 2, 0)
    assert _everything(store, tmp_path) == before
    listing = _listing(store)
    with Store(store) as s:
        assert s.compact().merged == 0  # two small files, but one per kind: no fewer to make
    assert _listing(store) == listing


def test_a_reader_keeps_reading_while_the_store_is_compacted(store, tmp_path):
    """`gongkai serve` reads through a LiveStore: it lets the compaction's commit in between two
    requests and reads the new files after it, never a missing one."""
    with Store(store, read_only=True) as s:
        ids = [r for (r,) in s.query("SELECT report_id FROM reports ORDER BY report_id")]
        expected = {rid: s.record(rid).to_dict() for rid in ids}
    named_before = _named(store)
    live = LiveStore(store, wait=30)
    proc = subprocess.Popen(PYTHON + ["from gongkai.cli import main; main()", "compact", "--db", str(store),
                                      "--reports-per-file", str(PER_FILE)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ,
                                                                                             "GONGKAI_LANG": "en"})
    seen: set[str] = set()

    def read(rid):
        with live.reading() as s:
            assert s.record(rid).to_dict() == expected[rid]
            seen.add(s.query("SELECT cells_file FROM reports WHERE report_id = ?", [rid])[0][0])

    during = 0
    try:
        while proc.poll() is None:
            read(ids[during % len(ids)])
            during += 1
        for rid in ids:
            read(rid)
    finally:
        live.close()
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert err.startswith("merged")
    assert during > len(ids)  # pages were read while it ran (it takes a second or two) ...
    assert seen & named_before and seen - named_before  # ... from the old files, then the new ones


def test_a_reader_holding_the_store_makes_the_compaction_give_up_cleanly(store, tmp_path, monkeypatch):
    """A connection that never lets go (a Python session's open_store) keeps the commit out: after
    the wait the compaction stops with the store's reason, the store as it was, its new files gone."""
    before = _everything(store, tmp_path)
    listing = _listing(store)
    holder = []
    write = compact._write

    def write_then_a_reader_opens(path, groups):
        write(path, groups)
        holder.append(subprocess.Popen(PYTHON + ["import duckdb, sys, time; c = duckdb.connect(sys.argv[1], "
                                                 "read_only=True); print('open', flush=True); time.sleep(60)",
                                                 str(store)], stdout=subprocess.PIPE, text=True))
        assert holder[0].stdout.readline() == "open\n"

    monkeypatch.setattr(compact, "_write", write_then_a_reader_opens)
    try:
        with Store(store, wait=1) as s, pytest.raises(StoreBusy, match="python"):
            s.compact(PER_FILE)
    finally:
        for p in holder:
            p.kill()
            p.wait()
    assert _listing(store) == listing
    assert _everything(store, tmp_path) == before


@pytest.mark.parametrize("where", ["before the commit", "after the commit"])
def test_a_kill_leaves_a_whole_store_and_the_next_writer_deletes_the_leftovers(built, store, tmp_path, where):
    """SIGKILL (no clean-up) between writing the new files and the commit, or between the commit and
    deleting the old files: the store shows every row, from the old files or the new ones; the files
    no report names are deleted by the next ingest."""
    before = _everything(store, tmp_path)
    named_before = _named(store)
    script = """
import os, signal, sys
from gongkai.store import compact, shards

def kill(*args):
    os.kill(os.getpid(), signal.SIGKILL)

if sys.argv[2] == "before the commit":
    compact._repoint = kill
else:
    collect, calls = shards.collect_garbage, []

    def collect_then_kill(con, path):  # the first call clears what earlier runs left; the second
        calls.append(path)
        return kill() if len(calls) == 2 else collect(con, path)

    shards.collect_garbage = collect_then_kill
compact.compact_store(sys.argv[1], int(sys.argv[3]))
"""
    r = subprocess.run(PYTHON + [script, str(store), where, str(PER_FILE)], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == -signal.SIGKILL, r.stderr
    named = _named(store)
    assert (named == named_before) == (where == "before the commit")
    leftovers = set(os.listdir(shards.folder(store))) - named - {shards.EMPTY}
    assert leftovers  # the new files (killed before the commit) or the old ones (after)
    assert _everything(store, tmp_path) == before
    again = ingest([str(built[1])], str(store), workers=1)  # reads nothing, deletes what nobody names
    assert again.new_reports == again.rewritten == 0
    for table in shards.TABLES:
        assert set(os.listdir(shards.folder(store, table))) == named | {shards.EMPTY}
    assert _everything(store, tmp_path) == before


def test_a_failure_before_the_commit_takes_its_files_away(store, tmp_path, monkeypatch):
    listing = _listing(store)
    before = {name: _rows(store, sql) for name, sql in VIEWS.items()}

    def fail(con, groups):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(compact, "_repoint", fail)
    with Store(store) as s, pytest.raises(Exception, match="disk is full|磁盘已满"):
        s.compact(PER_FILE)
    assert _listing(store) == listing
    assert {name: _rows(store, sql) for name, sql in VIEWS.items()} == before


def _cli(*args):
    r = CliRunner().invoke(main, [str(a) for a in args], env={"GONGKAI_LANG": "en"})
    assert "Traceback" not in r.output
    return r


def test_cli_compact_says_what_it_did_and_errors_are_one_line(store, tmp_path):
    import fcntl

    r = _cli("compact", "--db", store, "--reports-per-file", PER_FILE)
    assert r.exit_code == 0, r.output
    assert r.stderr.startswith("merged ") and "files into" in r.stderr
    r = _cli("compact", "--db", store, "--reports-per-file", PER_FILE)
    assert r.exit_code == 0 and r.stderr.startswith("nothing to compact"), r.output
    zh = CliRunner().invoke(main, ["compact", "--db", str(store)], env={"GONGKAI_LANG": "zh"})
    assert zh.exit_code == 0 and "合并" in zh.stderr, zh.output
    bogus = tmp_path / "bogus.duckdb"
    bogus.write_bytes(b"not a database at all" * 100)
    for args, reason in ((["--db", tmp_path / "none.duckdb"], "no such store"),
                         (["--db", bogus], str(bogus))):
        r = _cli("compact", *args)
        assert r.exit_code == 2 and reason in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.output
    # an ingest or a removal is writing the store
    with open(store, "rb") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        r = _cli("compact", "--db", store)
    assert r.exit_code == 2 and "another ingest, removal or compaction" in r.stderr, r.output
    assert len(r.stderr.strip().splitlines()) == 1


def test_ingest_suggests_compacting_when_the_folder_has_many_files(built, store, monkeypatch):
    def summary():
        r = _cli("ingest", built[1], "--db", store, "--workers", "1", "--progress", "none", "--no-cross")
        assert r.exit_code == 0, r.output
        return r.stderr

    assert "gongkai compact" not in summary()
    monkeypatch.setattr(compact, "SUGGEST_FILES", compact.files_in(str(store)) - 1)
    assert f"gongkai compact --db {store}" in summary()
