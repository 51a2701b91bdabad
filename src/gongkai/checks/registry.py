"""The rule registry: a rule joins by being written with the `@rule` decorator.

Rule ids are codes like ruff's: a family letter-pair and three digits (`GK101`), plus a slug name
(`requests-row-sum`). Families: GK1 request table, GK2 appeals table, GK3 structure,
GK4 narrative against tables, GK5 fees, GK6 year, title and publication. `--select GK1` picks a family; names work too.
"""
from __future__ import annotations

import inspect
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from typing import Callable, Iterable, Iterator, Optional

from ..i18n import Message, gettext, lazy
from ..record import Finding, Record

SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    summary_msgid: str  # English; translated by `summary`
    severity: str  # the most severe level this rule reports
    origin: str  # "source": the report is wrong; "extraction": the reading is unsure
    func: Callable[["Context"], Iterable[Finding]]

    @property
    def summary(self) -> str:
        """The one-line summary in the current language (Chinese by default)."""
        return gettext(self.summary_msgid)

    def summary_in(self, lang: str) -> str:
        return lazy(self.summary_msgid).render(lang)

    @property
    def doc(self) -> str:
        return inspect.cleandoc(self.func.__doc__ or "")

    @property
    def family(self) -> str:
        return self.code[:3]


REGISTRY: dict[str, Rule] = {}


def rule(code: str, name: str, *, summary: str, severity: str = "error", origin: str = "source"):
    """Register a check. The function receives a `Context` and yields findings (use `ctx.finding`).

    `summary` is an English msgid marked with `N_()` so the catalog translates it."""
    if severity not in SEVERITY_RANK:
        raise ValueError(f"unknown severity {severity!r}")

    def register(func):
        if code in REGISTRY or any(r.name == name for r in REGISTRY.values()):
            raise ValueError(f"rule {code} {name} registered twice")
        if not (func.__doc__ or "").strip():
            raise ValueError(f"rule {code} needs a docstring saying why it matters, with an example")
        REGISTRY[code] = Rule(code, name, summary, severity, origin, func)
        func.rule_code = code
        return func

    return register


_ordered: tuple[dict, list[Rule]] = ({}, [])  # (a copy of the registry, its rules by code) when last sorted


def rules() -> list[Rule]:
    """Every registered rule, ordered by code."""
    global _ordered
    from . import _load_rules

    _load_rules()
    if REGISTRY != _ordered[0]:  # sorted again only when the registry changed (asked on every run)
        _ordered = (dict(REGISTRY), [REGISTRY[c] for c in sorted(REGISTRY)])
    return list(_ordered[1])


def catalogue() -> list:
    """Every rule a user can meet: the per-report rules, the cross-report rules (GK9xx) that
    `gongkai ingest` runs over a store (listed only when the store extra is installed), then the
    reading's own findings (`row-not-found` …, declared in `gongkai.extraction_rules`)."""
    from ..extraction_rules import EXTRACTION_RULES

    listed: list = list(rules())
    try:
        from ..store.cross import CROSS_RULES
    except ImportError:
        CROSS_RULES = ()
    return listed + list(CROSS_RULES) + list(EXTRACTION_RULES)


def matches(selector: str, rule_id: str) -> bool:
    """Whether a --select/--ignore entry names this rule id: exact code, code prefix, or slug name.

    Findings of other origins (the extractor's) carry their own ids; those match exactly or by prefix.
    """
    selector = selector.strip()
    if not selector:
        return False
    if selector.upper() == "ALL":
        return True
    found = REGISTRY.get(rule_id)
    if found is not None and selector == found.name:
        return True
    return rule_id == selector or rule_id.upper().startswith(selector.upper())


def selected(rule_id: str, select: Optional[Iterable[str]], ignore: Optional[Iterable[str]]) -> bool:
    if select and not any(matches(s, rule_id) for s in select):
        return False
    if ignore and any(matches(s, rule_id) for s in ignore):
        return False
    return True


def selects_any(selector: str, listed: Optional[list] = None) -> bool:
    """Whether a selector names at least one rule of the catalogue (by code, prefix or name)."""
    listed = catalogue() if listed is None else listed
    return any(matches(selector, r.code) or selector.strip() == r.name for r in listed)


def unknown_selectors(selectors: Iterable[str]) -> list[str]:
    """Selectors that name no rule at all (typos): `gongkai check` refuses them."""
    listed = catalogue()
    return [s for s in selectors if not selects_any(s, listed)]


def nearest(selector: str, n: int = 3) -> list[str]:
    """The valid ids closest to a selector that names no rule (codes, names, families)."""
    import difflib

    listed = catalogue()
    codes = [r.code for r in listed]
    names = [r.name for r in listed if r.name != r.code]
    families = sorted({c[:3] for c in codes if c.startswith("GK")})
    text = selector.strip()
    found = difflib.get_close_matches(text.upper(), codes + families, n=n, cutoff=0.6)
    found += [m for m in difflib.get_close_matches(text.lower(), names + codes, n=n, cutoff=0.6) if m not in found]
    return found[:n]


