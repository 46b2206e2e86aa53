"""The committee's review (审核意见, DESIGN §9): findings R6xx about the materials' content.

A pure reduction over the current branches, one workbook per branch::

    review = run_review(review_inputs(results), config.review)
    review.messages_for(source)   # that workbook's R6xx messages (level "review")
    review.report                 # run-report.json's "review": {"counts", "similar", "groups"}
    review.findings               # one row per finding, sorted by branch (the 审核意见 sheet)

The input is streamed once; per item only a few numbers and per distinct
text its band keys stay in memory (see :mod:`.across`).  Review findings
never change a workbook's status, not even with --strict.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

from ..config import ReviewSettings
from ..model import Branch, FileResult, Message
from .across import Across
from .rules import branch_findings, entries
from .similar import band_keys

CODES = ("R601", "R602", "R611", "R612", "R613", "R614")
CODE_ORDER = {code: i for i, code in enumerate(CODES)}


@dataclass(frozen=True, slots=True)
class Finding:
    """One review finding as the 审核意见 sheet shows it."""

    source: str
    branch: str | None
    message: Message
    other: dict | None = None  # R601 pairs: {"source", "branch", "sheet", "cell"} of the similar item
    similarity: float | None = None  # R601 (of a large group: its lowest similarity)


@dataclass(slots=True)
class Review:
    findings: list[Finding] = field(default_factory=list)
    similar: list[dict] = field(default_factory=list)
    groups: list[dict] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(f.message.code for f in self.findings)
        return {code: counted.get(code, 0) for code in CODES}

    @property
    def report(self) -> dict:
        """run-report.json's ``"review"``."""
        return {"counts": self.counts, "similar": self.similar, "groups": self.groups}

    def messages_for(self, source: str) -> tuple[Message, ...]:
        return self.by_source().get(source, ())

    def by_source(self) -> dict[str, tuple[Message, ...]]:
        grouped: dict[str, list[Message]] = {}
        for f in self.findings:
            grouped.setdefault(f.source, []).append(f.message)
        return {source: tuple(messages) for source, messages in grouped.items()}

    def top_branches(self, n: int = 10) -> list[tuple[str, int]]:
        """The branches with most findings: (支部名称 or source, count), most first."""
        counted = Counter(f.branch or f.source for f in self.findings)
        return sorted(counted.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


def review_inputs(results: Iterable[FileResult]) -> Iterator[tuple[str, Branch]]:
    """The workbooks the review covers: those with a branch that the summary uses (one per branch)."""
    for result in results:
        if result.branch is not None and result.status != "failed" and result.duplicate_of is None:
            yield result.source, result.branch


def run_review(workbooks: Iterable[tuple[str, Branch]], settings: ReviewSettings) -> Review:
    """Review ``workbooks`` (each (source, Branch), streamed once) under ``settings``."""
    across = Across(settings.similar) if settings.r601 else None
    review = Review()
    for source, branch in workbooks:
        items = entries(branch, settings.min_chars)
        keys = band_keys([item.text for item in items]) if items and (across or settings.r602) else np.zeros(
            (len(items), 0), dtype=np.uint64)
        name = branch.info.name or None
        review.findings += [Finding(source, name, m) for m in branch_findings(branch, settings, items, keys)]
        if across is not None:
            across.add(source, name or "", items, keys)
    if across is not None:
        found, review.similar, review.groups = across.finish()
        review.findings += [Finding(across.sources[s.source], across.branches[s.source] or None, s.message,
                                    s.other, s.similarity) for s in found]
    review.findings.sort(key=_order)
    return review


def _order(f: Finding) -> tuple:
    """By branch, workbook, sheet, row, code."""
    from ..schema import SECTIONS

    sheets = [s.name for s in SECTIONS]
    sheet = sheets.index(f.message.sheet) if f.message.sheet in sheets else len(sheets)
    cell = f.message.cell or ""
    row = int("".join(ch for ch in cell if ch.isdigit()) or 0)
    return (f.branch or "", f.source, sheet, row, CODE_ORDER[f.message.code], cell)


def counts_line(review: Review) -> str:
    """The one line on screen: ``审核意见 12 条：R601 与其他支部雷同 8，…``."""
    counts = {code: n for code, n in review.counts.items() if n}
    if not counts:
        return "审核意见：无。"
    parts = "，".join(f"{code} {LABELS[code]} {n}" for code, n in counts.items())
    return f"审核意见 {sum(counts.values())} 条：{parts}。"


LABELS = {"R601": "与其他支部雷同", "R602": "本支部内重复", "R611": "问题过于笼统", "R612": "问题无对应措施",
          "R613": "措施不具体", "R614": "方面未覆盖"}
