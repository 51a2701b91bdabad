"""The three statutory tables, read from the atom stream.

Rows are found by their labels (the vocabulary's cues), in template order; a row's values are the
atoms between its label and the next label, and never the cells of another table row: a table row
of values with no label of its own is a row without a label. Such rows are placed by the
template's fixed row order — only where the number of them between two labelled rows equals the
number of template rows missing there, so exactly one placement exists. Values are mapped to
fields in the template's column order, which the column headers confirm.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations
from operator import attrgetter
from typing import Callable, Sequence

from ..document import Origin
from ..i18n import Message, lazy
from ..record import CellSource, Finding
from ..vocabulary import (
    ACTIVE_FIELD_LABELS, ACTIVE_ROWS_2019, ACTIVE_ROWS_2021, APPEAL_FIELD_LABELS, APPEAL_FIELDS,
    APPEAL_GROUP_LABELS, APPEAL_GROUPS, APPEALS_HEADER_CUES, APPLICANT_COLUMN_LABELS, APPLICANT_COLUMNS,
    REQUEST_ROW_OTHER_SINGLE, REQUEST_ROWS_HEAD, REQUEST_ROWS_OTHER_2021, REQUEST_ROWS_TAIL,
    REQUESTS_TABLE_CUES, RowSpec, normalize_label,
)
from . import solver
from .atoms import Atom, _parse_count, _parse_number, parse_number


# an atom's fields as C callables: map() over a row's atoms runs no bytecode per atom
_KIND, _IN_TABLE, _IN_GRID = attrgetter("kind"), attrgetter("in_table"), attrgetter("in_grid")


class Group:
    """Label atoms followed by the value atoms up to the next label."""

    # a plain class with slots, not a dataclass with a cached_property: a report makes hundreds of
    # groups, and cached_property takes a lock on every read
    __slots__ = ("labels", "values", "_key")

    def __init__(self, labels: list[Atom] | None = None, values: list[Atom] | None = None):
        self.labels: list[Atom] = [] if labels is None else labels
        self.values: list[Atom] = [] if values is None else values
        self._key: str | None = None

    def __repr__(self) -> str:
        return f"Group(labels={self.labels!r}, values={self.values!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Group):
            return NotImplemented
        return self.labels == other.labels and self.values == other.values

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by content (as the dataclass was)

    @property
    def label(self) -> str:
        return "".join([a.text for a in self.labels])

    @property
    def key(self) -> str:
        """The label without spaces and punctuation (computed once: groups are matched often)."""
        key = self._key
        if key is None:
            key = self._key = normalize_label(self.label) if self.labels else ""
        return key

    def has_values(self) -> bool:
        for a in self.values:  # (a loop, not any() over a generator: called for every group, often)
            if a.kind != "blank":
                return True
        return False


def group_atoms(atoms: Sequence[Atom]) -> list[Group]:
    """Cut the stream before every label that follows a value or a blank cell, and before every
    table row that starts with a value: a value belongs to its own row, so a row of values with
    no label is a group of its own (with no labels), never the tail of the row above."""
    groups: list[Group] = []
    labels: list[Atom] = []  # the current group's (kept in locals: this runs for every atom)
    values: list[Atom] = []
    for atom in atoms:
        if atom.kind == "label":
            if values or (labels and labels[-1].row != atom.row):
                # a row's own label is the words of its own row; words of the rows above (a
                # header, a wrapped or merged label) stay a group of their own, lent if needed
                groups.append(Group(labels, values))
                labels, values = [], []
            labels.append(atom)
        else:
            if values:
                last = values[-1]
                if last.row != atom.row and (last.in_table or atom.in_table):
                    groups.append(Group(labels, values))
                    labels, values = [], []
            values.append(atom)
    if labels or values:
        groups.append(Group(labels, values))
    return groups


@dataclass
class RowRead:
    """The outcome of reading one row."""

    values: dict[str, int | float | None]
    sources: dict[str, CellSource]
    findings: list[Finding]
    # candidate readings when the row's run had to be split (or a missing cell placed) and is not
    # yet decided
    candidates: list[tuple] | None = None
    pieces_origin: Origin | None = None
    raw: str = ""
    decided_by: Message | None = None
    # "split": glued digits; "missing": fewer cells than the template's columns
    problem: str = "split"
    # the search stopped at its bound: the readings are not all there are
    incomplete: bool = False


# A row with this many cells missing (fewer cells than the template's columns) is placed by the
# identities only up to this count; more and the row is left unread.
MAX_MISSING_CELLS = 2


class TableReader:
    """Shared machinery of the three tables: row values and the findings of reading them."""

    def __init__(self, table: str):
        self.table = table
        self.findings: list[Finding] = []

    def finding(self, rule: str, severity: str, message: Message | str, where: str,
                evidence: Message | str | None) -> None:
        self.findings.append(Finding(rule=rule, severity=severity, origin="extraction", message=message,
                                     where=where, evidence=evidence))

    def read_row(self, spec: RowSpec, group: Group, fields: Sequence[str], *,
                 sums: Sequence[tuple[Sequence[int], int]] = ()) -> RowRead:
        where = self.table if spec.key == self.table else f"{self.table}.{spec.key}"
        values = group.values  # (read only)
        label_atom = group.labels[-1] if group.labels else (values[0] if values else None)
        printed = group.label  # the row's label as the report prints it, kept with every cell
        # where the row stands, in words: only a finding needs it (most rows have none)
        evidence_base = lambda: f"{(label_atom.origin if label_atom else Origin()).describe()}: {printed[:40]}"  # noqa: E731
        n = len(fields)
        if group.labels and group.labels[0].in_table and values and not any(map(_IN_TABLE, values)):
            # the row's label stands in a table but every value after it comes from running text
            # after the table (its cells were lost): those numbers belong to the narrative
            self.finding("values-outside-table", "warning",
                         lazy("row {label} has no value cells in its table; the numbers after it in the text "
                              "were not taken, so the row is left unread", label=spec.label), where,
                         evidence_base() + " | " + " ".join(a.text for a in values)[:60])
            return RowRead({f: None for f in fields}, {}, self.findings)
        kinds = set(map(_KIND, values))
        if kinds == {"blank"}:
            # every value cell printed blank: nulls, as the report gives them
            # (one CellSource for the row's cells: they were all read from the same place)
            source = values[0].source("", printed)
            return RowRead({f: None for f in fields}, dict.fromkeys(fields, source), [])
        if "run" not in kinds:
            # In a regular grid a row's cells stand in their columns: exactly n cells after the
            # label are the n fields, blanks at the edges included. Elsewhere edge blanks are padding.
            in_grid = len(values) == n and all(map(_IN_GRID, values))
            cells = values if in_grid else _strip_edges(values)
            if len(cells) == n:  # the usual row: one cell per field
                return self._cells(spec, fields, cells, where, printed)
            shown = " | ".join(a.text or "∅" for a in cells)
            if len(cells) > n:
                surplus = cells[n:]
                if not group.labels or any(parse_number(a.text, decimal=True)[0] not in (None, 0) for a in surplus):
                    # (a row without a label has no label to say where its cells start: no trimming)
                    self.finding("extra-cells", "warning",
                                 lazy("row {label} has {count} value cells where the template has {n}, and the "
                                      "surplus holds numbers; which cells are extra cannot be told, so the row is "
                                      "left unread", label=spec.label, count=len(cells), n=n),
                                 where, f"{evidence_base()} | {shown}")
                    return RowRead({f: None for f in fields}, {}, self.findings)
                # a trailing 0 or blank past the template's columns: padding of a ragged layout
                self.finding("extra-cells", "warning",
                             lazy("row {label} has {count} value cells where the template has {n}; the trailing "
                                  "{surplus} past the template's columns was ignored", label=spec.label,
                                  count=len(cells), n=n, surplus=", ".join(a.text or "∅" for a in surplus)),
                             where, f"{evidence_base()} | {shown}")
                cells = cells[:n]
            if len(cells) < n:
                if not cells or n - len(cells) > MAX_MISSING_CELLS:
                    self.finding("missing-cells", "warning",
                                 lazy("row {label} has {count} value cells where the template has {n}; which cell "
                                      "is missing cannot be told, so the row is left unread", label=spec.label,
                                      count=len(cells), n=n),
                                 where, evidence_base() + " | " + " | ".join(a.text for a in values))
                    return RowRead({f: None for f in fields}, {}, self.findings)
                # which cells are missing is for the identities to tell: every placement of the
                # missing cells (as nulls) is a candidate, and only one that fits may be taken
                parsed = [parse_number(a.text, decimal=True)[0] for a in cells]
                candidates = []
                for gaps in combinations(range(n), n - len(cells)):
                    it = iter(parsed)
                    reading = tuple(None if k in gaps else next(it) for k in range(n))
                    if all(_sum_ok(reading, parts, total) for parts, total in sums):
                        candidates.append(reading)
                return RowRead({f: None for f in fields}, dict.fromkeys(fields, cells[0].source(shown, printed)), [],
                               candidates=candidates, pieces_origin=cells[0].origin, raw=shown,
                               decided_by=lazy("the only place of the missing cells that fits the template's "
                                               "identities"), problem="missing")
            return self._cells(spec, fields, cells, where, printed)
        # at least one run: the values may be glued together
        pieces: list[solver.Piece] = []
        first_run = None
        raw_parts = []
        for atom in _strip_edges(values):
            if atom.kind == "run":
                pieces.extend(solver.pieces_of(atom.text))
                first_run = first_run or atom
            elif atom.kind == "blank":
                pieces.append(("fixed", None))
            else:
                value, _ = parse_number(atom.text, decimal=bool(spec.decimal_fields))
                pieces.append(("fixed", value))
            raw_parts.append(atom.text)
        raw = " ".join(raw_parts)
        # the row's values are read from where its digits start (one source for all its cells)
        at = first_run or values[0]
        source = at.source(raw, printed)
        if len(pieces) == n and all(k == "fixed" or _plain(v) for k, v in pieces):
            # one token per cell: no splitting needed
            out = {}
            sources = {}
            for f, (kind, payload) in zip(fields, pieces):
                if kind == "fixed":
                    out[f] = payload
                else:
                    out[f], problem = parse_number(str(payload), decimal=f in spec.decimal_fields)
                    if problem:
                        self.finding("unreadable-cell", "warning",
                                     lazy("{label} / {field}: {problem}", label=spec.label, field=_field_name(f), problem=problem),
                                     f"{where}.{f}", f"{at.origin.describe()}: {str(payload)[:60]}")
                sources[f] = source
            return RowRead(out, sources, [])
        decimal_at = [i for i, f in enumerate(fields) if f in spec.decimal_fields] if spec.decimal_fields else []
        signed_at = [i for i, f in enumerate(fields) if f in spec.signed_fields] if spec.signed_fields else []
        found = solver.split(pieces, n, decimal_at, signed_at, sums)
        decided_by = lazy("the only way to cut these digits into the row's cells")
        if sums and len(found.readings) == 1:
            # say whether the row's sum was needed to decide
            plain = solver.split(pieces, n, decimal_at, signed_at, max_steps=200, max_readings=2)
            if not (plain.complete and len(plain.readings) == 1):
                decided_by = lazy("the only split that fits the template's identities")
        return RowRead({f: None for f in fields}, dict.fromkeys(fields, source), [],
                       candidates=found.readings, pieces_origin=at.origin, raw=raw, decided_by=decided_by,
                       incomplete=not found.complete)


    def _cells(self, spec: RowSpec, fields: Sequence[str], cells: Sequence[Atom], where: str, printed: str) -> RowRead:
        """A row of as many single-value cells as fields (or fewer, the rest left out), read in order."""
        out: dict[str, int | float | None] = {}
        sources: dict[str, CellSource] = {}
        decimal = spec.decimal_fields
        for f, atom in zip(fields, cells):
            text = atom.text
            value, problem = _parse_number(text, True) if f in decimal else _parse_count(text)
            if problem:
                self.finding("unreadable-cell", "warning",
                             lazy("{label} / {field}: {problem}", label=spec.label, field=_field_name(f), problem=problem),
                             f"{where}.{f}", f"{atom.origin.describe()}: {text[:60]}")
            out[f] = value
            sources[f] = atom.source(text, printed)
        return RowRead(out, sources, [])


def _add_sources(provenance: dict[str, CellSource], sources: dict[str, CellSource], table: str, row: str,
                 fields: tuple[str, ...]) -> None:
    """A row's cell sources into the record's provenance, under their dotted paths."""
    paths = _cell_paths(table, row, fields)
    for f, src in sources.items():
        provenance[paths[f]] = src


@lru_cache(maxsize=1024)
def _cell_paths(table: str, row: str, fields: tuple[str, ...]) -> dict[str, str]:
    """{field: "table.row.field"}, made once per row (not one string per cell of every report)."""
    return {f: f"{table}.{row}.{f}" for f in fields}


def _sum_ok(reading: tuple, parts: Sequence[int], total: int) -> bool:
    values = [reading[p] for p in parts] + [reading[total]]
    return None in values or sum(values[:-1]) == values[-1]


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


MATCH_WINDOW = 4
# How many groups ahead a row printed blank looks for the sub-rows of a header (see match_rows).
HEADER_LOOKAHEAD = 6


@dataclass
class Matched:
    """Rows found by their labels, and the rows of values that have no label."""

    found: dict[str, Group]
    end: int  # index of the group after the last one used
    # rows of values without a label, each with the key of the last labelled row before it
    # (None: before the first)
    unlabelled: list[tuple[str | None, Group]] = field(default_factory=list)
    # values too few to be a row of the table (a number left alone on a line between rows)
    strays: list[Group] = field(default_factory=list)


def _holds_cells(group: Group, least: int) -> bool:
    """Whether a group's values can hold `least` cells: one per cell, one per digit of a run."""
    count = 0
    for a in group.values:
        if count >= least:
            return True
        count += sum(map(str.isdigit, a.text)) if a.kind == "run" else 1
    return count >= least


