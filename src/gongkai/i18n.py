"""The language of everything a person reads: Chinese by default, English on request.

Messages are written in the code in English (the msgid) and translated through gettext catalogs
(`gongkai/locale/zh/LC_MESSAGES/*.po`, one file per area of the code, compiled together into
`gongkai.mo` by `python scripts/i18n.py compile`). JSON keys, rule ids and record paths never go
through here: they are the data contract.

The language is a context variable, so a web request, a CLI command or a test can each use their
own: `--lang`, then `GONGKAI_LANG`, then the project's configuration, then Chinese.

    from gongkai.i18n import _, lazy
    _("the file is empty")                              # str in the current language
    _("{label} reads {value}", label=..., value=3)      # str.format placeholders, named
    lazy("{label} reads {value}", label=..., value=3)   # a Message: rendered when shown, in any language

A `Message` keeps its msgid and arguments, so a finding made once can be shown in either
language (the store keeps both; the web page switches). Arguments may be Messages themselves.

An integer argument accepts the format spec `cn` in a translation: `"第{n:cn}张表"` writes
第二张表 for n=2 (the English msgid just writes `{n}`).
"""
from __future__ import annotations

import gettext as _gettext
import os
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator, Mapping, Optional

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
DOMAIN = "gongkai"
LOCALE_DIR = Path(__file__).parent / "locale"

_current: ContextVar[Optional[str]] = ContextVar("gongkai_language", default=None)

_ALIASES = {"zh": "zh", "zh_cn": "zh", "zh-cn": "zh", "zh_hans": "zh", "zh-hans": "zh", "cn": "zh", "chinese": "zh",
            "中文": "zh", "en": "en", "en_us": "en", "en-us": "en", "en_gb": "en", "en-gb": "en", "english": "en"}


@lru_cache(maxsize=64)
def normalize_language(value: Optional[str]) -> Optional[str]:
    """'zh', 'zh_CN', 'zh-Hans', 'en_US.UTF-8' ... -> 'zh' or 'en'; None for anything else."""
    if not value:
        return None
    key = value.strip().split(".")[0].lower()
    if key in _ALIASES:
        return _ALIASES[key]
    return _ALIASES.get(key.split("_")[0].split("-")[0])


def default_language() -> str:
    """The language when nothing was chosen for this context: GONGKAI_LANG, else Chinese."""
    return normalize_language(os.environ.get("GONGKAI_LANG")) or DEFAULT_LANGUAGE


def language() -> str:
    """The language messages are rendered in now."""
    return _current.get() or default_language()


def set_language(lang: Optional[str]) -> None:
    """Choose the language for the current context (None: back to the default)."""
    _current.set(_checked(lang) if lang else None)


@contextmanager
def use_language(lang: Optional[str]) -> Iterator[str]:
    """`with use_language("en"): ...` renders in English inside the block only."""
    token = _current.set(_checked(lang) if lang else _current.get())
    try:
        yield language()
    finally:
        _current.reset(token)


def _checked(lang: str) -> str:
    norm = normalize_language(lang)
    if norm is None:
        raise ValueError(f"unknown language {lang!r}; choose one of: {', '.join(LANGUAGES)}")
    return norm


@lru_cache(maxsize=None)
def translations(lang: str) -> _gettext.NullTranslations:
    """The compiled catalog of a language (English is the msgids themselves)."""
    if lang == "en":
        return _gettext.NullTranslations()
    mo = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
    try:
        with open(mo, "rb") as fh:
            return _gettext.GNUTranslations(fh)
    except OSError:  # a checkout whose catalogs were not compiled: English rather than nothing
        return _gettext.NullTranslations()


def gettext(msgid: str, /, **kwargs: Any) -> str:
    """`msgid` in the current language, formatted with `kwargs` (str.format, named fields)."""
    return _render(msgid, kwargs, language())


_ = gettext


def ngettext(singular: str, plural: str, n: int, /, **kwargs: Any) -> str:
    """Singular or plural by `n` (Chinese has one form); `n` is available to the format as {n}."""
    lang = language()
    text = translations(lang).ngettext(singular, plural, n)
    return _format(text, {"n": n, **kwargs}, lang)


