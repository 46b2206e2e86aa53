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
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..findings import message
from ..model import Message
from .rules import Entry, cell
from .similar import TextSpill, UnionFind, candidate_pairs, digest, similarity
from ..schema import SECTIONS

PAIR_GROUP = 10  # groups up to this many items are listed pair by pair
EXAMPLES = 3  # members a large group's message names


@dataclass(frozen=True, slots=True)
class Similar:
    """One R601 finding, with what the 审核意见 sheet shows beside it."""

    source: int  # workbook number
    message: Message
    other: dict | None  # {"source", "branch", "sheet", "cell"} of the other item (pairs only)
    similarity: float


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
        self._item_node, self._item_source = array("l"), array("l")
        self._item_section, self._item_row = array("b"), array("l")

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

    def finish(self) -> tuple[list[Similar], list[dict], list[dict]]:
        """(R601 findings, the report's ``similar`` pairs, its ``groups``); the text file is removed."""
        try:
            lowest = self._join()
            found: list[Similar] = []
            pairs: list[dict] = []
            groups: list[dict] = []
            for members in self._groups():
                root = self._union.find(self._item_node[members[0]])
                if len(members) <= PAIR_GROUP:
                    self._pairs(members, found, pairs)
                else:
                    self._large(members, lowest.get(root, 1.0), found, groups)
            pairs.sort(key=lambda p: (p["a"]["branch"] or "", p["a"]["source"], p["b"]["branch"] or ""))
            return found, pairs, groups
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

    def _groups(self) -> list[list[int]]:
        """The items of each group that spans two or more workbooks, sorted."""
        roots = [self._union.find(n) for n in self._item_node]
        sizes = Counter(roots)
        members: dict[int, list[int]] = defaultdict(list)
        for item, root in enumerate(roots):
            if sizes[root] > 1:
                members[root].append(item)
        groups = [sorted(items, key=self._order) for items in members.values()
                  if len({self._item_source[i] for i in items}) > 1]
        return sorted(groups, key=lambda g: self._order(g[0]))

    def _order(self, item: int) -> tuple:
        source = self._item_source[item]
        return (self.branches[source] or "", self.sources[source], self._item_section[item], self._item_row[item])

    def place(self, item: int) -> dict:
        source, sheet = self._item_source[item], SECTIONS[self._item_section[item]]
        return {"source": self.sources[source], "branch": self.branches[source] or None, "sheet": sheet.name,
                "cell": cell(sheet, "headline", self._item_row[item])}

    def _similarity(self, a: int, b: int) -> float:
        na, nb = self._item_node[a], self._item_node[b]
        return 1.0 if na == nb else similarity(self._spill.text(na), self._spill.text(nb), self.threshold)

    def _pairs(self, members: list[int], found: list[Similar], pairs: list[dict]) -> None:
        for k, a in enumerate(members):
            for b in members[k + 1:]:
                if self._item_source[a] == self._item_source[b]:
                    continue
                score = self._similarity(a, b)
                if score < self.threshold:
                    continue
                pa, pb = self.place(a), self.place(b)
                pairs.append({"a": pa, "b": pb, "similarity": round(score, 2)})
                for me, mine, other in ((a, pa, pb), (b, pb, pa)):
                    text = message("R601", variant="pair", sheet=mine["sheet"], cell=mine["cell"],
                                   other=_named(other), percent=round(score * 100))
                    found.append(Similar(self._item_source[me], text, other, round(score, 2)))

    def _large(self, members: list[int], lowest: float, found: list[Similar], groups: list[dict]) -> None:
        places = [self.place(i) for i in members]
        groups.append({"size": len(members), "similarity_min": round(lowest, 2), "items": places})
        per_source = Counter(self._item_source[i] for i in members)
        firsts = []  # the first items of the first few workbooks: enough examples for every member
        for i, p in zip(members, places):
            if len(firsts) > EXAMPLES:
                break
            if not firsts or firsts[-1][0] != self._item_source[i] or len(firsts) <= EXAMPLES:
                firsts.append((self._item_source[i], p))
        for me, mine in zip(members, places):
            source = self._item_source[me]
            examples = [p for s, p in firsts if s != source][:EXAMPLES]
            others = len(members) - per_source[source]
            text = message("R601", variant="group", sheet=mine["sheet"], cell=mine["cell"], others=others,
                           size=len(members), examples="、".join(map(_named, examples)),
                           percent=round(lowest * 100))
            found.append(Similar(source, text, None, round(lowest, 2)))


def _named(place: dict) -> str:
    """``机关第二党支部（存在的问题!C3）``."""
    return f"{place['branch'] or place['source']}（{place['sheet']}!{place['cell']}）"
