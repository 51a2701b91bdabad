"""Arithmetic of the request table (三) and the appeals table (四), and diagnoses of what broke it.

Every identity is a linear form over cells, `sum(lhs) == sum(rhs)`. A blank cell (null) is an
unknown non-negative count: an identity with unknowns only fails when no such value could balance
it (e.g. the known parts already exceed the total). The rules only read the record.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import lru_cache, partial
from operator import is_not, itemgetter
from typing import Iterator, Mapping, Optional

from ..i18n import Message, N_, lazy
from ..vocabulary import (
    APPEAL_FIELDS, APPEAL_GROUPS, APPLICANT_COLUMNS, OUTCOME_ROWS_2021, OUTCOME_ROWS_SINGLE_OTHER,
)
from .patterns import APPEAL_FIELD_SHORT, APPEAL_GROUP_SHORT, REQUEST_COLUMN_SHORT, SPLIT_DIGITS_RE, cell_name
from .registry import Context, rule

PARTS = APPLICANT_COLUMNS[:-1]  # the six applicant columns
SUB_OTHER_ROWS = ("other_no_correction", "other_no_fee", "other_other")


@dataclass(frozen=True)
class Identity:
    family: str  # "row", "outcome", "balance", "appeals"
    key: str  # the row key (row/appeals) or column key (outcome/balance)
    lhs: tuple[str, ...]  # dotted paths summed on the left
    rhs: tuple[str, ...]  # ... and on the right
    where: str  # the cell a finding points at

    def paths(self) -> tuple[str, ...]:
        return self.lhs + self.rhs

    def coefficient(self, path: str) -> int:
        return (path in self.lhs) - (path in self.rhs)


# `is_not_none(v)`: v is not None, as a C callable (any(map(...)) runs no bytecode per cell)
is_not_none = partial(is_not, None)


def _row_present(record, table: str, row: str) -> bool:
    fields = getattr(record, table).get(row)
    return bool(fields) and any(map(is_not_none, fields.values()))


def outcome_rows(record) -> tuple[str, ...]:
    """The rows that sum to （七）总计: the three （六） sub-rows (template 2021) or the single （六）
    row (template 2019, and 2021 reports that print only one （六） row)."""
    if any(_row_present(record, "requests", r) for r in SUB_OTHER_ROWS):
        return OUTCOME_ROWS_2021
    if _row_present(record, "requests", "other"):
        return OUTCOME_ROWS_SINGLE_OTHER
    return OUTCOME_ROWS_2021 if record.template != "2019" else OUTCOME_ROWS_SINGLE_OTHER


def _shape(record) -> tuple:
    """What decides a record's identities: its request rows (all, and those holding a number), the
    outcome rows, and the appeal groups holding a number. Records of one shape share identities."""
    req = record.requests
    present = tuple(r for r, fields in req.items() if fields and any(map(is_not_none, fields.values())))
    groups = tuple(g for g in APPEAL_GROUPS if _row_present(record, "appeals", g))
    return tuple(req), present, outcome_rows(record), groups


@lru_cache(maxsize=512)
def _compile(rows: tuple[str, ...], present: tuple[str, ...], outcome: tuple[str, ...],
             groups: tuple[str, ...]) -> tuple[tuple[Identity, ...], tuple[Identity, ...]]:
    """The request and appeals identities of one shape, built once."""
    req: list[Identity] = []
    if rows:
        for row in present:
            req.append(Identity("row", row, tuple(f"requests.{row}.{c}" for c in PARTS), (f"requests.{row}.total",),
                                f"requests.{row}.total"))
        summed = [r for r in outcome if r in rows]
        if "total" in rows:
            for c in APPLICANT_COLUMNS:
                req.append(Identity("outcome", c, tuple(f"requests.{r}.{c}" for r in summed),
                                    (f"requests.total.{c}",), f"requests.total.{c}"))
        if all(k in rows for k in ("new_received", "carried_over", "total", "carried_forward")):
            for c in APPLICANT_COLUMNS:
                req.append(Identity("balance", c, (f"requests.new_received.{c}", f"requests.carried_over.{c}"),
                                    (f"requests.total.{c}", f"requests.carried_forward.{c}"), f"requests.total.{c}"))
    app = tuple(Identity("appeals", g, tuple(f"appeals.{g}.{f}" for f in APPEAL_FIELDS[:-1]), (f"appeals.{g}.total",),
                         f"appeals.{g}.total") for g in groups)
    return tuple(req), app


def request_identities(record) -> list[Identity]:
    return list(_compile(*_shape(record))[0])


def appeals_identities(record) -> list[Identity]:
    return list(_compile(*_shape(record))[1])


def _num(v) -> Optional[float]:
    return None if v is None or isinstance(v, bool) else v


def _side(values: Mapping[str, Optional[float]], paths: tuple[str, ...]) -> tuple[float, bool]:
    """(sum of the known cells, whether any is unknown) of one side of an identity."""
    known, unknown = 0, False
    for p in paths:
        v = values.get(p)
        if v is None:
            unknown = True
        else:
            known += v
    return known, unknown


def evaluate(values: Mapping[str, Optional[float]], ident: Identity) -> Optional[float]:
    """lhs - rhs when it cannot be zero (the identity fails), else None; `values` maps cell paths to
    numbers (`Context.values`).

    With unknowns on one side only, the identity fails when the known side is already too small
    to be reached (the residual then reported is the known part)."""
    known_l, unknown_l = _side(values, ident.lhs)
    known_r, unknown_r = _side(values, ident.rhs)
    residual = known_l - known_r
    if not unknown_l and not unknown_r:
        return None if residual == 0 else residual
    if unknown_l and unknown_r:
        return None
    if unknown_l:  # lhs can only grow
        return None if residual <= 0 else residual
    return None if residual >= 0 else residual


@lru_cache(maxsize=512)
def _cells_read(rows: tuple[str, ...], present: tuple[str, ...], outcome: tuple[str, ...],
                groups: tuple[str, ...]) -> tuple[Optional[itemgetter], tuple[tuple[Identity, slice, slice], ...]]:
    """For the identities of one shape: an itemgetter of all their cells (each one's lhs, then its
    rhs; None when there are none) and, per identity, the slices of those that are its two sides."""
    req, app = _compile(rows, present, outcome, groups)
    paths: list[str] = []
    sides = []
    for ident in req + app:
        start = len(paths)
        paths += ident.lhs
        middle = len(paths)
        paths += ident.rhs
        sides.append((ident, slice(start, middle), slice(middle, len(paths))))
    return (itemgetter(*map(sys.intern, paths)) if paths else None), tuple(sides)  # (see registry._shape_paths)


def failures(ctx: Context) -> list[tuple[Identity, float]]:
    if "failures" not in ctx.cache:
        shape = _shape(ctx.record)
        values = ctx.values
        read_cells, sides = _cells_read(*shape)
        try:  # every cell there and an int (nearly every report): each side summed in C
            cells = read_cells(values) if read_cells else ()
            whole = type(sum(cells)) is int  # (a float makes the sum one; a blank raises)
        except (KeyError, TypeError):  # a cell missing or blank
            whole = False
        if whole:  # ints add exactly in any order: what `evaluate` gives without unknowns
            found = [(i, r) for i, lhs, rhs in sides if (r := sum(cells[lhs]) - sum(cells[rhs]))]
        else:
            req, app = _compile(*shape)
            found = [(i, r) for i in req + app if (r := evaluate(values, i)) is not None]
        ctx.cache["failures"] = found
    return ctx.cache["failures"]


def _fmt(v) -> str:
    if v is None:
        return "（空）"
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v)


def _sum_text(record, paths, label) -> str:
    return " + ".join(f"{label(p)} {_fmt(record.cell(p))}" for p in paths)


def _row_label(p: str) -> str:
    return REQUEST_COLUMN_SHORT.get(p.split(".")[2], p)


def _identity_message(record, ident: Identity) -> Message:
    if ident.family == "row":
        parts = list(ident.lhs)
        s = sum(_num(record.cell(p)) or 0 for p in parts)
        message = lazy("{cell} reads {value}, but the six applicant columns add up to {sum} ({parts})",
                       cell=cell_name(ident.where), value=_fmt(record.cell(ident.where)), sum=_fmt(s),
                       parts=_sum_text(record, parts, _row_label))
    elif ident.family == "outcome":
        parts = [p for p in ident.lhs if record.cell(p) not in (None, 0)]
        s = sum(_num(record.cell(p)) or 0 for p in ident.lhs)
        listing = " + ".join(f"{cell_name(p)[1:-1].split(' × ')[0]} {_fmt(record.cell(p))}" for p in parts)
        message = lazy("{cell} reads {value}, but the outcome rows （一）–（六） of the {column} column add up to {sum} "
                       "({parts})", cell=cell_name(ident.where), value=_fmt(record.cell(ident.where)),
                       column=REQUEST_COLUMN_SHORT[ident.key], sum=_fmt(s), parts=listing or lazy("all 0"))
    elif ident.family == "balance":
        a, b = (record.cell(p) for p in ident.lhs)
        t, f = (record.cell(p) for p in ident.rhs)
        message = lazy("column {column}: 一 + 二 = {a} + {b} = {ab}, but 三（七）总计 + 四 = {t} + {f} = {tf}; the table "
                       "states 第一项加第二项之和等于第三项加第四项之和", column=REQUEST_COLUMN_SHORT[ident.key],
                       a=_fmt(a), b=_fmt(b), ab=_fmt((_num(a) or 0) + (_num(b) or 0)), t=_fmt(t), f=_fmt(f),
                       tf=_fmt((_num(t) or 0) + (_num(f) or 0)))
    else:
        s = sum(_num(record.cell(p)) or 0 for p in ident.lhs)
        parts = " + ".join(f"{APPEAL_FIELD_SHORT[p.split('.')[2]]} {_fmt(record.cell(p))}" for p in ident.lhs)
        message = lazy("{group} 总计 reads {value}, but {parts} = {sum}", group=APPEAL_GROUP_SHORT[ident.key],
                       value=_fmt(record.cell(ident.where)), parts=parts, sum=_fmt(s))
    blanks = [p for p in ident.paths() if record.cell(p) is None]
    if blanks:
        message = lazy("{message}; even reading the blank cells as any count cannot balance it (blank: {cells})",
                       message=message, cells=", ".join(cell_name(p) for p in blanks))
    return message


def doubted(message: Message, doubt) -> Message:
    """A message with the note that a cell it rests on was read with doubt (the extractor's finding)."""
    return lazy("{message}; but {cell} was read with doubt ({rule}), so check the reading first", message=message,
                cell=doubt.where, rule=doubt.rule)


def _identity_findings(ctx: Context, families: tuple[str, ...]) -> Iterator:
    rec = ctx.record
    for ident, _ in failures(ctx):
        if ident.family not in families:
            continue
        message = _identity_message(rec, ident)
        doubt = next((f for p in ident.paths() if (f := ctx.uncertain(p, row=False))), None)
        if doubt is not None:  # the extractor is unsure of a number here: do not blame the report
            yield ctx.finding(doubted(message, doubt), ident.where, severity="warning")
            continue
        # A row read with doubt (extra or missing cells) whose cells were still read as printed: the
        # identity fails on those cells, so it is reported, with the doubt named.
        row_doubt = next((f for p in ident.paths() if (f := ctx.uncertain(p))), None)
        if row_doubt is not None:
            message = lazy("{message} (note: {row} was read with doubt, {rule}; the cells added here were read as "
                           "printed)", message=message, row=row_doubt.where, rule=row_doubt.rule)
        yield ctx.finding(message, ident.where)


@rule("GK101", "requests-row-sum", summary=N_("In every row of the request table the six applicant columns add up to 总计."))
def requests_row_sum(ctx: Context):
    """Each row of 三、收到和处理政府信息公开申请情况 splits its 总计 over the applicant columns
    (自然人, 商业企业, 科研机构, 社会公益组织, 法律服务机构, 其他). When they do not add up, one of the
    printed numbers is wrong (or a number landed in the wrong column).

    Example: row （一）予以公开 prints 自然人 240, 商业企业 8, 社会公益组织 2, 其他 5 and 总计 256:
    240 + 8 + 0 + 2 + 0 + 5 = 255, so 「（一）予以公开 × 总计」 is reported.
    """
    yield from _identity_findings(ctx, ("row",))


@rule("GK102", "requests-outcome-sum",
      summary=N_("In every column the outcome rows （一）–（六） add up to （七）总计."))
def requests_outcome_sum(ctx: Context):
    """（七）总计 is by definition the sum of the handling outcomes （一） to （六）: for template 2021 the
    three （六）其他处理 sub-rows, for template 2019 (and 2021 reports that print a single （六） row)
    that row. A mismatch means a count is missing, doubled or misplaced.

    Example: in the 自然人 column the outcome rows add up to 552 but （七）总计 prints 553.
    """
    yield from _identity_findings(ctx, ("outcome",))


@rule("GK103", "requests-balance",
      summary=N_("For each column, 一 + 二 = 三（七）总计 + 四 (the identity printed on the table)."))
def requests_balance(ctx: Context):
    """The table's own header says 第一项加第二项之和，等于第三项加第四项之和: requests received this
    year plus those carried over equal those handled plus those carried forward. A mismatch means
    requests appear from nowhere or vanish.

    Example: 一、本年新收 15 + 二、上年结转 2 = 17, but （七）总计 16 + 四、结转下年度 0 = 16.
    """
    yield from _identity_findings(ctx, ("balance",))


@rule("GK201", "appeals-sum",
      summary=N_("For 行政复议, 未经复议直接起诉 and 复议后起诉: 维持 + 纠正 + 其他 + 尚未审结 = 总计."))
def appeals_sum(ctx: Context):
    """Each appeal group of 四、政府信息公开行政复议、行政诉讼情况 counts its cases by result; the four
    results add up to the group's 总计. A total that disagrees with its parts is a misprint a reader
    cannot resolve from the table alone.

    Example (洪泽区 2023): 行政复议 结果维持 10, 结果纠正 1, 其他结果 0, 尚未审结 0, but 总计 0.
    """
    yield from _identity_findings(ctx, ("appeals",))


# --- diagnoses -----------------------------------------------------------------------------------
def _request_cells(record) -> list[str]:
    return [f"requests.{r}.{c}" for r, fields in record.requests.items() for c in fields]


def _known_identities(ctx: Context) -> list[Identity]:
    """The request table's identities all of whose cells were read (only asked when one failed)."""
    if "known" not in ctx.cache:
        values = ctx.values
        req, _ = _compile(*_shape(ctx.record))
        ctx.cache["known"] = [i for i in req if all(values.get(p) is not None for p in i.paths())]
    return ctx.cache["known"]


def _explains(values: Mapping[str, Optional[float]], idents: list[Identity], change: dict[str, float]) -> bool:
    """Whether applying `change` (path -> delta) balances every fully known request identity."""
    for i in idents:
        residual = sum(i.coefficient(p) * ((_num(values.get(p)) or 0) + change.get(p, 0)) for p in set(i.paths()))
        if residual != 0:
            return False
    return all((_num(values.get(p)) or 0) + d >= 0 for p, d in change.items())


def single_cell_suspects(ctx: Context) -> list[tuple[str, float]]:
    """Cells whose change alone would balance every failing identity of the request table: (path, expected)."""
    if "suspects" in ctx.cache:
        return ctx.cache["suspects"]
    out: list[tuple[str, float]] = []
    ctx.cache["suspects"] = out
    if not failures(ctx):  # a clean table has no suspects: nothing to diagnose
        return out
    values = ctx.values
    idents = _known_identities(ctx)
    failing = [(i, r) for i, r in failures(ctx) if i in idents]
    if failing:
        ident, residual = failing[0]
        for p in ident.paths():
            coef = ident.coefficient(p)
            if coef == 0:
                continue
            delta = -residual / coef
            if _explains(values, idents, {p: delta}):
                out.append((p, (_num(values.get(p)) or 0) + delta))
    return out


@rule("GK104", "requests-suspect-cell", severity="warning",
      summary=N_("When the request table does not add up, name the one cell whose change balances both its row and its column."))
def requests_suspect_cell(ctx: Context):
    """A single misprint breaks the sum of its row and of its column at once. When exactly one cell
    could be changed to make every identity of the table hold again, that cell is very likely the
    misprint, and the value the identities expect is known.

    Example: 「（一）予以公开 × 自然人」 reads 241; with 240 its row (总计 255) and its column
    (（七）总计 553) both balance.
    """
    suspects = single_cell_suspects(ctx)
    if len(suspects) != 1:
        return
    path, expected = suspects[0]
    rec = ctx.record
    yield ctx.finding(lazy("{cell} reads {value}; {expected} would balance both its row and its column — this cell is "
                           "the likely misprint", cell=cell_name(path), value=_fmt(rec.cell(path)),
                           expected=_fmt(expected)), path)


@rule("GK105", "requests-split-digits", severity="warning",
      summary=N_("When a table does not add up, point at digits that look split (`1 0` for 10) or glued."))
def requests_split_digits(ctx: Context):
    """PDF text layers and web pages sometimes print one number with a space inside (`1 0`), or two
    neighbouring cells without a separator. Such a cell reads as the wrong number (or as two cells)
    and breaks the sums; seeing the digits side by side tells the reviewer what happened.

    Example: 「（二）部分公开 × 自然人」 reads 1 and its neighbour 「× 商业企业」 reads 0, while the
    identities expect 10 in the first cell: the two cells look like one number 10 split in two.
    """
    rec = ctx.record
    failing = failures(ctx)
    if not failing:
        return
    involved = {p for i, _ in failing for p in i.paths()}
    reported = set()
    shared = {}
    for p, src in rec.provenance.items():  # a raw text shared by several cells is a run, not one cell
        shared[(src.at, src.raw)] = shared.get((src.at, src.raw), 0) + 1
    for path in sorted(involved):
        raw = ctx.raw(path)
        src = rec.provenance.get(path)
        if raw and SPLIT_DIGITS_RE.search(raw) and shared.get((src.at, src.raw)) == 1:
            reported.add(path)
            yield ctx.finding(lazy("{cell} was printed as “{raw}”, read as {value}: the digits may be one number or "
                                   "two cells, and the identities around it do not hold", cell=cell_name(path),
                                   raw=raw, value=_fmt(rec.cell(path))), path)
    for path, expected in single_cell_suspects(ctx):
        if path in reported or not path.startswith("requests."):
            continue
        _, row, col = path.split(".")
        cols = list(APPLICANT_COLUMNS)
        i = cols.index(col)
        for j in (i - 1, i + 1):
            if not 0 <= j < len(cols):
                continue
            other = f"requests.{row}.{cols[j]}"
            a, b = rec.cell(path), rec.cell(other)
            if a is None or b is None:
                continue
            glued = f"{_fmt(a)}{_fmt(b)}" if j > i else f"{_fmt(b)}{_fmt(a)}"
            if glued == _fmt(expected):
                yield ctx.finding(
                    lazy("{cell} reads {a} and its neighbour {other} reads {b}; the identities expect {expected} here "
                         "— the two cells look like one number split in two", cell=cell_name(path), a=_fmt(a),
                         other=cell_name(other), b=_fmt(b), expected=_fmt(expected)),
                    path, evidence=ctx.evidence(path, other))


@rule("GK106", "requests-misclassified", severity="warning",
      summary=N_("When two columns are off by +n and −n, name the row where n requests look counted under the wrong applicant type."))
def requests_misclassified(ctx: Context):
    """If the column sums of two applicant types fail by the same amount in opposite directions while
    every row still adds up, n requests were very likely counted under the wrong applicant type in
    one row (e.g. a company's request entered as a natural person's).

    Example: the 自然人 column's outcome rows add up to 554 against （七）总计 553, the 商业企业 column to
    14 against 15; moving 1 from 「（一）予以公开 × 自然人」 to 「× 商业企业」 balances both.
    """
    if not failures(ctx):  # nothing failed: nothing to diagnose
        return
    rec = ctx.record
    values = ctx.values
    idents = _known_identities(ctx)
    failing = [(i, r) for i, r in failures(ctx) if i in idents]
    if not failing or any(i.family == "row" for i, _ in failing) or single_cell_suspects(ctx):
        return
    keys = {i.key for i, _ in failing}
    cols = [c for c in APPLICANT_COLUMNS[:-1] if c in keys]
    if len(cols) != 2:
        return
    c1, c2 = cols
    hits = []
    for row in rec.requests:
        p1, p2 = f"requests.{row}.{c1}", f"requests.{row}.{c2}"
        if values.get(p1) is None or values.get(p2) is None:
            continue
        residual = next(r for i, r in failing if i.key == c1)
        n = abs(residual)
        for sign in (1, -1):
            if _explains(values, idents, {p1: sign * n, p2: -sign * n}):
                hits.append((row, p1, p2, sign * n))
    if len(hits) == 1:
        row, p1, p2, d = hits[0]
        src, dst = (p2, p1) if d > 0 else (p1, p2)
        n = abs(d)
        yield ctx.finding(
            lazy("columns {first} and {second} are off by {n} in opposite directions; moving {n} from {source} "
                 "({source_value}) to {target} ({target_value}) balances the table — {n} request(s) look counted "
                 "under the wrong applicant type", first=REQUEST_COLUMN_SHORT[c1], second=REQUEST_COLUMN_SHORT[c2],
                 n=_fmt(n), source=cell_name(src), source_value=_fmt(rec.cell(src)), target=cell_name(dst),
                 target_value=_fmt(rec.cell(dst))),
            src, evidence=ctx.evidence(src, dst))
    elif hits:
        rows = list(dict.fromkeys(h[0] for h in hits))
        names = "、".join(cell_name(f"requests.{r}.total").split(" × ")[0][1:] for r in rows[:6])
        yield ctx.finding(
            lazy("columns {first} and {second} are off by the same amount in opposite directions while every row adds "
                 "up: requests look counted under the wrong applicant type in one of these rows: {rows}",
                 first=REQUEST_COLUMN_SHORT[c1], second=REQUEST_COLUMN_SHORT[c2],
                 rows=names + (" …" if len(rows) > 6 else "")), f"requests.total.{c1}")


@rule("GK107", "counts-non-negative",
      summary=N_("Counts are non-negative whole numbers (except 本年增/减 and money amounts)."))
def counts_non_negative(ctx: Context):
    """Requests, cases, documents and decisions are counted: a negative or fractional count is a
    misprint (or a number typed into the wrong column). Only 本年增/减 may be negative, and only money
    (本年收费金额, 采购总金额) may have decimals.

    Example: 「（一）予以公开 × 自然人」 reads 2.5.
    """
    from ..vocabulary import ACTIVE_ROWS_2019, ACTIVE_ROWS_2021

    rec = ctx.record
    specs = {s.key: s for s in (ACTIVE_ROWS_2019 if rec.template == "2019" else ACTIVE_ROWS_2021)}
    for path, value in ctx.values.items():
        if value is None or (type(value) is int and value >= 0):
            continue  # a whole count (nearly every cell): nothing to say
        if isinstance(value, bool) or (value >= 0 and float(value).is_integer()):
            continue
        table, row, field = path.split(".")
        signed = decimal = False
        if table == "active":
            spec = specs.get(row)
            signed = spec is not None and field in spec.signed_fields
            decimal = spec is not None and field in spec.decimal_fields
        if value < 0 and not signed:
            yield ctx.finding(lazy("{cell} reads {value}: a count cannot be negative", cell=cell_name(path),
                                   value=_fmt(value)), path)
        elif not decimal and not float(value).is_integer():
            yield ctx.finding(lazy("{cell} reads {value}: a count must be a whole number", cell=cell_name(path),
                                   value=_fmt(value)), path)
        elif decimal and value < 0:
            yield ctx.finding(lazy("{cell} reads {value}: an amount cannot be negative", cell=cell_name(path),
                                   value=_fmt(value)), path)
