"""Uploads are read in separate processes, never in the server's own.

A reader that loops, asks for gigabytes or crashes (a native PDF library can) costs one job:
each parsing process takes one upload at a time over its own pipe, under a memory limit
(RLIMIT_DATA: the heap and private mappings a reader can grow, not the libraries it maps) and
within a wall time. A job over its time has its process group killed (the process and anything
it started, such as LibreOffice); a job over its memory fails with MemoryError in its process,
which then exits; a crash is seen by its pipe closing. The server only waits, in a thread, and
starts a fresh process for the next upload. Processes are also replaced after `recycle` jobs, so
a reader that leaks cannot grow with the number of uploads.

At most `size` uploads are read at once; `queue` more may wait; beyond that an upload is refused
at once with "busy" (HTTP 503) rather than held in memory.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import signal
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import Any, Callable, Optional

_READY = "ready"


class JobFailed(Exception):
    """An upload could not be read; `kind` says why (unreadable, timeout, memory, crash, busy,
    error) and the message says it to a person."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def read_upload_job(data: bytes, name: str, lang: str) -> tuple[str, Any]:
    """The job a parsing process runs: ("ok", Review) or ("unreadable", reason)."""
    from ..i18n import use_language
    from ..ingest import ReadError
    from .review import review_bytes

    with use_language(lang):
        try:
            return "ok", review_bytes(data, name)
        except ReadError as e:
            return "unreadable", str(e)


def read_record_job(data: bytes, name: str, lang: str) -> tuple[str, Any]:
    """A job reading a report into its record, without checks (the drafting page's last-year
    upload): ("ok", Record) or ("unreadable", reason)."""
    from ..api import parse_bytes
    from ..i18n import use_language
    from ..ingest import ReadError

    with use_language(lang):
        try:
            return "ok", parse_bytes(data, name=name, check=False)
        except ReadError as e:
            return "unreadable", str(e)


def _worker_main(conn, memory_bytes: Optional[int]) -> None:
    # A group of its own: a timeout kills this process and whatever it started, and a Ctrl-C at
    # the server's terminal reaches the server only, which stops its workers itself.
    os.setsid()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if memory_bytes:
        import resource

        resource.setrlimit(resource.RLIMIT_DATA, (memory_bytes, memory_bytes))
    conn.send(_READY)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return  # the server is gone
        if task is None:
            return
        job, args = task
        try:
            conn.send(job(*args))
        except MemoryError:
            conn.send(("memory", None))
            return  # the heap may be left fragmented near the limit: start afresh
        except Exception as e:  # a reader's bug: the job fails, the process goes on
            conn.send(("error", type(e).__name__))


@dataclass
class _Worker:
    process: Any
    conn: Any
    jobs: int = 0

    def kill(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.process.join(timeout=5)
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.process.join(timeout=2)
        if self.process.is_alive():
            self.kill()
        else:
            self.conn.close()


class ParsePool:
    def __init__(self, size: int = 2, *, timeout: float = 120.0, memory_mb: Optional[int] = 1536, queue: int = 16,
                 recycle: int = 100, job: Callable = read_upload_job):
        """`job(*args) -> (status, value)` runs in the parsing processes (a module-level function,
        so they can import it)."""
        self.size = max(1, size)
        self.timeout = timeout
        self.memory_bytes = memory_mb * 1024 * 1024 if memory_mb else None
        self.queue = queue
        self.recycle = recycle
        self.job = job
        self._ctx = mp.get_context("forkserver" if os.name == "posix" else "spawn")
        if os.name == "posix":
            # parsing processes start from a server that has already imported the readers
            self._ctx.set_forkserver_preload(["gongkai.web.parsing", "gongkai.web.review", "gongkai.api"])
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(self.size)
        self._waiting = 0
        self._limiter = None
        self._closed = False

    # -- the server's side ------------------------------------------------------------------------
    async def run(self, *args: Any, job: Optional[Callable] = None) -> Any:
        """The value of `job(*args)` (the pool's job by default); JobFailed when the upload
        cannot be read or the pool is full."""
        import anyio

        with self._lock:
            if self._closed or self._waiting >= self.size + self.queue:
                raise JobFailed("busy", "")
            self._waiting += 1
            if self._limiter is None:
                # threads of its own (one per job, waiting on its process), not the ones the
                # server's other requests run in
                self._limiter = anyio.CapacityLimiter(self.size + self.queue)
        try:
            return await anyio.to_thread.run_sync(self._run, job or self.job, args, limiter=self._limiter)
        finally:
            with self._lock:
                self._waiting -= 1

    def _run(self, job: Callable, args: tuple) -> Any:
        with self._slots:
            worker = self._take()
            try:
                status, value = self._result(worker, job, args)
            except JobFailed:
                raise  # the process is gone already
            except BaseException:
                worker.kill()
                raise
            worker.jobs += 1
            if status in ("ok", "unreadable", "error") and worker.jobs < self.recycle:
                self._give_back(worker)
            else:
                worker.stop()
        if status == "ok":
            return value
        raise JobFailed(status, "" if value is None else str(value))

    def _result(self, worker: _Worker, job: Callable, args: tuple) -> tuple[str, Any]:
        """Send the job and wait for its answer, the process's end or the deadline."""
        started = time.monotonic()
        try:
            worker.conn.send((job, args))
        except OSError:
            pass  # it died while idle: its sentinel says so below
        remaining = self.timeout - (time.monotonic() - started) if self.timeout else None
        ready = wait([worker.conn, worker.process.sentinel], timeout=remaining)
        if worker.conn in ready:
            try:
                return worker.conn.recv()
            except (EOFError, OSError):
                pass
        if not ready:
            worker.kill()
            raise JobFailed("timeout", f"{self.timeout:g}")
        worker.process.join(timeout=5)
        code = worker.process.exitcode
        worker.kill()
        raise JobFailed("crash", f"signal {-code}" if code is not None and code < 0 else f"exit status {code}")

    def _take(self) -> _Worker:
        with self._lock:
            while self._idle:
                worker = self._idle.pop()
                if worker.process.is_alive():
                    return worker
                worker.kill()
        return self._start()

    def _give_back(self, worker: _Worker) -> None:
        with self._lock:
            if not self._closed:
                self._idle.append(worker)
                return
        worker.stop()

    def _start(self) -> _Worker:
        conn, child = self._ctx.Pipe()
        process = self._ctx.Process(target=_worker_main, args=(child, self.memory_bytes), daemon=True)
        process.start()
        child.close()
        worker = _Worker(process, conn)
        if not (wait([conn, process.sentinel], timeout=60) and conn.poll() and conn.recv() == _READY):
            worker.kill()
            raise JobFailed("crash", "a parsing process did not start")
        return worker

    def prestart(self) -> None:
        """Start the pool's processes now, in a thread, so the first job does not wait for one to
        start (the office's writer: a reviewer's first decision should not take a second longer)."""
        def start() -> None:
            for _ in range(self.size):
                try:
                    worker = self._start()
                except JobFailed:
                    return  # the first job starts its own and says why
                self._give_back(worker)

        threading.Thread(target=start, name="gongkai-prestart", daemon=True).start()

    def processes(self) -> list[int]:
        """The idle parsing processes' ids (for tests and diagnostics)."""
        with self._lock:
            return [w.process.pid for w in self._idle]

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.stop()
