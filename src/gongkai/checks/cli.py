"""`gongkai check` and `gongkai rules`: the checks on the command line, like a linter."""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Optional

import click

from ..record import Finding, Record
from .registry import SEVERITY_RANK, REGISTRY, catalogue, quotes_words, selected, unknown_selectors

_STYLE = {"error": {"fg": "red", "bold": True}, "warning": {"fg": "yellow"}, "info": {"dim": True}}
_TEXT_MEDIA = ("text/plain", "text/markdown", "text/html")


def _split(values: tuple[str, ...]) -> list[str]:
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


def _source_lines(path: str, record: Record) -> list[str]:
    """The source's lines as the reader numbered them (text formats only), for showing evidence."""
    if record.source.media_type not in _TEXT_MEDIA:
        return []
    try:
        from ..ingest import read_document

        return read_document(Path(path).read_bytes(), path).lines
    except Exception:  # evidence display must never fail the check
        return []


_QUOTE_RE = re.compile(r"“([^”]{2,})”")
_WIDE = 160  # a longer line (a crawler's whole page) is shown as an excerpt around the words


_COL_RE = re.compile(r"\bcol (\d+)")


def _excerpt(text: str, needle: str, width: int = 60, col: Optional[int] = None) -> Optional[str]:
    if len(text.strip()) <= _WIDE:
        return text.strip()
    if col is not None and 0 < col <= len(text):  # the reader said where on the line: trust it
        i = col - 1
        a, b = max(0, i - width), min(len(text), i + len(needle) + width)
        return ("…" if a else "") + text[a:b].strip() + ("…" if b < len(text) else "")
    text = text.strip()
    i = text.find(needle) if needle else -1
    if i < 0 or text.count(needle) > 1 and len(needle) < 6:
        return None  # cannot tell which occurrence: better no excerpt than a wrong one
    a, b = max(0, i - width), min(len(text), i + len(needle) + width)
    return ("…" if a else "") + text[a:b] + ("…" if b < len(text) else "")


def source_line(finding: Finding, record: Record, lines: list[str]) -> Optional[tuple[int, str]]:
    """(line number, text or excerpt) of the source line a finding is about, when it can be found."""
    if not lines:
        return None
    from .patterns import normalize_narrative

    quotes = _QUOTE_RE.findall(finding.message) + _QUOTE_RE.findall(finding.evidence or "")
    evidence = finding.evidence or ""
    by_words = quotes_words(finding)
    if not by_words:
        where = finding.where or ""
        cands = [where] + sorted(p for p in record.provenance if where and p.startswith(where + "."))
        for p in cands:
            src = record.provenance.get(p)
            if src is not None and src.line and 0 < src.line <= len(lines):
                col = _COL_RE.search(src.at or "")
                shown = _excerpt(lines[src.line - 1], src.raw.strip(), col=int(col.group(1)) if col else None)
                return (src.line, shown) if shown else None
    # Narrative and label findings quote the words: find the first line that holds them.
    for quoted in quotes:
        needle = normalize_narrative(quoted.strip("…"))
        if len(needle) < 2:
            continue
        for i, line in enumerate(lines, 1):
            norm = normalize_narrative(line)
            if needle in norm:
                shown = _excerpt(norm, needle)
                return (i, shown) if shown else None
    return None


def _header(path: str, record: Optional[Record]) -> str:
    if record is None:
        return path
    bits = [record.agency or "(agency not named)", f"{record.year}" if record.year else "(year unknown)",
            f"template {record.template}" if record.template else "template not recognised"]
    return f"{path} — {' · '.join(bits)}"


def _print_text(path: str, record: Record, findings: list[Finding], color: bool) -> None:
    lines = _source_lines(path, record) if findings else []
    click.echo(click.style(_header(path, record), bold=True) if color else _header(path, record))
    if not findings:
        click.echo("  no findings")
        return
    for severity in ("error", "warning", "info"):
        group = [f for f in findings if f.severity == severity]
        if not group:
            continue
        title = f"  {severity}s ({len(group)})"
        click.echo(click.style(title, **_STYLE[severity]) if color else title)
        for f in group:
            rule = REGISTRY.get(f.rule)
            name = f" {rule.name}" if rule else ""
            origin = "" if f.origin == "source" else f" [{f.origin}]"
            head = f"    {f.rule}{name}{origin}  {f.where or ''}"
            click.echo(click.style(head, **_STYLE[severity]) if color else head)
            click.echo(f"        {f.message}")
            at = source_line(f, record, lines)
            if at is not None:
                click.echo(f"        line {at[0]}: {at[1]}")
            elif f.evidence:
                click.echo(f"        {f.evidence[:240]}")


