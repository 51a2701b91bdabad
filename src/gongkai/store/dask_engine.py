"""The Dask engine: parse on a dask.distributed cluster, write through the single store owner.

By default the owner (the process running `gongkai ingest`) reads each input's bytes and submits
them with the task (a few files per task), so workers need no shared file system, only gongkai
installed; with `shared_fs` (always for a cluster the engine starts itself on this machine) it
sends paths and the workers read the files, and write each chunk's cells and sections to the
store's folders (shards.py). Workers return each file's other rows as Arrow record batches (see
prepare.py), which the owner hands to DuckDB's bulk insert without touching a row (and the cells
and sections, when the workers cannot reach the store's folders, to Parquet files).
Results stream back as they complete and go through the same writer as the local engine's; at
most `window` tasks are in flight and each is released once written, so neither side's memory
grows with the number of files.
"""
from __future__ import annotations

from typing import Iterable, Iterator, Optional, Union

from ..i18n import language, use_language
from ..ingest import ReadError, read_file
from .prepare import Prepared, failure, pack, prepare_bytes, prepare_file


# as the local engine's chunks (pool.CHUNK_SECONDS): a task's files take a worker about this long
CHUNK_SECONDS = 0.5
FIRST_CHUNK = 16


class _Box:
    """A task's inputs, or its results, as one object Dask does not look into. Dask walks the lists
    and tuples it is given for futures, and takes a list of results apart to serialize and size
    each item on its own: that cost the owner as much CPU as storing the rows."""

    def __init__(self, items: list):
        self.items = items

    def __sizeof__(self) -> int:
        """What the worker holds for it (Dask's memory accounting): the files' bytes or the rows."""
        size = 64
        for item in self.items:
            if isinstance(item, Prepared):
                size += 1024 + sum(len(memoryview(b)) for b in item.batches.values())
            elif isinstance(item, tuple) and isinstance(item[0], bytes):
                size += len(item[0])
        return size


def _prepare_chunk(items: _Box, check: bool, lang: Optional[str] = None, store_path: Optional[str] = None) -> _Box:
    """Runs on a worker: (bytes, name, mtime_ns, None, published) items, or (None, name, mtime_ns, path,
    published) to read; in the owner's language, whatever the worker's environment says. With a
    shared file system the worker writes the chunk's cells and sections beside the store at `store_path`
    itself."""
    import time

    out = []
    with use_language(lang):
        for item in items.items:
            started = time.process_time()
            data, name, mtime_ns, path, published = item
            if data is None:
                p = prepare_file(path, mtime_ns, check, source=name if name != path else None, published=published)
            else:
                p = prepare_bytes(data, name, check, mtime_ns=mtime_ns, published=published)
            p.cpu_seconds = time.process_time() - started
            out.append(p)
    return _Box(pack(out, store_path))


def dask_results(tasks: Iterable[Union[tuple, Prepared]], *, scheduler: Optional[str], check: bool,
                 window: Optional[int] = None, chunk: int = 128, shared_fs: Optional[bool] = None,
                 store_path: Optional[str] = None) -> Iterator[list[Prepared]]:
    """Prepared results as the cluster finishes them, a task's chunk at a time (packed: see
    prepare.pack). Files travel in chunks per task: a Dask task costs the owner some 8 ms of
    submitting, a round trip and reading the result, as much as parsing a text report. So a chunk
    is as many files as a worker reads in about CHUNK_SECONDS (as the local engine's, judged by
    the CPU the finished chunks took per file), up to `chunk`: text reports some 100 a task, scans
    one or two."""
    try:
        from distributed import Client, as_completed
    except ImportError as e:  # pragma: no cover - depends on the installation
        raise RuntimeError("the Dask engine needs dask.distributed: pip install 'dask[distributed]'") from e

    if shared_fs is None:
        shared_fs = scheduler is None  # a cluster started here runs on this machine
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
        per_task = min(chunk, FIRST_CHUNK)  # until the first results say how fast files are read

        def fill() -> Iterator[list[Prepared]]:
            """Submit chunks until the window is full; inputs that failed before parsing (a
            download, an unreadable file) come out at once."""
            nonlocal in_flight, exhausted, per_task
            while in_flight < window and not exhausted:
                items: list[tuple[bytes, str, Optional[int]]] = []
                for task in pending:
                    if isinstance(task, Prepared):
                        yield [task]
                        continue
                    path, mtime_ns, *rest = task
                    source, published, *_ = (*rest, None, None)
                    name = source or path
                    if shared_fs:
                        items.append((None, name, mtime_ns, path, published))
                    else:
                        try:
                            items.append((read_file(path), name, mtime_ns, None, published))
                        except ReadError as e:
                            yield [failure(name, str(e), "read", mtime_ns=mtime_ns, checked=check)]
                            continue
                    if len(items) >= per_task:
                        break
                else:
                    exhausted = True
                if items:
                    future = client.submit(_prepare_chunk, _Box(items), check, language(),
                                           store_path if shared_fs else None, pure=False)
                    names[future.key] = [(item[1], item[2]) for item in items]
                    futures.add(future)
                    in_flight += 1

        yield from fill()
        while in_flight:
            future = next(futures)
            in_flight -= 1
            inputs = names.pop(future.key)
            try:
                results = future.result().items
            except Exception as e:  # a worker lost while holding the task, or a bug
                from ..i18n import _

                results = [failure(name, _("the Dask task failed ({error})", error=type(e).__name__ + ": " + str(e)),
                                   "crash", mtime_ns=mtime_ns, checked=check) for name, mtime_ns in inputs]
            future.release()
            spent = [p.cpu_seconds for p in results if p.ok]
            if spent:
                per_file = max(sum(spent) / len(spent), 1e-4)
                per_task = max(1, min(chunk, int(CHUNK_SECONDS / per_file)))
            yield results
            yield from fill()
    finally:
        client.close()
