"""`gongkai ingest`, `query`, `export`, `stats`: a folder of reports -> a database to query.

Registered on the main group by `register(main)` (see cli.py).
"""
from __future__ import annotations

import os
import sys
from typing import Optional

import click

from .cli_base import command
from .i18n import N_, _

_DB_HELP = N_("The store (a DuckDB file). Default: $GONGKAI_DB or ./gongkai.duckdb.")


def _db_option(f):
    return click.option("--db", "db", type=click.Path(dir_okay=False), default=None, help=_DB_HELP)(f)


def _db(db: Optional[str]) -> str:
    from .store.writer import default_path

    return db or default_path()


def _years(values: tuple[str, ...]) -> list[int]:
    """--year 2023, --year 2021-2023, --year 2021,2022."""
    out: list[int] = []
    for value in values:
        for part in value.split(","):
            part = part.strip()
            if not part:
                continue
            try:
                if "-" in part:
                    a, b = (int(x) for x in part.split("-", 1))
                    out.extend(range(min(a, b), max(a, b) + 1))
                else:
                    out.append(int(part))
            except ValueError:
                raise click.BadParameter(_("{value!r} is not a year, a range like 2021-2023 or a list",
                                           value=value)) from None
    return out


# --- ingest ----------------------------------------------------------------------------------------
@command("ingest")
@click.argument("paths", nargs=-1, type=str)
@_db_option
@click.option("--urls", "urls_file", type=click.Path(exists=True, dir_okay=False),
              help="A text file of report URLs, one per line (# comments allowed), downloaded politely.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Parsing processes (local engine). Default: the number of cores.")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="local: worker processes on this machine; dask: a dask.distributed cluster.")
@click.option("--scheduler", metavar="ADDRESS",
              help="Dask scheduler address (tcp://host:8786). Without it the Dask engine starts a local cluster.")
@click.option("--no-check", is_flag=True, help="Skip the per-report checks (faster; findings then only say what "
                                               "could not be read). A later run with checks re-reads these.")
@click.option("--no-cross", is_flag=True, help="Skip the cross-report checks after the ingest.")
@click.option("--force", is_flag=True, help="Read every input again, even if stored and unchanged.")
@click.option("--retry-failed", is_flag=True,
              help="Read again the inputs that failed before (they are otherwise skipped until the parser "
                   "changes), e.g. after a crash or timeout that was the machine's fault.")
@click.option("--exclude", "excludes", multiple=True, metavar="GLOB",
              help="Skip files whose name matches (in folders and globs), in addition to the defaults "
                   "(README*, LICENSE*, provenance.txt, *.gold.*, hidden files).")
@click.option("--all-files", is_flag=True,
              help="In folders and globs, take every file, not only report extensions (.txt .html .pdf .docx …).")
@click.option("--timeout", type=float, default=None, metavar="SECONDS",
              help="Give up on a file whose reading takes longer (local engine); it is recorded as failed.")
@click.option("--progress", type=click.Choice(["auto", "bar", "plain", "none"]), default="auto", show_default=True,
              help="bar: a live bar with rate and ETA; plain: a line every 2 s (auto picks by terminal).")
@click.option("--rate", "min_interval", type=float, default=1.0, show_default=True, metavar="SECONDS",
              help="URLs: at least this long between two requests to one host.")
@click.option("--http-timeout", type=float, default=30.0, show_default=True, metavar="SECONDS",
              help="URLs: timeout for connecting and for each read.")
@click.option("--retries", type=click.IntRange(min=0), default=3, show_default=True,
              help="URLs: retries on timeouts, 429 and 5xx, with exponential backoff.")
@click.option("--max-size", type=float, default=50.0, show_default=True, metavar="MB",
              help="URLs: refuse downloads larger than this.")
@click.option("--cache", "cache_dir", type=click.Path(file_okay=False), default=None,
              help="URLs: where downloads are cached by URL. Default: ~/.cache/gongkai/http.")
