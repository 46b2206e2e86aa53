"""R601: items near-identical across branches, as a reduction over a stream of branches.

Per item only a few numbers stay in memory (its workbook, sheet, row and
text number); per *distinct* text its band keys (13 × 8 bytes) and its
offset in the temporary text file.  Identical texts (after normalising) are
one text, found by hash before any search, so hundreds of branches handing
in one template cost one text.  At the end, candidates from the banded
index are checked exactly; similar texts are joined into groups
(union-find).  A group of up to :data:`PAIR_GROUP` items is reported pair by
pair, a larger one as a group: time, memory and report size stay linear in
the number of items whatever the content.

Incremental (:meth:`Across.load`, :meth:`Across.add_known`): the previous
review's texts (with their band keys) and similar pairs of texts are taken
over; only the candidate pairs a change made — in the buckets of the texts
added or removed — are checked, the kept pairs that are still candidates
stay, and the grouping is made again over all: the findings are those of a
full review of the same workbooks.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Sequence
from itertools import groupby

import numpy as np

from ..findings import message
from .rules import Entry, cell
from .similar import (ANCHORS, BANDS, SMALL_BUCKET, TextSpill, UnionFind, band_keys, bucket_pairs, candidate_pairs,
                      digest, similarity)
from .store import Writer
from ..schema import SECTIONS

PAIR_GROUP = 10  # groups up to this many items are listed pair by pair
EXAMPLES = 3  # members a large group's message names


class Across:
    """Feed it each workbook's entries (:meth:`add`; :meth:`add_known` for a workbook unchanged since the
    previous review, whose texts and similar pairs :meth:`load` took over), then :meth:`finish`."""

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold
        self.sources: list[str] = []
        self.branches: list[str] = []
        self._nodes: dict[int, int] = {}  # text digest → text number
        self._digests = array("q")  # text number → digest
        self._used = bytearray()  # text number → 1 when an item of this review has it
        self._spill = TextSpill()
        self._keys: list[np.ndarray] = []  # the band keys of texts 0, 1, … in chunks
        self._key_chunk, self._key_row = array("i"), array("i")  # text number → where its keys are
        self._union = UnionFind()
        self._item_node, self._item_source = array("i"), array("i")  # 4 bytes each
        self._item_section, self._item_row = array("b"), array("i")
        self._old = 0  # texts 0 … _old - 1 come from the previous review
        self._old_edges: list[tuple[int, int, float]] = []

    def _node(self, key: int, text: str) -> int:
        node = self._nodes[key] = self._spill.add(text)
        self._union.add()
        self._digests.append(key)
        self._used.append(0)
        return node

    def _item(self, source: int, node: int, section: int, row: int) -> None:
        self._used[node] = 1
        self._item_node.append(node)
        self._item_source.append(source)
        self._item_section.append(section)
        self._item_row.append(row)

    def _source(self, source: str, branch: str) -> int:
        self.sources.append(source)
        self.branches.append(branch)
        return len(self.sources) - 1

    def load(self, texts: Iterable[tuple[int, str, bytes]], edges: Iterable[tuple[int, int, float]]) -> None:
        """The previous review's texts (digest, text, band keys) and similar pairs (digest, digest, score)."""
        keys = []
        for key, text, blob in texts:
            self._node(key, text)
            keys.append(np.frombuffer(blob, dtype=np.uint64))
        if keys:
            self._keep_keys(np.stack(keys))
        self._old = len(self._digests)
        self._old_edges = [(self._nodes[a], self._nodes[b], score) for a, b, score in edges]

    def add(self, source: str, branch: str, items: Sequence[Entry], keys: np.ndarray) -> None:
        number = self._source(source, branch)
        fresh = []
        for i, item in enumerate(items):
            key = digest(item.text)
            node = self._nodes.get(key)
            if node is None:
                node = self._node(key, item.text)
                fresh.append(i)
            self._item(number, node, item.section, item.row)
        if fresh:
            self._keep_keys(keys[fresh])

    def _keep_keys(self, keys: np.ndarray) -> None:
        """The band keys of the texts just numbered, in order."""
        self._key_chunk.extend([len(self._keys)] * len(keys))
        self._key_row.extend(range(len(keys)))
        self._keys.append(keys)

    def keys_for(self, texts: Sequence[str]) -> np.ndarray:
        """The band keys of ``texts`` (as :func:`.similar.band_keys`): signed only for a text not seen
        before in this review, looked up for the others (a template handed in by many is signed once)."""
        known = [self._nodes.get(digest(text)) for text in texts]
        new = [i for i, node in enumerate(known) if node is None]
        if len(new) == len(texts):
            return band_keys(texts)
        out = np.empty((len(texts), BANDS), dtype=np.uint64)
        if new:
            out[new] = band_keys([texts[i] for i in new])
        for i, node in enumerate(known):
            if node is not None:
                out[i] = self._keys[self._key_chunk[node]][self._key_row[node]]
        return out

    def add_known(self, source: str, branch: str, rows: Iterable[tuple[int, int, int]]) -> None:
        """A workbook of the previous review: its items' (section, row, text digest)."""
        number = self._source(source, branch)
        for section, row, key in rows:
            self._item(number, self._nodes[key], section, row)

    # ------------------------------------------------------------------ the reduction

    def finish(self, sink: Writer) -> None:
        """Every R601 finding, similar pair and large group into ``sink`` (and what the next review
        reuses: each item, text and similar pair of texts); the text file is removed."""
        try:
            edges = self._join()
            self._keep(sink, edges)
            lowest: dict[int, float] = {}
            for a, b, score in edges:
                self._union.union(a, b)
            for a, _, score in edges:
                root = self._union.find(a)
                lowest[root] = min(lowest.get(root, 1.0), score)
            for members in self._groups():
                if len(members) <= PAIR_GROUP:
                    self._pairs(members, sink)
                else:
                    root = self._union.find(self._item_node[members[0]])
                    self._large(members, lowest.get(root, 1.0), sink)
        finally:
            self._spill.close()

    def _join(self) -> list[tuple[int, int, float]]:
        """The similar pairs of texts: every candidate checked exactly once — after :meth:`load`, only the
        candidates a change made (in the buckets of the texts added or removed); the kept pairs that
        are still candidates are taken over."""
        if not self._keys:
            return []
        keys = self._keys[0] if len(self._keys) == 1 else np.concatenate(self._keys)
        self._keys = [keys]
        used = np.frombuffer(bytes(self._used), dtype=np.uint8).astype(bool)
        digests = np.frombuffer(self._digests, dtype=np.int64)
        n = len(used)
        if not self._old:
            rows = np.flatnonzero(used)
            number = rows.tolist()
            codes = array("q", (min(number[a], number[b]) * n + max(number[a], number[b])
                                for a, b in candidate_pairs(keys[rows], rank=digests[rows])))
            return self._similar(codes, n)
        old = np.arange(n) < self._old
        kept = [(a, b, score) for a, b, score in self._old_edges if used[a] and used[b]]
        return _still_candidates(keys, digests, used, kept) + self._similar(_gained(keys, digests, old, used), n)

    def _similar(self, codes: Iterable[int], n: int) -> list[tuple[int, int, float]]:
        """Of the candidate pairs (``a * n + b``), each checked once, those at or above the threshold."""
        edges, text = [], self._spill.text
        for code in np.unique(np.fromiter(codes, dtype=np.int64)).tolist():
            a, b = divmod(code, n)
            score = check(text(a), text(b), self.threshold)
            if score >= self.threshold:
                edges.append((a, b, score))
        return edges

    def _keep(self, sink: Writer, edges: list[tuple[int, int, float]]) -> None:
        """What the next review reuses: each item, each text in use with its band keys, the similar pairs."""
        digests, text, keys = self._digests, self._spill.text, self._keys[0] if self._keys else None
        sink.items((self.sources[s], section, row, digests[node]) for s, section, row, node in zip(
            self._item_source, self._item_section, self._item_row, self._item_node))
        sink.texts((digests[i], text(i), keys[i].tobytes()) for i, used in enumerate(self._used) if used)
        sink.edges((digests[a], digests[b], score) for a, b, score in edges)

    def _groups(self) -> Iterator[list[int]]:
        """The items of each group that spans two or more workbooks, in order, the groups by their first
        items.  Sorted with numpy (a few numbers per item), one group's item list at a time."""
        if not self._item_node:
            return
        union = self._union
        node_root = np.fromiter((union.find(n) for n in range(len(union.parent))), dtype=np.int32,
                                count=len(union.parent))
        node = np.frombuffer(self._item_node, dtype=np.int32)
        source = np.frombuffer(self._item_source, dtype=np.int32)
        section = np.frombuffer(self._item_section, dtype=np.int8)
        row = np.frombuffer(self._item_row, dtype=np.int32)
        rank = np.empty(len(self.sources), dtype=np.int32)  # the workbooks by (branch, source)
        rank[sorted(range(len(self.sources)), key=lambda s: (self.branches[s] or "", self.sources[s]))] = \
            np.arange(len(self.sources))
        roots = node_root[node]
        del node_root
        order = np.lexsort((row, section, rank[source], roots))  # by group, then the items' order
        roots = roots[order]
        starts = np.flatnonzero(np.concatenate(([True], roots[1:] != roots[:-1])))
        ends = np.append(starts[1:], len(roots))
        del roots
        shared = (ends - starts) >= 2
        starts, ends = starts[shared], ends[shared]
        firsts = order[starts]
        for g in np.lexsort((row[firsts], section[firsts], rank[source[firsts]])).tolist():
            members = order[starts[g]:ends[g]]
            if source[members].min() != source[members].max():
                yield members.tolist()

    def place(self, item: int) -> dict:
        source, sheet = self._item_source[item], SECTIONS[self._item_section[item]]
        return {"source": self.sources[source], "branch": self.branches[source] or None, "sheet": sheet.name,
                "cell": cell(sheet, "headline", self._item_row[item])}

    def _similarity(self, a: int, b: int) -> float:
        na, nb = self._item_node[a], self._item_node[b]
        return 1.0 if na == nb else similarity(self._spill.text(na), self._spill.text(nb), self.threshold)

    def _found(self, item: int, text, other: dict | None, score: float, sink: Writer) -> None:
        source = self._item_source[item]
        sink.finding(self.sources[source], self.branches[source] or None, text, other, score)

    def _pairs(self, members: list[int], sink: Writer) -> None:
        for k, a in enumerate(members):
            for b in members[k + 1:]:
                if self._item_source[a] == self._item_source[b]:
                    continue
                score = self._similarity(a, b)
                if score < self.threshold:
                    continue
                pa, pb = self.place(a), self.place(b)
                sink.pair({"a": pa, "b": pb, "similarity": round(score, 2)})
                for me, mine, other in ((a, pa, pb), (b, pb, pa)):
                    text = message("R601", variant="pair", sheet=mine["sheet"], cell=mine["cell"],
                                   other=_named(other), percent=round(score * 100))
                    self._found(me, text, other, round(score, 2), sink)

    def _large(self, members: list[int], lowest: float, sink: Writer) -> None:
        """A group of more than PAIR_GROUP items: listed once in ``groups``; each member's message names
        the first items of the first few other workbooks and the group's size."""
        sink.group(len(members), round(lowest, 2), (self.place(i) for i in members))
        firsts: list[tuple[int, dict]] = []  # the first item of each of the first EXAMPLES + 1 workbooks
        for i in members:
            if len(firsts) > EXAMPLES:
                break
            if not firsts or firsts[-1][0] != self._item_source[i]:
                firsts.append((self._item_source[i], self.place(i)))
        for source, own in groupby(members, key=lambda i: self._item_source[i]):  # a workbook's items are together
            own = list(own)
            examples = "、".join([_named(p) for s, p in firsts if s != source][:EXAMPLES])
            for me in own:
                mine = self.place(me)
                text = message("R601", variant="group", sheet=mine["sheet"], cell=mine["cell"],
                               others=len(members) - len(own), size=len(members), examples=examples,
                               percent=round(lowest * 100))
                self._found(me, text, None, round(lowest, 2), sink)


