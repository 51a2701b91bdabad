"""The checks: rules that find where a report's numbers and structure are wrong, and say where.

>>> from gongkai.checks import run_checks
>>> record.findings = record.findings + run_checks(record)

Rules never change the record. Each lives in one of the modules below and joins the registry by
being decorated with `@rule` (see `registry.py`); `gongkai rules` and docs/rules.md list them.
"""
from __future__ import annotations

from typing import Iterable, Optional

from ..record import Finding, Record
from .registry import REGISTRY, Rule, matches, rule, rules, selected

# The checks' version: a store re-checks the reports it holds when this changes (store/prepare.py).
CHECKS_VERSION = "2"

_RULE_MODULES = ("tables", "structure", "narrative", "fees", "publication")


_loaded = False


def _load_rules() -> None:
    global _loaded
    if _loaded:  # asked on every run_checks: the imports are looked up once
        return
    import importlib

    for name in _RULE_MODULES:
        importlib.import_module(f"{__name__}.{name}")
    _loaded = True


def run_checks(record: Record, select: Optional[Iterable[str]] = None,
               ignore: Optional[Iterable[str]] = None) -> list[Finding]:
    """The findings of every selected rule on `record` (codes, code prefixes like `GK1`, or names)."""
    from .registry import run

    return run(record, select=select, ignore=ignore)


__all__ = ["CHECKS_VERSION", "run_checks", "rules", "rule", "Rule", "REGISTRY", "matches", "selected"]
