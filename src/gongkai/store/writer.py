"""The store: one DuckDB file (its cells and sections in Parquet files beside it: shards.py), one
writer at a time, readers in between.

DuckDB lets one process open a file for writing, or any number of processes open it read-only,
never both at once (its lock is per process, on the file). So that `gongkai serve` and
`gongkai query` can read a store while `gongkai ingest` fills it, the writer holds the file only
while it commits a batch: it announces itself in `<store>.writer` (its PID), waits until the
readers have let go (they watch that file and close their connections), commits, checkpoints and
closes. Readers wait while the writer holds the file, then open again and see the new reports.
Another ingest is kept out for the whole run by an exclusive `flock` on the store file itself.

Every batch of prepared inputs is written in one transaction, so a report is either entirely in
the store (report, cells, findings, sections, file row) or not at all; a killed ingest keeps
every committed batch and the next run skips what is there.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import os
import re
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Optional

from ..i18n import Message, _
from ..record import CellSource, Finding, Record, Section, Source
from . import schema, shards
from .labels import labels
from .prepare import Prepared, table_of

DEFAULT_PATH = "gongkai.duckdb"
# how long a reader or writer waits for the other side before giving up
DEFAULT_WAIT = 60.0
_POLL = 0.02
_CELL_SOURCE_FIELDS = frozenset(f.name for f in dataclasses.fields(CellSource))


class StoreError(Exception):
    """The store cannot be opened or used; the message says why."""


class StoreBusy(StoreError):
    """Another process holds the store for longer than we were willing to wait."""


@dataclass
class Memo:
    """What the store already holds, loaded once per ingest so skipping costs no queries."""

    files: dict[str, tuple] = field(default_factory=dict)  # path -> (size, mtime_ns, sha256, status)
    reports: dict[str, tuple] = field(default_factory=dict)  # sha256 -> (parser_version, checked), current
    history: dict[str, tuple] = field(default_factory=dict)  # sha256 -> (parser_version, checked), superseded
    failures: dict[str, tuple] = field(default_factory=dict)  # path -> (sha256, parser_version, kind)
    sources: dict[str, str] = field(default_factory=dict)  # sha256 -> the path it was first read from
    bodies: dict[tuple, list] = field(default_factory=dict)  # (agency_key, year) -> current report ids
    keep_both: set = field(default_factory=set)  # reports stored with --keep-both
    force: bool = False  # rewrite every report once, whatever its version
    written: set = field(default_factory=set)  # reports written in this run


@dataclass
class Written:
    """What one `Store.write` did."""

    new: int = 0
    rewritten: int = 0
    duplicates: list = field(default_factory=list)  # (path, the path of the stored report it equals)
    superseded: list = field(default_factory=list)  # (old report id, its source path, new report id, new path)


# --- connections ----------------------------------------------------------------------------------
def writer_file(path: str | os.PathLike) -> str:
    return f"{path}.writer"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def writer_waiting(path: str | os.PathLike) -> Optional[int]:
    """The PID of a live writer that wants or holds the store, else None."""
    try:
        text = Path(writer_file(path)).read_text().strip()
        pid = int(text.split()[0])
    except (OSError, ValueError, IndexError):
        return None
    if pid == os.getpid() or not _pid_alive(pid):
        return None
    return pid


def reader_file(path: str | os.PathLike) -> str:
    return f"{path}.readers"


def announce_reader(path: str | os.PathLike) -> None:
    """Tell a writer holding the store that a reader waits (it lets go after its next commit)."""
    try:
        Path(reader_file(path)).write_text(f"{os.getpid()}\n")
    except OSError:
        pass  # a read-only folder: the reader waits for the ingest's end instead


def reader_waiting(path: str | os.PathLike) -> Optional[int]:
    """The PID of a live reader waiting for the store, else None."""
    try:
        pid = int(Path(reader_file(path)).read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pid if pid != os.getpid() and _pid_alive(pid) else None


def _reader_done(path: str | os.PathLike) -> None:
    try:
        if Path(reader_file(path)).read_text().split()[0] == str(os.getpid()):
            os.unlink(reader_file(path))
    except (OSError, IndexError):
        pass


_LOCK_HOLDER_RE = re.compile(r"held in (.*?) \(PID (\d+)\)")


def _busy_message(path: str, error: str, waited: float) -> str:
    m = _LOCK_HOLDER_RE.search(error)
    if m:
        return _("{path}: the store is in use by process {pid} ({program}) and was not released within "
                 "{seconds:g} s", path=path, pid=m.group(2), program=os.path.basename(m.group(1)), seconds=waited)
    return _("{path}: the store is in use by another process and was not released within {seconds:g} s",
             path=path, seconds=waited)


def connect(path: str | os.PathLike, *, read_only: bool = False, wait: float = DEFAULT_WAIT):
    """A DuckDB connection to the store, waiting up to `wait` seconds while another process holds it
    (a reader also waits while a writer has announced itself)."""
    import duckdb

    path = str(path)
    if read_only and not os.path.exists(path):
        raise StoreError(_("{path}: no such store (run `gongkai ingest` first)", path=path))
    if not read_only:
        parent = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(parent):
            raise StoreError(_("{path}: the folder {folder} does not exist", path=path, folder=parent))
    started = time.monotonic()
    deadline = started + wait
    waited = False
    while True:
        if read_only and writer_waiting(path) is not None and time.monotonic() < deadline:
            announce_reader(path)
            waited = True
            time.sleep(_POLL)
            continue
        try:
            con = duckdb.connect(path, read_only=read_only)
            break
        except duckdb.IOException as e:
            msg = str(e)
            if "lock" not in msg.lower():
                raise StoreError(_("{path}: cannot be opened ({reason})", path=path,
                                   reason=msg.splitlines()[0])) from None
            if time.monotonic() >= deadline:
                if waited:
                    _reader_done(path)
                raise StoreBusy(_busy_message(path, msg, wait)) from None
            if read_only:
                announce_reader(path)
                waited = True
            time.sleep(_POLL * 2)
        except duckdb.Error as e:
            raise StoreError(_("{path}: not a gongkai store ({reason})", path=path,
                               reason=str(e).splitlines()[0])) from None
    if waited:
        _reader_done(path)
    # The owner's memory is bounded, not constant: DuckDB keeps the store's blocks it has touched in
    # its buffer pool (growing with the store, up to memory_limit), and committed rows wait in memory
    # until a checkpoint, done every 4 MB of WAL rather than 16 MB so the peaks stay low.
    con.execute("SET memory_limit = '512MB'")
    if not read_only:
        con.execute("SET checkpoint_threshold = '16MB'")
        # the parsing workers have the cores; one DuckDB thread inserts a batch with less overhead
        con.execute("SET threads = 1")
    con.execute("SET enable_progress_bar = false")  # DuckDB would draw on stdout, which is the user's
    con.execute("SET preserve_insertion_order = false")
    return con


def store_error(path: str, e: BaseException) -> StoreError:
    """A DuckDB failure while using the store, as one line (a full disk, a damaged file)."""
    first = (str(e).strip().splitlines() or [type(e).__name__])[0]
    if "No space left" in first or "disk is full" in first.lower() or "File too large" in first:
        return StoreError(_("{path}: the disk is full; everything committed before is kept, free some space and "
                            "run the same command again to resume ({reason})", path=path, reason=first))
    return StoreError(_("{path}: the store could not be written ({reason})", path=path, reason=first))


# cursors a read-only store keeps for its next readers (a server's threads read side by side)
_IDLE_CURSORS = 16


class Store:
    """A gongkai store. `Store(path)` opens (and creates) it for writing; `read_only=True` for queries.

    A writer may `release()` the file between batches and get it back (`acquire()`, or implicitly in
    `write`); `with store.holding():` holds it for a block."""

    def __init__(self, path: str | os.PathLike = DEFAULT_PATH, *, read_only: bool = False,
                 wait: float = DEFAULT_WAIT):
        self.path = str(path)
        self.cells_folder = shards.folder(self.path, "cells")
        self.sections_folder = shards.folder(self.path, "sections")
        self.read_only = read_only
        self.wait = wait
        self.con = None
        self._local_views: Optional[str] = None  # the cells' views a read-only connection made its own
        self._idle: list = []  # cursors lent and given back (`lent_cursor`), for the next reader
        self._idle_lock = threading.Lock()
        self._exclusive = None  # the flock'd file object of an exclusive writer (ingest, remove)
        self.acquire()
        if not read_only:
            self._init_schema()
        else:
            try:
                self._check_version()
                for folder in (self.cells_folder, self.sections_folder):
                    if not os.path.isdir(folder):  # copied or moved without it
                        raise StoreError(_("{path}: the folder {folder} is missing: a store is its file and the "
                                           "folders beside it (copy or move them together)", path=self.path,
                                           folder=folder))
            except BaseException:
                self.close()
                raise

    # -- lifecycle --------------------------------------------------------------------------------
    def acquire(self) -> None:
        if self.con is not None:
            return
        if not self.read_only:
            parent = os.path.dirname(os.path.abspath(self.path))
            if not os.path.isdir(parent):
                raise StoreError(_("{path}: the folder {folder} does not exist", path=self.path, folder=parent))
            try:
                Path(writer_file(self.path)).write_text(f"{os.getpid()}\n")
            except OSError as e:
                raise StoreError(_("{path}: cannot be opened ({reason})", path=self.path,
                                   reason=e.strerror or str(e))) from None
        try:
            self.con = connect(self.path, read_only=self.read_only, wait=self.wait)
        except BaseException:
            self._drop_writer_file()
            raise
        self._local_views = None
        if self.read_only:
            # the cells' views name their folder as it was when the store was last written: a
            # store copied or moved with its folder gets views of its own, for this connection
            views = shards.views_sql(self.path, temporary=True)
            try:
                if not shards.views_current(self.con, self.path):
                    self.con.execute(views)
                    self._local_views = views
            except Exception:
                pass  # no gongkai store of this schema: _check_version says so

    def cursor(self):
        """Another connection to the open store, for reading side by side (with the cells' views
        of a moved store: they are the connection's own)."""
        cursor = self.con.cursor()
        if self._local_views:
            cursor.execute(self._local_views)
        return cursor

    @contextmanager
    def lent_cursor(self) -> Iterator[Any]:
        """A cursor (see `cursor`) for one block of reading, kept for the next block afterwards: a
        moved store's cursor makes the cells' views of its own, which costs as much as globbing
        the folders (60 ms with 3,300 files in each), so a server makes them once per cursor, not
        per request. A block that fails closes its cursor (what it left set is unknown)."""
        with self._idle_lock:
            cursor = self._idle.pop() if self._idle else None
        if cursor is None:
            cursor = self.cursor()
        try:
            yield cursor
        except BaseException:
            cursor.close()
            raise
        with self._idle_lock:
            if self.con is not None and len(self._idle) < _IDLE_CURSORS:
                self._idle.append(cursor)
                return
        cursor.close()

    def release(self) -> None:
        """Close the file so readers can open it (a writer checkpoints first)."""
        if self.con is None:
            return
        with self._idle_lock:  # (they hold the file open too)
            for cursor in self._idle:
                cursor.close()
            self._idle.clear()
        try:
            self.con.close()  # a writer's checkpoint happens here: it can meet a full disk
        except Exception as e:
            if _is_duckdb_error(e) and not self.read_only:
                raise store_error(self.path, e) from None
            raise
        finally:
            self.con = None
            self._drop_writer_file()

    def _drop_writer_file(self) -> None:
        if self.read_only:
            return
        try:
            if writer_waiting(self.path) is None:  # ours (or stale), not another writer's
                os.unlink(writer_file(self.path))
        except OSError:
            pass

    def yield_to_readers(self) -> None:
        """A writer between two batches: let go of the store if a reader waits for it."""
        if self.con is not None and not self.read_only and reader_waiting(self.path) is not None:
            self.release()

    @contextmanager
    def holding(self) -> Iterator["Store"]:
        held = self.con is not None
        self.acquire()
        try:
            yield self
        finally:
            if not held:
                self.release()

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """Hold the store for one transaction: committed whole, or rolled back with a DuckDB failure
        (a full disk) turned into one StoreError line."""
        with self.holding():
            con = self.con
            try:
                con.execute("BEGIN")
                yield con
                con.execute("COMMIT")
            except BaseException as e:
                try:
                    con.execute("ROLLBACK")
                except Exception:
                    pass
                if isinstance(e, Exception) and _is_duckdb_error(e):
                    try:  # the connection may be invalidated (a failed checkpoint): let it go
                        self.release()
                    except Exception:
                        self.con = None
                    raise store_error(self.path, e) from None
                raise

    def exclusive(self) -> "Store":
        """Keep other writers (another ingest, remove, compact) out until close: they fail at once."""
        import fcntl

        if self._exclusive is None:
            f = open(self.path, "rb")
            try:
                fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                f.close()
                raise StoreBusy(_("{path}: another ingest, removal or compaction is writing this store; wait "
                                  "for it to end", path=self.path)) from None
            self._exclusive = f
        return self

    def close(self) -> None:
        self.release()
        if self._exclusive is not None:
            self._exclusive.close()
            self._exclusive = None

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _check_version(self) -> None:
        try:
            row = self.con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except Exception:
            raise StoreError(_("{path}: not a gongkai store (no meta table)", path=self.path)) from None
        if row is not None and row[0] in MIGRATIONS and not self.read_only:
            return  # _init_schema upgrades it
        if row is not None and row[0] in MIGRATIONS:
            raise StoreError(_("{path}: store schema {found} is older than this gongkai's {supported}; run `gongkai "
                               "ingest` into it once (the same inputs again: nothing is read twice) to upgrade it "
                               "in place", path=self.path, found=row[0], supported=schema.SCHEMA_VERSION))
        if row is None or row[0] != schema.SCHEMA_VERSION:
            raise StoreError(_("{path}: store schema {found} is not the supported {supported}; re-ingest into a "
                               "new store", path=self.path, found=row[0] if row else "?",
                               supported=schema.SCHEMA_VERSION))

    def _init_schema(self) -> None:
        con = self.con
        exists = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'").fetchone()[0]
        found = None
        if exists:
            self._check_version()
            found = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
        shards.ensure_folders(con, self.path)
        con.execute("BEGIN")
        if found in MIGRATIONS:
            MIGRATIONS[found](self)
        con.execute(schema.DDL)
        con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [schema.SCHEMA_VERSION])
        con.execute("DELETE FROM labels")
        rows = [(lb.path, lb.table_key, lb.row_key, lb.field_key, lb.table_label, lb.row_label, lb.field_label,
                 lb.header, lb.order, lb.money, lb.templates, lb.common_path) for lb in labels()]
        self._insert_lists("labels", dict(zip(schema.LABELS.names, map(list, zip(*rows)))))
        if not shards.views_current(con, self.path):  # (a new, upgraded or moved store: binding them globs)
            con.execute(shards.views_sql(self.path))
        con.execute(schema.VIEWS)
        con.execute("COMMIT")

    # -- memo -----------------------------------------------------------------------------------
    def memo(self) -> Memo:
        m = Memo()
        with self.holding():
            for path, size, mtime, sha, status in self.con.execute(
                    "SELECT path, size, mtime_ns, sha256, status FROM files").fetchall():
                m.files[path] = (size, mtime, sha, status)
            for sha, version, checked, key, year, keep, source in self.con.execute(
                    "SELECT report_id, parser_version, checked, agency_key, year, keep_both, source_path "
                    "FROM reports").fetchall():
                m.reports[sha] = (version, checked)
                m.sources[sha] = source
                if keep:
                    m.keep_both.add(sha)
                if _links(key, year):
                    m.bodies.setdefault((key, year), []).append(sha)
            for sha, version, checked, source in self.con.execute(
                    "SELECT report_id, parser_version, checked, source_path FROM reports_history").fetchall():
                m.history[sha] = (version, checked)
                m.sources.setdefault(sha, source)
            for path, sha, version, kind in self.con.execute(
                    "SELECT path, sha256, parser_version, kind FROM failures").fetchall():
                m.failures[path] = (sha, version, kind)
        return m

    # -- writing --------------------------------------------------------------------------------
    def write(self, batch: list[Prepared], memo: Optional[Memo] = None, *, keep_both: bool = False) -> Written:
        """Write prepared inputs in one transaction. A report already stored with the same parser
        version (and checks at least as complete) is not rewritten, unless `memo.force` and not yet
        in this run. A new report of a body and year that has a current report supersedes it (the
        old one moves to history), unless `keep_both`."""
        out = Written()
        if not batch:
            return out
        memo = memo if memo is not None else self.memo()
        now = _dt.datetime.now()
        reports: dict[str, Prepared] = {}
        for p in batch:
            if not p.ok:
                continue
            known = memo.reports.get(p.sha256) or memo.history.get(p.sha256)
            fresh = (known is not None and known[0] == p.parser_version and (known[1] or not p.checked)
                     and (not memo.force or p.sha256 in memo.written))
            if p.sha256 in reports or fresh:
                first = reports[p.sha256].path if p.sha256 in reports else memo.sources.get(p.sha256)
                if first != p.path:
                    out.duplicates.append((p.path, first))
            else:
                reports[p.sha256] = p
        current = [sha for sha in reports if sha in memo.reports]
        history = [sha for sha in reports if sha in memo.history]
        new = [sha for sha in reports if sha not in memo.reports and sha not in memo.history]
        # what the new reports supersede: every current, not kept-both version of their body and year
        bodies = {k: list(v) for k, v in memo.bodies.items()}
        moves: list[tuple[str, str]] = []  # (old, new)
        for sha in new:
            rep = reports[sha].report
            key = (rep["agency_key"], rep["year"])
            if not _links(*key):
                continue
            olds = bodies.get(key, [])
            if not keep_both:
                for old in olds:
                    if old not in memo.keep_both:
                        moves.append((old, sha))
                olds = [o for o in olds if o in memo.keep_both]
            bodies[key] = olds + [sha]
        paths: dict[str, Prepared] = {}
        for p in batch:
            paths[p.path] = p  # the last word on a path within one batch wins
        self._write_shards(batch)
        self.acquire()  # kept after the commit, until a reader asks (yield_to_readers) or close
        with self.transaction():
            self._write_reports(batch, reports, current, history, memo, keep_both, now)
            if moves:
                self._supersede(moves, now)
            self._write_files(paths, memo, now)
        memo.written.update(reports)
        for sha, p in reports.items():
            if sha in memo.history:
                memo.history[sha] = (p.parser_version, p.checked)
            else:
                memo.reports[sha] = (p.parser_version, p.checked)
            memo.sources.setdefault(sha, p.path)
            if keep_both and sha in new:
                memo.keep_both.add(sha)
        for old, sha in moves:
            memo.history[old] = memo.reports.pop(old)
            out.superseded.append((old, memo.sources.get(old), sha, reports[sha].path))
        memo.bodies = bodies
        for p in paths.values():
            memo.files[p.path] = (p.size, p.mtime_ns, p.sha256, "report" if p.ok else "failed")
            if p.ok:
                memo.failures.pop(p.path, None)
            else:
                memo.failures[p.path] = (p.sha256, p.parser_version, p.kind)
        out.new = len(new)
        out.rewritten = len(current) + len(history)
        return out

    def _write_shards(self, batch: list[Prepared]) -> None:
        """Write the cells and sections the workers could not (they carry them when they cannot
        reach the store's folders: a cluster without a shared file system, a full disk) to their
        chunk's files."""
        for c in batch:
            for table in shards.TABLES:
                if c.covers and table in c.batches:
                    try:
                        shards.write(shards.folder(self.path, table), shards.file_name(c.chunk),
                                     table_of(table, [(c.batches[table], None)]))
                    except OSError as e:
                        raise store_error(self.path, e) from None
                    del c.batches[table]

    def collect_garbage(self) -> int:
        """Delete the cells and sections files no report names (see shards.collect_garbage); the
        store's one writer, with no worker running."""
        with self.holding():
            return shards.collect_garbage(self.con, self.path)

    def _write_reports(self, batch: list[Prepared], reports: dict[str, Prepared], current: list[str],
                       history: list[str], memo: Memo, keep_both: bool, now) -> None:
        con = self.con
        if not reports:
            return
        if current:
            for table in ("findings", "narratives", "narrative_bands", "reports"):
                con.execute(f"DELETE FROM {table} WHERE report_id IN (SELECT unnest(?::VARCHAR[]))", [current])
        kept: dict[str, tuple] = {}
        if history:
            # a superseded version read again (a parser upgrade) stays history, with its successor
            for sha, by, at in con.execute(
                    "SELECT report_id, superseded_by, superseded_at FROM reports_history "
                    "WHERE report_id IN (SELECT unnest(?::VARCHAR[]))", [history]).fetchall():
                kept[sha] = (by, at)
            for t in schema.REPORT_TABLES:
                if not t.view:
                    con.execute(f"DELETE FROM {t.name}_history WHERE report_id IN (SELECT unnest(?::VARCHAR[]))",
                                [history])
        # the rows to store come from the chunks' carriers (prepare.pack): of each report, its
        # chosen input's chunk's; a carrier's rows are filtered only when some of them are not stored
        # (a duplicate, a report already stored) or go to history
        groups: dict[str, list[tuple[Prepared, Optional[list[str]]]]] = {"": [], "_history": []}
        for c in batch:
            if not c.covers:
                continue
            mine = [sha for sha in c.covers if sha in reports and reports[sha].chunk == c.chunk]
            for suffix, wanted in (("", [sha for sha in mine if sha not in kept]),
                                   ("_history", [sha for sha in mine if sha in kept])):
                if wanted:
                    groups[suffix].append((c, None if len(wanted) == len(c.covers) else wanted))
        flagged = [sha for sha in reports if keep_both and sha not in memo.reports or sha in memo.keep_both]
        for suffix, group in groups.items():
            if not group:
                continue
            for table in ("reports", "findings", "narratives", "narrative_bands"):
                if suffix and table.startswith("narrative"):
                    continue
                parts = [(c.batches[table], wanted) for c, wanted in group if table in c.batches]
                if not parts:
                    continue
                data = table_of(table, parts)
                if table != "reports":
                    self._insert_arrow(table + suffix, data)
                    continue
                # the columns the owner sets, joined in by report id
                cols = ", ".join(f"b.{c}" for c in data.column_names)
                extra, params = "keep_both, ingested_at", [flagged, now]
                select = f"{cols}, list_contains(?::VARCHAR[], b.report_id), ?::TIMESTAMP"
                join = ""
                if suffix:
                    extra += ", superseded_by, superseded_at"
                    select += ", k.by, k.at"
                    join = (" JOIN (SELECT unnest(?::VARCHAR[]) AS rid, unnest(?::VARCHAR[]) AS by, "
                            "unnest(?::TIMESTAMP[]) AS at) k ON k.rid = b.report_id")
                    params += [list(kept), [v[0] for v in kept.values()], [v[1] for v in kept.values()]]
                self.con.register("_batch", data)
                try:
                    self.con.execute(f"INSERT INTO reports{suffix} ({', '.join(data.column_names)}, {extra}) "
                                     f"SELECT {select} FROM _batch b{join}", params)
                finally:
                    self.con.unregister("_batch")

    def _supersede(self, moves: list[tuple[str, str]], now) -> None:
        """Move the old versions, whole, to the history tables (in this transaction)."""
        con = self.con
        olds = [o for o, _ in moves]
        con.execute("INSERT INTO reports_history SELECT r.*, m.new, ? FROM reports r "
                    "JOIN (SELECT unnest(?::VARCHAR[]) AS old, unnest(?::VARCHAR[]) AS new) m ON r.report_id = m.old",
                    [now, olds, [n for _, n in moves]])
        # the cells and sections go with reports.cells_file
        con.execute("INSERT INTO findings_history SELECT * FROM findings "
                    "WHERE report_id IN (SELECT unnest(?::VARCHAR[])) AND scope = 'report'", [olds])
        # the narrative signature stays (GK903 compares current reports only: it joins `reports`), so
        # a version brought back by `gongkai remove` is compared again
        for t in ("findings", "reports"):
            con.execute(f"DELETE FROM {t} WHERE report_id IN (SELECT unnest(?::VARCHAR[]))", [olds])

    def _write_files(self, paths: dict[str, Prepared], memo: Memo, now) -> None:
        con = self.con
        ps = list(paths.values())
        known = [p.path for p in ps if p.path in memo.files or p.path in memo.failures]
        if known:
            con.execute("DELETE FROM files WHERE path IN (SELECT unnest(?::VARCHAR[]))", [known])
        self._insert_lists("files", {
            "path": [p.path for p in ps], "sha256": [p.sha256 for p in ps], "size": [p.size for p in ps],
            "mtime_ns": [p.mtime_ns for p in ps], "status": ["report" if p.ok else "failed" for p in ps],
            "reason": [None] * len(ps), "seen_at": [now] * len(ps)})
        ok_paths = [p.path for p in ps if p.ok and p.path in memo.failures]
        failed_known = [p.path for p in ps if not p.ok and p.path in memo.failures]
        gone = ok_paths + failed_known
        if gone:
            con.execute("DELETE FROM failures WHERE path IN (SELECT unnest(?::VARCHAR[]))", [gone])
        bad = [p for p in ps if not p.ok]
        if bad:
            self._insert_lists("failures", {
                "path": [p.path for p in bad], "sha256": [p.sha256 for p in bad], "reason": [p.reason for p in bad],
                "kind": [p.kind for p in bad], "parser_version": [p.parser_version for p in bad],
                "failed_at": [now] * len(bad)})

    def record_skipped(self, skipped: list[tuple[str, str]]) -> None:
        """Account for inputs that were not read (not a report format, not a regular file, excluded)."""
        if not skipped:
            return
        now = _dt.datetime.now()
        n = len(skipped)
        with self.transaction() as con:
            con.execute("DELETE FROM files WHERE path IN (SELECT unnest(?::VARCHAR[])) AND status = 'skipped'",
                        [[p for p, _ in skipped]])
            self._insert_lists("files", {
                "path": [p for p, _ in skipped], "sha256": [None] * n, "size": [None] * n, "mtime_ns": [None] * n,
                "status": ["skipped"] * n, "reason": [r for _, r in skipped], "seen_at": [now] * n}, or_ignore=True)

    def _insert_lists(self, table: str, columns: dict[str, list], *, or_ignore: bool = False) -> None:
        """Bulk insert of rows given column by column as Python lists, which DuckDB reads as list
        parameters: a Python-to-Arrow conversion would import pandas into the owner (pyarrow does
        on its first), some 0.2 s of CPU and 50 MB for nothing."""
        types = {c.name: c.type for c in schema.BY_NAME[table].columns}
        verb = "INSERT OR IGNORE INTO" if or_ignore else "INSERT INTO"
        select = ", ".join(f"unnest(?::{types[c]}[])" for c in columns)
        self.con.execute(f"{verb} {table} ({', '.join(columns)}) SELECT {select}", list(columns.values()))

    def _insert_arrow(self, table: str, data, *, or_ignore: bool = False) -> None:
        """Bulk insert of an Arrow table whose columns are named as the table's."""
        cols = ", ".join(data.column_names)
        verb = "INSERT OR IGNORE INTO" if or_ignore else "INSERT INTO"
        self.con.register("_batch", data)
        try:
            self.con.execute(f"{verb} {table} ({cols}) SELECT {cols} FROM _batch")
        finally:
            self.con.unregister("_batch")

    def replace_cross_findings(self, rows: list[tuple]) -> None:
        """Swap the cross-report findings for a fresh set and recount every report's findings,
        atomically."""
        import pyarrow as pa

        from .prepare import to_batch

        with self.transaction() as con:
            con.execute("DELETE FROM findings WHERE scope = 'cross'")
            if rows:
                self._insert_arrow("findings", pa.Table.from_batches([to_batch("findings", rows)]))
            self._recount()

    def recount(self) -> None:
        with self.transaction():
            self._recount()

    def _recount(self) -> None:
        """n_errors / n_warnings / n_infos count every finding on the report, its own and the
        cross-report ones: the same findings the web page lists."""
        self.con.execute("""
            UPDATE reports SET n_errors = coalesce(f.e, 0), n_warnings = coalesce(f.w, 0), n_infos = coalesce(f.i, 0)
            FROM (SELECT r.report_id AS rid, count_if(x.severity = 'error') AS e, count_if(x.severity = 'warning') AS w,
                         count_if(x.severity = 'info') AS i
                  FROM reports r LEFT JOIN findings x USING (report_id) GROUP BY r.report_id) f
            WHERE reports.report_id = f.rid
              AND (reports.n_errors IS DISTINCT FROM coalesce(f.e, 0) OR reports.n_warnings IS DISTINCT FROM coalesce(f.w, 0)
                   OR reports.n_infos IS DISTINCT FROM coalesce(f.i, 0))""")

    # -- versions -------------------------------------------------------------------------------
    def remove(self, report_ids: list[str], reason: str) -> list[tuple[str, Optional[str]]]:
        """Remove reports (current or superseded) whole. A removed current report's latest earlier
        version, if any, becomes current again. Its input files stay listed as `removed`, so the
        next ingest of the same folder does not bring them back (unless they change, or --force).
        Returns (removed id, the id restored in its place or None)."""
        out = []
        now = _dt.datetime.now()
        with self.transaction() as con:
            for rid in report_ids:
                restored = None
                self._strip_files(rid)
                is_current = con.execute("SELECT count(*) FROM reports WHERE report_id = ?", [rid]).fetchone()[0]
                if is_current:
                    row = con.execute("SELECT report_id FROM reports_history WHERE superseded_by = ? "
                                      "ORDER BY superseded_at DESC, ingested_at DESC LIMIT 1", [rid]).fetchone()
                    restored = row[0] if row else None
                for t in ("findings", "narratives", "narrative_bands", "reports"):
                    con.execute(f"DELETE FROM {t} WHERE report_id = ?", [rid])
                con.execute("DELETE FROM findings WHERE other_report_id = ? AND scope = 'cross'", [rid])
                for t in schema.REPORT_TABLES:
                    if not t.view:
                        con.execute(f"DELETE FROM {t.name}_history WHERE report_id = ?", [rid])
                if restored:
                    cols = ", ".join(schema.REPORTS.names)
                    con.execute(f"INSERT INTO reports ({cols}) SELECT {cols} FROM reports_history "
                                "WHERE report_id = ?", [restored])
                    # its cells and sections come with its cells_file
                    con.execute("INSERT INTO findings SELECT * FROM findings_history WHERE report_id = ?", [restored])
                    con.execute("DELETE FROM findings_history WHERE report_id = ?", [restored])
                    con.execute("DELETE FROM reports_history WHERE report_id = ?", [restored])
                    # versions superseded by the removed one now point at the restored one
                    con.execute("UPDATE reports_history SET superseded_by = ? WHERE superseded_by = ?",
                                [restored, rid])
                else:
                    con.execute("UPDATE reports_history SET superseded_by = NULL WHERE superseded_by = ?", [rid])
                con.execute("UPDATE files SET status = 'removed', reason = ?, seen_at = ? WHERE sha256 = ? "
                            "AND status = 'report'", [reason, now, rid])
                out.append((rid, restored))
        return out

    def compact(self, reports_per_file: Optional[int] = None):
        """Merge the small cells and sections files into a few large ones (see compact.py); keeps other
        writers out until close. Returns a compact.Compaction."""
        from . import compact

        return compact.compact(self, reports_per_file or compact.DEFAULT_REPORTS_PER_FILE)

    def _strip_files(self, report_id: str) -> None:
        """A removed report's cells and sections out of its files (in this transaction): they are
        written again without them, under a new name its other reports then name; the old ones are
        deleted with the garbage (collect_garbage). Removing takes the text and the numbers off the
        disk, not only out of view."""
        import uuid

        con = self.con
        for (name,) in con.execute("SELECT cells_file FROM reports WHERE report_id = ? AND cells_file IS NOT NULL "
                                   "UNION SELECT cells_file FROM reports_history WHERE report_id = ? "
                                   "AND cells_file IS NOT NULL", [report_id, report_id]).fetchall():
            new = shards.file_name(uuid.uuid4().hex)
            for table in shards.TABLES:
                old = os.path.join(shards.folder(self.path, table), name)
                target = os.path.join(shards.folder(self.path, table), new)
                con.execute("COPY (SELECT * FROM read_parquet(?) WHERE report_id <> ?) TO "
                            + shards.quoted(target + shards.TEMP) + " (FORMAT parquet, COMPRESSION zstd)",
                            [old, report_id])
                os.replace(target + shards.TEMP, target)
            for table in ("reports", "reports_history"):
                con.execute(f"UPDATE {table} SET cells_file = ? WHERE cells_file = ? AND report_id <> ?",
                            [new, name, report_id])

    # -- reading --------------------------------------------------------------------------------
    def query(self, sql: str, params: Optional[list] = None) -> list[tuple]:
        with self.holding():
            return self.con.execute(sql, params or []).fetchall()

    def cells(self, report_ids: list[str], columns: str = "*", where: str = "TRUE",
              params: Optional[list] = None) -> list[tuple]:
        """Columns of the cells of some current reports, read from their files alone (not the
        whole `cells` view, which scans every file): `SELECT columns FROM ... WHERE where`."""
        with self.holding():
            return shards.read(self.con, self.cells_folder, shards.files_of(self.con, report_ids), columns, where,
                               params)

    def record(self, report_id: str, *, spans: Optional[dict[str, tuple[int, int]]] = None) -> Record:
        """The stored report as a `Record` (with the record's own findings, not the cross-report ones).
        Findings stored with their message data are rebuilt as Messages, so `Finding.localized`
        shows them in either language.

        `spans`: for findings, the rowid range holding all of this report's
        rows, when the caller knows it (the web server indexes a read-only store once): it spares
        scanning the whole table."""
        with self.holding():
            return _record(self.con, report_id, spans, self.path)


