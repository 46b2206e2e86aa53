"""The reduction: a run's per-file results → the facts every summary output is written from.

Which workbooks count: branches are counted by 支部名称 — a result whose
``duplicate_of`` is set (another workbook of the same branch is used
instead) is left out, and the row of the workbook used says which copies
were (at most :data:`NAMED_COPIES` by name).  A result with a branch and
status ok / warning / unchanged is *accepted* and its items are listed and
counted; a failed one is named (已提交但未通过, with its reason and source
file) but its partial content is not counted.

Memory: the facts keep no Branch, and no list of rows — the rows (a branch's
基本信息 and counts each) go to a private temporary SQLite file (:class:`Rows`)
and are read back one at a time on each pass; the overdue measures kept are
the first :data:`OVERDUE_KEPT` by deadline (with the total).  The writers stream the items from ``results``
again, so ``results`` may be a re-iterable stream (the build's reads the
branches from its database one at a time).
"""

from __future__ import annotations

import itertools
import json
import sqlite3
from collections import Counter
from sys import intern
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date

from ..config import Config
from ..labels import LEVEL, SUMMARY_STATUS
from ..model import Branch, BranchInfo, FileResult, Measure
from ..text import clean

STATUS_OK, STATUS_WARNING, STATUS_FAILED, STATUS_MISSING = (SUMMARY_STATUS[k] for k in ("ok", "warning", "failed", "missing"))
UNCATEGORISED = "未分类"  # 方面 empty or not one of config.categories
NO_STATUS = "未填写"  # 完成情况 empty or not one of config.statuses
LEVELS = LEVEL  # level → 错误 / 警告
NAMED_COPIES = 10  # left-out copies of a branch named in 总览 (the rest are counted)
NAMED_BRANCHES = 10  # branches with copies named in 汇总报告
OVERDUE_KEPT = 200  # overdue measures the facts keep (oldest deadline first); all are counted
KEPT = 2000  # 总览's rows kept decoded between the writers' passes when there are no more


@dataclass(slots=True)
class Copies:
    """The other workbooks of a branch, left out for the one its row uses."""

    count: int = 0
    sources: list[str] = field(default_factory=list)  # the first NAMED_COPIES of them

    def add(self, source: str) -> None:
        self.count += 1
        if len(self.sources) < NAMED_COPIES:
            self.sources.append(source)

    def __str__(self) -> str:
        more = f"等{self.count}份" if self.count > len(self.sources) else ""
        return "、".join(self.sources) + more


# ------------------------------------------------------------ the reduction

@dataclass(slots=True)
class Row:
    """One line of 总览: a workbook, or a roster branch that handed nothing in."""

    name: str
    status: str  # 通过 / 有警告 / 已提交但未通过 / 未提交
    source: str = ""  # the workbook ("" for 未提交)
    info: BranchInfo | None = None  # 基本信息 as the writers need it (no title, preamble or signature)
    counts: tuple[int, int, int] | None = None  # problems, causes, measures; set only when accepted
    categories: Counter = field(default_factory=Counter)
    done: int = 0
    overdue: int = 0
    copies: Copies | None = None  # other workbooks of this branch, not counted
    error: str = ""  # the first error of a failed workbook ("where：message")

    @property
    def accepted(self) -> bool:
        return self.counts is not None

    @property
    def remark(self) -> str:
        """总览's 备注: why it failed, which copies were left out."""
        parts = []
        if self.status == STATUS_FAILED:
            parts.append(f"未通过原因：{self.error}")
        if self.copies is not None:
            parts.append(f"另有{self.copies.count}份同名工作簿未计入：{self.copies}")
        return "；".join(parts)


def _row_json(row: Row) -> str:
    i = row.info
    info = None if i is None else [i.name, i.parent, i.secretary, i.theme,
                                   i.meeting_date.isoformat() if i.meeting_date else None]
    return json.dumps([row.name, row.status, row.source, info, row.counts, dict(row.categories), row.done,
                       row.overdue, row.error], ensure_ascii=False)


def _row_from_json(text: str, copies: dict[str, Copies]) -> Row:
    name, status, source, info, counts, categories, done, overdue, error = json.loads(text)
    if info is not None:
        when = date.fromisoformat(info[4]) if info[4] else None
        info = BranchInfo(info[0], info[1] and intern(info[1]), info[2], intern(info[3]), when)
    return Row(name, intern(status), source, info, tuple(counts) if counts is not None else None,
               Counter(categories), done, overdue, copies.get(source) if source else None, error)


