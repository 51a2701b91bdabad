"""The report as a publication: the year it is for, its title, and when it was published.

Official reviews (国办公开办函〔2021〕30号, provincial review notices) and the CASS transparency
evaluations check these before any number: a report must say which year it covers, consistently,
under the template's title, and appear by the deadline of 条例第四十九条.
"""
from __future__ import annotations

import datetime as _dt
import re
from itertools import repeat
from typing import Optional

from ..i18n import N_, lazy
from .narrative import texts
from .patterns import GOVERNMENT_NAME_RE, OVERVIEW_YEAR_RE, PERIOD_RE, REPORT_NAME_RE, TITLE_YEAR_RE
from .registry import Context, rule

# 条例第四十九条: departments by 1月31日, the government's own report (本级政府) by 3月31日 of the next year.
DEPARTMENT_DEADLINE = (1, 31)
GOVERNMENT_DEADLINE = (3, 31)


def _period_years(ctx: Context) -> list[tuple[int, str]]:
    """(year, words) of every statement of the statistical period (统计期限自2023年1月1日起…)."""
    rec = ctx.record
    out = []
    for text in [rec.preamble or ""] + [s.text or "" for s in rec.sections]:
        if "统计" not in text:  # (every match opens with it; `in` costs less than the regex call)
            continue
        for m in PERIOD_RE.finditer(text):
            out.append((int(m.group(1)), re.sub(r"\s+", "", m.group(0))))
    return out


def _heading_years(overview: str) -> list[int]:
    """The years of OVERVIEW_YEAR_RE's matches in part 一, in order. Each match is four characters
    and then 年， or 年度， (so two never overlap): those are found at C speed and the pattern tried
    only four characters before them, where a scan would try it at every character."""
    starts = []
    for tail in ("年，", "年度，"):
        i = overview.find(tail, 4)
        while i != -1:
            starts.append(i - 4)
            i = overview.find(tail, i + 1)
    return [int(m.group(1)) for m in map(OVERVIEW_YEAR_RE.match, repeat(overview), sorted(starts)) if m]


def _title_year(title: Optional[str]) -> Optional[int]:
    m = TITLE_YEAR_RE.search(title or "")
    return int(m.group(1)) if m else None


@rule("GK601", "year-consistency",
      summary=N_("The title's year, the statistical period and the year the overview reports on agree."))
def year_consistency(ctx: Context):
    """A report covers one year, and says so in its title (2023年政府信息公开工作年度报告), in the
    statistical period (统计期限自2023年1月1日起至12月31日止) and where part 一 opens (2023年，本机关…).
    A period of another year than the title's means the report was filed for another year, or
    copied from last year's with the title changed: an error. An overview that speaks of another
    year and never of the report's own is a warning (the template year is GK304's).

    Example: title 2023年…年度报告, but 统计期限自2022年1月1日起至2022年12月31日止 (error). English: the
    title says 2023 but the statistical period is 2022.
    """
    rec = ctx.record
    title_year = _title_year(rec.title)
    year = title_year or rec.year
    if year is None:
        return
    for period, words in _period_years(ctx):
        if period != year:
            yield ctx.finding(lazy("the report is for {year} (its title), but its statistical period is {period}: "
                                   "“{words}”", year=year, period=period, words=words), "year",
                              evidence=lazy("statistical period: {words}", words=words))
            break
    overview = next((text for number, text in texts(ctx) if number == 1), "")
    heading_years = _heading_years(overview)
    others = [y for y in heading_years if y not in (year, year + 1)]
    if others and year not in heading_years:
        yield ctx.finding(lazy("the report is for {year}, but part 一 reports on {other} and never on {year}",
                               year=year, other=others[0]), "sections.1", severity="warning",
                          evidence=lazy("part {part}: “{sentence}”", part="一", sentence=overview[:120]))


@rule("GK602", "title-format", severity="warning",
      summary=N_("The title reads 〈body〉〈year〉年（度）政府信息公开工作年度报告."))
