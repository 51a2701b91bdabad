"""The Dask engine: parse on a dask.distributed cluster, write through the single store owner.

The owner (the process running `gongkai ingest`) reads each input's bytes and submits
`prepare_bytes` with them (a few files per task), so workers need no shared file system, only
gongkai installed. Results stream back as they complete and go through the same writer as the
local engine's; at most `window` tasks are in flight, so memory does not grow with the number of
files.
"""
from __future__ import annotations

from typing import Iterable, Iterator, Optional, Union

from ..i18n import language, use_language
from .prepare import Prepared, failure, prepare_bytes


def _prepare_chunk(items: list[tuple[bytes, str, Optional[int]]], check: bool,
                   lang: Optional[str] = None) -> list[Prepared]:
    with use_language(lang):  # the owner's language, whatever the worker's environment says
        return [prepare_bytes(data, name, check, mtime_ns=mtime_ns) for data, name, mtime_ns in items]


def dask_results(tasks: Iterable[Union[tuple, Prepared]], *, scheduler: Optional[str], check: bool,
                 window: Optional[int] = None, chunk: int = 8) -> Iterator[Prepared]:
    """Prepared results as the cluster finishes them. Files travel in chunks of `chunk` per task:
    a Dask task costs about a millisecond of scheduling and a round trip, as much as parsing a
    short text report."""
    try:
        from distributed import Client, as_completed
    except ImportError as e:  # pragma: no cover - depends on the installation
        raise RuntimeError("the Dask engine needs dask.distributed: pip install 'dask[distributed]'") from e

    client = Client(scheduler) if scheduler else Client(processes=True)
    try:
        if window is None:
            threads = sum(client.nthreads().values()) or 1
            window = max(2, 2 * threads)  # chunks in flight: each worker thread has one queued
        pending = iter(tasks)
        futures = as_completed()
        names: dict[str, list[tuple[str, Optional[int]]]] = {}  # future key -> its inputs
        in_flight = 0
        exhausted = False

        def fill() -> Iterator[Prepared]:
            """Submit chunks until the window is full; inputs that failed before parsing (a
            download, an unreadable file) come out at once."""
            nonlocal in_flight, exhausted
            while in_flight < window and not exhausted:
                items: list[tuple[bytes, str, Optional[int]]] = []
                for task in pending:
                    if isinstance(task, Prepared):
                        yield task
                        continue
                    path, mtime_ns, source = task
                    name = source or path
                    try:
                        with open(path, "rb") as f:
                            items.append((f.read(), name, mtime_ns))
                    except OSError as e:
                        yield failure(name, f"cannot be opened ({e.strerror or e})", "read", mtime_ns=mtime_ns,
                                      checked=check)
                        continue
                    if len(items) >= chunk:
                        break
                else:
                    exhausted = True
                if items:
                    future = client.submit(_prepare_chunk, items, check, language(), pure=False)
                    names[future.key] = [(name, mtime_ns) for _, name, mtime_ns in items]
                    futures.add(future)
                    in_flight += 1

        yield from fill()
        while in_flight:
            future = next(futures)
            in_flight -= 1
            inputs = names.pop(future.key)
            try:
                results = future.result()
            except Exception as e:  # a worker lost while holding the task, or a bug
                results = [failure(name, f"the Dask task failed ({type(e).__name__}: {e})", "crash",
                                   mtime_ns=mtime_ns, checked=check) for name, mtime_ns in inputs]
            future.release()
            yield from results
            yield from fill()
    finally:
        client.close()
