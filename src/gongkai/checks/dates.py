"""Dates as reports and users write them: 2024-01-20, 2024/1/20, 2024年1月20日, 二〇二四年一月二十日.

`parse_date` gives the ISO form (`2024-01-20`) or raises ValueError with a reason a person can
read; `find_date` finds the first such date in a text. Used for the publication date of a report
(the page's 发布日期, the date under the signature, `--published-on`, a column of an ingest list).
"""
from __future__ import annotations

import datetime as _dt
import re
from typing import Optional

from ..i18n import _

_CN = {"〇": "0", "零": "0", "○": "0", "Ｏ": "0", "一": "1", "二": "2", "三": "3", "四": "4", "五": "5", "六": "6",
       "七": "7", "八": "8", "九": "9"}
_CN_CHARS = "〇零○Ｏ一二三四五六七八九十"
DATE_RE = re.compile(
    r"(?P<y>(?:19|20)\d{2}|[二][〇零○Ｏ][〇零○Ｏ一二三四五六七八九]{2})\s*(?:[-/.]|年)\s*"
    r"(?P<m>\d{1,2}|[一二三四五六七八九十]{1,2})\s*(?:[-/.]|月)\s*"
    r"(?P<d>\d{1,2}|[一二三四五六七八九十]{1,3})(?:\s*日|(?=\D|$))")


def _cn_number(text: str) -> int:
    """一 → 1, 十 → 10, 十二 → 12, 二十 → 20, 二十一 → 21, 三十一 → 31."""
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _sep, ones = text.partition("十")
        return (int(_CN[tens]) if tens else 1) * 10 + (int(_CN[ones]) if ones else 0)
    return int("".join(_CN[c] for c in text))


def _from_match(m: re.Match) -> _dt.date:
    year = m["y"]
    year = int(year) if year.isdigit() else int("".join(_CN[c] for c in year))
    return _dt.date(year, _cn_number(m["m"]), _cn_number(m["d"]))


def parse_date(text: str) -> str:
    """The ISO date (YYYY-MM-DD) written in `text`; ValueError when there is none or it is no real date."""
    value = (text or "").strip()
    m = DATE_RE.fullmatch(value) or DATE_RE.match(value)
    if m is None:
        raise ValueError(_("“{text}” is not a date (write it as 2024-01-20 or 2024年1月20日)", text=value))
    try:
        return _from_match(m).isoformat()
    except (ValueError, KeyError):
        raise ValueError(_("“{text}” is no real date", text=value)) from None


def find_date(text: str) -> Optional[str]:
    """The ISO form of the first real date in `text`, or None."""
    for m in DATE_RE.finditer(text):
        try:
            return _from_match(m).isoformat()
        except (ValueError, KeyError):
            continue
    return None


__all__ = ["parse_date", "find_date", "DATE_RE"]
