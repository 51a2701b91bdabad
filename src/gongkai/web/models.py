"""Response shapes of the JSON API (they make /docs and the OpenAPI schema say what comes back).

The record itself is the project's JSON contract (`gongkai.report/1`, see the spec); here it is an
open object so the API never drifts from `gongkai.record.Record`.
"""
from __future__ import annotations

from typing import Any, Optional, Union

from pydantic import BaseModel, Field

Record = dict[str, Any]
Number = Union[int, float]  # counts stay integers in JSON; money may be decimal


class Counts(BaseModel):
    error: int = 0
    warning: int = 0
    info: int = 0


class FindingView(BaseModel):
    n: int
    id: str = Field(description="HTML id of the finding in the check page (`f3`)")
    rule: Optional[str] = None
    severity: Optional[str] = None
    origin: Optional[str] = None
    message: Optional[str] = None
    where: Optional[str] = None
    where_text: Optional[str] = Field(None, description="`where` in the template's words, in the request's language")
    evidence: Optional[str] = None
    rule_summary: Optional[str] = None
    cells: list[str] = Field(default_factory=list, description="record paths of the table cells it marks")
    table: Optional[str] = None
    anchor: Optional[str] = Field(None, description="HTML id to link to (a cell or a table)")


class TableCellView(BaseModel):
    text: str
    rowspan: int = 1
    colspan: int = 1
    header: bool = False
    path: Optional[str] = None
    id: Optional[str] = None
    value: Optional[Number] = None
    status: Optional[str] = Field(None, description="worst severity of the findings on this cell")
    findings: list[str] = Field(default_factory=list)
    messages: list[str] = Field(default_factory=list)
    raw: Optional[str] = None
    at: Optional[str] = None
    where_text: Optional[str] = Field(None, description="the cell in the template's words")
    source_line: Optional[int] = None
    other: Optional[Number] = None
    changed: Optional[bool] = None


class TableView(BaseModel):
    key: str
    id: str
    title: str
    width: int
    rows: list[list[TableCellView]]
    findings: list[str] = Field(default_factory=list)
    status: Optional[str] = None


class SourceSegment(BaseModel):
    text: str
    cells: list[str] = Field(default_factory=list)


class SourceLine(BaseModel):
    n: int
    page: Optional[int] = None
    segments: list[SourceSegment]


class CheckSummary(BaseModel):
    id: str
    name: str
    agency: Optional[str] = None
    year: Optional[int] = None
    template: Optional[str] = None
    media_type: str = ""
    counts: Counts


class CheckResult(BaseModel):
    summary: CheckSummary
    record: Record = Field(description="the record, JSON contract gongkai.report/1")
    findings: list[FindingView]
    tables: list[TableView]
    source: Optional[list[SourceLine]] = Field(None, description="the text as read (with `?source=true`)")
    source_truncated: bool = False
    links: dict[str, str]


class LayoutCell(BaseModel):
    text: str
    rowspan: int
    colspan: int
    path: Optional[str] = None
    header: bool


class LayoutTable(BaseModel):
    key: str
    title: str
    section: int
    width: int
    rows: list[list[LayoutCell]]


class RuleInfo(BaseModel):
    code: str
    name: str
    summary: str
    severity: str
    origin: str
    doc: str


class ReportSummary(BaseModel):
    id: str
    agency: Optional[str] = None
    year: Optional[int] = None
    region: Optional[str] = None
    template: Optional[str] = None
    source: Optional[str] = None
    body: Optional[str] = Field(None, description="the body's id for /api/bodies/{agency}")
    counts: Counts
    requests_total: Optional[Number] = Field(None, description="三（七）总计 总计")


class ReportList(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[ReportSummary]


class FacetValue(BaseModel):
    value: Any
    count: int
    label: Optional[str] = None
    level: Optional[str] = Field(None, description="regions: province | city | county")


class Facets(BaseModel):
    years: list[FacetValue]
    regions: list[FacetValue]
    agencies: list[FacetValue]
    rules: list[FacetValue]


class Series(BaseModel):
    name: str
    key: Optional[str] = None
    kind: Optional[str] = Field(None, description="draw this series differently (`line` over stacked bars)")
    color: Optional[str] = Field(None, description="a fixed colour where it means something (red: errors)")
    data: list[Optional[Number]]


class Chart(BaseModel):
    id: str
    title: str
    kind: str = Field(description="bar | stacked | line | hbar")
    categories: list[str]
    series: list[Series]


class BodyYear(BaseModel):
    id: str
    year: Optional[int]
    label: str
    counts: Counts


class BodyRow(BaseModel):
    path: str
    table: str
    label: str
    values: list[Optional[Number]] = Field(description="per year, the value as read")
    corrected: list[bool] = Field(default_factory=list,
                                  description="per year, whether a reviewer corrected the cell (`corrections`)")
    corrections: list[Optional[Number]] = Field(default_factory=list,
                                                description="per year, the reviewer's value where `corrected`")


class BodyPage(BaseModel):
    id: str
    agency: str
    region: Optional[str] = None
    reports: int = Field(description="the body's reports in the store; `years` shows the latest of them "
                                     "(at most 20)")
    years: list[BodyYear]
    rows: list[BodyRow] = Field(description="key cells, one value per year (same order as `years`)")
    charts: list[Chart]


class BodySummary(BaseModel):
    id: str = Field(description="the store's agency key (region code and body), or the name")
    agency: str
    region: Optional[str] = None
    years: list[int]
    reports: int


class BodyList(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[BodySummary]


class Overview(BaseModel):
    reports: int
    bodies: int
    years: list[int]
    charts: list[Chart]


class CellDiff(BaseModel):
    path: str
    label: str
    a: Optional[Number] = None
    b: Optional[Number] = None


class Comparison(BaseModel):
    a: ReportSummary
    b: ReportSummary
    differences: list[CellDiff]
    tables_a: list[TableView]
    tables_b: list[TableView]


class Health(BaseModel):
    ok: bool
    version: str
    store: Optional[str] = None
    reports: Optional[int] = None
