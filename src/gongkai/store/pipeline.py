"""`ingest`: inputs -> parsed, checked, stored; then the cross-report checks.

The calling process owns the store and is its only writer; parsing happens in worker processes
(local engine) or on a Dask cluster. Inputs whose path, size and modification time are unchanged
since they were stored, with the same parser version, are skipped without being read, which is
what makes a rerun after a kill cheap: it resumes where the last commit left off.
"""
from __future__ import annotations

import itertools
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator, Optional

from ..inputs import DEFAULT_EXCLUDES, REPORT_EXTENSIONS, discover  # noqa: F401  (the store's inputs are check's)
from .prepare import Prepared, parser_version, prepare_file
from .writer import Memo, Store

# the writer commits every BATCH_SECONDS (or BATCH_SIZE inputs): a commit costs ~0.1 s however
# little it holds, and a kill loses at most the uncommitted second, which the rerun redoes
BATCH_SIZE = 200
BATCH_SECONDS = 1.0


@dataclass
class Input:
    path: str  # absolute path, or URL
    size: Optional[int] = None
    mtime_ns: Optional[int] = None


@dataclass
class IngestResult:
    inputs: int = 0
    skipped: int = 0  # unchanged since stored
    read: int = 0  # parsed into a record in this run
    new_reports: int = 0
    rewritten: int = 0  # stored before, read again (parser upgrade, --force)
    duplicates: int = 0  # same bytes as a report already stored (another path)
    failed: int = 0  # failed in this run
    known_failures: int = 0  # skipped: failed before with the same parser version
    missing: list[tuple[str, str]] = field(default_factory=list)  # inputs that do not exist
    cross_findings: int = 0
    seconds: float = 0.0
    failures: list[tuple[str, str]] = field(default_factory=list)

    @property
    def rate(self) -> float:
        done = self.read + self.failed
        return done / self.seconds if self.seconds > 0 else 0.0


def plan(paths: list[str], memo: Memo, *, check: bool, retry_failed: bool = False) -> tuple[list[Input], int, int]:
    """The inputs to read: (to_read, unchanged_reports, unchanged_failures)."""
    version = parser_version()
    todo, skipped, known_failed = [], 0, 0
    for path in paths:
        try:
            st = os.stat(path)
        except OSError:
            todo.append(Input(path))
            continue
        entry = None if memo.force else memo.files.get(path)
        if entry is not None and entry[0] == st.st_size and entry[1] == st.st_mtime_ns:
            sha, status = entry[2], entry[3]
            if status == "report" and sha in memo.reports:
                stored_version, stored_checked = memo.reports[sha]
                if stored_version == version and (stored_checked or not check):
                    skipped += 1
                    continue
            if (status == "failed" and not retry_failed
                    and memo.failures.get(path, (None, None, None))[1] == version):
                known_failed += 1
                continue
        todo.append(Input(path, st.st_size, st.st_mtime_ns))
    return todo, skipped, known_failed