def _migrate_from_2(store: "Store") -> None:
    """Schema 2 kept the cells and sections in tables of the DuckDB file: move them, as they are,
    to one Parquet file each (current and superseded) in their folders, named by the reports."""
    import uuid

    con = store.con
    con.execute("ALTER TABLE reports ADD COLUMN cells_file VARCHAR")
    # reports_history is reports' columns, then its own two: rebuilt with cells_file in its place
    old = [c for c in schema.REPORTS.names if c != "cells_file"]
    con.execute(f"CREATE TABLE _reports_history AS SELECT {', '.join(old)}, NULL::VARCHAR AS cells_file, "
                "superseded_by, superseded_at FROM reports_history")
    con.execute("DROP TABLE reports_history")
    con.execute("ALTER TABLE _reports_history RENAME TO reports_history")
    for view in ("cells_labeled", "cell_status", "common_cells"):
        con.execute(f"DROP VIEW IF EXISTS {view}")
    for reports, suffix in (("reports", ""), ("reports_history", "_history")):
        name = shards.file_name(f"schema2{suffix}-{uuid.uuid4().hex}")
        for table, order in shards.ORDER.items():
            target = shards.quoted(os.path.join(shards.folder(store.path, table), name))
            # sorted by report: a report's rows are found by the file's row-group statistics
            con.execute(f"COPY (SELECT * FROM {table}{suffix} ORDER BY report_id, {order}) TO {target} "
                        "(FORMAT parquet, COMPRESSION zstd)")
            con.execute(f"DROP TABLE {table}{suffix}")
        con.execute(f"UPDATE {reports} SET cells_file = ?", [name])


