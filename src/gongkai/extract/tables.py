"""The three statutory tables, read from the atom stream.

Rows are found by their labels (the vocabulary's cues), in template order; a row's values are the
atoms between its label and the next label. Values are mapped to fields in the template's column
order, which the column headers confirm. Nothing here counts numbers across the page: a value
belongs to the row whose label precedes it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable, Sequence

from ..document import Origin
from ..record import CellSource, Finding
from ..vocabulary import (
    APPEAL_FIELDS, APPEAL_GROUPS, APPEALS_HEADER_CUES, APPLICANT_COLUMN_LABELS, APPLICANT_COLUMNS,
    REQUEST_ROW_OTHER_SINGLE, REQUEST_ROWS_HEAD, REQUEST_ROWS_OTHER_2021, REQUEST_ROWS_TAIL,
    REQUESTS_TABLE_CUES, RowSpec, normalize_label,
)
from . import solver
from .atoms import Atom, parse_number


@dataclass
class Group:
    """Label atoms followed by the value atoms up to the next label."""

    labels: list[Atom] = field(default_factory=list)
    values: list[Atom] = field(default_factory=list)

    @property
    def label(self) -> str:
        return "".join(a.text for a in self.labels)

    @cached_property
    def key(self) -> str:
        """The label without spaces and punctuation (computed once: groups are matched often)."""
        return normalize_label(self.label)

    def has_values(self) -> bool:
        return any(a.kind != "blank" for a in self.values)


def group_atoms(atoms: Sequence[Atom]) -> list[Group]:
    """Cut the stream before every label that follows a value or a blank cell."""
    groups: list[Group] = []
    current = Group()
    for atom in atoms:
        if atom.kind == "label":
            if current.values:
                groups.append(current)
                current = Group()
            current.labels.append(atom)
        else:
            current.values.append(atom)
    if current.labels or current.values:
        groups.append(current)
    return groups


@dataclass
class RowRead:
    """The outcome of reading one row."""

    values: dict[str, int | float | None]
    sources: dict[str, CellSource]
    findings: list[Finding]
    # candidate readings when the row's run had to be split and is not yet decided
    candidates: list[tuple] | None = None
    pieces_origin: Origin | None = None
    raw: str = ""
    decided_by: str = ""


class TableReader:
    """Shared machinery of the three tables: row values and the findings of reading them."""

    def __init__(self, table: str):
        self.table = table
        self.findings: list[Finding] = []

    def finding(self, rule: str, severity: str, message: str, where: str, evidence: str | None) -> None:
        self.findings.append(Finding(rule=rule, severity=severity, origin="extraction", message=message,
                                     where=where, evidence=evidence))

    def read_row(self, spec: RowSpec, group: Group, fields: Sequence[str], *,
                 row_identity: Callable[[tuple], bool] | None = None) -> RowRead:
        where = self.table if spec.key == self.table else f"{self.table}.{spec.key}"
        values = list(group.values)
        label_origin = group.labels[-1].origin if group.labels else Origin()
        printed = group.label  # the row's label as the report prints it, kept with every cell
        evidence_base = f"{label_origin.describe()}: {printed[:40]}"
        n = len(fields)
        decimal_at = [i for i, f in enumerate(fields) if f in spec.decimal_fields]
        if group.labels and group.labels[0].in_table and values and not any(a.in_table for a in values):
            # the row's label stands in a table but every value after it comes from running text
            # after the table (its cells were lost): those numbers belong to the narrative
            self.finding("values-outside-table", "warning",
                         f"row {spec.label} has no value cells in its table; the numbers after it in the "
                         "text were not taken, so the row is left unread", where,
                         evidence_base + " | " + " ".join(a.text for a in values)[:60])
            return RowRead({f: None for f in fields}, {}, self.findings)
        if values and all(a.kind == "blank" for a in values):
            # every value cell printed blank: nulls, as the report gives them
            return RowRead({f: None for f in fields}, {f: _source("", values[0].origin, printed) for f in fields}, [])
        if all(a.kind in ("cell", "blank") for a in values):
            # In a regular grid a row's cells stand in their columns: exactly n cells after the
            # label are the n fields, blanks at the edges included. Elsewhere edge blanks are padding.
            in_grid = len(values) == n and all(a.in_grid for a in values)
            cells = values if in_grid else _strip_edges(values)
            if len(cells) > n:
                surplus = cells[n:]
                shown = " | ".join(a.text or "∅" for a in cells)
                if any(parse_number(a.text, decimal=True)[0] not in (None, 0) for a in surplus):
                    self.finding("extra-cells", "warning",
                                 f"row {spec.label} has {len(cells)} value cells where the template has {n}, and "
                                 "the surplus holds numbers; which cells are extra cannot be told, so the row is "
                                 "left unread", where, f"{evidence_base} | {shown}")
                    return RowRead({f: None for f in fields}, {}, self.findings)
                # a trailing 0 or blank past the template's columns: padding of a ragged layout
                self.finding("extra-cells", "warning",
                             f"row {spec.label} has {len(cells)} value cells where the template has {n}; the "
                             f"trailing {', '.join(a.text or '∅' for a in surplus)} past the template's columns "
                             "was ignored", where, f"{evidence_base} | {shown}")
                cells = cells[:n]
            if len(cells) < n:
                self.finding("missing-cells", "warning",
                             f"row {spec.label} has {len(cells)} value cells where the template has {n}; "
                             "which cell is missing cannot be told, so the row is left unread",
                             where, evidence_base + " | " + " | ".join(a.text for a in values))
                return RowRead({f: None for f in fields}, {}, self.findings)
            out: dict[str, int | float | None] = {}
            sources: dict[str, CellSource] = {}
            for f, atom in zip(fields, cells):
                value, problem = parse_number(atom.text, decimal=f in spec.decimal_fields)
                if problem:
                    self.finding("unreadable-cell", "warning", f"{spec.label} / {f}: {problem}",
                                 f"{where}.{f}", f"{atom.origin.describe()}: {atom.text}")
                out[f] = value
                sources[f] = _source(atom.text, atom.origin, printed)
            return RowRead(out, sources, [])
        # at least one run: the values may be glued together
        pieces: list[solver.Piece] = []
        origin = None
        raw_parts = []
        for atom in _strip_edges(values):
            if atom.kind == "run":
                pieces.extend(solver.pieces_of(atom.text))
                origin = origin or atom.origin
            elif atom.kind == "blank":
                pieces.append(("fixed", None))
            else:
                value, _ = parse_number(atom.text, decimal=True)
                pieces.append(("fixed", value))
            raw_parts.append(atom.text)
        raw = " ".join(raw_parts)
        origin = origin or (values[0].origin if values else label_origin)
        direct = [p for p in pieces]
        if len(direct) == n and all(k == "fixed" or _plain(v) for k, v in direct):
            # one token per cell: no splitting needed
            out = {}
            sources = {}
            for f, (kind, payload) in zip(fields, direct):
                if kind == "fixed":
                    out[f] = payload
                else:
                    out[f], _ = parse_number(str(payload), decimal=f in spec.decimal_fields)
                sources[f] = _source(raw, origin, printed)
            return RowRead(out, sources, [])
        candidates = solver.readings(pieces, n, decimal_at)
        decided_by = "the only way to cut these digits into the row's cells"
        if len(candidates) > 1 and row_identity is not None:
            candidates = [c for c in candidates if row_identity(c)]
            decided_by = "the only split that fits the template's identities"
        return RowRead({f: None for f in fields}, {f: _source(raw, origin, printed) for f in fields}, [],
                       candidates=candidates, pieces_origin=origin, raw=raw, decided_by=decided_by)


def _plain(token) -> bool:
    """A token that is one number as printed (no superfluous leading zero)."""
    s = str(token)
    whole = s.split(".")[0]
    return bool(s) and not (len(whole) > 1 and whole[0] == "0")


def _strip_edges(values: list[Atom]) -> list[Atom]:
    """Drop blank cells at the edges of a row's values. Ragged rows under merged headers carry
    extra blank cells at either end; a blank at the edge is never taken as a value, because a
    missing cell elsewhere in the row would then shift every value after it without a trace.
    Blanks between values are nulls."""
    lo, hi = 0, len(values)
    while lo < hi and values[lo].kind == "blank":
        lo += 1
    while hi > lo and values[hi - 1].kind == "blank":
        hi -= 1
    return values[lo:hi]


def _source(raw: str, origin: Origin, label: str) -> CellSource:
    return CellSource(raw, origin.line, origin.page, origin.dom_path, origin.bbox, origin.confidence, origin.char,
                      label, origin.grid)


MATCH_WINDOW = 4


def match_rows(groups: Sequence[Group], specs: Sequence[RowSpec], *,
               stop: Callable[[Group], bool] | None = None) -> tuple[dict[str, Group], int]:
    """Assign groups with values to row specs in template order.

    Each group is matched to the first not-yet-seen spec (from the last match onwards) one of whose
    cues its label contains; groups without values only lend their label to the next group (a
    header or a merged row label). Returns {row key: group} and the index after the last group used.
    """
    found: dict[str, Group] = {}
    next_spec = 0
    pending: list[Atom] = []
    end = len(groups)

    def matches(spec: RowSpec, key: str) -> bool:
        return spec.key not in found and any(cue in key for cue in spec.cues)

    for i, group in enumerate(groups):
        if stop and found and stop(group):
            end = i
            break
        if not group.has_values():
            # A row printed with every value cell blank is a row of nulls. Only the very next
            # expected row may be taken this way: a blank header row such as （六）其他处理 above
            # its sub-rows must not make the matcher skip ahead.
            if group.values and next_spec < len(specs) and matches(specs[next_spec], group.key):
                found[specs[next_spec].key] = group
                next_spec += 1
                pending = []
            else:
                pending.extend(group.labels)
            continue
        merged = Group(pending + group.labels, group.values)
        pending = []
        # look only a few rows ahead: a header that happens to hold numbers (column numbers 1…7)
        # must not match a row far down such as （七）总计 and swallow the rows before it.
        # The row's own label decides first; labels carried over from merged cells above only
        # when the own label names no row.
        window = range(next_spec, min(len(specs), next_spec + MATCH_WINDOW))
        j = next((j for j in window if matches(specs[j], group.key)), None)
        if j is None:
            j = next((j for j in window if matches(specs[j], merged.key)), None)
        if j is not None:
            found[specs[j].key] = merged
            next_spec = j + 1
        if next_spec >= len(specs):
            end = i + 1
            break
    return found, end


# --- 三、requests ---------------------------------------------------------------------------
REQUEST_MATCH_ORDER: tuple[RowSpec, ...] = (
    REQUEST_ROWS_HEAD + REQUEST_ROWS_OTHER_2021 + (REQUEST_ROW_OTHER_SINGLE,) + REQUEST_ROWS_TAIL
)


def find_requests_start(atoms: Sequence[Atom]) -> int | None:
    for i, a in enumerate(atoms):
        if a.kind == "label" and any(cue in normalize_label(a.text) for cue in REQUESTS_TABLE_CUES):
            return i
    return None


def find_appeals_start(atoms: Sequence[Atom], start: int) -> int | None:
    for i in range(start, len(atoms)):
        a = atoms[i]
        if a.kind == "label" and any(cue in normalize_label(a.text) for cue in APPEALS_HEADER_CUES):
            return i
    return None


def _row_sum_ok(reading: tuple) -> bool:
    parts = reading[:6]
    return None in reading or sum(parts) == reading[6]


def read_requests(atoms: Sequence[Atom], template: str | None, start: int | None) -> tuple[dict, dict, list[Finding], int]:
    """Returns (rows, provenance, findings, index of the atom after the table); `start` is
    `find_requests_start(atoms)`."""
    reader = TableReader("requests")
    if start is None:
        reader.finding("table-not-found", "error",
                       "the request table (三、收到和处理政府信息公开申请情况) was not found", "requests", None)
        return {}, {}, reader.findings, 0
    groups = group_atoms(atoms[start:])
    first_row = next((i for i, g in enumerate(groups) if g.has_values()), len(groups) - 1)
    header_text = "".join(g.key for g in groups[:first_row + 1])
    missing_cols = [label for label in APPLICANT_COLUMN_LABELS.values() if label not in header_text]
    if missing_cols:
        reader.finding("column-headers", "warning",
                       "the request table's column headers " + "、".join(missing_cols) +
                       " were not found; values were mapped in the template's column order",
                       "requests", f"{atoms[start].origin.describe()}: {atoms[start].text[:40]}")
    appeals_cue = tuple(APPEALS_HEADER_CUES)
    found, used = match_rows(groups, REQUEST_MATCH_ORDER,
                             stop=lambda g: any(c in g.key for c in appeals_cue))
    consumed = start + sum(len(g.labels) + len(g.values) for g in groups[:used])

    single_other = "other" in found and not any(k in found for k in ("other_no_correction", "other_no_fee", "other_other"))
    keys = [s.key for s in REQUEST_ROWS_HEAD]
    if template == "2019" and not any(k in found for k in ("other_no_correction", "other_no_fee", "other_other")):
        keys += ["other"]
    else:
        keys += [s.key for s in REQUEST_ROWS_OTHER_2021] + (["other"] if single_other else [])
    keys += [s.key for s in REQUEST_ROWS_TAIL]
    specs = {s.key: s for s in REQUEST_MATCH_ORDER}

    rows: dict[str, dict] = {}
    provenance: dict[str, CellSource] = {}
    pending: dict[str, RowRead] = {}
    for key in keys:
        spec = specs[key]
        group = found.get(key)
        if group is None:
            rows[key] = {c: None for c in APPLICANT_COLUMNS}
            if not (single_other and key.startswith("other_")):
                reader.finding("row-not-found", "warning",
                               f"row {spec.label} was not found in the request table; its cells are null",
                               f"requests.{key}", None)
            continue
        read = reader.read_row(spec, group, APPLICANT_COLUMNS, row_identity=_row_sum_ok)
        rows[key] = read.values
        for f, src in read.sources.items():
            provenance[f"requests.{key}.{f}"] = src
        if read.candidates is not None:
            pending[key] = read
    if pending:
        _resolve_split_rows(reader, rows, pending, _request_identities(rows, keys), APPLICANT_COLUMNS)
    return rows, provenance, reader.findings, consumed


def _request_identities(rows: dict, keys: Sequence[str]) -> list[Callable[[dict], bool | None]]:
    outcome = [k for k in keys if k not in ("new_received", "carried_over", "total", "carried_forward")]

    def cell(chosen: dict, key: str, col: int):
        if key in chosen:
            return chosen[key][col]
        return rows[key][APPLICANT_COLUMNS[col]]

    def balance(col: int) -> Callable[[dict], bool | None]:
        def check(chosen: dict) -> bool | None:
            vals = [cell(chosen, k, col) for k in ("new_received", "carried_over", "total", "carried_forward")]
            if None in vals:
                return None
            return vals[0] + vals[1] == vals[2] + vals[3]
        return check

    def outcomes(col: int) -> Callable[[dict], bool | None]:
        def check(chosen: dict) -> bool | None:
            vals = [cell(chosen, k, col) for k in outcome]
            total = cell(chosen, "total", col)
            if None in vals or total is None:
                return None
            return sum(vals) == total
        return check

    return [balance(c) for c in range(7)] + [outcomes(c) for c in range(7)]


def _resolve_split_rows(reader: TableReader, rows: dict, pending: dict[str, RowRead], identities,
                        fields: Sequence[str]) -> None:
    """Decide glued rows: unique readings are taken, the rest decided by the table's identities."""
    by_row = {k: r.candidates for k, r in pending.items() if r.candidates}
    for key, read in pending.items():
        if not read.candidates:
            reader.finding("split-impossible", "warning",
                           f"the digits {read.raw!r} of row {key or reader.table} cannot be split into {len(fields)} cells that "
                           "add up; the row is left unread", f"{reader.table}.{key}",
                           f"{read.pieces_origin.describe() if read.pieces_origin else ''}: {read.raw}")
    decided = solver.consistent(by_row, identities) if by_row else {}
    if decided is None:
        decided = by_row
    for key, cands in decided.items():
        read = pending[key]
        where = f"{reader.table}.{key}" if key else reader.table
        evidence = f"{read.pieces_origin.describe() if read.pieces_origin else ''}: {read.raw}"
        if len(cands) == 1:
            rows[key] = dict(zip(fields, cands[0]))
            reader.finding("split-inferred", "info",
                           f"the digits {read.raw!r} were read as {' | '.join(_fmt(v) for v in cands[0])}: "
                           + (read.decided_by if len(read.candidates) == 1
                              else "the only split that fits the template's identities"), where, evidence)
        else:
            shown = "; ".join(" | ".join(_fmt(v) for v in c) for c in cands[:4])
            reader.finding("split-ambiguous", "warning",
                           f"the digits {read.raw!r} can be split in {len(cands)} ways "
                           + ("that fit the identities " if identities else "and no identity decides ")
                           + f"({shown}{' …' if len(cands) > 4 else ''}); the row is left unread",
                           where, evidence)


