"""One body, one key: normalise an agency's name so its reports link up across years.

洪泽区人民政府 (2023) and 淮安市洪泽区人民政府 (2024) are the same body; so are 静安区人社局 and
上海市静安区人力资源和社会保障局, and a name written in Traditional characters. The key is the
region's code (its successor's, when the division was renamed) and the body's canonical name:
`320813:人民政府`, `310106:人力资源和社会保障局`. Bodies with no region in their name (海关总署) are
keyed by their whole name: `-:海关总署`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from . import words
from .regions import Region, locate

_SPACE_RE = re.compile(r"[\s\u3000\u200b\ufeff]+")
_ALIASES = sorted(words.BODY_ALIASES.items(), key=lambda kv: -len(kv[0]))


@dataclass(frozen=True)
class Agency:
    raw: str
    name: str  # the name as written, in Simplified characters, without spaces
    body: str  # the body without its region: 人力资源和社会保障局, 人民政府
    key: str
    region: Region


def clean_name(raw: str) -> str:
    from ..ingest.chinese import is_traditional, to_simplified

    name = _SPACE_RE.sub("", raw)
    if is_traditional(name):
        name = to_simplified(name)
    return name.strip("：:，,。.、")


def canonical_body(body: str) -> str:
    body = words.PARENTHETICAL_RE.sub("", body)
    body = words.LEADING_LEVEL_RE.sub("", body)
    if body in words.GOVERNMENT_BODIES:
        return words.GOVERNMENT_BODY
    for short, full in _ALIASES:
        if body.endswith(short) and not body.endswith(full):
            return body[: -len(short)] + full
    return body


def normalise(raw: Optional[str], hints: str = "") -> Optional[Agency]:
    """The agency of a report's stated name; `hints` (its text) settles county names shared by
    several places."""
    if not raw or not raw.strip():
        return None
    agency = _normalise(raw, "")
    if hints and agency.region.code is None and agency.region.county is not None:
        return _normalise.__wrapped__(raw, hints)  # ambiguous: the text decides (not cached: rare)
    return agency


@lru_cache(maxsize=4096)
def _normalise(raw: str, hints: str) -> Agency:
    name = clean_name(raw)
    bare = words.PARENTHETICAL_RE.sub("", name)
    region = locate(bare, hints)
    if region.code is None and region.county is None:
        # no region in the name (海关总署): the whole name is the key, with short forms expanded
        return Agency(raw=raw, name=name, body=canonical_body(bare), key=f"-:{_expand(bare)}", region=region)
    body = canonical_body(bare[: region.start] + bare[region.end:])
    if region.link_code is None:
        # a county name shared by several places: keyed by the name itself, never linked to others
        return Agency(raw=raw, name=name, body=body, key=f"?{bare[region.start:region.end]}:{body}", region=region)
    return Agency(raw=raw, name=name, body=body, key=f"{region.link_code}:{body}", region=region)


def _expand(name: str) -> str:
    for short, full in _ALIASES:
        if name.endswith(short) and not name.endswith(full):
            return name[: -len(short)] + full
    return name
