"""`gongkai review list|set|report|correct`: a reviewer's decisions and corrections from the
command line, thin over `gongkai.review.decisions` and `gongkai.review.inbox`."""
from __future__ import annotations

import json
import sys
from typing import Optional

import click

from ..cli_base import Group
from ..cli_store import CommandError, _db, _db_option, _guarded
from ..i18n import _
from ..record import severity_word
from ..terminal import terminal_safe


def _failing(f):
    """A decision, correction or store that cannot be used: one line, exit status 2."""
    import functools

    @functools.wraps(f)
    def run(*args, **kwargs):
        from ..store.writer import StoreError
        from .decisions import ReviewError

        try:
            return f(*args, **kwargs)
        except (ReviewError, StoreError) as e:
            raise CommandError(str(e)) from None

    return _guarded(run)


@click.group("review", cls=Group)
def review_group() -> None:
    """A reviewer's decisions (确认 / 驳回 a finding, 退回 / 通过 a report) and corrections, kept in the store.

    Each finding has a fingerprint (16 characters: the body, year, rule and place, not the file),
    so a decision outlives a re-ingest of the report and a corrected resubmission that leaves the
    finding unchanged. A correction enters a cell's value from the original; the value read is kept
    and the checks run again with the correction.

    \b
    Examples:
      gongkai review list 洪泽区人民政府 --db reports.duckdb
      gongkai review set 2bd071d72a74e0ad --dismiss --note "总计栏系排版错位" --db reports.duckdb
      gongkai review report 94a211353f --return --note "请更正表四" --db reports.duckdb
      gongkai review correct 94a211353f appeals.reconsideration.total 11 --db reports.duckdb
    """


def _reports_of(con, target: str) -> list[str]:
    """The current reports a REPORT (id prefix or file) or BODY (name, part of it, or key) names."""
    from .decisions import ReviewError, resolve_report

    try:
        return [resolve_report(con, target)]
    except ReviewError as first:
        rows = con.execute(
            "SELECT report_id FROM reports WHERE agency_key = $1 OR agency_name = $1 OR contains(agency_name, $1) "
            "OR contains(coalesce(agency, ''), $1) ORDER BY year, agency_name", [target.strip()]).fetchall()
        if not rows:
            raise ReviewError(_("{target}: no such report or body in the store", target=target)) from first
        return [r[0] for r in rows]


@review_group.command("list")
@click.argument("target", metavar="REPORT|BODY")
@_db_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="json: for scripts (English keys; messages in the current language).")
@click.option("--dismissed/--no-dismissed", default=True, show_default=True,
              help="List the findings dismissed too (struck through in the text).")
@_failing
def list_command(target: str, db: Optional[str], fmt: str, dismissed: bool) -> None:
    """A report's findings (问题清单), or those of every current report of a body, with fingerprint, decision
    and place.

    REPORT is a report id (or a unique prefix of at least 8 characters) or the report's file;
    BODY a body's name, part of it, or its key (320813:人民政府).
    """
    from .decisions import finding_decisions, reading, report_decisions
    from .inbox import stored_report

    with reading(_db(db)) as con:
        ids = _reports_of(con, target)
        decisions, by_report = finding_decisions(con), report_decisions(con)
        reports = [stored_report(con, rid, decisions=decisions, report_decisions=by_report) for rid in ids]
    if fmt == "json":
        payload = [r.to_dict() for r in reports]
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    for report in reports:
        _print_report(report, dismissed)


def _print_report(report, show_dismissed: bool) -> None:
    color = sys.stdout.isatty()

    def echo(text: str, **style) -> None:
        click.echo(click.style(text, **style) if color and style else text, color=color)

    head = [report.agency, str(report.year) if report.year else _("(year unknown)"), report.status_word,
            _("errors: {errors}, warnings: {warnings}", errors=report.errors, warnings=report.warnings),
            _("report {id}", id=(report.report_id or "")[:12])]
    echo(terminal_safe(" · ".join(head), one_line=True), bold=True)
    if report.decision is not None:
        decision = _("decision: {decision}", decision=report.decision.word)
        if report.decision.note:
            decision = _("decision: {decision} ({note})", decision=report.decision.word, note=report.decision.note)
        if report.decision_on_earlier_version:
            decision = _("{decision}, on an earlier version of the report", decision=decision)
        echo("  " + terminal_safe(decision, one_line=True))
    for path, c in report.corrections.items():
        value = "—" if c.value is None else c.value
        line = _("corrected by the reviewer: {path} = {value}", path=path, value=value)
        if c.note:
            line = _("corrected by the reviewer: {path} = {value} ({note})", path=path, value=value, note=c.note)
        echo("  " + terminal_safe(line, one_line=True))
    if not report.findings:
        echo("  " + _("no findings"))
    for f in report.findings:
        if f.dismissed and not show_dismissed:
            continue
        decision = f"［{f.decision.word}］" if f.decision else ""
        line = f"  {f.fingerprint}  {severity_word(f.finding.severity)} {f.finding.rule}{decision}  {f.place}"
        style = {"strikethrough": True, "dim": True} if f.dismissed else {}
        echo(terminal_safe(line, one_line=True), **style)
        echo("      " + terminal_safe(f.finding.message, one_line=True), **style)
        if f.quote:
            echo("      " + terminal_safe(_("source: “{quote}”", quote=f.quote), one_line=True), dim=True)
        if f.decision and f.decision.note:
            echo("      " + terminal_safe(_("note: {note}", note=f.decision.note), one_line=True))