def match_rows(groups: Sequence[Group], specs: Sequence[RowSpec], *,
               stop: Callable[[Group], bool] | None = None, min_cells: int = 1) -> Matched:
    """Assign groups with values to row specs in template order.

    Each group is matched to the first not-yet-seen spec (from the last match onwards) one of whose
    cues its label contains; groups without values only lend their label to the next group (a
    header or a merged row label) — except a table row printed with blank cells, which is a row of
    its own. A group of values with no label is kept aside, with the labelled row before it, for
    `place_unlabelled`.
    """
    found: dict[str, Group] = {}
    unlabelled: list[tuple[str | None, Group]] = []
    strays: list[Group] = []
    next_spec = 0
    last_key: str | None = None
    pending: list[Atom] = []
    end = len(groups)

    spec_keys = [spec.key for spec in specs]
    spec_cues = [spec.cues for spec in specs]

    def named(label_key: str, first: bool = True) -> list[int]:
        """The specs not yet found in the window whose cues `label_key` holds (only the first one
        when `first`)."""
        # rows without a label since the last match stand for template rows: look past them
        since = sum(1 for after, _ in unlabelled if after == last_key) if unlabelled else 0
        out = []
        for j in range(next_spec, min(len(specs), next_spec + MATCH_WINDOW + since)):
            # (`in` per cue: str's search skips through a long label at C speed, where a regex of
            # the cues tries every character)
            if spec_keys[j] not in found and any(cue in label_key for cue in spec_cues[j]):
                out.append(j)
                if first:
                    break
        return out

    for i, group in enumerate(groups):
        if stop and found and stop(group):
            end = i
            break
        if not group.has_values():
            if group.values and group.labels:
                # A row printed with every value cell blank is a row of nulls, if its label names
                # a row. A blank header row such as （六）其他处理 above its sub-rows is not: when a
                # later row's own label names a row before the one this label names, this one is
                # a header and the matcher must not skip ahead.
                j = next(iter(named(group.key)), None)
                if j is not None and not _header_of_later_rows(groups[i + 1:i + 1 + HEADER_LOOKAHEAD],
                                                                specs[next_spec:j], found):
                    found[specs[j].key] = group
                    next_spec = j + 1
                    last_key = specs[j].key
                    pending = []
                    continue
                if any(map(_IN_TABLE, group.values)):
                    # a blank table row lends its label to no other row: its cells were its own
                    pending = []
                    continue
            pending.extend(group.labels)
            continue
        if not _holds_cells(group, min_cells):
            # not a row of this table: its words may still name the row after it
            strays.append(group)
            pending.extend(group.labels)
            continue
        if not group.labels:
            if any(map(_IN_TABLE, group.values)):
                unlabelled.append((last_key, group))
                pending = []
                continue
        merged = Group(pending + group.labels, group.values)
        pending = []
        # look only a few rows ahead: a header that happens to hold numbers (column numbers 1…7)
        # must not match a row far down such as （七）总计 and swallow the rows before it.
        # The row's own label decides first; labels carried over from merged cells above only
        # when the own label names no row.
        j = next(iter(named(group.key)), None)
        if j is None:
            several = named(merged.key, first=False)
            if len(several) > 1 and any(map(_IN_TABLE, group.values)) \
                    and all(a.row != group.values[0].row for a in group.labels):
                # words above a table row of values name several rows (labels printed apart from
                # their values): which is this row's cannot be told from them; the row is placed
                # by the template's order like a row without a label
                unlabelled.append((last_key, Group([], group.values)))
                continue
            j = several[0] if several else None
        if j is not None:
            found[specs[j].key] = merged
            next_spec = j + 1
            last_key = specs[j].key
        if next_spec >= len(specs):
            end = i + 1
            break
    return Matched(found, end, unlabelled, strays)


