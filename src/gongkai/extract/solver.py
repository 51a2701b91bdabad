"""Splitting glued digit runs into a row's cells.

A crawler that flattens a page glues a row's cells together: `230000023` is 23|0|0|0|0|0|23.
`split` lists every way a run can be cut into the row's cells: a space is always a cut, two
adjacent digits may or may not be, a number never starts with a superfluous 0, a decimal point
stays inside its number and only money fields may hold one, a minus sign starts a (negative)
number and only signed fields (本年增/减) may hold one, and no cell holds more digits than any
plausible count. Which reading is right is then decided by the identities the template guarantees
(row sums, column sums) — never by a guess: when more than one reading survives, the cells stay
unread.

The search is pruned while it generates: the cells still to fill must be able to take the digits
still to read (digit budgets), a row's sums are checked as soon as their parts are known, and
dead ends are remembered (the same position, cell and partial sums fail the same way). It stops
past a bound of steps or readings and says so (`complete` False), so a run of any length is
decided or refused in bounded time and memory.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import product
from typing import Callable, Iterable, Sequence

Reading = tuple  # one value (int | float | None) per field

# A piece of a row's value run: either a fixed value (a cell read on its own, or None for a blank
# or a dash) or a string of digits that may hold several values.
Piece = tuple[str, object]  # ("fixed", value) | ("digits", "2300")

MAX_READINGS = 20000
# Steps the search may take for one run before it gives up (a step is one cell tried).
MAX_STEPS = 10000
# No count in a report has more digits than this (10^9 applications, decisions or documents is
# beyond any body); money (万元 or 元) may have more before its decimal point.
MAX_COUNT_DIGITS = 9
MAX_AMOUNT_DIGITS = 15
MAX_DECIMALS = 4

_SIGNS = "-−－"
_DASHES = "—―─－-"


@dataclass(frozen=True)
class Split:
    """The readings of one run; `complete` is False when the search stopped at its bound (the
    readings are then not all there are, and none may be taken)."""

    readings: tuple
    complete: bool = True


def pieces_of(run: str) -> list[Piece]:
    """A run's text -> pieces; spaces are cuts, dash groups are null cells, a group of zeros is
    that many cells of 0, a minus sign before a digit stays with it (a negative number)."""
    out: list[Piece] = []
    for chunk in run.split():
        if not chunk.strip(_DASHES):  # (split() gives no empty chunk)
            out.append(("fixed", None))
        elif chunk.strip("0") == "":
            # 0000000: no number starts with a superfluous 0, so each 0 is a cell of its own
            out.extend([("fixed", 0)] * len(chunk))
        else:
            out.append(("digits", chunk.translate(_DIGITS_TABLE)))
    return out


# thousands separators dropped, every minus sign as "-"
_DIGITS_TABLE = str.maketrans({",": None, **{sign: "-" for sign in _SIGNS}})


def readings(pieces: Sequence[Piece], n: int, decimal_at: Iterable[int] = (), signed_at: Iterable[int] = (),
             sums: Sequence[tuple[Sequence[int], int]] = ()) -> list[Reading]:
    """Every way to read `pieces` as exactly `n` cells (see `split`)."""
    return list(split(pieces, n, decimal_at, signed_at, sums).readings)


def split(pieces: Sequence[Piece], n: int, decimal_at: Iterable[int] = (), signed_at: Iterable[int] = (),
          sums: Sequence[tuple[Sequence[int], int]] = (), *, max_steps: int = MAX_STEPS,
          max_readings: int = MAX_READINGS) -> Split:
    """Every way to read `pieces` as exactly `n` cells.

    `sums` are the row's own identities, each (indices of the parts, index of their total) with
    the total after its parts (a request row: ((0..5), 6)); readings that break one are never
    generated. A null among a sum's parts leaves that sum unchecked. Results are shared between
    equal runs (crawler tables repeat 0000000 in row after row): do not change them.
    """
    return _split(tuple(pieces), n, frozenset(decimal_at), frozenset(signed_at),
                  tuple((tuple(parts), total) for parts, total in sums), max_steps, max_readings)


@lru_cache(maxsize=2048)
def _split(pieces: tuple, n: int, decimal_at: frozenset, signed_at: frozenset, sums: tuple, max_steps: int,
           max_readings: int) -> Split:
    search = _Search(pieces, n, frozenset(decimal_at), frozenset(signed_at), sums, max_steps, max_readings)
    last = next((s for s, (_, total) in enumerate(sums) if total == n - 1), None)
    kind, payload = pieces[-1] if pieces else ("fixed", None)
    parts = set(sums[last][0]) if last is not None else set()
    blank = any(k == "fixed" and v is None for k, v in pieces)
    if parts and kind == "digits" and not blank and not parts & search.signed and not parts & search.decimal:
        # The row ends with the total of its counts (a request row, an appeals group): the total
        # is a suffix of the last run, and no part may exceed it, so try each total in turn with
        # its digit count as every part's limit. (Not where a cell is blank: a sum with a null
        # part is not checked, and its parts may be anything.)
        text = str(payload)
        before = sum(sum(ch.isdigit() for ch in str(p)) if k == "digits" else 0 for k, p in pieces[:-1])
        widest_other = max([search.max_digits[c] for c in range(n - 1) if c not in parts] or [0])
        for width in range(1, min(len(text), search.max_digits[n - 1]) + 1):
            token = text[len(text) - width:]
            if not token.isdigit() or (width > 1 and token[0] == "0"):
                continue
            if before + len(text) - width > (n - 1) * max(width, widest_other):
                continue  # the digits left cannot fill n - 1 cells of at most that many digits
            head = list(pieces[:-1]) + ([("digits", text[:-width])] if width < len(text) else [])
            search.run(head, n - 1, target=(last, int(token)), part_digits=width)
            if search.stopped:
                break
    else:
        search.run(list(pieces), n)
    return Split(tuple(search.out), complete=not search.stopped)


class _Search:
    """A depth-first search over the cuts of a run, pruned by digit budgets and the row's sums."""

    def __init__(self, pieces, n, decimal, signed, sums, max_steps, max_readings):
        self.n = n
        self.decimal = decimal
        self.signed = signed
        self.sums = list(sums)
        self.max_digits = [MAX_AMOUNT_DIGITS if i in decimal else MAX_COUNT_DIGITS for i in range(n)]
        self.part_of: dict[int, list[int]] = {}
        self.total_of: dict[int, int] = {}
        for s, (parts, total) in enumerate(self.sums):
            for p in parts:
                self.part_of.setdefault(p, []).append(s)
            self.total_of[total] = s
        self.out: list[Reading] = []
        self.steps = 0
        self.max_steps = max_steps
        self.max_readings = max_readings
        self.stopped = False

    def run(self, pieces: list, cells: int, target: tuple[int, int] | None = None, part_digits: int = 0) -> None:
        if cells <= 0:
            if not pieces and target is None:
                self.out.append(())
            elif not pieces and target is not None:
                self.out.append((target[1],))
            return
        n = cells
        # digits before each character position of each run: budgets without rescanning
        digits_before = []
        for kind, payload in pieces:
            counts = [0]
            if kind == "digits":
                for ch in str(payload):
                    counts.append(counts[-1] + ch.isdigit())
            digits_before.append(counts)
        digits_of = [c[-1] for c in digits_before]
        target_sum, target_value = target if target else (None, None)
        limit = [min(self.max_digits[c], part_digits) if part_digits and target_sum in self.part_of.get(c, ())
                 else self.max_digits[c] for c in range(n)]
        widest = max(limit, default=MAX_COUNT_DIGITS)
        lo_after = [0] * (len(pieces) + 1)
        hi_after = [0] * (len(pieces) + 1)
        digits_after = [0] * (len(pieces) + 1)
        # cells read whole (a blank may be null, leaving a sum unchecked): the digit bounds below
        # hold only where none is left
        fixed_after = [False] * (len(pieces) + 1)
        for i in range(len(pieces) - 1, -1, -1):
            fixed_after[i] = fixed_after[i + 1] or pieces[i][0] == "fixed"
            if pieces[i][0] == "fixed":
                lo, hi = 1, 1
            else:
                d = digits_of[i]
                lo, hi = (-(-d // widest) if d else 1), max(1, d)
            lo_after[i] = lo_after[i + 1] + lo
            hi_after[i] = hi_after[i + 1] + hi
            digits_after[i] = digits_after[i + 1] + digits_of[i]
        # cells from c on that are all parts of the target sum: the remaining digits bound their sum
        all_parts_from = [False] * (n + 1)
        all_parts_from[n] = True
        for c in range(n - 1, -1, -1):
            all_parts_from[c] = all_parts_from[c + 1] and target_sum in self.part_of.get(c, ())
        part_of, total_of = self.part_of, self.total_of
        dead: set = set()
        suffix = (target_value,) if target else ()

        def advance(cell: int, value, partial: tuple) -> tuple | None:
            if cell not in part_of:
                return partial
            new = list(partial)
            for s in part_of[cell]:
                new[s] = None if (value is None or new[s] is None) else new[s] + value
                if s == target_sum and new[s] is not None and new[s] > target_value:
                    return None
            return tuple(new)

        def fits(cell: int, value, partial: tuple) -> bool:
            s = total_of.get(cell)
            return s is None or partial[s] is None or value is None or partial[s] == value

        def walk(i: int, pos: int, acc: list, partial: tuple) -> bool:
            if self.stopped:
                return False
            k = len(acc)
            if i == len(pieces):
                if k != n:
                    return False
                if target is not None and partial[target_sum] is not None and partial[target_sum] != target_value:
                    return False
                self.out.append(tuple(acc) + suffix)
                if len(self.out) >= self.max_readings:
                    self.stopped = True
                return True
            key = (i, pos, k, partial)
            if key in dead:
                return False
            self.steps += 1
            if self.steps > self.max_steps:
                self.stopped = True
                return False
            left = n - k
            if target is not None and all_parts_from[k] and partial[target_sum] is not None and left \
                    and not fixed_after[i]:
                # the parts still to read hold `rest` digits: the longest has at least rest/left
                # digits and at most part_digits, which bounds what they can add up to
                rest = digits_after[i] - digits_before[i][pos]
                need = target_value - partial[target_sum]
                longest = -(-rest // left)
                widest_part = min(part_digits, rest - left + 1)
                if (longest >= 2 and need < 10 ** (longest - 1)) or need >= left * 10 ** widest_part:
                    dead.add(key)
                    return False
            kind, payload = pieces[i]
            found = False
            if kind == "fixed":
                if left >= 1 and fits(k, payload, partial) and lo_after[i + 1] <= left - 1 <= hi_after[i + 1]:
                    nxt = advance(k, payload, partial)
                    if nxt is not None:
                        acc.append(payload)
                        found = walk(i + 1, 0, acc, nxt)
                        acc.pop()
            else:
                text = str(payload)
                rest_digits = digits_of[i] - digits_before[i][pos]
                most_here = left - lo_after[i + 1]
                least_here = left - hi_after[i + 1]
                if rest_digits and most_here >= 1 and -(-rest_digits // widest) <= most_here \
                        and least_here <= rest_digits:
                    for end, value in _tokens(text, pos, k in self.decimal, k in self.signed, limit[k]):
                        if not fits(k, value, partial):
                            continue
                        nxt = advance(k, value, partial)
                        if nxt is None:
                            break  # longer numbers only overshoot more
                        acc.append(value)
                        if end == len(text):
                            if lo_after[i + 1] <= left - 1 <= hi_after[i + 1]:
                                found |= walk(i + 1, 0, acc, nxt)
                        elif left - 1 >= 1:
                            found |= walk(i, end, acc, nxt)
                        acc.pop()
                        if self.stopped:
                            break
            if not found and not self.stopped:
                dead.add(key)
            return found

        walk(0, 0, [], tuple([0] * len(self.sums)))


def _tokens(text: str, start: int, decimal: bool, signed: bool, max_digits: int):
    """(end, value) of every number that can start at `start`: no superfluous leading zero, a
    sign only at its start and only where signed, a decimal point inside it and only where a
    money field, at most `max_digits` digits before the point."""
    length = len(text)
    i = start
    negative = False
    if i < length and text[i] == "-":
        if not signed:
            return
        negative = True
        i += 1
    if i >= length or not text[i].isdigit():
        return
    if text[i] == "0":
        # a 0 is a number on its own, or the start of 0.xx
        if i + 1 < length and text[i + 1] == "." and decimal:
            yield from _decimals(text, i + 1, 0, negative)
        if not negative and not (i + 1 < length and text[i + 1] == "."):
            yield i + 1, 0
        return
    whole = 0
    j = i
    while j < length and text[j].isdigit() and j - i < max_digits:
        whole = whole * 10 + (ord(text[j]) - 48)
        j += 1
        if j < length and text[j] == ".":
            if decimal:
                yield from _decimals(text, j, whole, negative)
            # the point must stay inside this number: no cut right before it
            continue
        yield j, -whole if negative else whole


def _decimals(text: str, point: int, whole: int, negative: bool):
    """Numbers `whole.ddd` with the point at `point`: every length of the fraction up to
    MAX_DECIMALS (money is printed to the yuan at most: 万元 with four decimals)."""
    j = point + 1
    frac = ""
    while j < len(text) and text[j].isdigit() and len(frac) < MAX_DECIMALS:
        frac += text[j]
        j += 1
        if j < len(text) and text[j] == ".":
            return  # a second point: not one number
        value = float(f"{whole}.{frac}")
        yield j, -value if negative else value


def consistent(readings_by_row: dict[str, list[Reading]],
               identities: Sequence[Callable[[dict[str, Reading]], bool | None]],
               limit: int = 200000) -> dict[str, list[Reading]] | None:
    """Combine the rows' candidate readings and keep the combinations every identity accepts.

    Identities get {row: reading} and return True/False, or None when a cell they need is unknown.
    Returns, for each row, the distinct readings that occur in some accepted combination; None if
    the search would be too large. Rows with one reading pass through unchanged.
    """
    rows = list(readings_by_row)
    fixed = {r: c[0] for r, c in readings_by_row.items() if len(c) == 1}
    open_rows = [r for r in rows if len(readings_by_row[r]) > 1]
    if not open_rows:  # nothing to choose: what the identities say of the one combination changes nothing
        return {r: readings_by_row[r] for r in fixed}
    total = 1
    for r in open_rows:
        total *= len(readings_by_row[r])
        if total > limit:
            return None
    seen: dict[str, set] = {r: set() for r in open_rows}
    any_ok = False
    for combo in product(*(readings_by_row[r] for r in open_rows)):
        chosen = dict(fixed)
        chosen.update(zip(open_rows, combo))
        if all(ident(chosen) is not False for ident in identities):
            any_ok = True
            for r, reading in zip(open_rows, combo):
                seen[r].add(reading)
    result = {r: readings_by_row[r] for r in fixed}
    for r in open_rows:
        result[r] = sorted(seen[r], key=repr) if any_ok else readings_by_row[r]
    return result
