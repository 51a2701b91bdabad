"""`gongkai letters` (one feedback letter per report) and `gongkai summary` (the leadership's
workbook). `register(main)` adds both to the command line.

Exit status: 0 written (unreadable inputs are listed but do not stop the run); 2 nothing could be
written, a bad roster, a store that cannot be read, or options that do not fit.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional, Sequence

import click

from ..cli_base import command
from ..cli_store import CommandError, _guarded
from ..i18n import N_, _, ngettext
from ..terminal import terminal_safe

_DB_HELP = N_("The store (a DuckDB file): its reports, or, with files given, its decisions and corrections.")
_YEAR_HELP = N_("The year under review.")
# Above this many letters a progress bar is shown on a terminal.
PROGRESS_FROM = 10


def _load(inputs: Sequence[str], db: Optional[str]):
    """Reviewed reports and unreadable inputs; a store that cannot be opened is one line, exit 2."""
    from ..store.writer import StoreError
    from .decisions import ReviewError
    from .inbox import load_reports

    if not inputs and not db:
        raise click.UsageError(_("give report files or folders, or --db STORE"))
    if db and not Path(db).is_file():
        raise CommandError(_("{path}: no such store", path=db))
    try:
        return load_reports(list(inputs), db=db, progress=sys.stderr.isatty())
    except (StoreError, ReviewError) as e:
        raise CommandError(str(e)) from None


def _list_unreadable(unreadable) -> None:
    for item in unreadable:
        click.echo(f"gongkai: {terminal_safe(item.file, one_line=True)}: {terminal_safe(item.reason, one_line=True)}",
                   err=True)


def _unique(directory: Path, name: str, taken: set[str]) -> Path:
    """`name` in `directory`, with -2, -3 … before the suffix when an earlier letter of this run
    took it (two files of one body and year)."""
    stem, suffix = name.rsplit(".", 1)
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{stem}-{n}.{suffix}"
    taken.add(candidate)
    return directory / candidate


@command("letters")
@click.argument("inputs", nargs=-1, type=str)
@click.option("--db", type=click.Path(dir_okay=False), default=None, help=_DB_HELP)
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help=N_("Folder for the letters."))
@click.option("--year", type=int, default=None, help=N_("Only the reports of this year."))
@click.option("--office", default=None, help=N_("The reviewing office, for the letter's header and signature."))
@click.option("--date", "date", default=None, help=N_("The date under the signature (default: today)."))
@click.option("--pdf", is_flag=True, help=N_("Also write each letter as PDF (needs LibreOffice)."))
@_guarded
def letters_command(inputs: tuple[str, ...], db: Optional[str], out_dir: str, year: Optional[int],
                    office: Optional[str], date: Optional[str], pdf: bool) -> None:
    """Write one feedback letter (审核意见, or 整改通知 when errors are found) per report as DOCX.

    Each letter names the body and year, says 通过 or 需整改 with the counts, lists every finding
    not dismissed by a reviewer (rule, place, quoted source, what the template requires, what to
    correct, the reviewer's note), and draws the three tables with the cells the findings point at
    shaded. Files are named <机关>-<年度>-审核意见.docx.

    \b
    Examples:
      gongkai letters reports/ --out letters/ --office 某市人民政府办公室
      gongkai letters --db corpus.duckdb --year 2024 --out letters/ --pdf
    """
    from .letters import letter_docx, letter_filename
    from .model import Unreadable

    items = _load(inputs, db)
    unreadable = [i for i in items if isinstance(i, Unreadable)]
    reports = [i for i in items if not isinstance(i, Unreadable)]
    if year is not None:
        reports = [r for r in reports if r.year == year]
    _list_unreadable(unreadable)
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise CommandError(_("{path}: cannot be created ({reason})", path=out_dir, reason=e.strerror or e)) from None
    taken: set[str] = set()
    written: list[tuple[Path, bytes]] = []
    show_bar = sys.stderr.isatty() and len(reports) >= PROGRESS_FROM
    with click.progressbar(reports, label=_("letters"), file=sys.stderr, show_pos=True,
                           hidden=not show_bar) as bar:
        for report in bar:
            data = letter_docx(report, office=office, date=date)
            path = _unique(out, letter_filename(report), taken)
            path.write_bytes(data)
            written.append((path, data))
    pdfs = 0
    if pdf and written:
        pdfs = _write_pdfs(written)
    summary = ngettext("wrote {n} letter", "wrote {n} letters", len(written))
    if pdfs:
        summary += _(" (and {n} PDF)", n=pdfs)
    if unreadable:
        summary += _(", {n} files could not be read", n=len(unreadable))
    if year is not None and len(reports) < len(items) - len(unreadable):
        summary += _(", {n} reports of other years left out", n=len(items) - len(unreadable) - len(reports))
    click.echo(_("{summary} -> {folder}", summary=summary, folder=out_dir), err=True)
    if not written:
        sys.exit(2)


def _write_pdfs(written: list[tuple[Path, bytes]]) -> int:
    """Each letter also as PDF, in one LibreOffice run; without LibreOffice, one line and none."""
    import shutil

    from ..render.docx import docx_to

    if not (shutil.which("soffice") or shutil.which("libreoffice")):
        click.echo("gongkai: " + _("--pdf: LibreOffice (soffice) is not installed; only DOCX written"), err=True)
        return 0
    try:
        pdfs = docx_to([data for _p, data in written], "pdf")
    except Exception as e:  # a failed conversion costs the PDFs, never the letters already written
        click.echo("gongkai: " + _("--pdf: LibreOffice failed ({reason}); only DOCX written",
                                   reason=str(e).splitlines()[0] if str(e) else type(e).__name__), err=True)
        return 0
    for (path, _data), pdf_bytes in zip(written, pdfs):
        path.with_suffix(".pdf").write_bytes(pdf_bytes)
    return len(pdfs)


@command("summary")
@click.argument("inputs", nargs=-1, type=str)
@click.option("--db", type=click.Path(dir_okay=False), default=None, help=_DB_HELP)
@click.option("--to", "target", required=True, type=click.Path(dir_okay=False), help=N_("The workbook to write (.xlsx)."))
@click.option("--roster", type=str, default=None,
              help=N_("A CSV of the bodies expected to report (column 机关, optionally 上级 and 地区)."))
@click.option("--year", type=int, default=None, help=_YEAR_HELP)
@_guarded
def summary_command(inputs: tuple[str, ...], db: Optional[str], target: str, roster: Optional[str],
                    year: Optional[int]) -> None:
    """Write the summary workbook: one row per body with its status (通过 / 需整改 / 未提交 / 无法读取 /
    年度不符), every finding, and year over year when the store has last year's reports.

    With --db only, the store's reports of --year (default: its latest year) are summarised and
    last year's come from the store too; with files, --year marks a report of another year 年度不符.

    \b
    Examples:
      gongkai summary inbox/ --roster bodies.csv --year 2024 --to summary.xlsx
      gongkai summary --db corpus.duckdb --year 2024 --to summary.xlsx
    """
    from .model import ReviewedReport, Unreadable
    from .summary import RosterError, counts_line, read_roster, summary_rows, summary_workbook

    if not target.lower().endswith(".xlsx"):
        raise click.BadParameter(_("the file name must end in {choices}", choices=".xlsx"), param_hint="--to")
    entries = None
    if roster is not None:
        try:
            entries = read_roster(roster)
        except RosterError as e:
            raise CommandError(str(e)) from None
    items = _load(inputs, db)
    stored = [i for i in items if isinstance(i, ReviewedReport)]
    previous = {}
    if db and not inputs:
        if year is None:
            year = max((r.year for r in stored if r.year is not None), default=None)
        items = [i for i in items if isinstance(i, Unreadable) or i.year == year]
        previous_reports = [r for r in stored if year is not None and r.year == year - 1]
    elif db:
        from .inbox import load_reports

        this_year = year or _most_common_year(stored)
        previous_reports = [r for r in load_reports(db=db) if isinstance(r, ReviewedReport)
                            and this_year is not None and r.year == this_year - 1]
    else:
        previous_reports = []
    from .summary import agency_key

    for r in previous_reports:
        previous[r.agency_key or agency_key(r.agency)] = r
    _list_unreadable([i for i in items if isinstance(i, Unreadable)])
    data = summary_workbook(items, roster=entries, year=year, previous=previous or None)
    try:
        Path(target).write_bytes(data)
    except OSError as e:
        raise CommandError(_("{path}: cannot be written ({reason})", path=target, reason=e.strerror or e)) from None
    click.echo(_("{counts} -> {file}", counts=counts_line(summary_rows(items, roster=entries, year=year)),
                 file=target), err=True)


def _most_common_year(reports) -> Optional[int]:
    from collections import Counter

    years = Counter(r.year for r in reports if r.year is not None)
    return years.most_common(1)[0][0] if years else None


def register(main: click.Group) -> None:
    main.add_command(letters_command)
    main.add_command(summary_command)


__all__ = ["letters_command", "summary_command", "register"]
