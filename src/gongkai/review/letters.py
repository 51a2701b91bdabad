"""Feedback letters (审核意见 / 整改通知): one Word document per report, for the body that wrote it.

A letter names the body and year, says 通过 or 需整改 with the counts, lists every finding a
reviewer has not dismissed (message, rule, place in words, the quoted source, what the template or
identity requires and what to correct, the reviewer's note), the report's decision, and draws the
three statutory tables as the template draws them (through `render.layout` and `render.docx`) with
the cells the findings point at shaded. Values a reviewer entered from the original are marked and
footnoted: the record as read is never changed.
"""
from __future__ import annotations

import datetime as _dt
import io
import re
from pathlib import Path
from typing import Optional

from .. import vocabulary as V
from ..i18n import N_, _, language, pgettext
from ..locations import cell_label
from ..render.layout import NULL_TEXT, format_value, layouts_for, requests_layout, table_block

# Cell fills (hex RGB): light red where an error points, yellow for a warning, light blue for a
# value a reviewer entered from the original.
ERROR_FILL = "F4CCCC"
WARNING_FILL = "FFF2CC"
CORRECTED_FILL = "DDEBF7"
CORRECTED_MARK = "※"
_SEVERITY_RANK = {"error": 0, "warning": 1}
# Characters no file system (or Windows) accepts in a name, and control characters.
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
# Name parts kept short enough that the whole name stays under 255 bytes in UTF-8.
_MAX_AGENCY_CHARS = 60


def severity_word(severity: str) -> str:
    words = {"error": pgettext("severity", "error"), "warning": pgettext("severity", "warning"),
             "info": pgettext("severity", "info")}
    return words.get(severity, severity)


def _safe_part(text: str) -> str:
    return _UNSAFE.sub("_", text).strip(" ._") or "_"


def letter_filename(report) -> str:
    """<机关>-<年度>-审核意见.docx, safe on every file system (no separators, bounded length)."""
    agency = _safe_part(report.agency or _("unknown body"))[:_MAX_AGENCY_CHARS]
    year = str(report.year) if report.year is not None else _("unknown year")
    return _safe_part(_("{agency}-{year}-review", agency=agency, year=year)) + ".docx"


def format_date(day: _dt.date) -> str:
    """2026年12月2日 (English: December 2, 2026)."""
    month_name = day.strftime("%B") if language() == "en" else str(day.month)
    return _("{month_name} {day}, {year}", year=day.year, month=day.month, day=day.day, month_name=month_name)


def _rules() -> dict:
    from ..checks.registry import catalogue

    return {r.code: r for r in catalogue()}


# What to correct, by rule family: the message says what is wrong, the rule's summary what the
# template requires; this says what the body does about it.
_ADVICE = {
    "GK1": N_("Check the figures of this table against your records and correct the cells so every row and "
              "column adds up as the template requires."),
    "GK2": N_("Check the case counts against your records and correct them so the results add up to the total."),
    "GK3": N_("Lay the report out as the template does: its six parts, their titles and rows, a number (0 if "
              "none) in every cell."),
    "GK4": N_("Make the text and the tables state the same figures: correct whichever of the two is wrong."),
    "GK5": N_("Say in part 六 whether 信息处理费 was charged, consistently with the tables."),
    "GK6": N_("Correct the year, the title or the publication as the regulations require."),
    "GK9": N_("Compare with the related reports (last year's, the same body's, the area's) and correct the "
              "figures or explain the difference."),
    "reading": N_("This could not be read with certainty: check the published report prints it clearly, one "
                  "number per cell, and correct it if it is wrong."),
}


def advice(rule) -> str:
    family = getattr(rule, "family", None) if rule is not None else None
    msgid = _ADVICE.get(family or "") or _ADVICE.get((rule.code if rule is not None else "")[:3], "")
    return _(msgid) if msgid else _("Check and correct as required above.")


_OTHER_SUB_ROWS = ("other_no_correction", "other_no_fee", "other_other")


