"""Who reported, for which year, on which template, and the report's six sections."""
from __future__ import annotations

import re
from typing import Sequence

from ..record import Section
from ..vocabulary import (
    AGENCY_OPENING_RES, AGENCY_SUFFIXES, REPORT_TITLE_RE, TITLE_SITE_SUFFIX_RE, SECTION_TITLES, STATISTICS_PERIOD_RE, TEMPLATE_2019,
    TEMPLATE_2019_MARKERS, TEMPLATE_2021, TEMPLATE_2021_MARKERS,
)

_YEAR_RE = re.compile(r"((?:19|20)\d{2})\s*年")
_TITLE_PREFIX_RE = re.compile(r"^\s*(?:#+\s*|标题\s*[:：]\s*)")
_BRACKETS_RE = re.compile(r"[（(【\[]\s*([^（()）\]】]*?)\s*[)）\]】]")
_DELIMS_RE = re.compile(r"[，,。；;、：:“”\"《》<>（）()\s]")
_PREAMBLE_VERBS = ("向社会公开", "向社会公布", "公开", "公布", "发布", "编制", "现将", "印发", "我局", "我委", "我办", "本机关")
_DATE_LINE_RE = re.compile(r"^\s*(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?\s*$")
_REPORT_PHRASE_RE = re.compile(r"(?:19|20)\d{2}\s*年度?\s*" + REPORT_TITLE_RE.pattern)


def detect_template(text: str) -> str | None:
    n2021 = sum(text.count(m) for m in TEMPLATE_2021_MARKERS)
    n2019 = sum(text.count(m) for m in TEMPLATE_2019_MARKERS)
    if n2021 == n2019 == 0:
        return None
    return TEMPLATE_2021 if n2021 >= n2019 else TEMPLATE_2019


def _looks_like_agency(name: str) -> bool:
    return 2 <= len(name) <= 40 and name.endswith(AGENCY_SUFFIXES) and not _YEAR_RE.search(name)


def _agency_from_title(title: str) -> str | None:
    t = _TITLE_PREFIX_RE.sub("", title)
    bracket = _BRACKETS_RE.search(t)
    if bracket and _looks_like_agency(_squash(bracket.group(1))):
        return _squash(bracket.group(1))
    # A portal's page title may carry the site's name after the report's (…年度报告-沭阳县发改局):
    # the name before the report's words is the body's; the suffix only when nothing stands before.
    m = REPORT_TITLE_RE.search(t)
    if m:
        head = _clean_name(t[:m.start()])
        tail = t[m.end():]
        if _looks_like_agency(head):
            return head
        suffix = TITLE_SITE_SUFFIX_RE.match(tail)
        if suffix and not head:
            name = _clean_name(suffix.group())
            if _looks_like_agency(name):
                return name
    t = REPORT_TITLE_RE.sub("", t)
    t = _clean_name(t)
    return t if _looks_like_agency(t) else None


# (compiled once: these run for every report, and re's cache lookup costs more than some matches)
_YEAR_WORDS_RE = re.compile(r"(?:19|20)\d{2}\s*年度?")
_SPACES_RE = re.compile(r"\s+")
_HEADING_NUMBER_RE = re.compile(r"^[\s#]*[一二三四五六1-6]\s*[、.．]\s*")
_TITLE_TAIL_RE = re.compile(r"[^\s。，,；;\d]{0,16}?(?:情况|事项|工作计划|计划)")


def _clean_name(text: str) -> str:
    text = _YEAR_WORDS_RE.sub("", text)
    return _squash(_BRACKETS_RE.sub("", text)).strip("：:·-—_－–|｜ ")


def _squash(s: str) -> str:
    return _SPACES_RE.sub("", s)


def find_title(lines: Sequence[str]) -> int | None:
    """Index of the report's title line among the first lines of the document.

    A title set over two lines (…2023年政府信息公开 / 工作年度报告) is joined into the first
    of them, so later steps see it whole.
    """
    for i, line in enumerate(lines[:40]):
        if len(line) < 120 and REPORT_TITLE_RE.search(line):
            return i
    for i in range(min(39, len(lines) - 1)):
        joined = lines[i].strip() + lines[i + 1].strip()
        if len(joined) < 120 and REPORT_TITLE_RE.search(joined) and not REPORT_TITLE_RE.search(lines[i + 1]):
            if isinstance(lines, list):
                lines[i] = joined
            return i
    return None


