"""Word 97-2003 (.doc) and WPS (.wps) reader: LibreOffice converts, the .docx reader reads.

The binary formats are converted with LibreOffice in headless mode (`soffice --headless
--convert-to docx`), then read by `gongkai.ingest.docx`. Each Python process uses its own
LibreOffice profile directory (two soffice instances sharing a profile block each other), and
conversions within a process are serialised for the same reason. Provenance paths therefore
refer to the converted document's body (`/w:body/w:tbl[1]/…`), which mirrors the original's.

LibreOffice is an optional system dependency: without it, .doc/.wps input fails with a message
saying what to install. `GONGKAI_SOFFICE` names the binary when it is not on PATH.
"""
from __future__ import annotations

import atexit
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from pathlib import Path

from ..document import Document
from . import DOC, WPS, ReadError

# A report converts in 2–5 s; a minute means LibreOffice is stuck (a dialog it cannot show,
# a file that sends its filter into a loop).
DEFAULT_TIMEOUT = 120.0

INSTALL_HINT = (
    "reading .doc and .wps files needs LibreOffice (the `soffice` program), which was not found: "
    "install it (Debian/Ubuntu: apt-get install libreoffice-writer-nogui; other systems: "
    "https://www.libreoffice.org) or set GONGKAI_SOFFICE to the soffice binary"
)

_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_WORD_DOCUMENT = "WordDocument".encode("utf-16-le")
_WORKS_CONTENTS = "CONTENTS".encode("utf-16-le")
_FIB_MAGIC = b"\xec\xa5"  # wIdent of a Word 97+ File Information Block

_lock = threading.Lock()
_profile: Path | None = None


def find_soffice() -> str | None:
    """The LibreOffice binary: $GONGKAI_SOFFICE, then PATH, then the usual install places."""
    env = os.environ.get("GONGKAI_SOFFICE")
    if env:
        return env if Path(env).is_file() else shutil.which(env)
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for candidate in ("/usr/lib/libreoffice/program/soffice", "/opt/libreoffice/program/soffice",
                      "/Applications/LibreOffice.app/Contents/MacOS/soffice",
                      r"C:\Program Files\LibreOffice\program\soffice.exe"):
        if Path(candidate).is_file():
            return candidate
    for candidate in sorted(Path("/opt").glob("libreoffice*/program/soffice"), reverse=True):
        return str(candidate)
    return None


def _profile_dir() -> Path:
    """This process's LibreOffice profile, created once and removed at exit."""
    global _profile
    if _profile is None or not _profile.exists():
        _profile = Path(tempfile.mkdtemp(prefix=f"gongkai-soffice-{os.getpid()}-"))
        atexit.register(shutil.rmtree, _profile, True)
    return _profile


def convert(files: list[tuple[str, bytes]], target: str, *, timeout: float = DEFAULT_TIMEOUT) -> list[bytes]:
    """Convert files with LibreOffice, in one soffice run.

    `files` are (file name with extension, bytes); `target` is what `--convert-to` takes (`docx`,
    `doc`, `pdf`, or `ext:FilterName`). Returns the converted bytes in the same order. Raises
    ReadError when LibreOffice is missing, times out, or cannot convert a file.
    """
    soffice = find_soffice()
    if soffice is None:
        raise ReadError(INSTALL_HINT)
    ext = target.split(":", 1)[0]
    with _lock, tempfile.TemporaryDirectory(prefix="gongkai-convert-") as tmp:
        src_dir, out_dir = Path(tmp, "in"), Path(tmp, "out")
        src_dir.mkdir()
        out_dir.mkdir()
        paths = []
        for i, (name, data) in enumerate(files):
            # Plain ASCII names: LibreOffice's command line and URL handling choke on some others.
            suffix = Path(name).suffix.lower() or ".bin"
            path = src_dir / f"f{i}{suffix}"
            path.write_bytes(data)
            paths.append(path)
        profile = _profile_dir()
        cmd = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--invisible",
               "--norestore", "--nologo", "--nodefault", "--nolockcheck", "--convert-to", target,
               "--outdir", str(out_dir), *map(str, paths)]
        env = dict(os.environ, HOME=str(profile), SAL_USE_VCLPLUGIN="svp")
        try:
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                    start_new_session=True)
        except OSError as e:
            raise ReadError(f"LibreOffice ({soffice}) could not be started: {e}") from None
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            proc.communicate()
            raise ReadError(f"LibreOffice did not finish converting within {timeout:.0f} s") from None
        results = []
        for path in paths:
            produced = out_dir / f"{path.stem}.{ext}"
            if not produced.is_file() or produced.stat().st_size == 0:
                detail = (err or out).decode("utf-8", "replace").strip().splitlines()
                raise ReadError("LibreOffice could not convert the file"
                                + (f" ({detail[-1][:200]})" if detail else "")
                                + "; it may be damaged, truncated or password-protected")
            results.append(produced.read_bytes())
        return results


def _kill_group(proc: subprocess.Popen) -> None:
    # soffice.bin is a child of the soffice wrapper script: end the whole session we started.
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()


def cfb_kind(data: bytes) -> str:
    """What an OLE compound file holds: 'encrypted-ooxml', 'encrypted-doc', 'doc', 'works' or
    'unknown'. Judged from the directory's stream names and the Word FIB's encryption flag."""
    if not data.startswith(_CFB_MAGIC):
        return "unknown"
    if _ENCRYPTED_PACKAGE in data:
        return "encrypted-ooxml"
    if _WORD_DOCUMENT in data:
        sector = 1 << int.from_bytes(data[30:32], "little") if len(data) > 32 else 512
        sector = sector if sector in (512, 4096) else 512
        # The WordDocument stream (>= 4096 bytes, so in regular sectors) starts at a sector
        # boundary with the FIB: wIdent 0xA5EC, then flags at offset 10, bit 8 = fEncrypted.
        for offset in range(sector, min(len(data), 64 * 1024 * 1024), sector):
            n_fib = int.from_bytes(data[offset + 2:offset + 4], "little")
            if data[offset:offset + 2] == _FIB_MAGIC and 0x0065 <= n_fib <= 0x0200:
                flags = int.from_bytes(data[offset + 10:offset + 12], "little")
                return "encrypted-doc" if flags & 0x0100 else "doc"
        return "doc"
    if _WORKS_CONTENTS in data:
        return "works"
    return "unknown"


def read_doc(data: bytes) -> Document:
    """Read a .doc or .wps file (an OLE compound file) via LibreOffice."""
    from .docx import read_docx

    kind = cfb_kind(data)
    if kind == "encrypted-ooxml":
        raise ReadError("the Word document is password-protected (encrypted); save it without a password first")
    if kind == "encrypted-doc":
        raise ReadError("the Word (.doc) document is password-protected (encrypted); save it without a password first")
    if kind == "unknown" and data.startswith(_CFB_MAGIC) and len(data) < 1536:
        raise ReadError("the .doc/.wps file is truncated (too short for an OLE compound file)")
    name = "report.wps" if kind == "works" else "report.doc"
    converted = convert([(name, data)], "docx:MS Word 2007 XML")[0]
    document = read_docx(converted)
    document.media_type = WPS if kind == "works" else DOC
    return document


__all__ = ["read_doc", "convert", "find_soffice", "cfb_kind", "INSTALL_HINT", "DEFAULT_TIMEOUT"]