def published_option(ctx, param, value: Optional[str]) -> Optional[str]:
    """`--published-on`: a date in any form `gongkai.checks.dates` reads, as ISO; a bad one is a usage error."""
    if value is None:
        return None
    from .dates import parse_date

    try:
        return parse_date(value)
    except ValueError as e:
        raise click.BadParameter(str(e)) from None


@click.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=str))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "jsonl"]), default="text", show_default=True,
              help="text: findings grouped by file and severity, with the source line; json: one array of "
                   "{file, agency, year, findings}; jsonl: one finding per line with its file.")
@click.option("--select", multiple=True, metavar="RULE",
              help="Only these rules: codes (GK101), families (GK1, GK4) or names (requests-row-sum); "
                   "repeat or separate by commas.")
@click.option("--ignore", multiple=True, metavar="RULE", help="Leave out these rules (same forms as --select).")
@click.option("--severity", type=click.Choice(["info", "warning", "error"]), default="warning", show_default=True,
              help="Show findings of this severity and above.")
@click.option("--published-on", "published", metavar="DATE", callback=published_option,
              help="When the reports were published (2024-01-20), if the documents do not say: checked against "
                   "the 条例's deadline (GK603).")
def check_command(files: tuple[str, ...], fmt: str, select: tuple[str, ...], ignore: tuple[str, ...],
                  severity: str, published: Optional[str]) -> None:
    """Check reports: do their tables add up, are their parts all there, does the text agree with
    the tables? Reports what is wrong and where; never changes a number.

    Exit status: 1 if any error is reported, 2 if a file could not be read, else 0.

    \b
    Examples:
      gongkai check report.pdf
      gongkai check --select GK1,GK2 reports/*        # only the arithmetic of tables 三 and 四
      gongkai check --ignore GK4 --severity error reports/*
      gongkai check --format jsonl reports/* | jq -r .rule | sort | uniq -c
    """
    from ..api import parse_files
    from . import run_checks

    sel, ign = _split(select), _split(ignore)
    for s in unknown_selectors(sel + ign):
        click.echo(f"gongkai check: warning: {s!r} names no rule (see `gongkai rules`)", err=True)
    threshold = SEVERITY_RANK[severity]
    color = fmt == "text" and sys.stdout.isatty()
    failed = errors = 0
    payload = []
    for i, (path, record, error) in enumerate(parse_files(files, check=False, published=published)):
        if record is None:
            failed += 1
            click.echo(f"gongkai check: {path}: {error}", err=True)
            continue
        findings = [f for f in record.findings + run_checks(record, select=sel or None, ignore=ign or None)
                    if selected(f.rule, sel or None, ign or None) and SEVERITY_RANK[f.severity] >= threshold]
        findings.sort(key=lambda f: (-SEVERITY_RANK[f.severity], f.rule))
        errors += sum(f.severity == "error" for f in findings)
        if fmt == "text":
            if i:
                click.echo()
            _print_text(path, record, findings, color)
        elif fmt == "jsonl":
            for f in findings:
                click.echo(json.dumps({"file": path, **f.model_dump()}, ensure_ascii=False))
        else:
            payload.append({"file": path, "agency": record.agency, "year": record.year, "template": record.template,
                            "findings": [f.model_dump() for f in findings]})
    if fmt == "json":
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    elif fmt == "text" and len(files) > 1:
        click.echo(f"\n{len(files) - failed} file(s) checked, {errors} error(s)"
                   + (f", {failed} not readable" if failed else ""))
    if failed:
        sys.exit(2)
    if errors:
        sys.exit(1)


@click.command("rules")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.argument("rule_ids", nargs=-1, metavar="[RULE]...")
def rules_command(fmt: str, rule_ids: tuple[str, ...]) -> None:
    """List the checks: code, name, severity, origin and summary (with RULE: also why and an example).

    \b
    Examples:
      gongkai rules
      gongkai rules GK201            # the appeals rule, explained
      gongkai rules --format json | jq -r '.[].code'
    """
    chosen = [r for r in catalogue() if not rule_ids or selected(r.code, list(rule_ids), None)]
    if fmt == "json":
        click.echo(json.dumps([{"code": r.code, "name": r.name, "severity": r.severity, "origin": r.origin,
                                "summary": r.summary, "doc": r.doc} for r in chosen], ensure_ascii=False, indent=2))
        return
    if fmt == "markdown":
        from .docs import render

        click.echo(render(chosen), nl=False)
        return
    for r in chosen:
        click.echo(f"{r.code}  {r.name:<32} {r.severity:<8} {r.origin:<7} {r.summary}")
        if rule_ids:
            click.echo("\n" + "\n".join("    " + line if line else "" for line in r.doc.splitlines()) + "\n")
