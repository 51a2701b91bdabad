"""Text from a report made safe to print on a terminal.

A report is untrusted text: an agency name may carry `ESC ] 2 ; … BEL` (retitles the window),
`ESC [ 8 m` (hides what follows), a carriage return that overwrites the start of a line, or a
bidirectional override that shows 17 as 71. `terminal_safe` turns every such character into a
visible escape (`\\x1b`, `\\u202e`), so what a person sees is what the file says.
"""
from __future__ import annotations

import re

# C0 controls but tab and line feed, DEL, C1 controls; bidirectional embeddings, overrides and
# isolates; the line and paragraph separators (a terminal may break the line there).
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
_UNSAFE_ONE_LINE = re.compile(_UNSAFE.pattern[:-1] + "\t\n]")


def _visible(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_safe(text: object, *, one_line: bool = False) -> str:
    """`text` (anything; None gives '') with every control character shown as an escape.

    Tabs and line breaks are kept unless `one_line`, where they are escaped too (a field printed
    on one line, such as a file name or a cell, must not be able to start a fake line)."""
    if text is None:
        return ""
    s = str(text)
    pattern = _UNSAFE_ONE_LINE if one_line else _UNSAFE
    return pattern.sub(_visible, s) if pattern.search(s) else s


__all__ = ["terminal_safe"]
