"""The Python API: one call from a file (or bytes, or text) to a checked record."""
from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path
from typing import Iterable, Iterator, Union

from .i18n import _
from .ingest import ReadError, read_document, sniff
from .record import Record, Source

PathOrData = Union[str, os.PathLike, bytes]


def parse(source: PathOrData, *, name: str | None = None, check: bool = True) -> Record:
    """Read one report and return its record.

    `source` is a path (str or PathLike), the bytes of a file, or the report's text itself (a str
    that is not an existing path and contains a line break or is long). `name` labels bytes/text
    input in `record.source.path`. With `check` the record carries the checks' findings too.
    Raises `ReadError` (with a reason a person can read) when the input is no readable report.
    """
    if isinstance(source, bytes):
        return parse_bytes(source, name=name, check=check)
    if isinstance(source, str) and ("\n" in source or len(source) > 1024) and not _is_file(source):
        return parse_bytes(source.encode("utf-8"), name=name, check=check)
    path = Path(source)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ReadError(_("no such file")) from None
    except IsADirectoryError:
        raise ReadError(_("is a directory, not a file")) from None
    except OSError as e:
        raise ReadError(_("cannot be opened ({reason})", reason=e.strerror or e)) from None
    return parse_bytes(data, name=name or str(source), check=check)


def parse_bytes(data: bytes, *, name: str | None = None, check: bool = True) -> Record:
    """Read one report from the bytes of its file."""
    from .extract import extract  # imported here so `import gongkai` stays light

    document = read_document(data, name)
    record = extract(document)
    record.source = Source(path=name, sha256=hashlib.sha256(data).hexdigest(), media_type=document.media_type)
    if check:
        try:
            from .checks import run_checks
        except ImportError:  # the checks package is optional while it is being built
            run_checks = None
        if run_checks is not None:
            record.findings = record.findings + run_checks(record)
    return record


def parse_files(paths: Iterable[str], *, check: bool = True) -> Iterator[tuple[str, Record | None, str | None]]:
    """Parse files one by one: (path, record, None), or (path, None, reason) for a file that cannot
    be read (`-` is standard input). A failure, even a bug in a reader, never stops the others."""
    for path in paths:
        try:
            if path == "-":  # standard input
                yield path, parse_bytes(sys.stdin.buffer.read(), name=path, check=check), None
                continue
            yield path, parse(path, check=check), None
        except ReadError as e:
            yield path, None, str(e)
        except Exception as e:  # a bug must not cost the other files their output
            yield path, None, _("internal error while reading ({error}: {detail})", error=type(e).__name__, detail=e)


def _is_file(text: str) -> bool:
    try:
        return Path(text).is_file()
    except (OSError, ValueError):
        return False


__all__ = ["parse", "parse_bytes", "parse_files", "ReadError", "sniff"]
