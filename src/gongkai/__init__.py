"""gongkai: read, check, store and compare government information-disclosure annual reports.

>>> from gongkai import parse
>>> record = parse("report.html")          # a path, bytes, or the text itself
>>> record.requests["total"]["total"]
"""
from __future__ import annotations

from .api import parse, parse_bytes
from .record import Finding, Record, Section, Source

__version__ = "0.1.0"
__all__ = ["parse", "parse_bytes", "Record", "Finding", "Section", "Source", "__version__"]
