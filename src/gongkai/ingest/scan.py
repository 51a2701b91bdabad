"""Scans: page images (PNG, JPEG, image-only PDF pages) -> paragraphs and table grids, by OCR.

Offline OCR with the PP-OCRv4 models that ship inside the `rapidocr-onnxruntime` 1.4 wheel, run by
onnxruntime: nothing is downloaded, ever. A page is read the way a person reads a printed table:

1. the image is binarised (background flattened, dust removed) and deskewed (±3°);
2. ruling lines give the tables: long thin runs that cross other lines at both ends, with clear
   sides (a chain of character strokes down tightly set rows has ink beside it); their positions
   cut a table into elementary boxes, boxes with no line between them are one merged cell — the
   same grid, with the same `spanned` copies, as the DOCX, HTML and PDF readers produce;
3. inside each cell the text lines are found from the ink (a cell is bounded by lines, so a
   projection is exact); the cells of one table row are read together as one composite line,
   digits apart from Chinese, each cut at its own height, so a lone "0" is read in context;
   every character is given back to its cell by its position;
4. outside tables PP-OCR's detector finds the lines, which are read and joined into paragraphs
   in reading order.

Every cell and paragraph keeps `Origin(page, bbox in PDF points, confidence)`; the confidence is
the lowest character probability (a number is only as sure as its least sure digit, and within a
number the "nothing" between two digits counts: a faint decimal point must not vanish). What is
not trusted never reaches the extractor as a number: a value cell that is not a clean number or
is read below `MIN_CONFIDENCE`, a dash read unsurely (a faint 0), words read as noise, a merged
cell whose "1" sits where a column line runs, and a figure in running text read unsurely all
become the unreadable marker (see `unreadable_marker`); the reading is listed in `Document.notes`.
"""
from __future__ import annotations

import io
import math
import os
import re
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from ..document import Block, Cell, Document, Origin, Paragraph, Table
from ..i18n import Message, lazy
from . import JPEG, MAX_IMAGE_PIXELS, MAX_OCR_PIXELS, MIN_OCR_DPI, PNG, ReadError, TooLarge, ocr_dpi

# The whole text of a table cell the OCR could not read as a trustworthy value (the extractor's
# rule: such a cell is null plus an extraction finding).
UNREADABLE = "\ufffd"
# Below this character probability a digit is not trusted. Calibrated on the five seeds rendered
# at 200 dpi (benchmarks and tests): every value of the clean scans reads correctly with its least
# sure digit at 0.918 or more (998 of 998 cells); on skewed, blurred, noisy, faded JPEG scans the
# digit misreadings seen (0 read as 1, 50 or 10, 1926.4174 as 19264174, 52.29 as 5229) all scored
# between 0.27 and 0.80.
MIN_CONFIDENCE = 0.9
# A cell's words read with a mean character probability below this are likely noise.
MIN_LABEL_CONFIDENCE = 0.5
DEFAULT_DPI = 200
REC_HEIGHT = 48  # the recogniser's training height; 32 or 40 read the tables far worse
# OCR threads per process (pages' text lines are recognised in parallel); GONGKAI_OCR_THREADS
# overrides, 1 gives the single-core figures of benchmarks/bench_ocr.py.
_THREADS_ENV = "GONGKAI_OCR_THREADS"