def _named(place: dict) -> str:
    """``机关第二党支部（存在的问题!C3）``."""
    return f"{place['branch'] or place['source']}（{place['sheet']}!{place['cell']}）"


def check(a: str, b: str, threshold: float) -> float:
    """The exact check of one candidate pair (a function of its own: tests count the calls)."""
    return similarity(a, b, threshold)


def _gained(keys: np.ndarray, digests: np.ndarray, old: np.ndarray, used: np.ndarray) -> set[int]:
    """The candidate pairs (``a * n + b``) of the buckets a change touched that were not candidates there
    before: those of the texts added, and the few a large bucket's new anchors make."""
    n, changed, gained = len(used), old != used, set()
    for band in range(keys.shape[1]):
        column = keys[:, band]
        order = np.lexsort((digests, column))
        ordered = column[order]
        for key in np.unique(column[changed]).tolist():
            members = order[np.searchsorted(ordered, key):np.searchsorted(ordered, key, side="right")]
            before, after = (set(bucket_pairs(members[present[members]].tolist(), True)) for present in (old, used))
            gained.update(min(a, b) * n + max(a, b) for a, b in after - before)
    return gained


def _still_candidates(keys: np.ndarray, digests: np.ndarray, used: np.ndarray,
                      edges: list[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
    """The kept similar pairs that are still candidates (their bucket's anchors may have changed)."""
    if not edges:
        return []
    a, b = (np.array([e[i] for e in edges], dtype=np.int64) for i in (0, 1))
    rows = np.flatnonzero(used)
    size, rank = np.zeros(len(used), dtype=np.int64), np.zeros(len(used), dtype=np.int64)
    still = np.zeros(len(edges), dtype=bool)
    for band in range(keys.shape[1]):
        column = keys[rows, band]
        order = np.lexsort((digests[rows], column))
        ordered = column[order]
        starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
        bucket = np.cumsum(np.concatenate(([False], ordered[1:] != ordered[:-1])))
        size[rows[order]] = np.diff(np.append(starts, len(ordered)))[bucket]
        rank[rows[order]] = np.arange(len(ordered)) - starts[bucket]
        still |= (keys[a, band] == keys[b, band]) & (
            (size[a] <= SMALL_BUCKET) | (rank[a] < ANCHORS) | (rank[b] < ANCHORS))
    return [edge for edge, keep in zip(edges, still.tolist()) if keep]
