"""`gongkai check` and `gongkai rules`: the checks on the command line, like a linter (ruff's
conventions: --select/--ignore with typo suggestions, --statistics, --exit-zero, -q, a
configuration file, `-` for standard input, folders searched for reports, NO_COLOR)."""
from __future__ import annotations

import json
import os
import re
import sys
from collections import Counter
from typing import IO, Optional

import click

from ..cli_base import ConfigError, command, load_config
from ..i18n import N_, _, language, listing
from ..locations import describe
from ..record import Finding, Record, origin_word, severity_word
from ..terminal import terminal_safe
from .registry import SEVERITY_RANK, REGISTRY, catalogue, nearest, quotes_words, selected, unknown_selectors

_STYLE = {"error": {"fg": "red", "bold": True}, "warning": {"fg": "yellow"}, "info": {"dim": True}}
_TEXT_MEDIA = ("text/plain", "text/markdown", "text/html")


def _split(values: tuple[str, ...]) -> list[str]:
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


def _source_lines(path: str, record: Record) -> list[str]:
    """The source's lines as the reader numbered them (text formats only), for showing evidence."""
    if record.source.media_type not in _TEXT_MEDIA:
        return []
    try:
        from ..ingest import read_document, read_file

        return read_document(read_file(path), path).lines
    except Exception:  # evidence display must never fail the check
        return []


_QUOTE_RE = re.compile(r"“([^”]{2,})”")
_WIDE = 160  # a longer line (a crawler's whole page) is shown as an excerpt around the words


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
    by_words = quotes_words(finding)
    if not by_words:
        where = finding.where or ""
        cands = [where] + sorted(p for p in record.provenance if where and p.startswith(where + "."))
        for p in cands:
            src = record.provenance.get(p)
            if src is not None and src.line and 0 < src.line <= len(lines):
                col = src.char + 1 if src.char is not None else None
                shown = _excerpt(lines[src.line - 1], src.raw.strip(), col=col)
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


SEVERITY_GROUPS = {"error": N_("errors ({n})"), "warning": N_("warnings ({n})"), "info": N_("info ({n})")}
STDIN = "-"


def _split(values: tuple[str, ...]) -> list[str]:
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


def _color(out: IO) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    return not os.environ.get("NO_COLOR") and hasattr(out, "isatty") and out.isatty()


def _header(path: str, record: Optional[Record]) -> str:
    if record is None:
        return path
    bits = [record.agency or _("(body not named)"), str(record.year) if record.year else _("(year unknown)"),
            _("template {template}", template=record.template) if record.template else _("template not recognised")]
    return f"{path} — {' · '.join(bits)}"


def _print_text(path: str, record: Record, findings: list[Finding], out: IO, color: bool) -> None:
    def echo(text: str = "", **style) -> None:
        click.echo(click.style(text, **style) if color and style else text, file=out, color=color)

    lines = _source_lines(path, record) if findings and path != STDIN else []
    echo(terminal_safe(_header(path, record), one_line=True), bold=True)
    if not findings:
        echo("  " + _("no findings"))
        return
    for severity in ("error", "warning", "info"):
        group = [f for f in findings if f.severity == severity]
        if not group:
            continue
        echo("  " + _(SEVERITY_GROUPS[severity], n=len(group)), **_STYLE[severity])
        for f in group:
            rule = REGISTRY.get(f.rule)
            name = f" {rule.name}" if rule else ""
            origin = "" if f.origin == "source" else f" [{origin_word(f.origin)}]"
            echo(f"    {f.rule}{name}{origin}  {terminal_safe(describe(f.where), one_line=True)}", **_STYLE[severity])
            echo(f"        {terminal_safe(f.message, one_line=True)}")
            at = source_line(f, record, lines)
            if at is not None:
                echo("        " + _("line {line}: {text}", line=at[0], text=terminal_safe(at[1], one_line=True)))
            elif f.evidence:
                echo(f"        {terminal_safe(f.evidence[:240], one_line=True)}")


