"""The statutory tables' layout as data, and a whole report as blocks any renderer can draw.

The national templates (国办公开办函〔2021〕30号, 〔2019〕60号) draw three tables with merged
cells. Here each table is a list of rows of `LayoutCell`s — (text, rowspan, colspan, record path
or None) — exactly as the template draws them; the sibling modules (`html`, `docx`, `xlsx`,
`terminal`) are views of that one structure. Row and column labels come from `vocabulary`; what
the vocabulary does not hold (the template's group headers, the narrative of a generated page) is
template data below.

`outline(record)` is a whole report (title, preamble, six numbered sections, the three tables,
signature) as `OutlineBlock`s.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache
from typing import Any, Mapping

from .. import vocabulary as V

# --- template data the vocabulary does not hold ----------------------------------------------
ARTICLE_20_ITEM = "第二十条第（{}）项"
INFO_CONTENT = "信息内容"
REQUESTS_IDENTITY_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
APPLICANT_HEADER = "申请人情况"
LEGAL_PERSON_HEADER = "法人或其他组织"
OUTCOME_HEADER = "三、本年度办理结果"
RECONSIDERATION_HEADER = "行政复议"
LITIGATION_HEADER = "行政诉讼"
SECTION_NUMERALS = ("一", "二", "三", "四", "五", "六")

# Column headings of the Article 20 table as each template prints them (the vocabulary's field
# labels are the short forms the extractor matches).
ACTIVE_HEADERS: dict[str, dict[str, str]] = {
    V.TEMPLATE_2021: {
        "issued": "本年制发件数", "repealed": "本年废止件数", "in_force": "现行有效件数",
        "decisions": "本年处理决定数量", "amount": "本年收费金额（单位：万元）",
    },
    V.TEMPLATE_2019: {
        "made": "本年新制作数量", "published": "本年新公开数量", "total_published": "对外公开总数量",
        "previous_items": "上一年项目数量", "change": "本年增/减", "decisions": "处理决定数量",
        "items": "采购项目数量", "amount": "采购总金额",
    },
}
# Article 20 items: (item numeral, row keys) in template order.
ACTIVE_GROUPS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    V.TEMPLATE_2021: (
        ("一", ("regulations", "normative_documents")),
        ("五", ("licensing",)),
        ("六", ("penalty", "coercion")),
        ("八", ("fees",)),
    ),
    V.TEMPLATE_2019: (
        ("一", ("regulations", "normative_documents")),
        ("五", ("licensing", "other_services")),
        ("六", ("penalty", "coercion")),
        ("八", ("fees",)),
        ("九", ("procurement",)),
    ),
}
ACTIVE_WIDTH = 4  # label column + three value columns

# Generated narrative: one plain sentence per section, with the record's own figures only.
TITLE = "{agency}{year}年政府信息公开工作年度报告"
TITLE_NO_YEAR = "{agency}政府信息公开工作年度报告"
PREAMBLE = (
    "根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和国务院办公厅政府信息公开办公室"
    "关于政府信息公开工作年度报告格式的要求，{agency}编制本报告。"
)
PREAMBLE_PERIOD = "本报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。"
SECTION_SENTENCES: dict[int, str] = {
    1: "{year_phrase}，{agency}认真贯彻落实《条例》，扎实推进政府信息公开工作，主动公开、依申请公开、"
       "政府信息管理、平台建设和监督保障等各项工作有序开展。",
    2: "本年度主动公开政府信息情况如下表所示。",
    3: "本年度收到和处理政府信息公开申请情况如下表所示。",
    4: "本年度因政府信息公开工作被申请行政复议、提起行政诉讼的情况如下表所示。",
    5: "政府信息公开工作仍存在信息更新不够及时、政策解读形式较为单一等问题。下一步将加强业务培训，"
       "提升公开质量和实效。",
    6: "本年度本机关未收取信息处理费，无其他需要报告的事项。",
}
SECTION_3_FIGURES = "本年度新收政府信息公开申请{new}件，上年结转{carried}件。"
DEFAULT_AGENCY = "本机关"
SIGNATURE_DATE = "{year}年1月"
HEADING = "{numeral}、{title}"
YEAR_PHRASE = "{year}年"
THIS_YEAR = "本年度"
NULL_TEXT = "——"  # how a generated report prints a null cell (a real report's dash)


# --- layout structure ------------------------------------------------------------------------
@dataclass(frozen=True)
class LayoutCell:
    """One cell as the template draws it.

    `text` is the printed label (empty for value cells until filled); `path` is the dotted record
    path a value cell shows (``requests.total.total``), None for labels; `header` marks headings.
    """

    text: str = ""
    rowspan: int = 1
    colspan: int = 1
    path: str | None = None
    header: bool = False


@dataclass(frozen=True)
class TableLayout:
    key: str  # "active" | "requests" | "appeals"
    section: int  # the numbered part it belongs to (2, 3, 4)
    width: int  # columns
    rows: tuple[tuple[LayoutCell, ...], ...]

    def placements(self) -> list[tuple[int, int, LayoutCell]]:
        """(row, column, cell) for every cell, with merged areas resolved as HTML does; what a
        renderer that merges by coordinates (DOCX, PDF) needs."""
        taken: set[tuple[int, int]] = set()
        out = []
        for r, row in enumerate(self.rows):
            c = 0
            for cell in row:
                while (r, c) in taken:
                    c += 1
                out.append((r, c, cell))
                for dr in range(cell.rowspan):
                    for dc in range(cell.colspan):
                        taken.add((r + dr, c + dc))
                c += cell.colspan
        return out

    def paths(self) -> list[str]:
        """Record paths of the value cells, in reading order."""
        return [cell.path for row in self.rows for cell in row if cell.path]


def _label(text: str, rowspan: int = 1, colspan: int = 1) -> LayoutCell:
    return LayoutCell(text, rowspan, colspan, None, True)


def _value(path: str, colspan: int = 1) -> LayoutCell:
    return LayoutCell("", 1, colspan, path, False)


@cache  # a layout is frozen and the same every time: made once (every report page draws three)
def active_layout(template: str) -> TableLayout:
    """二、主动公开政府信息情况 (Article 20) as the template draws it."""
    specs = {s.key: s for s in (V.ACTIVE_ROWS_2019 if template == V.TEMPLATE_2019 else V.ACTIVE_ROWS_2021)}
    headers = ACTIVE_HEADERS[V.TEMPLATE_2019 if template == V.TEMPLATE_2019 else V.TEMPLATE_2021]
    rows: list[tuple[LayoutCell, ...]] = []
    for numeral, keys in ACTIVE_GROUPS[V.TEMPLATE_2019 if template == V.TEMPLATE_2019 else V.TEMPLATE_2021]:
        fields = specs[keys[0]].fields
        spans = _spread(len(fields), ACTIVE_WIDTH - 1)
        rows.append((_label(ARTICLE_20_ITEM.format(numeral), colspan=ACTIVE_WIDTH),))
        rows.append((_label(INFO_CONTENT),) + tuple(_label(headers[f], colspan=s) for f, s in zip(fields, spans)))
        for key in keys:
            spec = specs[key]
            rows.append((_label(spec.label),)
                        + tuple(_value(f"active.{key}.{f}", s) for f, s in zip(spec.fields, spans)))
    return TableLayout("active", 2, ACTIVE_WIDTH, tuple(rows))


def _spread(n: int, width: int) -> list[int]:
    """Column spans of n cells filling `width` columns: the last one takes what is left
    (one value under a three-column heading spans all three, as the template draws it)."""
    return [1] * (n - 1) + [width - (n - 1)]


REQUEST_WIDTH = 3 + len(V.APPLICANT_COLUMNS)


@cache
def requests_layout(template: str, *, single_other: bool | None = None) -> TableLayout:
    """三、收到和处理政府信息公开申请情况. (六)其他处理 is one row in template 2019 and three in
    2021; `single_other` overrides that (a 2021 report printing the single row)."""
    if single_other is None:
        single_other = template == V.TEMPLATE_2019
    cols = V.APPLICANT_COLUMNS
    orgs = cols[1:-1]

    def values(key: str) -> tuple[LayoutCell, ...]:
        return tuple(_value(f"requests.{key}.{c}") for c in cols)

    rows: list[tuple[LayoutCell, ...]] = [
        (_label(REQUESTS_IDENTITY_NOTE, rowspan=3, colspan=3), _label(APPLICANT_HEADER, colspan=len(cols))),
        (_label(V.APPLICANT_COLUMN_LABELS[cols[0]], rowspan=2), _label(LEGAL_PERSON_HEADER, colspan=len(orgs)),
         _label(V.APPLICANT_COLUMN_LABELS[cols[-1]], rowspan=2)),
        tuple(_label(V.APPLICANT_COLUMN_LABELS[c]) for c in orgs),
    ]
    head = {s.key: s for s in V.REQUEST_ROWS_HEAD}
    for key in ("new_received", "carried_over"):
        rows.append((_label(head[key].label, colspan=3),) + values(key))

    # The outcome rows: (group label or None, [(row key, item label)]); a group of one row
    # without sub-items spans the two label columns.
    groups: list[tuple[str | None, list[tuple[str, str]]]] = [
        (None, [("granted", head["granted"].label.removeprefix(OUTCOME_HEADER))]),
        (None, [("partially_granted", head["partially_granted"].label)]),
    ]
    for specs in (V.REQUEST_ROWS_HEAD[4:12], V.REQUEST_ROWS_HEAD[12:15], V.REQUEST_ROWS_HEAD[15:20],
                  None if single_other else V.REQUEST_ROWS_OTHER_2021):
        if specs is None:
            groups.append((None, [("other", V.REQUEST_ROW_OTHER_SINGLE.label)]))
            continue
        group_label, _, _ = specs[0].label.partition(" ")
        groups.append((group_label, [(s.key, s.label.partition(" ")[2] or s.label) for s in specs]))
    total = next(s for s in V.REQUEST_ROWS_TAIL if s.key == "total")
    groups.append((None, [("total", total.label)]))

    outcome_rows = sum(len(items) for _, items in groups)
    first = True
    for group_label, items in groups:
        for i, (key, item_label) in enumerate(items):
            cells: list[LayoutCell] = []
            if first:
                cells.append(_label(OUTCOME_HEADER, rowspan=outcome_rows))
                first = False
            if group_label is None:
                cells.append(_label(item_label, colspan=2))
            else:
                if i == 0:
                    cells.append(_label(group_label, rowspan=len(items)))
                cells.append(_label(item_label))
            rows.append(tuple(cells) + values(key))
    forward = next(s for s in V.REQUEST_ROWS_TAIL if s.key == "carried_forward")
    rows.append((_label(forward.label, colspan=3),) + values("carried_forward"))
    return TableLayout("requests", 3, REQUEST_WIDTH, tuple(rows))


@cache
def appeals_layout() -> TableLayout:
    """四、政府信息公开行政复议、行政诉讼情况 (the same in both templates)."""
    n = len(V.APPEAL_FIELDS)
    fields = [_label(V.APPEAL_FIELD_LABELS[f]) for f in V.APPEAL_FIELDS]
    litigation = V.APPEAL_GROUPS[1:]
    rows = (
        (_label(RECONSIDERATION_HEADER, colspan=n), _label(LITIGATION_HEADER, colspan=n * len(litigation))),
        tuple(replace(f, rowspan=2) for f in fields)
        + tuple(_label(V.APPEAL_GROUP_LABELS[g].split("·")[-1], colspan=n) for g in litigation),
        tuple(fields) * len(litigation),
        tuple(_value(f"appeals.{g}.{f}") for g in V.APPEAL_GROUPS for f in V.APPEAL_FIELDS),
    )
    return TableLayout("appeals", 4, n * len(V.APPEAL_GROUPS), rows)


# --- records ---------------------------------------------------------------------------------
def _as_dict(record: Any) -> dict[str, Any]:
    if isinstance(record, Mapping):
        return dict(record)
    if hasattr(record, "to_dict"):
        return record.to_dict()
    raise TypeError(f"expected a Record or a record dict, not {type(record).__name__}")


def layouts_for(record: Any) -> list[TableLayout]:
    """The three tables in the shape `record` needs: its template, and (六) as one row or three
    depending on which rows the record carries."""
    rec = _as_dict(record)
    template = rec.get("template") or V.TEMPLATE_2021
    requests = rec.get("requests") or {}
    has_three = any(k in requests for k in ("other_no_correction", "other_no_fee", "other_other"))
    single_other = ("other" in requests and not has_three) if requests else template == V.TEMPLATE_2019
    return [active_layout(template), requests_layout(template, single_other=single_other), appeals_layout()]


def format_value(value: Any, null_text: str = NULL_TEXT) -> str:
    """A cell value as a report prints it: integers plainly, decimals as written, null as a dash."""
    if value is None:
        return null_text
    if isinstance(value, bool):
        raise TypeError("a cell value is a number, not a boolean")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value)
        if "e" in text or "E" in text:  # never scientific notation in a report
            text = f"{value:.6f}".rstrip("0").rstrip(".")
        return text
    return str(value)


def lookup(record: Mapping[str, Any], path: str) -> Any:
    table, row, field = path.split(".")
    return ((record.get(table) or {}).get(row) or {}).get(field)


def fill(layout: TableLayout, record: Any, *, null_text: str = NULL_TEXT) -> list[list[LayoutCell]]:
    """The layout's rows with value cells' text set from `record`."""
    rec = _as_dict(record)
    return [[replace(c, text=format_value(lookup(rec, c.path), null_text)) if c.path else c for c in row]
            for row in layout.rows]


@dataclass(frozen=True)
class OutlineBlock:
    """One block of a generated report: kind is title | paragraph | heading | table | signature."""

    kind: str
    text: str = ""
    table: TableLayout | None = None
    rows: tuple[tuple[LayoutCell, ...], ...] = ()


def table_block(table: TableLayout, record: Any, *, null_text: str = NULL_TEXT) -> OutlineBlock:
    """One table of `record` as an outline block (value cells filled)."""
    return OutlineBlock("table", table=table, rows=tuple(tuple(r) for r in fill(table, record, null_text=null_text)))


def outline(record: Any, *, null_text: str = NULL_TEXT) -> list[OutlineBlock]:
    """A whole report for `record`, as blocks any renderer (HTML, DOCX, PDF) can draw."""
    rec = _as_dict(record)
    agency = rec.get("agency")
    year = rec.get("year")
    name = agency or DEFAULT_AGENCY
    title = (TITLE.format(agency=agency or "", year=year) if year is not None
             else TITLE_NO_YEAR.format(agency=agency or ""))
    blocks = [OutlineBlock("title", title)]
    preamble = PREAMBLE.format(agency=name)
    if year is not None:
        preamble += PREAMBLE_PERIOD.format(year=year)
    blocks.append(OutlineBlock("paragraph", preamble))
    tables = {t.section: t for t in layouts_for(rec)}
    for number, section_title, _ in V.SECTION_TITLES:
        blocks.append(OutlineBlock("heading", HEADING.format(numeral=SECTION_NUMERALS[number - 1], title=section_title)))
        sentence = SECTION_SENTENCES[number].format(
            agency=name, year_phrase=YEAR_PHRASE.format(year=year) if year is not None else THIS_YEAR)
        if number == 3:
            new = lookup(rec, "requests.new_received.total")
            carried = lookup(rec, "requests.carried_over.total")
            if new is not None and carried is not None:
                sentence = SECTION_3_FIGURES.format(new=format_value(new), carried=format_value(carried)) + sentence
        blocks.append(OutlineBlock("paragraph", sentence))
        if number in tables:
            blocks.append(table_block(tables[number], rec, null_text=null_text))
    if agency:
        blocks.append(OutlineBlock("signature", agency))
    if year is not None:
        blocks.append(OutlineBlock("signature", SIGNATURE_DATE.format(year=year + 1)))
    return blocks


__all__ = [
    "LayoutCell", "TableLayout", "OutlineBlock", "active_layout", "requests_layout", "appeals_layout",
    "layouts_for", "fill", "format_value", "lookup", "outline", "table_block", "NULL_TEXT",
]
