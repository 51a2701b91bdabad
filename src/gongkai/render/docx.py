"""Records -> Word: DOCX in the template's merged-cell layout, and from it DOC and PDF (LibreOffice).

These are the fixtures that prove each reader gets a report back exactly as printed, and the
files a user can hand to a colleague. The report's structure (title, sections, the three tables
with their merges) comes from `gongkai.render.layout.outline`; this module only draws it.

Needs python-docx (extra `docx`); DOC and PDF need LibreOffice.
"""
from __future__ import annotations

import io
import re
from typing import Any, Mapping, Sequence
from xml.sax.saxutils import escape

from .layout import NULL_TEXT, OutlineBlock, outline

# Widths in twentieths of a point (dxa) for an A4 page with 2.2 cm margins (≈ 9325 dxa text).
_TEXT_WIDTH = 9300
# Per-table column widths (dxa): label columns wide enough for the template's long labels.
_COLUMN_WIDTHS: dict[str, list[int]] = {
    "active": [2700, 2200, 2200, 2200],
    "requests": [700, 900, 2500] + [740] * 7,
    "appeals": [620] * 15,
}
# A place in a draft where the body writes its own words, e.g. 【待填写：存在的主要问题】.
_TO_FILL = re.compile(r"(【待填写[^】]*】)")
BODY_FONT = "宋体"  # what reports use; LibreOffice substitutes an installed CJK font
LATIN_FONT = "Times New Roman"


def _docx():
    try:
        import docx  # noqa: F401
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise RuntimeError("rendering DOCX needs python-docx: pip install 'gongkai[office]'") from e
    return docx


def render_docx(record: Any, *, null_text: str = NULL_TEXT, filler: int = 0,
                numbered_headings: bool = False, blank: bool = False) -> bytes:
    """A whole report for `record` (a Record or gold/record dict) as a .docx.

    The tables have the template's merged cells (real `gridSpan`/`vMerge`). `filler` adds that
    many narrative paragraphs to section 一 so the tables start lower and cross a page break.
    `numbered_headings` makes the section numbers (一、…) Word list numbering instead of typed
    text. `blank` leaves every value cell empty (the blank template as issued).
    """
    blocks = outline(record, null_text="" if blank else null_text)
    return docx_from_outline(blocks, filler=filler, numbered_headings=numbered_headings)


def new_document():
    """An empty A4 python-docx Document with the reports' page margins and body font."""
    docx = _docx()
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2.2))
    section.top_margin, section.bottom_margin = Cm(2.5), Cm(2.5)
    normal = document.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(12)
    rfonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    rfonts.set(qn("w:eastAsia"), BODY_FONT)
    return document


def docx_from_outline(blocks: Sequence[OutlineBlock], *, filler: int = 0, numbered_headings: bool = False,
                      shading: Mapping[str, str] | None = None) -> bytes:
    """Outline blocks (title, headings, paragraphs, tables, signature) as a .docx. Text marked
    【待填写…】 (a place the body writes its own words) is highlighted. `shading` fills value cells
    by record path ({"requests.total.total": "F4CCCC"}: hex RGB)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
    from docx.shared import Pt

    document = new_document()
    num_id = _heading_numbering(document) if numbered_headings else None

    def paragraph(text: str, *, size: float | None = None, bold: bool = False, align=None,
                  indent: bool = False):
        p = document.add_paragraph()
        for piece in _TO_FILL.split(text):
            if not piece:
                continue
            run = p.add_run(piece)
            run.bold = bold
            if size:
                run.font.size = Pt(size)
            if _TO_FILL.fullmatch(piece):
                run.font.highlight_color = WD_COLOR_INDEX.YELLOW
        if align is not None:
            p.alignment = align
        if indent:
            p.paragraph_format.first_line_indent = Pt(24)
        p.paragraph_format.space_after = Pt(4)
        return p

    headings = 0
    for block in blocks:
        if block.kind == "title":
            paragraph(block.text, size=20, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
        elif block.kind == "heading":
            text = block.text
            if num_id is not None:
                text = text.split("、", 1)[-1]
            headings += 1
            p = paragraph(text, bold=True, indent=num_id is None)
            if num_id is not None:
                _number(p, num_id)
        elif block.kind == "paragraph":
            paragraph(block.text, indent=True)
            if headings == 1:  # section 一's text: the filler goes here, before any table
                for i in range(filler):
                    paragraph(_FILLER[i % len(_FILLER)], indent=True)
                filler = 0
        elif block.kind == "signature":
            paragraph(block.text, align=WD_ALIGN_PARAGRAPH.RIGHT)
        elif block.kind == "table":
            add_table(document, block, shading=shading)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def render_blank_template_docx(template: str = "2021") -> bytes:
    """The template's three tables with every value cell empty, as a report would start."""
    return render_docx({"template": template, "agency": None, "year": None}, blank=True)


