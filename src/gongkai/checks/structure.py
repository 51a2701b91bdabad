"""The report's shape: its six sections, its template, its labels and what stands in its cells."""
from __future__ import annotations

import re
import sys
from functools import lru_cache
from operator import itemgetter
from typing import Optional

from ..i18n import N_, lazy
from ..vocabulary import _PUNCT_RE  # noqa: the characters normalize_label drops
from ..vocabulary import (
    APPEAL_FIELDS, APPEAL_GROUPS, APPLICANT_COLUMNS, LABEL_TYPOS, SECTION_TITLES, normalize_label,
)
from .patterns import (
    APPEAL_GROUP_SHORT, EMPTY_SECTION_RE, REQUEST_ROW_SHORT, SECTION_NUMERALS_CN, TABLE_NAMES, UNIT_IN_CELL_CHARS,
    UNIT_IN_CELL_RE, cell_name,
)
from .registry import Context, rule
from .tables import SUB_OTHER_ROWS, _row_present, is_not_none

# Each known misprint as a pattern over the raw text: its characters with what `normalize_label`
# drops (spaces, punctuation) allowed between them — the same as looking in the normalised text.
_LABEL_NOISE = _PUNCT_RE.pattern.rstrip("+") + "*"
_TYPO_RES = {typo: re.compile(_LABEL_NOISE.join(map(re.escape, normalize_label(typo)))) for typo in LABEL_TYPOS}
# a text can print a misprint only if it holds each of its characters (a quick test before the regex)
_TYPO_CHARS = {typo: tuple(dict.fromkeys(normalize_label(typo))) for typo in LABEL_TYPOS}

# The template's words for each part's title, as normalize_label leaves them.
_TITLE_CUES = {n: tuple(normalize_label(c) for c in cs) for n, _, cs in SECTION_TITLES}
# Broad words that still identify a section whose title departs from the template's wording.
_TITLE_FALLBACK = {1: ("总体情况", "概述", "基本情况"), 2: ("主动公开",), 3: ("申请",), 4: ("复议", "诉讼"),
                   5: ("问题", "改进", "不足"), 6: ("其他", "需要报告")}


def _row_name(table: str, row: str) -> str:
    return f"「{(REQUEST_ROW_SHORT if table == 'requests' else APPEAL_GROUP_SHORT).get(row, row)}」"


def _sec(n: int) -> str:
    return f"{SECTION_NUMERALS_CN.get(n, n)}、{dict((k, t) for k, t, _ in SECTION_TITLES).get(n, '')}"


@rule("GK301", "sections-present", summary=N_("The report has the six parts 一 to 六 of the template."))
def sections_present(ctx: Context):
    """The national template prescribes six parts (总体情况, 主动公开政府信息情况, 收到和处理政府信息
    公开申请情况, 行政复议和行政诉讼情况, 存在的主要问题及改进情况, 其他需要报告的事项). A missing part
    is information the 条例 requires the agency to publish.

    Example: a report that goes from 四、…行政诉讼情况 straight to 六、其他需要报告的事项 lacks 五.
    Only reported when at least three parts were found (otherwise the reading, not the report, is
    in doubt, and the extractor says so).
    """
    numbers = [s.number for s in ctx.record.sections]
    if len(set(numbers)) < 3:
        return
    for n in range(1, 7):
        if n in numbers:
            continue
        found = ", ".join(SECTION_NUMERALS_CN.get(k, str(k)) for k in numbers)
        heading = _stray_heading(ctx, n)
        if heading:  # numbered as part n but titled otherwise: maybe there, under another name
            yield ctx.finding(lazy("part {part} was not found by its title; a heading “{heading}” stands where it "
                                   "should (parts found: {found})", part=_sec(n), heading=heading, found=found),
                              f"sections.{n}", severity="warning", evidence=lazy("title: {title}", title=heading))
        else:
            yield ctx.finding(lazy("part {part} is missing (parts found: {found})", part=_sec(n), found=found),
                              f"sections.{n}")


def _stray_heading(ctx: Context, n: int):
    """A line of the part before part n that starts with n's numeral (五、…, or 5、), if any."""
    before = [s for s in ctx.record.sections if s.number < n]
    if not before:
        return None
    numeral = SECTION_NUMERALS_CN.get(n, "")
    pattern = re.compile(r"(?:^|\n)[#\s]*(?:" + numeral + r"\s*[、.．]|" + str(n) + r"\s*、)\s*[^\n\d]{2,30}(?=\n|$)")
    m = pattern.search(before[-1].text or "")
    return m.group(0).strip("\n #") if m else None


@rule("GK302", "sections-order", summary=N_("The six parts stand in the template's order."))
def sections_order(ctx: Context):
    """Readers and comparison tools expect the parts in the template's order; a part out of place is
    often a numbering slip (two parts both numbered 三) that hides a missing part.

    Example: parts numbered 一、二、四、三、五、六.
    """
    numbers = [s.number for s in ctx.record.sections]
    for prev, cur in zip(numbers, numbers[1:]):
        if cur <= prev:
            if cur == prev:
                message = lazy("part {part} repeats part {previous}; the template orders them 一 to 六",
                               part=_sec(cur), previous=_sec(prev))
            else:
                message = lazy("part {part} comes after part {previous}; the template orders them 一 to 六",
                               part=_sec(cur), previous=_sec(prev))
            yield ctx.finding(message, f"sections.{cur}")


