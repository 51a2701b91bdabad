"""Versions of a report and accounting for every input: a corrected resubmission supersedes the
stored report (history kept out of counts and cross checks), --keep-both keeps both, `gongkai
remove` and `gongkai history`; every input path named with its outcome; empty input and bad
arguments are one line and exit 2."""
from __future__ import annotations

import os
import shutil

import pytest
from click.testing import CliRunner

from conftest import CORPUS, SEEDS
from gongkai.cli import main
from gongkai.store.pipeline import ingest
from gongkai.store.writer import Store

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="needs ../shared/corpus")

SEED = CORPUS / "seeds" / "000_e36cf77514eb609c.txt"  # 上海市静安区人社局 2023
EN = {"GONGKAI_LANG": "en"}


def _edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def _cli(*args, env=EN):
    r = CliRunner().invoke(main, [str(a) for a in args], env=env)
    assert "Traceback" not in r.output
    return r


@pytest.fixture
def docs(tmp_path):
    d = tmp_path / "inbox"
    d.mkdir()
    shutil.copy(SEED, d / "jingan-2023.txt")
    shutil.copy(SEEDS[1], d / "shanghai-2024.txt")
    return d


def _corrected(text: str) -> str:
    """The same report resubmitted with one number corrected (行政许可 47 -> 48)."""
    return _edit(text, "行政许可 | 47 |", "行政许可 | 48 |")


def test_a_resubmission_supersedes_and_history_stays_out_of_counts(docs, tmp_path):
    db = tmp_path / "s.duckdb"
    first = ingest([str(docs)], str(db), workers=1)
    assert first.new_reports == 2
    (docs / "jingan-2023-corrected.txt").write_text(_corrected(SEED.read_text(encoding="utf-8")), encoding="utf-8")
    second = ingest([str(docs)], str(db), workers=1)
    assert second.new_reports == 1 and second.skipped == 2
    assert [(old_path, new_path) for _, old_path, _, new_path in second.superseded] == [
        (str(docs / "jingan-2023.txt"), str(docs / "jingan-2023-corrected.txt"))]
    with Store(db, read_only=True) as s:
        current = s.query("SELECT source_path FROM reports WHERE agency_name LIKE '%静安区%'")
        history = s.query("SELECT source_path, superseded_by FROM reports_history")
        value = s.query("SELECT c.value FROM cells c JOIN reports r USING (report_id) "
                        "WHERE r.agency_name LIKE '%静安区%' AND c.path = 'active.licensing.decisions'")
        n_reports = s.query("SELECT count(*) FROM reports")[0][0]
        cross = s.query("SELECT count(*) FROM findings WHERE rule = 'GK904'")[0][0]
        old_cells = s.query("SELECT count(*) FROM cells_history")[0][0]
    assert current == [(str(docs / "jingan-2023-corrected.txt"),)]
    assert [h[0] for h in history] == [str(docs / "jingan-2023.txt")] and history[0][1]
    assert value == [(48,)] and n_reports == 2 and cross == 0 and old_cells > 0
    # a rerun changes nothing: the superseded file is known, not read again, not put back
    third = ingest([str(docs)], str(db), workers=1)
    assert (third.new_reports, third.skipped, third.superseded) == (0, 3, [])
    # history lists both versions, the current one last
    r = _cli("history", "静安区", "--db", db, "--format", "csv")
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0].startswith("year,state,report") and len(lines) == 3
    assert "superseded" in lines[1] and "jingan-2023.txt" in lines[1]
    assert "current" in lines[2] and "jingan-2023-corrected.txt" in lines[2]



def test_a_superseded_version_read_again_stays_history_with_its_successor(docs, tmp_path):
    """--force re-reads every input, the superseded file too: it is rewritten in the history tables,
    still naming the report that replaced it and when, and the current reports stay current."""
    db = tmp_path / "s.duckdb"
    ingest([str(docs)], str(db), workers=1)
    (docs / "jingan-2023-corrected.txt").write_text(_corrected(SEED.read_text(encoding="utf-8")), encoding="utf-8")
    ingest([str(docs)], str(db), workers=1)
    sqls = ("SELECT report_id, superseded_by, superseded_at, keep_both, source_path FROM reports_history",
            "SELECT report_id, source_path FROM reports ORDER BY report_id",
            "SELECT report_id, ord, path, value, status FROM cells_history ORDER BY report_id, ord",
            "SELECT count(*) FROM cells")
    with Store(db, read_only=True) as s:
        before = [s.query(q) for q in sqls]
        stamped = s.query("SELECT ingested_at FROM reports_history")
    again = ingest([str(docs)], str(db), workers=1, force=True)
    assert (again.rewritten, again.new_reports, again.superseded) == (3, 0, [])
    with Store(db, read_only=True) as s:
        assert [s.query(q) for q in sqls] == before
        assert s.query("SELECT ingested_at FROM reports_history") > stamped  # written anew
    assert len(before[0]) == 1 and before[0][0][1] is not None and before[0][0][2] is not None