def letter_layouts(record) -> list:
    """The three tables in the shape the report printed them: a 2021 report that printed （六）其他处理
    as one row (its three sub-rows empty) is drawn with that row, so its values and the finding
    about it show."""
    layouts = layouts_for(record)
    requests = record.requests or {}
    printed_single = any(v is not None for v in (requests.get("other") or {}).values())
    sub_rows_empty = all(v is None for key in _OTHER_SUB_ROWS for v in (requests.get(key) or {}).values())
    if printed_single and sub_rows_empty:
        layouts[1] = requests_layout(record.template or V.TEMPLATE_2021, single_other=True)
    return layouts


def _cell_marks(report, layouts) -> dict[str, str]:
    """Worst severity per cell path the active findings point at; a finding on a row marks every
    value cell of the row, one on a table or a section marks none."""
    rows: dict[str, list[str]] = {}
    for layout in layouts:
        for path in layout.paths():
            rows.setdefault(path.rsplit(".", 1)[0], []).append(path)
    marks: dict[str, str] = {}
    for reviewed in report.active:
        f = reviewed.finding
        if f.severity not in _SEVERITY_RANK or not f.where:
            continue
        paths = [f.where] if f.where.count(".") == 2 else rows.get(f.where, [])
        for path in paths:
            old = marks.get(path)
            if old is None or _SEVERITY_RANK[f.severity] < _SEVERITY_RANK[old]:
                marks[path] = f.severity
    return marks


def cell_shading(report, layouts: Optional[list] = None) -> dict[str, str]:
    """Record path -> fill colour for the letter's tables (`layouts`: letter_layouts of its record)."""
    layouts = layouts if layouts is not None else letter_layouts(report.corrected_record)
    fills = {path: CORRECTED_FILL for path in report.corrections}
    fills.update({path: ERROR_FILL if severity == "error" else WARNING_FILL
                  for path, severity in _cell_marks(report, layouts).items()})
    return fills


def _title(report) -> str:
    agency = report.agency
    notice = report.errors > 0
    if report.year is None:
        return (_("Rectification notice on the government information disclosure annual report of {agency}", agency=agency)
                if notice else
                _("Review opinion on the government information disclosure annual report of {agency}", agency=agency))
    return (_("Rectification notice on the {year} government information disclosure annual report of {agency}",
              agency=agency, year=report.year) if notice else
            _("Review opinion on the {year} government information disclosure annual report of {agency}",
              agency=agency, year=report.year))


def _tables(report, layouts: list):
    """The three tables as outline blocks of the corrected record, reviewer-entered values marked."""
    blocks = []
    for layout in layouts:
        block = table_block(layout, report.corrected_record, null_text=NULL_TEXT)
        if report.corrections:
            from dataclasses import replace

            rows = tuple(tuple(replace(c, text=c.text + CORRECTED_MARK) if c.path in report.corrections else c
                               for c in row) for row in block.rows)
            block = replace(block, rows=rows)
        blocks.append(block)
    return blocks