class Rows:
    """总览's rows in order, kept in a private temporary SQLite file, not in memory: each
    pass reads them one at a time (a 100,000-branch summary holds one row at a time).
    At most :data:`KEPT` rows are kept decoded after the first pass instead (the writers
    make some twenty passes; memory stays bounded whatever N)."""

    def __init__(self) -> None:
        self._db = sqlite3.connect("")  # "": a temporary file, deleted when closed
        self._db.execute("CREATE TABLE rows (position INTEGER, data TEXT)")
        self._db.execute("CREATE INDEX rows_in_order ON rows (position)")  # each pass reads in order, unsorted
        self._count = 0
        self._kept: list[Row] | None = None
        self.copies: dict[str, Copies] = {}  # source of the workbook used → the others (attached when read)

    def add(self, row: Row, position: int = 0) -> None:
        """A row; rows are read back by ``position``, in the order added within one."""
        self._db.execute("INSERT INTO rows VALUES (?, ?)", (position, _row_json(row)))
        self._count += 1
        self._kept = None

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Row]:
        return iter(self._kept) if self._kept is not None else self._read()

    def _read(self) -> Iterator[Row]:
        kept: list[Row] | None = [] if self._count <= KEPT else None
        for (data,) in self._db.execute("SELECT data FROM rows ORDER BY position, rowid"):
            row = _row_from_json(data, self.copies)
            if kept is not None:
                kept.append(row)
            yield row
        if kept is not None:  # a whole pass
            self._kept = kept

    def __getitem__(self, index: int) -> Row:
        if not 0 <= index < self._count:
            raise IndexError(index)
        return next(itertools.islice(self, index, None))

    def where(self, keep: Callable[[Row], bool]) -> list[Row]:
        return [r for r in self if keep(r)]


class Accepted:
    """The accepted rows, read again on each pass (``len`` known without reading)."""

    def __init__(self, rows: Rows, count: int) -> None:
        self.rows, self.count = rows, count

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[Row]:
        return (r for r in self.rows if r.accepted)


@dataclass(slots=True)
class Facts:
    rows: Rows  # read one at a time, in order, as often as needed
    categories: list[str]  # config order, then 未分类 when used
    category_totals: Counter
    progress: Counter  # 完成情况 → number of measures (config statuses + 未填写)
    overdue: list[tuple[Row, Measure]]  # the first OVERDUE_KEPT, oldest deadline first
    roster: list[str] | None
    outside_roster: list[str]  # names handed in that the roster does not list
    duplicates: int = 0  # workbooks left out because another one of the same branch is used
    overdue_count: int = 0  # all overdue measures
    accepted_count: int = 0
    changes: dict | None = None  # since the previous completed run (None: no previous run), DESIGN §8
    trend: list[dict] | None = None  # one point per as-of date (see reporter.build.changes.trend)
    review: object | None = None  # reporter.review.Review (None: not reviewed), DESIGN §9
    charts: dict | None = None  # the report's charts drawn beforehand (report.draw_charts; None: with the report)

    @property
    def accepted(self) -> Accepted:
        return Accepted(self.rows, self.accepted_count)

    def totals(self) -> tuple[int, int, int]:
        """Problems, causes and measures of the accepted branches."""
        p = c = m = 0
        for row in self.accepted:
            p, c, m = p + row.counts[0], c + row.counts[1], m + row.counts[2]
        return p, c, m

    @property
    def failed(self) -> list[Row]:
        return self.rows.where(lambda r: r.status == STATUS_FAILED)

    @property
    def missing(self) -> list[Row]:
        return self.rows.where(lambda r: r.status == STATUS_MISSING)


def _status(result: FileResult) -> str:
    if result.status == "failed" or result.branch is None:
        return STATUS_FAILED
    if result.status == "warning" or (result.status == "unchanged" and any(m.level == "warning" for m in result.messages)):
        return STATUS_WARNING
    return STATUS_OK


def category_of(category: str | None, config: Config) -> str:
    return category if category in config.categories else UNCATEGORISED


