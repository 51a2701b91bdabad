"""`gongkai.open_store(path)`: the store as data frames, for researchers.

    import gongkai
    with gongkai.open_store("county.duckdb") as s:
        s.reports()                 # one row per current report (pandas; frame="polars" for polars)
        s.cells(long=True)          # one row per cell: value (Int64), amount (decimal), status …
        s.cells(long=False)         # one row per report, one column per cell path
        s.cells(long=False, common=True)   # the common 2019/2021 view
        s.findings()                # one row per finding, messages in the current language
        s.query("SELECT …")         # any read-only SQL, as rows

The columns are the exports' (docs/data.md): ASCII names equal to the record's paths, integer
counts (pandas' nullable Int64), money as exact decimals. Frames come from DuckDB through Arrow.
"""
from __future__ import annotations

import os
from typing import Any, Optional

from .export import (COUNT_COLS, FINDINGS_BATCH_REPORTS, FINDINGS_REPORT_ORDER, REPORT_COLS, Filters, _localized, _select,
                     batched_by_report, findings_query, long_batches, register_rechecked, wide_query)
from .writer import DEFAULT_WAIT, Store

FRAMES = ("pandas", "polars", "arrow")


class StoreData:
    def __init__(self, path: str | os.PathLike, *, wait: float = DEFAULT_WAIT):
        self.store = Store(path, read_only=True, wait=wait)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> "StoreData":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def query(self, sql: str, params: Optional[list] = None) -> list[tuple]:
        return self.store.query(sql, params)

    def frame(self, sql: str, frame: str = "pandas") -> Any:
        """Any query's result as a pandas or polars frame (or an Arrow table)."""
        with self.store.holding():
            self.store.con.execute("SET preserve_insertion_order = true")
            return self._as_frame(self.store.con.sql(sql).to_arrow_reader(50_000), frame)

    @staticmethod
    def _as_frame(reader, frame: str) -> Any:
        """An Arrow record batch reader's rows (messages rendered in the current language) as a
        pandas or polars frame or an Arrow table."""
        import pyarrow as pa

        if frame not in FRAMES:
            raise ValueError(f"frame must be one of {', '.join(FRAMES)}")
        schema = pa.schema([f for f in reader.schema if not f.name.endswith("__data")])  # (what _localized keeps)
        table = pa.Table.from_batches(list(_localized(reader)), schema=schema)
        if frame == "arrow":
            return table
        if frame == "polars":
            import polars as pl

            return pl.from_arrow(table)
        import pandas as pd

        nullable = {pa.int8(): pd.Int8Dtype(), pa.int16(): pd.Int16Dtype(), pa.int32(): pd.Int32Dtype(),
                    pa.int64(): pd.Int64Dtype(), pa.uint32(): pd.UInt32Dtype(), pa.bool_(): pd.BooleanDtype(),
                    pa.float64(): pd.Float64Dtype(), pa.string(): pd.StringDtype()}
        return table.to_pandas(types_mapper=nullable.get)

    def reports(self, frame: str = "pandas", filters: Optional[Filters] = None) -> Any:
        """One row per current report: who, where, which year, which template, how many findings."""
        f = filters or Filters()
        cols = list(REPORT_COLS + COUNT_COLS)
        return self.frame(f"SELECT {_select(cols)} FROM reports r WHERE {f.where('r')} "
                          "ORDER BY r.year, r.province, r.agency_name, r.report_id", frame)

    def cells(self, long: bool = True, frame: str = "pandas", filters: Optional[Filters] = None,
              common: bool = False) -> Any:
        """long: one row per cell with its status; else one row per report, one column per cell."""
        f = filters or Filters()
        if long:
            with self.store.holding():
                return self._as_frame(long_batches(self.store, f), frame)
        sql, _ = wide_query(self.store, f, common=common)
        return self.frame(sql, frame)

    def findings(self, frame: str = "pandas", filters: Optional[Filters] = None) -> Any:
        """One row per finding; a report a reviewer corrected has the findings of its corrected values."""
        with self.store.holding():  # the relations register_rechecked adds live on this connection
            f = filters or Filters()
            sql, _ = findings_query(f, rechecked=register_rechecked(self.store.con))
            return self._as_frame(batched_by_report(self.store.con, sql, FINDINGS_REPORT_ORDER, f,
                                                    FINDINGS_BATCH_REPORTS), frame)


def open_store(path: str | os.PathLike, *, wait: float = DEFAULT_WAIT) -> StoreData:
    """The store at `path`, read-only, as data frames (see the module's docstring)."""
    return StoreData(path, wait=wait)
