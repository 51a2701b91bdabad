"""The scan reader: offline OCR, untrusted readings, damaged images, degraded scans."""
from __future__ import annotations

import io
import importlib.metadata
import shutil
import socket
import subprocess
import sys

import pytest

pytest.importorskip("rapidocr_onnxruntime", reason="OCR needs the `ocr` extra (rapidocr-onnxruntime)")
pytest.importorskip("docx", reason="python-docx (extra `office`) renders the test documents")

import gongkai  # noqa: E402
from gongkai.document import Table  # noqa: E402
from gongkai.ingest import JPEG, ReadError, read_document  # noqa: E402
from gongkai.ingest import scan  # noqa: E402
from gongkai.ingest.scan import MIN_CONFIDENCE, UNREADABLE, classify_cell_text, gate_numbers  # noqa: E402

from conftest import SEEDS, gold_cells, gold_for, same  # noqa: E402
from test_formats_roundtrip import rendered_seeds, require_soffice  # noqa: E402

pytestmark = pytest.mark.usefixtures("english")  # reasons are matched in English


@pytest.fixture(scope="module")
def pages():
    """Page images (200 dpi) of seed 001's PDF: page 1 has the Article 20 table, page 2 the rest."""
    require_soffice()
    from gongkai.render.images import pdf_pages_to_images

    return pdf_pages_to_images(rendered_seeds()[SEEDS[1].stem]["pdf"], dpi=200)


def test_models_ship_inside_the_wheel():
    files = [str(f) for f in importlib.metadata.files("rapidocr-onnxruntime") or []]
    for model in ("ch_PP-OCRv4_det_infer.onnx", "ch_PP-OCRv4_rec_infer.onnx"):
        assert f"rapidocr_onnxruntime/models/{model}" in files


def test_ocr_opens_no_socket(monkeypatch, pages):
    """Loading the models and reading a page never touches the network."""
    def refuse(*args, **kwargs):
        raise AssertionError("the OCR tried to use the network")

    monkeypatch.setattr(scan, "_engine", None)  # load the models inside the guard
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    blocks = scan.ocr_page_image(pages[1], page=2, dpi=200)
    assert any(isinstance(b, Table) for b in blocks)


@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs util-linux unshare")
def test_ocr_runs_in_a_process_without_network(tmp_path, pages):
    """A fresh process in a network namespace of its own (no interfaces) reads a scan."""
    if subprocess.run(["unshare", "-rn", "true"], capture_output=True).returncode != 0:
        pytest.skip("this system does not allow unprivileged network namespaces")
    png = tmp_path / "page.png"
    pages[0].save(png)
    code = ("import sys, gongkai; r = gongkai.parse(sys.argv[1]); "
            "print(r.active['normative_documents']['issued'], r.active['licensing']['decisions'])")
    run = subprocess.run(["unshare", "-rn", sys.executable, "-c", code, str(png)],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    gold = gold_for(SEEDS[1])
    assert run.stdout.split() == [str(gold["active"]["normative_documents"]["issued"]),
                                  str(gold["active"]["licensing"]["decisions"])]


def test_untrusted_readings_never_become_numbers():
    marker = scan.unreadable_marker()
    assert marker in (UNREADABLE, "——")  # the marker, or a null dash where the extractor lacks the rule
    assert classify_cell_text("17", 0.99) == ("17", None)
    assert classify_cell_text("１７", 0.99) == ("17", None)
    assert classify_cell_text("17", MIN_CONFIDENCE - 0.01)[0] == marker
    assert classify_cell_text("1O", 0.99)[0] == marker  # a letter O is not a zero
    assert classify_cell_text("?", 0.0)[0] == marker
    assert classify_cell_text("一一", 0.99) == ("——", None)  # a dash read as 一
    assert classify_cell_text("——", 0.5)[0] == marker  # an unsure dash may be a faint 0
    assert classify_cell_text("行政许可", 0.6, 0.9) == ("行政许可", None)
    assert classify_cell_text("提家配政器数", 0.1, 0.3)[0] == marker  # noise read as words


def test_numbers_in_running_text_are_gated():
    sure = [(c, 0.99, 0.0) for c in "申请15件"]
    assert gate_numbers(sure) == "申请15件"
    unsure = [("申", 0.99, 0), ("请", 0.99, 0), ("1", 0.99, 0), ("5", 0.6, 0), ("件", 0.99, 0)]
    assert gate_numbers(unsure) == f"申请{UNREADABLE}件"  # never "申请1件"


def test_page_grid_has_the_templates_merged_cells(pages):
    blocks = scan.ocr_page_image(pages[0], page=1, dpi=200)
    tables = [b for b in blocks if isinstance(b, Table)]
    active = tables[0]
    assert len(active.rows[0]) == 4 and all(c.spanned for c in active.rows[0][1:])  # 第二十条第（一）项
    cell = active.rows[3][1]  # 行政规范性文件 / 本年制发件数
    assert cell.text == "25" and cell.origin.page == 1 and cell.origin.confidence >= MIN_CONFIDENCE
    x0, top, x1, bottom = cell.origin.bbox
    assert 0 < x0 < x1 < 595 and 0 < top < bottom < 842  # PDF points on an A4 page


def test_jpeg_page(pages):
    buf = io.BytesIO()
    pages[1].convert("RGB").save(buf, format="JPEG", quality=85)
    document = read_document(buf.getvalue(), "page.jpg")
    assert document.media_type == JPEG
    record = gongkai.parse(buf.getvalue()).to_dict()
    gold = gold_for(SEEDS[1])
    assert record["appeals"] == gold["appeals"]


def test_damaged_images_give_a_clear_error(pages):
    buf = io.BytesIO()
    pages[0].save(buf, format="PNG")
    data = buf.getvalue()
    with pytest.raises(ReadError, match="damaged or truncated|cannot be decoded"):
        read_document(data[: len(data) // 3], "scan.png")
    with pytest.raises(ReadError, match="cannot be decoded"):
        read_document(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "scan.png")


def test_blank_page_reads_as_nothing():
    from PIL import Image

    buf = io.BytesIO()
    Image.new("L", (1654, 2339), 255).save(buf, format="PNG")
    document = read_document(buf.getvalue(), "blank.png")
    assert document.blocks == [] and document.notes


def test_degraded_scan_flags_but_never_misreads(pages):
    """Skewed, blurred, noisy, faded, JPEG-compressed: cells may be left unread, never misread."""
    from gongkai.render.images import degrade_scan, images_to_png

    worn = [degrade_scan(p, seed=i, angle=-0.8, blur=1.0, noise=15, speckles=0.0005, fade=0.5, jpeg_quality=40)
            for i, p in enumerate(pages)]
    record = gongkai.parse(images_to_png(worn)).to_dict()
    gold = gold_for(SEEDS[1])
    wrong = []
    read = 0
    total = 0
    for path, expected in gold_cells(gold):
        table, row, field = path.split(".")
        got = record[table].get(row, {}).get(field)
        total += 1
        if same(got, expected):
            read += 1
        elif got is not None:
            wrong.append((path, expected, got))
    assert not wrong, f"misread cells: {wrong}"
    assert read / total >= 0.8
