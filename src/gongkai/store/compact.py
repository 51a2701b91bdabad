"""Compacting a store: the cells and sections of many small Parquet files rewritten into a few large ones.

Every ingest chunk leaves a file of some 30 reports in each folder (shards.py), so a store of
100,000 reports has thousands, and every query over the whole `cells` view opens them all. The
compaction copies the rows the views show (each report version's rows from the file it names,
nothing else: a file may still hold the rows of reports since read again or removed) into files of
up to `reports_per_file` report versions, sorted by report and position, so a report's rows are
found by the row groups' statistics; then one transaction points the reports at their new files,
and the old ones become garbage (shards.collect_garbage).

Which files: those named by fewer than half the target's report versions (the large ones are left
as they are), and only when merging them makes fewer files. The rows of current reports and of
superseded versions go to separate files, each file holding a report id once: a superseded
version can have the id of a current report (the same bytes), and the views join a report to its
rows by id and file, so two versions' rows in one file would both be shown.

Crash safety: the new files are written by DuckDB under a temporary name, synced and renamed; until
the commit no report names them (a kill leaves the store as it was, and the next writer deletes
them), after it the old files are named by none. The store's file is held only to read what to
merge and to commit: readers (`gongkai serve`, `query`) go on reading the old files meanwhile.
Other writers (ingest, remove) are kept out for the whole run (Store.exclusive).
"""
from __future__ import annotations

import os
import shutil
import time
import uuid
from dataclasses import dataclass
from typing import Optional

from ..i18n import _
from . import shards

# report versions per file: a million cells, 20 files for a national year. A scan of every cell
# is as fast with 20 files as with 5, but one report's rows are read slower from a larger file
# (measured on 20,000 reports: its cells in 2.4 ms from a chunk's file of 30 reports, 4.1 ms from
# a file of 2,000, 4.3 ms of 5,000, 5.8 ms of 20,000)
DEFAULT_REPORTS_PER_FILE = 5_000
# rows per row group: some 600 reports' cells (200 rows each), 350 reports' sections (6 rows, but
# 20 KB of text). A report's page reads one group of each; its time goes to decoding that group and
# to the file's footer, which grows with the number of groups (on a file of 20,000 reports: cells
# in groups of 16,384 rows 13 ms, of 122,880 5 ms; sections in one group 36 ms, of 2,048 rows 3 ms)
ROW_GROUP_ROWS = {"cells": 122_880, "sections": 2_048}
# the ingest summary suggests compacting when a folder has more files than this
SUGGEST_FILES = 1_000


@dataclass
class Compaction:
    """What a compaction did: `merged` files (in each folder) rewritten as `written`, holding the
    rows of `versions` report versions; `kept` files left as they were."""

    merged: int = 0
    written: int = 0
    versions: int = 0
    kept: int = 0
    seconds: float = 0.0


@dataclass
class _Group:
    """The report versions (id, file) of one new file, current or superseded."""

    history: bool
    pairs: list[tuple[str, str]]
    name: str = ""


def plan(con, reports_per_file: int = DEFAULT_REPORTS_PER_FILE) -> tuple[list[_Group], int, int]:
    """The new files to write: (groups, files they merge, files kept). Empty when merging would not
    make fewer files."""
    rows = con.execute(
        "SELECT cells_file, report_id, false FROM reports WHERE cells_file IS NOT NULL UNION "
        "SELECT cells_file, report_id, true FROM reports_history WHERE cells_file IS NOT NULL "
        "ORDER BY 1, 3, 2").fetchall()
    by_file: dict[str, list[tuple[str, bool]]] = {}
    for name, rid, history in rows:
        by_file.setdefault(name, []).append((rid, history))
    small = {name: versions for name, versions in by_file.items() if len(versions) * 2 < reports_per_file}
    groups = []
    for history in (False, True):
        groups += _pack([[(rid, name) for rid, h in versions if h == history] for name, versions in small.items()],
                        reports_per_file, history)
    if len(groups) >= len(small):
        return [], 0, len(by_file)
    return groups, len(small), len(by_file) - len(small)


def _pack(files: list[list[tuple[str, str]]], size: int, history: bool) -> list[_Group]:
    """The (report id, file) pairs of some files in groups of at most `size`, a file's pairs kept
    together (a group reads only its own files), a report id at most once in a group (a repeated
    one goes to a group of its own)."""
    groups: list[_Group] = []
    pairs: list[tuple[str, str]] = []
    ids: set[str] = set()
    again: list[tuple[str, str]] = []
    for versions in files:
        if not versions:
            continue
        if pairs and len(pairs) + len(versions) > size:
            groups.append(_Group(history, pairs))
            pairs, ids = [], set()
        for rid, name in versions:
            if rid in ids:
                again.append((rid, name))
            else:
                pairs.append((rid, name))
                ids.add(rid)
    if pairs:
        groups.append(_Group(history, pairs))
    if again:
        groups += _pack([again], size, history)
    return groups


