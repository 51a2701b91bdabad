"""A reviewer's work on reports: findings with stable fingerprints, decisions on findings and
reports, corrections of cells, and the reports as a reviewer sees them (`inbox`).

The record as read is never changed: decisions and corrections are layers kept in the store
beside it (tables `finding_decisions`, `report_decisions`, `corrections`), and a report is shown
with them applied (`inbox.review_record`).
"""
from .model import (FINDING_DECISIONS, REPORT_DECISIONS, Correction, Decision, ReviewedFinding, ReviewedReport,
                    Unreadable)

__all__ = ["FINDING_DECISIONS", "REPORT_DECISIONS", "Correction", "Decision", "ReviewedFinding", "ReviewedReport",
           "Unreadable"]
