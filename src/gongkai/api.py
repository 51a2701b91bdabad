"""The Python API: one call from a file (or bytes, or text) to a checked record."""
from __future__ import annotations

import hashlib
import os
import sys
from typing import Iterable, Iterator, Union

from .i18n import lazy
from .ingest import ReadError, check_size, max_file_bytes, read_document, read_file, sniff
from .record import Record, Source

PathOrData = Union[str, os.PathLike, bytes]


def parse(source: PathOrData, *, name: str | None = None, check: bool = True,
          max_bytes: int | str | None = None, published: str | None = None) -> Record:
    """Read one report and return its record.

    `source` is a path (str or PathLike), the bytes of a file, or the report's text itself (a str
    that is not an existing path and contains a line break or is long). `name` labels bytes/text
    input in `record.source.path`. With `check` the record carries the checks' findings too.
    `max_bytes` caps the input's size (default: $GONGKAI_MAX_BYTES, else 100 MB; '50M', '1G' and
    0 for no cap are accepted); only regular files are read (not FIFOs or devices).
    `published` (a date, e.g. 2024-01-20) is when the report was published, when known from
    elsewhere than the document (an ingest list, `--published-on`); it overrides the date found in it.
    Raises `ReadError` (with a reason a person can read) when the input is no readable report.
    """
    options = dict(check=check, max_bytes=max_bytes, published=published)
    if isinstance(source, bytes):
        return parse_bytes(source, name=name, **options)
    if isinstance(source, str) and ("\n" in source or len(source) > 1024) and not _is_file(source):
        return parse_bytes(_text_bytes(source), name=name, **options)
    if not isinstance(source, (str, os.PathLike)):
        raise TypeError(f"parse() takes a path, bytes or text, not {type(source).__name__}")
    data = read_file(source, max_bytes)
    return parse_bytes(data, name=name or _display_name(source), **options)


def parse_bytes(data: bytes, *, name: str | None = None, check: bool = True,
                max_bytes: int | str | None = None, published: str | None = None) -> Record:
    """Read one report from the bytes of its file (`published`: see `parse`; ValueError when it is
    no date)."""
    from .extract import read_record  # imported here so `import gongkai` stays light
    from .extract.metadata import find_preamble, find_published, find_title_text

    check_size(len(data), max_bytes)
    given = None
    if published is not None:
        from .checks.dates import parse_date

        given = parse_date(published)
    document = read_document(data, name)
    record, text, lines, title = read_record(document)
    record.source = Source(path=name, sha256=hashlib.sha256(data).hexdigest(), media_type=document.media_type)
    if record.title is None and record.preamble is None and record.published is None:
        # the text and lines the extractor read (made once: a document's text is not cheap)
        record.title = find_title_text(lines, title)
        record.preamble = find_preamble(text)
        record.published = find_published(lines)
    if given is not None:
        record.published = given
    if check:
        try:
            from .checks import run_checks
        except ImportError:  # the checks package is optional while it is being built
            run_checks = None
        if run_checks is not None:
            record.findings = record.findings + run_checks(record)
    return record


def parse_files(paths: Iterable[str], *, check: bool = True, max_bytes: int | str | None = None,
                published: str | None = None) -> Iterator[tuple[str, Record | None, str | None]]:
    """Parse files one by one: (path, record, None), or (path, None, reason) for a file that cannot
    be read (`-` is standard input). A failure, even a bug in a reader, never stops the others."""
    for path in paths:
        try:
            if path == "-":  # standard input, bounded like a file
                yield path, parse_bytes(read_stdin(max_bytes), name=path, check=check, max_bytes=max_bytes,
                                        published=published), None
                continue
            yield path, parse(path, check=check, max_bytes=max_bytes, published=published), None
        except ReadError as e:
            yield path, None, str(e)
        except MemoryError:
            yield path, None, str(lazy("not enough memory to read it"))
        except RecursionError:
            yield path, None, str(lazy("its structure is nested too deeply to be read"))
        except Exception as e:  # a bug must not cost the other files their output
            error = "{}: {}".format(type(e).__name__, e)
            yield path, None, str(lazy("internal error while reading ({error})", error=error))


def read_stdin(max_bytes: int | str | None = None) -> bytes:
    """Standard input's bytes, refused past the size cap like a file."""
    limit = max_file_bytes(max_bytes)
    data = sys.stdin.buffer.read(limit + 1) if limit > 0 else sys.stdin.buffer.read()
    check_size(len(data), max_bytes)
    return data


def _text_bytes(text: str) -> bytes:
    """A report's text as UTF-8. Lone surrogates (text decoded with surrogateescape, or cut in a
    lossy path) are given back as the bytes they stood for, else as '?', rather than raising."""
    for errors in ("strict", "surrogateescape", "replace"):
        try:
            return text.encode("utf-8", errors)
        except UnicodeEncodeError:
            continue
    raise AssertionError("unreachable: 'replace' always encodes")


def _display_name(source: "str | os.PathLike") -> str:
    # a name that came from the file system with undecodable bytes keeps them visible, not raw
    return os.fsdecode(source).encode("utf-8", "backslashreplace").decode("utf-8")


def _is_file(text: str) -> bool:
    try:
        return os.path.isfile(text)
    except (OSError, ValueError):
        return False


__all__ = ["parse", "parse_bytes", "parse_files", "ReadError", "sniff"]
