"""The report record: the project's public data contract (shared/spec/report-json.md, version 1).

`Record.to_dict()` gives exactly the JSON object of the contract; extra keys (`provenance`,
`parser`) are additions the contract allows.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, computed_field

from .i18n import N_, Message, gettext, language, use_language
from .locations import position_words

SCHEMA = "gongkai.report/1"

Number = Union[int, float]
Severity = Literal["error", "warning", "info"]
FindingOrigin = Literal["source", "extraction"]


# How a person reads `severity` and `origin` (the JSON keeps the English values).
SEVERITY_WORDS = {"error": N_("error"), "warning": N_("warning"), "info": N_("info")}
ORIGIN_WORDS = {"source": N_("the report"), "extraction": N_("reading")}


def severity_word(severity: str) -> str:
    """错误 / 警告 / 提示 (error / warning / info) in the current language."""
    return gettext(SEVERITY_WORDS[severity]) if severity in SEVERITY_WORDS else severity


def origin_word(origin: str) -> str:
    """报告本身 / 读取 (the report / reading) in the current language."""
    return gettext(ORIGIN_WORDS[origin]) if origin in ORIGIN_WORDS else origin


class Source(BaseModel):
    path: Optional[str] = None
    sha256: str
    media_type: str


class Finding(BaseModel):
    """Something a reviewer should know: the report is wrong (`source`) or the reading is unsure
    (`extraction`)."""

    model_config = ConfigDict(frozen=True)

    rule: str
    severity: Severity
    origin: FindingOrigin
    message: str
    where: Optional[str] = None
    evidence: Optional[str] = None
    # `message` and `evidence` may be given as i18n Messages: they are rendered in the current
    # language, and kept so the finding can be shown in the other language too (`localized`).
    _texts: dict = PrivateAttr(default_factory=dict)

    def __init__(self, **data: Any):
        texts = {k: data[k] for k in ("message", "evidence") if isinstance(data.get(k), Message)}
        for k, m in texts.items():
            data[k] = m.render()
        super().__init__(**data)
        if texts:
            self._texts = texts

    def text(self, key: str = "message") -> Optional[Message]:
        """The Message behind `message` or `evidence`, when it was made from one."""
        return self._texts.get(key)

    def localized(self, lang: str) -> "Finding":
        """This finding with `message` and `evidence` in `lang` (itself when they are plain text)."""
        if not self._texts:
            return self
        update = {k: m.render(lang) for k, m in self._texts.items()}
        out = self.model_copy(update=update)
        out._texts = self._texts
        return out


class Section(BaseModel):
    number: int
    title: str
    text: str


@dataclass(slots=True, init=False)
class CellSource:
    """Where one table value was read: the raw text and its position in the source.

    A plain dataclass, not a model: a record holds some 200 of them and building them must be cheap.
    `at` (in the JSON too) says the position in words of the current language, made from the
    fields when asked: 第 57 行, 第 3 页, 第二张表 第27行第9列.
    """

    raw: str
    line: Optional[int] = None
    page: Optional[int] = None
    dom_path: Optional[str] = None
    bbox: Optional[tuple[float, float, float, float]] = None
    confidence: Optional[float] = None
    char: Optional[int] = None  # 0-based character offset of the raw text in its line
    label: Optional[str] = None  # the row's label as printed (with any merged group label before it)
    grid: Optional[tuple[int, int, int]] = None  # (table, row, column) where the format has no lines or pages

    # written out, not generated with a __post_init__: a record makes some 200, one call each saved
    def __init__(self, raw: str, line: Optional[int] = None, page: Optional[int] = None,
                 dom_path: Optional[str] = None, bbox: Optional[tuple[float, float, float, float]] = None,
                 confidence: Optional[float] = None, char: Optional[int] = None, label: Optional[str] = None,
                 grid: Optional[tuple[int, int, int]] = None) -> None:
        self.raw = raw
        self.line = line
        self.page = page
        self.dom_path = dom_path
        self.bbox = bbox
        self.confidence = confidence
        self.char = char
        self.label = label
        # read back from JSON, the grid is a list
        self.grid = grid if grid is None or type(grid) is tuple else tuple(grid)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def at(self) -> str:
        """Human-readable position in the current language, e.g. 第 57 行 / line 57."""
        return position_words(self.line, self.char, self.page, self.grid, None, self.confidence, language())

    def location(self) -> Message:
        """`at` as a Message, for findings that must render in either language later."""
        from .locations import position

        return position(self)


@lru_cache(maxsize=1024)
def _split_path(path: str) -> tuple[str, str, str]:
    table, row, field = path.split(".")  # checks ask for the same few hundred paths again and again
    return table, row, field


_EMPTY: dict = {}


class Record(BaseModel):
    """One annual report as data."""

    model_config = ConfigDict(populate_by_name=True)

    schema_: str = Field(default=SCHEMA, alias="schema")
    source: Source
    agency: Optional[str] = None
    year: Optional[int] = None
    template: Optional[Literal["2021", "2019"]] = None
    # the title as printed, the words before part 一, and the ISO date the report was published
    # (the page's 发布日期, the date under the signature, or as given): for the year, title and
    # deadline checks; None when not found
    title: Optional[str] = None
    preamble: Optional[str] = None
    published: Optional[str] = None
    # table -> row -> field -> value (None where blank, a dash, or unreadable)
    active: dict[str, dict[str, Optional[Number]]] = Field(default_factory=dict)
    requests: dict[str, dict[str, Optional[Number]]] = Field(default_factory=dict)
    appeals: dict[str, dict[str, Optional[Number]]] = Field(default_factory=dict)
    sections: list[Section] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    # dotted cell path (e.g. "requests.total.total") -> where it was read
    provenance: dict[str, CellSource] = Field(default_factory=dict)
    parser: dict[str, str] = Field(default_factory=dict)

    def cell(self, path: str) -> Optional[Number]:
        """The value at a dotted path such as ``requests.total.commercial``."""
        table, row, field = _split_path(path)
        return getattr(self, table).get(row, _EMPTY).get(field)

    def cells(self) -> list[tuple[str, Optional[Number]]]:
        """Every table cell as (dotted path, value), in template order."""
        out = []
        for table in ("active", "requests", "appeals"):
            for row, fields in getattr(self, table).items():
                for field, value in fields.items():
                    out.append((f"{table}.{row}.{field}", value))
        return out

    def to_dict(self) -> dict[str, Any]:
        with use_language(language()):  # the language looked up once, not for each cell's `at`
            return self.model_dump(by_alias=True, mode="json", exclude_none=False)

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)