def reduce_results(results: Iterable[FileResult], config: Config, as_of: date, roster: Sequence[str] | None) -> Facts:
    """One pass over the results: rows (to :class:`Rows`, on disk), counts, progress and overdue measures."""
    rows = Rows()
    totals: Counter = Counter()
    progress: Counter = Counter()
    overdue: list[tuple[Row, Measure]] = []
    duplicates = overdue_count = accepted = 0
    names: list[str] | None = None
    position: dict[str, int] = {}
    if roster is not None:
        names = list(dict.fromkeys(n for n in (clean(x) for x in roster) if n))
        position = {n: i for i, n in enumerate(names)}
    handed_in: set[str] = set()  # roster names handed in
    outside: dict[str, None] = {}  # names handed in that the roster does not list
    for result in results:
        if result.duplicate_of is not None:
            rows.copies.setdefault(result.duplicate_of, Copies()).add(result.source)
            duplicates += 1
            continue
        status = _status(result)
        b = result.branch
        row = Row(clean(b.info.name if b else result.name or ""), intern(status), result.source,
                  _slim(b.info) if b else None, error=first_error(result) if status == STATUS_FAILED else "")
        if status != STATUS_FAILED:
            accepted += 1
            overdue_count += _count(row, b, config, as_of, totals, progress, overdue)
            if len(overdue) >= 2 * OVERDUE_KEPT:
                overdue = _oldest(overdue)
        if names is not None and row.name in position:
            handed_in.add(row.name)
        elif names is not None and row.name:
            outside.setdefault(row.name)
        rows.add(row, position.get(row.name, len(position)) if names is not None else 0)

    if names is not None:
        for n in names:
            if n not in handed_in:
                rows.add(Row(n, STATUS_MISSING), position[n])
    categories = [c for c in config.categories] + ([UNCATEGORISED] if totals[UNCATEGORISED] else [])
    for row, _ in overdue:  # the rows the overdue list names, as read back
        row.copies = rows.copies.get(row.source)
    return Facts(rows, categories, totals, progress, _oldest(overdue), names, list(outside), duplicates,
                 overdue_count, accepted)


def _count(row: Row, b: Branch, config: Config, as_of: date, totals: Counter, progress: Counter,
           overdue: list[tuple[Row, Measure]]) -> int:
    """An accepted branch's counts into its row and the totals; its overdue measures; how many."""
    row.counts = (len(b.problems), len(b.causes), len(b.measures))
    for p in b.problems:
        row.categories[category_of(p.category, config)] += 1
    totals.update(row.categories)
    late = 0
    for m in b.measures:
        progress[m.status if m.status in config.statuses else NO_STATUS] += 1
        if m.status == config.done_status:
            row.done += 1
        if m.is_overdue(as_of, config.done_status):
            row.overdue += 1
            late += 1
            overdue.append((row, m))
    return late


def _slim(info: BranchInfo) -> BranchInfo:
    """What a row keeps of 基本信息 (one per branch: memory): the shared strings once."""
    return BranchInfo(info.name, info.parent and intern(info.parent), info.secretary, intern(info.theme),
                      info.meeting_date)


def accepted_branches(facts: Facts, results: Iterable[FileResult], only: str | None = None
                      ) -> Iterator[tuple[Row, Branch]]:
    """Each accepted row with its branch, in the rows' order, one at a time: from
    ``results.branch_of(source, only)`` when the results can look one up (the
    build's stream from its database: ``only`` "problems", "causes" or "measures"
    reads those items alone), else from a pass over ``results``."""
    lookup = getattr(results, "branch_of", None)
    if lookup is None:
        sources = {row.source for row in facts.accepted}
        found = {r.source: r.branch for r in results if r.source in sources}
        for row in facts.accepted:
            yield row, found.get(row.source)
        return
    for row in facts.accepted:
        yield row, lookup(row.source, only)


def _oldest(overdue: list[tuple[Row, Measure]]) -> list[tuple[Row, Measure]]:
    """The first OVERDUE_KEPT by deadline: longest overdue first (stable: run order within)."""
    overdue.sort(key=lambda item: item[1].deadline)
    return overdue[:OVERDUE_KEPT]


def category_counts(results: Iterable[FileResult], config: Config) -> list[tuple[str, int]]:
    """(方面, number of problems) in chart order — what the report's chart draws."""
    facts = reduce_results(results, config, date.max, None)
    return [(c, facts.category_totals[c]) for c in facts.categories]




def first_error(result: FileResult | None) -> str:
    if result is None:
        return ""
    for m in result.messages:
        if m.level == "error":
            return f"{m.where}：{m.message}" if m.where else m.message
    return ""
