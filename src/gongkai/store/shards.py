"""The cells and sections of the store's reports: Parquet files beside the DuckDB file, written by
the workers.

A report has some 200 cells and a few sections holding its whole text; one process inserting
them into DuckDB spends as much CPU per report as a fifth of a worker reading it (docs/store.md).
So each worker writes the cells of the chunk of files it read to a Parquet file of its own in
`<store>.cells/` (named by the chunk), and their sections to the file of the same name in
`<store>.sections/`; the store's owner commits, with the chunk's reports, only that name
(`reports.cells_file`). The `cells`, `sections` and `*_history` views read the files the current
and superseded reports name, and only those reports' rows in them: a file written by a worker
whose chunk was never committed (a killed ingest), or the rows of a report since read again into
another file, are in no view, and the next ingest (remove, compact) deletes the files no report
names. `gongkai compact` rewrites the small files of many chunks into a few large ones (compact.py).

Every file is written under a temporary name and renamed when complete, so a file is either whole
or absent. A worker that cannot write (a full disk) sends the rows to the owner instead, which
writes them itself or stops with the disk's error.
"""
from __future__ import annotations

import os
from typing import Any, Iterable, Optional

SUFFIX = ".parquet"
# the tables whose rows are in Parquet files, each in a folder of its own beside the store
TABLES = ("cells", "sections")
# the column that orders a report's rows in each table
ORDER = {"cells": "ord", "sections": "seq"}
# a file with no rows and the table's columns: the views' pattern always matches a file
EMPTY = "_empty" + SUFFIX
TEMP = ".tmp"


def folder(store_path: str | os.PathLike, table: str = "cells") -> str:
    """The folder of a store's cells (sections): `<store>.cells` (`.sections`), an absolute path."""
    return os.path.abspath(str(store_path)) + "." + table


def store_of(con) -> str:
    """The path of the store a DuckDB connection has open."""
    return con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()[0]


def folder_of(con, table: str = "cells") -> str:
    """The cells (sections) folder of the store a DuckDB connection has open."""
    return folder(store_of(con), table)


def file_name(chunk: str) -> str:
    return chunk + SUFFIX


def write(folder: str, name: str, data: Any) -> None:
    """Write an Arrow table or record batch of cells to `folder/name`, whole or not at all."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if isinstance(data, pa.RecordBatch):
        data = pa.Table.from_batches([data])
    final = os.path.join(folder, name)
    temp = final + TEMP
    try:
        with open(temp, "wb") as f:
            pq.write_table(data, f, compression="zstd")
            f.flush()
            os.fsync(f.fileno())  # the store's commit will name it: it must outlive a power cut
        os.replace(temp, final)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise


def ensure_folders(con, store_path: str) -> None:
    """Create the folders and their empty files (the views need a file to read the columns from),
    the files written by DuckDB: the store's owner never imports pyarrow's Parquet writer (0.2 s)."""
    from .schema import BY_NAME

    for table in TABLES:
        where = folder(store_path, table)
        os.makedirs(where, exist_ok=True)
        final = os.path.join(where, EMPTY)
        if os.path.exists(final):
            continue
        columns = ", ".join(f"NULL::{c.type} AS {c.name}" for c in BY_NAME[table].columns)
        con.execute(f"COPY (SELECT {columns} WHERE false) TO {quoted(final + TEMP)} (FORMAT parquet)")
        os.replace(final + TEMP, final)


def quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def views_sql(store_path: str, *, temporary: bool = False) -> str:
    """`cells`, `sections` and their `_history`: the rows of the files the current and superseded
    reports name."""
    kind = "TEMP VIEW" if temporary else "VIEW"
    out = []
    for table in TABLES:
        where = folder(store_path, table)
        pattern = quoted(os.path.join(where, "*" + SUFFIX))
        prefix = quoted(where + os.sep)
        for view, reports in ((table, "reports"), (table + "_history", "reports_history")):
            out.append(f"CREATE OR REPLACE {kind} {view} AS "
                       f"SELECT c.* EXCLUDE (filename) FROM read_parquet({pattern}, filename = true) c "
                       f"JOIN {reports} r ON r.report_id = c.report_id AND c.filename = {prefix} || r.cells_file;")
    return "\n".join(out)


def views_current(con, store_path: str) -> bool:
    """Whether the store's own views read its folders where they are (false once it has moved, or
    before they are made)."""
    views = dict(con.execute("SELECT view_name, sql FROM duckdb_views() WHERE NOT temporary AND view_name IN "
                             "(SELECT unnest(?::VARCHAR[]))", [list(TABLES)]).fetchall())
    return all(quoted(os.path.join(folder(store_path, t), "*" + SUFFIX)) in views.get(t, "") for t in TABLES)


def files_of(con, report_ids: Iterable[str]) -> list[tuple[str, Optional[str]]]:
    """(report id, its file) of some current reports, for `read`."""
    return con.execute("SELECT report_id, cells_file FROM reports WHERE report_id IN (SELECT unnest(?::VARCHAR[]))",
                       [list(report_ids)]).fetchall()


def relation(folder: str, pairs: list[tuple[str, str]]) -> tuple[str, list]:
    """A relation (SQL, its parameters) of the rows of some (report id, file) pairs, read from
    those files alone, for a query's FROM: the rows `read` gives, to be joined and sorted in SQL."""
    paths = [os.path.join(folder, f) for _, f in pairs]
    files = sorted(set(paths))
    require(files, folder)
    # (a semi-join: its hash table is the pairs', never the rows'; the range of the ids lets a
    # large file sorted by report, a compacted one, be read only where they stand)
    ids = [r for r, _ in pairs]
    sql = ("(SELECT c.* EXCLUDE (filename) FROM read_parquet(?::VARCHAR[], filename = true) c "
           "WHERE c.report_id BETWEEN ? AND ? "
           "AND (c.report_id, c.filename) IN (SELECT (unnest(?::VARCHAR[]), unnest(?::VARCHAR[]))))")
    return sql, [files, min(ids), max(ids), ids, paths]


