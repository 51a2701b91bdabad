"""Messages a person reads: Chinese by default, English on request, every message translated."""
from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import REPO
from gongkai import parse
from gongkai.i18n import Message, _, lazy, language, normalize_language, set_language, use_language
from gongkai.record import Finding

BLANK = REPO.parent / "shared" / "corpus" / "real" / "template-2021-blank-docx" / "source.docx"


def test_catalogs_complete_and_compiled():
    """Every msgid in the code (Python and templates) has a Chinese translation with the same
    placeholders, and the compiled catalog is current."""
    out = subprocess.run([sys.executable, str(REPO / "scripts" / "i18n.py"), "check"], capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_translated_help_keeps_click_s_no_rewrap_marks():
    """A command's help marks its examples with click's \\b (no rewrapping): a translation without
    the mark runs the examples together into one line."""
    from babel.messages.pofile import read_po

    for po in sorted((REPO / "src" / "gongkai" / "locale").glob("*/LC_MESSAGES/*.po")):
        with open(po, "rb") as f:
            catalog = read_po(f)
        for message in catalog:
            if message.id and message.string and isinstance(message.id, str) and "\b" in message.id:
                assert message.string.count("\b") == message.id.count("\b"), (po.name, message.id[:60])


def test_default_is_chinese_and_env_switches(monkeypatch):
    monkeypatch.delenv("GONGKAI_LANG", raising=False)
    set_language(None)
    assert language() == "zh"
    assert _("the report's year was not found") == "未找到报告年度"
    monkeypatch.setenv("GONGKAI_LANG", "en_US.UTF-8")
    assert language() == "en"
    assert _("the report's year was not found") == "the report's year was not found"


def test_use_language_is_scoped():
    with use_language("en"):
        assert language() == "en"
        with use_language("zh"):
            assert language() == "zh"
        assert language() == "en"
    with pytest.raises(ValueError):
        with use_language("fr"):
            pass
    assert normalize_language("zh-Hans") == "zh" and normalize_language("de") is None


def test_message_renders_in_either_language_and_round_trips():
    m = lazy("the report's year was not found")
    assert m.render("zh") == "未找到报告年度" and m.render("en") == "the report's year was not found"
    nested = Message("{inner}", {"inner": m})
    assert nested.render("zh") == "未找到报告年度"
    assert Message.from_data(nested.to_data()) == nested


def test_finding_keeps_its_message_for_the_other_language():
    with use_language("zh"):
        f = Finding(rule="year-not-found", severity="warning", origin="extraction",
                    message=lazy("the report's year was not found"))
    assert f.message == "未找到报告年度"
    assert f.localized("en").message == "the report's year was not found"
    assert f.localized("en").localized("zh") == f
    plain = Finding(rule="x", severity="info", origin="source", message="as given")
    assert plain.localized("en") is plain


def test_parse_follows_the_language():
    with use_language("zh"):
        zh = {f.rule: f.message for f in parse(BLANK).findings}
    with use_language("en"):
        en = {f.rule: f.message for f in parse(BLANK).findings}
    assert zh["year-not-found"] == "未找到报告年度"
    assert en["year-not-found"] == "the report's year was not found"