# older schemas this version upgrades in place when it opens them for writing
MIGRATIONS = {"2": _migrate_from_2}

_REPORT_SQL = ("SELECT report_id, source_path, media_type, agency, year, template, parser, title, preamble, "
               "strftime(published, '%Y-%m-%d'), cells_file FROM reports")
_CELLS_COLUMNS = ("report_id, path, table_key, row_key, field_key, value, raw, location, line, page, dom_path, bbox, "
                  "confidence, char, label, extra")
_FINDINGS_SQL = ("SELECT report_id, rule, severity, origin, message, where_path, evidence, message_data, evidence_data "
                 "FROM findings")
# what a Record is rebuilt from, of the tables in Parquet files
_SHARD_COLUMNS = {"cells": _CELLS_COLUMNS, "sections": "report_id, number, title, text"}


def _shard_rows(con, table: str, pairs: list[tuple[str, Optional[str]]], store_path: Optional[str]) -> list[tuple]:
    """A Record's cells (sections) of (report id, file) pairs, from those files alone, by report and order."""
    return shards.read(con, shards.folder(store_path or shards.store_of(con), table), pairs,
                       "c." + _SHARD_COLUMNS[table].replace(", ", ", c."),
                       order=f"c.report_id, c.{shards.ORDER[table]}")


