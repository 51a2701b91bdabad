"""docs/rules.md is generated from the rule registry and must be current."""
from __future__ import annotations

from pathlib import Path

from gongkai.checks import rules
from gongkai.checks.docs import render

DOC = Path(__file__).resolve().parents[1] / "docs" / "rules.md"


def test_rules_doc_is_current():
    assert DOC.read_text(encoding="utf-8") == render(), (
        "docs/rules.md is stale: run `python -m gongkai.checks.docs > docs/rules.md`")


def test_rules_doc_lists_every_rule():
    text = DOC.read_text(encoding="utf-8")
    for r in rules():
        assert f"### {r.code} {r.name}" in text
