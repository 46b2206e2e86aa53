"""Near-duplicate search: normalising, MinHash signatures, a banded index, the exact similarity.

The measure (documented in the README): an item's text is its headline and
details; punctuation, whitespace and the branch's own name are removed
(:func:`normalise`); two texts are compared by :func:`similarity`, the share
of their characters that the two have in common in the same order:
2 × (length of their longest common subsequence) / (sum of their lengths),
i.e. 1 − (characters inserted or deleted to turn one into the other) / (both
lengths) — the normalised Indel similarity (rapidfuzz's ``fuzz.ratio``).
A copy with 5 % of its characters replaced scores 0.95, one with a clause
of nine dropped about 0.94, two clauses swapped about 0.9.  Of 6.5 million
pairs of unrelated items written from one vocabulary and shared stock
phrases (tests/test_review_corpus.py), 99.99 % score below 0.5; the highest,
0.79, are two-clause items sharing a whole clause and a stock phrase.
Character n-gram Jaccard, the earlier measure, dropped to about 0.74 when
5 % of the characters were changed at scattered places (each change breaks
three 3-grams).

Candidates come from MinHash locality-sensitive hashing over character
3-grams (60 hash functions in 20 bands of 3), indexed by sorting each band's
keys — never by comparing all pairs: the texts sharing a band key (a bucket)
are paired all with all when at most SMALL_BUCKET, else each with the
bucket's ANCHORS texts of lowest digest (linear; the same pairs whatever the
order the texts came in, so an incremental review finds the same ones).  A pair whose 3-gram Jaccard is J
shares a band with probability 1 − (1 − J³)²⁰ (:func:`candidate_probability`):
0.42 at J = 0.3, 0.93 at 0.5, 0.992 at 0.6, 0.9998 at 0.7.  Copies at the
default threshold (0.8) whose differences are whole passages (a clause
dropped or rewritten, clauses swapped, names, punctuation) have J ≥ 0.65;
copies with up to about 7 % of their characters changed at scattered places
have J ≥ 0.6 (measured: candidates 1.00 at 7 %, 0.97 at 10 %, 0.86 at 15 %).
On the test corpus every pair at or above 0.8 (all pairs compared once, by
``python tests/test_review_corpus.py``) was a candidate.  Every candidate is checked with the exact measure.  Only the
band keys (20 × 8 bytes) per distinct text stay in memory; the texts wait
in a temporary file (:class:`TextSpill`) for the exact check.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from array import array
from collections.abc import Iterator, Sequence
from functools import lru_cache

import numpy as np
from rapidfuzz.distance import Indel

BANDS = 20
ROWS = 3
PERMUTATIONS = BANDS * ROWS
SMALL_BUCKET = 6  # a bucket this small is checked pair by pair; a larger one along a chain (linear)
ANCHORS = 2  # R601: in a larger bucket each text is checked against its 2 lowest digests
FEW_ROWS = 64  # candidate_pairs of at most this many rows (one branch's items) without numpy

_rng = np.random.default_rng(20231220)
_A = _rng.integers(1, 2**63, size=PERMUTATIONS, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
_B = _rng.integers(0, 2**63, size=PERMUTATIONS, dtype=np.uint64)
_MIX = np.uint64(0x9E3779B97F4A7C15)
_BAND_MIX = np.uint64(0xC2B2AE3D27D4EB4F)
_NOT_WORD = re.compile(r"[\W_]+")
_NAME_SUFFIXES = ("党总支部", "党总支", "党支部", "总支", "支部")


def name_forms(name: str | None) -> tuple[str, ...]:
    """The branch's name as it may appear in its text: in full, and without 党支部 (机关第一党支部 → 机关第一)."""
    full = _NOT_WORD.sub("", name or "")
    forms = [full] if full else []
    for suffix in _NAME_SUFFIXES:
        if full.endswith(suffix) and len(full) - len(suffix) >= 2:
            forms.append(full[: -len(suffix)])
            break
    return tuple(forms)


def normalise(text: str, names: Sequence[str] = ()) -> str:
    """Letters and digits only (punctuation and whitespace removed), the branch's own name removed."""
    text = _NOT_WORD.sub("", text)
    for name in names:
        text = text.replace(name, "")
    return text


def similarity(a: str, b: str, cutoff: float = 0.0) -> float:
    """2 × LCS / (len a + len b) of two normalised texts; 0.0 when below ``cutoff`` (faster)."""
    if not a and not b:
        return 1.0
    return Indel.normalized_similarity(a, b, score_cutoff=cutoff)


def candidate_probability(jaccard: float, bands: int = BANDS, rows: int = ROWS) -> float:
    """The chance that two texts whose 3-gram Jaccard is ``jaccard`` share a band (the S-curve)."""
    return 1.0 - (1.0 - jaccard ** rows) ** bands


