"""Parsing processes for the local engine.

Not `concurrent.futures.ProcessPoolExecutor`: when a reader crashes its process (a native PDF
library can) the executor breaks and every pending file fails with it, and a file that hangs a
reader cannot be stopped. Here each worker takes a few files at a time (one message each way per
chunk, so the owner's cost per file stays small: as many as it reads in about CHUNK_SECONDS, up to
`chunk`, so slow files are still shared out one by one) over its own pipe, so the pool knows
which files a dead or stuck worker held: they are read again one by one in fresh workers, and
the file that crashes or hangs alone is recorded as failed (`crash`, `timeout`); the batch goes
on. Workers are also replaced after `recycle` files, so a reader that leaks cannot grow memory
with the number of files.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import signal
import time
from collections import deque
from multiprocessing.connection import wait
from typing import Callable, Iterable, Iterator, Optional

from ..i18n import _, language, set_language
from .prepare import Prepared, failure, pack, prepare_file

# a chunk is sized to take a worker about this long: the owner's cost per chunk is then small
# beside its files' (fast text reports: some 30 a chunk), and slow files (scans) go one at a time
CHUNK_SECONDS = 0.5

# (file to read, mtime_ns, source: the URL a cached body stands for, or None, published: the date
# an ingest list gives, or None); the fields after mtime_ns may be left out
Task = tuple


class PoolError(RuntimeError):
    """The parsing processes cannot run at all (not one file's fault)."""


_READY = "ready"


def _worker_main(conn, check: bool, func: Callable = prepare_file, lang: Optional[str] = None,
                 store_path: Optional[str] = None) -> None:
    # the owner's language, not whatever the fork server's environment held when it started
    set_language(lang)
    # Ctrl-C and SIGTERM reach the whole process group; only the owner acts on them (it commits
    # what is finished, then stops the workers). A worker dying of them first would look like a
    # reader crash and get its file recorded as failed.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        conn.send(_READY)
        while True:
            try:
                task = conn.recv()
            except (EOFError, OSError):
                return  # the owner is gone
            if task is None:
                return
            conn.send(pack([func(path, mtime_ns, check, *rest) for path, mtime_ns, *rest in task], store_path))
    except KeyboardInterrupt:
        return


class _Worker:
    def __init__(self, ctx, check: bool, func: Callable, store_path: Optional[str] = None):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child, check, func, language(), store_path),
                                   daemon=True)
        self.process.start()
        child.close()
        self.task: Optional[list[Task]] = None
        self.started = 0.0
        self.done = 0
        self.ready = False

    def send(self, task: list[Task]) -> None:
        self.task = task
        self.started = time.monotonic()
        self.conn.send(task)

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        else:
            try:
                self.conn.send(None)
            except OSError:
                pass
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


