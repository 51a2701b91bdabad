"""Ingest while serving: `gongkai serve` reads a store, `gongkai ingest` adds reports to it at the
same time (separate processes, as a user runs them), and the page shows the new report without a
restart; `gongkai query` waits for a commit instead of failing."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys

import pytest

from conftest import CORPUS, SEEDS, wait_until_serving

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="needs ../shared/corpus")
httpx = pytest.importorskip("httpx")

GONGKAI = [sys.executable, "-c", "from gongkai.cli import main; main()"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(*args, **kw):
    return subprocess.run(GONGKAI + list(args), capture_output=True, text=True, timeout=300, **kw)


@pytest.fixture
def served(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(SEEDS[0], docs / "first.txt")
    db = tmp_path / "live.duckdb"
    r = _run("ingest", str(docs), "--db", str(db), "--workers", "1", "--progress", "none")
    assert r.returncode == 0, r.stderr
    port = _free_port()
    server = subprocess.Popen(GONGKAI + ["serve", "--db", str(db), "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    wait_until_serving(base, server)
    try:
        yield db, docs, base
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_ingest_into_a_served_store_and_see_the_new_report(served):
    db, docs, base = served
    assert httpx.get(base + "/api/reports").json()["total"] == 1
    page = httpx.get(base + "/reports").text
    assert "上海市人力资源和社会保障局" not in page
    shutil.copy(SEEDS[1], docs / "second.txt")  # 上海市人力资源和社会保障局 2024
    r = _run("ingest", str(docs), "--db", str(db), "--workers", "1", "--progress", "none", "--wait", "30",
             env={**os.environ, "GONGKAI_LANG": "en"})
    assert r.returncode == 0, r.stderr
    assert "1 new reports" in r.stderr and "in use" not in r.stderr
    # the server was never restarted: the next request opens the store again and sees the report
    listing = httpx.get(base + "/api/reports").json()
    assert listing["total"] == 2
    assert "上海市人力资源和社会保障局" in httpx.get(base + "/reports").text
    new = next(item for item in listing["items"] if item["agency"] == "上海市人力资源和社会保障局")
    assert httpx.get(base + f"/reports/{new['id']}").status_code == 200


def test_queries_and_pages_keep_answering_while_an_ingest_commits(served, tmp_path):
    """Many files, so the ingest commits while requests and a query run: none of them fails."""
    db, docs, base = served
    for i, seed in enumerate(SEEDS[1:]):
        text = seed.read_text(encoding="utf-8")
        for j in range(6):  # distinct bytes, same reports: duplicates of body and year supersede
            (docs / f"copy-{i}-{j}.txt").write_text(text + "\n" * (j + 1), encoding="utf-8")
    ingest = subprocess.Popen(GONGKAI + ["ingest", str(docs), "--db", str(db), "--workers", "1",
                                         "--progress", "none", "--no-cross"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "GONGKAI_LANG": "en"})
    answered = 0
    try:
        while ingest.poll() is None:
            assert httpx.get(base + "/api/reports", timeout=60).status_code == 200
            q = _run("query", "--db", str(db), "--format", "csv", "SELECT count(*) AS n FROM reports")
            assert q.returncode == 0, q.stderr
            answered += 1
    finally:
        _, err = ingest.communicate(timeout=300)
    assert ingest.returncode == 0, err
    assert answered >= 1
    # each body and year has one current report; the other copies are its history
    versions = _run("query", "--db", str(db), "--format", "csv",
                    "SELECT count(*) FILTER (WHERE state = 'current'), count(*) FROM report_versions")
    current, total = map(int, versions.stdout.splitlines()[1].split(","))
    assert current == len(SEEDS) and total == 1 + 6 * (len(SEEDS) - 1)
    assert httpx.get(base + "/api/reports").json()["total"] == len(SEEDS)
