"""Fingerprints of a report's narrative, to find near-identical text (内容雷同) among thousands.

The narrative is the text of the parts that are prose (总体情况, 存在的主要问题及改进情况, 其他需要报告的
事项), not the statutory tables, whose labels every report shares. Digits are dropped, so a text
copied from last year with this year's numbers is still the same text. Each narrative becomes a
(one-permutation) MinHash signature over its 5-character shingles; LSH bands (32 × 4 rows) put any two narratives
with Jaccard similarity ≥ 0.8 into a common bucket with probability > 0.999 and rarely pair texts
below 0.4, so candidate pairs come from one SQL join on the band table instead of comparing all
pairs.
"""
from __future__ import annotations

import re
import zlib
from typing import Iterable, Optional

import numpy as np

SHINGLE = 5
PERMUTATIONS = 128
BANDS = 32
ROWS = PERMUTATIONS // BANDS
# shorter narratives say too little to call two reports the same
MIN_CHARS = 200
TABLE_SECTIONS = frozenset({2, 3, 4})

_NOISE_RE = re.compile(r"[\s\d０-９.．,，、。:：;；!！?？()（）\[\]【】《》“”\"'‘’%％\-—_/|·•]+")
_POWERS = np.array([pow(1_000_003, k, 1 << 64) for k in range(SHINGLE)], dtype=np.uint64)
_BIN_SHIFT = np.uint64(64 - (PERMUTATIONS - 1).bit_length())
_LOW32 = np.uint64(0xFFFFFFFF)


def _mix(x: "np.ndarray") -> "np.ndarray":
    """splitmix64's finaliser: spreads the shingle hashes over all 64 bits."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def narrative_text(sections: Iterable[tuple[int, str]]) -> str:
    """The prose of a report with digits, spaces and punctuation removed."""
    return "".join(_NOISE_RE.sub("", text) for number, text in sections if number not in TABLE_SECTIONS)


def signature(text: str) -> Optional[list[int]]:
    """MinHash signature (PERMUTATIONS uint32 values) of the text's shingles; None when too short.

    One-permutation MinHash: one hash per shingle, its top bits pick one of PERMUTATIONS bins and
    each bin keeps its smallest value; an empty bin borrows the next non-empty one. Equal bins
    estimate Jaccard similarity like classic MinHash, for one hash instead of 128 per shingle.
    """
    if len(text) < MIN_CHARS:
        return None
    # each shingle's code points as one 64-bit polynomial hash, for all positions at once
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    windows = np.lib.stride_tricks.sliding_window_view(points, SHINGLE)
    hashes = _mix(np.unique(windows @ _POWERS))  # uint64 arithmetic wraps: that is the mod 2^64
    bins = (hashes >> _BIN_SHIFT).astype(np.intp)
    sig = np.full(PERMUTATIONS, 0xFFFFFFFF, dtype=np.uint64)
    np.minimum.at(sig, bins, hashes & _LOW32)
    filled = np.zeros(PERMUTATIONS, dtype=bool)
    filled[bins] = True
    if not filled.all():
        idx = np.flatnonzero(filled)
        # the next non-empty bin, circularly
        nxt = idx[np.searchsorted(idx, np.arange(PERMUTATIONS)) % len(idx)]
        sig = sig[nxt]
    return sig.astype(np.uint32).tolist()


def bands(sig: list[int]) -> list[int]:
    """One 63-bit bucket hash per band."""
    arr = np.asarray(sig, dtype=np.uint32).reshape(BANDS, ROWS)
    out = []
    for i, row in enumerate(arr):
        digest = zlib.crc32(row.tobytes(), i) << 31 ^ zlib.adler32(row.tobytes(), i + 1)
        out.append(digest & ((1 << 63) - 1))
    return out


def similarity(a: list[int], b: list[int]) -> float:
    """Estimated Jaccard similarity of two signatures."""
    return float(np.mean(np.asarray(a, dtype=np.uint32) == np.asarray(b, dtype=np.uint32)))