@lru_cache(maxsize=None)
def _cues_re(cues: tuple[str, ...]) -> re.Pattern:
    """Whether a label holds any of a row's cues, in one scan (not one `in` per cue)."""
    return re.compile("|".join(map(re.escape, cues)) if cues else "(?!)")


def _header_of_later_rows(later: Sequence[Group], skipped: Sequence[RowSpec], found: dict) -> bool:
    """Whether one of the `later` groups is labelled as one of the `skipped` rows by its own label."""
    for group in later:
        if group.labels and any(spec.key not in found and any(cue in group.key for cue in spec.cues)
                                for spec in skipped):
            return True
    return False


def place_unlabelled(reader: "TableReader", matched: Matched, keys: Sequence[str], labels: dict[str, str]) -> None:
    """Give rows of values without a label the template rows missing between two labelled rows.

    The template's rows come in a fixed order, so where the number of unlabelled rows between two
    labelled rows equals the number of template rows missing there, exactly one placement exists
    and is taken (an info finding says so). Otherwise they are not placed and a warning says why;
    the missing rows stay null. Rows of values before the first labelled row (column numbers
    under a header) are not rows of the table.
    """
    by_gap: dict[str | None, list[Group]] = {}
    for after, group in matched.unlabelled:
        by_gap.setdefault(after, []).append(group)
    if not by_gap:
        return
    order = {k: i for i, k in enumerate(keys)}
    anchors = [k for k in keys if k in matched.found]
    for after, rows in by_gap.items():
        if after is None:
            continue
        if after not in order:
            reader.finding("rows-unplaced", "warning",
                           lazy("{count} rows of values without a label stand after {after} where the template "
                                "has {missing} rows missing; which row is which cannot be told, so they were not "
                                "read", count=len(rows), after=labels.get(after, after), missing=0),
                           f"{reader.table}.{after}", None)
            continue
        start = order[after]
        stop_at = next((order[k] for k in anchors if order[k] > start), len(keys))
        missing = [k for k in keys[start + 1:stop_at] if k not in matched.found]
        before = labels.get(keys[stop_at], "") if stop_at < len(keys) else ""
        evidence = " / ".join(f"{g.values[0].origin.describe()}: {' '.join(a.text for a in g.values)[:40]}"
                              for g in rows)[:300]
        if len(rows) == len(missing):
            for key, group in zip(missing, rows):
                matched.found[key] = group
                reader.finding("row-placed", "info",
                               lazy("a row of values without a label stands where the template has {label} "
                                    "(between {after} and {before}: {rows} rows without labels for {rows} missing "
                                    "rows, in the template's order); it was read as that row",
                                    label=labels[key], after=labels[after], before=before or "—", rows=len(rows)),
                               f"{reader.table}.{key}",
                               f"{group.values[0].origin.describe()}: {' '.join(a.text for a in group.values)[:60]}")
        else:
            reader.finding("rows-unplaced", "warning",
                           lazy("{count} rows of values without a label stand after {after} where the template "
                                "has {missing} rows missing; which row is which cannot be told, so they were not "
                                "read", count=len(rows), after=labels[after], missing=len(missing)),
                           f"{reader.table}.{after}", evidence)


