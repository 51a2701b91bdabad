"""Which files of a folder, glob or list are reports: shared by `gongkai check` and `gongkai ingest`.

Files named on the command line are always taken; in folders (searched recursively) and globs only
files with a report extension, less the files corpora carry beside reports (README, gold, hidden).
"""
from __future__ import annotations

import fnmatch
import glob
import os
from typing import Iterable, Optional

from .i18n import N_, _

REPORT_EXTENSIONS = frozenset({
    ".txt", ".text", ".md", ".markdown", ".htm", ".html", ".shtml", ".xhtml", ".pdf", ".doc", ".docx", ".wps",
    ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp",
})
# Files corpora carry beside the reports; skipped in folders and globs (named files are always read).
DEFAULT_EXCLUDES = ("README*", "readme*", "LICENSE*", "CHANGELOG*", "provenance.txt", "*.gold.*", ".*")
NO_SUCH_PATH = N_("no such file or folder")
NO_MATCH = N_("no report files match this pattern")


def discover(inputs: Iterable[str], *, excludes: Iterable[str] = DEFAULT_EXCLUDES, all_files: bool = False,
             skipped: Optional[list[str]] = None) -> tuple[list[str], list[tuple[str, str]]]:
    """Files named, found in folders (recursively) or matched by globs, absolute, sorted, once each;
    and the inputs that matched nothing, with why (in the current language). Files of folders and
    globs that are not taken are added to `skipped` when it is given."""
    excludes = tuple(excludes)
    found: dict[str, None] = {}
    missing: list[tuple[str, str]] = []

    def wanted(path: str) -> bool:
        name = os.path.basename(path)
        if any(fnmatch.fnmatchcase(name, pattern) for pattern in excludes):
            return False
        return all_files or os.path.splitext(name)[1].lower() in REPORT_EXTENSIONS

    def take(path: str) -> None:
        if wanted(path):
            found[os.path.abspath(path)] = None
        elif skipped is not None:
            skipped.append(path)

    for item in inputs:
        if os.path.isfile(item):
            found[os.path.abspath(item)] = None
        elif os.path.isdir(item):
            for root, dirs, files in os.walk(item):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    path = os.path.join(root, name)
                    if os.path.isfile(path):
                        take(path)
        elif glob.has_magic(item):
            matches = [m for m in sorted(glob.glob(item, recursive=True)) if os.path.isfile(m)]
            before = len(found)
            for m in matches:
                take(m)
            if len(found) == before and not any(wanted(m) for m in matches):
                missing.append((item, _(NO_MATCH)))
        else:
            missing.append((item, _(NO_SUCH_PATH)))
    return sorted(found), missing


__all__ = ["REPORT_EXTENSIONS", "DEFAULT_EXCLUDES", "discover"]