def compact(store, reports_per_file: int = DEFAULT_REPORTS_PER_FILE) -> Compaction:
    """Compact an open writable Store (see the module's docstring); call it through
    `Store.compact`."""
    from .writer import store_error

    started = time.monotonic()
    store.exclusive()
    with store.holding():
        shards.collect_garbage(store.con, store.path)  # what a killed compaction or ingest left
        groups, merged, kept = plan(store.con, reports_per_file)
    if not groups:
        return Compaction(kept=kept, seconds=time.monotonic() - started)
    store.release()  # readers read the old files while the new ones are written
    for group in groups:
        group.name = _name(group)
    try:
        _write(store.path, groups)
        store.acquire()  # (waits for the readers to let go)
        with store.transaction() as con:
            _repoint(con, groups)
    except BaseException as e:
        _discard(store.path, groups)
        if isinstance(e, OSError) or type(e).__module__.startswith(("duckdb", "_duckdb")):
            raise store_error(store.path, e) from None  # a full disk: one line
        raise
    shards.collect_garbage(store.con, store.path)  # no reader has the old mapping open: they waited
    return Compaction(merged=merged, written=len(groups), versions=sum(len(g.pairs) for g in groups), kept=kept,
                      seconds=time.monotonic() - started)


def _name(group: _Group) -> str:
    """`0-<a million less the file's report versions>-<kind>-<random>`: the largest files come first
    in the folder, before the ingest chunks' (hexadecimal names) and the empty file. DuckDB
    estimates the rows of a folder of Parquet files from its first file (times their number), and
    a low estimate makes it hash the cells rather than the reports when it joins them: the long
    export ran out of memory when the empty file came first."""
    kind = "history" if group.history else "current"
    return shards.file_name(f"0-{max(0, 999_999 - len(group.pairs)):06d}-{kind}-{uuid.uuid4().hex}")


def _write(store_path: str, groups: list[_Group]) -> None:
    """Each group's rows of each table to its new file, by DuckDB (streamed, spilling its sort to a
    folder of its own beside the store), on a connection of its own: the store's file stays free."""
    import duckdb

    spill = os.path.abspath(store_path) + ".compact.tmp"
    shutil.rmtree(spill, ignore_errors=True)  # a killed compaction's
    con = duckdb.connect()
    try:
        # the sort spills beyond it: a file of 20,000 reports took a peak of 410 MB (650 MB with
        # 512 MB), a few seconds more
        con.execute("SET memory_limit = '256MB'")
        con.execute("SET temp_directory = ?", [spill])
        con.execute("SET enable_progress_bar = false")
        for group in groups:
            for table in shards.TABLES:
                where = shards.folder(store_path, table)
                rows, params = shards.relation(where, group.pairs)  # (each version's rows from its file)
                target = os.path.join(where, group.name)
                temp = target + shards.TEMP
                con.execute(
                    f"COPY (SELECT * FROM {rows} c ORDER BY c.report_id, c.{shards.ORDER[table]}) "
                    f"TO {shards.quoted(temp)} "
                    f"(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {ROW_GROUP_ROWS[table]})", params)
                _sync(temp)  # the commit will name it: it must outlive a power cut
                os.replace(temp, target)
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)


def _sync(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _repoint(con, groups: list[_Group]) -> None:
    """The report versions name their new files (in the caller's transaction)."""
    for history in (False, True):
        moved = [(rid, old, g.name) for g in groups if g.history == history for rid, old in g.pairs]
        if not moved:
            continue
        table = "reports_history" if history else "reports"
        con.execute(f"UPDATE {table} SET cells_file = m.new FROM (SELECT unnest(?::VARCHAR[]) AS rid, "
                    "unnest(?::VARCHAR[]) AS old, unnest(?::VARCHAR[]) AS new) m "
                    f"WHERE {table}.report_id = m.rid AND {table}.cells_file = m.old",
                    [[m[0] for m in moved], [m[1] for m in moved], [m[2] for m in moved]])


def _discard(store_path: str, groups: list[_Group]) -> None:
    """A compaction that failed before its commit: its files (whole or not) go at once."""
    for group in groups:
        if not group.name:
            continue
        for table in shards.TABLES:
            target = os.path.join(shards.folder(store_path, table), group.name)
            for path in (target, target + shards.TEMP):
                try:
                    os.unlink(path)
                except OSError:
                    pass


def files_in(store_path: str) -> Optional[int]:
    """How many cells files the store's folder holds (None without one): a directory listing, no
    query."""
    try:
        return sum(1 for e in os.scandir(shards.folder(store_path, "cells"))
                   if e.name.endswith(shards.SUFFIX) and e.name != shards.EMPTY)
    except OSError:
        return None


def compact_store(db: str, reports_per_file: int = DEFAULT_REPORTS_PER_FILE, *, wait: Optional[float] = None
                  ) -> Compaction:
    """Compact the store at `db` (`gongkai compact`); waits up to `wait` seconds for its readers to let
    go at the commit."""
    from .writer import DEFAULT_WAIT, Store, StoreError

    if not os.path.isfile(db):
        raise StoreError(_("{path}: no such store (run `gongkai ingest` first)", path=db))
    with Store(db, wait=DEFAULT_WAIT if wait is None else wait) as store:
        return store.compact(reports_per_file)
