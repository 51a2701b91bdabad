"""What the report's own text states about cells of the Article 20 table.

A crawler's glued run such as `规范性文件97253` has many splits and no identity decides between
them; but the text may say "制发规范性文件9件……废止7件……现行有效253件". `stated_cells` finds such
statements (a sentence that names the row's subject and, after a field's verb, a count in 件), and
`decide` takes a candidate split only when it is the one candidate that equals every count the
text states for its cells. The text never supplies a number itself: it only chooses among the
ways to cut the digits the table prints.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Sequence

from ..vocabulary import NARRATIVE_FIELD_VERBS, NARRATIVE_ROW_SUBJECTS

_SENTENCE_RE = re.compile(r"[^。；;！!？?\n]+")
_COUNT_AFTER = r"[^，,。；;\d]{0,14}?(?<![\d.])(?P<n>\d{1,9})\s*(?:件|项|个)"


@lru_cache(maxsize=64)
def _verb_re(verbs: tuple[str, ...]) -> re.Pattern:
    return re.compile("(?:" + "|".join(map(re.escape, verbs)) + ")" + _COUNT_AFTER)


@lru_cache(maxsize=64)
def _subjects_re(subjects: tuple[str, ...]) -> re.Pattern:
    return re.compile("|".join(map(re.escape, subjects)))


def sentences_of(text: str) -> list[str]:
    """The text's sentences, as `stated_cells` reads them (cut once per text, not once per row)."""
    return [m.group().strip() for m in _SENTENCE_RE.finditer(text)]


def stated_cells(text: str, row: str, fields: Sequence[str],
                 sentences: Sequence[str] | None = None) -> dict[str, list[tuple[int, str]]]:
    """{field: [(count, sentence)]} for the counts the text states for `row`'s cells (`sentences`:
    `sentences_of(text)`, when already cut)."""
    subjects = NARRATIVE_ROW_SUBJECTS.get(row)
    if not subjects:
        return {}
    out: dict[str, list[tuple[int, str]]] = {}
    named = _subjects_re(subjects).search
    for sentence in (sentences_of(text) if sentences is None else sentences):
        m = named(sentence)  # where the first subject is named (the leftmost of any)
        if m is None:
            continue
        start = m.start()
        # the counts stated after the subject is named (制发规范性文件9件: the verb may come first)
        for field in fields:
            verbs = NARRATIVE_FIELD_VERBS.get((row, field)) or NARRATIVE_FIELD_VERBS.get(("*", field))
            if not verbs:
                continue
            for v in _verb_re(tuple(verbs)).finditer(sentence):
                if v.end() <= start:
                    continue
                out.setdefault(field, []).append((int(v.group("n")), sentence[:120]))
    return out


def decide(text: str, row: str, fields: Sequence[str], candidates: list[tuple],
           sentences: Sequence[str] | None = None) -> tuple[tuple, str] | None:
    """The one candidate whose cells equal every count the text states for them, and the
    sentences that state them; None when the text states nothing, disagrees with itself, or
    leaves more than one candidate (or none)."""
    stated = stated_cells(text, row, fields, sentences)
    if not stated:
        return None
    wanted: dict[int, int] = {}
    sentences: list[str] = []
    for field, found in stated.items():
        values = {n for n, _ in found}
        if len(values) > 1:
            return None  # the text gives two counts for one cell
        wanted[list(fields).index(field)] = values.pop()
        for _, sentence in found:
            if sentence not in sentences:
                sentences.append(sentence)
    agreeing = [c for c in candidates if all(c[i] == v for i, v in wanted.items())]
    if len(agreeing) != 1:
        return None
    return agreeing[0], " …… ".join(sentences)[:200]