def digest(text: str) -> int:
    """A 64-bit hash of a normalised text (identical texts are grouped by it before any search)."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little") >> 1  # SQLite


def band_keys(texts: Sequence[str]) -> np.ndarray:
    """One row of BANDS 64-bit keys per text (MinHash over its character 3-grams, then banded)."""
    if not texts:
        return np.zeros((0, BANDS), dtype=np.uint64)
    parts, starts, at = [], [], 0
    for text in texts:
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        if len(codes) >= 3:
            codes = (codes[:-2] << np.uint64(42)) | (codes[1:-1] << np.uint64(21)) | codes[2:]
        parts.append(codes)
        starts.append(at)
        at += len(codes)
    keys = (np.concatenate(parts) * _MIX) >> np.uint64(32)
    hashed = keys[:, None] * _A[None, :]
    hashed += _B[None, :]
    signature = np.minimum.reduceat(hashed, np.asarray(starts), axis=0)
    bands = np.zeros((len(texts), BANDS), dtype=np.uint64)
    for j in range(ROWS):
        bands = (bands ^ signature[:, j::ROWS]) * _BAND_MIX
    return bands


def candidate_pairs(keys: np.ndarray, same: callable | None = None,
                    rank: np.ndarray | None = None) -> Iterator[tuple[int, int]]:
    """Pairs of rows sharing a band key: every pair of a small bucket; in a large one (linear) a chain,
    or with ``rank`` each text paired with the bucket's :data:`ANCHORS` lowest-ranked ones.

    ``same(i, j)`` (optional) says the pair is already known to belong
    together, so it is not offered again.  With ``rank`` (the texts' digests)
    the pairs depend only on which texts are in a bucket, not on their order,
    and a text added or removed changes few of them (an incremental review
    relies on both).  At most 2 pairs per row and band: linear whatever the content."""
    if rank is None and len(keys) <= FEW_ROWS:  # one branch's items: dicts beat numpy's per-call cost
        yield from _few_pairs(keys, same)
        return
    for band in range(keys.shape[1]):
        column = keys[:, band]
        order = np.argsort(column, kind="stable") if rank is None else np.lexsort((rank, column))
        ordered = column[order]
        edges = np.flatnonzero(ordered[1:] != ordered[:-1]) + 1
        bounds = np.concatenate(([0], edges, [len(ordered)]))
        shared = np.flatnonzero(np.diff(bounds) >= 2)  # buckets of one text: nothing to compare
        for start, end in zip(bounds[shared].tolist(), bounds[shared + 1].tolist()):
            for a, b in bucket_pairs(order[start:end].tolist(), rank is not None):
                if same is None or not same(a, b):
                    yield (a, b)


def _few_pairs(keys: np.ndarray, same) -> Iterator[tuple[int, int]]:
    """:func:`candidate_pairs` of a few rows (no rank), band by band, buckets by key order; only
    the bands where two rows share a key are looked at (usually none)."""
    if len(keys) < 2:
        return
    ordered = np.sort(keys, axis=0)
    shared = np.flatnonzero((ordered[1:] == ordered[:-1]).any(axis=0)).tolist()
    columns = keys[:, shared].T.tolist() if shared else []
    for column in columns:
        buckets: dict[int, list[int]] = {}
        for i, key in enumerate(column):
            buckets.setdefault(key, []).append(i)
        for key in sorted(k for k, members in buckets.items() if len(members) >= 2):
            for a, b in bucket_pairs(buckets[key], False):
                if same is None or not same(a, b):
                    yield (a, b)


def bucket_pairs(members: list[int], anchored: bool) -> Iterator[tuple[int, int]]:
    """The pairs of one bucket's members (in order): all when few; else anchored or along a chain."""
    if len(members) <= SMALL_BUCKET:
        return ((a, b) for k, a in enumerate(members) for b in members[k + 1:])
    if anchored:
        return ((members[k], b) for k in range(ANCHORS) for b in members[k + 1:])
    return (p for k in range(1, len(members)) for p in ((members[k - 1], members[k]), (members[0], members[k]))
            if p[0] != p[1])


class TextSpill:
    """Normalised texts kept in a temporary file, read back by number for the exact check."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile(prefix="reporter-review-")
        self._offsets = array("q")
        self._lengths = array("l")
        self._end = 0
        self.text = lru_cache(maxsize=8192)(self._text)

    def add(self, text: str) -> int:
        data = text.encode("utf-8")
        self._file.write(data)
        self._offsets.append(self._end)
        self._lengths.append(len(data))
        self._end += len(data)
        return len(self._offsets) - 1

    def _text(self, number: int) -> str:
        self._file.flush()
        return os.pread(self._file.fileno(), self._lengths[number], self._offsets[number]).decode("utf-8")

    def close(self) -> None:
        self._file.close()


class UnionFind:
    def __init__(self) -> None:
        self.parent = array("l")

    def add(self) -> None:
        self.parent.append(len(self.parent))

    def find(self, x: int) -> int:
        parent = self.parent
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)