def _record(con, report_id: str, spans: Optional[dict[str, tuple[int, int]]] = None,
            store_path: Optional[str] = None) -> Record:
    def rows_of(table: str) -> tuple[str, list]:
        span = (spans or {}).get(table)
        if span is None:
            return "report_id = ?", [report_id]
        return "rowid BETWEEN ? AND ? AND report_id = ?", [span[0], span[1], report_id]

    row = con.execute(_REPORT_SQL + " WHERE report_id = ?", [report_id]).fetchone()
    if row is None:
        raise KeyError(report_id)
    cells = _shard_rows(con, "cells", [(report_id, row[-1])], store_path)
    where, params = rows_of("findings")
    findings = con.execute(f"{_FINDINGS_SQL} WHERE {where} AND scope = 'report' ORDER BY seq", params).fetchall()
    sections = _shard_rows(con, "sections", [(report_id, row[-1])], store_path)
    return _build_record(row, cells, findings, sections)


def records(con, report_ids: list[str]) -> Iterator[Record]:
    """Stored reports as `Record`s (as `Store.record` gives them), read with one query per table for
    all of them: a whole store's reports without a scan of its cells per report."""
    if not report_ids:
        return
    ids = list(report_ids)
    con.register("_wanted", __import__("pyarrow").table({"report_id": ids}))
    try:
        def grouped(sql: str, order: str) -> dict[str, list]:
            out: dict[str, list] = {}
            for r in con.execute(f"{sql} WHERE report_id IN (SELECT report_id FROM _wanted) "
                                 f"ORDER BY report_id, {order}").fetchall():
                out.setdefault(r[0], []).append(r)
            return out

        reports = {r[0]: r for r in con.execute(_REPORT_SQL + " WHERE report_id IN (SELECT report_id FROM _wanted)")
                   .fetchall()}
        pairs = [(rid, rep[-1]) for rid, rep in reports.items()]
        cells: dict[str, list] = {}
        for r in _shard_rows(con, "cells", pairs, None):
            cells.setdefault(r[0], []).append(r)
        sections: dict[str, list] = {}
        for r in _shard_rows(con, "sections", pairs, None):
            sections.setdefault(r[0], []).append(r)
        findings = grouped(_FINDINGS_SQL.replace("FROM findings", "FROM (SELECT * FROM findings WHERE scope = 'report')"),
                           "seq")
    finally:
        con.unregister("_wanted")
    for rid in ids:
        if rid not in reports:
            raise KeyError(rid)
        yield _build_record(reports[rid], cells.get(rid, []), findings.get(rid, []), sections.get(rid, []))


