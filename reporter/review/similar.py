"""Near-duplicate search: normalising, MinHash signatures, a banded index, exact Jaccard.

The measure (documented in the README): an item's text is its headline and
details; punctuation, whitespace and the branch's own name are removed
(:func:`normalise`); two texts are compared by the Jaccard similarity of
their sets of character 3-grams (:func:`jaccard`).

Candidates come from MinHash locality-sensitive hashing (65 hash functions
in 13 bands of 5: a pair at similarity 0.8 shares a band with probability
0.994, at 0.9 with 0.99997, at 0.3 with 0.03), indexed by sorting each band's
keys — never by comparing all pairs.  Every candidate is checked with the
exact measure.  Only 8-byte band keys per distinct text stay in memory; the
texts themselves wait in a temporary file (:class:`TextSpill`) for the
exact check.
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

BANDS = 13
ROWS = 5
PERMUTATIONS = BANDS * ROWS
SMALL_BUCKET = 6  # a bucket this small is checked pair by pair; a larger one along a chain (linear)

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


def grams(text: str) -> frozenset[str]:
    return frozenset(text[i:i + 3] for i in range(len(text) - 2)) if len(text) >= 3 else frozenset((text,))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    common = len(a & b)
    return common / (len(a) + len(b) - common)


def digest(text: str) -> int:
    """A 64-bit hash of a normalised text (identical texts are grouped by it before any search)."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


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


def candidate_pairs(keys: np.ndarray, same: callable | None = None) -> Iterator[tuple[int, int]]:
    """Pairs of rows sharing a band key: every pair of a small bucket, a chain through a large one.

    ``same(i, j)`` (optional) says the pair is already known to belong
    together, so it is not offered again.  At most 2 pairs per row and band:
    linear whatever the content."""
    for band in range(keys.shape[1]):
        column = keys[:, band]
        order = np.argsort(column, kind="stable")
        ordered = column[order]
        edges = np.flatnonzero(ordered[1:] != ordered[:-1]) + 1
        bounds = np.concatenate(([0], edges, [len(ordered)]))
        for start, end in zip(bounds[:-1], bounds[1:]):
            if end - start < 2:
                continue
            members = order[start:end].tolist()
            if len(members) <= SMALL_BUCKET:
                pairs = ((a, b) for k, a in enumerate(members) for b in members[k + 1:])
            else:
                pairs = (p for k in range(1, len(members)) for p in ((members[k - 1], members[k]),
                                                                   (members[0], members[k])) if p[0] != p[1])
            for a, b in pairs:
                if same is None or not same(a, b):
                    yield (a, b)


class TextSpill:
    """Normalised texts kept in a temporary file, read back by number for the exact check."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile(prefix="reporter-review-")
        self._offsets = array("q")
        self._lengths = array("l")
        self._end = 0
        self.grams = lru_cache(maxsize=8192)(self._grams)

    def add(self, text: str) -> int:
        data = text.encode("utf-8")
        self._file.write(data)
        self._offsets.append(self._end)
        self._lengths.append(len(data))
        self._end += len(data)
        return len(self._offsets) - 1

    def text(self, number: int) -> str:
        self._file.flush()
        return os.pread(self._file.fileno(), self._lengths[number], self._offsets[number]).decode("utf-8")

    def _grams(self, number: int) -> frozenset[str]:
        return grams(self.text(number))

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
