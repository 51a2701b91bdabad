"""The cells of the store's reports: Parquet files beside the DuckDB file, written by the workers.

A report has some 200 cells and the rest of it (its row, findings, sections) some 50 rows; one
process inserting every cell into DuckDB spends as much CPU per report as a fifth of a worker
reading it (docs/store.md). So each worker writes the cells of the chunk of files it read to a
Parquet file of its own in `<store>.cells/` (named by the chunk), and the store's owner commits,
with the chunk's reports, only that file's name (`reports.cells_file`). The `cells` and
`cells_history` views read the files the current and superseded reports name, and only those
reports' rows in them: a file written by a worker whose chunk was never committed (a killed
ingest), or the cells of a report since read again into another file, are in no view, and the
next ingest deletes the files no report names.

Every file is written under a temporary name and renamed when complete, so a file is either whole
or absent. A worker that cannot write (a full disk) sends the cells to the owner instead, which
writes them itself or stops with the disk's error.
"""
from __future__ import annotations

import os
from typing import Any, Iterable, Optional

SUFFIX = ".parquet"
# a file with no rows and the cells' columns: the views' pattern always matches a file
EMPTY = "_empty" + SUFFIX
_TEMP = ".tmp"


def cells_dir(store_path: str | os.PathLike) -> str:
    """The folder of a store's cells: `<store>.cells`, an absolute path."""
    return os.path.abspath(str(store_path)) + ".cells"


def folder_of(con) -> str:
    """The cells folder of the store a DuckDB connection has open."""
    path = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()[0]
    return cells_dir(path)


def file_name(chunk: str) -> str:
    return chunk + SUFFIX


def write(folder: str, name: str, data: Any) -> None:
    """Write an Arrow table or record batch of cells to `folder/name`, whole or not at all."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if isinstance(data, pa.RecordBatch):
        data = pa.Table.from_batches([data])
    final = os.path.join(folder, name)
    temp = final + _TEMP
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


def ensure_folder(con, folder: str) -> None:
    """Create the folder and its empty file (the views need a file to read the columns from), the
    file written by DuckDB: the store's owner never imports pyarrow's Parquet writer (0.2 s)."""
    from .schema import CELLS

    os.makedirs(folder, exist_ok=True)
    final = os.path.join(folder, EMPTY)
    if os.path.exists(final):
        return
    columns = ", ".join(f"NULL::{c.type} AS {c.name}" for c in CELLS.columns)
    con.execute(f"COPY (SELECT {columns} WHERE false) TO {_quoted(final + _TEMP)} (FORMAT parquet)")
    os.replace(final + _TEMP, final)


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def views_sql(folder: str, *, temporary: bool = False) -> str:
    """`cells` and `cells_history`: the rows of the files the current and superseded reports name."""
    kind = "TEMP VIEW" if temporary else "VIEW"
    pattern = _quoted(os.path.join(folder, "*" + SUFFIX))
    prefix = _quoted(folder + os.sep)
    out = []
    for view, reports in (("cells", "reports"), ("cells_history", "reports_history")):
        out.append(f"CREATE OR REPLACE {kind} {view} AS "
                   f"SELECT c.* EXCLUDE (filename) FROM read_parquet({pattern}, filename = true) c "
                   f"JOIN {reports} r ON r.report_id = c.report_id AND c.filename = {prefix} || r.cells_file;")
    return "\n".join(out)


def views_current(con, folder: str) -> bool:
    """Whether the store's own `cells` view reads `folder` (false once the store has moved)."""
    row = con.execute("SELECT sql FROM duckdb_views() WHERE view_name = 'cells' AND NOT temporary").fetchone()
    return row is not None and _quoted(os.path.join(folder, "*" + SUFFIX)) in row[0]


def read(con, folder: str, pairs: Iterable[tuple[str, Optional[str]]], columns: str = "*",
         where: str = "TRUE", params: Optional[list] = None, order: str = "") -> list[tuple]:
    """The cells of the given (report id, cells file) pairs, read from those files alone (not a scan
    of the whole store): `SELECT columns ... WHERE where ORDER BY order`."""
    pairs = [(rid, f) for rid, f in pairs if f]
    if not pairs:
        return []
    files = sorted({os.path.join(folder, f) for _, f in pairs})
    missing = [f for f in files if not os.path.exists(f)]
    if missing:  # never a report without its cells in silence
        from ..i18n import _
        from .writer import StoreError

        raise StoreError(_("{file}: the cells of a stored report are missing (the folder {folder} must stay "
                           "beside the store file)", file=missing[0], folder=folder))
    sql = (f"SELECT {columns} FROM read_parquet(?::VARCHAR[], filename = true) c "
           "JOIN (SELECT unnest(?::VARCHAR[]) AS _rid, unnest(?::VARCHAR[]) AS _file) w "
           f"ON w._rid = c.report_id AND w._file = c.filename WHERE {where}")
    if order:
        sql += f" ORDER BY {order}"
    return con.execute(sql, [files, [r for r, _ in pairs], [os.path.join(folder, f) for _, f in pairs]]
                       + list(params or [])).fetchall()


def referenced(con) -> set[str]:
    return {r[0] for r in con.execute("SELECT cells_file FROM reports WHERE cells_file IS NOT NULL UNION "
                                      "SELECT cells_file FROM reports_history WHERE cells_file IS NOT NULL").fetchall()}


def collect_garbage(con, folder: str) -> int:
    """Delete the files no report names (a killed ingest's, or those whose reports were all read
    again or removed). Only the store's one writer calls it, with no worker writing. Returns how
    many files were deleted."""
    try:
        names = os.listdir(folder)
    except OSError:
        return 0
    keep = referenced(con) | {EMPTY}
    gone = 0
    for name in names:
        if name in keep or not (name.endswith(SUFFIX) or name.endswith(SUFFIX + _TEMP)):
            continue
        try:
            os.unlink(os.path.join(folder, name))
            gone += 1
        except OSError:
            pass
    return gone


def copy_store(source: str | os.PathLike, target: str | os.PathLike) -> None:
    """Copy a store (no process writing it): its file and its cells folder."""
    import shutil

    shutil.copyfile(source, target)
    if os.path.isdir(cells_dir(source)):
        shutil.copytree(cells_dir(source), cells_dir(target), dirs_exist_ok=True)