def find_agency(lines: Sequence[str], title_index: int | None) -> str | None:
    if title_index is not None:
        agency = _agency_from_title(lines[title_index])
        if agency:
            return agency
        # the name on the line above the title (青岛市…局 / 2023年政府信息公开工作年度报告)
        for j in range(title_index - 1, max(-1, title_index - 3), -1):
            cand = _squash(lines[j])
            if cand:
                if _looks_like_agency(cand):
                    return cand
                break
    # the preamble: "…我局编制并向社会公开莆田市涵江区人力资源和社会保障局2023年度政府信息公开工作年度报告"
    for line in lines[:60]:
        m = _REPORT_PHRASE_RE.search(line)
        if not m:
            continue
        before = _after_verbs(_DELIMS_RE.split(line[max(0, m.start() - 60):m.start()])[-1])
        if _looks_like_agency(before):
            return before
    # the opening: 本报告由…编制 / 现将…2023年度…报告…公布
    for line in lines[:60]:
        for pattern in AGENCY_OPENING_RES:
            for m in pattern.finditer(line):
                name = _after_verbs(_squash(m.group("name")))
                if _looks_like_agency(name):
                    return name
    # the signature: a name above the date at the end, or before it on the same line
    for i in range(len(lines) - 1, max(-1, len(lines) - 40), -1):
        if _DATE_LINE_RE.match(lines[i]):
            for j in range(i - 1, max(-1, i - 3), -1):
                cand = _squash(lines[j])
                if cand:
                    if _looks_like_agency(cand):
                        return cand
                    break
        m = _SIGNED_DATE_RE.match(lines[i])
        if m and _looks_like_agency(_squash(m.group("name"))):
            return _squash(m.group("name"))
    return None


def _after_verbs(text: str) -> str:
    """The words after the last of the preamble's verbs (我局编制并向社会公开XX局 -> XX局)."""
    for verb in _PREAMBLE_VERBS:
        k = text.rfind(verb)
        if k >= 0:
            text = text[k + len(verb):]
    return text


_SIGNED_DATE_RE = re.compile(r"^\s*(?P<name>[^\s，,。；;：:\d][^，,。；;：:\d]{1,39}?)\s+(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月"
                             r"(?:\s*\d{1,2}\s*日)?\s*$")


def find_year(lines: Sequence[str], title_index: int | None, text: str) -> int | None:
    if title_index is not None:
        m = _YEAR_RE.search(lines[title_index])
        if m:
            return int(m.group(1))
        if title_index + 1 < len(lines):
            m = re.match(r"^\s*((?:19|20)\d{2})\s*年", lines[title_index + 1])
            if m:
                return int(m.group(1))
    m = _REPORT_PHRASE_RE.search(text[:5000])
    if m:
        return int(_YEAR_RE.search(m.group()).group(1))
    m = STATISTICS_PERIOD_RE.search(text)
    if m:
        return int(m.group(1))
    return None


def _heading_re(cues: tuple[str, ...], numerals: str) -> re.Pattern:
    # (?<![第一…十])(?:#+\s*)?[numerals]… written to open with a character class, the one form the
    # regex engine skips through at C speed to the places a heading can start ('#' or the numeral):
    # the lookbehinds after that first character say what the original prefix said.
    numeral = "[" + numerals + "]"
    return re.compile(
        r"[#" + numerals + r"](?<![第一二三四五六七八九十].)(?:(?<=#)#*\s*" + numeral + r"|(?<=" + numeral + r"))"
        r"\s*[、.．]\s*(?:[^。\n]{0,12}?)(?:" + "|".join(re.escape(c) for c in cues) + r")"
    )


_SECTION_CUES: dict[int, tuple[str, ...]] = {
    1: ("总体情况", "概述", "基本情况"),
    2: ("主动公开",),
    3: ("政府信息公开申请", "依申请公开"),
    4: ("行政复议", "行政诉讼"),
    5: ("存在的主要问题", "主要问题", "存在问题"),
    6: ("其他需要报告", "其他需要说明", "其他事项"),
}
_NUMERALS = {1: "一1", 2: "二2", 3: "三3", 4: "四4", 5: "五5", 6: "六6"}
_SECTION_RES = {n: _heading_re(c, _NUMERALS[n]) for n, c in _SECTION_CUES.items()}
_TITLES = {n: t for n, t, _ in SECTION_TITLES}


