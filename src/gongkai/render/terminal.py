"""A record printed as the template lays out its tables, for a person at a terminal of 80 columns.

Numbers are right-aligned; a sub-row keeps its parent visible (（三）2.其他法律行政法规禁止公开);
column headers wrap instead of being cut; a cell a finding points at is marked (`!` error, `?`
warning) and coloured; the findings follow, errors first. The template's labels are data and stay
Chinese; the rest follows the interface language.
"""
from __future__ import annotations

from typing import Iterable, Optional

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..i18n import _, pgettext
from ..terminal import terminal_safe
from ..record import Finding, Record
from .. import vocabulary as V
from .layout import ACTIVE_GROUPS, ACTIVE_HEADERS, ARTICLE_20_ITEM, format_value

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
def _severity_word(severity: str) -> str:
    words = {"error": pgettext("severity", "error"), "warning": pgettext("severity", "warning"),
             "info": pgettext("severity", "info")}
    return words.get(severity, severity)


_STYLE = {"error": "bold red", "warning": "yellow", "info": "dim"}
_MARK = {"error": "!", "warning": "?"}
TABLE_TITLES = {n: f"{'一二三四五六'[n - 1]}、{t}" for n, t, _c in V.SECTION_TITLES}


def _wrap_header(label: str, chunk: int = 2) -> str:
    """A column heading in lines of `chunk` characters (自然人 and 其他 stay whole; a bracketed
    unit gets its own line): narrow columns keep their whole heading rather than `自 …`."""
    head, bracket, unit = label.partition("（")
    if bracket:
        return _wrap_header(head, chunk) + "\n" + bracket + unit
    if len(label) <= 3:
        return label
    return "\n".join(label[i:i + chunk] for i in range(0, len(label), chunk))


def _table(**kwargs) -> Table:
    # no vertical rules, one space between columns: 7 numbers and a label fit in 80 columns
    return Table(box=box.SIMPLE_HEAD, padding=(0, 0, 0, 1), pad_edge=False, show_edge=False,
                 title_justify="left", title_style="bold", **kwargs)


class _Marks:
    """Worst severity per cell path, from findings that point at a cell or a row."""

    def __init__(self, findings: Iterable[Finding]):
        self.cells: dict[str, str] = {}
        for f in findings:
            if f.severity == "info" or not f.where or f.where.count(".") != 2:
                continue
            old = self.cells.get(f.where)
            if old is None or SEVERITY_ORDER[f.severity] < SEVERITY_ORDER[old]:
                self.cells[f.where] = f.severity

    def value(self, path: str, value) -> Text:
        severity = self.cells.get(path)
        text = "" if value is None else format_value(value)
        if severity is None:
            return Text(text + " ")
        return Text(text + _MARK[severity], style=_STYLE[severity])


def _request_row_label(key: str) -> str:
    """The row's words with its parent group kept: （三）2.其他法律行政法规禁止公开."""
    from ..checks.patterns import REQUEST_ROW_SHORT

    return REQUEST_ROW_SHORT.get(key) or V.ALL_REQUEST_ROW_LABELS.get(key, key)


def active_table(record: Record, marks: _Marks) -> Table:
    template = V.TEMPLATE_2019 if record.template == V.TEMPLATE_2019 else V.TEMPLATE_2021
    specs = {s.key: s for s in (V.ACTIVE_ROWS_2019 if template == V.TEMPLATE_2019 else V.ACTIVE_ROWS_2021)}
    headers = ACTIVE_HEADERS[template]
    width = max(len(s.fields) for s in specs.values())
    table = _table(title=TABLE_TITLES[2], show_header=False)
    table.add_column(overflow="fold")
    for _i in range(width):
        table.add_column(justify="right")
    for numeral, keys in ACTIVE_GROUPS[template]:
        fields = specs[keys[0]].fields
        pad = [""] * (width - len(fields))
        table.add_row(Text(ARTICLE_20_ITEM.format(numeral), style="bold"),
                      *pad, *(Text(_wrap_header(headers[f], 4), style="dim") for f in fields))
        for key in keys:
            if key not in record.active:
                continue
            row = record.active[key]
            table.add_row(specs[key].label, *pad,
                          *(marks.value(f"active.{key}.{f}", row.get(f)) for f in fields))
    return table


def requests_table(record: Record, marks: _Marks) -> Table:
    columns = {c: V.APPLICANT_COLUMN_LABELS[c] for c in V.APPLICANT_COLUMNS}
    return _numbers_table(TABLE_TITLES[3], "requests", columns, record.requests, _request_row_label, marks)


def appeals_table(record: Record, marks: _Marks) -> Table:
    columns = {f: V.APPEAL_FIELD_LABELS[f] for f in V.APPEAL_FIELDS}
    return _numbers_table(TABLE_TITLES[4], "appeals", columns, record.appeals,
                          lambda g: V.APPEAL_GROUP_LABELS.get(g, g), marks)


def _numbers_table(title: str, table: str, columns: dict[str, str], rows: dict[str, dict], label,
                   marks: _Marks) -> Table:
    """Rows of numbers under wrapped column headings, each row labelled by `label(key)`."""
    out = _table(title=title)
    out.add_column("", overflow="fold", ratio=1)
    for heading in columns.values():
        out.add_column(_wrap_header(heading), justify="right", no_wrap=True)
    for key, row in rows.items():
        out.add_row(label(key), *(marks.value(f"{table}.{key}.{c}", row.get(c)) for c in columns))
    return out


def _safe(text: Optional[str]) -> str:
    """Report text (names, messages quoting it) with control characters shown, not obeyed."""
    return terminal_safe(text, one_line=True) if text else ""


def sorted_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Errors first, then warnings, then notes; otherwise in the order they were found."""
    return sorted(findings, key=lambda f: SEVERITY_ORDER.get(f.severity, 3))


def print_record(record: Record, console: Optional[Console] = None) -> None:
    console = console or Console()
    marks = _Marks(record.findings)
    head = Text(_safe(record.agency) or _("(reporting body not found)"), style="bold")
    head.append("  " + _("{year} · template {template}", year=record.year or "?", template=record.template or "?"))
    if record.source.path:
        head.append("  " + _safe(record.source.path), style="dim")
    console.print(head)
    if record.active:
        console.print(active_table(record, marks))
    if record.requests:
        console.print(requests_table(record, marks))
    if record.appeals:
        console.print(appeals_table(record, marks))
    if marks.cells:
        console.print(Text(_("! a cell an error points at   ? a cell a warning points at"), style="dim"))
    if record.findings:
        console.print(Text(pgettext("terminal", "Findings"), style="bold"))
        for f in sorted_findings(record.findings):
            line = Text(f"{_severity_word(f.severity):<4} ", style=_STYLE.get(f.severity, ""))
            line.append(f"{f.rule}")
            if f.where:
                line.append(f" {f.where}", style="cyan")
            line.append(f"  {_safe(f.message)}")
            if f.evidence:
                line.append(f"  ({_safe(f.evidence)})", style="dim")
            console.print(line)
    console.print()


__all__ = ["print_record", "sorted_findings", "active_table", "requests_table", "appeals_table"]
