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
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from ..document import Document
from ..i18n import N_, lazy
from . import DOC, WPS, ReadError

# A report converts in 2–5 s; a minute means LibreOffice is stuck (a dialog it cannot show,
# a file that sends its filter into a loop).
DEFAULT_TIMEOUT = 120.0

INSTALL_HINT = N_(
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
        sweep_stale_temp_dirs()
        _profile = Path(tempfile.mkdtemp(prefix=f"{_PROFILE_PREFIX}{os.getpid()}-"))
        atexit.register(shutil.rmtree, _profile, True)
    return _profile


_PROFILE_PREFIX = "gongkai-soffice-"
_CONVERT_PREFIX = "gongkai-convert-"
_GUARD = Path(__file__).with_name("_soffice_guard.py")
_TIMED_OUT, _ORPHANED = 124, 125  # the guard's exit statuses
_swept = False


def sweep_stale_temp_dirs(tmp: str | None = None) -> list[str]:
    """Remove the profiles and conversion dirs of gongkai processes that no longer run (one killed
    between two conversions leaves its profile; the guard removes it only mid-conversion).
    Their names carry the owner's pid. Returns what was removed."""
    global _swept
    if tmp is None:
        if _swept:
            return []
        _swept = True
    removed = []
    root = Path(tmp or tempfile.gettempdir())
    try:
        entries = list(root.iterdir())
    except OSError:
        return removed
    for entry in entries:
        name = entry.name
        prefix = _PROFILE_PREFIX if name.startswith(_PROFILE_PREFIX) else \
            _CONVERT_PREFIX if name.startswith(_CONVERT_PREFIX) else None
        if prefix is None:
            continue
        pid = name[len(prefix):].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)) and entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(str(entry))
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def convert(files: list[tuple[str, bytes]], target: str, *, timeout: float = DEFAULT_TIMEOUT) -> list[bytes]:
    """Convert files with LibreOffice, in one soffice run.

    `files` are (file name with extension, bytes); `target` is what `--convert-to` takes (`docx`,
    `doc`, `pdf`, or `ext:FilterName`). Returns the converted bytes in the same order. Raises
    ReadError when LibreOffice is missing, times out, or cannot convert a file.

    soffice runs under a small guard process (`_soffice_guard.py`) in a session of its own: on
    timeout, or when this process ends in any way (even SIGKILL), the guard kills soffice's whole
    process group and removes the conversion's temporary files, so no soffice.bin is left running
    and no copy of the input is left in /tmp.
    """
    soffice = find_soffice()
    if soffice is None:
        raise ReadError(lazy(INSTALL_HINT))
    ext = target.split(":", 1)[0]
    with _lock, tempfile.TemporaryDirectory(prefix=f"{_CONVERT_PREFIX}{os.getpid()}-") as tmp:
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
        config = json.dumps({"timeout": timeout, "on_timeout": [tmp], "on_orphan": [tmp, str(profile)]})
        log_path = Path(tmp, "soffice.log")
        with open(log_path, "wb") as log:
            try:
                guard = subprocess.Popen([sys.executable, "-I", "-S", str(_GUARD), config, *cmd],
                                         stdin=subprocess.PIPE, stdout=log, stderr=log, env=env,
                                         start_new_session=True)
            except OSError as e:
                raise ReadError(lazy("LibreOffice ({program}) could not be started: {error}",
                                     program=soffice, error=str(e))) from None
            try:
                # the guard keeps the deadline; this one only covers a guard that hangs itself
                status = guard.wait(timeout=timeout + 30)
            except BaseException:  # a timeout of the guard, or KeyboardInterrupt: end it all now
                _kill_group(guard)
                guard.wait()
                raise
            finally:
                guard.stdin.close()  # type: ignore[union-attr]
        if status == _TIMED_OUT:
            raise ReadError(lazy("LibreOffice did not finish converting within {seconds} s", seconds=round(timeout)))
        results = []
        for path in paths:
            produced = out_dir / f"{path.stem}.{ext}"
            if not produced.is_file() or produced.stat().st_size == 0:
                lines = log_path.read_bytes().decode("utf-8", "replace").strip().splitlines()
                detail = " ({})".format(lines[-1][:200]) if lines else ""
                raise ReadError(lazy("LibreOffice could not convert the file{detail}; it may be damaged, truncated "
                                     "or password-protected", detail=detail))
            results.append(produced.read_bytes())
        return results


def _kill_group(proc: subprocess.Popen) -> None:
    # the guard leads a session of its own; soffice has a group of its own under it, which the
    # guard kills when it is told to stop (SIGTERM) or sees this process gone
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=5)
    except (ProcessLookupError, PermissionError):
        pass
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


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
        raise ReadError(lazy("the Word document is password-protected (encrypted); save it without a password first"))
    if kind == "encrypted-doc":
        raise ReadError(lazy("the Word (.doc) document is password-protected (encrypted); save it without a password "
                             "first"))
    if kind == "unknown" and data.startswith(_CFB_MAGIC) and len(data) < 1536:
        raise ReadError(lazy("the .doc/.wps file is truncated (too short for an OLE compound file)"))
    name = "report.wps" if kind == "works" else "report.doc"
    converted = convert([(name, data)], "docx:MS Word 2007 XML")[0]
    document = read_docx(converted)
    document.media_type = WPS if kind == "works" else DOC
    return document


__all__ = ["read_doc", "convert", "find_soffice", "cfb_kind", "INSTALL_HINT", "DEFAULT_TIMEOUT"]
