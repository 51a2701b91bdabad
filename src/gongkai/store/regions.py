"""Where a body sits: province, city, county and GB/T 2260 code from its name.

cpca's matcher (an Aho-Corasick automaton over division names and their short forms) finds the
division words; its table is extended with `regions_data` (divisions created since cpca's table
was made, and names such as 平潭综合实验区 that stand for one). Only a chain of division words
counts (淮安市洪泽区, not a 鼓楼 somewhere later in the name), and a county name shared by several
places (鼓楼区: 福州, 南京, 徐州, 开封) is resolved only when the name or the report's own text
names its city or province; otherwise the region stays unknown and a note says why.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from . import regions_data, words

PROVINCE, CITY, COUNTY = "province", "city", "county"
_RANKS = (PROVINCE, CITY, COUNTY)


@dataclass(frozen=True)
class Region:
    code: Optional[str] = None  # 6-digit GB/T 2260 code of the deepest division found
    province: Optional[str] = None
    city: Optional[str] = None
    county: Optional[str] = None
    level: Optional[str] = None
    # code used to link a body across years: the code's successor when the division was renamed
    link_code: Optional[str] = None
    # the span of the division words in the name: name[start:end]
    start: int = 0
    end: int = 0
    note: Optional[str] = None


class Divisions:
    """cpca's division table plus the overlay, with a matcher over both."""

    def __init__(self) -> None:
        with warnings.catch_warnings():  # cpca loads its data through the deprecated pkg_resources
            warnings.simplefilter("ignore")
            import cpca
            from cpca import AddrInfo, Matcher

        self._matcher = Matcher("([省市]|特别行政区|自治区)$")
        self.names: dict[str, str] = {}  # code -> name (the newest name where a code was renamed)
        for info in cpca.ad_2_addr_dict.values():
            self._matcher.add_addr_info(info)
            self.names.setdefault(info.adcode, info.name)
        for line in regions_data.OVERLAY.splitlines():
            code, name = line.split(",")
            self._matcher.add_addr_info(AddrInfo(name, code + "000000", None, None))
            self.names[code] = name
        for line in regions_data.SPECIAL.splitlines():
            name, code = line.split(",")
            self._matcher.add_addr_info(AddrInfo(name, code + "000000", None, None))
        self._matcher.complete_add()
        self.successors: dict[str, tuple[str, str, str, str]] = {}
        for line in regions_data.SUCCESSORS.splitlines():
            old, new, date, old_name, new_name = line.split(",")
            self.successors[old] = (new, date, old_name, new_name)

    # -- names of a code's levels ---------------------------------------------------------------
    def name(self, code: Optional[str]) -> Optional[str]:
        if code is None:
            return None
        name = self.names.get(code)
        return None if name in words.PSEUDO_DIVISIONS else name

    def levels(self, code: str) -> tuple[Optional[str], Optional[str]]:
        """(province, city) names of a code."""
        province = self.name(code[:2] + "0000")
        city = None
        if not code.endswith("0000"):
            city = self.name(code[:4] + "00")
            if city is None and code[:2] in words.MUNICIPALITIES:
                city = province
        return province, city

    def link_code(self, code: str) -> tuple[str, Optional[str]]:
        note = None
        seen = set()
        while code in self.successors and code not in seen:
            seen.add(code)
            new, date, old_name, new_name = self.successors[code]
            note = words.NOTE_SUCCESSOR.format(old=old_name, new=new_name, date=date)
            code = new
        return code, note

    # -- matching -------------------------------------------------------------------------------
    def locate(self, name: str, hints: str = "") -> Region:
        """The region a body's name places it in; `hints` (the report's text) settles shared names."""
        chain = []  # (candidates, match)
        for match in self._matcher.iter(name):
            if chain:
                if match.start_index != chain[-1][1].end_index + 1:
                    break
                parents = chain[-1][0]
                found = [a for a in _distinct(match.attr_infos) if any(a.belong_to(p) and a.rank > p.rank for p in parents)]
                if not found:
                    break
                # a child narrows an ambiguous parent to the ones it belongs to
                chain[-1] = ([p for p in parents if any(a.belong_to(p) for a in found)], chain[-1][1])
                chain.append((found, match))
            else:
                chain.append((_distinct(match.attr_infos), match))
        if not chain:
            return Region()
        # narrow earlier links by later ones (e.g. two 朝阳 resolved by the district that follows)
        for i in range(len(chain) - 2, -1, -1):
            below = chain[i + 1][0]
            chain[i] = ([p for p in chain[i][0] if any(a.belong_to(p) for a in below)], chain[i][1])
        candidates, last = chain[-1]
        start, end = chain[0][1].start_index, last.end_index + 1
        note = None
        if len(candidates) > 1:
            chosen, hint = self._by_hints(candidates, hints)
            places = "、".join(f"{(self.levels(c.adcode)[1] or self.levels(c.adcode)[0] or '')}{c.name}" for c in candidates)
            if chosen is None:
                return Region(county=candidates[0].name if candidates[0].rank == 2 else None,
                              level=_RANKS[candidates[0].rank], start=start, end=end,
                              note=words.NOTE_AMBIGUOUS.format(name=last.origin_value, count=len(candidates), places=places))
            place = (self.levels(chosen.adcode)[1] or self.levels(chosen.adcode)[0] or "") + chosen.name
            note = words.NOTE_FROM_TEXT.format(name=last.origin_value, count=len(candidates), hint=hint, place=place)
            candidates = [chosen]
        info = candidates[0]
        code = info.adcode
        province, city = self.levels(code)
        level = _RANKS[info.rank]
        if level == PROVINCE:
            province = self.name(code) or info.name
        elif level == CITY:
            city = info.name if info.name not in words.PSEUDO_DIVISIONS else city
        link, successor_note = self.link_code(code)
        return Region(code=code, province=province, city=city, county=info.name if level == COUNTY else None,
                      level=level, link_code=link, start=start, end=end, note=note or successor_note)

    def _by_hints(self, candidates, hints: str):
        """The one candidate whose city or province the text names, with the words found."""
        if not hints:
            return None, None
        hits = []
        for c in candidates:
            province, city = self.levels(c.adcode)
            for parent in (city, province):
                if not parent:
                    continue
                short = _short(parent)
                word = parent if parent in hints else (short if len(short) >= 2 and short in hints else None)
                if word:
                    hits.append((c, word))
                    break
        if len(hits) == 1:
            return hits[0]
        return None, None


