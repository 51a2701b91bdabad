"""`gongkai ingest`, `query`, `export`, `stats`, `remove`, `history`, `compact`: a folder of reports ->
a database to query.

Registered on the main group by `register(main)` (see cli.py). Every line a command prints goes
through gongkai.i18n (Chinese by default); a bad argument or an unusable store is one line on
stderr and exit status 2, never a traceback.
"""
from __future__ import annotations

import sys
from typing import Optional

import click

from .cli_base import command
from .i18n import N_, _

# how many paths of one kind (failed, skipped, duplicate …) the ingest summary names one by one
LISTED = 20


class CommandError(click.ClickException):
    """One line on stderr, exit status 2."""

    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(f"gongkai: {self.format_message()}", err=True)


_DB_HELP = N_("The store (a DuckDB file, its cells and sections in the folders FILE.cells and FILE.sections beside "
               "it). Default: $GONGKAI_DB or "
               "./gongkai.duckdb.")


def _guarded(f):
    """No traceback reaches a user: a store or file system failure is one line and exit status 2."""
    import functools

    @functools.wraps(f)
    def run(*args, **kwargs):
        try:
            return f(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, click.Abort, KeyboardInterrupt, SystemExit,
                BrokenPipeError):
            raise  # (a closed pipe is the command line's to handle: see cli_base)
        except OSError as e:
            raise CommandError(_("{path}: {reason}", path=e.filename or "", reason=e.strerror or str(e))) from None
        except Exception as e:
            if type(e).__module__.startswith(("duckdb", "_duckdb")):
                raise CommandError(str(e).strip().splitlines()[0]) from None
            raise

    return run


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
                raise CommandError(_("--year {value!r} is not a year, a range like 2021-2023 or a list",
                                     value=value)) from None
    return out


# --- ingest ----------------------------------------------------------------------------------------
@command("ingest")
@click.argument("paths", nargs=-1, type=str)
@_db_option
@click.option("--urls", "urls_file", type=click.Path(exists=True, dir_okay=False),
              help="A text file of report URLs, one per line (# comments allowed), downloaded politely; "
                   "a date after a URL (2024-01-20 or 2024年1月20日) is when that report was published.")
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
@click.option("--keep-both", is_flag=True,
              help="Store a new version of a body's report for a year beside the one stored, instead of "
                   "superseding it (the earlier version otherwise moves to history).")
@click.option("--shared-fs", is_flag=True,
              help="Dask: the workers can read the input paths themselves (a shared file system); the ingest "
                   "process then sends paths, not file contents.")
@click.option("--wait", type=float, default=60.0, show_default=True, metavar="SECONDS",
              help="How long to wait for readers (gongkai serve, query) to let go of the store at each commit.")
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
@_guarded
def ingest_command(paths, db, urls_file, workers, engine, scheduler, no_check, no_cross, force, keep_both, shared_fs,
                   wait, retry_failed, excludes, all_files, timeout, progress, min_interval, http_timeout, retries,
                   max_size, cache_dir, refresh) -> None:
    """Parse and check reports into a store (a DuckDB file; no server).

    PATHS are files, folders (searched recursively) and globs. Each distinct document becomes one
    report (by SHA-256 of its bytes) with its cells, findings and sections; an input that cannot be
    read is recorded with the reason; every other file met is listed as skipped, with why. A new
    report of a body and year already stored supersedes the earlier one (kept as history; see
    `gongkai history`). Unchanged inputs already stored are skipped, so a rerun after an
    interruption resumes where it stopped. Afterwards the cross-report checks compare reports:
    consecutive years of one body, near-identical narratives, duplicates. The store is held only
    while a batch is committed: `gongkai serve` and `gongkai query` can read it meanwhile.

    Exit status 2 if any input could not be read, does not exist, or nothing was found to ingest;
    else 0.

    \b
    Examples:
      gongkai ingest reports/                         # into ./gongkai.duckdb
      gongkai ingest --db jiangsu.duckdb 'dl/**/*.pdf' --workers 4
      gongkai ingest --urls urls.txt --rate 2
      gongkai ingest reports/ --engine dask --scheduler tcp://10.0.0.5:8786
    """
    import signal

    from .store.pipeline import DEFAULT_EXCLUDES, NothingToIngest, ingest
    from .store.pool import PoolError
    from .store.writer import StoreError

    if not paths and not urls_file:
        raise CommandError(_("give files, folders or globs to ingest, or --urls FILE"))
    if engine == "local" and (scheduler or shared_fs):
        raise CommandError(_("--scheduler and --shared-fs need --engine dask"))
    urls: list = []
    fetcher = None
    if urls_file:
        from .store.fetch import Fetcher, read_urls_file

        try:
            urls = read_urls_file(urls_file)
        except (OSError, UnicodeDecodeError, ValueError) as e:
            raise CommandError(str(e)) from None
        fetcher = Fetcher(cache_dir, min_interval=min_interval, timeout=http_timeout, retries=retries,
                          max_bytes=int(max_size * 1024 * 1024), refresh=refresh)

    def terminate(signum, frame):  # SIGTERM: stop like Ctrl-C, so the finished reports get committed
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    db = _db(db)
    try:
        result = ingest(paths, db, urls=urls, workers=workers, engine=engine, scheduler=scheduler,
                        check=not no_check, force=force, retry_failed=retry_failed, keep_both=keep_both,
                        excludes=DEFAULT_EXCLUDES + tuple(excludes), shared_fs=shared_fs or None, wait=wait,
                        all_files=all_files, progress=progress, timeout=timeout, fetcher=fetcher,
                        cross=not no_cross)
    except KeyboardInterrupt:
        click.echo("gongkai: " + _("ingest interrupted; everything read so far is stored, run the same command to "
                                   "resume"), err=True)
        sys.exit(130)
    except NothingToIngest as e:
        _list(e.result.missing, [x for x in e.result.not_reports if x[0] not in e.result.excluded])
        raise CommandError(str(e)) from None
    except (StoreError, PoolError) as e:
        raise CommandError(str(e)) from None
    _report(result, db)
    if result.failed or result.known_failures or result.missing:
        sys.exit(2)


