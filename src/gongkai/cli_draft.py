"""`gongkai draft …` joins the command line here; the commands live in `gongkai.draft.cli`."""
from __future__ import annotations

from .draft.cli import draft_group, register

__all__ = ["draft_group", "register"]