@click.option("--refresh", is_flag=True, help="URLs: ask the server again (conditionally) instead of using the cache.")
def ingest_command(paths, db, urls_file, workers, engine, scheduler, no_check, no_cross, force, retry_failed,
                   excludes, all_files, timeout, progress, min_interval, http_timeout, retries, max_size, cache_dir,
                   refresh) -> None:
    """Parse and check reports into a store (a DuckDB file; no server).

    PATHS are files, folders (searched recursively) and globs. Each distinct document becomes one
    report (by SHA-256 of its bytes) with its cells, findings and sections; an input that cannot be
    read is recorded with the reason. Unchanged inputs already stored are skipped, so a rerun after
    an interruption resumes where it stopped. Afterwards the cross-report checks compare reports:
    consecutive years of one body, near-identical narratives, duplicates.

    Exit status 2 if any input could not be read (or does not exist), else 0.

    \b
    Examples:
      gongkai ingest reports/                         # into ./gongkai.duckdb
      gongkai ingest --db jiangsu.duckdb 'dl/**/*.pdf' --workers 4
      gongkai ingest --urls urls.txt --rate 2
      gongkai ingest reports/ --engine dask --scheduler tcp://10.0.0.5:8786
    """
    import signal

    from .store.pipeline import DEFAULT_EXCLUDES, ingest
    from .store.pool import PoolError
    from .store.writer import StoreError

    if not paths and not urls_file:
        raise click.UsageError(_("give files, folders or globs to ingest, or --urls FILE"))
    if engine == "local" and scheduler:
        raise click.UsageError(_("--scheduler needs --engine dask"))
    urls: list[str] = []
    fetcher = None
    if urls_file:
        from .store.fetch import Fetcher, read_urls_file

        urls = read_urls_file(urls_file)
        fetcher = Fetcher(cache_dir, min_interval=min_interval, timeout=http_timeout, retries=retries,
                          max_bytes=int(max_size * 1024 * 1024), refresh=refresh)

    def terminate(signum, frame):  # SIGTERM: stop like Ctrl-C, so the finished reports get committed
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    db = _db(db)
    try:
        result = ingest(paths, db, urls=urls, workers=workers, engine=engine, scheduler=scheduler,
                        check=not no_check, force=force, retry_failed=retry_failed,
                        excludes=DEFAULT_EXCLUDES + tuple(excludes),
                        all_files=all_files, progress=progress, timeout=timeout, fetcher=fetcher,
                        cross=not no_cross)
    except KeyboardInterrupt:
        click.echo("gongkai: " + _("ingest interrupted; everything read so far is stored, run the same command to "
                                   "resume"), err=True)
        sys.exit(130)
    except (StoreError, PoolError) as e:
        raise click.ClickException(str(e)) from None
    for item, why in result.missing:
        click.echo(f"gongkai: {item}: {why}", err=True)
    for path, reason in result.failures[:20]:
        click.echo(f"gongkai: {path}: {reason}", err=True)
    if len(result.failures) > 20:
        click.echo("gongkai: " + _("… and {n} more failures (gongkai query \"SELECT path, reason FROM failures\")",
                                   n=len(result.failures) - 20), err=True)
    failed = _("{n} failed", n=result.failed)
    if result.known_failures:
        failed += _(" (+{n} failed before)", n=result.known_failures)
    rate = _(", {rate} files/s", rate=format(result.rate, ".1f")) if result.read + result.failed else ""
    click.echo(_("{inputs} inputs: {new} new reports, {reread} re-read, {same} same as a stored report, {unchanged} "
                 "unchanged, {failed}; {cross} cross-report findings; {seconds} s{rate} -> {db}",
                 inputs=result.inputs, new=result.new_reports, reread=result.rewritten, same=result.duplicates,
                 unchanged=result.skipped, failed=failed, cross=result.cross_findings,
                 seconds=format(result.seconds, ".1f"), rate=rate, db=db), err=True)
    if result.failed or result.known_failures or result.missing:
        sys.exit(2)


# --- query -----------------------------------------------------------------------------------------
@command("query")
@click.argument("sql")
@_db_option
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json", "jsonl"]), default=None,
              help="Default: table on a terminal, csv otherwise.")
def query_command(sql: str, db: Optional[str], fmt: Optional[str]) -> None:
    """Run a read-only SQL query on the store.

    Tables: reports, cells, findings, sections, files, failures, labels; views: agencies,
    year_links, cells_labeled. See docs/store.md for the columns.

    \b
    Examples:
      gongkai query "SELECT year, count(*) FROM reports GROUP BY year"
      gongkai query "SELECT agency_name, value FROM cells JOIN reports USING (report_id)
                     WHERE path = 'requests.new_received.total' ORDER BY value DESC LIMIT 10"
      gongkai query --format json "SELECT * FROM failures"
    """
    from .store.query import run_query
    from .store.writer import StoreError

    try:
        result = run_query(_db(db), sql)
    except StoreError as e:
        raise click.ClickException(str(e)) from None
    _print_result(result, fmt)