def _build_record(row: tuple, cells: list, findings: list, sections: list) -> Record:
    """A Record from its rows in reports, cells, findings (scope report) and sections (each row
    starting with the report id)."""
    report_id, source_path, media_type, agency, year, template, parser, title, preamble, published, _cells = row
    tables: dict[str, dict[str, dict[str, Any]]] = {"active": {}, "requests": {}, "appeals": {}}
    provenance = {}
    for (_rid, path, table, row_key, fld, value, raw, location, line, page, dom_path, bbox, confidence, char, label,
         extra) in cells:
        if value is not None and float(value).is_integer():
            value = int(value)  # counts are stored as DOUBLE beside money; the record has ints
        tables[table].setdefault(row_key, {})[fld] = value
        if location is not None:
            fields = dict(raw=raw, at=location, line=line, page=page, dom_path=dom_path,
                          bbox=tuple(bbox) if bbox is not None else None, confidence=confidence, char=char,
                          label=label, **(json.loads(extra) if extra else {}))
            provenance[path] = CellSource(**{k: v for k, v in fields.items() if k in _CELL_SOURCE_FIELDS})
    found = [finding_of(r, s, o, m, w, e, md, ed) for _rid, r, s, o, m, w, e, md, ed in findings]
    parts = [Section(number=n, title=t, text=x) for _rid, n, t, x in sections]
    return Record(source=Source(path=source_path, sha256=report_id, media_type=media_type), agency=agency,
                  year=year, template=template, title=title, preamble=preamble, published=published,
                  findings=found, sections=parts, provenance=provenance,
                  parser=json.loads(parser) if parser else {}, **tables)


