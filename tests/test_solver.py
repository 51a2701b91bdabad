"""Splitting glued digit runs: only readings the template's rules allow, never a guess."""
from gongkai.extract.solver import consistent, pieces_of, readings


def row_sum(r):
    return sum(r[:6]) == r[6]


def test_space_is_a_cut_and_digits_may_be():
    got = [r for r in readings(pieces_of("230 000023"), 7) if row_sum(r)]
    assert got == [(23, 0, 0, 0, 0, 0, 23)]


def test_stray_spaces_inside_a_row():
    got = [r for r in readings(pieces_of("10 0 0 0 01"), 7) if row_sum(r)]
    assert got == [(1, 0, 0, 0, 0, 0, 1)]


def test_no_superfluous_leading_zero():
    assert readings(pieces_of("005"), 3) == [(0, 0, 5)]
    assert readings(pieces_of("000"), 3) == [(0, 0, 0)]


def test_ambiguous_run_keeps_every_reading():
    got = readings(pieces_of("350"), 2)
    assert sorted(got) == [(3, 50), (35, 0)]


def test_decimal_only_in_money_fields():
    assert readings(pieces_of("13575394432.52"), 2, decimal_at=[1])[:1] == [(1, 3575394432.52)]
    assert readings(pieces_of("1.5"), 1) == []


def test_identities_decide_between_rows():
    rows = {"a": [(1, 11), (11, 1)], "b": [(2, 10)]}
    ident = [lambda c: c["a"][0] + 1 == c["b"][0]]
    assert consistent(rows, ident) == {"b": [(2, 10)], "a": [(1, 11)]}
