"""The report itself, written from a filled draft: the template's form with a narrative skeleton.

`draft_outline(record)` is the report as outline blocks (`gongkai.render.layout.OutlineBlock`):
the title `<机关><年>年政府信息公开工作年度报告`, the preamble with the statistical period, the six
parts with the template's titles, the three tables exactly as the template draws them, and in each
part sentences generated from the tables' own numbers (so the narrative agrees with the tables by
construction), with 【待填写：…】 where only the body can write. `draft_docx` / `draft_html` draw it.

The report's words are the report's, in Chinese whatever the interface language: they are
template data here, not interface messages.
"""
from __future__ import annotations

from typing import Any, Mapping, Optional

from .. import vocabulary as V
from ..render.layout import (
    HEADING, SECTION_NUMERALS, OutlineBlock, active_layout, appeals_layout, format_value, lookup, requests_layout,
    table_block,
)

TO_FILL = "【待填写：{what}】"
TITLE = "{agency}{year}年政府信息公开工作年度报告"
PREAMBLE = (
    "本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和国务院办公厅政府信息公开办公室"
    "关于政府信息公开工作年度报告格式的要求编制。本报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。"
    "本报告电子版可在{portal}查阅。如对本报告有疑问，请与{contact}联系。"
)
OVERVIEW = ("{year}年，{agency}认真贯彻落实《条例》，{what}")
OVERVIEW_WHAT = "本年度政府信息公开工作的总体情况：主动公开、依申请公开、政府信息管理、平台建设、监督保障等"
PROBLEMS_WHAT = "本年度政府信息公开工作存在的主要问题及改进情况"
FEES_WHAT = "本年度是否收取信息处理费；收取的，写明收费件数和金额"
OTHER_WHAT = "其他需要报告的事项"
PORTAL_WHAT = "门户网站名称及网址"
CONTACT_WHAT = "联系单位、地址和电话"
SIGNATURE_DATE = "{year}年{date}"
DATE_WHAT = "月日"

# Part 二: (row, field, clause) in reading order; a clause whose number is blank is left out.
ACTIVE_CLAUSES: tuple[tuple[str, str, str], ...] = (
    ("regulations", "issued", "制发规章{n}件"),
    ("regulations", "repealed", "废止规章{n}件"),
    ("regulations", "in_force", "现行有效规章{n}件"),
    ("normative_documents", "issued", "制发行政规范性文件{n}件"),
    ("normative_documents", "repealed", "废止行政规范性文件{n}件"),
    ("normative_documents", "in_force", "现行有效行政规范性文件{n}件"),
    ("licensing", "decisions", "作出行政许可决定{n}件"),
    ("penalty", "decisions", "作出行政处罚决定{n}件"),
    ("coercion", "decisions", "作出行政强制决定{n}件"),
    ("fees", "amount", "行政事业性收费{n}万元"),
)
# Part 三: outcome groups of the request table, as the narrative names them.
OUTCOME_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("予以公开", ("granted",)),
    ("部分公开", ("partially_granted",)),
    ("不予公开", tuple(s.key for s in V.REQUEST_ROWS_HEAD[4:12])),
    ("无法提供", tuple(s.key for s in V.REQUEST_ROWS_HEAD[12:15])),
    ("不予处理", tuple(s.key for s in V.REQUEST_ROWS_HEAD[15:20])),
    ("其他处理", tuple(s.key for s in V.REQUEST_ROWS_OTHER_2021)),
)


def _to_fill(what: str) -> str:
    return TO_FILL.format(what=what)


def _n(record: Mapping[str, Any], path: str) -> Optional[Any]:
    return lookup(record, path)


def _sum(record: Mapping[str, Any], paths: list[str]) -> Optional[Any]:
    values = [_n(record, p) for p in paths]
    if any(v is None for v in values):
        return None
    return sum(values)


def _clauses(parts: list[tuple[str, Optional[Any]]]) -> list[str]:
    return [text.format(n=format_value(n)) for text, n in parts if n is not None]


def active_sentence(record: Mapping[str, Any]) -> str:
    clauses = _clauses([(text, _n(record, f"active.{row}.{f}")) for row, f, text in ACTIVE_CLAUSES])
    if not clauses:
        return _to_fill("本年度主动公开政府信息情况")
    return "本年度，本机关" + "，".join(clauses) + "。具体情况如下表所示。"