class Pool:
    def __init__(self, workers: int, check: bool, *, timeout: Optional[float] = None, recycle: int = 500,
                 func: Callable = prepare_file, chunk: int = 32, store_path: Optional[str] = None):
        """`func(path, mtime_ns, check, source) -> Prepared` runs in the workers (a module-level
        function, so the workers can import it); they write their chunks' cells and sections beside
        the store at `store_path` (see shards.py)."""
        self.func = func
        self.store_path = store_path
        self.size = max(1, workers)
        self.check = check
        self.timeout = timeout
        self.recycle = recycle
        self.chunk = max(1, chunk)
        self.per_chunk = min(self.chunk, 8)  # until the first chunk says how fast files are read
        self.ctx = mp.get_context("forkserver" if os.name == "posix" else "spawn")
        if os.name == "posix":
            # workers start from a clean server that has already imported the parsers
            self.ctx.set_forkserver_preload(["gongkai.store.prepare", "gongkai.extract", "gongkai.checks"])
        self.workers: list[_Worker] = []

    def __enter__(self) -> "Pool":
        return self

    def __exit__(self, *exc) -> None:
        self.close(kill=exc[0] is not None)

    def close(self, kill: bool = False) -> None:
        for w in self.workers:
            w.stop(kill=kill or w.task is not None)
        self.workers = []

    def map(self, tasks: Iterable[Task | Prepared]) -> Iterator[Prepared]:
        """Prepared results in completion order; every task yields exactly one result. A task that is
        already a `Prepared` (an input that failed before parsing, e.g. a download) passes through."""
        for chunk in self.chunks(tasks):
            yield from chunk

    def chunks(self, tasks: Iterable[Task | Prepared]) -> Iterator[list[Prepared]]:
        """The results of `map`, a worker's chunk at a time (packed: see prepare.pack), to be stored
        together."""
        pending = iter(tasks)
        alone: deque = deque()  # files of a chunk that crashed or hung: read again one by one
        exhausted = False
        while len(self.workers) < self.size:
            self.workers.append(_Worker(self.ctx, self.check, self.func, self.store_path))
        while True:
            for w in self.workers:
                if w.task is not None:
                    continue
                if alone:
                    w.send([alone.popleft()])
                    continue
                take: list = []
                room = max(1, min(self.per_chunk, self.recycle - w.done))
                while len(take) < room and not exhausted:
                    task = next(pending, None)
                    if task is None:
                        exhausted = True
                    elif isinstance(task, Prepared):
                        yield [task]
                    else:
                        take.append(task)
                if take:
                    w.send(take)
            busy = [w for w in self.workers if w.task is not None]
            if not busy:
                return
            ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=self._wait_time(busy))
            for i, w in enumerate(list(self.workers)):
                if w.task is None:
                    continue
                result = None
                if w.conn in ready:
                    try:
                        result = w.conn.recv()
                    except (EOFError, OSError):
                        result = None
                    if result == _READY:
                        w.ready = True
                        continue
                if result is not None:
                    per_file = (time.monotonic() - w.started) / len(w.task)
                    self.per_chunk = max(1, min(self.chunk, int(CHUNK_SECONDS / max(per_file, 1e-4))))
                    w.done += len(w.task)
                    w.task = None
                    if w.done >= self.recycle:
                        w.stop()
                        self.workers[i] = _Worker(self.ctx, self.check, self.func, self.store_path)
                    yield result
                    continue
                dead = not w.process.is_alive()
                late = self.timeout is not None and time.monotonic() > self._deadline(w)
                if dead and not w.ready:
                    # died before taking any file: the environment is broken (e.g. a script that
                    # starts an ingest without `if __name__ == "__main__":`), not this file
                    raise PoolError(_("a parsing process exited while starting (exit status {code}); if you call "
                                      "ingest() from a script, guard it with `if __name__ == \"__main__\":`",
                                      code=w.process.exitcode))
                if dead or late:
                    held = w.task
                    w.stop(kill=True)
                    self.workers[i] = _Worker(self.ctx, self.check, self.func, self.store_path)
                    if len(held) > 1:
                        alone.extend(held)  # which of them did it is found by reading each alone
                        continue
                    path, mtime_ns, *rest = held[0]
                    path = (rest[0] if rest else None) or path
                    if dead:
                        code = w.process.exitcode
                        how = (_("signal {n}", n=-code) if code is not None and code < 0
                               else _("exit status {n}", n=code))
                        yield [failure(path, _("the reader crashed ({how}) while reading this file", how=how),
                                       "crash", mtime_ns=mtime_ns, checked=self.check)]
                    else:
                        yield [failure(path, _("reading took longer than {seconds:g} s and was stopped",
                                               seconds=self.timeout), "timeout", mtime_ns=mtime_ns, checked=self.check)]

    def _deadline(self, w: _Worker) -> float:
        """When a worker's chunk is late: twice the timeout (not once per file: a hung file among 32
        fast ones is found after 2 timeouts, not 32); a chunk slower than that is read again file
        by file, each held to the timeout alone, so no file fails for its neighbours' time."""
        return w.started + self.timeout * min(len(w.task), 2)

    def _wait_time(self, busy: list[_Worker]) -> Optional[float]:
        if self.timeout is None:
            return None
        now = time.monotonic()
        return max(0.0, min(self._deadline(w) - now for w in busy)) + 0.01