# --- 三、requests ---------------------------------------------------------------------------
REQUEST_MATCH_ORDER: tuple[RowSpec, ...] = (
    REQUEST_ROWS_HEAD + REQUEST_ROWS_OTHER_2021 + (REQUEST_ROW_OTHER_SINGLE,) + REQUEST_ROWS_TAIL
)
_REQUEST_LABELS = {s.key: s.label for s in REQUEST_MATCH_ORDER}
# a request row's own identity: the six applicant columns add up to 总计
REQUEST_ROW_SUM = ((tuple(range(6)), 6),)


# any of the appeals table's header cues (one scan of a label, not one per cue)
_APPEALS_CUE_RE = re.compile("|".join(map(re.escape, APPEALS_HEADER_CUES)))


def find_requests_start(atoms: Sequence[Atom]) -> int | None:
    # the table's header, else its first row (an OCR tool's small tables print no header); one
    # regex per label, not one `in` per cue (most atoms before the table are labels)
    for cues in (REQUESTS_TABLE_CUES, REQUEST_ROWS_HEAD[0].cues):
        named = _cues_re(cues).search
        for i, a in enumerate(atoms):
            if a.kind == "label" and named(normalize_label(a.text)):
                return i
    return None


def find_appeals_start(atoms: Sequence[Atom], start: int) -> int | None:
    for i in range(start, len(atoms)):
        a = atoms[i]
        if a.kind == "label" and _APPEALS_CUE_RE.search(normalize_label(a.text)):
            return i
    return None


