"""The .docx reader on documents built for one feature each, and on the template's layout."""
from __future__ import annotations

import io
import json
import zipfile

import pytest

docx = pytest.importorskip("docx", reason="python-docx (extra `office`) builds the test documents")

from docx.oxml import parse_xml  # noqa: E402
from docx.oxml.ns import nsdecls, qn  # noqa: E402

import gongkai  # noqa: E402
from gongkai.document import Paragraph, Table  # noqa: E402
from gongkai.ingest import DOCX, ReadError, read_document, sniff  # noqa: E402
from gongkai.ingest.docx import format_number, read_docx  # noqa: E402
from gongkai.render.docx import render_blank_template_docx, render_docx  # noqa: E402
from gongkai.i18n import render  # noqa: E402  (notes are Messages: shown in English here)

from conftest import SEEDS, TABLES, gold_for  # noqa: E402

pytestmark = pytest.mark.usefixtures("english")  # reasons are matched in English


def _save(document) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _tables(doc):
    return [b for b in doc.blocks if isinstance(b, Table)]


def _paragraphs(doc):
    return [b.text for b in doc.blocks if isinstance(b, Paragraph)]


def test_body_order_and_provenance():
    d = docx.Document()
    d.add_paragraph("第一段")
    t = d.add_table(rows=1, cols=2)
    t.cell(0, 0).text = "规章"
    t.cell(0, 1).text = "5"
    d.add_paragraph("第二段")
    doc = read_docx(_save(d))
    kinds = [type(b).__name__ for b in doc.blocks]
    assert kinds == ["Paragraph", "Table", "Paragraph"]
    assert doc.media_type == DOCX
    table = _tables(doc)[0]
    assert [c.text for c in table.rows[0]] == ["规章", "5"]
    assert table.rows[0][1].origin.dom_path == "/w:body/w:tbl[1]/w:tr[1]/w:tc[2]"
    assert doc.blocks[2].origin.dom_path == "/w:body/w:p[2]"


def test_merged_cells_expand_to_a_grid_with_spanned_copies():
    d = docx.Document()
    t = d.add_table(rows=3, cols=3)
    t.cell(0, 0).merge(t.cell(0, 2)).text = "第二十条第（一）项"  # gridSpan 3
    t.cell(1, 0).merge(t.cell(2, 0)).text = "（三）不予公开"  # vMerge over two rows
    for r in (1, 2):
        for c in (1, 2):
            t.cell(r, c).text = f"{r}{c}"
    rows = _tables(read_docx(_save(d)))[0].rows
    assert [len(r) for r in rows] == [3, 3, 3]
    assert [(c.text, c.spanned) for c in rows[0]] == [("第二十条第（一）项", False), ("第二十条第（一）项", True),
                                                     ("第二十条第（一）项", True)]
    assert (rows[1][0].text, rows[1][0].spanned) == ("（三）不予公开", False)
    assert (rows[2][0].text, rows[2][0].spanned) == ("（三）不予公开", True)
    assert [c.text for c in rows[2][1:]] == ["21", "22"]


def test_grid_before_and_after_pad_the_row():
    d = docx.Document()
    t = d.add_table(rows=2, cols=3)
    for c in range(3):
        t.cell(0, c).text = f"h{c}"
    tr = t.rows[1]._tr
    # the second row starts one grid column in and has two cells (Word's "gridBefore")
    tr.remove(tr.tc_lst[0])
    tr.get_or_add_trPr().append(parse_xml(f'<w:gridBefore {nsdecls("w")} w:val="1"/>'))
    tr.tc_lst[0].append(parse_xml(f'<w:p {nsdecls("w")}><w:r><w:t>7</w:t></w:r></w:p>'))
    rows = _tables(read_docx(_save(d)))[0].rows
    assert [c.text for c in rows[1]] == ["", "7", ""]
    assert not any(c.spanned for c in rows[1])


def test_nested_tables_become_tables_of_their_own():
    d = docx.Document()
    frame = d.add_table(rows=1, cols=1)  # a layout frame around the report's table
    cell = frame.cell(0, 0)
    cell.paragraphs[0].text = "二、主动公开政府信息情况"
    inner = cell.add_table(rows=2, cols=2)
    inner.cell(0, 0).text = "规章"
    inner.cell(0, 1).text = "3"
    inner.cell(1, 0).text = "行政许可"
    inner.cell(1, 1).text = "9"
    data = d.add_table(rows=1, cols=3)  # a data table with a small table inside one cell
    data.cell(0, 0).text = "总计"
    data.cell(0, 1).text = "4"
    sub = data.cell(0, 2).add_table(rows=1, cols=1)
    sub.cell(0, 0).text = "附注"
    doc = read_docx(_save(d))
    assert _paragraphs(doc)[0] == "二、主动公开政府信息情况"
    tables = _tables(doc)
    assert [[c.text for c in r] for r in tables[0].rows] == [["规章", "3"], ["行政许可", "9"]]
    assert [c.text for c in tables[1].rows[0]] == ["总计", "4", ""]
    assert tables[2].rows[0][0].text == "附注"
    assert tables[2].origin.dom_path.startswith("/w:body/w:tbl[2]/w:tr[1]/w:tc[3]/w:tbl[1]")