_CJK_RE = re.compile("[\u3400-\u9fff\uf900-\ufaff]")
_CJK_PUNCT = "，。、；：（）《》“”"
_DASHES = frozenset("一—－-_―─~～‐‑‒–")
_NUMBER_RE = re.compile(r"^[+\-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
_FULLWIDTH = str.maketrans("０１２３４５６７８９．，－＋", "0123456789.,-+")
_NUMERIC = frozenset("0123456789.,")


def _np():
    try:
        import numpy
    except ImportError as e:  # pragma: no cover - depends on the installation
        raise ModuleNotFoundError("OCR needs numpy", name="numpy") from e
    return numpy


def _cv2():
    try:
        import cv2
    except ImportError as e:  # pragma: no cover
        raise ModuleNotFoundError("OCR needs OpenCV (installed with rapidocr-onnxruntime)", name="cv2") from e
    return cv2


# --- the OCR engine ----------------------------------------------------------------------------
class _Engine:
    """PP-OCRv4 detection and recognition sessions, loaded once per process from the wheel."""

    def __init__(self, threads: int):
        try:
            import onnxruntime as ort
            import rapidocr_onnxruntime
            from rapidocr_onnxruntime.ch_ppocr_det.utils import DBPostProcess
        except ImportError as e:
            raise ModuleNotFoundError("OCR needs rapidocr-onnxruntime and onnxruntime: pip install 'gongkai[ocr]'",
                                      name=e.name or "rapidocr_onnxruntime") from e
        models = Path(rapidocr_onnxruntime.__file__).parent / "models"
        det_path = models / "ch_PP-OCRv4_det_infer.onnx"
        rec_path = models / "ch_PP-OCRv4_rec_infer.onnx"
        for p in (det_path, rec_path):
            if not p.is_file():
                raise ReadError(lazy("the OCR model {model} is missing from the rapidocr-onnxruntime installation "
                                     "(install rapidocr-onnxruntime 1.4.x, whose wheel ships the models)",
                                     model=p.name))
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1  # parallelism is across text lines, one session call each
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.add_session_config_entry("session.set_denormal_as_zero", "1")
        providers = ["CPUExecutionProvider"]
        self.det = ort.InferenceSession(str(det_path), options, providers=providers)
        self.rec = ort.InferenceSession(str(rec_path), options, providers=providers)
        self.det_input = self.det.get_inputs()[0].name
        self.rec_input = self.rec.get_inputs()[0].name
        meta = self.rec.get_modelmeta().custom_metadata_map
        self.charset = ["blank"] + meta["character"].splitlines() + [" "]
        # The model has both widths of digits and Latin letters (0 and ０): they are one
        # character to us, so their probabilities are added before deciding and scoring.
        np = _np()
        index = {ch: i for i, ch in enumerate(self.charset)}
        twin = np.arange(len(self.charset))
        for i, ch in enumerate(self.charset):
            if len(ch) == 1 and 0xFF01 <= ord(ch) <= 0xFF5E:
                half = index.get(chr(ord(ch) - 0xFEE0))
                if half is not None:
                    twin[i], twin[half] = half, i
        self.twin = twin
        self.has_twin = twin != np.arange(len(self.charset))
        self.post = DBPostProcess(thresh=0.3, box_thresh=0.5, max_candidates=1000, unclip_ratio=1.6,
                                  use_dilation=True, score_mode="fast")
        self.threads = threads
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="gongkai-ocr") if threads > 1 else None

    # detection: text line quadrilaterals in the coordinates of `image`
    def detect(self, image, scale: float):
        np, cv2 = _np(), _cv2()
        h, w = image.shape[:2]
        rh = max(32, int(round(h * scale / 32)) * 32)
        rw = max(32, int(round(w * scale / 32)) * 32)
        resized = cv2.resize(image, (rw, rh), interpolation=cv2.INTER_AREA)
        x = (resized.astype(np.float32) / 255.0 - 0.5) / 0.5
        x = np.repeat(x[None, None, :, :], 3, axis=1)
        pred = self.det.run(None, {self.det_input: x})[0]
        boxes, _scores = self.post(pred, (h, w))
        return [b for b in boxes if (b[:, 0].max() - b[:, 0].min()) > 3 and (b[:, 1].max() - b[:, 1].min()) > 3]

    # recognition of text line images (gray) -> characters with their x position in the image
    def read_lines(self, images: list) -> list[list[tuple[str, float, float, float]]]:
        if self.pool is None or len(images) < 2:
            return [self._read_line(im) for im in images]
        return list(self.pool.map(self._read_line, images))

    def _read_line(self, image) -> list[tuple[str, float, float, float]]:
        np, cv2 = _np(), _cv2()
        h, w = image.shape[:2]
        if h < 2 or w < 2:
            return []
        target_h = REC_HEIGHT
        scale = target_h / h
        target_w = max(8, int(math.ceil(w * scale)))
        resized = cv2.resize(image, (target_w, target_h), interpolation=cv2.INTER_AREA if h > target_h else cv2.INTER_CUBIC)
        # The recogniser was trained on lines padded to at least 320 px; a lone short crop padded
        # less is read worse (a "0" becomes "o" or "。").
        padded_w = max(160, ((target_w + 7) // 8) * 8)
        x = np.zeros((1, 3, target_h, padded_w), dtype=np.float32)
        x[0, :, :, :target_w] = (resized.astype(np.float32) / 255.0 - 0.5) / 0.5
        pred = self.rec.run(None, {self.rec_input: x})[0][0]
        step = padded_w / pred.shape[0] / scale  # image pixels per output step
        return [(ch, conf, (t0 + t1 + 1) / 2 * step, gap) for ch, conf, t0, t1, gap in self._decode(pred)]

    def _decode(self, pred) -> list[tuple[str, float, int, int, float]]:
        """CTC greedy decoding: (character, its probability, first step, last step, how surely
        nothing else stands between it and the previous character).

        The last is 1 minus the largest probability, on the steps read as "nothing" in between,
        of any character other than those two: a faint decimal point that lost to the blank
        (52.29 read 5229) shows there, while the usual hesitation between the blank and the
        neighbouring digits at a character's edge does not count."""
        np = _np()
        top = pred.argmax(axis=1)
        steps = np.arange(len(top))
        prob = pred[steps, top] + pred[steps, self.twin[top]] * self.has_twin[top]
        idx = top.tolist()
        prob = prob.clip(max=1.0).tolist()
        out: list[list] = []
        prev = 0
        blanks: list[int] = []  # blank steps since the last character
        for t, (i, p) in enumerate(zip(idx, prob)):
            if i == 0:
                blanks.append(t)
            elif i == prev and out:
                out[-1][1] = max(out[-1][1], p)
                out[-1][3] = t
            else:
                gap = 1.0
                if out and blanks:
                    last = idx[out[-1][3]]
                    rows = pred[blanks]
                    known = rows[:, 0].copy()
                    for k in {last, int(self.twin[last]), i, int(self.twin[i])}:
                        known += rows[:, k]
                    gap = float(1.0 - max(0.0, float((1.0 - known).max())))
                out.append([self.charset[i] if i < len(self.charset) else "", p, t, t, gap])
                blanks = []
            prev = i
        return [tuple(o) for o in out]  # type: ignore[misc]


_engine: _Engine | None = None
_engine_lock = threading.Lock()


def engine() -> _Engine:
    global _engine
    with _engine_lock:
        if _engine is None:
            threads = os.environ.get(_THREADS_ENV)
            n = int(threads) if threads and threads.isdigit() and int(threads) > 0 else min(4, os.cpu_count() or 1)
            _engine = _Engine(n)
        return _engine


# --- page geometry -----------------------------------------------------------------------------
@dataclass
class _Geometry:
    dpi: float
    char: float  # expected character height in pixels (≈ 10.5 pt, the tables' usual size)
    tol: int  # how far apart two lines may be and still be one line

    @classmethod
    def for_dpi(cls, dpi: float) -> "_Geometry":
        return cls(dpi, 10.5 / 72 * dpi, max(3, int(round(dpi * 0.03))))


def _binarize(gray):
    """Ink = 1. Background flattened first so uneven scanner lighting does not become ink."""
    np, cv2 = _np(), _cv2()
    h, w = gray.shape
    k = max(15, (min(h, w) // 40) | 1)
    background = cv2.morphologyEx(gray, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    flat = cv2.divide(gray, background, scale=255)
    _, bw = cv2.threshold(flat, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    # Otsu on a nearly blank page picks a threshold inside the paper noise: keep only clear ink.
    bw[flat > 200] = 0
    return bw.astype(np.uint8), flat


def _deskew(gray, bw, flat, geo: _Geometry):
    """Rotate a skewed scan upright (projection-profile search, ±3°); returns (gray, bw, flat, angle)."""
    np, cv2 = _np(), _cv2()
    h, w = bw.shape
    f = min(1.0, 800 / max(h, w))
    small = cv2.resize(bw * 255, (max(1, int(w * f)), max(1, int(h * f))), interpolation=cv2.INTER_AREA)
    if small.sum() == 0:
        return gray, bw, flat, 0.0
    center = (small.shape[1] / 2, small.shape[0] / 2)

    def score(angle: float) -> float:
        m = cv2.getRotationMatrix2D(center, angle, 1.0)
        rot = cv2.warpAffine(small, m, (small.shape[1], small.shape[0]), flags=cv2.INTER_NEAREST)
        rows = rot.sum(axis=1).astype(np.float64)
        return float((rows ** 2).sum())

    best = max((score(a), a) for a in np.arange(-3.0, 3.01, 0.5))[1]
    best = max((score(a), a) for a in np.arange(best - 0.5, best + 0.51, 0.1))[1]
    if abs(best) < 0.15:
        return gray, bw, flat, 0.0
    m = cv2.getRotationMatrix2D((w / 2, h / 2), best, 1.0)
    gray = cv2.warpAffine(gray, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)
    bw, flat = _binarize(gray)
    return gray, bw, flat, float(best)


@dataclass
class _TableGrid:
    x0: int
    y0: int
    x1: int
    y1: int
    xs: list[int]
    ys: list[int]
    # for each fine cell (r, c): the id of the merged cell it belongs to
    owner: list[list[int]]


def _line_masks(bw, geo: _Geometry, ink=None):
    cv2 = _cv2()
    length = max(20, int(geo.dpi * 0.25))
    # Close one- or two-pixel breaks of scanned lines, no more: a wider closing bridges the digits
    # of consecutive rows through the line between them and draws columns that are not there.
    bridge = max(3, int(round(geo.dpi * 0.01)) | 1)
    h_close = cv2.morphologyEx(bw, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (bridge, 1)))
    v_close = cv2.morphologyEx(bw, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, bridge)))
    horizontal = cv2.morphologyEx(h_close, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1)))
    vertical = cv2.morphologyEx(v_close, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, length)))
    return (_keep_connected(horizontal, vertical, geo, axis=0),
            _keep_connected(vertical, horizontal, geo, axis=1, ink=ink))