def _print_result(result, fmt: Optional[str]) -> None:
    import csv
    import datetime as dt
    import decimal
    import json

    if fmt is None:
        fmt = "table" if sys.stdout.isatty() else "csv"

    def plain(v):
        if isinstance(v, float) and v.is_integer():
            return int(v)
        if isinstance(v, decimal.Decimal):
            return float(v)
        if isinstance(v, (dt.date, dt.datetime, dt.time)):
            return v.isoformat()
        return v

    if fmt == "table":
        from rich.console import Console
        from rich.table import Table

        table = Table(show_header=True, header_style="bold")
        for c in result.columns:
            table.add_column(c)
        for row in result.rows:
            table.add_row(*["" if v is None else str(plain(v)) for v in row])
        Console().print(table)
        click.echo(_("{n} rows", n=len(result.rows)), err=True)
    elif fmt in ("csv", "tsv"):
        w = csv.writer(sys.stdout, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        w.writerow(result.columns)
        for row in result.rows:
            w.writerow(["" if v is None else plain(v) for v in row])
    elif fmt == "json":
        click.echo(json.dumps([{c: plain(v) for c, v in zip(result.columns, row)} for row in result.rows],
                              ensure_ascii=False, indent=2, default=str))
    else:
        for row in result.rows:
            click.echo(json.dumps({c: plain(v) for c, v in zip(result.columns, row)}, ensure_ascii=False, default=str))


# --- export ----------------------------------------------------------------------------------------
@command("export")
@click.option("--to", "to", required=True, type=click.Path(dir_okay=False),
              help="The file to write: .xlsx, .csv (UTF-8 with BOM, opens in Excel) or .parquet.")
@click.option("--form", type=click.Choice(["wide", "long", "findings"]), default="wide", show_default=True,
              help="wide: one row per report, one column per cell (Chinese headers); long: one row per "
                   "cell; findings: one row per finding.")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv", "parquet"]), default=None,
              help="Default: from the file's extension.")
@click.option("--year", "years", multiple=True, help="Only these years (2023, 2021-2023, 2021,2022); repeatable.")
@click.option("--region", "regions", multiple=True,
              help="Only bodies in this region: a name (江苏省, 淮安, 洪泽区) or a GB/T 2260 code prefix "
                   "(32, 3208, 320813); repeatable.")
@click.option("--agency", "agencies", multiple=True, help="Only bodies whose name contains this; repeatable.")
@click.option("--rule", "rules", multiple=True,
              help="Only reports with a finding of this rule (GK103, GK9, carryover-chain); repeatable.")
@_db_option
def export_command(to, form, fmt, years, regions, agencies, rules, db) -> None:
    """Export the store (or part of it) to xlsx, csv or parquet.

    \b
    Examples:
      gongkai export --to reports.xlsx
      gongkai export --to jiangsu-2024.csv --region 江苏 --year 2024
      gongkai export --to cells.parquet --form long
      gongkai export --to problems.xlsx --form findings --rule GK9
    """
    from .store.export import ExportError, Filters, export
    from .store.writer import StoreError

    filters = Filters(years=_years(years), regions=list(regions), agencies=list(agencies), rules=list(rules))
    try:
        n = export(_db(db), to, form=form, filters=filters, fmt=fmt)
    except (ExportError, StoreError) as e:
        raise click.ClickException(str(e)) from None
    click.echo(_("{n} rows -> {file}", n=n, file=to), err=True)


# --- stats -----------------------------------------------------------------------------------------
@command("stats")
@_db_option
@click.option("--by", type=click.Choice(["province", "city", "county"]), default="province", show_default=True,
              help="Region level of the rows.")
@click.option("--year", "years", multiple=True, help="Only these years; repeatable.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json", "jsonl"]), default=None,
              help="Default: table on a terminal, csv otherwise.")
def stats_command(db, by, years, fmt) -> None:
    """Summarise the store by year and region: reports, bodies, findings, requests, appeals.

    \b
    Examples:
      gongkai stats
      gongkai stats --by city --year 2024
    """
    from .store.query import stats, summary
    from .store.writer import StoreError

    try:
        result = stats(_db(db), by=by, years=_years(years) or None)
        totals = summary(_db(db))
    except StoreError as e:
        raise click.ClickException(str(e)) from None
    _print_result(result, fmt)
    click.echo(_("{reports} reports of {bodies} bodies from {inputs} inputs; {failed} inputs failed; {cross} "
                 "cross-report findings", reports=totals["reports"], bodies=totals["agencies"], inputs=totals["files"],
                 failed=totals["failures"], cross=totals["cross"]), err=True)


COMMANDS = (ingest_command, query_command, export_command, stats_command)


def register(group: click.Group) -> None:
    """Add the store commands to the `gongkai` group."""
    for command in COMMANDS:
        group.add_command(command)
