"""A full disk during an ingest (issue 16 item 5): the ingest exits within seconds with one line,
its parsing processes stopped, the store consistent, and the same command resumes later.

The full disk is real to DuckDB: the ingest runs under a file-size limit (RLIMIT_FSIZE, with
SIGXFSZ ignored), so the store's writes fail with EFBIG once the file would grow past it, exactly
where a full disk fails them with ENOSPC.
"""
from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time

import pytest

from conftest import CORPUS
from gongkai.store.synth import make_corpus, real_sources
from gongkai.store.writer import Store

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="needs ../shared/corpus")
psutil = pytest.importorskip("psutil")

CLI = [sys.executable, "-c", "from gongkai.cli import main; main()"]


def test_full_disk_exits_promptly_and_resumes(tmp_path):
    corpus = make_corpus(real_sources(CORPUS), tmp_path / "corpus", n=600, corrupt=0.0)
    db = tmp_path / "full.duckdb"
    env = {**os.environ, "GONGKAI_LANG": "en"}
    # a store with a few reports in it first, then room for little more
    first = subprocess.run(CLI + ["ingest", str(corpus.good[0]), "--db", str(db), "--workers", "1",
                                  "--progress", "none", "--keep-both"], capture_output=True, text=True, env=env, timeout=300)
    assert first.returncode == 0, first.stderr
    limit = os.path.getsize(db) + 256 * 1024

    def small_disk():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    # the synthetic corpus is copies of a few real reports: --keep-both stores every copy as a report
    cmd = CLI + ["ingest", str(corpus.root), "--db", str(db), "--workers", "2", "--no-cross", "--progress", "none",
                 "--keep-both"]
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=small_disk, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=180)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    took = time.monotonic() - started
    assert proc.returncode == 2, err
    assert "Traceback" not in err and "Error:" not in err.split("gongkai:")[0], err
    lines = [l for l in err.strip().splitlines() if l]
    assert len(lines) == 1 and "disk is full" in lines[0] and "run the same command again" in lines[0], err
    print(lines[0], f"({took:.1f} s)")
    assert took < 120
    # no parsing process outlives the ingest (a zombie has exited: only its parent never reaped it)
    time.sleep(0.5)
    left = [p for p in psutil.process_iter(["pid", "status"])
            if _in_session(p, proc.pid) and p.info["status"] != psutil.STATUS_ZOMBIE]
    assert not left, left
    # the store is consistent: whole reports only
    with Store(db, read_only=True) as s:
        partial = s.query("SELECT count(*) FROM reports r WHERE n_cells <> "
                          "(SELECT count(*) FROM cells c WHERE c.report_id = r.report_id)")[0][0]
        stored = s.query("SELECT count(*) FROM files WHERE status = 'report'")[0][0]
    assert partial == 0 and stored < len(corpus.good)
    # with room again, the same command resumes and completes
    rerun = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    with Store(db, read_only=True) as s:
        assert s.query("SELECT count(*) FROM files WHERE status = 'report'")[0][0] == len(corpus.good)
        assert s.query("SELECT count(*) FROM reports")[0][0] == len(corpus.good)


def _in_session(p, sid: int) -> bool:
    try:
        return os.getsid(p.pid) == sid
    except OSError:
        return False
