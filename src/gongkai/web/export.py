"""A record as an Excel workbook: the three tables laid out as the template draws them (merged
cells merged), then one row per cell with its source, then the findings. Headers in the current
language (Chinese by default); text a spreadsheet would take for a formula stays text."""
from __future__ import annotations

import io
from typing import Any, Mapping

from ..render import layout as L
from ..i18n import _
from ..render.xlsx import append_row as _append, put_cell as _put
from ..store.export import ORIGIN_TEXT, SEVERITY_TEXT
from .review import table_title

_FILL = {"error": "F8D0D0", "warning": "FCE8B2", "info": "DCE8F5"}


def record_xlsx(record: Mapping[str, Any]) -> bytes:
    try:
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    except ImportError as e:  # pragma: no cover - openpyxl comes with the web extra
        raise RuntimeError("xlsx export needs openpyxl (pip install 'gongkai[web]')") from e

    worst: dict[str, str] = {}
    rank = {"info": 0, "warning": 1, "error": 2}
    for f in record.get("findings") or []:
        where = f.get("where") or ""
        if where.count(".") == 2 and rank.get(f.get("severity"), 0) >= rank.get(worst.get(where, "info"), 0):
            worst[where] = f.get("severity") or "info"

    wb = Workbook()
    ws = wb.active
    ws.title = _("report")
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    title = f"{record.get('agency') or ''} {record.get('year') or ''}".strip()
    _put(ws, 1, 1, title or _("report")).font = Font(bold=True, size=13)
    top = 3
    for layout in L.layouts_for(record):
        _put(ws, top, 1, table_title(layout.key)).font = Font(bold=True)
        top += 1
        for r, c, cell in layout.placements():
            row, col = top + r, 1 + c
            if cell.path:
                value = L.lookup(record, cell.path)
                target = _put(ws, row, col, value if value is not None else L.NULL_TEXT)
                if cell.path in worst:
                    target.fill = PatternFill("solid", fgColor=_FILL[worst[cell.path]])
            else:
                target = _put(ws, row, col, cell.text)
                target.font = Font(bold=True)
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    ws.cell(row=row + dr, column=col + dc).border = border
                    ws.cell(row=row + dr, column=col + dc).alignment = center
            if cell.rowspan > 1 or cell.colspan > 1:
                ws.merge_cells(start_row=row, start_column=col,
                               end_row=row + cell.rowspan - 1, end_column=col + cell.colspan - 1)
        top += len(layout.rows) + 2
    for col in range(1, 16):
        ws.column_dimensions[chr(64 + col)].width = 14

    cells = wb.create_sheet(_("cells"))
    _append(cells, [_("Cell"), _("Count"), _("Source text"), _("Location")])
    provenance = record.get("provenance") or {}
    for table in ("active", "requests", "appeals"):
        for row, fields in (record.get(table) or {}).items():
            for name, value in (fields or {}).items():
                path = f"{table}.{row}.{name}"
                prov = provenance.get(path) or {}
                _append(cells, [path, value, prov.get("raw"), prov.get("at")])

    findings = wb.create_sheet(_("findings"))
    _append(findings, [_("Rule"), _("Severity"), _("Origin"), _("Where"), _("Message"), _("Evidence")])
    for f in record.get("findings") or []:
        severity, origin = f.get("severity"), f.get("origin")
        _append(findings, [f.get("rule"), _(SEVERITY_TEXT[severity]) if severity in SEVERITY_TEXT else severity,
                           _(ORIGIN_TEXT[origin]) if origin in ORIGIN_TEXT else origin, f.get("where"),
                           f.get("message"), f.get("evidence")])
    for sheet in (cells, findings):
        for letter, width in zip("ABCDEF", (34, 10, 14, 30, 80, 40)):
            sheet.column_dimensions[letter].width = width

    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


