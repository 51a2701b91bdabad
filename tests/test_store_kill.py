"""Kill an ingest of 2,000 files midway (SIGKILL, no chance to clean up), run it again: the store
holds every good file exactly once and every bad file with its reason.

The corpus is made from the real text reports by renaming and re-encoding them (UTF-8, UTF-8
with BOM, GB18030, UTF-16; LF or CRLF; a unique run of trailing blank lines), plus 1 % broken
files (random bytes, a truncated PDF, an empty file, a ZIP that is no Word file, a text that is no
report); see gongkai.store.synth. Checks are off (--no-check) to keep the test fast: they run in
the same worker code path and are covered elsewhere.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import CORPUS
from gongkai.store.synth import make_corpus, real_sources
from gongkai.store.writer import Store

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="needs ../shared/corpus")

CLI = [sys.executable, "-c", "from gongkai.cli import main; from gongkai.cli_store import register; "
                             "register(main); main()"]
N = 2000
KILL_AFTER = 500  # committed inputs


def test_kill_midway_then_resume(tmp_path):
    corpus = make_corpus(real_sources(CORPUS), tmp_path / "corpus", n=N)
    assert len(corpus.bad) == 20 and len(corpus.good) == 1980
    db = tmp_path / "kill.duckdb"
    # the corpus is copies of a few real reports: --keep-both stores every copy as a report of its own
    cmd = CLI + ["ingest", str(corpus.root), "--db", str(db), "--workers", "2", "--no-check", "--no-cross",
                 "--progress", "plain", "--keep-both"]
    env = {**os.environ, "GONGKAI_PROGRESS_COMMITS": "1", "GONGKAI_LANG": "en"}

    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env,
                            start_new_session=True)
    committed = 0
    deadline = time.monotonic() + 300
    try:
        for line in proc.stderr:
            if line.startswith("ingest: committed "):
                committed = int(line.split()[-1])
                if committed >= KILL_AFTER:
                    break
            assert time.monotonic() < deadline, "the ingest made no progress"
    finally:
        # the whole group: the owner, its fork server and the parsing workers
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    assert KILL_AFTER <= committed < N, "the ingest was not killed midway"

    with Store(db, read_only=True) as s:
        stored = s.query("SELECT count(*) FROM files")[0][0]
        stored_failed = s.query("SELECT count(*) FROM failures")[0][0]
        # a report is in the store whole or not at all
        partial = s.query("""SELECT count(*) FROM reports r
                             WHERE n_cells <> (SELECT count(*) FROM cells c WHERE c.report_id = r.report_id)""")
    assert committed <= stored < N
    assert partial == [(0,)]

    rerun = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    assert rerun.returncode == 2, rerun.stderr  # the broken files
    summary = rerun.stderr.strip().splitlines()[-1]
    # the rerun resumed: what the killed run committed was not read again
    assert f"{stored - stored_failed} unchanged" in summary, summary
    assert f"(+{stored_failed} failed before)" in summary or stored_failed == 0, summary
    assert f"{N} inputs:" in summary, summary

    good = {str(p) for p in corpus.good}
    bad = {str(p) for p in corpus.bad}
    with Store(db, read_only=True) as s:
        files = s.query("SELECT path, status FROM files")
        failures = dict(s.query("SELECT path, reason FROM failures"))
        (n_reports,) = s.query("SELECT count(*) FROM reports")[0]
        (cells, expected_cells) = s.query("SELECT (SELECT count(*) FROM cells), (SELECT sum(n_cells) FROM reports)")[0]
        (distinct_sources,) = s.query("SELECT count(DISTINCT sha256) FROM files WHERE status = 'report'")[0]
    assert len(files) == N and len({p for p, _ in files}) == N
    assert {p for p, st in files if st == "report"} == good
    assert {p for p, st in files if st == "failed"} == bad == set(failures)
    assert all(reason.strip() for reason in failures.values())
    assert n_reports == distinct_sources == len(good)  # every copy differs in its bytes
    assert cells == expected_cells  # nothing written twice
