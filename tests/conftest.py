"""Shared fixtures: the real corpus beside the checkout (../shared/corpus) and gold comparison."""
from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus"
SEEDS = sorted(CORPUS.glob("seeds/*.txt"))
CRAWL_TEXTS = sorted(CORPUS.glob("real/*-crawltext/source.txt"))
TABLES = ("active", "requests", "appeals")
# every document of the corpus that has gold (the corpus grows: count it, never hard-code it)
CORPUS_DOCUMENTS = SEEDS + sorted(CORPUS.glob("real/*/source.*"))


def gold_for(source: Path) -> dict:
    if source.name.startswith("source."):
        return json.loads((source.parent / "gold.json").read_text(encoding="utf-8"))
    return json.loads(source.with_name(source.name.rsplit(".", 1)[0] + ".gold.json").read_text(encoding="utf-8"))


def gold_cells(gold: dict):
    for table in TABLES:
        for row, fields in gold[table].items():
            for field, value in fields.items():
                yield f"{table}.{row}.{field}", value


def cell_of(record_dict: dict, path: str):
    table, row, field = path.split(".")
    return record_dict.get(table, {}).get(row, {}).get(field, KeyError)


def same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) < 1e-9


@pytest.fixture(scope="session")
def corpus_present():
    if not CORPUS.is_dir():
        pytest.fail(f"the shared corpus is missing: expected {CORPUS} beside the checkout")
    return CORPUS


@pytest.fixture
def english():
    """Messages in English (their msgids), for tests that match a reason's wording; Chinese is the
    default everywhere else."""
    from gongkai.i18n import use_language

    with use_language("en"):
        yield


@contextlib.contextmanager
def served(app):
    """`app` served by uvicorn on a free 127.0.0.1 port in a thread (lifespan on, so its parser
    pool starts); yields the base URL and stops the server at the end."""
    uvicorn = pytest.importorskip("uvicorn")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


def wait_until_serving(base: str, proc, timeout: float = 60, poll: float = 0.2) -> None:
    """Wait until the `gongkai serve` process `proc` answers /api/health at `base`; fail with its
    stderr when it dies first, or when `timeout` seconds pass."""
    import httpx

    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            err = proc.stderr.read() if proc.stderr else ""
            pytest.fail(f"the server stopped: {err.decode() if isinstance(err, bytes) else err}")
        try:
            if httpx.get(base + "/api/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            pytest.fail("the server did not start")
        time.sleep(poll)


def count_statements(monkeypatch, view) -> list[str]:
    """The SQL statements a web StoreView sends from now on (each cursor it reads on wrapped)."""
    statements: list[str] = []
    original = view.reading

    class Counting:
        def __init__(self, con):
            self._con = con

        def execute(self, sql, *args):
            statements.append(sql)
            return self._con.execute(sql, *args)

        def __getattr__(self, name):
            return getattr(self._con, name)

    @contextlib.contextmanager
    def counting():
        with original() as store:
            store.con = Counting(store.con)
            yield store

    monkeypatch.setattr(view, "reading", counting)
    return statements