def read_requests(atoms: Sequence[Atom], template: str | None, start: int | None) -> tuple[dict, dict, list[Finding], int]:
    """Returns (rows, provenance, findings, index of the atom after the table); `start` is
    `find_requests_start(atoms)`."""
    reader = TableReader("requests")
    if start is None:
        reader.finding("table-not-found", "error",
                       lazy("the request table (三、收到和处理政府信息公开申请情况) was not found"), "requests", None)
        return {}, {}, reader.findings, 0
    groups = group_atoms(atoms[start:])
    first_row = next((i for i, g in enumerate(groups) if g.has_values()), len(groups) - 1)
    header_text = "".join(g.key for g in groups[:first_row + 1])
    missing_cols = [label for label in APPLICANT_COLUMN_LABELS.values() if label not in header_text]
    if missing_cols:
        reader.finding("column-headers", "warning",
                       lazy("the request table's column headers {labels} were not found; values were mapped in "
                            "the template's column order", labels="、".join(missing_cols)),
                       "requests", f"{atoms[start].origin.describe()}: {atoms[start].text[:40]}")
    matched = match_rows(groups, REQUEST_MATCH_ORDER, stop=lambda g: _APPEALS_CUE_RE.search(g.key) is not None,
                         min_cells=len(APPLICANT_COLUMNS) - MAX_MISSING_CELLS)
    found = matched.found
    for group in matched.strays:
        shown = " ".join(a.text for a in group.values)
        reader.finding("stray-values", "warning",
                       lazy("the number {value} stands alone between the rows of the request table; it belongs "
                            "to no row and was not taken", value=shown[:30]),
                       "requests", f"{group.values[0].origin.describe()}: {shown[:60]}")
    consumed = start + sum(len(g.labels) + len(g.values) for g in groups[:matched.end])

    other_2021 = ("other_no_correction", "other_no_fee", "other_other")
    single_other = "other" in found and not any(k in found for k in other_2021)
    keys = [s.key for s in REQUEST_ROWS_HEAD]
    if template == "2019" and not any(k in found for k in other_2021):
        keys += ["other"]
    else:
        keys += [s.key for s in REQUEST_ROWS_OTHER_2021] + (["other"] if single_other else [])
    keys += [s.key for s in REQUEST_ROWS_TAIL]
    place_unlabelled(reader, matched, keys, _REQUEST_LABELS)
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
                               lazy("row {label} was not found in the request table; its cells are null",
                                    label=spec.label),
                               f"requests.{key}", None)
            continue
        read = reader.read_row(spec, group, APPLICANT_COLUMNS, sums=REQUEST_ROW_SUM)
        rows[key] = read.values
        _add_sources(provenance, read.sources, "requests", key, APPLICANT_COLUMNS)
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
                        fields: Sequence[str], narrative: Callable[[str, list[tuple]], tuple | None] | None = None
                        ) -> None:
    """Decide rows with several candidate readings (glued digits, missing cells): a single reading
    is taken; several are decided by the table's identities (and, for rows no identity covers, by
    what the report's own text states, see `narrative`). Cells on which every remaining reading
    agrees are read even when the row is not decided."""
    evidences: dict[str, str] = {}

    def evidence_of(key: str) -> str:
        # where the row's digits stand, in words: made once per row, and only for a finding
        if key not in evidences:
            read = pending[key]
            evidences[key] = f"{read.pieces_origin.describe() if read.pieces_origin else ''}: {read.raw}"[:200]
        return evidences[key]

    for key, read in pending.items():
        if not read.incomplete and read.candidates:
            continue  # no finding to make yet
        where = f"{reader.table}.{key}" if key else reader.table
        evidence = evidence_of(key)
        if read.incomplete:
            reader.finding("split-too-long", "warning",
                           lazy("the digits '{raw}' of row {row} have too many possible splits to check them all; "
                                "the row is left unread", raw=_quoted(read.raw), row=_row_name(reader, key)),
                           where, evidence)
        elif not read.candidates:
            if read.problem == "missing":
                reader.finding("missing-cells", "warning",
                               lazy("row {row} has fewer value cells ({raw}) than the template's {n}, and no "
                                    "placement of the missing cells fits the row's sums; the row is left unread",
                                    row=_row_name(reader, key), raw=read.raw, n=len(fields)), where, evidence)
            else:
                reader.finding("split-impossible", "warning",
                               lazy("the digits '{raw}' of row {row} cannot be split into {n} cells that add up; "
                                    "the row is left unread", raw=_quoted(read.raw), row=_row_name(reader, key),
                                    n=len(fields)), where, evidence)
    by_row = {k: r.candidates for k, r in pending.items() if r.candidates and not r.incomplete}
    decided = solver.consistent(by_row, identities) if by_row else {}
    if decided is None:
        decided = by_row
    for key, cands in decided.items():
        read = pending[key]
        where = f"{reader.table}.{key}" if key else reader.table
        evidence = evidence_of(key)
        stated = narrative(key, cands) if narrative and len(cands) > 1 else None
        if stated is not None:
            reading, sentence = stated
            rows[key] = dict(zip(fields, reading))
            reader.finding("split-narrative", "info",
                           lazy("the digits '{raw}' were read as {reading}: of the {count} ways to split them, only "
                                "this one agrees with what the report's text states: “{sentence}”",
                                raw=_quoted(read.raw), reading=_shown(reading), count=len(cands), sentence=sentence),
                           where, evidence)
        elif len(cands) == 1:
            rows[key] = dict(zip(fields, cands[0]))
            if read.problem == "missing":
                reader.finding("missing-cells", "info",
                               lazy("row {row} has fewer value cells ({raw}) than the template's {n}; they were "
                                    "read as {reading}: {why}", row=_row_name(reader, key), raw=read.raw,
                                    n=len(fields), reading=_shown(cands[0]), why=read.decided_by), where, evidence)
            else:
                why = read.decided_by if len(read.candidates) == 1 else \
                    lazy("the only split that fits the template's identities")
                reader.finding("split-inferred", "info",
                               lazy("the digits '{raw}' were read as {reading}: {why}", raw=_quoted(read.raw),
                                    reading=_shown(cands[0]), why=why), where, evidence)
        else:
            agreed = [c[0] if all(v == c[0] and (v is None) == (c[0] is None) for v in c) else None
                      for c in zip(*cands)]
            rows[key] = dict(zip(fields, agreed))
            kept = [f"{_field_name(fields[i])} {_fmt(v)}" for i, v in enumerate(agreed) if v is not None]
            shown = "; ".join(_shown(c) for c in cands[:4]) + (" …" if len(cands) > 4 else "")
            if read.problem == "missing":
                message = lazy("row {row} has fewer value cells ({raw}) than the template's {n}, and the missing "
                               "cells can be placed in {count} ways that fit ({readings}); the row is left unread",
                               row=_row_name(reader, key), raw=read.raw, n=len(fields), count=len(cands),
                               readings=shown)
                rule = "missing-cells"
            elif identities:
                message = lazy("the digits '{raw}' can be split in {count} ways that fit the identities ({readings}); "
                               "the row is left unread", raw=_quoted(read.raw), count=len(cands), readings=shown)
                rule = "split-ambiguous"
            else:
                message = lazy("the digits '{raw}' can be split in {count} ways and no identity decides ({readings}); "
                               "the row is left unread", raw=_quoted(read.raw), count=len(cands), readings=shown)
                rule = "split-ambiguous"
            if kept:
                message = lazy("{message} — except the cells every reading agrees on: {cells}", message=message,
                               cells=", ".join(kept))
            reader.finding(rule, "warning", message, where, evidence)