def _keep_connected(mask, other, geo: _Geometry, axis: int, ink=None):
    """Keep the line segments that run from one crossing line to another, cut to that stretch: a
    table's rulings always cross, a dash or an underline inside a cell does not, and a ruling that
    runs on into text touching the table loses the run-on. Vertical segments must also have clear
    sides: a chain of character strokes across tightly set rows has ink beside it."""
    np, cv2 = _np(), _cv2()
    reach = cv2.dilate(other, cv2.getStructuringElement(cv2.MORPH_RECT, (geo.tol * 2 + 1, geo.tol * 2 + 1)))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    out = np.zeros(mask.shape, dtype=np.uint8)
    H, W = mask.shape
    for i in range(1, n):
        x, y, w, h, _area = stats[i]
        if axis == 0:
            hits = np.flatnonzero(reach[y:y + h, x:x + w].any(axis=0))
        else:
            hits = np.flatnonzero(reach[y:y + h, x:x + w].any(axis=1))
        if len(hits) == 0:
            continue
        # distinct crossings: runs of hits separated by more than a crossing's width
        breaks = np.flatnonzero(np.diff(hits) > geo.tol * 2 + 2)
        if len(breaks) == 0 or hits[-1] - hits[0] < geo.char * 0.8:
            continue  # meets one crossing line only
        a, b = int(hits[0]), int(hits[-1]) + 1
        if axis == 1 and ink is not None:
            rows = np.ones(b - a, dtype=bool)
            rows[hits[(hits >= a) & (hits < b)] - a] = False  # where lines cross, the sides are lines
            if rows.sum() > 0:
                y0, y1 = y + a, y + b
                # A stroke of a character has its other strokes beside it: several ink pixels in
                # a few columns next to the segment; a ruling has paper there, or scattered noise.
                left = ink[y0:y1, max(0, x - 6):max(0, x - 1)].sum(axis=1) >= 3
                right = ink[y0:y1, min(W, x + w + 1):min(W, x + w + 6)].sum(axis=1) >= 3
                if ((left | right) & rows).sum() / rows.sum() > 0.2:
                    continue
        if axis == 0:
            region = labels[y:y + h, x + a:x + b] == i
            out[y:y + h, x + a:x + b][region] = 1
        else:
            region = labels[y + a:y + b, x:x + w] == i
            out[y + a:y + b, x:x + w][region] = 1
    return out


def _positions(profile, minimum: float, tol: int) -> list[int]:
    """Centres of the runs where `profile` reaches `minimum` (runs closer than tol merge)."""
    idx = [i for i, v in enumerate(profile.tolist()) if v >= minimum]
    out: list[list[int]] = []
    for i in idx:
        if out and i - out[-1][-1] <= tol:
            out[-1].append(i)
        else:
            out.append([i])
    return [int(round((run[0] + run[-1]) / 2)) for run in out]


