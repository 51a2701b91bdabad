"""Which files of a folder, glob or list are reports: shared by `gongkai check` and `gongkai ingest`.

Files named on the command line are always taken (if they are regular files); in folders (searched
recursively) and globs only files with a report extension, less the files corpora carry beside
reports (README, gold, hidden). Every path met and not taken is given back with the reason, so
nothing is skipped in silence.
"""
from __future__ import annotations

import fnmatch
import glob
import os
import re
from typing import Iterable, NamedTuple, Optional

from .i18n import _

# What the readers can take (gongkai.ingest.READERS: text, HTML, PDF, Word, the drafting workbook,
# PNG/JPEG scans); other files in a folder are listed as skipped, not read and refused.
REPORT_EXTENSIONS = frozenset({
    ".txt", ".text", ".md", ".markdown", ".htm", ".html", ".shtml", ".xhtml", ".pdf", ".doc", ".docx", ".wps",
    ".xlsx", ".png", ".jpg", ".jpeg",
})
# Files corpora carry beside the reports; skipped in folders and globs (named files are always read).
DEFAULT_EXCLUDES = ("README*", "readme*", "LICENSE*", "CHANGELOG*", "provenance.txt", "*.gold.*", "gold.json", ".*")


class ListedURL(NamedTuple):
    """A line of an ingest list: a report's URL and, when the list gives it, the date it was
    published (ISO), which the portal's listing often shows and a PDF never does."""
    url: str
    published: Optional[str] = None


def _not_regular(path: str) -> Optional[str]:
    """Why a path that exists is no file to read (a FIFO would block a reader forever), or None."""
    import stat


    try:
        st = os.stat(path)
    except FileNotFoundError:
        return _("a broken symbolic link") if os.path.islink(path) else _("no such file or folder")
    except OSError as e:
        return _("cannot be opened ({reason})", reason=e.strerror or str(e))
    if stat.S_ISREG(st.st_mode):
        return None
    if stat.S_ISFIFO(st.st_mode):
        return _("not a regular file (a named pipe)")
    if stat.S_ISSOCK(st.st_mode):
        return _("not a regular file (a socket)")
    if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
        return _("not a regular file (a device)")
    return _("not a regular file")


def discover(inputs: Iterable[str], *, excludes: Iterable[str] = DEFAULT_EXCLUDES,
             all_files: bool = False, skipped: Optional[list[tuple[str, str]]] = None,
             excluded: Optional[set] = None) -> tuple[list[str], list[tuple[str, str]]]:
    """Files named, found in folders (recursively) or matched by globs, absolute, sorted, once each;
    and the inputs that matched nothing, with why. Every other path met on the way goes to
    `skipped` with the reason (not a report format, excluded, not a regular file, a hidden folder)."""

    excludes = tuple(excludes)
    # one regular expression for all the patterns: a national year's 100,000 names are matched once
    any_excluded = re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in excludes)).match if excludes else None
    found: dict[str, None] = {}
    missing: list[tuple[str, str]] = []
    passed: dict[str, str] = {}

    def consider(path: str) -> None:
        name = os.path.basename(path)
        full = os.path.abspath(path)
        if full in found:
            return
        pattern = None
        if any_excluded is not None and any_excluded(name):
            pattern = next(p for p in excludes if fnmatch.fnmatchcase(name, p))
        if pattern is not None:
            passed[full] = _("excluded (matches {pattern})", pattern=pattern)
            if excluded is not None:
                excluded.add(full)
            return
        if not all_files and os.path.splitext(name)[1].lower() not in REPORT_EXTENSIONS:
            passed[full] = _("not a report format")
            return
        why = _not_regular(path)
        if why is not None:
            passed[full] = why
            return
        found[full] = None

    for item in inputs:
        if os.path.isdir(item):
            for root, dirs, files in os.walk(item):
                for d in dirs:
                    full = os.path.join(root, d)
                    if d.startswith("."):
                        passed[os.path.abspath(full)] = _("a hidden folder (not searched)")
                    elif os.path.islink(full):
                        passed[os.path.abspath(full)] = _("a link to a folder (not followed)")
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    consider(os.path.join(root, name))
        elif os.path.lexists(item):
            # a file named explicitly is read whatever its name, if it is a file at all
            why = _not_regular(item)
            if why is None:
                found[os.path.abspath(item)] = None
            else:
                passed[os.path.abspath(item)] = why
        elif glob.has_magic(item):
            matches = sorted(glob.glob(item, recursive=True))
            before = len(found)
            for m in matches:
                if not os.path.isdir(m):
                    consider(m)
            if len(found) == before:
                missing.append((item, _("no report files match this pattern")))
        else:
            missing.append((item, _("no such file or folder")))
    for path in found:
        passed.pop(path, None)
    if skipped is not None:
        skipped.extend(sorted(passed.items()))
    return sorted(found), missing


__all__ = ["REPORT_EXTENSIONS", "DEFAULT_EXCLUDES", "discover"]
