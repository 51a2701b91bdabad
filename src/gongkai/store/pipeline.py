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

from ..inputs import DEFAULT_EXCLUDES, REPORT_EXTENSIONS, ListedURL, discover  # noqa: F401  (the store's inputs are check's)
from .prepare import Prepared, pack, parser_version, prepare_file
from .writer import DEFAULT_WAIT, Memo, Store, StoreError, reader_waiting

# the writer commits every BATCH_SECONDS (or BATCH_SIZE inputs): a commit costs some 40 ms of the
# owner's CPU however little it holds (7 bulk inserts, the commit), so big batches keep the owner's
# cost per file small; a kill loses at most the uncommitted batch, which the rerun redoes. When a
# reader waits for the store, the batch is committed at once and the store let go (writer.py).
BATCH_SIZE = 1000
BATCH_SECONDS = 30.0
# ... or sooner when a reader (gongkai serve, query) waits for the store: checked this often
READER_CHECK_SECONDS = 0.25


class NothingToIngest(StoreError):
    """No report file and no URL among the inputs; `result` says what was found instead."""

    def __init__(self, message: str, result: "IngestResult"):
        super().__init__(message)
        self.result = result


@dataclass
class Input:
    path: str  # absolute path, or URL
    size: Optional[int] = None
    mtime_ns: Optional[int] = None


@dataclass
class IngestResult:
    """What became of every input. `inputs` = every path and URL considered, each in exactly one of:
    new_reports, rewritten, duplicates, skipped (unchanged), removed_before, known_failures, failed,
    not_reports (skipped: not a report format, not a regular file, excluded) and missing."""

    inputs: int = 0
    skipped: int = 0  # unchanged since stored
    read: int = 0  # parsed into a record in this run
    new_reports: int = 0
    rewritten: int = 0  # stored before, read again (parser upgrade, --force)
    duplicates: int = 0  # same bytes as a report already stored (another path)
    duplicate_of: list[tuple[str, str]] = field(default_factory=list)  # (path, the path of the stored report)
    superseded: list[tuple] = field(default_factory=list)  # (old report id, old path, new report id, new path)
    failed: int = 0  # failed in this run
    known_failures: int = 0  # skipped: failed before with the same parser version
    removed_before: int = 0  # skipped: removed with `gongkai remove`, unchanged since
    not_reports: list[tuple[str, str]] = field(default_factory=list)  # (path, why it was not read)
    excluded: set = field(default_factory=set)  # of those, the paths excluded by a pattern (--exclude)
    missing: list[tuple[str, str]] = field(default_factory=list)  # inputs that do not exist
    cross_findings: int = 0
    seconds: float = 0.0
    failures: list[tuple[str, str]] = field(default_factory=list)
    owner_cpu: float = 0.0  # CPU seconds of this process while reading (benchmarks)
    owner_cpu_startup: float = 0.0  # of which before the first result arrived (imports, opening, memo)
    worker_cpu: float = 0.0  # CPU seconds the workers reported for their files

    @property
    def rate(self) -> float:
        done = self.read + self.failed
        return done / self.seconds if self.seconds > 0 else 0.0

    @property
    def found(self) -> int:
        """Inputs that are report files or URLs."""
        return self.inputs - len(self.not_reports) - len(self.missing)