@rule("GK303", "section-titles", severity="warning",
      summary=N_("Each part's title says what the template says (known variants tolerated)."))
def section_titles(ctx: Context):
    """A part titled differently from the template may hold something else than the template asks
    for. Real variants are tolerated (因政府信息公开工作被申请行政复议、提起行政诉讼情况, 存在的主要问题及
    明年工作计划, numbering 2、 for 二、); a title sharing no word with the template's is reported.

    Example: part 五 titled 下一步工作打算 instead of 存在的主要问题及改进情况.
    """
    for s in ctx.record.sections:
        title = normalize_label(s.title)
        if s.number not in _TITLE_CUES or not title:
            continue
        if any(c in title for c in _TITLE_CUES[s.number]) or any(w in title for w in _TITLE_FALLBACK.get(s.number, ())):
            continue
        yield ctx.finding(lazy("part {part} is titled “{title}”; the template says “{expected}”",
                               part=SECTION_NUMERALS_CN.get(s.number), title=s.title, expected=_sec(s.number)),
                          f"sections.{s.number}", evidence=lazy("title: {title}", title=s.title))


@rule("GK304", "template-year", summary=N_("The tables follow the template of the report's year (2019 for 2019–2020, 2021 from 2021)."))
def template_year(ctx: Context):
    """国办公开办函〔2019〕60号 set the tables for the 2019 and 2020 reports; 国办公开办函〔2021〕30号
    replaced them from the 2021 report on (new columns 本年制发件数/本年废止件数/现行有效件数, the three
    （六） sub-rows). A report on the wrong template cannot be compared with its peers.

    Example: a 2023 report whose 第二十条 table still has 本年新制作数量 and 上一年项目数量.
    """
    rec = ctx.record
    if rec.year is None:
        return
    if rec.template is None:
        if rec.requests or rec.active:
            yield ctx.finding(lazy("the {year} report's tables follow neither the 2019 nor the 2021 template",
                                   year=rec.year), "active", severity="warning")
        return
    expected = "2019" if rec.year <= 2020 else "2021"
    if rec.template != expected:
        if expected == "2019":
            message = lazy("the report covers {year} but its tables follow the {template} template; reports for "
                           "2019–2020 use the 2019 template", year=rec.year, template=rec.template)
        else:
            message = lazy("the report covers {year} but its tables follow the {template} template; reports for "
                           "2021 on use the 2021 template", year=rec.year, template=rec.template)
        yield ctx.finding(message, "active")


@rule("GK305", "template-labels", severity="warning",
      summary=N_("Row and column labels are worded as the template words them (typos, a single （六） row in a 2021 table)."))
def template_labels(ctx: Context):
    """Labels are how readers (and programs) find a number; a misprinted label invites misreading,
    and a 2021 table that prints （六）其他处理 as one row loses the three reasons the template asks for.

    Example: header 本年度止件数 for 本年废止件数; row 2.其他法律行政止公开; a 2021 table with a single
    （六）其他处理 row.
    """
    rec = ctx.record
    tables = {2: "active", 3: "requests", 4: "appeals"}
    # The parts' text holds the tables' labels as printed (the records keep no label text): one
    # scan of them all per misprint, joined by a character no misprint's pattern takes (so a match
    # there is one in a single part), and the part looked for only when a misprint is found.
    printed = "\0".join([s.text for s in rec.sections])
    for typo, right in LABEL_TYPOS.items():
        chars, typo_re = _TYPO_CHARS[typo], _TYPO_RES[typo]
        if not typo_re.search(printed):
            continue
        part = next((s for s in rec.sections if all(map(s.text.__contains__, chars)) and typo_re.search(s.text)), None)
        if part is not None:
            yield ctx.finding(lazy("label “{typo}” is a misprint of the template's “{right}”", typo=typo, right=right),
                              tables.get(part.number, f"sections.{part.number}"),
                              evidence=lazy("label: {label}", label=typo))
    if rec.template == "2021" and _row_present(rec, "requests", "other") and \
            not any(_row_present(rec, "requests", r) for r in SUB_OTHER_ROWS):
        yield ctx.finding(lazy("（六）其他处理 is printed as a single row; the 2021 template splits it into 1.逾期不补正, "
                               "2.逾期未缴纳费用 and 3.其他 (the checks use the single row)"), "requests.other")


@lru_cache(maxsize=64)
def _cells_looked_at(request_rows: tuple[str, ...], appeals: bool) -> Optional[itemgetter]:
    """An itemgetter of the cells blank-cells looks at (`Context.values`' paths): the applicant
    columns of every request row, and every field of the appeal groups when there is table 四."""
    paths = [f"requests.{r}.{f}" for r in request_rows for f in APPLICANT_COLUMNS]
    if appeals:
        paths += [f"appeals.{g}.{f}" for g in APPEAL_GROUPS for f in APPEAL_FIELDS]
    # (interned, see registry._shape_paths; one path would be read bare, not in a tuple)
    return itemgetter(*map(sys.intern, paths)) if len(paths) > 1 else None


