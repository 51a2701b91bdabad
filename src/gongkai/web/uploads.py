"""Reading an upload safely: size-capped while it streams in, kept in memory, never saved.

A form upload's file part may be spooled by the multipart parser into a `tempfile` (the system
temp dir) and is deleted when the request ends; nothing is written anywhere else.
"""
from __future__ import annotations

from pathlib import PurePosixPath, PureWindowsPath
from typing import AsyncIterator

from fastapi import HTTPException, Request
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from ..i18n import _

# Room for the multipart envelope around the file itself.
_FORM_OVERHEAD = 64 * 1024
PASTED_NAME = "pasted.txt"


def too_large(cap: int) -> HTTPException:
    return HTTPException(413, _("The upload is larger than the limit of {mb} MB.", mb=cap // (1024 * 1024)))


async def _capped_body(request: Request, cap: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > cap + _FORM_OVERHEAD:
        raise too_large(cap)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap + _FORM_OVERHEAD:
            raise too_large(cap)
        chunks.append(chunk)
    return b"".join(chunks)


def clean_name(name: str | None) -> str:
    """A label for the upload: the file name without any directory part, or `pasted.txt`."""
    if not name:
        return PASTED_NAME
    base = PureWindowsPath(PurePosixPath(name).name).name
    base = "".join(ch for ch in base if ch.isprintable()).strip()[:200]
    return base or PASTED_NAME


async def read_upload(request: Request, cap: int) -> tuple[bytes, str]:
    """(data, name) from a multipart form (field `file`, or `text` for pasted text) or from a
    raw body (`?name=` labels it). Raises HTTPException 400/413 with a reason a person can read."""
    body = await _capped_body(request, cap)
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("multipart/form-data"):
        async def stream() -> AsyncIterator[bytes]:
            yield body

        parser = MultiPartParser(request.headers, stream(), max_files=1, max_fields=10, max_part_size=cap)
        try:
            form = await parser.parse()
        except MultiPartException as e:
            raise HTTPException(400, _("The form could not be read: {reason}", reason=e.message)) from None
        try:
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

        fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        data = (fields.get("text") or [""])[0].encode("utf-8")
        name = clean_name((fields.get("name") or [None])[0])
    else:
        data = body
        name = clean_name(request.query_params.get("name"))
    if len(data) > cap:
        raise too_large(cap)
    if not data.strip():
        raise HTTPException(400, _("Nothing was uploaded: choose a file or paste a report's text."))
    return data, name