def requests_sentence(record: Mapping[str, Any]) -> str:
    new = _n(record, "requests.new_received.total")
    carried = _n(record, "requests.carried_over.total")
    total = _n(record, "requests.total.total")
    forward = _n(record, "requests.carried_forward.total")
    out = []
    head = _clauses([("本年度共收到政府信息公开申请{n}件", new), ("上年结转政府信息公开申请{n}件", carried)])
    if head:
        out.append("，".join(head) + "。")
    outcomes = _clauses([(name + "{n}件", _sum(record, [f"requests.{r}.total" for r in rows]))
                         for name, rows in OUTCOME_GROUPS])
    if total is not None:
        out.append(f"本年度共办结政府信息公开申请{format_value(total)}件" + ("：" + "，".join(outcomes) if outcomes else "")
                   + "。")
    if forward is not None:
        out.append(f"结转下年度继续办理{format_value(forward)}件。")
    out.append("具体情况如下表所示。")
    return "".join(out)


def appeals_sentence(record: Mapping[str, Any]) -> str:
    """Totals only: the results per case stand in the table. (The narrative does not repeat the
    table's column words 结果维持 / 直接起诉 …: a reader takes them for the table's header.)"""
    def g(group: str, field: str):
        return _n(record, f"appeals.{group}.{field}")

    out = []
    reconsideration = g("reconsideration", "total")
    if reconsideration is not None:
        out.append(f"本年度因政府信息公开工作被申请行政复议{format_value(reconsideration)}件")
    direct, after = g("litigation_direct", "total"), g("litigation_after_reconsideration", "total")
    if direct is not None and after is not None:
        out.append(f"被提起行政诉讼{format_value(direct + after)}件")
    return ("，".join(out) + "。" if out else "") + "具体情况如下表所示。"


def draft_outline(record: Any) -> list[OutlineBlock]:
    """The report for a filled draft (a Record or record dict of the 2021 template)."""
    rec = record if isinstance(record, Mapping) else record.to_dict()
    agency = rec.get("agency") or _to_fill("机关名称")
    year = rec.get("year")
    year_text = str(year) if year is not None else _to_fill("年度")
    blocks = [OutlineBlock("title", TITLE.format(agency=agency, year=year_text))]
    blocks.append(OutlineBlock("paragraph", PREAMBLE.format(year=year_text, portal=_to_fill(PORTAL_WHAT),
                                                            contact=_to_fill(CONTACT_WHAT))))
    template = rec.get("template") or V.TEMPLATE_2021
    tables = {2: active_layout(template), 3: requests_layout(template), 4: appeals_layout()}
    texts = {
        1: [OVERVIEW.format(year=year_text, agency=agency, what=_to_fill(OVERVIEW_WHAT))],
        2: [active_sentence(rec)],
        3: [requests_sentence(rec)],
        4: [appeals_sentence(rec)],
        5: [_to_fill(PROBLEMS_WHAT)],
        6: [_to_fill(FEES_WHAT), _to_fill(OTHER_WHAT)],
    }
    for number, title, _cues in V.SECTION_TITLES:
        blocks.append(OutlineBlock("heading", HEADING.format(numeral=SECTION_NUMERALS[number - 1], title=title)))
        for text in texts[number]:
            blocks.append(OutlineBlock("paragraph", text))
        if number in tables:
            blocks.append(table_block(tables[number], rec, null_text=""))
    blocks.append(OutlineBlock("signature", agency))
    next_year = str(year + 1) if isinstance(year, int) else _to_fill("年")
    blocks.append(OutlineBlock("signature", SIGNATURE_DATE.format(year=next_year, date=_to_fill(DATE_WHAT))))
    return blocks


def draft_docx(record: Any) -> bytes:
    from ..render.docx import docx_from_outline

    return docx_from_outline(draft_outline(record))


def draft_html(record: Any) -> bytes:
    from ..render.html import html_page

    return html_page(draft_outline(record)).encode("utf-8")


def blank_docx() -> bytes:
    """The empty template as a report to fill in (tables empty, every place 【待填写】)."""
    return draft_docx({"template": V.TEMPLATE_2021, "agency": None, "year": None})


__all__ = ["draft_outline", "draft_docx", "draft_html", "blank_docx", "active_sentence", "requests_sentence",
           "appeals_sentence", "TO_FILL"]