def pgettext(context: str, msgid: str, /, **kwargs: Any) -> str:
    """`msgid` in a context, for the same English word meaning two things (e.g. a column vs a verb)."""
    lang = language()
    return _format(translations(lang).pgettext(context, msgid), kwargs, lang)


def listing(items: Any) -> str:
    """Items joined as a list is written: 甲、乙、丙 in Chinese, a, b, c in English."""
    return ("、" if language() == "zh" else ", ").join(str(i) for i in items)


def N_(msgid: str) -> str:
    """Mark a string for the catalog without translating it now (module-level tables of messages)."""
    return msgid


def NP_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a singular/plural pair for the catalog without translating it now."""
    return singular, plural


class Message:
    """A message not yet rendered: msgid plus arguments. `str()` renders it in the current language."""

    __slots__ = ("msgid", "kwargs")

    def __init__(self, msgid: str, kwargs: Optional[Mapping[str, Any]] = None):
        self.msgid = msgid
        self.kwargs = dict(kwargs or {})

    def render(self, lang: Optional[str] = None) -> str:
        return _render(self.msgid, self.kwargs, _checked(lang) if lang else language())

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        return f"Message({self.msgid!r}, {self.kwargs!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Message) and other.msgid == self.msgid and other.kwargs == self.kwargs

    def __hash__(self) -> int:
        return hash(self.msgid)

    def to_data(self) -> dict:
        """A JSON-able form (msgid and arguments, nested messages too), for stores that re-render."""
        return {"msgid": self.msgid, "args": {k: v.to_data() if isinstance(v, Message) else v
                                              for k, v in self.kwargs.items()}}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> "Message":
        args = {k: cls.from_data(v) if isinstance(v, Mapping) and "msgid" in v else v
                for k, v in (data.get("args") or {}).items()}
        return cls(data["msgid"], args)


def lazy(msgid: str, /, **kwargs: Any) -> Message:
    """A message rendered when it is shown (in whatever language is current then)."""
    return Message(msgid, kwargs)


def render(value: Any, lang: Optional[str] = None) -> Any:
    """A Message rendered (in `lang` or the current language); anything else unchanged."""
    if isinstance(value, Message):
        return value.render(lang)
    return value


def _render(msgid: str, kwargs: Mapping[str, Any], lang: str) -> str:
    text = translations(lang).gettext(msgid) if lang != "en" else msgid
    return _format(text, kwargs, lang) if kwargs else text


def _format(text: str, kwargs: Mapping[str, Any], lang: str) -> str:
    if not kwargs:
        return text
    args = {k: v.render(lang) if isinstance(v, Message) else
            _Number(v) if type(v) is int else v for k, v in kwargs.items()}
    return text.format(**args)


_DIGITS = "零一二三四五六七八九"


def chinese_numeral(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 27 -> 二十七, 105 -> 一百零五 (ordinals such as 第二张表)."""
    if n < 0:
        return "负" + chinese_numeral(-n)
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _DIGITS[n // 10] + "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        tail = "" if rest == 0 else ("零" + _DIGITS[rest] if rest < 10 else
                                     ("一" if rest < 20 else "") + chinese_numeral(rest))
        return _DIGITS[n // 100] + "百" + tail
    return str(n)


class _Number(int):
    """An int that also formats as a Chinese numeral with the spec `cn`."""

    __slots__ = ()

    def __format__(self, spec: str) -> str:
        return chinese_numeral(int(self)) if spec == "cn" else int.__format__(self, spec)


def install_jinja(env: Any) -> None:
    """Give a Jinja environment (with `jinja2.ext.i18n`) gettext functions that follow `language()`.

    In templates write `{{ _("{n} reports", n=count) }}`: the same str.format placeholders as in
    Python, so one catalog has one placeholder style. The output is autoescaped like any value.
    """
    env.install_gettext_callables(gettext, ngettext, newstyle=False, pgettext=pgettext)
    env.globals["_"] = gettext
    env.globals["current_language"] = language


__all__ = [
    "LANGUAGES", "DEFAULT_LANGUAGE", "Message", "N_", "NP_", "_", "gettext", "ngettext", "pgettext", "lazy",
    "language", "set_language", "use_language", "normalize_language", "default_language", "render",
    "translations", "install_jinja", "chinese_numeral", "listing",
]
