"""The review data model: a report as a reviewer sees it, with its decisions and corrections.

Plain dataclasses over `gongkai.record`: `ReviewedReport.record` is the record as read, never
modified; `corrected_record` is a copy with the reviewer's corrections applied, on which the
findings were checked.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Optional, Union

from ..i18n import N_, gettext, language
from ..record import Finding, Record

FINDING_DECISIONS = ("confirmed", "dismissed")  # 确认 / 驳回
REPORT_DECISIONS = ("returned", "approved")  # 退回 / 通过
STATUSES = ("passed", "needs_fixes")

# How a person reads a decision or a status (the store and JSON keep the English values).
DECISION_WORDS = {"confirmed": N_("confirmed"), "dismissed": N_("dismissed"), "returned": N_("returned"),
                  "approved": N_("approved")}
STATUS_WORDS = {"passed": N_("passed"), "needs_fixes": N_("needs fixes")}
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def decision_word(kind: Optional[str]) -> str:
    """确认 / 驳回 / 退回 / 通过 in the current language ('' for no decision)."""
    if not kind:
        return ""
    return gettext(DECISION_WORDS[kind]) if kind in DECISION_WORDS else kind


def status_word(status: str) -> str:
    """通过 / 需整改 in the current language."""
    return gettext(STATUS_WORDS[status]) if status in STATUS_WORDS else status


@dataclass(frozen=True)
class Decision:
    kind: str  # one of FINDING_DECISIONS or REPORT_DECISIONS
    note: Optional[str]
    reviewer: Optional[str]
    decided_at: datetime
    report_id: Optional[str] = None  # a report decision: the version it was made on

    @property
    def word(self) -> str:
        return decision_word(self.kind)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "note": self.note, "reviewer": self.reviewer,
                "decided_at": self.decided_at.isoformat(timespec="seconds") if self.decided_at else None,
                "report_id": self.report_id}


@dataclass(frozen=True)
class Correction:
    """A reviewer's value for one cell (`value` None: the cell should be empty); origin reviewer."""

    path: str
    value: Union[int, float, None]
    note: Optional[str]
    reviewer: Optional[str]
    corrected_at: datetime
    origin: str = "reviewer"

    def to_dict(self) -> dict:
        return {"path": self.path, "value": self.value, "note": self.note, "reviewer": self.reviewer,
                "origin": self.origin,
                "corrected_at": self.corrected_at.isoformat(timespec="seconds") if self.corrected_at else None}


@dataclass
class ReviewedFinding:
    finding: Finding  # message in the language it was loaded in (`message`: in the current one)
    fingerprint: str  # 16 hex chars, stable across files of the same body and year (fingerprint.py)
    decision: Optional[Decision]
    place: str  # where, in words: table, row, column; page or line
    quote: Optional[str]  # the source text at that place, if known

    @property
    def message(self) -> str:
        """The finding's message in the current language (a letter or summary may be written in
        another language than the reports were loaded in)."""
        return self.finding.localized(language()).message

    @property
    def dismissed(self) -> bool:
        return self.decision is not None and self.decision.kind == "dismissed"

    @property
    def confirmed(self) -> bool:
        return self.decision is not None and self.decision.kind == "confirmed"

    def to_dict(self) -> dict:
        """The finding as in the record's JSON, with its fingerprint, place, quote and decision."""
        return {"fingerprint": self.fingerprint, **self.finding.model_dump(mode="json"), "place": self.place,
                "quote": self.quote, "decision": self.decision.to_dict() if self.decision else None,
                "dismissed": self.dismissed}


@dataclass
class ReviewedReport:
    record: Record  # as read (never modified)
    report_id: Optional[str]  # the store's report id (None when read from a file)
    agency_key: Optional[str]
    agency: str  # the name for people
    year: Optional[int]
    file: Optional[str]  # the source file
    findings: list[ReviewedFinding]  # all findings (dismissed too): errors first, then warnings, info
    corrections: dict[str, Correction] = field(default_factory=dict)  # path -> the latest correction
    decision: Optional[Decision] = None  # the report's 退回 / 通过
    corrected_record: Optional[Record] = None  # the record with corrections applied; findings checked on it

    def __post_init__(self) -> None:
        if self.corrected_record is None:
            self.corrected_record = self.record

    @property
    def decision_on_earlier_version(self) -> bool:
        """The report's 退回 / 通过 was made on an earlier version (before a resubmission)."""
        return (self.decision is not None and self.decision.report_id is not None and self.report_id is not None
                and self.decision.report_id != self.report_id)

    @property
    def active(self) -> list[ReviewedFinding]:
        """The findings not dismissed."""
        return [f for f in self.findings if not f.dismissed]

    @property
    def dismissed(self) -> list[ReviewedFinding]:
        return [f for f in self.findings if f.dismissed]

    @property
    def errors(self) -> int:
        return sum(1 for f in self.active if f.finding.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.active if f.finding.severity == "warning")

    @property
    def infos(self) -> int:
        return sum(1 for f in self.active if f.finding.severity == "info")

    @property
    def status(self) -> str:
        """passed (no active error) | needs_fixes."""
        return "needs_fixes" if self.errors else "passed"

    @property
    def status_word(self) -> str:
        return status_word(self.status)

    def finding(self, fingerprint: str) -> Optional[ReviewedFinding]:
        return next((f for f in self.findings if f.fingerprint == fingerprint), None)

    def to_dict(self) -> dict:
        """For scripts (`gongkai review list --format json`): English keys and values, messages in
        the current language."""
        return {"report_id": self.report_id, "agency": self.record.agency, "agency_key": self.agency_key,
                "year": self.year, "file": self.file, "status": self.status, "errors": self.errors,
                "warnings": self.warnings, "decision": self.decision.to_dict() if self.decision else None,
                "corrections": [c.to_dict() for c in self.corrections.values()],
                "findings": [f.to_dict() for f in self.findings]}


@dataclass
class Unreadable:
    """An input that gave no report: the file and why, for a person."""

    file: str
    reason: str


__all__ = ["FINDING_DECISIONS", "REPORT_DECISIONS", "STATUSES", "Decision", "Correction", "ReviewedFinding",
           "ReviewedReport", "Unreadable", "decision_word", "status_word", "SEVERITY_ORDER"]