def _statistics(counts: Counter, severities: dict[str, str], fmt: str, out: IO) -> None:
    """Findings per rule, most frequent first (ruff's --statistics)."""
    names = {r.code: r.name for r in catalogue()}
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    if fmt == "text":
        for code, n in rows:
            name = names.get(code, "")
            click.echo(f"{n:>6}  {code:<8} {name if name != code else '':<28} {severity_word(severities[code])}",
                       file=out)
        return
    items = [{"code": code, "name": names.get(code, code), "severity": severities[code], "count": n}
             for code, n in rows]
    if fmt == "json":
        click.echo(json.dumps(items, ensure_ascii=False, indent=2), file=out)
    else:
        for item in items:
            click.echo(json.dumps(item, ensure_ascii=False), file=out)


def _refuse_unknown(entries: list[tuple[str, str]]) -> None:
    """Exit 2 naming each selector that names no rule, with the nearest valid ids."""
    for source, entry in entries:
        close = nearest(entry)
        hint = _("; did you mean {ids}?", ids=listing(close)) if close else ""
        click.echo("gongkai: " + _("{source}: {entry!r} names no rule{hint} (`gongkai rules` lists them)",
                                   source=source, entry=entry, hint=hint), err=True)
    sys.exit(2)


def _inputs(inputs: tuple[str, ...], quiet: bool) -> tuple[list[str], list[tuple[str, str]]]:
    """Report files to check (folders searched, `-` kept) and the inputs that do not exist."""
    from ..inputs import discover

    skipped: list[tuple[str, str]] = []  # (path, why it is no report to read)
    paths: list[str] = []
    missing: list[tuple[str, str]] = []
    for item in inputs:
        if item == STDIN:
            paths.append(STDIN)
            continue
        found, gone = discover([item], skipped=skipped)
        # a file named on the command line keeps the name it was given
        paths.extend([item] if os.path.isfile(item) else [os.path.relpath(p) for p in found])
        missing.extend(gone)
    if skipped and not quiet:
        shown = listing(f"{os.path.relpath(p)}（{why}）" if language() == "zh" else f"{os.path.relpath(p)} ({why})"
                        for p, why in skipped[:5])
        more = _(" and {n} more", n=len(skipped) - 5) if len(skipped) > 5 else ""
        click.echo("gongkai: " + _("skipped {n} paths that are no report to read: {files}{more}",
                                   n=len(skipped), files=shown, more=more), err=True)
    return paths, missing


def published_option(ctx, param, value: Optional[str]) -> Optional[str]:
    """`--published-on`: a date in any form `gongkai.checks.dates` reads, as ISO; a bad one is a usage error."""
    if value is None:
        return None
    from .dates import parse_date

    try:
        return parse_date(value)
    except ValueError as e:
        raise click.BadParameter(str(e)) from None


@command("check")
@click.argument("inputs", nargs=-1, required=True, metavar="FILE|DIR|-...")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "jsonl"]), default="text", show_default=True,
              help="text: findings grouped by file and severity, with the source line; json: one array of "
                   "{file, agency, year, findings}; jsonl: one finding per line with its file.")
@click.option("--select", multiple=True, metavar="RULE",
              help="Only these rules: codes (GK101), families (GK1, GK4), names (requests-row-sum) or the "
                   "reading's findings (row-not-found); repeat or separate by commas.")
@click.option("--ignore", multiple=True, metavar="RULE", help="Leave out these rules (same forms as --select).")
@click.option("--severity", type=click.Choice(["info", "warning", "error"]), default=None,
              help="Show findings of this severity and above (default: warning).")
@click.option("--statistics", is_flag=True, help="Print the number of findings of each rule instead of the findings.")
@click.option("--output-file", "-o", type=click.Path(dir_okay=False, writable=True), default=None, metavar="FILE",
              help="Write the findings to this file instead of standard output.")
