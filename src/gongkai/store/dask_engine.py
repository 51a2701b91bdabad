"""The Dask engine: parse on a dask.distributed cluster, write through the single store owner.

The owner (the process running `gongkai ingest`) reads each input's bytes and submits
`prepare_bytes` with them, so workers need no shared file system, only gongkai installed. Results
stream back as they complete and go through the same writer as the local engine's; at most
`window` tasks are in flight, so memory does not grow with the number of files.
"""
from __future__ import annotations

from typing import Iterable, Iterator, Optional, Union

from .prepare import Prepared, failure, prepare_bytes


def _prepare_remote(data: bytes, name: str, check: bool, mtime_ns: Optional[int]) -> Prepared:
    return prepare_bytes(data, name, check, mtime_ns=mtime_ns)


def dask_results(tasks: Iterable[Union[tuple, Prepared]], *, scheduler: Optional[str], check: bool,
                 window: Optional[int] = None) -> Iterator[Prepared]:
    try:
        from distributed import Client, as_completed
    except ImportError as e:  # pragma: no cover - depends on the installation
        raise RuntimeError("the Dask engine needs dask.distributed: pip install 'dask[distributed]'") from e

    client = Client(scheduler) if scheduler else Client(processes=True)
    try:
        if window is None:
            threads = sum(client.nthreads().values()) or 1
            window = max(4, 4 * threads)
        pending = iter(tasks)
        futures = as_completed()
        in_flight = 0
        names: dict[str, tuple[str, Optional[int]]] = {}  # future key -> input, to name a lost task

        def submit_next() -> Optional[Prepared]:
            """Submit the next task; a task that is already a result is returned instead."""
            nonlocal in_flight
            for task in pending:
                if isinstance(task, Prepared):
                    return task
                path, mtime_ns, source = task
                name = source or path
                try:
                    with open(path, "rb") as f:
                        data = f.read()
                except OSError as e:
                    return failure(name, f"cannot be opened ({e.strerror or e})", "read", mtime_ns=mtime_ns,
                                   checked=check)
                future = client.submit(_prepare_remote, data, name, check, mtime_ns, pure=False)
                names[future.key] = (name, mtime_ns)
                futures.add(future)
                in_flight += 1
                return None
            return None

        def fill() -> Iterator[Prepared]:
            while in_flight < window:
                before = in_flight
                ready = submit_next()
                if ready is not None:
                    yield ready
                elif in_flight == before:
                    return  # nothing left to submit

        yield from fill()
        while in_flight:
            future = next(futures)
            in_flight -= 1
            name, mtime_ns = names.pop(future.key)
            try:
                result = future.result()
            except Exception as e:  # a worker lost while holding the task, or a bug
                result = failure(name, f"the Dask task failed ({type(e).__name__}: {e})", "crash",
                                 mtime_ns=mtime_ns, checked=check)
            future.release()
            yield result
            yield from fill()
    finally:
        client.close()
