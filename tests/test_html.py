"""The HTML reader (gongkai.ingest.html), the Chinese-script helpers and the template layout.

End to end: every seed's gold record is drawn as a report page in the national template's layout
(gongkai.render.html.render_html) — UTF-8, GBK, GB18030, Traditional characters, blank nulls, inside a
page-layout table — and parsing the page must give back exactly the gold's cells. The reader's
own rules are tested on small hand-written pages.
"""
from __future__ import annotations

import copy

import pytest
from lxml import etree

from conftest import SEEDS, gold_for
from gongkai import parse
from gongkai.document import Paragraph, Table
from gongkai.ingest import HTML, ReadError, sniff
from gongkai.ingest.chinese import is_traditional, to_simplified, to_traditional
from gongkai.ingest.html import declared_charset, read_html
from gongkai.render.html import _td as html_cell, render_html
from gongkai.render import layout
from gongkai import vocabulary as V
from gongkai.i18n import render  # noqa: E402  (notes are Messages: shown in English here)

GOLDS = [gold_for(s) for s in SEEDS]
IDS = [s.stem for s in SEEDS]
OTHER_2021 = ("other_no_correction", "other_no_fee", "other_other")


def _page(body: str, head: str = "") -> bytes:
    return f"<html><head>{head}</head><body>{body}</body></html>".encode("utf-8")


def _tables(doc) -> list[Table]:
    return [b for b in doc.blocks if isinstance(b, Table)]


def _paragraphs(doc) -> list[str]:
    return [b.text for b in doc.blocks if isinstance(b, Paragraph)]


def _texts(table: Table) -> list[list[str]]:
    return [[c.text for c in row] for row in table.rows]


def _assert_gold(record, gold: dict) -> None:
    assert record.agency == gold["agency"]
    assert record.year == gold["year"]
    assert record.template == gold["template"]
    for table in ("active", "requests", "appeals"):
        got = getattr(record, table)
        for row, fields in gold[table].items():
            for field, value in fields.items():
                assert row in got and field in got[row], f"{table}.{row}.{field} missing"
                cell = got[row][field]
                if value is None:
                    assert cell is None, f"{table}.{row}.{field}: gold null, read {cell!r}"
                else:
                    assert cell == value, f"{table}.{row}.{field}: gold {value!r}, read {cell!r}"
        assert set(got) == set(gold[table]), f"{table}: rows differ"


# --- seeds drawn as HTML pages, parsed back ------------------------------------------------
VARIANTS = {
    "utf8": {},
    "gbk": {"encoding": "gbk"},
    "gb18030-traditional": {"encoding": "gb18030", "traditional": True},
    "traditional": {"traditional": True},
    "blank-nulls": {"null_text": ""},
}


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("gold", GOLDS, ids=IDS)
def test_seed_page_parses_back_to_gold(gold, variant):
    data = render_html(gold, **VARIANTS[variant])
    assert sniff(data) == HTML
    record = parse(data)
    assert record.source.media_type == HTML
    _assert_gold(record, gold)