class Context:
    """What a rule sees: the record (read-only by convention), plus helpers to cite the source."""

    def __init__(self, record: Record):
        self.record = record
        self._rule: Optional[Rule] = None
        self.cache: dict = {}
        self._values: Optional[dict] = None
        self._doubts: Optional[dict] = None

    @property
    def values(self) -> dict:
        """Every table cell as {dotted path: value}, in template order, built once per record."""
        if self._values is None:
            rec = self.record
            tables = (rec.active, rec.requests, rec.appeals)
            # the rows and their fields fix the paths (records of one template share them): the
            # shape is read and the values are paired with the paths by C loops, no bytecode per cell
            shape = tuple((tuple(data), tuple(map(tuple, data.values()))) for data in tables)
            cells = chain.from_iterable(chain.from_iterable(map(dict.values, data.values()) for data in tables))
            paths, blank = _shape_paths(shape)
            self._values = blank.copy()  # (the keys laid out once per shape: no dict growing here)
            self._values.update(zip(paths, cells))
        return self._values

    # -- findings -------------------------------------------------------------------------------
    def finding(self, message: str | Message, where: Optional[str] = None, *, severity: Optional[str] = None,
                evidence: str | Message | None = None) -> Finding:
        assert self._rule is not None
        severity = severity or self._rule.severity
        if SEVERITY_RANK[severity] > SEVERITY_RANK[self._rule.severity]:
            raise ValueError(f"{self._rule.code} is registered at most {self._rule.severity}, not {severity}")
        if evidence is None and where is not None:
            evidence = self.evidence(where)
        return Finding(rule=self._rule.code, severity=severity, origin=self._rule.origin, message=message,
                       where=where, evidence=evidence)

    # -- source positions -------------------------------------------------------------------------
    def evidence(self, *paths: str) -> Optional[Message]:
        """第 57 行：“17” (line 57: "17") for the cells given (those with provenance), joined by '；'."""
        out: Optional[Message] = None
        for path in reversed(paths):
            src = self.record.provenance.get(path)
            if src is None:
                continue
            part = lazy('{place}: "{raw}"', place=src.location(), raw=src.raw)
            out = part if out is None else lazy("{first}; {rest}", first=part, rest=out)
        return out

    def uncertain(self, path: str, *, row: bool = True) -> Optional[Finding]:
        """The extractor's warning or error about this cell or (with `row`) its row, if any: a
        number read with doubt must not be blamed on the report."""
        if self._doubts is None:  # the first such finding per place, indexed once
            self._doubts = {}
            for f in self.record.findings:
                if f.origin == "extraction" and f.severity != "info" and f.where is not None:
                    self._doubts.setdefault(f.where, f)
        if not self._doubts:
            return None
        first = self._doubts.get(path)
        if not row:
            return first
        row = self._doubts.get(path[:path.rfind(".")]) if path.count(".") == 2 else None
        if first is None or row is None:
            return first or row
        # both the cell and its row are in doubt: the earlier finding, as a scan of the list would give
        return first if self.record.findings.index(first) < self.record.findings.index(row) else row

    def raw(self, path: str) -> Optional[str]:
        src = self.record.provenance.get(path)
        return None if src is None else src.raw

    def value(self, path: str):
        return self.values.get(path)


@lru_cache(maxsize=64)
def _shape_paths(shape: tuple) -> tuple[tuple[str, ...], dict]:
    """The dotted paths of every cell of the tables active, requests and appeals, in order, for the
    rows and fields given as `((rows, fields of each row), …)`, and a dict of them to None: made
    once per shape. (Interned: a rule that looks cells up by paths made elsewhere, interned too,
    finds each by identity.)"""
    paths = tuple(sys.intern(f"{table}.{row}.{field}") for table, (rows, fields) in
                  zip(("active", "requests", "appeals"), shape) for row, names in zip(rows, fields) for field in names)
    return paths, dict.fromkeys(paths)


# Evidence that quotes the report's words (a part's sentence, a label, a title) rather than cells,
# in either language: where to look for them in the source.
_WORDS_EVIDENCE_IDS = ("part ", "label: ", "title: ")
_WORDS_EVIDENCE_RE = re.compile(r"^(?:part |label: ?|title: ?|第[一二三四五六七八九十\d]+部分：|标签：|标题：)")


def quotes_words(finding: Finding) -> bool:
    """Whether the finding's evidence quotes words of the report (so the source line is found by
    those words) rather than citing cells (found by their provenance)."""
    message = finding.text("evidence")
    if message is not None:
        return message.msgid.startswith(_WORDS_EVIDENCE_IDS)
    return bool(_WORDS_EVIDENCE_RE.match(finding.evidence or ""))


def run(record: Record, select=None, ignore=None) -> list[Finding]:
    """Run every selected rule on `record` and return their findings (the record is not changed)."""
    ctx = Context(record)
    out: list[Finding] = []
    every = not select and not ignore  # (the usual run: no selection to test rule by rule)
    for r in rules():
        if not every and not selected(r.code, select, ignore):
            continue
        ctx._rule = r
        out.extend(_iter(r.func(ctx)))
    ctx._rule = None
    return out


def _iter(result) -> Iterator[Finding]:
    if result is None:
        return iter(())
    return iter(result)
