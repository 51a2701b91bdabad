"""Chinese-script helpers shared by the readers: spot Traditional-character text, convert it.

Some agencies (and some crawlers' copies) publish reports in Traditional characters; the
template's labels in `vocabulary` are Simplified, so readers convert such text before the
extractor sees it.

OpenCC's pure-Python reimplementation takes ~20 ms per report, too slow for the reader's budget.
`to_simplified` therefore applies OpenCC's own t2s data (TSPhrases + TSCharacters) with
`str.translate` plus one regex for the few phrases whose conversion differs from the
character-by-character one; the result equals OpenCC's (checked in tests/test_html.py).
"""
from __future__ import annotations

import os
import re
from functools import lru_cache

# A text is judged Traditional when it holds at least this many Traditional-only characters
# and more than this many times as many as Simplified-only characters (a Simplified page may
# quote a Traditional name; a Traditional page may use a character OpenCC lists as Simplified).
_MIN_TRADITIONAL = 2
_RATIO = 3


def _dictionary_dir() -> str:
    import opencc  # opencc-python-reimplemented ships OpenCC's dictionaries as text files

    return os.path.join(os.path.dirname(opencc.__file__), "dictionary")


def _load(name: str) -> dict[str, str]:
    """OpenCC dictionary file -> {source: first candidate}."""
    out: dict[str, str] = {}
    with open(os.path.join(_dictionary_dir(), name), encoding="utf-8") as f:
        for line in f:
            key, _, value = line.rstrip("\n").partition("\t")
            if key and value:
                out[key] = value.split(" ")[0]
    return out


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[int, str], re.Pattern[str] | None, dict[str, str], frozenset[str], frozenset[str]]:
    ts_chars = _load("TSCharacters.txt")
    st_chars = _load("STCharacters.txt")
    table = {ord(k): v for k, v in ts_chars.items() if len(k) == 1 and k != v}
    # Phrases whose t2s result differs from the character-by-character one.
    phrases = {}
    for trad, simp in _load("TSPhrases.txt").items():
        if trad.translate(table) != simp:
            phrases[trad] = simp
    pattern = (
        re.compile("(" + "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True)) + ")")
        if phrases else None
    )
    simplified_forms = set(st_chars) | set(ts_chars.values())
    traditional_forms = set(ts_chars) | set(st_chars.values())
    # Characters that are only ever Traditional / only ever Simplified; shared ones say nothing.
    trad_only = frozenset(c for c in ts_chars if len(c) == 1 and ts_chars[c] != c and c not in simplified_forms)
    simp_only = frozenset(c for c in st_chars if len(c) == 1 and st_chars[c] != c and c not in traditional_forms)
    return table, pattern, phrases, trad_only, simp_only


def traditional_score(text: str) -> tuple[int, int]:
    """(Traditional-only, Simplified-only) distinct characters in `text`.

    Distinct characters, not occurrences: a set intersection is all it takes, which keeps the
    check cheap enough to run on every page.
    """
    _, _, _, trad_only, simp_only = _tables()
    chars = set(text)
    return len(chars & trad_only), len(chars & simp_only)


@lru_cache(maxsize=1)
def _traditional_only_finders() -> tuple[re.Pattern[str], re.Pattern[str], frozenset[str]]:
    """A regex for the Traditional-only characters of the Basic Plane (a character class of them
    is a bitmap the regex engine scans at C speed, ten times faster than looking each character of
    a text up in a set), one that finds any character beyond it, and the few Traditional-only ones there."""
    trad_only = _tables()[3]
    bmp = "".join(sorted(c for c in trad_only if ord(c) < 0x10000))
    return (re.compile("[" + re.escape(bmp) + "]"), re.compile("[\U00010000-\U0010FFFF]"),
            frozenset(c for c in trad_only if ord(c) >= 0x10000))


def _has_traditional_only(text: str) -> bool:
    """`not _tables()[3].isdisjoint(text)`, faster."""
    bmp, astral, trad_astral = _traditional_only_finders()
    if bmp.search(text):
        return True
    return astral.search(text) is not None and not trad_astral.isdisjoint(text)


def is_traditional(text: str) -> bool:
    """Whether `text` is written in Traditional characters (mostly)."""
    if not _has_traditional_only(text):  # most texts: no Traditional-only character, no set to build
        return False
    trad, simp = traditional_score(text)
    if trad == 0:
        return False
    # Short texts (a cell, a label) decide on a single character; pages need a few.
    needed = 1 if len(text) < 40 else _MIN_TRADITIONAL
    return trad >= needed and trad > _RATIO * simp


def to_simplified(text: str) -> str:
    """Traditional -> Simplified characters, as OpenCC's t2s does it."""
    table, pattern, phrases, _, _ = _tables()
    if pattern is None:
        return text.translate(table)
    # split() with a capturing group alternates plain text (even) and matched phrases (odd).
    parts = pattern.split(text)
    if len(parts) == 1:
        return text.translate(table)
    return "".join(phrases[p] if i % 2 else p.translate(table) for i, p in enumerate(parts))


@lru_cache(maxsize=1)
def _s2t():
    from opencc import OpenCC

    return OpenCC("s2t")


def to_traditional(text: str) -> str:
    """Simplified -> Traditional characters (OpenCC s2t; slow, meant for rendering fixtures)."""
    return _s2t().convert(text)


__all__ = ["is_traditional", "to_simplified", "to_traditional", "traditional_score"]


def simplify_blocks(blocks: list) -> bool:
    """Convert a document's paragraphs and cells to Simplified when it is in Traditional
    characters (the template's labels are matched in Simplified); True if it did."""
    from ..document import Paragraph

    items: list = []
    for b in blocks:
        if isinstance(b, Paragraph):
            items.append(b)
        else:
            for row in b.rows:
                items.extend(row)
    texts = [i.text for i in items]
    # One string for both the check and the conversion (texts hold no NUL), split back after.
    joined = "\x00".join(texts)
    if not is_traditional(joined):
        return False
    converted = to_simplified(joined).split("\x00")
    if len(converted) != len(items):  # cannot happen unless the converter maps onto NUL
        converted = [to_simplified(t) for t in texts]
    for item, text in zip(items, converted):
        item.text = text
    return True


_NUMBERISH = frozenset("0123456789０１２３４５６７８９.．,，%％")


def _is_cjk(ch: str) -> bool:
    o = ord(ch)
    return 0x2E80 <= o <= 0x2FFF or 0x3001 <= o <= 0x303F or 0x3040 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF \
        or 0xFF01 <= o <= 0xFFEF


def join_fragments(pieces) -> str:
    """The cleaned pieces of one cell (its paragraphs, or line-broken parts) -> one string.

    No space where both sides are CJK (a wrapped label, 商业/企业 -> 商业企业) or both sides are
    digits (a number split by paragraph marks, 1/5 -> 15); one space otherwise (总计 17). Empty
    pieces are skipped. The HTML and Word readers join cells this one way.
    """
    out = ""
    for piece in pieces:
        if not piece:
            continue
        if out:
            a, b = out[-1], piece[0]
            if not ((_is_cjk(a) and _is_cjk(b)) or (a in _NUMBERISH and b in _NUMBERISH)):
                out += " "
        out += piece
    return out