def find_sections(text: str) -> list[Section]:
    """The six numbered parts, in the order they stand in the text.

    Headings are found by numeral and title words, in template order first; a part missed that
    way is looked for anywhere (out of order) and then as any short numbered heading line (a
    retitled part), so the checks can tell a missing part from a misplaced or renamed one.
    """
    found: dict[int, tuple[int, int]] = {}  # number -> (heading start, heading end)
    pos = 0
    for n in range(1, 7):
        m = _find_heading(text, n, pos)
        if m:
            found[n] = m
            pos = m[1]
    for n in range(1, 7):
        if n not in found:
            m = _find_heading(text, n, 0) or _generic_heading(text, n)
            if m and all(not (a <= m[0] < b) for a, b in found.values()):
                found[n] = m
    order = sorted(found.items(), key=lambda item: item[1][0])
    sections = []
    for i, (n, (start, title_end)) in enumerate(order):
        body_end = order[i + 1][1][0] if i + 1 < len(order) else len(text)
        title = _HEADING_NUMBER_RE.sub("", text[start:title_end]).strip()
        sections.append(Section(number=n, title=title or _TITLES[n], text=text[title_end:body_end].strip()))
    return sections


_TABLE_ROW_WORDS = ("本年度办理结果", "本年新收", "上年结转", "结转下年度")


def _find_heading(text: str, n: int, pos: int) -> tuple[int, int] | None:
    m = _SECTION_RES[n].search(text, pos)
    # table rows such as 三、本年度办理结果 look like headings
    while m and any(w in text[m.start():m.end() + 8] for w in _TABLE_ROW_WORDS):
        m = _SECTION_RES[n].search(text, m.end())
    if not m:
        return None
    head_end = text.find("\n", m.end())
    line_end = head_end if head_end != -1 else len(text)
    # a heading ends at its line's end, or where a long flattened line goes on with the text
    tail = _title_tail(text, m.end())
    return m.start(), (m.end() + tail if tail or line_end - m.start() > 40 else line_end)


def _generic_heading(text: str, n: int) -> tuple[int, int] | None:
    numeral = "一二三四五六"[n - 1]
    for m in re.finditer(r"^[ \t#]*" + numeral + r"\s*、\s*[^\n。；;，,]{2,30}$", text, re.M):
        if not any(w in m.group() for w in _TABLE_ROW_WORDS):
            return m.start(), m.end()
    return None


def _title_tail(text: str, i: int) -> int:
    """How far a heading's title goes on after its cue (to 情况/事项/工作计划 or a short stop)."""
    m = _TITLE_TAIL_RE.match(text[i:i + 24])
    return m.end() if m else 0


# --- title, publication date, preamble (for the checks' year, title and deadline rules) -------------
_PUBLISHED_LABEL_RE = re.compile(r"(?:发布|公开|发文)(?:日期|时间)\s*[:：]?\s*")
# Words before a date that make it no signature date (统计期限自…至2023年12月31日).
_NOT_SIGNATURE_RE = re.compile(r"[\d至起止期限统计截自从到为于]")


def find_title_text(lines: Sequence[str], title_index: int | None) -> str | None:
    """The report's title as printed, with a body's name set on the line above it joined in."""
    if title_index is None:
        return None
    title = _squash(_TITLE_PREFIX_RE.sub("", lines[title_index]))
    for j in range(title_index - 1, max(-1, title_index - 3), -1):
        above = _squash(lines[j])
        if above:
            if _looks_like_agency(above) and above not in title:
                title = above + title
            break
    return title or None


def find_published(lines: Sequence[str]) -> str | None:
    """The ISO date the report was published: the page's 发布日期/发布时间 near the top or the end,
    else a date under the signature (a line near the end that is a date, or a name and a date)."""
    from ..checks.dates import DATE_RE, find_date

    head, tail = list(lines[:30]), list(lines[-30:]) if len(lines) > 30 else []
    for line in head + tail:
        # (every label ends in 日期 or 时间: a line with neither needs no regex)
        m = _PUBLISHED_LABEL_RE.search(line) if "日期" in line or "时间" in line else None
        if m:
            found = find_date(line[m.end():m.end() + 40])
            if found:
                return found
    for line in reversed(lines[-40:]):
        text = line.strip()
        if not text or len(text) > 60 or not _may_hold_date(text):
            continue
        m = None
        for m in DATE_RE.finditer(text):
            pass
        if m is None or text[m.end():].strip("　 。."):
            continue
        before = _squash(text[:m.start()])
        if before and (len(before) > 30 or _NOT_SIGNATURE_RE.search(before)):
            continue
        found = find_date(m.group())
        if found:
            return found
    return None


def _may_hold_date(text: str) -> bool:
    """False when DATE_RE cannot match: its year is 19xx, 20xx or 二〇xx (three `in` tests at C speed
    spare most lines the regex)."""
    return "20" in text or "19" in text or "二" in text


def find_preamble(text: str) -> str | None:
    """The words before part 一 (title, opening, the statistical period), or None when part 一 is not found."""
    m = _find_heading(text, 1, 0)
    if m is None:
        return None
    return text[:m[0]].strip() or None