def letter_docx(report, *, office: Optional[str] = None, date: Optional[str] = None) -> bytes:
    """The feedback letter for one reviewed report, as .docx bytes (current language)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    from ..ingest.docx import LETTER_CATEGORY
    from ..render.docx import add_table, new_document

    office = office or _("Government information disclosure office")
    date = date or format_date(_dt.date.today())
    rules = _rules()
    document = new_document()
    # marked, so that gongkai refuses to read its own letter as a report
    document.core_properties.category = LETTER_CATEGORY

    def paragraph(text: str = "", *, bold: bool = False, size: float | None = None, align=None,
                  indent: float | None = None, first_line: bool = False):
        p = document.add_paragraph()
        if text:
            run = p.add_run(text)
            run.bold = bold
            if size:
                run.font.size = Pt(size)
        if align is not None:
            p.alignment = align
        if indent:
            p.paragraph_format.left_indent = Pt(indent)
        if first_line:
            p.paragraph_format.first_line_indent = Pt(24)
        p.paragraph_format.space_after = Pt(4)
        return p

    def labelled(label: str, text: str):
        p = paragraph(indent=24)
        p.add_run(label).bold = True
        p.add_run(text)
        return p

    paragraph(office, bold=True, size=16, align=WD_ALIGN_PARAGRAPH.CENTER)
    paragraph(_title(report), bold=True, size=18, align=WD_ALIGN_PARAGRAPH.CENTER)
    paragraph(_("{agency}:", agency=report.agency))
    paragraph(_("We have reviewed your report “{title}”. Our findings follow.", title=layout_title(report)),
              first_line=True)
    if report.file:
        # the file's name only: the reviewer's folders mean nothing to the body
        paragraph(_("File reviewed: {file}", file=Path(report.file).name), first_line=True)
    p = paragraph(first_line=True)
    p.add_run(_("Result: ")).bold = True
    p.add_run(_("{status}. {errors} errors and {warnings} warnings.", status=report.status_word, errors=report.errors,
                warnings=report.warnings))
    if report.decision is not None:
        p = paragraph(first_line=True)
        p.add_run(_("Decision: ")).bold = True
        text = report.decision.word
        if report.decision.note:
            text = _("{text} ({note})", text=text, note=report.decision.note)
        p.add_run(text)

    listed = [r for r in report.active if r.finding.severity in _SEVERITY_RANK]
    paragraph(_("1. Findings"), bold=True)
    if not listed:
        paragraph(_("No errors or warnings were found."), first_line=True)
    for number, reviewed in enumerate(listed, start=1):
        f = reviewed.finding
        rule = rules.get(f.rule)
        p = paragraph(indent=0)
        p.add_run(f"{number}. ").bold = True
        p.add_run(f"[{severity_word(f.severity)}] ").bold = True
        p.add_run(reviewed.message)  # in the letter's language, whatever the report was loaded in
        labelled(_("Rule: "), f"{f.rule}" + (f" {rule.name}" if rule is not None and rule.name != rule.code else ""))
        if reviewed.place:
            labelled(_("Place: "), reviewed.place)
        if reviewed.quote:
            labelled(_("Source: "), reviewed.quote)
        if rule is not None:
            labelled(_("Requirement: "), rule.summary)
        labelled(_("To correct: "), advice(rule))
        if reviewed.decision is not None:
            verdict = reviewed.decision.word
            note = reviewed.decision.note
            labelled(_("Reviewer: "), _("{text} ({note})", text=verdict, note=note) if note else verdict)

    layouts = letter_layouts(report.corrected_record)
    shading = cell_shading(report, layouts)
    paragraph(_("2. The tables as read"), bold=True)
    paragraph(_("Cells shaded light red are those an error points at, yellow those a warning points at; "
                "{mark} marks a value the reviewer entered from the original.", mark=CORRECTED_MARK), first_line=True)
    titles = {number: f"{'一二三四五六'[number - 1]}、{title}" for number, title, _c in V.SECTION_TITLES}
    for layout, block in zip(layouts, _tables(report, layouts)):
        paragraph(titles[layout.section], bold=True).paragraph_format.space_before = Pt(10)
        add_table(document, block, shading=shading)
        for path, correction in report.corrections.items():
            if path in layout.paths():
                note = _("{mark} Corrected by the reviewer: {cell} = {value}", mark=CORRECTED_MARK,
                         cell=cell_label(path), value=format_value(correction.value))
                if correction.note:
                    note = _("{text} ({note})", text=note, note=correction.note)
                paragraph(note, size=9)

    paragraph()
    if report.errors:
        paragraph(_("Please correct the report as set out above and submit it again."), first_line=True)
    else:
        paragraph(_("This is to inform you of the above."), first_line=True)
    paragraph()
    paragraph(office, align=WD_ALIGN_PARAGRAPH.RIGHT)
    paragraph(date, align=WD_ALIGN_PARAGRAPH.RIGHT)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def layout_title(report) -> str:
    """The report's own title as the template words it (data: Chinese in both languages)."""
    from ..render.layout import TITLE, TITLE_NO_YEAR

    if report.year is None:
        return TITLE_NO_YEAR.format(agency=report.agency)
    return TITLE.format(agency=report.agency, year=report.year)


__all__ = ["letter_docx", "letter_filename", "letter_layouts", "cell_shading", "format_date", "severity_word",
           "ERROR_FILL", "WARNING_FILL", "CORRECTED_FILL", "CORRECTED_MARK"]
