"""Reading an upload safely: size-capped while it streams in, kept in memory, never saved.

The server holds few uploads at once: `UploadBudget` bounds how many are in progress (received,
waiting to be read or being read) and the bytes they hold together; past either bound an upload
is refused at once (503) instead of queued in memory. A client that sends its body too slowly is
cut off (408). A form upload's file part may be spooled by the multipart parser into a
`tempfile` (the system temp dir) and is deleted when the request ends; nothing is written
anywhere else.
"""
from __future__ import annotations

import time
from contextlib import asynccontextmanager
from pathlib import PurePosixPath, PureWindowsPath
from typing import AsyncIterator, Optional

from fastapi import HTTPException, Request
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from ..i18n import _

# Room for the multipart envelope around the file itself.
_FORM_OVERHEAD = 64 * 1024
PASTED_NAME = "pasted.txt"
RETRY_AFTER = {"Retry-After": "30"}


def too_large(cap: int) -> HTTPException:
    return HTTPException(413, _("The upload is larger than the limit of {mb} MB.", mb=cap // (1024 * 1024)))


def busy() -> HTTPException:
    return HTTPException(503, _("The server is reading too many uploads at the moment; try again in a minute."),
                         headers=RETRY_AFTER)


class UploadBudget:
    """How many uploads may be in progress at once, and how many bytes they may hold together.
    Used from the event loop only (no lock needed)."""

    def __init__(self, uploads: int, total_bytes: int):
        self.uploads = uploads
        self.total_bytes = total_bytes
        self.in_progress = 0
        self.held = 0

    @asynccontextmanager
    async def hold(self) -> AsyncIterator["Held"]:
        if self.in_progress >= self.uploads:
            raise busy()
        self.in_progress += 1
        held = Held(self)
        try:
            yield held
        finally:
            self.in_progress -= 1
            self.held -= held.bytes


class Held:
    def __init__(self, budget: UploadBudget):
        self.budget = budget
        self.bytes = 0

    def add(self, n: int) -> None:
        if self.budget.held + n > self.budget.total_bytes:
            raise busy()
        self.budget.held += n
        self.bytes += n


async def _capped_body(request: Request, cap: int, held: Optional[Held], idle: float, total: float) -> bytes:
    """The body, refused past `cap` (413), past the budget (503), or when the client sends
    nothing for `idle` seconds or takes more than `total` (408)."""
    import anyio

    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > cap + _FORM_OVERHEAD:
        raise too_large(cap)
    chunks, size = [], 0
    stream = request.stream().__aiter__()
    deadline = time.monotonic() + total
    while True:
        try:
            with anyio.fail_after(max(0.0, min(idle, deadline - time.monotonic()))):
                chunk = await stream.__anext__()
        except StopAsyncIteration:
            break
        except TimeoutError:
            raise HTTPException(408, _("The upload arrived too slowly and was stopped; try again."),
                                headers={"Connection": "close"}) from None
        size += len(chunk)
        if size > cap + _FORM_OVERHEAD:
            raise too_large(cap)
        if held is not None:
            held.add(len(chunk))
        chunks.append(chunk)
    return b"".join(chunks)


def clean_name(name: str | None) -> str:
    """A label for the upload: the file name without any directory part, or `pasted.txt`."""
    if not name:
        return PASTED_NAME
    base = PureWindowsPath(PurePosixPath(name).name).name
    base = "".join(ch for ch in base if ch.isprintable()).strip()[:200]
    return base or PASTED_NAME


async def parse_multipart(request: Request, body: bytes, *, max_files: int, max_part_size: Optional[int] = None):
    """The multipart form in `body` (already read within its caps); 400 with the parser's reason
    when it is malformed. The caller closes the form."""
    async def stream() -> AsyncIterator[bytes]:
        yield body

    options = {} if max_part_size is None else {"max_part_size": max_part_size}
    parser = MultiPartParser(request.headers, stream(), max_files=max_files, max_fields=10, **options)
    try:
        return await parser.parse()
    except MultiPartException as e:
        raise HTTPException(400, _("The form could not be read: {reason}", reason=e.message)) from None


async def read_upload(request: Request, cap: int, held: Optional[Held] = None, *, idle: float = 30.0,
                      total: float = 300.0) -> tuple[bytes, str, dict]:
    """(data, name, other form fields) from a multipart form (field `file`, or `text` for pasted
    text), an urlencoded form (`text`), or a raw body: any body sent with `?name=` is the file
    itself, whatever its content type (curl's `--data-binary` says urlencoded). Raises
    HTTPException 400/408/413/503 with a reason a person can read."""
    body = await _capped_body(request, cap, held, idle, total)
    ctype = request.headers.get("content-type", "")
    fields: dict = {}
    if "name" in request.query_params and not ctype.startswith("multipart/form-data"):
        data = body
        name = clean_name(request.query_params.get("name"))
    elif ctype.startswith("multipart/form-data"):
        form = await parse_multipart(request, body, max_files=1, max_part_size=cap)
        try:
            fields = {k: v for k, v in form.items() if isinstance(v, str)}
            upload = form.get("file")
            if isinstance(upload, UploadFile) and upload.filename:
                data = await upload.read(cap + 1)
                name = clean_name(upload.filename)
            else:
                text = form.get("text")
                data = text.encode("utf-8") if isinstance(text, str) else b""
                name = clean_name(form.get("name") if isinstance(form.get("name"), str) else None)
        finally:
            await form.close()
    elif ctype.startswith("application/x-www-form-urlencoded"):
        from urllib.parse import parse_qs

        try:
            parsed = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=10)
        except ValueError:
            raise HTTPException(400, _("The form could not be read: {reason}", reason="too many fields")) from None
        fields = {k: v[0] for k, v in parsed.items()}
        data = fields.get("text", "").encode("utf-8")
        name = clean_name(fields.get("name"))
    else:
        data = body
        name = clean_name(request.query_params.get("name"))
    if len(data) > cap:
        raise too_large(cap)
    if not data.strip():
        raise HTTPException(400, _("Nothing was uploaded: choose a file or paste a report's text."))
    return data, name, fields
