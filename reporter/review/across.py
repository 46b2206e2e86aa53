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
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence
from itertools import groupby

import numpy as np

from ..findings import message
from .rules import Entry, cell
from .similar import TextSpill, UnionFind, candidate_pairs, digest, similarity
from .store import Writer
from ..schema import SECTIONS

PAIR_GROUP = 10  # groups up to this many items are listed pair by pair
EXAMPLES = 3  # members a large group's message names


class Across:
    """Feed it each workbook's entries (:meth:`add`), then :meth:`finish`."""

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold
        self.sources: list[str] = []
        self.branches: list[str] = []
        self._nodes: dict[int, int] = {}  # text digest → text number
        self._spill = TextSpill()
        self._keys: list[np.ndarray] = []
        self._union = UnionFind()
        self._item_node, self._item_source = array("i"), array("i")  # 4 bytes each
        self._item_section, self._item_row = array("b"), array("i")

    def add(self, source: str, branch: str, items: Sequence[Entry], keys: np.ndarray) -> None:
        number = len(self.sources)
        self.sources.append(source)
        self.branches.append(branch)
        fresh = []
        for i, item in enumerate(items):
            key = digest(item.text)
            node = self._nodes.get(key)
            if node is None:
                node = self._nodes[key] = self._spill.add(item.text)
                self._union.add()
                fresh.append(i)
            self._item_node.append(node)
            self._item_source.append(number)
            self._item_section.append(item.section)
            self._item_row.append(item.row)
        if fresh:
            self._keys.append(keys[fresh])

    # ------------------------------------------------------------------ the reduction

    def finish(self, sink: Writer) -> None:
        """Every R601 finding, similar pair and large group into ``sink``; the text file is removed."""
        try:
            lowest = self._join()
            for members in self._groups():
                if len(members) <= PAIR_GROUP:
                    self._pairs(members, sink)
                else:
                    root = self._union.find(self._item_node[members[0]])
                    self._large(members, lowest.get(root, 1.0), sink)
        finally:
            self._spill.close()

    def _join(self) -> dict[int, float]:
        """Check every candidate pair exactly, join the similar ones; the lowest similarity per group."""
        if not self._keys:
            return {}
        keys = np.concatenate(self._keys)
        self._keys = []
        union, text, edges = self._union, self._spill.text, []
        for a, b in candidate_pairs(keys, same=lambda a, b: union.find(a) == union.find(b)):
            score = similarity(text(a), text(b), self.threshold)
            if score >= self.threshold:
                union.union(a, b)
                edges.append((a, score))
        lowest: dict[int, float] = {}
        for node, score in edges:
            root = union.find(node)
            lowest[root] = min(lowest.get(root, 1.0), score)
        return lowest

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