def test_gbk_page_is_really_gbk():
    gold = GOLDS[0]
    data = render_html(gold, encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert declared_charset(data) == "gbk"
    assert gold["agency"] in data.decode("gbk")


def test_traditional_page_is_really_traditional_and_noted():
    gold = GOLDS[0]
    data = render_html(gold, traditional=True)
    text = data.decode("utf-8")
    assert "總計" in text and "总计" not in text
    assert to_traditional(gold["agency"]) in text
    doc = read_html(data)
    assert any("Traditional" in render(n, "en") for n in doc.notes)
    assert any(gold["agency"] in p for p in _paragraphs(doc))


@pytest.mark.parametrize("gold", GOLDS, ids=IDS)
def test_seed_inside_page_layout_table(gold):
    """Old portals put the whole article in a layout table beside a navigation column."""
    page = render_html(gold).decode("utf-8")
    start = page.index('<div class="article">')
    end = page.index("</body>")
    wrapped = (page[:start] + '<table width="100%"><tr><td width="200"><ul><li>首页</li><li>政务公开</li></ul></td>'
               + "<td>" + page[start:end] + "</td></tr></table>" + page[end:])
    data = wrapped.encode("utf-8")
    doc = read_html(data)
    assert len(_tables(doc)) == 3  # the frame is not a table of the report
    _assert_gold(parse(data), gold)


def test_2021_record_with_single_other_row():
    gold = copy.deepcopy(GOLDS[0])
    assert gold["template"] == "2021"
    rows = gold["requests"]
    other = {c: sum(rows[k][c] for k in OTHER_2021) for c in V.APPLICANT_COLUMNS}
    rows["other"] = other
    for k in OTHER_2021:
        del rows[k]
    gold["requests"] = {k: rows[k] for k in [*(s.key for s in V.REQUEST_ROWS_HEAD), "other", "total", "carried_forward"]}
    data = render_html(gold)
    table = _tables(read_html(data))[1]
    labels = [row[1].text for row in table.rows]
    assert "（六）其他处理" in labels and not any("逾期不补正" in t for t in labels)
    record = parse(data)
    assert record.requests["other"] == other
    for k in OTHER_2021:  # absent, or present as null
        assert all(v is None for v in record.requests.get(k, {}).values())
    for k, fields in gold["requests"].items():
        assert record.requests[k] == fields


@pytest.mark.parametrize("gold", GOLDS, ids=IDS)
def test_dom_paths_point_at_the_cells(gold):
    data = render_html(gold)
    doc = read_html(data)
    tree = etree.fromstring(data, etree.HTMLParser()).getroottree()
    for table in _tables(doc):
        for row in table.rows:
            for cell in row:
                found = tree.xpath(cell.origin.dom_path)
                assert len(found) == 1
                assert tree.getpath(found[0]) == cell.origin.dom_path
                assert found[0].tag == "td"
                assert "".join(found[0].itertext()).strip() == cell.text
    for block in doc.blocks:
        if isinstance(block, Paragraph):
            (el,) = tree.xpath(block.origin.dom_path)
            assert block.text in "".join(el.itertext())


# --- the layout itself ---------------------------------------------------------------------
def _occupancy(t: layout.TableLayout) -> list[list[int]]:
    grid = [[0] * t.width for _ in t.rows]
    for r, c, cell in t.placements():
        for dr in range(cell.rowspan):
            for dc in range(cell.colspan):
                grid[r + dr][c + dc] += 1
    return grid


@pytest.mark.parametrize("template", ["2021", "2019"])
@pytest.mark.parametrize("single_other", [False, True])
def test_layout_grids_are_exact_rectangles(template, single_other):
    for t in (layout.active_layout(template), layout.requests_layout(template, single_other=single_other),
              layout.appeals_layout()):
        assert all(all(n == 1 for n in row) for row in _occupancy(t)), t.key


def test_requests_layout_merges_as_the_template():
    t = layout.requests_layout("2021")
    cells = {c.text: c for row in t.rows for c in row if c.text}
    assert cells[layout.OUTCOME_HEADER].rowspan == 22
    assert cells["（三）不予公开"].rowspan == 8
    assert cells["（四）无法提供"].rowspan == 3
    assert cells["（五）不予处理"].rowspan == 5
    assert cells["（六）其他处理"].rowspan == 3
    assert (cells[layout.REQUESTS_IDENTITY_NOTE].rowspan, cells[layout.REQUESTS_IDENTITY_NOTE].colspan) == (3, 3)
    assert cells[layout.APPLICANT_HEADER].colspan == 7
    assert cells[layout.LEGAL_PERSON_HEADER].colspan == 5
    assert cells["自然人"].rowspan == 2
    assert cells["（一）予以公开"].colspan == 2 and cells["（七）总计"].colspan == 2
    assert cells["四、结转下年度继续办理"].colspan == 3
    t19 = layout.requests_layout("2019")
    cells19 = {c.text: c for row in t19.rows for c in row if c.text}
    assert cells19[layout.OUTCOME_HEADER].rowspan == 20
    assert cells19["（六）其他处理"].colspan == 2


def test_appeals_and_active_layout_merges():
    a = layout.appeals_layout()
    first = a.rows[0]
    assert [(c.text, c.colspan) for c in first] == [("行政复议", 5), ("行政诉讼", 10)]
    assert all(c.rowspan == 2 for c in a.rows[1][:5])
    assert [c.colspan for c in a.rows[1][5:]] == [5, 5]
    act = layout.active_layout("2021")
    fees = next(row for row in act.rows if row[0].text == "行政事业性收费")
    assert fees[1].colspan == 3 and fees[1].path == "active.fees.amount"
    act19 = layout.active_layout("2019")
    assert sum(1 for row in act19.rows if row[0].text.startswith("第二十条")) == 5


@pytest.mark.parametrize("gold", GOLDS, ids=IDS)
def test_layout_covers_exactly_the_records_cells(gold):
    paths = [p for t in layout.layouts_for(gold) for p in t.paths()]
    expected = [f"{t}.{r}.{f}" for t in ("active", "requests", "appeals") for r, fs in gold[t].items() for f in fs]
    assert sorted(paths) == sorted(expected)
    assert len(paths) == len(set(paths))


def test_format_value():
    assert layout.format_value(None) == layout.NULL_TEXT
    assert layout.format_value(None, "") == ""
    assert layout.format_value(0) == "0"
    assert layout.format_value(52.29) == "52.29"
    assert layout.format_value(5354451.6) == "5354451.6"
    assert layout.format_value(1e20) == "100000000000000000000"
    assert layout.format_value(-3) == "-3"


def test_render_accepts_a_record():
    record = parse(render_html(GOLDS[3]))
    again = parse(render_html(record))
    assert again.requests == record.requests and again.active == record.active


# --- the reader on small pages ---------------------------------------------------------------
def test_rowspan_colspan_expansion():
    doc = read_html(_page(
        "<table><tr><td rowspan='2' colspan='2'>A</td><td>B</td></tr>"
        "<tr><td>C</td></tr>"
        "<tr><td>D</td><td colspan='2'>E</td></tr></table>"))
    (table,) = _tables(doc)
    assert _texts(table) == [["A", "A", "B"], ["A", "A", "C"], ["D", "E", "E"]]
    assert [[c.spanned for c in row] for row in table.rows] == [
        [False, True, False], [True, True, False], [False, False, True]]
    # copies point at their owner
    assert table.rows[1][1].origin.dom_path == table.rows[0][0].origin.dom_path == "/html/body/table/tr[1]/td[1]"


def test_template_header_grid():
    """The request table's header: 3x3 corner cell, 申请人情况 over seven columns, 自然人/总计 rowspan 2."""
    t = layout.requests_layout("2021")
    html_rows = "".join("<tr>" + "".join(html_cell(c) for c in row) + "</tr>" for row in t.rows[:3])
    (table,) = _tables(read_html(_page(f"<table>{html_rows}</table>")))
    grid = _texts(table)
    assert all(len(row) == 10 for row in grid)
    assert grid[0][:3] == [layout.REQUESTS_IDENTITY_NOTE] * 3 and grid[2][:3] == [layout.REQUESTS_IDENTITY_NOTE] * 3
    assert grid[0][3:] == ["申请人情况"] * 7
    assert grid[1][3] == grid[2][3] == "自然人" and grid[1][9] == grid[2][9] == "总计"
    assert grid[2][4:9] == ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    assert [c.spanned for c in table.rows[2]][3] is True


def test_bad_spans_are_clamped():
    doc = read_html(_page(
        "<table><tr><td rowspan='9'>A</td><td colspan='x'>B</td></tr>"
        "<tr><td>C</td></tr><tr><td rowspan='0'>D</td></tr></table>"))
    (table,) = _tables(doc)
    assert _texts(table) == [["A", "B"], ["A", "C"], ["A", "D"]]


def test_ragged_rows_are_padded_with_blanks():
    (table,) = _tables(read_html(_page("<table><tr><td>a</td><td>b</td><td>c</td></tr><tr><td>x</td></tr></table>")))
    assert _texts(table) == [["a", "b", "c"], ["x", "", ""]]
    assert table.rows[1][2].origin.dom_path == "/html/body/table/tr[2]"
    assert not table.rows[1][2].spanned


def test_nested_table_is_its_own_block():
    doc = read_html(_page(
        "<p>前</p><table><tr><td>规章</td><td>x</td><td>before<table><tr><td>1</td><td>2</td></tr></table>after</td></tr>"
        "<tr><td>a</td><td>b</td><td>c</td></tr></table><p>后</p>"))
    kinds = [type(b).__name__ for b in doc.blocks]
    assert kinds == ["Paragraph", "Table", "Table", "Paragraph"]
    outer, inner = _tables(doc)
    assert _texts(outer) == [["规章", "x", "before after"], ["a", "b", "c"]]
    assert _texts(inner) == [["1", "2"]]
    assert inner.origin.dom_path == "/html/body/table/tr[1]/td[3]/table"


def test_single_cell_and_frame_tables_are_unwrapped():
    doc = read_html(_page(
        "<table><tr><td><p>标题</p><p>正文</p></td></tr></table>"
        "<table><tr><td>导航</td><td><p>第一段</p><table><tr><td>1</td><td>2</td><td>3</td></tr></table></td></tr></table>"))
    assert [type(b).__name__ for b in doc.blocks] == ["Paragraph", "Paragraph", "Paragraph", "Paragraph", "Table"]
    assert _paragraphs(doc) == ["标题", "正文", "导航", "第一段"]
    assert _texts(_tables(doc)[0]) == [["1", "2", "3"]]


@pytest.mark.parametrize("cell, text", [
    ("<span>1</span><span>5</span>", "15"),
    ("<font>1</font><b>5</b>", "15"),
    ("<span style='font-family:宋体'>1</span><span lang=EN-US>2</span><span>3</span>", "123"),
    ("<p>1</p><p>5</p>", "15"),
    ("5<br>2.3", "52.3"),
    ("商业<br>企业", "商业企业"),
    ("<p>结果</p><p>维持</p>", "结果维持"),
    ("<p>总计</p><p>17</p>", "总计 17"),
    ("&nbsp;", ""),
    ("&#12288;&nbsp; ", ""),
    ("\u3000１２\u3000", "１２"),
    ("1\u200b5", "15"),
    ("<p>本年新收政府信息公开\n   申请数量</p>", "本年新收政府信息公开申请数量"),
    ("<p>Word document</p><p>label</p>", "Word document label"),
    ("——", "——"),
    ("<p><span>0</span></p>", "0"),
    ("<p>0<o:p></o:p></p>", "0"),
])
def test_cell_text(cell, text):
    (table,) = _tables(read_html(_page(f"<table><tr><td>x</td><td>{cell}</td></tr></table>")))
    assert table.rows[0][1].text == text


def test_paragraphs_in_document_order():
    doc = read_html(_page(
        "<h1>标题</h1><div>第一<b>段</b></div>正文一<br>正文二<ul><li>甲</li><li>乙</li></ul>"
        "<table><tr><td>a</td><td>b</td></tr></table><p>&nbsp;</p><p>末段</p>"))
    assert [b.text if isinstance(b, Paragraph) else "TABLE" for b in doc.blocks] == [
        "标题", "第一段", "正文一", "正文二", "甲", "乙", "TABLE", "末段"]
    origins = [b.origin.dom_path for b in doc.blocks]
    assert origins[:3] == ["/html/body/h1", "/html/body/div", "/html/body"]
    assert origins[4:6] == ["/html/body/ul/li[1]", "/html/body/ul/li[2]"]


def test_invisible_content_dropped():
    doc = read_html(_page(
        "<script>document.write('总计 99')</script><noscript>请启用脚本</noscript><style>p{}</style>"
        "<p>看得见</p><div style='DISPLAY: none'>看不见</div><span hidden>也看不见</span>"
        "<table><tr><td>1<span style='display:none'>9</span></td><td>2</td></tr></table>",
        head="<title>网页标题</title><script>var a = '1';</script>"))
    assert _paragraphs(doc) == ["看得见"]
    assert _texts(_tables(doc)[0]) == [["1", "2"]]
    assert "网页标题" not in doc.plain_text() and "99" not in doc.plain_text()


def test_hidden_cells_take_no_column():
    (table,) = _tables(read_html(_page(
        "<table><tr><td>a</td><td style='display:none'>junk</td><td>b</td></tr>"
        "<tr style='display:none'><td>x</td><td>y</td></tr><tr><td>c</td><td>d</td></tr></table>")))
    assert _texts(table) == [["a", "b"], ["c", "d"]]
    assert table.rows[0][1].origin.dom_path == "/html/body/table/tr[1]/td[3]"


def test_prose_in_a_narrow_table_is_paragraphs():
    long = "本机关严格落实政府信息公开工作要求。" * 15
    doc = read_html(_page(f"<table><tr><td>导航</td><td><p>{long}</p><p>第二段</p></td></tr></table>"))
    assert _tables(doc) == []
    assert _paragraphs(doc) == ["导航", long, "第二段"]


def test_hidden_element_keeps_paths_of_its_siblings():
    doc = read_html(_page("<div style='display:none'>x</div><div>可见</div>"))
    assert doc.blocks[0].origin.dom_path == "/html/body/div[2]"


def test_gb18030_without_declaration_is_sniffed():
    text = "<html><body><p>上海市静安区人力资源和社会保障局</p><p>龑䶮</p><table><tr><td>总计</td><td>17</td></tr></table></body></html>"
    data = text.encode("gb18030")
    with pytest.raises(UnicodeEncodeError):
        "䶮".encode("gbk")  # outside GBK: only GB18030 decodes this page right
    assert declared_charset(data) is None
    doc = read_html(data)
    assert _paragraphs(doc) == ["上海市静安区人力资源和社会保障局", "龑䶮"]
    assert _texts(_tables(doc)[0]) == [["总计", "17"]]


@pytest.mark.parametrize("head", [
    '<meta charset="gb2312">',
    '<meta http-equiv="Content-Type" content="text/html; charset=GBK">',
    "<META HTTP-EQUIV='content-type' CONTENT='text/html;charset=gb18030'>",
])
def test_declared_gb_charsets(head):
    data = f"<html><head>{head}</head><body><p>政府信息公开工作年度报告</p></body></html>".encode("gbk")
    assert declared_charset(data) in ("gb2312", "gbk", "gb18030")
    assert _paragraphs(read_html(data)) == ["政府信息公开工作年度报告"]


def test_stale_gb_declaration_on_utf8_page():
    data = _page("<p>政府信息公开</p>", head='<meta charset="gb2312">')
    doc = read_html(data)
    assert _paragraphs(doc) == ["政府信息公开"]
    assert any("UTF-8" in render(n, "en") for n in doc.notes)


def test_a_few_broken_bytes_do_not_lose_the_page():
    page = _page("<p>政府信息公开工作年度报告</p>" + "<p>本机关依法公开政府信息。</p>" * 20)
    cut = page.index(b"</p>") + 4
    damaged = page[:cut] + b"\xff" + page[cut:]
    doc = read_html(damaged)
    assert _paragraphs(doc)[0] == "政府信息公开工作年度报告"
    assert any("replaced" in render(n, "en") for n in doc.notes)
    with pytest.raises(ReadError):
        read_html(bytes(range(128, 256)) * 20)


def test_xml_declaration_and_empty_body():
    data = b'<?xml version="1.0" encoding="utf-8"?><html><body></body></html>'
    assert read_html(data).blocks == []
    doc = read_html('<?xml version="1.0" encoding="gbk"?><html><body><p>年度报告</p></body></html>'.encode("gbk"))
    assert _paragraphs(doc) == ["年度报告"]


def test_traditional_page_converted():
    page = "<html><body><p>上海市靜安區人力資源和社會保障局2023年政府信息公開工作年度報告</p>" \
           "<table><tr><td>（七）總計</td><td>17</td></tr></table></body></html>"
    doc = read_html(page.encode("utf-8"))
    assert _paragraphs(doc) == ["上海市静安区人力资源和社会保障局2023年政府信息公开工作年度报告"]
    assert _texts(_tables(doc)[0]) == [["（七）总计", "17"]]
    assert any("Traditional" in render(n, "en") for n in doc.notes)
    simplified = read_html(_page("<p>上海市静安区人力资源和社会保障局政府信息公开工作年度报告</p>"))
    assert simplified.notes == []


def test_big5_page():
    page = "<html><head><meta charset='big5'></head><body><p>政府資訊公開工作年度報告</p></body></html>"
    doc = read_html(page.encode("big5"))
    assert _paragraphs(doc) == ["政府资讯公开工作年度报告"]


# --- Chinese-script helpers ------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS, ids=IDS)
def test_to_simplified_equals_opencc(seed):
    from opencc import OpenCC

    text = seed.read_text(encoding="utf-8")
    traditional = to_traditional(text)
    assert traditional != text
    assert to_simplified(traditional) == OpenCC("t2s").convert(traditional)
    assert to_simplified(traditional) == text  # the seeds survive the round trip
    assert is_traditional(traditional) and not is_traditional(text)


@pytest.mark.parametrize("text, expected", [
    ("規章", True), ("规章", False), ("總計", True), ("其他", False), ("", False), ("2023", False),
    ("上海市静安区人力资源和社会保障局引用了一個繁體字", False),
])
def test_is_traditional(text, expected):
    assert is_traditional(text) is expected


def test_to_simplified_phrases():
    # phrase-level conversions OpenCC makes beyond character mapping
    assert to_simplified("一目瞭然") == "一目了然"
    assert to_simplified("乾坤") == "乾坤"
    assert to_simplified("乾燥") == "干燥"


# --- random records: any values the template allows survive the round trip ----------------
def _mutated(rng, gold: dict) -> dict:
    g = copy.deepcopy(gold)
    paths = [(t, r, f) for t in ("active", "requests", "appeals") for r, fs in g[t].items() for f in fs]
    for t, r, f in rng.sample(paths, rng.randint(1, 12)):
        roll = rng.random()
        if roll < 0.4:
            g[t][r][f] = None
        elif roll < 0.7:
            g[t][r][f] = rng.randint(0, 99999)
        elif f == "amount":
            g[t][r][f] = round(rng.uniform(0, 1000), 2)
        elif f == "change":
            g[t][r][f] = -rng.randint(1, 50)
        else:
            g[t][r][f] = rng.randint(0, 9)
    return g


@pytest.mark.parametrize("case", range(30))
def test_random_records_round_trip(case):
    import random

    rng = random.Random(case)
    gold = _mutated(rng, GOLDS[case % len(GOLDS)])
    data = render_html(gold, encoding=rng.choice(["utf-8", "gbk", "gb18030"]),
                              null_text=rng.choice([layout.NULL_TEXT, ""]))
    _assert_gold(parse(data), gold)


# A blank cell at the first or last value position of a grid row is a null cell, not layout.
@pytest.mark.parametrize("path", ["requests.carried_forward.natural_person", "requests.granted.total",
                                  "appeals.reconsideration.upheld", "active.normative_documents.in_force"])
def test_blank_null_at_row_edge(path):
    gold = copy.deepcopy(GOLDS[0])
    t, r, f = path.split(".")
    gold[t][r][f] = None
    _assert_gold(parse(render_html(gold, null_text="")), gold)