def read(con, folder: str, pairs: Iterable[tuple[str, Optional[str]]], columns: str = "*",
         where: str = "TRUE", params: Optional[list] = None, order: str = "") -> list[tuple]:
    """The rows (of the table whose `folder` it is) of the given (report id, file) pairs, read from
    those files alone (not a scan of the whole store): `SELECT columns ... WHERE where ORDER BY order`."""
    pairs = [(rid, f) for rid, f in pairs if f]
    if not pairs:
        return []
    order = f" ORDER BY {order}" if order else ""
    files = {f for _, f in pairs}
    if len(files) == 1:
        # one file (a report's page): a report's rows are in a file once, so no pairing by file
        # name is needed, which costs a third of the read
        path = os.path.join(folder, files.pop())
        require([path], folder)
        ids = [r for r, _ in pairs]
        which = "c.report_id = ?" if len(ids) == 1 else "c.report_id IN (SELECT unnest(?::VARCHAR[]))"
        sql = f"SELECT {columns} FROM read_parquet(?) c WHERE {which} AND {where}{order}"
        return con.execute(sql, [path, ids[0] if len(ids) == 1 else ids] + list(params or [])).fetchall()
    rows, rows_params = relation(folder, pairs)
    return con.execute(f"SELECT {columns} FROM {rows} c WHERE {where}{order}",
                       rows_params + list(params or [])).fetchall()


def require(files: Iterable[str], folder: str) -> None:
    """A StoreError naming the first of the files (of `folder`) that is missing: never a report
    without its cells in silence."""
    missing = [f for f in files if not os.path.exists(f)]
    if missing:
        from ..i18n import _
        from .writer import StoreError

        raise StoreError(_("{file}: the rows of a stored report are missing (the folder {folder} must stay "
                           "beside the store file)", file=missing[0], folder=folder))


def referenced(con) -> set[str]:
    return {r[0] for r in con.execute("SELECT cells_file FROM reports WHERE cells_file IS NOT NULL UNION "
                                      "SELECT cells_file FROM reports_history WHERE cells_file IS NOT NULL").fetchall()}


def collect_garbage(con, store_path: str) -> int:
    """Delete the files no report names (a killed ingest's, or those whose reports were all read
    again or removed). Only the store's one writer calls it, with no worker writing. Returns how
    many files were deleted."""
    keep = referenced(con) | {EMPTY}
    gone = 0
    for table in TABLES:
        where = folder(store_path, table)
        try:
            names = os.listdir(where)
        except OSError:
            continue
        for name in names:
            if name in keep or not (name.endswith(SUFFIX) or name.endswith(SUFFIX + TEMP)):
                continue
            try:
                os.unlink(os.path.join(where, name))
                gone += 1
            except OSError:
                pass
    return gone


def copy_store(source: str | os.PathLike, target: str | os.PathLike) -> None:
    """Copy a store (no process writing it): its file and its folders."""
    import shutil

    shutil.copyfile(source, target)
    for table in TABLES:
        if os.path.isdir(folder(source, table)):
            shutil.copytree(folder(source, table), folder(target, table), dirs_exist_ok=True)
