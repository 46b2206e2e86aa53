"""What the committee's review adds to the summary (审核意见, DESIGN §9):
汇总表's sheet 审核意见 (one row per finding, sorted by branch) and
汇总报告's section 审核意见 (counts by code, each similar pair named, then
the branches with most findings).  The review comes in
:class:`~.facts.Facts` (``review``, a :class:`reporter.review.Review`);
without it (``--no-review``) nothing is added.  Everything is read from the
review's database in streams (rows, pairs, groups' first items) and counted
there: nothing here holds every finding."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain

from ..docx import AnyBlock, Block, Table
from .facts import Facts

REVIEW_SHEET = "审核意见"
REVIEW_COLUMNS = [("支部名称", 24, "wrap"), ("工作表!单元格", 16, "text"), ("代码", 7, "text"), ("说明", 70, "wrap"),
                  ("相似的支部", 24, "wrap"), ("单元格", 16, "text"), ("相似度", 8, "text")]
TOP_BRANCHES = 10  # branches named under "most findings"


def _place(item: dict | None) -> str | None:
    """``存在的问题!C7`` of a {"sheet", "cell"} (None: no item)."""
    if not item:
        return None
    return f"{item['sheet']}!{item['cell']}" if item.get("cell") else item.get("sheet")


def _percent(similarity: float | None) -> str | None:
    return None if similarity is None else f"{round(similarity * 100)}%"


def review_rows(facts: Facts) -> Iterator[list[object]]:
    """The 审核意见 sheet's rows (the review's findings are sorted by branch)."""
    for f in facts.review.findings if facts.review is not None else ():
        other = f.other or {}
        yield [f.branch or f.source, f.message.where or None, f.message.code, f.message.message,
               other.get("branch") or other.get("source"), _place(f.other), _percent(f.similarity)]


def review_blocks(facts: Facts) -> Iterator[AnyBlock]:
    """The section 审核意见 (numbered with the others)."""
    review = facts.review
    if review is None:
        return
    from ..review import LABELS

    yield Block("heading", "审核意见")
    counts = {code: n for code, n in review.counts.items() if n}
    if not counts:
        yield Block("body", "经审核，未发现内容雷同、问题笼统、措施不具体等需要提示的情况。")
        return
    parts = "，".join(f"{LABELS[code]}（{code}）{n}条" for code, n in counts.items())
    yield Block("body", f"审核意见共{sum(counts.values())}条（只作提示，不影响材料是否通过校验）：{parts}。"
                        "逐条明细见汇总表“审核意见”工作表。")
    pairs = review.pair_count
    if pairs:
        yield Block("body", f"内容雷同的条目共{pairs}对：")
        rows = ([p["a"]["branch"] or p["a"]["source"], _place(p["a"]), p["b"]["branch"] or p["b"]["source"],
                 _place(p["b"]), _percent(p["similarity"])] for p in review.pairs())  # read as the table is written
        yield Table(chain([["支部名称", "位置", "相似的支部", "位置", "相似度"]], rows), weights=[3, 2.6, 3, 2.6, 1.4])
    for group in review.group_stream(items=5):
        names = "、".join(dict.fromkeys(i["branch"] or i["source"] for i in group["items"][:5]))
        yield Block("body", f"另有{group['size']}条内容相同或高度相似（相似度不低于{_percent(group['similarity_min'])}），"
                            f"涉及{names}等支部。")
    top = review.top_branches(TOP_BRANCHES)
    yield Block("body", "审核意见较多的支部：")
    yield Table([["支部名称", "审核意见条数"], *([name, n] for name, n in top)], weights=[6, 2], center=[False, True])