def _quoted(raw: str) -> str:
    return raw if len(raw) <= 60 else raw[:60] + "…"


def _shown(reading: tuple) -> str:
    return " | ".join(_fmt(v) for v in reading)


def _row_name(reader: TableReader, key: str) -> str:
    """A row as the template prints it (the template's words are data: Chinese in any language)."""
    if reader.table == "requests":
        return _REQUEST_LABELS.get(key, key)
    if reader.table == "active":
        return _ACTIVE_LABELS.get(key, key)
    return APPEAL_GROUP_LABELS.get(key, "行政复议、行政诉讼")


def _field_name(field: str) -> str:
    last = field.rsplit(".", 1)[-1]
    return APPLICANT_COLUMN_LABELS.get(last) or ACTIVE_FIELD_LABELS.get(last) or APPEAL_FIELD_LABELS.get(last) or field


_ACTIVE_LABELS = {s.key: s.label for s in ACTIVE_ROWS_2019 + ACTIVE_ROWS_2021}


def _fmt(v) -> str:
    return "∅" if v is None else str(v)


# --- 四、appeals ------------------------------------------------------------------------------
# the appeals row's own identities: in each group 结果维持 + 结果纠正 + 其他结果 + 尚未审结 = 总计
APPEAL_SUMS = tuple(((g * 5, g * 5 + 1, g * 5 + 2, g * 5 + 3), g * 5 + 4) for g in range(3))
# one group's row when the appeals table is printed as three small tables, one per group
APPEAL_GROUP_CUES: dict[str, tuple[str, ...]] = {
    "litigation_after_reconsideration": ("复议后起诉",),
    "litigation_direct": ("直接起诉", "未经复议"),
    "reconsideration": ("行政复议",),
}


