"""docs/data.md is generated from the code and real output (gongkai.store.datadoc): it must be
current. After a change, regenerate it: python -m gongkai.store.datadoc ../shared/corpus > docs/data.md"""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import CORPUS
from gongkai.store.datadoc import render

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="needs ../shared/corpus")
DOC = Path(__file__).resolve().parents[1] / "docs" / "data.md"


def test_data_dictionary_is_current():
    expected = render(CORPUS.resolve())
    assert DOC.read_text(encoding="utf-8") == expected, (
        "docs/data.md is stale: python -m gongkai.store.datadoc ../shared/corpus > docs/data.md")
    # every column of every table and every cell path is documented
    for word in ("`status_rule`", "`requests.total.total`", "`reports_history`", "`corrections`", "DECIMAL(18,4)"):
        assert word in expected
