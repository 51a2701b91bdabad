"""The local engine's worker pool: a reader that crashes its process or hangs costs only its file."""
from __future__ import annotations

import os
import signal
import time

from gongkai.store.pool import Pool
from gongkai.store.prepare import Prepared, failure


def fragile_reader(path, mtime_ns, check, source=None) -> Prepared:
    """Stands in for prepare_file in the workers (imported there by reference)."""
    name = os.path.basename(path)
    if name.startswith("crash"):
        os.kill(os.getpid(), signal.SIGSEGV)  # what a native PDF library does on a bad file
    if name.startswith("hang"):
        time.sleep(60)
    return failure(source or path, f"read {name} in {os.getpid()}", "read", checked=check)


def test_crash_and_hang_cost_only_their_file():
    from gongkai.i18n import use_language

    names = ["a", "crash-1", "b", "hang-1", "c", "crash-2", "d", "e"]
    started = time.monotonic()
    with use_language("en"), Pool(2, True, timeout=2.0, func=fragile_reader) as pool:
        results = {os.path.basename(r.path): r for r in pool.map((f"/x/{n}", None, None) for n in names)}
    assert set(results) == set(names)  # one result per input, the pool went on
    assert time.monotonic() - started < 30
    for n in "abcde":
        assert results[n].reason.startswith(f"read {n} in ")
    for n in ("crash-1", "crash-2"):
        assert results[n].kind == "crash" and "signal 11" in results[n].reason
    assert results["hang-1"].kind == "timeout" and "longer than 2 s" in results["hang-1"].reason


def test_a_hang_among_many_fast_files_is_stopped_after_twice_the_timeout_not_once_per_file():
    """Fast files travel 32 to a chunk: a hung file in one must not hold the ingest for 32 timeouts.
    The chunk is stopped after twice the timeout and its files read again one by one."""
    names = [f"f{i}" for i in range(8)] + [f"g{i}" for i in range(20)] + ["hang-1"] + [f"h{i}" for i in range(11)]
    started = time.monotonic()
    with Pool(1, True, timeout=1.0, func=fragile_reader, chunk=32) as pool:
        results = {os.path.basename(r.path): r for r in pool.map((f"/x/{n}", None, None) for n in names)}
    assert set(results) == set(names)
    assert results["hang-1"].kind == "timeout"
    assert all(r.kind == "read" for n, r in results.items() if n != "hang-1")
    assert time.monotonic() - started < 16  # 32 timeouts would be 32 s


def test_workers_are_recycled_and_sources_pass_through():
    with Pool(1, False, recycle=3, func=fragile_reader) as pool:
        done = list(pool.map([("/x/f%d" % i, None, "http://h/%d" % i) for i in range(7)]))
    assert [r.path for r in done] == ["http://h/%d" % i for i in range(7)]
    pids = [r.reason.rsplit(" ", 1)[1] for r in done]
    assert len(set(pids)) == 3 and pids[:3] == [pids[0]] * 3  # a fresh process every 3 files
    ready = failure("http://h/failed", "download failed: HTTP 404", "fetch")
    with Pool(1, False, func=fragile_reader) as pool:
        out = list(pool.map([("/x/a", None, None), ready, ("/x/b", None, None)]))
    assert ready in out and len(out) == 3


def test_a_worker_reads_through_ingest_size_cap_and_refuses_a_file_swapped_for_a_fifo(tmp_path, monkeypatch):
    """A worker reads its file with ingest's reader: an oversized file is refused on its size
    before its bytes are read, and a file replaced by a FIFO after the listing is refused instead
    of blocking the worker."""
    import threading

    from gongkai.i18n import use_language
    from gongkai.store.prepare import prepare_file

    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 5000)
    monkeypatch.setenv("GONGKAI_MAX_BYTES", "4000")
    with use_language("zh"):
        out = prepare_file(str(big), None, True)
    assert not out.ok and out.kind == "read" and "超过" in out.reason and out.path == str(big)

    fifo = tmp_path / "swapped.txt"
    os.mkfifo(fifo)
    results = []
    reader = threading.Thread(target=lambda: results.append(prepare_file(str(fifo), None, True)), daemon=True)
    reader.start()
    reader.join(10)
    assert not reader.is_alive(), "the worker waited on a FIFO"
    assert not results[0].ok and results[0].kind == "read"