def message_of(text: Optional[str], data: Optional[str]) -> Any:
    """A stored message: the Message it was made from when its data was kept (and still renders),
    else its text."""
    if not data:
        return text
    try:
        message = Message.from_data(json.loads(data))
        message.render("en")
        message.render()
        return message
    except Exception:  # data from another version that no longer formats: the stored text
        return text


def text_of(text: Optional[str], data: Optional[str], lang: Optional[str] = None) -> Optional[str]:
    """A stored message rendered in `lang` (default: the current language)."""
    m = message_of(text, data)
    return m.render(lang) if isinstance(m, Message) else m


def finding_of(rule, severity, origin, message, where, evidence, message_data=None, evidence_data=None) -> Finding:
    if origin not in ("source", "extraction"):
        origin = "source"
    return Finding(rule=rule, severity=severity, origin=origin, message=message_of(message, message_data),
                   where=where, evidence=message_of(evidence, evidence_data))


def _links(key: Optional[str], year: Optional[int]) -> bool:
    """Whether a body and year can be matched with another report's (no ambiguous or missing key)."""
    return bool(key) and not key.startswith("?") and year is not None


def _is_duckdb_error(e: BaseException) -> bool:
    return type(e).__module__.startswith("duckdb") or type(e).__module__.startswith("_duckdb")


def default_path() -> str:
    return os.environ.get("GONGKAI_DB") or DEFAULT_PATH


def resolve(path: Optional[str]) -> Path:
    return Path(path or default_path())