def _distinct(infos):
    seen, out = set(), []
    for a in infos:
        if a.adcode not in seen:
            seen.add(a.adcode)
            out.append(a)
    return out


def _short(name: str) -> str:
    for suffix in ("特别行政区", "自治区", "自治州", "地区", "省", "市", "盟"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


# what `import cpca` needs: cpca itself, its matcher (pyahocorasick) and pkg_resources (setuptools)
CPCA_MODULES = ("cpca", "ahocorasick", "pkg_resources")


def require_cpca() -> None:
    """Fail early, with what to install, when cpca or a module it imports is missing (in the
    workers every report would fail instead). Found, not imported: importing cpca loads its
    national table of places (a second of CPU), which only the workers use."""
    import importlib.util

    missing = [name for name in CPCA_MODULES if importlib.util.find_spec(name) is None]
    if missing:
        from ..i18n import _
        from .writer import StoreError

        raise StoreError(_("the store needs cpca to place agencies in their regions (no module named {modules}); "
                           "install it with: pip install 'gongkai[store]' (cpca also needs setuptools)",
                           modules=", ".join(missing)))


@lru_cache(maxsize=1)
def divisions() -> Divisions:
    return Divisions()


def locate(name: str, hints: str = "") -> Region:
    return divisions().locate(name, hints)