def test_word_numbering_is_text():
    assert [format_number(n, "chineseCounting") for n in (1, 6, 10, 11, 20, 23)] == ["一", "六", "十", "十一", "二十", "二十三"]
    assert format_number(3, "decimalEnclosedCircle") == "③"
    gold = gold_for(SEEDS[0])
    doc = read_docx(render_docx(gold, numbered_headings=True))
    headings = [t for t in _paragraphs(doc) if t.endswith(("总体情况", "其他需要报告的事项"))]
    assert headings == ["一、总体情况", "六、其他需要报告的事项"]
    record = gongkai.parse(render_docx(gold, numbered_headings=True))
    assert [s.number for s in record.sections][:6] == [1, 2, 3, 4, 5, 6]


def test_hidden_deleted_and_field_code_text_is_dropped():
    d = docx.Document()
    p = d.add_paragraph("可见")
    p.add_run("隐藏").font.hidden = True
    p._p.append(parse_xml(f'<w:del {nsdecls("w")} w:id="1" w:author="a"><w:r><w:delText>删除</w:delText></w:r></w:del>'))
    p._p.append(parse_xml(f'<w:ins {nsdecls("w")} w:id="2" w:author="a"><w:r><w:t>插入</w:t></w:r></w:ins>'))
    p._p.append(parse_xml(f'<w:r {nsdecls("w")}><w:instrText> PAGE </w:instrText></w:r>'))
    assert _paragraphs(read_docx(_save(d))) == ["可见插入"]


def test_content_controls_and_text_boxes_are_read():
    d = docx.Document()
    body = d.element.body
    sdt = parse_xml(f'<w:sdt {nsdecls("w")}><w:sdtContent><w:p><w:r><w:t>控件里的段落</w:t></w:r></w:p>'
                    '</w:sdtContent></w:sdt>')
    body.insert(0, sdt)
    doc = read_docx(_save(d))
    assert _paragraphs(doc) == ["控件里的段落"]
    assert doc.blocks[0].origin.dom_path == "/w:body/w:sdt[1]/w:sdtContent/w:p[1]"


def test_cell_paragraphs_join_like_the_html_reader():
    d = docx.Document()
    t = d.add_table(rows=1, cols=3)
    t.cell(0, 0).text = "商业"
    t.cell(0, 0).add_paragraph("企业")
    t.cell(0, 1).text = "1"
    t.cell(0, 1).add_paragraph("5")
    t.cell(0, 2).text = "总计"
    t.cell(0, 2).add_paragraph("17")
    assert [c.text for c in _tables(read_docx(_save(d)))[0].rows[0]] == ["商业企业", "15", "总计 17"]


def test_traditional_characters_are_simplified():
    d = docx.Document()
    d.add_paragraph("上海市人力資源和社會保障局2023年政府信息公開工作年度報告")
    d.add_paragraph("本機關認真貫徹落實《條例》，紮實推進政府信息公開工作。")
    doc = read_docx(_save(d))
    assert _paragraphs(doc)[0] == "上海市人力资源和社会保障局2023年政府信息公开工作年度报告"
    assert any("Traditional" in render(n, "en") for n in doc.notes)


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.stem)
def test_template_layout_reads_back_exactly(seed):
    gold = gold_for(seed)
    record = gongkai.parse(render_docx(gold)).to_dict()
    for key in ("agency", "year", "template"):
        assert record[key] == gold[key]
    for table in TABLES:
        assert record[table] == gold[table]
    assert not [f for f in record["findings"] if f["origin"] == "extraction" and f["severity"] != "info"]


@pytest.mark.parametrize("template", ["2021", "2019"])
def test_blank_template_gives_nulls_and_findings_not_numbers(template):
    record = gongkai.parse(render_blank_template_docx(template)).to_dict()
    values = [v for table in TABLES for row in record[table].values() for v in row.values()]
    assert values and all(v is None for v in values)
    assert record["template"] == template
    rules = {f["rule"] for f in record["findings"] if f["origin"] == "extraction"}
    assert rules  # the reader says why the record is empty, it does not invent numbers


def test_damaged_files_give_a_clear_error():
    data = render_docx(gold_for(SEEDS[0]))
    assert sniff(data) == DOCX
    with pytest.raises(ReadError, match="damaged or truncated"):
        read_document(data[: len(data) // 2], "r.docx")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document xmlns:w='http://schemas.openxmlformats.org/wordprocessingml/2006/main'><w:body><w:p>")
    with pytest.raises(ReadError, match="XML error"):
        read_docx(buf.getvalue())
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/other.xml", "<x/>")
    with pytest.raises(ReadError, match="without a Word document part"):
        read_docx(buf.getvalue())


def test_strict_and_template_packages_are_read():
    """A .dotx/.docm main part or Strict OOXML namespaces are still a Word body."""
    data = render_docx(gold_for(SEEDS[1]))
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as out:
        for info in src.infolist():
            blob = src.read(info.filename)
            if info.filename == "[Content_Types].xml":
                blob = blob.replace(b"document.main+xml", b"template.main+xml")
            if info.filename.startswith("word/") and info.filename.endswith(".xml"):
                blob = blob.replace(b"http://schemas.openxmlformats.org/wordprocessingml/2006/main",
                                    b"http://purl.oclc.org/ooxml/wordprocessingml/main")
            out.writestr(info, blob)
    record = gongkai.parse(buf.getvalue()).to_dict()
    gold = gold_for(SEEDS[1])
    assert record["requests"] == gold["requests"]


def test_gold_json_is_untouched_by_rendering():
    gold = gold_for(SEEDS[3])
    before = json.dumps(gold, sort_keys=True)
    render_docx(gold)
    assert json.dumps(gold, sort_keys=True) == before
    assert qn("w:p")  # the namespace helper is importable (python-docx present)