def plan(paths: list[str], memo: Memo, *, check: bool, retry_failed: bool = False
         ) -> tuple[list[Input], int, int, int]:
    """The inputs to read: (to_read, unchanged_reports, unchanged_failures, removed_before)."""
    version = parser_version()
    todo, skipped, known_failed, removed = [], 0, 0, 0
    for path in paths:
        try:
            st = os.stat(path)
        except OSError:
            todo.append(Input(path))
            continue
        entry = None if memo.force else memo.files.get(path)
        if entry is not None and entry[0] == st.st_size and entry[1] == st.st_mtime_ns:
            sha, status = entry[2], entry[3]
            if status == "removed":
                removed += 1
                continue
            if status == "report" and (sha in memo.reports or sha in memo.history):
                stored_version, stored_checked = memo.reports.get(sha) or memo.history[sha]
                if stored_version == version and (stored_checked or not check):
                    skipped += 1
                    continue
            if (status == "failed" and not retry_failed
                    and memo.failures.get(path, (None, None, None))[1] == version):
                known_failed += 1
                continue
        todo.append(Input(path, st.st_size, st.st_mtime_ns))
    return todo, skipped, known_failed, removed


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

            from ..i18n import _

            self._bar = RichProgress(
                TextColumn("[bold]" + _("ingest")), BarColumn(), MofNCompleteColumn(),
                TextColumn("{task.fields[rate]:.1f} " + _("files/s")), TextColumn("✓ {task.fields[ok]}  ✗ {task.fields[failed]}"),
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
        from ..i18n import _

        print(_("ingest: {done}/{total} files ({ok} read, {failed} failed), {rate:.1f} files/s, ETA {eta}",
                done=self.done, total=self.total, ok=self.ok, failed=self.failed, rate=rate, eta=eta_text),
              file=self.stream, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()


# --- the run -----------------------------------------------------------------------------------
def _listed(urls: Iterable) -> dict[str, Optional[str]]:
    """URL -> the date a list gives for it (ISO; None: none given), in order, each URL once; the URLs
    are strings or (url, published) pairs such as `read_urls_file` gives. ValueError for a date that
    is none, before anything is downloaded."""
    from ..checks.dates import parse_date

    out: dict[str, Optional[str]] = {}
    for item in urls:
        url, published = (item, None) if isinstance(item, str) else item
        if published is not None:
            published = parse_date(published)
        url = url.strip()
        if url and not url.startswith("#"):
            out[url] = out.get(url) or published
    return out


def ingest(inputs: Iterable[str] = (), db: str = "gongkai.duckdb", *, urls: Iterable = (),
           workers: Optional[int] = None, engine: str = "local", scheduler: Optional[str] = None,
           check: bool = True, force: bool = False, retry_failed: bool = False, keep_both: bool = False,
           excludes: Iterable[str] = DEFAULT_EXCLUDES,
           all_files: bool = False, progress: str = "none", timeout: Optional[float] = None,
           fetcher=None, cross: bool = True, on_event: Optional[Callable[[str], None]] = None,
           wait: float = DEFAULT_WAIT, shared_fs: Optional[bool] = None) -> IngestResult:
    """Ingest files, folders, globs and URLs into the store at `db`. See `gongkai ingest --help`.

    The store is held only while a batch is committed (and while the cross-report checks run), so a
    server or a query can read it in between."""
    from .regions import require_cpca

    require_cpca()
    started = time.monotonic()
    cpu_started = time.process_time()
    result = IngestResult(owner_cpu_startup=cpu_started)
    inputs = list(inputs)
    paths, result.missing = discover(inputs, excludes=excludes, all_files=all_files, skipped=result.not_reports,
                                     excluded=result.excluded)
    urls = _listed(urls)
    if not paths and not urls:
        from ..i18n import _

        result.inputs = len(result.not_reports) + len(result.missing)
        given = ", ".join(list(inputs)[:3]) or "-"
        raise NothingToIngest(_("nothing to ingest: no report files in {inputs} ({skipped} other files skipped)",
                                inputs=given, skipped=len(result.not_reports)), result)
    with Store(db, wait=wait) as store:
        store.exclusive()
        memo = store.memo()
        memo.force = force
        store.collect_garbage()  # the cells files of a killed ingest's uncommitted chunks
        store.record_skipped(result.not_reports)
        store.release()  # the workers take a moment to start: let readers in meanwhile
        todo, result.skipped, result.known_failures, result.removed_before = plan(
            paths, memo, check=check, retry_failed=retry_failed)
        url_todo = []
        for url, published in urls.items():
            done = None if force else _url_done(url, memo, check)
            if done == "failed" and retry_failed:
                done = None
            if done == "report":
                result.skipped += 1
            elif done == "failed":
                result.known_failures += 1
            else:
                url_todo.append(ListedURL(url, published))
        result.inputs = len(paths) + len(urls) + len(result.not_reports) + len(result.missing)
        bar = Progress(len(todo) + len(url_todo), progress)
        results = _results(todo, url_todo, engine=engine, workers=workers, scheduler=scheduler, check=check,
                           timeout=timeout, fetcher=fetcher, shared_fs=shared_fs, store_path=os.path.abspath(store.path))
        try:
            _write_all(store, memo, results, result, bar, keep_both)
        finally:
            results.close()  # stops the workers at once if the writing failed
            bar.close()
        with store.holding():
            if cross:
                from .cross import check_and_store

                result.cross_findings = check_and_store(store)
            else:
                store.recount()
            store.collect_garbage()  # the cells files whose reports were all read again
    result.seconds = time.monotonic() - started
    result.owner_cpu = time.process_time() - cpu_started
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
        stored = memo.reports.get(entry[2]) or memo.history.get(entry[2])
        ok = stored is not None and stored[0] == version and (stored[1] or not check)
        return "report" if ok else None
    sha, failed_version, kind = memo.failures.get(url, (None, None, None))
    return "failed" if kind != "fetch" and failed_version == version else None


def _write_all(store: Store, memo: Memo, results: Iterator[list[Prepared]], result: IngestResult, bar: Progress,
               keep_both: bool = False) -> None:
    batch: list[Prepared] = []
    last = time.monotonic()
    checked_readers = last
    committed = 0

    def flush() -> None:
        nonlocal batch, last, committed
        if batch:
            done = store.write(batch, memo, keep_both=keep_both)
            result.new_reports += done.new
            result.rewritten += done.rewritten
            result.duplicates += len(done.duplicates)
            result.duplicate_of += done.duplicates
            result.superseded += done.superseded
            committed += len(batch)
            bar.committed(committed)
            store.yield_to_readers()
        batch = []
        last = time.monotonic()

    first = True
    try:
        for chunk in results:  # a chunk's rows travel together (prepare.pack): never split by a commit
            if first:
                result.owner_cpu_startup = time.process_time() - result.owner_cpu_startup
                first = False
            batch += chunk
            for p in chunk:
                result.worker_cpu += p.cpu_seconds
                if p.ok:
                    result.read += 1
                else:
                    result.failed += 1
                    result.failures.append((p.path, p.reason or ""))
                bar.advance(p.ok)
            now = time.monotonic()
            if len(batch) >= BATCH_SIZE or now - last >= BATCH_SECONDS:
                flush()
            elif now - checked_readers >= READER_CHECK_SECONDS:
                checked_readers = now
                if reader_waiting(store.path) is not None:
                    flush()
    except KeyboardInterrupt:
        # an interrupt keeps what is complete: the prepared results are whole reports
        flush()
        raise
    flush()


def _results(todo: list[Input], urls: list[ListedURL], *, engine: str, workers: Optional[int], scheduler: Optional[str],
             check: bool, timeout: Optional[float], fetcher, shared_fs: Optional[bool] = None,
             store_path: Optional[str] = None) -> Iterator[list[Prepared]]:
    tasks: Iterator = ((item.path, item.mtime_ns, None) for item in todo)
    if urls:
        from .fetch import Fetcher, url_tasks

        tasks = itertools.chain(tasks, url_tasks(urls, fetcher or Fetcher(), check))
    if engine == "dask":
        from .dask_engine import dask_results

        yield from dask_results(tasks, scheduler=scheduler, check=check, shared_fs=shared_fs,
                                store_path=store_path)
        return
    if engine != "local":
        raise ValueError(f"unknown engine {engine!r} (local or dask)")
    n = workers if workers is not None else (os.cpu_count() or 1)
    if n <= 1:
        for task in tasks:
            yield [task] if isinstance(task, Prepared) else pack([prepare_file(task[0], task[1], check, *task[2:])],
                                                                 store_path)
        return
    from .pool import Pool

    with Pool(n, check, timeout=timeout, store_path=store_path) as pool:
        yield from pool.chunks(tasks)