def test_keep_both_stores_a_second_report_and_gk904_names_the_files(docs, tmp_path):
    db = tmp_path / "s.duckdb"
    ingest([str(docs)], str(db), workers=1)
    (docs / "jingan-2023-copy.txt").write_text(_corrected(SEED.read_text(encoding="utf-8")), encoding="utf-8")
    r = _cli("ingest", docs, "--db", db, "--workers", "1", "--keep-both", "--progress", "none")
    assert r.exit_code == 0, r.output
    with Store(db, read_only=True) as s:
        assert s.query("SELECT count(*) FROM reports WHERE agency_name LIKE '%静安区%'") == [(2,)]
        gk904 = [m for (m,) in s.query("SELECT message FROM findings WHERE rule = 'GK904' ORDER BY message")]
    assert len(gk904) == 2
    assert all("上海市静安区人力资源和社会保障局" in m for m in gk904)
    assert any("jingan-2023-copy.txt" in m for m in gk904) and any("jingan-2023.txt（" in m for m in gk904)
    assert not any(len(tok) == 12 and all(c in "0123456789abcdef" for c in tok) for m in gk904 for tok in m.split())


def test_remove_by_id_and_by_agency_and_year(docs, tmp_path):
    db = tmp_path / "s.duckdb"
    ingest([str(docs)], str(db), workers=1)
    (docs / "jingan-2023-corrected.txt").write_text(_corrected(SEED.read_text(encoding="utf-8")), encoding="utf-8")
    ingest([str(docs)], str(db), workers=1)
    with Store(db, read_only=True) as s:
        (new_id,) = s.query("SELECT report_id FROM reports WHERE agency_name LIKE '%静安区%'")[0]
        (old_id,) = s.query("SELECT report_id FROM reports_history")[0]
        (other_id,) = s.query("SELECT report_id FROM reports WHERE year = 2024")[0]
    # the corrected version was misfiled: removing it brings the earlier version back
    r = _cli("remove", "--agency", "静安区", "--year", "2023", "--db", db)
    assert r.exit_code == 0, r.output
    assert new_id[:12] in r.stderr and old_id[:12] in r.stderr
    with Store(db, read_only=True) as s:
        assert s.query("SELECT report_id FROM reports WHERE agency_name LIKE '%静安区%'") == [(old_id,)]
        assert s.query("SELECT count(*) FROM reports_history") == [(0,)]
        assert s.query("SELECT count(*) FROM cells WHERE report_id = ?", [new_id]) == [(0,)]
        assert s.query("SELECT status FROM files WHERE sha256 = ?", [new_id]) == [("removed",)]
        # the restored version is whole again, its narrative signature included (GK903 compares it)
        assert s.query("SELECT count(*) FROM narrative_bands WHERE report_id = ?", [old_id])[0][0] > 0
        assert s.query("SELECT count(*) FROM narrative_bands WHERE report_id = ?", [new_id]) == [(0,)]
    # by id prefix; the next ingest of the same folder does not bring it back
    r = _cli("remove", other_id[:10], "--db", db)
    assert r.exit_code == 0, r.output
    again = ingest([str(docs)], str(db), workers=1)
    assert (again.new_reports, again.removed_before) == (0, 2)
    with Store(db, read_only=True) as s:
        assert s.query("SELECT count(*) FROM reports") == [(1,)]
    for args, message in ((["remove", "--db", db], "give report ids"),
                          (["remove", "deadbeef00", "--db", db], "no such report"),
                          (["remove", "abc", "--db", db], "at least 8"),
                          (["remove", "--agency", "静安区", "--db", db], "--agency needs --year"),
                          (["remove", "--agency", "无此机关", "--year", "2023", "--db", db], "no current report"),
                          (["history", "无此机关", "--db", db], "no reports of such a body")):
        r = _cli(*args)
        assert r.exit_code == 2 and message in r.stderr and len(r.stderr.strip().splitlines()) == 1, (args, r.output)


