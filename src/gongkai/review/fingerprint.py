"""A finding's fingerprint: stable across files of the same body and year.

It hashes the body (the store's agency key, so 静安区人社局 and 上海市静安区人力资源和社会保障局 are
one), the year, the rule, the place (`where`) and which occurrence of that rule at that place it is
— not the file's hash nor the message's wording: a corrected resubmission keeps the fingerprints,
and the decisions, of the findings it did not change. The same formula runs in SQL
(`SQL_FINGERPRINT`) so the store can find a finding by its fingerprint.
"""
from __future__ import annotations

import hashlib
from typing import Optional

from ..record import Record

LENGTH = 16


def _text(agency: Optional[str], year: Optional[int], rule: str, where: Optional[str], occurrence: int) -> str:
    return "|".join((agency or "", "" if year is None else str(year), rule, where or "", str(occurrence)))


def fingerprint(agency: Optional[str], year: Optional[int], rule: str, where: Optional[str],
                occurrence: int = 0) -> str:
    """16 hex characters. `agency`: the agency key (or the name when the body has no key)."""
    return hashlib.sha256(_text(agency, year, rule, where, occurrence).encode("utf-8")).hexdigest()[:LENGTH]


def agency_key_of(record: Record) -> Optional[str]:
    """The store's key of the record's body (the name itself when it cannot be keyed)."""
    if not record.agency:
        return None
    from ..store.agencies import normalise

    hints = " ".join(s.text for s in record.sections[:2])  # as the store keys it (store/prepare.py)
    agency = normalise(record.agency, hints)
    return agency.key if agency is not None else record.agency


def fingerprints(record: Record, agency_key: Optional[str] = None, findings=None) -> list[str]:
    """One fingerprint per finding of `record` (or of `findings`), in the same order."""
    key = agency_key if agency_key is not None else agency_key_of(record)
    seen: dict[tuple, int] = {}
    out = []
    for f in record.findings if findings is None else findings:
        n = seen.get((f.rule, f.where), 0)
        seen[(f.rule, f.where)] = n + 1
        out.append(fingerprint(key, record.year, f.rule, f.where, n))
    return out


# The same fingerprint over the store's `findings` joined with `reports` (aliases f and r); the
# occurrence counts the report's findings with the same rule and place, own findings first.
SQL_FINGERPRINT = """substr(sha256(concat_ws('|', coalesce(r.agency_key, ''), coalesce(CAST(r.year AS VARCHAR), ''),
    f.rule, coalesce(f.where_path, ''),
    CAST(row_number() OVER (PARTITION BY f.report_id, f.rule, f.where_path
                            ORDER BY f.scope DESC, f.seq) - 1 AS VARCHAR))), 1, 16)"""

__all__ = ["fingerprint", "fingerprints", "agency_key_of", "SQL_FINGERPRINT", "LENGTH"]
