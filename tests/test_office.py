"""The .doc/.wps reader: LibreOffice conversion, its failure modes, and what a user is told.

CI installs LibreOffice, so these tests run there; without it they fail with a message saying what
to install, unless GONGKAI_ALLOW_MISSING_SOFFICE=1 (a developer machine without LibreOffice).
"""
from __future__ import annotations

import os
import stat

import pytest

pytest.importorskip("docx", reason="python-docx (extra `office`) renders the test documents")

import gongkai  # noqa: E402
from gongkai.ingest import DOC, WPS, ReadError, read_document, sniff  # noqa: E402
from gongkai.ingest import office  # noqa: E402
from gongkai.render.docx import docx_to, render_docx  # noqa: E402

from conftest import SEEDS, TABLES, gold_for  # noqa: E402

pytestmark = pytest.mark.usefixtures("english")  # reasons are matched in English


def require_soffice() -> None:
    if office.find_soffice() is None:
        if os.environ.get("GONGKAI_ALLOW_MISSING_SOFFICE") == "1":
            pytest.skip("LibreOffice (soffice) is not installed and GONGKAI_ALLOW_MISSING_SOFFICE=1")
        pytest.fail("LibreOffice (soffice) is needed for the .doc/.wps tests: apt-get install "
                    "libreoffice-writer-nogui fonts-noto-cjk (or set GONGKAI_ALLOW_MISSING_SOFFICE=1 to skip)")


@pytest.fixture(scope="module")
def doc_bytes() -> bytes:
    require_soffice()
    return docx_to([render_docx(gold_for(SEEDS[4]))], "doc")[0]


def test_doc_made_by_libreoffice_reads_back(doc_bytes):
    assert doc_bytes.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
    assert sniff(doc_bytes, "report.doc") == DOC
    gold = gold_for(SEEDS[4])
    record = gongkai.parse(doc_bytes, name="report.doc").to_dict()
    assert record["source"]["media_type"] == DOC
    for key in ("agency", "year", "template"):
        assert record[key] == gold[key]
    for table in TABLES:
        assert record[table] == gold[table]


def test_wps_named_file_is_read_the_same_way(doc_bytes):
    # Kingsoft WPS Writer's .wps is the Word binary format under another name
    assert sniff(doc_bytes, "report.wps") == WPS
    document = read_document(doc_bytes, "report.wps")
    assert document.media_type == DOC  # what the bytes are, whatever the name said
    assert any("上海市" in text or "青岛市" in text for text, _ in document.iter_text())


def test_missing_libreoffice_says_what_to_install(monkeypatch, doc_bytes):
    monkeypatch.setenv("GONGKAI_SOFFICE", "/nonexistent/soffice")
    with pytest.raises(ReadError) as e:
        read_document(doc_bytes, "report.doc")
    assert "libreoffice-writer-nogui" in str(e.value) and "GONGKAI_SOFFICE" in str(e.value)


def test_damaged_and_truncated_files_give_a_clear_error(doc_bytes):
    with pytest.raises(ReadError, match="could not convert|truncated"):
        read_document(doc_bytes[: len(doc_bytes) // 2], "report.doc")
    with pytest.raises(ReadError, match="truncated"):
        read_document(doc_bytes[:1024], "report.doc")


def test_encrypted_files_are_refused_before_conversion(doc_bytes):
    fib = next(o for o in range(512, len(doc_bytes), 512) if doc_bytes[o:o + 2] == b"\xec\xa5")
    protected = bytearray(doc_bytes)
    protected[fib + 11] |= 0x01  # FIB flags bit 8: fEncrypted
    with pytest.raises(ReadError, match="password-protected"):
        read_document(bytes(protected), "report.doc")
    # a password-protected .docx is an OLE file holding an "EncryptedPackage" stream
    ooxml = doc_bytes[:512] + "EncryptedPackage".encode("utf-16-le") + doc_bytes[512 + 32:]
    assert office.cfb_kind(ooxml) == "encrypted-ooxml"
    with pytest.raises(ReadError, match="password-protected"):
        read_document(ooxml, "report.docx")


def test_a_stuck_libreoffice_is_stopped(tmp_path, monkeypatch):
    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\nsleep 30\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("GONGKAI_SOFFICE", str(fake))
    with pytest.raises(ReadError, match="did not finish"):
        office.convert([("a.doc", b"x")], "docx", timeout=1)


def test_each_process_has_its_own_profile():
    profile = office._profile_dir()
    assert str(os.getpid()) in profile.name and profile.is_dir()