def read_appeals(atoms: Sequence[Atom], start: int) -> tuple[dict, dict, list[Finding]]:
    reader = TableReader("appeals")
    fields = tuple(f"{g}.{f}" for g in APPEAL_GROUPS for f in APPEAL_FIELDS)
    empty = {g: {f: None for f in APPEAL_FIELDS} for g in APPEAL_GROUPS}
    begin = find_appeals_start(atoms, start)
    if begin is None:
        reader.finding("table-not-found", "error",
                       lazy("the appeals table (四、政府信息公开行政复议、行政诉讼情况) was not found"), "appeals", None)
        return empty, {}, reader.findings
    groups = group_atoms(atoms[begin:])
    with_values = [g for g in groups if g.has_values()]
    if not with_values:
        reader.finding("table-not-found", "error", lazy("the appeals table has no values"), "appeals",
                       atoms[begin].origin.describe())
        return empty, {}, reader.findings
    by_group = _appeal_groups(groups)
    if by_group is not None:
        return _read_appeal_groups(reader, by_group)
    group = with_values[0]
    if not group.labels:
        # the row of values under the header: the header's words are its label
        k = groups.index(group)
        group = Group([a for g in groups[:k] for a in g.labels], group.values)
    spec = RowSpec("appeals", "行政复议、行政诉讼", (), fields)
    read = reader.read_row(spec, group, fields, sums=APPEAL_SUMS)
    flat = read.values
    if read.candidates is not None:
        tmp = {"": flat}
        _resolve_split_rows(reader, tmp, {"": read}, [], fields)
        flat = tmp[""]
    rows = {g: {f: flat.get(f"{g}.{f}") for f in APPEAL_FIELDS} for g in APPEAL_GROUPS}
    provenance = {f"appeals.{k}": v for k, v in read.sources.items()}
    return rows, provenance, reader.findings