@rule("GK306", "blank-cells", severity="warning",
      summary=N_("The request and appeals tables have a number (0 if none) in every cell, and all their rows."))
def blank_cells(ctx: Context):
    """The template asks for a count in every cell of tables 三 and 四, 0 included. A blank or a `/`
    leaves the reader guessing whether it means 0, unknown or not applicable, and the identities
    cannot be fully checked. A row missing altogether is reported once.

    Example: row 3.补正后申请内容仍不明确 prints 0, (blank), 0, 0, 0, 0, 0.
    """
    rec = ctx.record
    read_cells = _cells_looked_at(tuple(rec.requests), bool(rec.appeals))
    try:
        if read_cells is not None and None not in read_cells(ctx.values):
            return  # a number in every cell (nearly every report): nothing to say
    except KeyError:  # a cell not read at all: the rows one by one
        pass
    single_other = _row_present(rec, "requests", "other") and not any(
        _row_present(rec, "requests", r) for r in SUB_OTHER_ROWS)
    for table, rows, fields in (("requests", list(rec.requests), APPLICANT_COLUMNS),
                                ("appeals", list(APPEAL_GROUPS), APPEAL_FIELDS)):
        data = getattr(rec, table)
        if not data:
            continue
        for row in rows:
            if table == "requests" and ((row in SUB_OTHER_ROWS and single_other) or
                                        (row == "other" and not _row_present(rec, table, row))):
                continue
            values = data.get(row) or {}
            if None not in map(values.get, fields):
                continue  # a number in every cell (nearly every row): nothing to say
            path0 = f"{table}.{row}"
            if ctx.uncertain(path0):  # the extractor already said it could not read this row
                continue
            if not any(map(is_not_none, map(values.get, fields))):
                name = _row_name(table, row)
                raws = {ctx.raw(f"{path0}.{f}") for f in fields} - {None}
                if raws:  # the row is printed, with blanks or dashes only
                    shown = "、".join(sorted(f"“{r}”" for r in raws if r)) or lazy("blanks")
                    yield ctx.finding(lazy("row {row} holds no numbers (printed {shown}); the template wants a count "
                                           "(0 if none) in every cell", row=name, shown=shown), path0)
                else:
                    yield ctx.finding(lazy("row {row} of {table} is missing", row=name, table=TABLE_NAMES[table]),
                                      path0)
                continue
            for f in fields:
                if values.get(f) is None and not ctx.uncertain(f"{path0}.{f}"):
                    path = f"{path0}.{f}"
                    raw = ctx.raw(path)
                    shown = lazy("blank") if not raw else f"“{raw}”"
                    yield ctx.finding(lazy("{cell} is {shown} where the template wants a number (0 if none)",
                                           cell=cell_name(path), shown=shown), path)


@rule("GK307", "units-in-cells", severity="warning", summary=N_("Cells hold bare numbers; units belong in the header."))
def units_in_cells(ctx: Context):
    """A unit typed into a cell (`75394432.52元`, `3件`) shows the number may not be in the header's unit
    (元 against a 万元 column is a factor of 10 000) and trips up every tool that reads the table.

    Example: 政府集中采购 采购总金额 printed as 75394432.52元.
    """
    rec = ctx.record
    try:
        printed = "".join([src.raw for src in rec.provenance.values()])
    except TypeError:  # a source without its raw text: each is looked at below
        printed = None
    if printed is not None and not any(map(printed.__contains__, UNIT_IN_CELL_CHARS)):
        return  # no cell holds a character of any unit the pattern finds (nearly every report)
    clean: set[int] = set()  # sources already seen without a unit (a row's cells may share one)
    for path, src in rec.provenance.items():
        raw = src.raw
        if not raw or raw.isdigit() or id(src) in clean:  # a bare number (nearly every cell): nothing to look at
            continue
        if not UNIT_IN_CELL_RE.search(raw.strip()):
            clean.add(id(src))
        elif path.count(".") == 2:
            yield ctx.finding(lazy("{cell} was printed as “{raw}”: a unit typed into the cell", cell=cell_name(path),
                                   raw=src.raw.strip()), path)


@rule("GK308", "section-five-empty", severity="warning",
      summary=N_("Part 五 (存在的主要问题及改进情况) says something."))
def section_five_empty(ctx: Context):
    """The template asks every agency to state its main problems and how it improved; an empty part
    五 or a bare 无 is a reporting gap reviewers are asked to send back.

    Example: 五、存在的主要问题及改进情况 followed only by 无。
    """
    for s in ctx.record.sections:
        if s.number == 5 and EMPTY_SECTION_RE.match(s.text or ""):
            shown = (s.text or "").strip() or lazy("nothing")
            yield ctx.finding(lazy("part 五、存在的主要问题及改进情况 says “{text}”", text=shown), "sections.5",
                              evidence=lazy("part 五: {text}", text=shown))