# --- progress ------------------------------------------------------------------------------------
class Progress:
    """A rich progress bar on a terminal; a line every few seconds otherwise (logs, CI, tests)."""

    def __init__(self, total: int, mode: str = "auto", stream=None):
        self.total = total
        self.stream = stream or sys.stderr
        if mode == "auto":
            mode = "bar" if self.stream.isatty() else "plain"
        self.mode = mode
        self.done = self.ok = self.failed = 0
        self.start = time.monotonic()
        self._last_line = 0.0
        self._bar = None
        if mode == "bar" and total:
            from rich.console import Console
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress as RichProgress, TextColumn,
                                       TimeElapsedColumn, TimeRemainingColumn)

            self._bar = RichProgress(
                TextColumn("[bold]ingest"), BarColumn(), MofNCompleteColumn(),
                TextColumn("{task.fields[rate]:.1f} files/s"), TextColumn("✓ {task.fields[ok]}  ✗ {task.fields[failed]}"),
                TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                console=Console(file=self.stream), transient=False)
            self._task = self._bar.add_task("ingest", total=total, rate=0.0, ok=0, failed=0)
            self._bar.start()

    @property
    def rate(self) -> float:
        elapsed = time.monotonic() - self.start
        return self.done / elapsed if elapsed > 0 else 0.0

    def advance(self, ok: bool) -> None:
        self.done += 1
        self.ok += ok
        self.failed += not ok
        if self._bar is not None:
            self._bar.update(self._task, advance=1, rate=self.rate, ok=self.ok, failed=self.failed)
        elif self.mode == "plain":
            now = time.monotonic()
            if now - self._last_line >= 2.0 or self.done == self.total:
                self._last_line = now
                self.line()

    def committed(self, n: int) -> None:
        if self.mode == "plain" and os.environ.get("GONGKAI_PROGRESS_COMMITS"):
            # test hook: lets a test kill the ingest at a known point
            print(f"ingest: committed {n}", file=self.stream, flush=True)

    def line(self) -> None:
        rate = self.rate
        eta = (self.total - self.done) / rate if rate > 0 else float("nan")
        eta_text = f"{eta:.0f}s" if eta == eta else "?"
        print(f"ingest: {self.done}/{self.total} files ({self.ok} read, {self.failed} failed), "
              f"{rate:.1f} files/s, ETA {eta_text}", file=self.stream, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()


# --- the run -----------------------------------------------------------------------------------
def ingest(inputs: Iterable[str] = (), db: str = "gongkai.duckdb", *, urls: Iterable[str] = (),
           workers: Optional[int] = None, engine: str = "local", scheduler: Optional[str] = None,
           check: bool = True, force: bool = False, retry_failed: bool = False,
           excludes: Iterable[str] = DEFAULT_EXCLUDES,
           all_files: bool = False, progress: str = "none", timeout: Optional[float] = None,
           fetcher=None, cross: bool = True, on_event: Optional[Callable[[str], None]] = None) -> IngestResult:
    """Ingest files, folders, globs and URLs into the store at `db`. See `gongkai ingest --help`."""
    from .regions import require_cpca

    require_cpca()
    started = time.monotonic()
    result = IngestResult()
    paths, result.missing = discover(inputs, excludes=excludes, all_files=all_files)
    urls = [u.strip() for u in urls if u.strip() and not u.strip().startswith("#")]
    with Store(db) as store:
        memo = store.memo()
        memo.force = force
        todo, result.skipped, result.known_failures = plan(paths, memo, check=check, retry_failed=retry_failed)
        url_todo = []
        for url in dict.fromkeys(urls):
            done = None if force else _url_done(url, memo, check)
            if done == "failed" and retry_failed:
                done = None
            if done == "report":
                result.skipped += 1
            elif done == "failed":
                result.known_failures += 1
            else:
                url_todo.append(url)
        result.inputs = len(paths) + len(set(urls))
        bar = Progress(len(todo) + len(url_todo), progress)
        try:
            results = _results(todo, url_todo, engine=engine, workers=workers, scheduler=scheduler, check=check,
                               timeout=timeout, fetcher=fetcher)
            _write_all(store, memo, results, result, bar)
        finally:
            bar.close()
        if cross:
            from .cross import check_and_store

            result.cross_findings = check_and_store(store)
    result.seconds = time.monotonic() - started
    return result


def _url_done(url: str, memo: Memo, check: bool) -> Optional[str]:
    """'report' or 'failed' when a URL needs no new download; None when it does. A failed download
    is always tried again (networks recover); content that could not be read is not, until the
    parser changes."""
    entry = memo.files.get(url)
    if entry is None:
        return None
    version = parser_version()
    if entry[3] == "report":
        stored = memo.reports.get(entry[2])
        ok = stored is not None and stored[0] == version and (stored[1] or not check)
        return "report" if ok else None
    sha, failed_version, kind = memo.failures.get(url, (None, None, None))
    return "failed" if kind != "fetch" and failed_version == version else None


def _write_all(store: Store, memo: Memo, results: Iterator[Prepared], result: IngestResult, bar: Progress) -> None:
    batch: list[Prepared] = []
    last = time.monotonic()
    committed = 0

    def flush() -> None:
        nonlocal batch, last, committed
        if batch:
            new, rewritten, already = store.write(batch, memo)
            result.new_reports += new
            result.rewritten += rewritten
            result.duplicates += already
            committed += len(batch)
            bar.committed(committed)
        batch = []
        last = time.monotonic()

    try:
        for p in results:
            batch.append(p)
            if p.ok:
                result.read += 1
            else:
                result.failed += 1
                result.failures.append((p.path, p.reason or ""))
            bar.advance(p.ok)
            if len(batch) >= BATCH_SIZE or time.monotonic() - last >= BATCH_SECONDS:
                flush()
    finally:
        # an interrupt keeps what is complete: the prepared results are whole reports
        flush()


def _results(todo: list[Input], urls: list[str], *, engine: str, workers: Optional[int], scheduler: Optional[str],
             check: bool, timeout: Optional[float], fetcher) -> Iterator[Prepared]:
    tasks: Iterator = ((item.path, item.mtime_ns, None) for item in todo)
    if urls:
        from .fetch import Fetcher, url_tasks

        tasks = itertools.chain(tasks, url_tasks(urls, fetcher or Fetcher(), check))
    if engine == "dask":
        from .dask_engine import dask_results

        yield from dask_results(tasks, scheduler=scheduler, check=check)
        return
    if engine != "local":
        raise ValueError(f"unknown engine {engine!r} (local or dask)")
    n = workers if workers is not None else (os.cpu_count() or 1)
    if n <= 1:
        for task in tasks:
            yield task if isinstance(task, Prepared) else prepare_file(task[0], task[1], check, task[2])
        return
    from .pool import Pool

    with Pool(n, check, timeout=timeout) as pool:
        yield from pool.map(tasks)