def _find_tables(bw, flat, geo: _Geometry) -> tuple[list[_TableGrid], Any, Any]:
    np, cv2 = _np(), _cv2()
    # A hairline (0.5 pt is 1.4 px at 200 dpi) is often two columns of grey lighter than the
    # text's threshold: lines are looked for in anything clearly darker than the paper. Noise
    # that this lets in never forms the long runs a line needs.
    horizontal, vertical = _line_masks((flat < 215).astype(np.uint8), geo, ink=_despeckle(bw, geo))
    lines = cv2.dilate(horizontal | vertical, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(lines, connectivity=8)
    tables: list[_TableGrid] = []
    for i in range(1, n):
        x, y, w, h, _ = stats[i]
        if w < geo.char * 4 or h < geo.char * 2:
            continue
        region = labels[y:y + h, x:x + w] == i
        hm = horizontal[y:y + h, x:x + w] & region
        vm = vertical[y:y + h, x:x + w] & region
        ys = _positions(hm.sum(axis=1), geo.char * 1.5, geo.tol)
        xs = _positions(vm.sum(axis=0), geo.char * 1.0, geo.tol)
        if len(ys) < 2 or len(xs) < 2:
            continue
        grid = _merge_cells(hm, vm, xs, ys, geo)
        xs_abs, ys_abs = [x + v for v in xs], [y + v for v in ys]
        tables.append(_TableGrid(xs_abs[0], ys_abs[0], xs_abs[-1], ys_abs[-1], xs_abs, ys_abs, grid))
    tables.sort(key=lambda t: t.y0)
    return tables, horizontal, vertical


def _merge_cells(hm, vm, xs: list[int], ys: list[int], geo: _Geometry) -> list[list[int]]:
    """Union the elementary boxes that have no ruling line between them."""
    rows, cols = len(ys) - 1, len(xs) - 1
    parent = list(range(rows * cols))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    t = geo.tol
    for r in range(rows):
        y0, y1 = ys[r] + t, ys[r + 1] - t
        for c in range(cols - 1):
            x = xs[c + 1]
            band = vm[max(0, y0):max(y0 + 1, y1), max(0, x - t):x + t + 1]
            if band.size == 0 or band.any(axis=1).mean() < 0.5:
                union(r * cols + c, r * cols + c + 1)
    for c in range(cols):
        x0, x1 = xs[c] + t, xs[c + 1] - t
        for r in range(rows - 1):
            y = ys[r + 1]
            band = hm[max(0, y - t):y + t + 1, max(0, x0):max(x0 + 1, x1)]
            if band.size == 0 or band.any(axis=0).mean() < 0.5:
                union(r * cols + c, (r + 1) * cols + c)
    return [[find(r * cols + c) for c in range(cols)] for r in range(rows)]


def _despeckle(ink, geo: _Geometry):
    """Ink without dust: tiny specks far from any other ink. A decimal point or a 、 sits next to
    its text and stays; a speck alone in a cell would otherwise be read as text."""
    np, cv2 = _np(), _cv2()
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    small_area = max(4, int((geo.char * 0.12) ** 2))
    small = np.zeros(n, dtype=bool)
    small[1:] = stats[1:, cv2.CC_STAT_AREA] <= small_area
    if not small.any():
        return ink
    big = (~small[labels] & (labels > 0)).astype(np.uint8)
    near = int(geo.char * 0.7) | 1
    around = cv2.dilate(big, cv2.getStructuringElement(cv2.MORPH_RECT, (near, near)))
    dust = small[labels] & (around == 0)
    out = ink.copy()
    out[dust] = 0
    return out


# --- text in cells -----------------------------------------------------------------------------
def _bands(ink, geo: _Geometry) -> list[tuple[int, int, int, int]]:
    """Text lines in a cell's ink: (x0, y0, x1, y1) boxes, top to bottom."""
    np = _np()
    rows = ink.any(axis=1)
    if not rows.any():
        return []
    spans: list[list[int]] = []
    y = 0
    n = len(rows)
    while y < n:
        if rows[y]:
            start = y
            while y < n and rows[y]:
                y += 1
            spans.append([start, y])
        y += 1
    # strokes of one line that the projection splits (二, 三, 一、): join gaps smaller than a
    # third of a character when the joined band is still one character high
    merged: list[list[int]] = []
    for s in spans:
        if merged and s[0] - merged[-1][1] < geo.char * 0.35 and s[1] - merged[-1][0] <= geo.char * 1.35:
            merged[-1][1] = s[1]
        else:
            merged.append(s)
    out = []
    for y0, y1 in merged:
        cols = np.flatnonzero(ink[y0:y1].any(axis=0))
        if len(cols) == 0:
            continue
        # specks of dust are no text
        if (y1 - y0) < 2 and (cols[-1] - cols[0]) < geo.char * 0.3:
            continue
        if int(ink[y0:y1].sum()) < 4:
            continue
        out.append((int(cols[0]), y0, int(cols[-1]) + 1, y1))
    return out


@dataclass
class _Segment:
    """A text line to recognise: its ink box, and what it belongs to."""

    box: tuple[int, int, int, int]
    owner: Any
    text: str = ""
    conf: float = 0.0  # the lowest character probability
    mean: float = 0.0  # the mean character probability
    chars: list = field(default_factory=list)  # (character, probability, x on the page)


def _read_segments(ocr: "_Engine", clean, segments: list[_Segment], em: float, room: float = 0.12) -> None:
    """Recognise segments as composite lines: segments of one visual line (a table row's cells)
    are cut out at one common height and set side by side with blank gaps, so each digit is read
    in the context of its row — a lone "0" cropped alone is easily "o" or "。" — and characters
    are given back to the segment under their position."""
    np = _np()
    order = sorted(range(len(segments)), key=lambda i: (segments[i].box[1] + segments[i].box[3]) / 2)
    groups: list[list[int]] = []
    for i in order:
        b = segments[i].box
        yc = (b[1] + b[3]) / 2
        if groups:
            g = groups[-1]
            gc = sum((segments[j].box[1] + segments[j].box[3]) / 2 for j in g) / len(g)
            if abs(yc - gc) < em * 0.35:
                g.append(i)
                continue
        groups.append([i])
    # Within a line, full-height text (Chinese) and short text (digits, dashes: about 0.75 of a
    # Chinese character) are read apart, each cut at its own height: digits cut at the height of
    # the Chinese next to them have room above and below and read less surely ("0" or "o").
    split: list[list[int]] = []
    for g in groups:
        highest = max(segments[j].box[3] - segments[j].box[1] for j in g)
        tall = [j for j in g if segments[j].box[3] - segments[j].box[1] > highest * 0.88]
        short = [j for j in g if j not in tall]
        split.extend(part for part in (tall, short) if part)
    groups = split
    images = []
    layouts: list[list[tuple[int, float, float]]] = []
    H, W = clean.shape
    for g in groups:
        g.sort(key=lambda i: segments[i].box[0])
        yc = sum((segments[j].box[1] + segments[j].box[3]) / 2 for j in g) / len(g)
        # Cut at the line's own ink height plus a little, as the detector would: digits read as
        # digits when they fill the crop (with room above and below, "0" becomes "o"); a lone
        # dash keeps a height of at least most of a character.
        em_g = max(segments[j].box[3] - segments[j].box[1] for j in g)
        if em_g < em * 0.6:
            em_g = em * 0.6
            top, bottom = int(yc - em_g * 0.62), int(yc + em_g * 0.62)
        else:
            pad = room
            top = min(segments[j].box[1] for j in g) - int(round(em_g * pad))
            bottom = max(segments[j].box[3] for j in g) + int(round(em_g * pad))
        top, bottom = max(0, top), min(H, bottom)
        margin = int(round(em_g * 0.12))
        gap = int(round(em_g * 0.6))
        pieces = []
        layout = []
        x = 0
        for j in g:
            x0, _, x1, _ = segments[j].box
            piece = clean[top:bottom, max(0, x0 - margin):min(W, x1 + margin)]
            if pieces:
                pieces.append(np.full((bottom - top, gap), 255, dtype=np.uint8))
                x += gap
            pieces.append(piece)
            layout.append((j, x, x + piece.shape[1], max(0, x0 - margin)))
            x += piece.shape[1]
        lead = np.full((bottom - top, margin), 255, dtype=np.uint8)
        images.append(np.hstack([lead] + pieces + [lead]))
        layouts.append([(j, a + margin, b + margin, page_x) for j, a, b, page_x in layout])
    for layout, chars in zip(layouts, ocr.read_lines(images)):
        parts: dict[int, list[tuple[str, float, float]]] = {seg[0]: [] for seg in layout}
        for ch, conf, x, gap in chars:
            # the segment under the character, or the nearest one; and where it stands on the page
            seg = min(layout, key=lambda sg: 0 if sg[1] <= x <= sg[2] else min(abs(x - sg[1]), abs(x - sg[2])))
            mine = parts[seg[0]]
            if mine and ch.translate(_FULLWIDTH) in _NUMERIC and mine[-1][0].translate(_FULLWIDTH) in _NUMERIC:
                # within a number, a character is no surer than the "nothing" read before it
                conf = min(conf, gap)
            mine.append((ch, conf, seg[3] + (x - seg[1])))
        for j, got in parts.items():
            # 丶 (a dictionary radical, never written in prose) is how the model reads 、
            got = [("、" if c == "丶" else c, p, px) for c, p, px in got]
            while got and not got[0][0].strip():
                got.pop(0)
            while got and not got[-1][0].strip():
                got.pop()
            seg = segments[j]
            seg.chars = got
            seg.text = "".join(c for c, _, _ in got)
            probs = [p for c, p, _ in got if c.strip()]
            seg.conf = min(probs, default=0.0)
            seg.mean = sum(probs) / len(probs) if probs else 0.0


def _em(boxes: list[tuple[int, int, int, int]], geo: _Geometry) -> float:
    """The text size of a table: the height of its full-height glyphs (Chinese characters), which
    digits (about 0.7 of it) are read against."""
    heights = sorted(b[3] - b[1] for b in boxes if b[3] - b[1] >= geo.char * 0.4)
    if len(heights) < 3:
        return geo.char
    tall = heights[int(len(heights) * 0.9)]
    full = [h for h in heights if h >= tall * 0.9]  # digits stand about 0.8 of a character high
    return float(sorted(full)[len(full) // 2])


def classify_cell_text(text: str, confidence: float, mean: float | None = None) -> tuple[str, "Message | None"]:
    """OCR text of a table cell -> (text for the document, why it is not trusted or None).

    Chinese text is a label and passes as read, unless it was read so unsurely (mean character
    probability below `MIN_LABEL_CONFIDENCE`) that it is likely noise read as words — a value cell
    taken for a label would lend its row's label to the next row's values. A run of dashes (or 一)
    is the null dash. What remains should be a number: only a clean number whose every character
    was read with `MIN_CONFIDENCE` passes. Everything else becomes the unreadable marker.
    """
    t = text.translate(_FULLWIDTH).replace(" ", "").strip()
    if not t:
        return "", None
    if all(ch in _DASHES for ch in t):
        if confidence < MIN_CONFIDENCE:  # a faint 0 can look like a dash
            return unreadable_marker(), lazy("a dash read with confidence {confidence} < {minimum}",
                                             confidence=round(confidence, 2), minimum=MIN_CONFIDENCE)
        return "——", None
    if any(_CJK_RE.match(ch) and ch not in _DASHES for ch in t):
        if mean is not None and mean < MIN_LABEL_CONFIDENCE:
            return unreadable_marker(), lazy("words read too unsurely (mean confidence {confidence})",
                                             confidence=round(mean, 2))
        return text.strip(), None
    if _NUMBER_RE.match(t) and confidence >= MIN_CONFIDENCE:
        return t, None
    if t in ("/", "／", "\\", "╱"):
        return t, None  # the other null marks of the spec
    why = lazy("not a number") if not _NUMBER_RE.match(t) else \
        lazy("confidence {confidence} < {minimum}", confidence=round(confidence, 2), minimum=MIN_CONFIDENCE)
    return unreadable_marker(), why


_marker_cache: str | None = None


def unreadable_marker() -> str:
    """The text of a cell that could not be read: `UNREADABLE` when the extractor turns it into
    null plus an extraction finding; otherwise the null dash, which every extractor reads as a
    value cell (null) rather than as a word that would shift the row — the reading is then only
    reported through `Document.notes`."""
    global _marker_cache
    if _marker_cache is None:
        try:
            from ..extract.atoms import atoms_of

            probe = Document([Table([[Cell(UNREADABLE, Origin(confidence=0.0))]])], media_type=PNG)
            atoms = atoms_of(probe)
            _marker_cache = UNREADABLE if len(atoms) == 1 and atoms[0].kind == "cell" else "——"
        except Exception:  # pragma: no cover - an extractor that cannot even say
            _marker_cache = "——"
    return _marker_cache


def gate_numbers(chars: list, threshold: float | None = None) -> str:
    """Paragraph text with every number that has a character read below `MIN_CONFIDENCE` replaced
    by the unreadable marker: a figure in running text is as sure as its least sure digit."""
    out: list[str] = []
    i = 0
    n = len(chars)
    while i < n:
        ch = chars[i][0].translate(_FULLWIDTH)
        if ch.isdigit():
            j = i
            while j < n and (chars[j][0].translate(_FULLWIDTH).isdigit()
                             or (chars[j][0] in ".,．，" and j + 1 < n and chars[j + 1][0].translate(_FULLWIDTH).isdigit())):
                j += 1
            run = chars[i:j]
            if min(c[1] for c in run) >= (MIN_CONFIDENCE if threshold is None else threshold):
                out.append("".join(c[0] for c in run))
            else:
                out.append(UNREADABLE)
            i = j
        else:
            out.append(chars[i][0])
            i += 1
    return "".join(out)


# --- paragraphs --------------------------------------------------------------------------------
@dataclass
class _Line:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    conf: float


def _join_pieces(pieces: list[_Line], geo: _Geometry) -> _Line:
    pieces = sorted(pieces, key=lambda p: p.x0)
    text = pieces[0].text
    for prev, p in zip(pieces, pieces[1:]):
        a, b = text[-1:], p.text[:1]
        tight = _CJK_RE.match(a) or _CJK_RE.match(b) or a in _CJK_PUNCT or b in _CJK_PUNCT
        if p.x0 - prev.x1 > geo.char * 0.8 or not tight:
            text += " "
        text += p.text
    return _Line(min(p.x0 for p in pieces), min(p.y0 for p in pieces), max(p.x1 for p in pieces),
                 max(p.y1 for p in pieces), text, min(p.conf for p in pieces))


def _lines_from_boxes(items: list[_Line], geo: _Geometry) -> list[_Line]:
    """Detector boxes on the same visual line -> one line, left to right."""
    items = sorted(items, key=lambda i: ((i.y0 + i.y1) / 2, i.x0))
    lines: list[list[_Line]] = []
    for it in items:
        mid = (it.y0 + it.y1) / 2
        if lines:
            last = lines[-1]
            top = min(p.y0 for p in last)
            bottom = max(p.y1 for p in last)
            if top <= mid <= bottom:
                last.append(it)
                continue
        lines.append([it])
    return [_join_pieces(group, geo) for group in lines]


def _paragraphs(lines: list[_Line], geo: _Geometry, left: float, right: float) -> list[list[_Line]]:
    """Visual lines -> paragraphs: a line continues the previous one when the previous reaches the
    right edge of the text and this one starts at the left edge (or both are centred, as a
    wrapped title is), the line gap is normal and the text size the same."""
    out: list[list[_Line]] = []
    center = (left + right) / 2
    for ln in lines:
        if out:
            prev = out[-1][-1]
            h_prev, h = prev.y1 - prev.y0, ln.y1 - ln.y0
            gap = ln.y0 - prev.y1
            same_size = 0.75 < h / max(h_prev, 1) < 1.33
            full = prev.x1 >= right - max(h_prev, geo.char) * 1.5
            flush_left = ln.x0 <= left + max(h, geo.char) * 0.8
            centred = abs((ln.x0 + ln.x1) / 2 - center) < h and abs((prev.x0 + prev.x1) / 2 - center) < h_prev
            if same_size and gap < max(h, h_prev) * 1.2 and full and (flush_left or centred):
                out[-1].append(ln)
                continue
        out.append([ln])
    return out


def _join_lines(lines: list[_Line]) -> str:
    text = ""
    for ln in lines:
        if text and not (_CJK_RE.match(text[-1]) or _CJK_RE.match(ln.text[:1]) or text[-1] in _CJK_PUNCT):
            text += " "
        text += ln.text
    return text


# --- a page ------------------------------------------------------------------------------------
def ocr_page_image(image: Any, *, page: int = 1, dpi: float | None = None,
                   notes: list | None = None) -> list[Block]:
    """OCR one page image (a PIL image or a numpy array) into blocks in reading order.

    `page` and `dpi` set the Origin of every block: bboxes are in PDF points (pixels × 72 / dpi),
    top-left origin. Readings not trusted as numbers are listed in `notes` when given.
    """
    cv2 = _cv2()
    gray = _to_gray(image)
    dpi = float(dpi or DEFAULT_DPI)
    geo = _Geometry.for_dpi(dpi)
    bw, flat = _binarize(gray)
    gray, bw, flat, _angle = _deskew(gray, bw, flat, geo)
    tables, horizontal, vertical = _find_tables(bw, flat, geo)
    to_pt = 72.0 / dpi

    def bbox(x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
        return (round(x0 * to_pt, 2), round(y0 * to_pt, 2), round(x1 * to_pt, 2), round(y1 * to_pt, 2))

    # 1. tables: every merged cell's text lines
    ocr = engine()
    lines_mask = cv2.dilate(horizontal | vertical, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    text_ink = _despeckle(bw & ~lines_mask, geo)
    clean = gray.copy()
    clean[lines_mask > 0] = 255  # ruling lines must not be read as 1 or |
    clean[(bw > 0) & (text_ink == 0) & (lines_mask == 0)] = 255  # nor dust as text
    segments: list[_Segment] = []
    for t in tables:
        _heal_splits(t, text_ink, geo)
    inset = 2
    for ti, t in enumerate(tables):
        for cid, (x0, y0, x1, y1) in _cell_boxes(t).items():
            ink = text_ink[y0 + inset:y1 - inset, x0 + inset:x1 - inset]
            if ink.size == 0:
                continue
            for bx0, by0, bx1, by1 in _bands(ink, geo):
                box = (x0 + inset + bx0, y0 + inset + by0, x0 + inset + bx1, y0 + inset + by1)
                segments.append(_Segment(box, (ti, cid)))
    if segments:
        # one text size for all the page's tables: a small table (the appeals one, mostly digits)
        # says little about it on its own
        em = _em([sg.box for sg in segments], geo)
        for ti in range(len(tables)):
            _read_segments(ocr, clean, [sg for sg in segments if sg.owner[0] == ti], em)
    # 2. text outside tables: detector on the page with the tables blanked
    outside = gray.copy()
    for t in tables:
        outside[max(0, t.y0 - geo.tol):t.y1 + geo.tol, max(0, t.x0 - geo.tol):t.x1 + geo.tol] = 255
    line_segments = [_Segment(box, None) for box in _refine(_detect_outside(ocr, outside, geo), outside)]
    if line_segments:
        # Running text reads as well with the detector's usual room above and below (a crop about
        # 1.45 times the text) as with the tight cut digits need, and the taller crop is narrower
        # once scaled to the recogniser's height: recognition time is proportional to that width.
        _read_segments(ocr, outside, line_segments, _em([sg.box for sg in line_segments], geo), room=0.22)

    items: list[tuple[float, Block]] = []
    for ti, t in enumerate(tables):
        texts: dict[int, list[tuple[str, float, float]]] = {}
        suspect: set[int] = set()
        interior = _interior_lines(t)
        for sg in segments:
            tj, cid = sg.owner
            if tj == ti:
                texts.setdefault(cid, []).append((sg.text, sg.conf, sg.mean, sg.chars))
                lines_x = interior.get(cid, ())
                if any(c in _LINE_LIKE and any(abs(px - lx) <= geo.tol * 1.5 for lx in lines_x) for c, _, px in sg.chars):
                    suspect.add(cid)
        lost = _split_lost_lines(t, texts, interior)
        boxes = _cell_boxes(t)
        built: dict[int, Cell] = {}
        grid: list[list[Cell]] = []
        for r, owners in enumerate(t.owner):
            row: list[Cell] = []
            for cid in owners:
                if cid in built:
                    owner_cell = built[cid]
                    row.append(Cell(owner_cell.text, owner_cell.origin, spanned=True))
                    continue
                pieces = texts.get(cid, [])
                raw = _join_cell([p[0] for p in pieces])
                conf = min((p[1] for p in pieces), default=None)
                mean = min((p[2] for p in pieces), default=None)
                if pieces and not raw:
                    # ink the recogniser could not read at all: never an empty (null) cell
                    raw, conf = "?", 0.0
                text, why = classify_cell_text(raw, conf if conf is not None else 1.0, mean)
                if cid in lost:
                    text, why = unreadable_marker(), lazy("a value whose column line was lost in the scan")
                elif text and _CJK_RE.search(text) and any(ch.isdigit() for ch in text.translate(_FULLWIDTH)):
                    # Words with figures (1.属于国家秘密): each figure is only as sure as its
                    # digits; and in a cell spanning several columns, where the template has no
                    # words with figures, a figure is a value cell whose column line was lost.
                    spans = cid in interior
                    gated = _join_cell([gate_numbers(p[3], 2.0 if spans else MIN_CONFIDENCE) for p in pieces])
                    if gated != text:
                        why = lazy("figures in words read unsurely or across a lost column line")
                        text = gated
                if cid in suspect and not _CJK_RE.search(raw):
                    # a merged cell with a 1 or | where a column line would run: the "merge" is
                    # more likely a ruling lost in a poor scan than one number
                    text, why = unreadable_marker(), lazy("a column line may have been read as a digit")
                box = boxes[cid]
                if why and notes is not None:
                    notes.append(lazy("page {page}: a table cell at {box} read as {raw} ({why}) is left unread",
                                      page=page, box=_describe_box(bbox(*box)), raw=repr(raw), why=why))
                cell = Cell(text, Origin(page=page, bbox=bbox(*box), confidence=round(conf, 3) if conf is not None else None))
                built[cid] = cell
                row.append(cell)
            grid.append(row)
        items.append((t.y0, Table(grid, Origin(page=page, bbox=bbox(t.x0, t.y0, t.x1, t.y1)))))

    pieces = [_Line(*map(float, sg.box), gate_numbers(sg.chars), sg.conf) for sg in line_segments if sg.text]
    lines = _lines_from_boxes(pieces, geo)
    if lines:
        left = min(ln.x0 for ln in lines)
        right = max(ln.x1 for ln in lines)
        if tables:
            left = min(left, min(t.x0 for t in tables))
            right = max(right, max(t.x1 for t in tables))
        # a table between two lines always ends a paragraph
        segments: list[list[_Line]] = []
        for ln in lines:
            if segments and not any(segments[-1][-1].y1 <= t.y0 and t.y0 <= ln.y0 for t in tables):
                segments[-1].append(ln)
            else:
                segments.append([ln])
        for seg in segments:
            for para in _paragraphs(seg, geo, left, right):
                x0 = min(ln.x0 for ln in para)
                y0 = min(ln.y0 for ln in para)
                x1 = max(ln.x1 for ln in para)
                y1 = max(ln.y1 for ln in para)
                conf = min(ln.conf for ln in para)
                items.append((y0, Paragraph(_join_lines(para), Origin(page=page, bbox=bbox(x0, y0, x1, y1),
                                                                      confidence=round(conf, 3)))))
    items.sort(key=lambda it: it[0])
    return [block for _, block in items]


_LINE_LIKE = frozenset("1|lI丨!｜")


def _heal_splits(t: _TableGrid, text_ink, geo: _Geometry) -> None:
    """Join cells that a false column line split: where text runs across the line (ink within a
    third of a character on both sides, on the same rows), the "line" is strokes of characters
    aligned down tightly set rows (a poor scan), not a ruling — cells always have padding."""
    rows, cols = len(t.ys) - 1, len(t.xs) - 1
    ids = sorted({cid for row in t.owner for cid in row})
    parent = {cid: cid for cid in ids}

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    reach = max(3, int(geo.char / 3))
    gap = 3  # the line's own width and its anti-aliasing
    for r in range(rows):
        y0, y1 = t.ys[r] + 2, t.ys[r + 1] - 1
        if y1 - y0 < 3:
            continue
        for c in range(cols - 1):
            a, b = t.owner[r][c], t.owner[r][c + 1]
            if find(a) == find(b):
                continue
            x = t.xs[c + 1]
            left = text_ink[y0:y1, max(0, x - gap - reach):x - gap].any(axis=1)
            right = text_ink[y0:y1, x + gap + 1:x + gap + 1 + reach].any(axis=1)
            if int((left & right).sum()) >= 3:
                parent[find(b)] = find(a)
    t.owner = [[find(cid) for cid in row] for row in t.owner]


def _interior_lines(t: _TableGrid) -> dict[int, list[int]]:
    """For each merged cell spanning several grid columns, the x of the column lines it covers."""
    spans: dict[int, tuple[int, int]] = {}
    for owners in t.owner:
        for c, cid in enumerate(owners):
            lo, hi = spans.get(cid, (c, c))
            spans[cid] = (min(lo, c), max(hi, c))
    return {cid: [t.xs[k] for k in range(lo + 1, hi + 1)] for cid, (lo, hi) in spans.items() if hi > lo}


def _cell_boxes(t: _TableGrid) -> dict[int, tuple[int, int, int, int]]:
    """Each (merged) cell's box in page pixels."""
    boxes: dict[int, tuple[int, int, int, int]] = {}
    for r, owners in enumerate(t.owner):
        for c, cid in enumerate(owners):
            x0, y0, x1, y1 = t.xs[c], t.ys[r], t.xs[c + 1], t.ys[r + 1]
            b = boxes.get(cid)
            boxes[cid] = (x0, y0, x1, y1) if b is None else (min(b[0], x0), min(b[1], y0), max(b[2], x1), max(b[3], y1))
    return boxes


def _split_lost_lines(t: _TableGrid, texts: dict, interior: dict[int, list[int]]) -> set[int]:
    """A merged cell spanning several columns that holds words on the left and figures on the
    right is a label and a value whose column line the scan lost: the cell is cut at the covered
    column line between them, and the figures' part is returned (its reading is not trusted)."""
    lost: set[int] = set()
    next_id = max((cid for row in t.owner for cid in row), default=0) + 1
    for cid, lines_x in interior.items():
        pieces = texts.get(cid)
        if not pieces:
            continue
        chars = [c for p in pieces for c in p[3]]
        cjk = [px for ch, _, px in chars if _CJK_RE.match(ch) and ch not in _DASHES]
        digits = [px for ch, _, px in chars if ch.translate(_FULLWIDTH).isdigit()]
        if not cjk or not digits or min(digits) <= max(cjk):
            continue
        cut = next((x for x in lines_x if max(cjk) < x < min(digits)), None)
        if cut is None:
            continue
        new = next_id
        next_id += 1
        for r, owners in enumerate(t.owner):
            for c, owner in enumerate(owners):
                if owner == cid and t.xs[c] >= cut:
                    owners[c] = new
        kept = []
        for text, conf, mean, seg_chars in pieces:
            left = [c for c in seg_chars if c[2] < cut]
            if left:
                probs = [p for ch, p, _ in left if ch.strip()]
                kept.append(("".join(ch for ch, _, _ in left).strip(), min(probs, default=0.0),
                             sum(probs) / len(probs) if probs else 0.0, left))
        texts[cid] = kept
        texts[new] = [("?", 0.0, 0.0, [])]
        lost.add(new)
    return lost


def _describe_box(b: tuple[float, float, float, float]) -> str:
    return f"({b[0]:.0f}, {b[1]:.0f})–({b[2]:.0f}, {b[3]:.0f}) pt"


def _join_cell(parts: list[str]) -> str:
    from .docx import join_cell_lines

    return join_cell_lines([p for p in parts if p])


def _detect_outside(ocr: _Engine, outside, geo: _Geometry) -> list:
    """Detector boxes for the text outside tables, in page pixels. The page is cut at blank rows
    into strips no taller than the detector likes, and each strip with ink is detected alone."""
    np = _np()
    h, w = outside.shape
    ink_rows = (outside < 128).any(axis=1)
    if not ink_rows.any():
        return []
    # detector resolution: text about 14-20 px high, which PP-OCR's detector reads best
    scale = min(1.0, 110.0 / geo.dpi)
    max_strip = int(1600 / scale)
    strips: list[tuple[int, int]] = []
    y = 0
    while y < h:
        if not ink_rows[y]:
            y += 1
            continue
        start = y
        last_ink = y
        while y < h and (y - last_ink) < geo.char * 2.5 and (y - start) < max_strip:
            if ink_rows[y]:
                last_ink = y
            y += 1
        strips.append((max(0, start - int(geo.char * 0.5)), min(h, last_ink + int(geo.char * 0.5) + 1)))
    # merge neighbouring strips into detector calls of reasonable size
    calls: list[tuple[int, int]] = []
    for s in strips:
        if calls and s[1] - calls[-1][0] <= max_strip and s[0] - calls[-1][1] < geo.char * 6:
            calls[-1] = (calls[-1][0], s[1])
        else:
            calls.append(s)
    boxes = []
    for y0, y1 in calls:
        part = outside[y0:y1]
        # pad so text touching the strip edge is still seen whole
        pad = int(geo.char)
        padded = np.full((part.shape[0] + 2 * pad, w), 255, dtype=part.dtype)
        padded[pad:pad + part.shape[0]] = part
        for quad in ocr.detect(padded, scale):
            q = quad.astype(np.float32).copy()
            q[:, 1] += y0 - pad
            boxes.append(q)
    return boxes


def _refine(quads: list, page) -> list[tuple[int, int, int, int]]:
    """The detector's loose quadrilaterals -> the ink boxes inside them (upright pages)."""
    np = _np()
    H, W = page.shape
    out = []
    for q in quads:
        x0, x1 = int(max(0, q[:, 0].min())), int(min(W, math.ceil(q[:, 0].max())))
        y0, y1 = int(max(0, q[:, 1].min())), int(min(H, math.ceil(q[:, 1].max())))
        ink = page[y0:y1, x0:x1] < 128
        if not ink.any():
            continue
        ys = np.flatnonzero(ink.any(axis=1))
        xs = np.flatnonzero(ink.any(axis=0))
        out.append((x0 + int(xs[0]), y0 + int(ys[0]), x0 + int(xs[-1]) + 1, y0 + int(ys[-1]) + 1))
    return out


def _to_gray(image: Any):
    np = _np()
    if hasattr(image, "mode"):  # PIL
        from PIL import Image

        if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
            bg = Image.new("RGBA", image.size, (255, 255, 255, 255))
            bg.alpha_composite(image.convert("RGBA"))
            image = bg
        return np.asarray(image.convert("L"), dtype=np.uint8).copy()
    arr = np.asarray(image)
    if arr.ndim == 3:
        cv2 = _cv2()
        if arr.shape[2] == 4:
            arr = cv2.cvtColor(arr, cv2.COLOR_BGRA2GRAY)
        else:
            arr = cv2.cvtColor(arr, cv2.COLOR_BGR2GRAY)
    return arr.astype(np.uint8, copy=True)


# --- images and PDFs -----------------------------------------------------------------------------
def _image_dpi(image) -> float:
    """The resolution a scan was made at: from the file when plausible, else from an A4 width."""
    dpi = image.info.get("dpi")
    if dpi:
        try:
            value = float(dpi[0])
        except (TypeError, ValueError, IndexError):
            value = 0.0
        # 72 and 96 are what software writes when it knows nothing
        if 100 <= value <= 1200:
            return value
    estimate = image.width / 8.27  # A4 portrait width in inches
    return float(min(600.0, max(100.0, estimate)))


def read_image(data: bytes) -> Document:
    """Read a PNG or JPEG page image (a scan, a photo of a page, a long image of several pages)."""
    try:
        from PIL import Image, ImageOps, UnidentifiedImageError
    except ImportError as e:  # pragma: no cover
        raise ModuleNotFoundError("reading images needs Pillow", name="PIL") from e
    try:
        with warnings.catch_warnings():  # Pillow's own bomb warning: the size is judged below
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))  # reads the header only
        _check_pixels(image.width, image.height)
        image.load()
    except UnidentifiedImageError:
        raise ReadError(lazy("the image cannot be decoded (not a PNG or JPEG image, or damaged)")) from None
    except Image.DecompressionBombError:
        raise TooLarge(lazy("the image is implausibly large ({width} × {height} pixels)",
                            width=image.width, height=image.height)) from None
    except (OSError, SyntaxError, ValueError, EOFError) as e:
        raise ReadError(lazy("the image is damaged or truncated ({error})", error=str(e))) from None
    media_type = JPEG if image.format == "JPEG" else PNG
    try:
        image = ImageOps.exif_transpose(image)
    except Exception:  # a broken EXIF block is no reason to refuse the picture
        pass
    dpi = _image_dpi(image)
    notes: list = []
    image, dpi = _within_ocr_budget(image, dpi, notes)
    blocks = ocr_page_image(image, page=1, dpi=dpi, notes=notes)
    if not blocks:
        notes.append(lazy("no text was found in the image"))
    return Document(blocks=blocks, media_type=media_type, notes=notes)


def _check_pixels(width: int, height: int) -> None:
    """Refuse an image whose header claims more pixels than a page scan has, before decoding it."""
    if width * height > MAX_IMAGE_PIXELS:
        raise TooLarge(lazy("the image is {width} × {height} pixels, more than the {limit} million a scanned "
                            "report page can have; it is not decoded", width=width, height=height,
                            limit=MAX_IMAGE_PIXELS // 1_000_000))


def _within_ocr_budget(image, dpi: float, notes: list):
    """(image, dpi) reduced to at most MAX_OCR_PIXELS, so OCR's working memory stays bounded;
    refused when that would leave less than MIN_OCR_DPI."""
    pixels = image.width * image.height
    if pixels <= MAX_OCR_PIXELS:
        return image, dpi
    new_dpi = ocr_dpi(image.width / dpi * 72, image.height / dpi * 72, dpi)
    if new_dpi is None:
        raise TooLarge(lazy("the image is {width} × {height} pixels: read at {dpi} dpi, the least OCR needs, "
                            "it would still exceed the {limit} million pixels OCR can work on",
                            width=image.width, height=image.height, dpi=int(MIN_OCR_DPI),
                            limit=MAX_OCR_PIXELS // 1_000_000))
    factor = new_dpi / dpi
    size = (max(1, int(image.width * factor)), max(1, int(image.height * factor)))
    notes.append(lazy("the image ({width} × {height} pixels) was reduced to {dpi} dpi for OCR",
                      width=image.width, height=image.height, dpi=round(new_dpi)))
    from PIL import Image

    return image.resize(size, Image.Resampling.BOX), new_dpi


def ocr_available() -> bool:
    """Whether the OCR engine (the `ocr` extra: rapidocr-onnxruntime, onnxruntime) is installed."""
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in ("rapidocr_onnxruntime", "onnxruntime", "cv2"))


def ocr_pdf_pages(data: bytes, pages: Sequence[int], *, dpi: float | None = None,
                  notes: list | None = None) -> dict[int, list[Block]]:
    """OCR the given 1-based pages of a PDF: the engine `gongkai.ingest.pdf.register_ocr` takes.

    Each page is rendered at its scan's own resolution (the pixels per inch of the largest image
    on it, kept within 150–400 dpi) or at `dpi`. Without the OCR extra installed it returns {}:
    the PDF reader then notes the pages as not read, and the rest of the PDF is still read.
    """
    if not ocr_available():
        return {}
    import pypdfium2 as pdfium

    out: dict[int, list[Block]] = {}
    pdf = pdfium.PdfDocument(data)
    try:
        for n in pages:
            page = pdf[n - 1]
            try:
                # by pixel budget, not page size: a 5 m page is not rendered at scan resolution
                page_dpi = ocr_dpi(page.get_width(), page.get_height(), dpi or _scan_dpi(page))
                if page_dpi is None:
                    if notes is not None:
                        notes.append(lazy("page {page} is too large to be read by OCR", page=n))
                    continue
                bitmap = page.render(scale=page_dpi / 72, grayscale=True)
                image = bitmap.to_pil()
                bitmap.close()
            finally:
                page.close()
            out[n] = ocr_page_image(image, page=n, dpi=page_dpi, notes=notes)
    finally:
        pdf.close()
    return out


def _scan_dpi(page) -> float:
    import pypdfium2.raw as pdfium_c

    width_pt = page.get_width()
    best = 0.0
    try:
        for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=2):
            try:
                px_w, _px_h = obj.get_px_size()
                left, _bottom, right, _top = obj.get_bounds()
            except Exception:
                continue
            if right - left > width_pt * 0.5 and px_w > 0:
                best = max(best, px_w / ((right - left) / 72.0))
    except Exception:
        best = 0.0
    return float(min(400.0, max(150.0, best))) if best else float(DEFAULT_DPI)


def install_pdf_ocr() -> None:
    """Make the PDF reader OCR its pages without a text layer with this module."""
    from . import pdf

    pdf.register_ocr(_pdf_engine)


def _pdf_engine(data: bytes, pages: Sequence[int]) -> dict[int, list[Block]]:
    return ocr_pdf_pages(data, pages)


__all__ = [
    "read_image", "ocr_page_image", "ocr_pdf_pages", "ocr_available", "install_pdf_ocr", "classify_cell_text",
    "gate_numbers", "unreadable_marker",
    "UNREADABLE", "MIN_CONFIDENCE",
]