_FILLER = (
    "一是加强组织领导。将政府信息公开工作纳入年度工作要点，明确分管领导和具体经办人员，"
    "健全信息发布、保密审查和政策解读工作机制，确保公开工作有序推进。",
    "二是规范公开流程。严格执行信息公开属性源头认定和保密审查制度，对拟公开的信息逐条审核，"
    "做到应公开尽公开，不应公开的不公开，防止泄密和侵犯个人隐私。",
    "三是丰富公开载体。依托门户网站、政务新媒体和政务服务大厅等渠道及时发布政策文件、"
    "工作动态和办事指南，方便公众查询和获取。",
    "四是强化政策解读。围绕重要政策文件同步开展图文解读和问答解读，回应社会关切，"
    "增强政策的知晓度和可及性。",
)


def add_table(document, block: OutlineBlock, *, shading: Mapping[str, str] | None = None) -> None:
    """Append the table to `document` as Word writes a merged-cell table: `w:gridSpan` for column
    spans, `w:vMerge` restart/continue cells for row spans. Built as XML directly: python-docx's
    `cell.merge` recomputes the whole grid on every call and takes seconds for the request table.
    Value cells whose record path is in `shading` get that fill (`w:shd`, hex RGB)."""
    from docx.oxml import parse_xml

    layout = block.table
    assert layout is not None
    widths = _COLUMN_WIDTHS.get(layout.key) or [_TEXT_WIDTH // layout.width] * layout.width
    starts = {(r, c): cell for r, c, cell in _placements(layout, block.rows)}
    # (row, column) covered by a row span from above -> the owner's column span
    continued: dict[tuple[int, int], int] = {}
    for (r, c), cell in starts.items():
        for dr in range(1, cell.rowspan):
            continued[(r + dr, c)] = cell.colspan
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    out = [f"<w:tbl {w}><w:tblPr><w:tblStyle w:val=\"TableGrid\"/><w:tblW w:w=\"{sum(widths)}\" w:type=\"dxa\"/>"
           "<w:jc w:val=\"center\"/><w:tblBorders>"
           + "".join(f"<w:{side} w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/>"
                     for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
           + "</w:tblBorders><w:tblLayout w:type=\"fixed\"/></w:tblPr><w:tblGrid>"
           + "".join(f"<w:gridCol w:w=\"{x}\"/>" for x in widths) + "</w:tblGrid>"]
    for r in range(len(layout.rows)):
        # rows stay whole on a page (Word: "allow row to break across pages" off)
        out.append("<w:tr><w:trPr><w:cantSplit/></w:trPr>")
        c = 0
        while c < layout.width:
            if (r, c) in continued:
                span = continued[(r, c)]
                out.append(_tc(sum(widths[c:c + span]), span, "continue", "", False))
                c += span
                continue
            cell = starts.get((r, c))
            if cell is None:  # cannot happen with a well-formed layout; keep the grid whole
                out.append(_tc(widths[c], 1, None, "", False))
                c += 1
                continue
            bold = cell.header and r == 0 and layout.key != "requests"
            fill = shading.get(cell.path) if shading and cell.path else None
            out.append(_tc(sum(widths[c:c + cell.colspan]), cell.colspan,
                           "restart" if cell.rowspan > 1 else None, escape(cell.text), bold, fill))
            c += cell.colspan
        out.append("</w:tr>")
    out.append("</w:tbl>")
    body = document.element.body
    body.insert(len(body) - 1, parse_xml("".join(out)))  # before the final sectPr


def _tc(width: int, span: int, vmerge: str | None, text: str, bold: bool, fill: str | None = None) -> str:
    props = f"<w:tcW w:w=\"{width}\" w:type=\"dxa\"/>"
    if span > 1:
        props += f"<w:gridSpan w:val=\"{span}\"/>"
    if vmerge == "restart":
        props += "<w:vMerge w:val=\"restart\"/>"
    elif vmerge == "continue":
        props += "<w:vMerge/>"
    if fill:
        props += f"<w:shd w:val=\"clear\" w:color=\"auto\" w:fill=\"{escape(fill)}\"/>"
    props += "<w:vAlign w:val=\"center\"/>"
    run = ""
    if text:
        rpr = "<w:rPr>" + ("<w:b/>" if bold else "") + "<w:sz w:val=\"21\"/><w:szCs w:val=\"21\"/></w:rPr>"
        run = f"<w:r>{rpr}<w:t xml:space=\"preserve\">{text}</w:t></w:r>"
    return (f"<w:tc><w:tcPr>{props}</w:tcPr><w:p><w:pPr><w:spacing w:after=\"0\"/><w:jc w:val=\"center\"/></w:pPr>"
            f"{run}</w:p></w:tc>")


def _placements(layout, rows) -> list[tuple[int, int, Any]]:
    """(row, column, filled cell): the layout's placements with the filled rows' text."""
    texts = [cell for row in rows for cell in row]
    out = []
    for (r, c, _), cell in zip(layout.placements(), texts):
        out.append((r, c, cell))
    return out


def _heading_numbering(document) -> int:
    """Add a chineseCounting list ("一、") to the document's numbering part; returns its numId."""
    from docx.oxml import parse_xml

    numbering = document.part.numbering_part.element
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    abstract = parse_xml(
        f'<w:abstractNum {w} w:abstractNumId="90"><w:multiLevelType w:val="singleLevel"/>'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>'
        '<w:lvlText w:val="%1、"/><w:lvlJc w:val="left"/>'
        '<w:pPr><w:ind w:left="0" w:firstLine="480"/></w:pPr></w:lvl></w:abstractNum>')
    num = parse_xml(f'<w:num {w} w:numId="90"><w:abstractNumId w:val="90"/></w:num>')
    # abstractNum elements must precede num elements
    first_num = numbering.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}num")
    if first_num is not None:
        first_num.addprevious(abstract)
    else:
        numbering.append(abstract)
    numbering.append(num)
    return 90


def _number(paragraph, num_id: int) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    p_pr = paragraph._p.get_or_add_pPr()
    num_pr = OxmlElement("w:numPr")
    ilvl = OxmlElement("w:ilvl")
    ilvl.set(qn("w:val"), "0")
    num = OxmlElement("w:numId")
    num.set(qn("w:val"), str(num_id))
    num_pr.append(ilvl)
    num_pr.append(num)
    p_pr.insert(0, num_pr)


# --- LibreOffice -------------------------------------------------------------
def docx_to(docs: Sequence[bytes], target: str) -> list[bytes]:
    """DOCX bytes -> `target` ('doc', 'pdf') with LibreOffice, all in one soffice run."""
    from ..ingest.office import convert

    filters = {"doc": "doc:MS Word 97", "pdf": "pdf:writer_pdf_Export"}
    return convert([(f"r{i}.docx", d) for i, d in enumerate(docs)], filters.get(target, target))


def render_doc(record: Any, **kwargs) -> bytes:
    return docx_to([render_docx(record, **kwargs)], "doc")[0]


def render_pdf(record: Any, **kwargs) -> bytes:
    return docx_to([render_docx(record, **kwargs)], "pdf")[0]


__all__ = ["render_docx", "docx_from_outline", "new_document", "add_table", "render_blank_template_docx", "render_doc", "render_pdf", "docx_to"]