def _decision_options(f):
    """--clear, --note, --reviewer, --db and one-line failures: shared by `set` and `report`."""
    for option in (_failing, _db_option, click.option("--reviewer", default=None, help="Who decided."),
                   click.option("--note", default=None, help="Why (shown in letters, the summary, exports and the web "
                                                             "page)."),
                   click.option("--clear", "kind", flag_value="clear", help="Take the decision back.")):
        f = option(f)
    return f


@review_group.command("set")
@click.argument("fingerprint")
@click.option("--confirm", "kind", flag_value="confirmed", help="确认: the finding stands.")
@click.option("--dismiss", "kind", flag_value="dismissed", help="驳回: the finding is wrong or does not matter.")
@_decision_options
def set_command(fingerprint: str, kind: Optional[str], note: Optional[str], reviewer: Optional[str],
                db: Optional[str]) -> None:
    """确认 (confirm) or 驳回 (dismiss) a finding (FINGERPRINT: see `gongkai review list`)."""
    from .decisions import clear_finding_decision, set_finding_decision
    from .model import decision_word

    if kind is None:
        raise CommandError(_("give --confirm, --dismiss or --clear"))
    if kind == "clear":
        clear_finding_decision(_db(db), fingerprint)
        click.echo(_("{fingerprint}: decision taken back", fingerprint=fingerprint.strip().lower()), err=True)
        return
    set_finding_decision(_db(db), fingerprint, kind, note=note, reviewer=reviewer)
    click.echo(_("{fingerprint}: {decision}", fingerprint=fingerprint.strip().lower(), decision=decision_word(kind)),
               err=True)


@review_group.command("report")
@click.argument("report", metavar="REPORT")
@click.option("--return", "kind", flag_value="returned", help="退回: the body must correct the report.")
@click.option("--approve", "kind", flag_value="approved", help="通过: the report is accepted.")
@_decision_options
def report_command(report: str, kind: Optional[str], note: Optional[str], reviewer: Optional[str],
                   db: Optional[str]) -> None:
    """退回 (return) or 通过 (approve) a report (REPORT: an id prefix or the report's file); kept for the body and
    year."""
    from .decisions import clear_report_decision, set_report_decision
    from .model import decision_word

    if kind is None:
        raise CommandError(_("give --return, --approve or --clear"))
    if kind == "clear":
        clear_report_decision(_db(db), report)
        click.echo(_("{report}: decision taken back", report=report), err=True)
        return
    set_report_decision(_db(db), report, kind, note=note, reviewer=reviewer)
    click.echo(_("{report}: {decision}", report=report, decision=decision_word(kind)), err=True)


@review_group.command("correct")
@click.argument("report", metavar="REPORT")
@click.argument("path")
@click.argument("value", required=False)
@click.option("--clear", is_flag=True, help="Take the corrections of the cell back (the value read is shown again).")
@click.option("--note", default=None, help="Where the value comes from (the original's page, a phone call …).")
@click.option("--reviewer", default=None, help="Who corrected.")
@_db_option
@_failing
def correct_command(report: str, path: str, value: Optional[str], clear: bool, note: Optional[str],
                    reviewer: Optional[str], db: Optional[str]) -> None:
    """审核人更正: enter a cell's value from the original (PATH: requests.total.total; VALUE: a number, or - for
    an empty cell). The value read stays; the checks run again with the correction and the
    report's findings after it are printed.
    """
    from .decisions import add_correction, clear_correction
    from .inbox import load_report

    store = _db(db)
    if clear:
        clear_correction(store, report, path)
        click.echo(_("{path}: correction taken back", path=path), err=True)
    else:
        if value is None:
            raise CommandError(_("give the VALUE (or - for an empty cell), or --clear"))
        c = add_correction(store, report, path, value, note=note, reviewer=reviewer)
        click.echo(_("{path}: corrected to {value}", path=path, value="—" if c.value is None else c.value), err=True)
    _print_report(load_report(store, report), True)


def register(group: click.Group) -> None:
    group.add_command(review_group)


__all__ = ["review_group", "register"]
