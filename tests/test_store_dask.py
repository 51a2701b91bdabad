"""The Dask engine on a LocalCluster of 2 worker processes gives the same store as the local engine."""
from __future__ import annotations

import shutil

import pytest

from conftest import CORPUS, CRAWL_TEXTS, SEEDS
from gongkai.store.pipeline import ingest
from gongkai.store.writer import Store

pytest.importorskip("distributed")
pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="needs ../shared/corpus")

# what may differ between two runs: when things were written, which chunk's files hold a report's
# cells and sections, and nothing else
DUMPS = {
    "reports": "SELECT * EXCLUDE (ingested_at, cells_file) FROM reports ORDER BY report_id",
    "cells": "SELECT * FROM cells ORDER BY report_id, ord",
    "findings": "SELECT * FROM findings ORDER BY report_id, scope, seq",
    "sections": "SELECT * FROM sections ORDER BY report_id, seq",
    "narratives": "SELECT * FROM narratives ORDER BY report_id",
    "narrative_bands": "SELECT * FROM narrative_bands ORDER BY report_id, band",
    "files": "SELECT * EXCLUDE (seen_at) FROM files ORDER BY path",
    "failures": "SELECT * EXCLUDE (failed_at) FROM failures ORDER BY path",
}


def _dump(db) -> dict:
    with Store(db, read_only=True) as s:
        return {name: s.query(sql) for name, sql in DUMPS.items()}


@pytest.fixture(scope="module")
def docs(tmp_path_factory):
    root = tmp_path_factory.mktemp("docs")
    for p in SEEDS + CRAWL_TEXTS:
        shutil.copy(p, root / f"{p.parent.name}-{p.name}")
    # a second year of one body (a real report with its years moved back by one: see
    # test_store_cross.py), so the cross-report checks have something to find
    police = next(p for p in CRAWL_TEXTS if "police" in str(p)).read_text(encoding="utf-8")
    (root / "police-2023.txt").write_text(
        police.replace("2024", "\0").replace("2025", "2024").replace("\0", "2023"), encoding="utf-8")
    (root / "broken.pdf").write_bytes(b"%PDF-1.5\nnot really")
    (root / "empty.txt").write_bytes(b"")
    return root


def test_dask_engine_matches_local_engine(docs, tmp_path, monkeypatch):
    """With or without a shared file system: without one the workers send the cells and the owner
    writes their files; with one the workers write them and the owner writes none."""
    from distributed import LocalCluster

    from gongkai.store import shards

    written_here: list[str] = []
    write = shards.write

    def counted(folder, name, data):
        if name != shards.EMPTY:
            written_here.append(name)
        return write(folder, name, data)

    monkeypatch.setattr(shards, "write", counted)  # this process's: the workers are others
    local_db = tmp_path / "local.duckdb"
    local = ingest([str(docs)], str(local_db), workers=2)
    assert not written_here
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        remote = ingest([str(docs)], str(tmp_path / "dask.duckdb"), engine="dask",
                        scheduler=cluster.scheduler_address)
        assert written_here
        written_here.clear()
        shared = ingest([str(docs)], str(tmp_path / "shared.duckdb"), engine="dask",
                        scheduler=cluster.scheduler_address, shared_fs=True)
        assert not written_here
    assert local.new_reports == len(SEEDS) + len(CRAWL_TEXTS) + 1 and local.failed == 2
    assert local.cross_findings > 0
    a = _dump(local_db)
    for result, db in ((remote, "dask.duckdb"), (shared, "shared.duckdb")):
        assert (result.new_reports, result.failed, result.cross_findings) == (
            local.new_reports, local.failed, local.cross_findings)
        b = _dump(tmp_path / db)
        for table in DUMPS:
            assert a[table] == b[table], (db, table)