def _list(*groups) -> None:
    for group in groups:
        for path, why in group[:LISTED]:
            click.echo(f"gongkai: {path}: {why}", err=True)
        if len(group) > LISTED:
            click.echo("gongkai: " + _("… and {n} more", n=len(group) - LISTED), err=True)


def _report(result, db: str) -> None:
    """Every input accounted for: the ones that need a look named one by one, then the counts."""
    _list(result.missing)
    _list(result.failures)
    if len(result.failures) > LISTED:
        click.echo("gongkai: " + _("all failures: gongkai query \"SELECT path, reason FROM failures\""), err=True)
    # files excluded by a pattern (corpus sidecars, --exclude) were meant to be left: counted, not listed
    _list([(p, _("skipped: {why}", why=why)) for p, why in result.not_reports if p not in result.excluded])
    if result.excluded:
        click.echo("gongkai: " + _("{n} files excluded by pattern (README*, *.gold.*, --exclude …): gongkai query "
                                   "\"SELECT path, reason FROM files WHERE status = 'skipped'\"",
                                   n=len(result.excluded)), err=True)
    _list([(p, _("the same document as {first} (stored once)", first=first)) for p, first in result.duplicate_of])
    _list([(new_path, _("a new version of the report in {old}: that one is kept as history "
                        "(gongkai history; --keep-both keeps both)", old=old_path or old_id[:12]))
           for old_id, old_path, _new_id, new_path in result.superseded])
    parts = [
        _("{n} new reports", n=result.new_reports)
        + (_(" ({n} of them superseding an earlier version)", n=len(result.superseded)) if result.superseded else ""),
        _("{n} re-read", n=result.rewritten),
        _("{n} same as a stored report", n=result.duplicates),
        _("{n} unchanged", n=result.skipped),
        _("{n} unreadable", n=result.failed)
        + (_(" (+{n} failed before)", n=result.known_failures) if result.known_failures else ""),
        _("{n} skipped (not reports)", n=len(result.not_reports)),
    ]
    if result.removed_before:
        parts.append(_("{n} removed before", n=result.removed_before))
    if result.missing:
        parts.append(_("{n} missing", n=len(result.missing)))
    rate = _(", {rate:.1f} files/s", rate=result.rate) if result.read + result.failed else ""
    click.echo(_("{inputs} inputs: {parts}; {cross} cross-report findings; {seconds:.1f} s{rate} -> {db}",
                 inputs=result.inputs, parts=_(", ").join(parts), cross=result.cross_findings,
                 seconds=result.seconds, rate=rate, db=db), err=True)
    from .store.compact import SUGGEST_FILES, files_in

    files = files_in(db)
    if files is not None and files > SUGGEST_FILES:
        click.echo("gongkai: " + _("the store's cells are in {n:,} files: `gongkai compact --db {db}` merges them, "
                                   "and queries over all cells read faster", n=files, db=db), err=True)


