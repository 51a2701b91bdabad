"""A record printed as the template lays out its tables, for a person at a terminal."""
from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .record import Record
from .terminal import terminal_safe
from .vocabulary import (
    ACTIVE_FIELD_LABELS, ACTIVE_ROWS_2019, ACTIVE_ROWS_2021, ALL_REQUEST_ROW_LABELS, APPEAL_FIELD_LABELS,
    APPEAL_GROUP_LABELS, APPLICANT_COLUMN_LABELS,
)

_SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "dim"}


def _fmt(value) -> str:
    return "" if value is None else str(value)


def _safe(text) -> str:
    """Report text for rich: control characters shown as escapes, markup brackets escaped."""
    return escape(terminal_safe(text, one_line=True))


def print_record(record: Record, console: Console | None = None) -> None:
    console = console or Console()
    console.print(f"[bold]{_safe(record.agency) or '（机关名称未识别）'}[/bold]  {record.year or '?'}年度  "
                  f"模板 {record.template or '?'}  [dim]{_safe(record.source.path)}[/dim]")
    specs = {s.key: s for s in (ACTIVE_ROWS_2019 if record.template == "2019" else ACTIVE_ROWS_2021)}
    active = Table(title="二、主动公开政府信息情况", show_lines=False)
    active.add_column("信息内容")
    active.add_column("数值")
    for key, fields in record.active.items():
        label = specs[key].label if key in specs else key
        active.add_row(label, "  ".join(f"{ACTIVE_FIELD_LABELS.get(f, f)} {_fmt(v)}" for f, v in fields.items()))
    console.print(active)

    requests = Table(title="三、收到和处理政府信息公开申请情况")
    requests.add_column("", no_wrap=True, max_width=26, overflow="ellipsis")
    for col in APPLICANT_COLUMN_LABELS.values():
        requests.add_column(col, justify="right")
    for key, row in record.requests.items():
        # the row's own words (the group label before the space is implied by the row order)
        label = ALL_REQUEST_ROW_LABELS.get(key, key).split(" ")[-1]
        requests.add_row(label, *(_fmt(v) for v in row.values()))
    console.print(requests)

    appeals = Table(title="四、政府信息公开行政复议、行政诉讼情况")
    appeals.add_column("")
    for f in APPEAL_FIELD_LABELS.values():
        appeals.add_column(f, justify="right")
    for group, row in record.appeals.items():
        appeals.add_row(APPEAL_GROUP_LABELS.get(group, group), *(_fmt(v) for v in row.values()))
    console.print(appeals)

    if record.findings:
        console.print("[bold]Findings[/bold]")
        for f in record.findings:
            style = _SEVERITY_STYLE.get(f.severity, "")
            where = f" [{f.where}]" if f.where else ""
            console.print(f"[{style}]{f.severity:7}[/{style}] {f.rule}{_safe(where)}: {_safe(f.message)}"
                          + (f" [dim]({_safe(f.evidence)})[/dim]" if f.evidence else ""))
    console.print()
