"""Document -> Record: metadata, the three tables, the sections, and what could not be read."""
from __future__ import annotations

from typing import NamedTuple

from .. import __name__ as _package
from ..document import Document
from ..gc_pause import collector_paused
from ..i18n import Message, lazy
from ..ingest import ReadError
from ..record import Finding, Record, Source
from ..vocabulary import (
    ACTIVE_ROWS_2019, ACTIVE_ROWS_2021, REQUESTS_TABLE_CUES, TEMPLATE_2019, normalize_label,
)
from . import narrative
from .atoms import Atom, atoms_of
from .metadata import detect_template, find_agency, find_sections, find_title, find_year
from .tables import find_requests_start, read_active, read_appeals, read_requests

PARSER_VERSION = "0.1.0"


class NotAReport(ReadError):
    """The input was read, but holds no annual report."""

_ACTIVE_START_CUES = ("第二十条", "主动公开政府信息情况")
# The first year a national template covers (国办公开办函〔2019〕60号, reports for 2019 on).
FIRST_TEMPLATE_YEAR = 2019


def extract(document: Document) -> Record:
    return read_record(document).record


class Reading(NamedTuple):
    """A record and what it was read from: the document's plain text, its lines (a title set over
    two lines joined, see `find_title`) and the title's line, for `parse_bytes` to read the title,
    preamble and publication date from without making them again."""

    record: Record
    text: str
    lines: list[str]
    title: int | None


def read_record(document: Document) -> Reading:
    with collector_paused():  # (see gc_pause: extraction makes no cycles, only many small objects)
        return _read_record(document)


def _read_record(document: Document) -> Reading:
    atoms = atoms_of(document)
    text = document.plain_text()
    lines = text.split("\n")
    findings: list[Finding] = [
        Finding(rule="reader-note", severity="info", origin="extraction", message=note, where=None, evidence=None)
        for note in document.notes
    ]
    template = detect_template(text)
    title = find_title(lines)
    agency = find_agency(lines, title)
    year = find_year(lines, title, text)
    if agency is None:
        findings.append(_missing("agency-not-found",
                                 lazy("the reporting body's name was not found (title, preamble or signature)"),
                                 "agency"))
    if year is None:
        findings.append(_missing("year-not-found", lazy("the report's year was not found"), "year"))
    if template is None:
        findings.append(_missing("template-unknown",
                                 lazy("the tables follow neither the 2021 nor the 2019 template's headers"),
                                 "template"))

    requests_start = find_requests_start(atoms)
    if requests_start is None and title is None and template is None:
        raise NotAReport(lazy("no annual report found in it: no report title (…政府信息公开工作年度报告) "
                              "and none of the statutory tables"))
    use_2019 = template == TEMPLATE_2019 or (template is None and year is not None and year <= 2020)
    active_rows = ACTIVE_ROWS_2019 if use_2019 else ACTIVE_ROWS_2021
    if year is not None and year < FIRST_TEMPLATE_YEAR and not any(c in text for c in REQUESTS_TABLE_CUES):
        # Reports before 2019 follow no national template: their tables are the body's own, and
        # reading them as the template's would give numbers no cell means. (Template words in
        # their text, such as 其他对外管理服务事项, name no template.)
        template = None
        findings = [f for f in findings if f.rule != "template-unknown"]
        findings.append(Finding(rule="predates-templates", severity="info", origin="extraction",
                                message=lazy("this report ({year}) predates the national templates (2019 and "
                                             "2021); its tables are not read or checked", year=year),
                                where="template", evidence=None))
        # no template, so no template's tables: nothing to read, nothing to check
        return Reading(_record(document, agency, year, None, {}, {}, {}, text, findings, {}), text, lines, title)
    active_start = _active_start(atoms, requests_start)
    if active_start is None:
        active = {s.key: {f: None for f in s.fields} for s in active_rows}
        active_prov: dict = {}
        findings.append(_missing("table-not-found",
                                 lazy("the Article 20 table (二、主动公开政府信息情况) was not found"), "active"))
    else:
        active, active_prov, f_active = read_active(
            atoms, active_start, requests_start if requests_start is not None else len(atoms), active_rows,
            narrative=_Narrative(text).decide)
        findings += f_active
    requests, req_prov, f_req, after_requests = read_requests(atoms, TEMPLATE_2019 if use_2019 else template, requests_start)
    findings += f_req
    appeals, app_prov, f_app = read_appeals(atoms, after_requests)
    findings += f_app
    record = _record(document, agency, year, template, active, requests, appeals, text, findings,
                     {**active_prov, **req_prov, **app_prov})
    return Reading(record, text, lines, title)


def _record(document: Document, agency, year, template, active, requests, appeals, text: str,
            findings: list[Finding], provenance: dict) -> Record:
    # built, not validated: every value is the extractor's own (ints, floats, None, CellSources),
    # and validating some 250 cells and 200 sources cost a twentieth of a text report's parse
    return Record.model_construct(
        source=Source(path=None, sha256="", media_type=document.media_type),
        agency=agency,
        year=year,
        template=template,
        active=active,
        requests=requests,
        appeals=appeals,
        sections=find_sections(text),
        findings=findings,
        provenance=provenance,
        parser={"name": _package, "version": PARSER_VERSION},
    )


class _Narrative:
    """What the text states about a row, for rows whose digits only the text decides: the text is
    cut into sentences once, when the first such row asks."""

    def __init__(self, text: str):
        self.text = text
        self.sentences: list[str] | None = None

    def decide(self, row: str, fields, candidates: list[tuple]):
        if self.sentences is None:
            self.sentences = narrative.sentences_of(self.text)
        return narrative.decide(self.text, row, fields, candidates, self.sentences)


def _active_start(atoms: list[Atom], end: int | None) -> int | None:
    stop = end if end is not None else len(atoms)
    for cue in _ACTIVE_START_CUES:
        for i in range(stop):
            a = atoms[i]
            if a.kind == "label" and cue in normalize_label(a.text):
                return i
    return None


def _missing(rule: str, message: Message, where: str) -> Finding:
    return Finding(rule=rule, severity="warning", origin="extraction", message=message, where=where, evidence=None)


__all__ = ["extract", "NotAReport", "PARSER_VERSION"]