# --- query -----------------------------------------------------------------------------------------
@command("query")
@click.argument("sql")
@_db_option
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json", "jsonl"]), default=None,
              help="Default: table on a terminal, csv otherwise.")
@click.option("--wait", type=float, default=60.0, show_default=True, metavar="SECONDS",
              help="While an ingest commits, wait this long for the store.")
@_guarded
def query_command(sql: str, db: Optional[str], fmt: Optional[str], wait: float) -> None:
    """Run a read-only SQL query on the store.

    Tables: reports, cells, findings, sections, files, failures, labels, corrections and the
    *_history tables; views: agencies, year_links, cells_labeled, cell_status, common_cells,
    report_versions. See docs/data.md for the columns. During an ingest the query waits for the
    commit in progress (at most --wait seconds).

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
        result = run_query(_db(db), sql, wait=wait)
    except StoreError as e:
        raise CommandError(str(e)) from None
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
            return int(v) if v == v.to_integral_value() else float(v)
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
@click.option("--to", "to", required=True, type=str,
              help="The file to write: .xlsx, .csv (UTF-8 with BOM, opens in Excel; .csv.gz etc. with "
                   "--compression) or .parquet.")
@click.option("--form", type=click.Choice(["wide", "common", "long", "findings"]), default="wide", show_default=True,
              help="wide: one row per report, one column per cell; common: the same over the cells both templates "
                   "share (2019 and 2021 side by side); long: one row per cell with its status; findings: one row "
                   "per finding.")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv", "parquet"]), default=None,
              help="Default: from the file's extension.")
@click.option("--compression", type=click.Choice(["gzip", "bz2", "zstd", "lz4"]), default=None,
              help="Compress a csv export as it is written.")
@click.option("--no-dictionary", is_flag=True,
              help="csv, parquet: do not write the data dictionary (NAME.dictionary.csv) beside the file.")
@click.option("--year", "years", multiple=True, help="Only these years (2023, 2021-2023, 2021,2022); repeatable.")
@click.option("--region", "regions", multiple=True,
              help="Only bodies in this region: a name (江苏省, 淮安, 洪泽区) or a GB/T 2260 code prefix "
                   "(32, 3208, 320813); repeatable.")
@click.option("--agency", "agencies", multiple=True, help="Only bodies whose name contains this; repeatable.")
@click.option("--rule", "rules", multiple=True,
              help="Only reports with a finding of this rule (GK103, GK9, carryover-chain); repeatable.")
@_db_option
@_guarded
def export_command(to, form, fmt, compression, no_dictionary, years, regions, agencies, rules, db) -> None:
    """Export the store (or part of it) to xlsx, csv or parquet.

    Columns are named by the record's paths (requests.new_received.total); counts are integers,
    money decimals. xlsx has a second header row in Chinese and a data dictionary sheet; csv and
    parquet get NAME.dictionary.csv beside them. See docs/data.md.

    \b
    Examples:
      gongkai export --to reports.xlsx
      gongkai export --to jiangsu-2024.csv --region 江苏 --year 2024
      gongkai export --to cells.csv.gz --form long --compression gzip
      gongkai export --to problems.xlsx --form findings --rule GK9
    """
    from .store.export import ExportError, Filters, export
    from .store.writer import StoreError

    filters = Filters(years=_years(years), regions=list(regions), agencies=list(agencies), rules=list(rules))
    try:
        n = export(_db(db), to, form=form, filters=filters, fmt=fmt, compression=compression,
                   with_dictionary=not no_dictionary)
    except (ExportError, StoreError) as e:
        raise CommandError(str(e)) from None
    click.echo(_("{n} rows -> {path}", n=n, path=to), err=True)


# --- stats -----------------------------------------------------------------------------------------
@command("stats")
@_db_option
@click.option("--by", type=click.Choice(["province", "city", "county"]), default="province", show_default=True,
              help="Region level of the rows.")
@click.option("--year", "years", multiple=True, help="Only these years; repeatable.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json", "jsonl"]), default=None,
              help="Default: table on a terminal, csv otherwise.")
@_guarded
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
        raise CommandError(str(e)) from None
    _print_result(result, fmt)
    click.echo(_("{reports} reports of {agencies} bodies from {files} inputs; {failures} inputs failed; "
                 "{history} earlier versions kept as history; {cross} cross-report findings", **totals), err=True)


# --- remove, history ---------------------------------------------------------------------------------
@command("remove")
@click.argument("report_ids", nargs=-1, metavar="[SHA]...")
@click.option("--agency", default=None, help="The body (its name, part of it, or its key) whose report to remove.")
@click.option("--year", type=int, default=None, help="With --agency: the year of the report to remove.")
@_db_option
@_guarded
def remove_command(report_ids, agency, year, db) -> None:
    """Remove reports from the store: a misfiled document, a wrong version.

    Give report ids (SHA-256, or a unique prefix of at least 8 characters; see `gongkai history`)
    or --agency with --year. A removed report's earlier version, if any, becomes current again.
    Its files stay listed as removed, so ingesting the same folder again does not bring them back
    (unless they change, or with --force).

    \b
    Examples:
      gongkai remove 3f9a2c41
      gongkai remove --agency 洪泽区人民政府 --year 2024
    """
    from .store.versions import VersionError, remove

    if not report_ids and not agency:
        raise CommandError(_("give report ids, or --agency with --year"))
    if report_ids and agency:
        raise CommandError(_("give report ids or --agency, not both"))
    if agency and year is None:
        raise CommandError(_("--agency needs --year"))
    from .store.writer import StoreError

    try:
        done = remove(_db(db), list(report_ids), agency=agency, year=year)
    except (VersionError, StoreError) as e:
        raise CommandError(str(e)) from None
    for rid, name, yr, path, restored in done:
        click.echo(_("removed {id} ({agency} {year}, {path})", id=rid[:12], agency=name or "?", year=yr or "?",
                     path=path), err=True)
        if restored:
            click.echo(_("  its earlier version {id} ({path}) is current again", id=restored[0][:12],
                         path=restored[1]), err=True)


@command("history")
@click.argument("body")
@_db_option
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json", "jsonl"]), default=None,
              help="Default: table on a terminal, csv otherwise.")
@_guarded
def history_command(body, db, fmt) -> None:
    """Every version of a body's reports, year by year: current and superseded.

    BODY is the body's key (320813:人民政府), its name or part of it.

    \b
    Examples:
      gongkai history 洪泽区人民政府
      gongkai history 320813:人民政府 --format json
    """
    from .store.versions import VersionError, history
    from .store.writer import StoreError

    try:
        result = history(_db(db), body)
    except (VersionError, StoreError) as e:
        raise CommandError(str(e)) from None
    _print_result(result, fmt)


@command("compact")
@_db_option
@click.option("--reports-per-file", type=click.IntRange(min=2), default=None, metavar="N",
              help="Report versions per new file. Default: 5000.")
@click.option("--wait", type=float, default=60.0, show_default=True, metavar="SECONDS",
              help="How long to wait for readers (gongkai serve, query) to let go of the store at the commit.")
@_guarded
def compact_command(db, reports_per_file, wait) -> None:
    """Merge the store's small cells and sections files into a few large ones.

    Each ingest leaves a file per chunk of some 30 reports; a query over all cells opens every
    one. This rewrites the rows of the reports in the small files into files of up to N report
    versions each, sorted by report, then points the reports at them in one transaction and
    deletes the old files. Every query, record and export gives the same rows after. Readers go on
    reading meanwhile; an ingest or removal started meanwhile is refused. A store already compact
    is left as it is.

    \b
    Examples:
      gongkai compact
      gongkai compact --db jiangsu.duckdb
    """
    from .store.compact import DEFAULT_REPORTS_PER_FILE, compact_store
    from .store.writer import StoreError

    try:
        done = compact_store(_db(db), reports_per_file or DEFAULT_REPORTS_PER_FILE, wait=wait)
    except StoreError as e:
        raise CommandError(str(e)) from None
    if not done.merged:
        click.echo(_("nothing to compact: {n:,} files, none to merge ({seconds:.1f} s)", n=done.kept,
                     seconds=done.seconds), err=True)
        return
    click.echo(_("merged {merged:,} files into {written:,} (cells and sections each; {versions:,} report versions, "
                 "{kept:,} large files kept) in {seconds:.1f} s", merged=done.merged, written=done.written,
                 versions=done.versions, kept=done.kept, seconds=done.seconds), err=True)


COMMANDS = (ingest_command, query_command, export_command, stats_command, remove_command, history_command,
            compact_command)


def register(group: click.Group) -> None:
    """Add the store commands to the `gongkai` group."""
    for store_command in COMMANDS:
        group.add_command(store_command)
