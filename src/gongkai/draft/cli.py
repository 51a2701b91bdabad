"""`gongkai draft new|render|blank`: drafting a report (template 2021) on the command line.

Exit status: 0 done; 1 `render` refused because the tables have errors (the findings listed);
2 a file could not be read or written, or the options do not fit.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import click

from ..cli_base import Group
from ..i18n import _

_STYLE = {"error": {"fg": "red", "bold": True}, "warning": {"fg": "yellow"}, "info": {"dim": True}}


def _fail(path: str, reason: str, status: int = 2) -> None:
    click.echo(f"gongkai: {path}: {reason}", err=True)
    sys.exit(status)


def _write(path: str, data: bytes) -> None:
    try:
        Path(path).write_bytes(data)
    except OSError as e:
        _fail(path, _("cannot be written ({reason})", reason=e.strerror or e))


def _suffix(path: str, allowed: tuple[str, ...]) -> str:
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in allowed:
        raise click.BadParameter(_("the file name must end in {choices}", choices=" or ".join(f".{a}" for a in allowed)),
                                 param_hint="--to")
    return suffix


def _read(path: str, *, check: bool = True):
    """A record from any file gongkai reads, or exit 2 naming the file and the reason."""
    from ..api import parse_files

    for _path, record, error in parse_files([path], check=check):
        if record is None:
            _fail(path, error)
        return record


@click.group("draft", cls=Group)
def draft_group() -> None:
    """Draft a body's own annual report (template 2021): a fill-in workbook with live checks,
    and the report written from it.

    \b
    Examples:
      gongkai draft new --year 2025 --agency 某某市某某局 --previous 2024年报.pdf --to draft.xlsx
      gongkai check draft.xlsx
      gongkai draft render draft.xlsx --to report.docx
      gongkai draft blank --to template.docx
    """


@draft_group.command("new")
@click.option("--year", type=click.IntRange(2021, 2100), default=None,
              help="The statistical year of the report (default: the year after --previous).")
@click.option("--agency", default=None, help="The reporting body's full name.")
@click.option("--previous", type=click.Path(dir_okay=False), default=None,
              help="Last year's report, in any form gongkai reads: pre-fills 二、上年结转 from its "
                   "四、结转下年度继续办理 and shows its 现行有效件数 with the continuity check.")
@click.option("--to", "target", required=True, type=click.Path(dir_okay=False),
              help="The workbook to write (.xlsx).")
def new_command(year: Optional[int], agency: Optional[str], previous: Optional[str], target: str) -> None:
    """Write a fill-in workbook: the three tables as the template draws them, every input cell
    named by its record path, checks that turn a cell red as you type."""
    from .workbook import new_workbook

    _suffix(target, ("xlsx",))
    last = _read(previous) if previous else None
    if year is None:
        if last is None or last.year is None:
            raise click.UsageError(_("--year is needed (or a --previous report whose year is known)"))
        year = last.year + 1
    if last is not None:
        if last.year is not None and last.year != year - 1:
            click.echo("gongkai: " + _("{path}: last year's report is for {found}, not {expected}",
                                       path=previous, found=last.year, expected=year - 1), err=True)
        if agency is None:
            agency = last.agency
    data = new_workbook(year=year, agency=agency, previous=last,
                        previous_source=Path(previous).name if previous else None)
    _write(target, data)
    if last is not None:
        carried = last.cell("requests.carried_forward.total")
        click.echo(_("{target}: the workbook for {year}; 二、上年结转 filled in from {previous} (总计 {carried})",
                     target=target, year=year, previous=previous, carried="——" if carried is None else carried))
    else:
        click.echo(_("{target}: the workbook for {year}", target=target, year=year))


@draft_group.command("render")
@click.argument("draft", type=click.Path(dir_okay=False))
@click.option("--to", "target", required=True, type=click.Path(dir_okay=False),
              help="The report to write: .docx (Word) or .html (for the portal).")
@click.option("--force", is_flag=True, help="Write the report even when the tables have errors.")
def render_command(draft: str, target: str, force: bool) -> None:
    """Write the report from a filled draft: title, the six parts, the three tables, and sentences
    generated from the numbers; 【待填写】 marks where the body writes its own words.

    Refuses (exit status 1, the errors listed) when the tables have errors, unless --force.
    """
    from .report import draft_docx, draft_html

    kind = _suffix(target, ("docx", "html"))
    record = _read(draft)
    errors = [f for f in record.findings if f.severity == "error"]
    if errors:
        click.echo("gongkai: " + _("{path}: the tables have {n} errors:", path=draft, n=len(errors)), err=True)
        for f in errors:
            where = f" {f.where}" if f.where else ""
            click.echo("  " + click.style(f"{f.rule}{where}", **_STYLE["error"]) + f"  {f.message}", err=True)
        if not force:
            click.echo(_("the report was not written; correct the draft, or write it anyway with --force"), err=True)
            sys.exit(1)
    data = draft_docx(record) if kind == "docx" else draft_html(record)
    _write(target, data)
    click.echo(_("{target}: the report of {agency} for {year}", target=target, agency=record.agency or "?",
                 year=record.year or "?"))


@draft_group.command("blank")
@click.option("--to", "target", required=True, type=click.Path(dir_okay=False),
              help="The empty template to write: .docx (the report) or .xlsx (the fill-in workbook).")
def blank_command(target: str) -> None:
    """Write the empty template, as bodies ask for it."""
    kind = _suffix(target, ("docx", "xlsx"))
    if kind == "docx":
        from .report import blank_docx

        data = blank_docx()
    else:
        from .workbook import blank_workbook

        data = blank_workbook()
    _write(target, data)
    click.echo(_("{target}: the empty template", target=target))


def register(main: click.Group) -> None:
    main.add_command(draft_group)


__all__ = ["draft_group", "register"]
