"""汇总表.xlsx: the facts as worksheets (:mod:`reporter.sheetxml`: every text
an inline string, so nothing becomes a formula).

The item sheets (问题清单, 原因清单, 整改清单) take their columns from
:data:`reporter.schema.SECTIONS`: a column added to a workbook sheet there
appears here, after 支部名称, with its value read from the item's attribute
of the same key (:data:`VALUES` for the few written differently)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import date
from typing import BinaryIO

from ..config import Config
from ..model import FileResult, Item, Measure
from ..schema import SECTIONS
from ..schema import Column as SchemaColumn
from ..sheetxml import DATE_FORMAT, MAX_ROWS, Properties, Style, Workbook
from .facts import LEVELS, Facts, accepted_branches
from .history import TREND_SHEET, trend_columns, trend_rows
from .opinions import REVIEW_COLUMNS, REVIEW_SHEET, review_rows

NAME = "汇总表.xlsx"

# Column kinds: "text" (one line), "wrap" (long text, wrapped), "int", "date".
Column = tuple[str, float, str]

OVERVIEW_COLUMNS: list[Column] = [
    ("支部名称", 26, "wrap"), ("上级党组织", 22, "wrap"), ("支部书记", 10, "text"), ("会议日期", 12, "date"),
    ("问题数", 8, "int"), ("原因数", 8, "int"), ("措施数", 8, "int"), ("已完成措施数", 14, "int"),
    ("逾期措施数", 12, "int"), ("状态", 9, "wrap"), ("来源文件", 30, "wrap"), ("备注", 40, "wrap"),
]
MESSAGE_COLUMNS: list[Column] = [
    ("文件", 30, "wrap"), ("级别", 6, "text"), ("代码", 7, "text"), ("工作表", 12, "text"), ("单元格", 8, "text"),
    ("说明", 80, "wrap"),
]
BRANCH_COLUMN: Column = ("支部名称", 24, "wrap")
ITEM_SHEETS = {"problems": "问题清单", "causes": "原因清单", "measures": "整改清单"}
SHEETS = ("总览", *ITEM_SHEETS.values(), "分类统计", "校验问题")  # in this order (整改进度 last, with a history)

# A schema column's kind → its kind here; the widths the summary sets apart from the template's.
_KINDS = {"number": "int", "date": "date", "deadline": "date", "category": "text", "refs": "text", "status": "text"}
_WIDTHS = {("problems", "category"): 11, ("measures", "problems"): 9,
           ("measures", "deadline"): 12, ("measures", "status"): 9}


def _refs(measure: Measure) -> str:
    """对应问题 as the branch wrote it (全部, 十一 …), else the numbers."""
    return measure.problems_text or "、".join(str(n) for n in measure.problems)


def _deadline(measure: Measure) -> date | str | None:
    """完成时限 as the branch wrote it (长期坚持, 2024年6月 …), else the date."""
    return measure.deadline_text or measure.deadline


# Column key → the cell's value, where it is not simply the item's attribute of that key.
VALUES: dict[str, Callable[[Item, int], object]] = {
    "number": lambda item, i: item.number or i,
    "problems": lambda item, i: _refs(item),
    "deadline": lambda item, i: _deadline(item),
}


def item_columns(key: str, schema_columns: Sequence[SchemaColumn]) -> list[Column]:
    """An item sheet's columns: 支部名称, then the workbook sheet's columns."""
    return [BRANCH_COLUMN, *((c.label, _WIDTHS.get((key, c.key), c.width), _KINDS.get(c.kind, "wrap"))
                             for c in schema_columns)]


_HEADER_FILL, _OVERDUE_FILL = "D9E1F2", "FFC7CE"
_KIND_STYLES = {
    "header": Style(bold=True, fill=_HEADER_FILL, border="all", wrap=True, halign="center", valign="center"),
    "text": Style(valign="top"),
    "int": Style(valign="top"),
    "wrap": Style(wrap=True, valign="top"),
    "date": Style(num_format=DATE_FORMAT, halign="left", valign="top"),
}


class _Sheet:
    """One sheet (a context manager, as :class:`~reporter.sheetxml.Sheet`):
    header row (bold, filled, frozen, repeated on print), rows appended."""

    def __init__(self, book: Workbook, name: str, columns: Sequence[Column]):
        self.book, self.name, self.columns, self.parts = book, name, columns, 1
        base = [_KIND_STYLES[kind] for _, _, kind in columns]
        self.styles = {
            "": [book.style(st) for st in base],
            "overdue": [book.style(replace(st, fill=_OVERDUE_FILL)) for st in base],
            "total": [book.style(replace(st, bold=True, border="top")) for st in base],
        }
        self.ws = self._start(name)

    def _start(self, name: str):
        # A4 landscape, all columns on one page width.
        ws = self.book.add_sheet(name, [width for _, width, _ in self.columns], freeze_rows=1, print_title_rows=1,
                                 paper=9, landscape=True, fit_width=True)
        ws.append([label for label, _, _ in self.columns], self.book.style(_KIND_STYLES["header"]))
        return ws

    def __enter__(self) -> _Sheet:
        return self

    def __exit__(self, *exc_info: object) -> None:
        declared = sum(1 for n in self.book.names if n == self.name or n.startswith(f"{self.name}（续"))
        while exc_info[0] is None and self.parts < declared:  # fewer rows than counted: the rest stay empty
            self.ws = self._start(continued(self.name, self.parts))
            self.parts += 1
        self.ws.__exit__(*exc_info)

    def add(self, values: Sequence[object], variant: str = "") -> None:
        """A row in the column styles of ``variant`` ("", "overdue", "total"):
        str is always text (never a formula), dates are real dates, None and
        "" hold no value (the cell keeps its style: overdue rows filled across).
        A sheet Excel cannot hold goes on in 名称（续1）, 名称（续2）… with the same header
        (declared beforehand: :func:`sheet_names`)."""
        if self.ws.rows >= MAX_ROWS:
            self.ws.auto_filter()
            self.ws = self._start(continued(self.name, self.parts))
            self.parts += 1
        self.ws.append(values, self.styles[variant])

    def filter(self) -> None:
        """Auto-filter over the header and the rows added so far."""
        self.ws.auto_filter()


def continued(name: str, part: int) -> str:
    return f"{name}（续{part}）"


def sheet_names(name: str, rows: int) -> list[str]:
    """A sheet of ``rows`` rows under its header, and the sheets it goes on in beyond Excel's limit."""
    parts = max(1, -(-rows // (MAX_ROWS - 1)))
    return [name, *(continued(name, k) for k in range(1, parts))]


def _message_count(results: Iterable[FileResult]) -> int:
    """The rows of 校验问题 (the build's results count them without reading a branch)."""
    count = getattr(results, "message_count", None)
    return count() if count is not None else sum(len(r.messages) for r in results)


def _messages(results: Iterable[FileResult]) -> Iterable[tuple[str, tuple]]:
    """(source, findings) of every workbook (the build's results give them without reading a branch)."""
    each = getattr(results, "messages", None)
    return each() if each is not None else ((r.source, r.messages) for r in results)


def _overview(book: Workbook, facts: Facts) -> None:
    with _Sheet(book, "总览", OVERVIEW_COLUMNS) as overview:
        sums = Counter()
        for row in facts.rows:
            info = row.info
            counts = [None] * 5
            if row.counts is not None:
                counts = [*row.counts, row.done, row.overdue]
                sums.update(dict(zip("pcmdo", counts)))
            overview.add([row.name, info.parent if info else None, info.secretary if info else None,
                          info.meeting_date if info else None, *counts, row.status, row.source, row.remark])
        overview.filter()
        overview.add([f"合计（{len(facts.accepted)}个支部）", None, None, None,
                      *(sums[k] for k in "pcmdo"), None, None, None], "total")


def _items(book: Workbook, facts: Facts, results: Iterable[FileResult], config: Config, as_of: date) -> None:
    """问题清单, 原因清单, 整改清单: every accepted branch's items (整改清单 with 是否逾期),
    the branches streamed (one pass per sheet)."""
    for section in SECTIONS:
        measures = section.key == "measures"
        columns = item_columns(section.key, section.columns) + ([("是否逾期", 9, "text")] if measures else [])
        getters = [VALUES.get(c.key) or (lambda item, i, key=c.key: getattr(item, key)) for c in section.columns]
        with _Sheet(book, ITEM_SHEETS[section.key], columns) as sheet:
            for row, branch in accepted_branches(facts, results, section.key):
                for i, item in enumerate(getattr(branch, section.key), 1):
                    values = [row.name, *(get(item, i) for get in getters)]
                    late = measures and item.is_overdue(as_of, config.done_status)
                    if measures:
                        values.append("是" if late else "否")
                    sheet.add(values, "overdue" if late else "")
            sheet.filter()


def _stats(book: Workbook, facts: Facts) -> None:
    columns = [("支部名称", 26, "wrap"), *((c, max(8, 2.2 * len(c) + 2), "int") for c in facts.categories),
               ("合计", 8, "int")]
    with _Sheet(book, "分类统计", columns) as stats:
        for row in facts.accepted:
            counts = [row.categories[c] for c in facts.categories]
            stats.add([row.name, *counts, sum(counts)])
        stats.filter()
        totals = [facts.category_totals[c] for c in facts.categories]
        stats.add(["合计", *totals, sum(totals)], "total")


def summary_workbook(facts: Facts, results: Iterable[FileResult], config: Config, as_of: date,
                     notices: list[str] | None = None, out: BinaryIO | None = None) -> bytes:
    """汇总表.xlsx as bytes, or written straight into ``out`` (then b"": the build's way, so a
    100,000-branch workbook is never in memory)."""
    p, c, m = facts.totals()
    rows = {"总览": len(facts.rows) + 1, "问题清单": p, "原因清单": c, "整改清单": m,
            "分类统计": len(facts.accepted) + 1, "校验问题": _message_count(results),
            REVIEW_SHEET: sum(facts.review.counts.values()) if facts.review is not None else 0}
    names = [part for name in SHEETS for part in sheet_names(name, rows[name])]
    names += sheet_names(REVIEW_SHEET, rows[REVIEW_SHEET]) if facts.review is not None else []
    names += [TREND_SHEET] if facts.trend else []
    book = Workbook(names, Properties(title="专题组织生活会对照检查材料汇总表", author="reporter",
                                       comments=f"逾期判断日期：{as_of.isoformat()}"), out=out)
    _overview(book, facts)
    _items(book, facts, results, config, as_of)
    _stats(book, facts)
    with _Sheet(book, "校验问题", MESSAGE_COLUMNS) as messages:
        for source, found in _messages(results):
            for m in found:
                messages.add([source, LEVELS.get(m.level, m.level), m.code, m.sheet, m.cell, m.message])
        messages.filter()
    if facts.review is not None:
        with _Sheet(book, REVIEW_SHEET, REVIEW_COLUMNS) as opinions:
            for row in review_rows(facts):
                opinions.add(row)
            opinions.filter()
    if facts.trend:
        columns = [(c, 12 if i == 0 else max(8, 2.2 * len(c) + 2), "text" if i == 0 else "int")
                   for i, c in enumerate(trend_columns(config))]
        with _Sheet(book, TREND_SHEET, columns) as trend:
            for row in trend_rows(facts, config):
                trend.add(row)
    return book.close()