@click.option("--quiet", "-q", is_flag=True,
              help="Only the findings: no line for clean files, no summary, no list of skipped files.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when errors are found (an unreadable file still exits 2).")
@click.option("--published-on", "published", metavar="DATE", callback=published_option,
              help="When the reports were published (2024-01-20), if the documents do not say: checked against "
                   "the 条例's deadline (GK603).")
@click.option("--stdin-filename", metavar="NAME", default=None,
              help="The name to give standard input (`-`) in the output, and to tell its format by.")
def check_command(inputs: tuple[str, ...], fmt: str, select: tuple[str, ...], ignore: tuple[str, ...],
                  severity: Optional[str], statistics: bool, output_file: Optional[str], quiet: bool,
                  exit_zero: bool, stdin_filename: Optional[str], published: Optional[str]) -> None:
    """Check reports: do their tables add up, are their parts all there, does the text agree with
    the tables? Reports what is wrong and where; never changes a number.

    FILE is a report in any form; DIR is searched for reports (known extensions; other files are
    listed as skipped); `-` reads standard input. Settings may also come from `gongkai.toml` or
    `[tool.gongkai]` in `pyproject.toml` (select, ignore, severity, lang); the options override them.

    Exit status: 0 no error found; 1 errors found; 2 a file could not be read, or an option or the
    configuration is wrong. When files with errors and unreadable files meet, the status is 2 and
    the last line on stderr says both.

    \b
    Examples:
      gongkai check report.pdf
      gongkai check reports/                           # every report in the folder
      gongkai check --select GK1,GK2 reports/*        # only the arithmetic of tables 三 and 四
      gongkai check --ignore GK4 --severity error reports/
      gongkai check --statistics reports/             # how often each rule fires
      gongkai check --format jsonl reports/ | jq -r .rule | sort | uniq -c
      cat report.txt | gongkai check -
    """
    from ..api import parse_bytes, parse_files, read_stdin
    from ..ingest import ReadError
    from . import run_checks

    try:
        config = load_config()
    except ConfigError as e:
        click.echo(f"gongkai: {e}", err=True)
        sys.exit(2)
    cli_select, cli_ignore = _split(select), _split(ignore)
    sel = cli_select or config.select
    ign = config.ignore + cli_ignore
    threshold = SEVERITY_RANK[severity or config.severity or "warning"]
    where = {s: "--select" for s in cli_select} | {s: "--ignore" for s in cli_ignore}
    unknown = unknown_selectors(sel + ign)
    if unknown:
        _refuse_unknown([(where.get(s, str(config.path)), s) for s in unknown])

    paths, missing = _inputs(inputs, quiet)
    out: IO = open(output_file, "w", encoding="utf-8") if output_file else sys.stdout
    color = fmt == "text" and not output_file and _color(out)
    failed: list[str] = []
    for item, why in missing:
        failed.append(item)
        click.echo(f"gongkai: {terminal_safe(item, one_line=True)}: {why}", err=True)
    files_with_errors = errors = checked = 0
    counts: Counter = Counter()
    severities: dict[str, str] = {}
    payload = []
    lang = language()

    def records():
        for path in paths:
            if path == STDIN and stdin_filename:
                try:
                    yield stdin_filename, parse_bytes(read_stdin(), name=stdin_filename, check=False,
                                                      published=published), None
                except ReadError as e:
                    yield stdin_filename, None, str(e)
            else:
                yield from parse_files([path], check=False, published=published)

    try:
        for path, record, error in records():
            if record is None:
                failed.append(path)
                click.echo(f"gongkai: {terminal_safe(path, one_line=True)}: {terminal_safe(error, one_line=True)}",
                           err=True)
                continue
            checked += 1
            findings = [f.localized(lang) for f in record.findings + run_checks(record, select=sel or None,
                                                                                ignore=ign or None)
                        if selected(f.rule, sel or None, ign or None) and SEVERITY_RANK[f.severity] >= threshold]
            findings.sort(key=lambda f: (-SEVERITY_RANK[f.severity], f.rule))
            n_errors = sum(f.severity == "error" for f in findings)
            errors += n_errors
            files_with_errors += bool(n_errors)
            for f in findings:
                counts[f.rule] += 1
                severities[f.rule] = max(severities.get(f.rule, f.severity), f.severity, key=SEVERITY_RANK.get)
            if statistics:
                continue
            if fmt == "text":
                if quiet and not findings:
                    continue
                if payload:  # a blank line between files
                    click.echo(file=out)
                payload.append(path)
                _print_text(path, record, findings, out, color)
            elif fmt == "jsonl":
                for f in findings:
                    click.echo(json.dumps({"file": path, **f.model_dump()}, ensure_ascii=False), file=out)
            else:
                payload.append({"file": path, "agency": record.agency, "year": record.year,
                                "template": record.template, "findings": [f.model_dump() for f in findings]})
        if statistics:
            _statistics(counts, severities, fmt, out)
        elif fmt == "json":
            click.echo(json.dumps(payload, ensure_ascii=False, indent=2), file=out)
        if fmt == "text" and not quiet and (checked + len(failed) > 1 or statistics):
            click.echo("\n" + _("{files} file(s) checked, {errors} error(s)", files=checked, errors=errors)
                       + (_(", {n} not readable", n=len(failed)) if failed else ""), file=out)
    finally:
        if output_file:
            out.close()
    if failed:
        # the unreadable files decide the status; the errors found elsewhere must not go unseen
        tail = _("; {errors} error(s) found in {files} other file(s)", errors=errors, files=files_with_errors) \
            if errors else ""
        click.echo("gongkai: " + _("{n} file(s) could not be read (exit status 2){tail}", n=len(failed), tail=tail),
                   err=True)
        sys.exit(2)
    if errors and not exit_zero:
        sys.exit(1)


