"""Splitting glued digit runs into a row's cells.

A crawler that flattens a page glues a row's cells together: `230000023` is 23|0|0|0|0|0|23.
`readings` lists every way a run can be cut into the row's cells: a space is always a cut, two
adjacent digits may or may not be, a number never starts with a superfluous 0, a decimal point
stays inside its number and only money fields may hold one. Which reading is right is then decided
by the identities the template guarantees (row sums, column sums) — never by a guess: when more
than one reading survives, the cells stay unread.
"""
from __future__ import annotations

from itertools import product
from typing import Callable, Iterable, Sequence

Reading = tuple  # one value (int | float | None) per field

# A piece of a row's value run: either a fixed value (a cell read on its own, or None for a blank
# or a dash) or a string of digits that may hold several values.
Piece = tuple[str, object]  # ("fixed", value) | ("digits", "2300")

MAX_READINGS = 20000


def pieces_of(run: str) -> list[Piece]:
    """A run's text -> pieces; spaces are cuts, dash groups are null cells."""
    out: list[Piece] = []
    for chunk in run.split():
        if chunk and all(ch in "—―─－-" for ch in chunk):
            out.append(("fixed", None))
        else:
            out.append(("digits", chunk.replace(",", "")))
    return out


def readings(pieces: Sequence[Piece], n: int, decimal_at: Iterable[int] = ()) -> list[Reading]:
    """Every way to read `pieces` as exactly `n` cells (capped at MAX_READINGS)."""
    decimal_ok = frozenset(decimal_at)
    # the most cells each piece, and all pieces after it, can yield: one per digit
    most = [1 if kind == "fixed" else max(1, sum(ch.isdigit() for ch in str(p))) for kind, p in pieces]
    most_after = [sum(most[i + 1:]) for i in range(len(pieces))]
    out: list[Reading] = []

    def walk(i: int, acc: list) -> None:
        if len(out) >= MAX_READINGS:
            return
        if i == len(pieces):
            if len(acc) == n:
                out.append(tuple(acc))
            return
        kind, payload = pieces[i]
        need = n - len(acc)
        if kind == "fixed":
            walk(i + 1, acc + [payload])
            return
        max_parts = need - (len(pieces) - i - 1)
        min_parts = need - most_after[i]
        if max_parts < 1 or min_parts > most[i]:
            return
        for parts in _cuts(payload, max(1, min_parts), max_parts, len(acc), decimal_ok):
            walk(i + 1, acc + parts)

    walk(0, [])
    return out


def _cuts(digits: str, min_parts: int, max_parts: int, offset: int, decimal_ok: frozenset[int]) -> list[list]:
    """Ways to cut one digit string into min_parts..max_parts numbers."""
    results: list[list] = []
    length = len(digits)

    def rec(start: int, acc: list) -> None:
        if start == length:
            if len(acc) >= min_parts:
                results.append(list(acc))
            return
        if len(acc) >= max_parts or len(acc) + (length - start) < min_parts:
            return
        field = offset + len(acc)
        for end in range(start + 1, length + 1):
            token = digits[start:end]
            if token.endswith("."):
                continue
            value = _value(token, field in decimal_ok)
            if value is None:
                if token[0] == "0" and len(token) > 1 and "." not in token:
                    break  # a longer token starting with 0 is no better
                continue
            if end < length and digits[end] == ".":
                continue  # the decimal point must stay inside this number
            acc.append(value)
            rec(end, acc)
            acc.pop()

    rec(0, [])
    return results


def _value(token: str, decimal: bool):
    if "." in token:
        if not decimal or token.count(".") > 1 or token.startswith("."):
            return None
        whole = token.split(".")[0]
        if len(whole) > 1 and whole[0] == "0":
            return None
        return float(token)
    if len(token) > 1 and token[0] == "0":
        return None
    return int(token)


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