def title_format(ctx: Context):
    """The template names the report 政府信息公开工作年度报告 and reviewers expect the body and the year
    in its title, so a reader can tell whose report for which year it is from the title alone.
    Word-order variants seen in published reports (2023年度…局政府信息公开年度工作报告, the body on the
    line above or in brackets) are accepted; a title without a year, without the body, or without
    年度 (…政府信息公开工作报告) is reported. A document without a title line is left alone.

    Example: 区人力资源和社会保障局政府信息公开工作年度报告 (no year). English: the title gives no year.
    """
    title = ctx.record.title
    if not title:
        return
    name = REPORT_NAME_RE.search(title)
    problems = []
    if TITLE_YEAR_RE.search(title) is None:
        problems.append(lazy("it gives no year"))
    rest = REPORT_NAME_RE.sub("", TITLE_YEAR_RE.sub("", title)).strip("()（）【】[]《》：:·-—_ ")
    if not rest:
        problems.append(lazy("it names no body"))
    if name is None or "年度" not in name.group(0):
        problems.append(lazy("it does not call itself a 年度报告 (the template's 政府信息公开工作年度报告)"))
    for problem in problems:
        yield ctx.finding(lazy("the title “{title}” does not follow the template's 〈body〉〈year〉年政府信息公开工作年度报告: "
                               "{problem}", title=title, problem=problem), "title",
                          evidence=lazy("title: {title}", title=title))


def is_government(agency: Optional[str]) -> Optional[bool]:
    """Whether a body is an area's government (人民政府, 管委会, a bare region name) rather than one of
    its departments; None when the name does not tell."""
    if not agency:
        return None
    if GOVERNMENT_NAME_RE.search(agency):
        return True
    if agency.endswith(("街道办事处", "办事处", "镇", "乡", "街道")):
        return None  # township bodies: the 条例 sets no deadline of its own for them
    return False


def deadline(year: int, agency: Optional[str]) -> tuple[_dt.date, bool]:
    """(last day to publish the report for `year`, whether the government's deadline applies).
    A body of unknown kind gets the later, government's deadline: never blame a report wrongly."""
    government = is_government(agency)
    month, day = DEPARTMENT_DEADLINE if government is False else GOVERNMENT_DEADLINE
    return _dt.date(year + 1, month, day), government is not False


@rule("GK603", "publication-deadline", severity="warning",
      summary=N_("The report was published by the 条例's deadline: 1月31日 for departments, 3月31日 for a government."))
def publication_deadline(ctx: Context):
    """条例第四十九条: a department of a government at county level or above publishes its report for a
    year by 31 January of the next, the government itself (本级政府) by 31 March. The publication date
    is the page's 发布日期/发布时间, the date under the signature, or as given (`--published-on`, a
    column of the ingest list); without one nothing is said. A warning: a page's date may be that
    of a later re-publication. A report published before its year ended is reported too.

    Example: 某区人力资源和社会保障局2023年报告 published 2024-02-05: a department's deadline was
    2024-01-31. English: published after the deadline.
    """
    rec = ctx.record
    if not rec.published or rec.year is None:
        return
    try:
        published = _dt.date.fromisoformat(rec.published)
    except ValueError:
        return
    last, government = deadline(rec.year, rec.agency)
    if published > last:
        if government:
            message = lazy("the report for {year} was published on {date}; a government publishes its own report by "
                           "{deadline} (条例第四十九条)", year=rec.year, date=rec.published, deadline=last.isoformat())
        else:
            message = lazy("the report for {year} was published on {date}; a department publishes its report by "
                           "{deadline} (条例第四十九条)", year=rec.year, date=rec.published, deadline=last.isoformat())
        yield ctx.finding(message, "published", evidence=lazy("published: {date}", date=rec.published))
    elif published <= _dt.date(rec.year, 12, 31):
        yield ctx.finding(lazy("the report for {year} is dated {date}, before its year ended", year=rec.year,
                               date=rec.published), "published", evidence=lazy("published: {date}", date=rec.published))
