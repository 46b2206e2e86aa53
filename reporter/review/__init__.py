"""The committee's review (审核意见, DESIGN §9): findings R6xx about the materials' content.

A pure reduction over the current branches, one workbook per branch::

    review = run_review(review_inputs(results), config.review)   # path="": a temporary database
    review.messages_for(source)   # that workbook's R6xx messages (level "review"); review.get(source, ())
    review.findings               # a stream of every finding, sorted by branch (the 审核意见 sheet)
    review.write_json(out)        # run-report.json's "review": {"counts", "similar", "groups"}, streamed

The input is streamed once; per item only a few numbers and per distinct
text its band keys stay in memory (see :mod:`.across`); the findings are
written to an SQLite database as they are found and read back in streams
(:mod:`.store`), so memory does not grow with their number.  Review findings
never change a workbook's status, not even with --strict.
"""

from __future__ import annotations

from .store import CODES, MEASURE, Finding, Prior, Review

__all__ = ["CODES", "Finding", "LABELS", "MEASURE", "Prior", "Review", "counts_line", "review_inputs", "run_review"]


def __getattr__(name: str):
    """run_review and review_inputs are imported when first used (numpy, rapidfuzz: see :mod:`.run`)."""
    if name in ("run_review", "review_inputs"):
        from . import run

        return getattr(run, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def counts_line(review: Review) -> str:
    """The one line on screen: ``审核意见 12 条：R601 与其他支部雷同 8，…``."""
    counts = {code: n for code, n in review.counts.items() if n}
    if not counts:
        return "审核意见：无。"
    parts = "，".join(f"{code} {LABELS[code]} {n}" for code, n in counts.items())
    return f"审核意见 {sum(counts.values())} 条：{parts}。"


LABELS = {"R601": "与其他支部雷同", "R602": "本支部内重复", "R611": "问题过于笼统", "R612": "问题无对应措施",
          "R613": "措施不具体", "R614": "方面未覆盖"}