def _appeal_groups(groups: Sequence[Group]) -> dict[str, Group] | None:
    """The appeals table printed as one small table per group (行政复议 / 未经复议直接起诉 /
    复议后起诉, each with its own 结果维持…总计 header): {group: its row}, when the first rows of
    values each hold at most five cells and are named, in the template's order, by their labels."""
    out: dict[str, Group] = {}
    pending = ""
    for group in groups:
        if not group.has_values():
            pending += group.key
            continue
        cells = [a for a in group.values if a.kind != "blank"]
        if len(cells) > 5 or any(a.kind == "run" and len(a.text.split()) > 1 for a in cells):
            return None  # one row holds more than a group: the template's single row
        name = _appeal_group_named(group.key) or _appeal_group_named(pending)
        expected = APPEAL_GROUPS[len(out)]
        if name != expected:
            return None
        out[name] = group
        pending = ""
        if len(out) == len(APPEAL_GROUPS):
            return out
    return None


def _appeal_group_named(key: str) -> str | None:
    for group, cues in APPEAL_GROUP_CUES.items():  # the most specific first
        if any(c in key for c in cues):
            return group
    return None


def _read_appeal_groups(reader: TableReader, by_group: dict[str, Group]) -> tuple[dict, dict, list[Finding]]:
    rows: dict[str, dict] = {}
    provenance: dict[str, CellSource] = {}
    for name in APPEAL_GROUPS:
        group = by_group.get(name)
        if group is None:
            rows[name] = {f: None for f in APPEAL_FIELDS}
            continue
        spec = RowSpec(name, APPEAL_GROUP_LABELS[name], (), APPEAL_FIELDS)
        read = reader.read_row(spec, group, APPEAL_FIELDS, sums=(((0, 1, 2, 3), 4),))
        values = read.values
        if read.candidates is not None:
            tmp = {name: values}
            _resolve_split_rows(reader, tmp, {name: read}, [], APPEAL_FIELDS)
            values = tmp[name]
        rows[name] = values
        _add_sources(provenance, read.sources, "appeals", name, APPEAL_FIELDS)
    return rows, provenance, reader.findings


# --- 二、active disclosure (Article 20) -------------------------------------------------------
def read_active(atoms: Sequence[Atom], start: int, end: int, specs: Sequence[RowSpec],
                narrative: Callable[[str, Sequence[str], list[tuple]], tuple | None] | None = None
                ) -> tuple[dict, dict, list[Finding]]:
    """`narrative(row, fields, candidates)`: the one candidate the report's text states, if any."""
    reader = TableReader("active")
    groups = group_atoms(atoms[start:end])
    found = match_rows(groups, specs).found
    # The Article 20 table is five small tables whose order some reports change (第二十条第（一）项
    # printed last): a row its label names unambiguously is taken wherever it stands.
    used = {id(g) for g in found.values()}
    for spec in specs:
        if spec.key in found:
            continue
        named = [g for g in groups if g.has_values() and id(g) not in used and g.labels
                 and _cues_re(spec.cues).search(g.key)
                 and not any(o.key != spec.key and _cues_re(o.cues).search(g.key) for o in specs)]
        if len(named) == 1:
            found[spec.key] = named[0]
            used.add(id(named[0]))
    rows: dict[str, dict] = {}
    provenance: dict[str, CellSource] = {}
    pending: dict[str, RowRead] = {}
    for spec in specs:
        group = found.get(spec.key)
        if group is None:
            rows[spec.key] = {f: None for f in spec.fields}
            reader.finding("row-not-found", "warning",
                           lazy("row {label} was not found in the Article 20 table; its cells are null",
                                label=spec.label),
                           f"active.{spec.key}", None)
            continue
        read = reader.read_row(spec, group, spec.fields)
        rows[spec.key] = read.values
        _add_sources(provenance, read.sources, "active", spec.key, spec.fields)
        if read.candidates is not None:
            pending[spec.key] = read
    for key, read in pending.items():
        spec = next(s for s in specs if s.key == key)
        stated = (lambda row, cands, spec=spec: narrative(row, spec.fields, cands)) if narrative else None
        _resolve_split_rows(reader, rows, {key: read}, [], spec.fields, narrative=stated)
    return rows, provenance, reader.findings