def test_every_input_outcome_is_named(docs, tmp_path):
    db = tmp_path / "s.duckdb"
    ingest([str(docs)], str(db), workers=1)
    shutil.copy(SEED, docs / "jingan-copy.txt")  # the same bytes again
    (docs / "broken.pdf").write_bytes(b"%PDF-1.4 nothing")
    (docs / "table.xlsx").write_bytes(b"PK\x03\x04 not really")  # a workbook format gongkai reads (drafts)
    (docs / "table.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (docs / "scan.tif").write_bytes(b"II*\x00")
    (docs / "README.md").write_text("notes", encoding="utf-8")
    os.mkfifo(docs / "pipe.txt")
    os.symlink(tmp_path / "nowhere.txt", docs / "dangling.txt")
    r = _cli("ingest", docs, tmp_path / "missing-folder", "--db", db, "--workers", "1", "--progress", "none")
    assert r.exit_code == 2  # one unreadable input, one missing
    err = r.stderr
    expected = {
        "broken.pdf": None,  # the reader's reason
        "table.xlsx": "workbook is damaged",
        "jingan-copy.txt": "the same document as",
        "table.csv": "not a report format",
        "scan.tif": "not a report format",
        "pipe.txt": "not a regular file (a named pipe)",
        "dangling.txt": "a broken symbolic link",
        "missing-folder": "no such file or folder",
    }
    for name, why in expected.items():
        line = next((l for l in err.splitlines() if name in l), None)
        assert line is not None, (name, err)
        assert why is None or why in line, (name, line)
    assert "README.md" not in err and "1 files excluded by pattern" in err  # counted, not listed
    summary = err.strip().splitlines()[-1]
    assert summary.startswith("11 inputs:"), summary
    for part in ("0 new reports", "1 same as a stored report", "2 unchanged", "2 unreadable",
                 "5 skipped (not reports)", "1 missing"):
        assert part in summary, (part, summary)
    with Store(db, read_only=True) as s:
        skipped = dict(s.query("SELECT path, reason FROM files WHERE status = 'skipped'"))
    assert {os.path.basename(p) for p in skipped} == {"table.csv", "scan.tif", "README.md", "pipe.txt",
                                                       "dangling.txt"}


def test_empty_input_and_bad_arguments_are_one_line_and_exit_2(tmp_path, docs):
    db = tmp_path / "s.duckdb"
    empty = tmp_path / "empty"
    empty.mkdir()
    r = _cli("ingest", empty, "--db", db)
    assert r.exit_code == 2 and "nothing to ingest" in r.stderr and not db.exists()
    ingest([str(docs)], str(db), workers=1)
    cases = [
        (["export", "--db", db, "--to", "/missing/dir/x.csv"], "does not exist"),
        (["export", "--db", db, "--to", tmp_path], "is a folder"),
        (["export", "--db", db, "--to", tmp_path / "x.json"], "cannot tell the format"),
        (["export", "--db", db, "--to", tmp_path / "x.xlsx", "--compression", "gzip"], "csv only"),
        (["export", "--db", db, "--to", tmp_path / "x.csv", "--year", "twenty"], "is not a year"),
        (["export", "--db", tmp_path / "none.duckdb", "--to", tmp_path / "x.csv"], "no such store"),
        (["query", "--db", db, "SELEC nonsense"], "Parser Error"),
        (["query", "--db", db, "DELETE FROM reports"], "read-only"),
        (["stats", "--db", tmp_path / "none.duckdb"], "no such store"),
        (["ingest", "--db", db], "give files"),
        (["ingest", docs, "--db", "/missing/dir/s.duckdb"], "does not exist"),
        (["history", "静安区", "--db", tmp_path / "none.duckdb"], "no such store"),
    ]
    for args, message in cases:
        r = _cli(*args)
        assert r.exit_code == 2, (args, r.output)
        assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1, (args, r.stderr)
    # Chinese by default
    r = _cli("export", "--db", db, "--to", "/missing/dir/x.csv", env={"GONGKAI_LANG": "zh"})
    assert r.exit_code == 2 and "文件夹 /missing/dir 不存在" in r.stderr
