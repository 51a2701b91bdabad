"""A draft typed into a form (the web page): the values as a record, and its checks.

`record_from_fields(fields)` reads the form's fields (named by record path, with `agency`, `year`
and last year's `previous.*` figures) into a `Record`, a finding at every cell whose text is no
number; `draft_findings(record, previous)` runs gongkai's checks on it, and the two checks a draft
can make against last year (二、上年结转 = last year's 结转下年度; 现行有效 continuity), the same
identities the workbook checks and the store checks across years (GK901, GK902).
"""
from __future__ import annotations

import re
from typing import Any, Mapping, Optional

from .. import vocabulary as V
from ..i18n import lazy
from ..record import Finding, Record, Source
from .workbook import PREVIOUS_PREFIX, TEMPLATE, record_paths

MEDIA_TYPE = "application/x-www-form-urlencoded"
_INT = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
DECIMAL_PATHS = frozenset(f"active.{s.key}.{f}" for s in V.ACTIVE_ROWS_2021 for f in s.decimal_fields)
PREVIOUS_PATHS = tuple(f"active.{k}.in_force" for k in ("regulations", "normative_documents")) + tuple(
    f"requests.carried_forward.{c}" for c in V.APPLICANT_COLUMNS)


def number(text: Any, *, decimal: bool = False) -> tuple[Optional[float | int], bool]:
    """(value, ok) of a typed cell: blank is (None, True); a number is read exactly, thousands
    separators and full-width digits allowed; anything else is (None, False), never guessed."""
    if text is None:
        return None, True
    s = str(text).strip().translate(str.maketrans("０１２３４５６７８９．－＋", "0123456789.-+")).replace(",", "")
    if not s:
        return None, True
    if _INT.fullmatch(s):
        return int(s), True
    if decimal and _DECIMAL.fullmatch(s):
        return float(s), True
    return None, False


def record_from_fields(fields: Mapping[str, Any]) -> Record:
    """The form's cells as a 2021-template record; a cell that is no number is null with an error
    finding saying so (`draft-not-a-number`)."""
    tables: dict[str, dict[str, dict[str, Any]]] = {"active": {}, "requests": {}, "appeals": {}}
    findings: list[Finding] = []
    for path in record_paths():
        table, row, field = path.split(".")
        raw = fields.get(path)
        value, ok = number(raw, decimal=path in DECIMAL_PATHS)
        if not ok:
            findings.append(Finding(rule="draft-not-a-number", severity="error", origin="source",
                                    message=lazy("“{text}” is not a number", text=str(raw).strip()), where=path))
        tables[table].setdefault(row, {})[field] = value
    year, ok = number(fields.get("year"))
    agency = str(fields.get("agency") or "").strip() or None
    return Record(source=Source(path=None, sha256="", media_type=MEDIA_TYPE), agency=agency,
                  year=year if ok else None, template=TEMPLATE, findings=findings, **tables)


def previous_from_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Last year's figures typed or pre-filled on the page ({record path: value})."""
    out = {}
    for path in PREVIOUS_PATHS:
        value, ok = number(fields.get(PREVIOUS_PREFIX + path))
        if ok and value is not None:
            out[path] = value
    return out


def previous_figures(record: Any) -> dict[str, Any]:
    """The figures a draft takes from last year's record ({record path: value})."""
    rec = record if isinstance(record, Mapping) else record.to_dict()
    out = {}
    for path in PREVIOUS_PATHS:
        table, row, field = path.split(".")
        value = ((rec.get(table) or {}).get(row) or {}).get(field)
        if value is not None:
            out[path] = value
    return out


def nested(figures: Mapping[str, Any]) -> dict[str, Any]:
    """{record path: value} -> a record dict ({"requests": {"carried_forward": {...}}, ...})."""
    out: dict[str, Any] = {}
    for path, value in figures.items():
        table, row, field = path.split(".")
        out.setdefault(table, {}).setdefault(row, {})[field] = value
    return out


def draft_findings(record: Record, previous: Optional[Mapping[str, Any]] = None) -> list[Finding]:
    """Every finding on a draft: the form's own, gongkai's checks, and last year's two identities."""
    from ..checks import run_checks

    findings = list(record.findings) + run_checks(record)
    previous = previous or {}
    for key in ("regulations", "normative_documents"):
        last = previous.get(f"active.{key}.in_force")
        issued, repealed, now = (record.cell(f"active.{key}.{f}") for f in ("issued", "repealed", "in_force"))
        if last is None or now is None:
            continue
        expected = last + (issued or 0) - (repealed or 0)
        if expected != now:
            label = next(s.label for s in V.ACTIVE_ROWS_2021 if s.key == key)
            findings.append(Finding(
                rule="GK902", severity="warning", origin="source", where=f"active.{key}.in_force",
                message=lazy("{row}: last year {last} + issued {issued} − repealed {repealed} = {expected}, "
                             "but 现行有效件数 reads {now}", row=label, last=last, issued=issued or 0,
                             repealed=repealed or 0, expected=expected, now=now)))
    for column in V.APPLICANT_COLUMNS:
        last = previous.get(f"requests.carried_forward.{column}")
        now = record.cell(f"requests.carried_over.{column}")
        if last is not None and now is not None and last != now:
            findings.append(Finding(
                rule="GK901", severity="warning", origin="source", where=f"requests.carried_over.{column}",
                message=lazy("二、上年结转 × {column} reads {now}, but last year's report carried {last} forward "
                             "(四、结转下年度继续办理)", column=V.APPLICANT_COLUMN_LABELS[column], now=now, last=last)))
    return findings


__all__ = ["record_from_fields", "previous_from_fields", "previous_figures", "draft_findings", "nested", "number",
           "PREVIOUS_PATHS"]