@command("rules")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True,
              help="text: one line per rule; json: every field; markdown: the documentation (docs/rules.md).")
@click.argument("rule_ids", nargs=-1, metavar="[RULE]...")
def rules_command(fmt: str, rule_ids: tuple[str, ...]) -> None:
    """List the rules: code, name, severity, origin and summary (with RULE: also why and an example).

    The per-report checks (GK1–GK5), the cross-report checks of a store (GK9) and the reading's own
    findings (row-not-found, unreadable-cell, …); `gongkai check --select/--ignore` take them all.
    A RULE that names no rule exits 2 with the nearest valid ids.

    \b
    Examples:
      gongkai rules
      gongkai rules GK201            # the appeals rule, explained
      gongkai rules row-not-found
      gongkai rules --format json | jq -r '.[].code'
    """
    listed = catalogue()
    unknown = [r for r in rule_ids if not any(selected(x.code, [r], None) or r == x.name for x in listed)]
    if unknown:
        _refuse_unknown([("gongkai rules", r) for r in unknown])
    chosen = [r for r in listed if not rule_ids or any(selected(r.code, [s], None) or s == r.name for s in rule_ids)]
    if fmt == "json":
        click.echo(json.dumps([{"code": r.code, "name": r.name, "severity": r.severity, "origin": r.origin,
                                "summary": r.summary, "doc": r.doc} for r in chosen], ensure_ascii=False, indent=2))
        return
    if fmt == "markdown":
        from .docs import render

        click.echo(render(chosen), nl=False)
        return
    for r in chosen:
        name = "" if r.name == r.code else r.name
        click.echo(f"{r.code:<16} {name:<28} {severity_word(r.severity):<7} {origin_word(r.origin):<8} {r.summary}")
        if rule_ids:
            click.echo("\n" + "\n".join("    " + line if line else "" for line in r.doc.splitlines()) + "\n")