def _fmt(v) -> str:
    return "∅" if v is None else str(v)


# --- 四、appeals ------------------------------------------------------------------------------
def read_appeals(atoms: Sequence[Atom], start: int) -> tuple[dict, dict, list[Finding]]:
    reader = TableReader("appeals")
    fields = tuple(f"{g}.{f}" for g in APPEAL_GROUPS for f in APPEAL_FIELDS)
    empty = {g: {f: None for f in APPEAL_FIELDS} for g in APPEAL_GROUPS}
    begin = find_appeals_start(atoms, start)
    if begin is None:
        reader.finding("table-not-found", "error",
                       "the appeals table (四、政府信息公开行政复议、行政诉讼情况) was not found", "appeals", None)
        return empty, {}, reader.findings
    groups = group_atoms(atoms[begin:])
    group = next((g for g in groups if g.has_values()), None)
    if group is None:
        reader.finding("table-not-found", "error", "the appeals table has no values", "appeals",
                       atoms[begin].origin.describe())
        return empty, {}, reader.findings
    spec = RowSpec("appeals", "行政复议、行政诉讼", (), fields)

    def groups_ok(reading: tuple) -> bool:
        return all(None in reading[i:i + 5] or sum(reading[i:i + 4]) == reading[i + 4] for i in (0, 5, 10))

    read = reader.read_row(spec, group, fields, row_identity=groups_ok)
    flat = read.values
    if read.candidates is not None:
        tmp = {"": flat}
        _resolve_split_rows(reader, tmp, {"": read}, [], fields)
        flat = tmp[""]
    rows = {g: {f: flat.get(f"{g}.{f}") for f in APPEAL_FIELDS} for g in APPEAL_GROUPS}
    provenance = {f"appeals.{k}": v for k, v in read.sources.items()}
    return rows, provenance, reader.findings


# --- 二、active disclosure (Article 20) -------------------------------------------------------
def read_active(atoms: Sequence[Atom], start: int, end: int, specs: Sequence[RowSpec]) -> tuple[dict, dict, list[Finding]]:
    reader = TableReader("active")
    groups = group_atoms(atoms[start:end])
    found, _ = match_rows(groups, specs)
    rows: dict[str, dict] = {}
    provenance: dict[str, CellSource] = {}
    pending: dict[str, RowRead] = {}
    for spec in specs:
        group = found.get(spec.key)
        if group is None:
            rows[spec.key] = {f: None for f in spec.fields}
            reader.finding("row-not-found", "warning",
                           f"row {spec.label} was not found in the Article 20 table; its cells are null",
                           f"active.{spec.key}", None)
            continue
        read = reader.read_row(spec, group, spec.fields)
        rows[spec.key] = read.values
        for f, src in read.sources.items():
            provenance[f"active.{spec.key}.{f}"] = src
        if read.candidates is not None:
            pending[spec.key] = read
    for key, read in pending.items():
        spec = next(s for s in specs if s.key == key)
        _resolve_split_rows(reader, rows, {key: read}, [], spec.fields)
    return rows, provenance, reader.findings
