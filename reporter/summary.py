"""The aggregate summary: a reduction over a run's per-file results.

:func:`build_summary` turns the :class:`~reporter.model.FileResult` of every
current workbook (plus the roster, if any) into two files for the committee:
汇总表.xlsx (:mod:`reporter.sheetxml`: every text an inline string, so
nothing becomes a formula) and 汇总报告.docx (the official format of
:mod:`reporter.document`, its tables from :func:`~reporter.document.add_table`,
a bar chart from :mod:`reporter.chart`).  Pure: no file system; the batch writes the bytes.

Which workbooks count: branches are counted by 支部名称 — a result whose
``duplicate_of`` is set (another workbook of the same branch is used
instead) is left out, and the row of the workbook used says which copies
were (at most :data:`NAMED_COPIES` by name).  A result with a branch and
status ok / warning / unchanged is *accepted* and its items are listed and
counted; a failed one is named (已提交但未通过, with its reason and source
file) but its partial content is not counted.
"""

from __future__ import annotations

import io
import itertools
import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from .config import Config
from .model import Branch, BranchInfo, FileResult, Measure
from .sheetxml import DATE_FORMAT, Properties, Style, Workbook
from .text import chinese_date, clean

log = logging.getLogger(__name__)

XLSX_NAME = "汇总表.xlsx"
DOCX_NAME = "汇总报告.docx"

STATUS_OK, STATUS_WARNING, STATUS_FAILED, STATUS_MISSING = "通过", "有警告", "已提交但未通过", "未提交"
UNCATEGORISED = "未分类"  # 方面 empty or not one of config.categories
NO_STATUS = "未填写"  # 完成情况 empty or not one of config.statuses
LEVELS = {"error": "错误", "warning": "警告"}
NAMED_COPIES = 10  # left-out copies of a branch named in 总览 (the rest are counted)
NAMED_BRANCHES = 10  # branches with copies named in 汇总报告


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
    result: FileResult | None = None  # None: 未提交
    branch: Branch | None = None  # set only when accepted (its items count)
    categories: Counter = field(default_factory=Counter)
    done: int = 0
    overdue: int = 0
    copies: Copies | None = None  # other workbooks of this branch, not counted

    @property
    def info(self) -> BranchInfo | None:
        if self.branch is not None:
            return self.branch.info
        return self.result.branch.info if self.result and self.result.branch else None

    @property
    def source(self) -> str:
        return self.result.source if self.result else ""

    @property
    def remark(self) -> str:
        """总览's 备注: why it failed, which copies were left out."""
        parts = []
        if self.status == STATUS_FAILED:
            parts.append(f"未通过原因：{_first_error(self.result)}")
        if self.copies is not None:
            parts.append(f"另有{self.copies.count}份同名工作簿未计入：{self.copies}")
        return "；".join(parts)


@dataclass(slots=True)
class Facts:
    rows: list[Row]
    categories: list[str]  # config order, then 未分类 when used
    category_totals: Counter
    progress: Counter  # 完成情况 → number of measures (config statuses + 未填写)
    overdue: list[tuple[Row, Measure]]  # oldest deadline first
    roster: list[str] | None
    outside_roster: list[str]  # names handed in that the roster does not list
    duplicates: int = 0  # workbooks left out because another one of the same branch is used

    @property
    def accepted(self) -> list[Row]:
        return [r for r in self.rows if r.branch is not None]

    @property
    def failed(self) -> list[Row]:
        return [r for r in self.rows if r.status == STATUS_FAILED]

    @property
    def missing(self) -> list[Row]:
        return [r for r in self.rows if r.status == STATUS_MISSING]


def _status(result: FileResult) -> str:
    if result.status == "failed" or result.branch is None:
        return STATUS_FAILED
    if result.status == "warning" or (result.status == "unchanged" and any(m.level == "warning" for m in result.messages)):
        return STATUS_WARNING
    return STATUS_OK


def category_of(category: str | None, config: Config) -> str:
    return category if category in config.categories else UNCATEGORISED


def reduce_results(results: Iterable[FileResult], config: Config, as_of: date, roster: Sequence[str] | None) -> Facts:
    """One pass over the results: rows, counts, progress and overdue measures."""
    rows: list[Row] = []
    totals: Counter = Counter()
    progress: Counter = Counter()
    overdue: list[tuple[Row, Measure]] = []
    copies: dict[str, Copies] = {}  # source of the workbook used → the others
    duplicates = 0
    for result in results:
        if result.duplicate_of is not None:
            copies.setdefault(result.duplicate_of, Copies()).add(result.source)
            duplicates += 1
            continue
        status = _status(result)
        b = result.branch
        row = Row(clean(b.info.name if b else result.name or ""), status, result)
        rows.append(row)
        if status == STATUS_FAILED:
            continue
        row.branch = b
        for p in b.problems:
            row.categories[category_of(p.category, config)] += 1
        totals.update(row.categories)
        for m in b.measures:
            progress[m.status if m.status in config.statuses else NO_STATUS] += 1
            if m.status == config.done_status:
                row.done += 1
            if m.is_overdue(as_of, config.done_status):
                row.overdue += 1
                overdue.append((row, m))

    names: list[str] | None = None
    outside: list[str] = []
    if roster is not None:
        names = list(dict.fromkeys(n for n in (clean(x) for x in roster) if n))
        position = {n: i for i, n in enumerate(names)}
        handed_in = {r.name for r in rows if r.name}
        rows += [Row(n, STATUS_MISSING) for n in names if n not in handed_in]
        rows.sort(key=lambda r: position.get(r.name, len(names)))  # stable: run order within
        outside = list(dict.fromkeys(r.name for r in rows if r.name and r.name not in position))

    for row in rows:
        row.copies = copies.get(row.source)
    overdue.sort(key=lambda item: item[1].deadline)  # longest overdue first (stable: run order within)
    categories = [c for c in config.categories] + ([UNCATEGORISED] if totals[UNCATEGORISED] else [])
    return Facts(rows, categories, totals, progress, overdue, names, outside, duplicates)


def category_counts(results: Iterable[FileResult], config: Config) -> list[tuple[str, int]]:
    """(方面, number of problems) in chart order — what the report's chart draws."""
    facts = reduce_results(results, config, date.max, None)
    return [(c, facts.category_totals[c]) for c in facts.categories]


def build_summary(results: list[FileResult], config: Config, as_of: date, roster: list[str] | None,
                  notices: list[str] | None = None) -> tuple[bytes, bytes]:
    """(汇总表.xlsx, 汇总报告.docx) as bytes.

    ``roster``: the branch names expected (None: no roster).  ``notices``, when
    given, collects Chinese sentences for the run log (e.g. no CJK font for
    the chart); they are logged on ``reporter.summary`` as well.
    """
    facts = reduce_results(results, config, as_of, roster)
    xlsx = summary_workbook(facts, results, config, as_of)
    docx = summary_report(facts, config, as_of, notices)
    return xlsx, docx


# ------------------------------------------------------------ 汇总表.xlsx

# Column kinds: "text" (one line), "wrap" (long text, wrapped), "int", "date".
Column = tuple[str, float, str]

OVERVIEW_COLUMNS: list[Column] = [
    ("支部名称", 26, "wrap"), ("上级党组织", 22, "wrap"), ("支部书记", 10, "text"), ("会议日期", 12, "date"),
    ("问题数", 8, "int"), ("原因数", 8, "int"), ("措施数", 8, "int"), ("已完成措施数", 14, "int"),
    ("逾期措施数", 12, "int"), ("状态", 9, "wrap"), ("来源文件", 30, "wrap"), ("备注", 40, "wrap"),
]
PROBLEM_COLUMNS: list[Column] = [
    ("支部名称", 24, "wrap"), ("序号", 6, "int"), ("方面", 11, "text"), ("问题概述", 40, "wrap"), ("具体表现", 70, "wrap"),
]
CAUSE_COLUMNS: list[Column] = [
    ("支部名称", 24, "wrap"), ("序号", 6, "int"), ("原因概述", 40, "wrap"), ("具体剖析", 70, "wrap"),
]
MEASURE_COLUMNS: list[Column] = [
    ("支部名称", 24, "wrap"), ("序号", 6, "int"), ("措施概述", 36, "wrap"), ("具体内容", 60, "wrap"),
    ("对应问题", 9, "text"), ("责任人", 12, "wrap"), ("完成时限", 12, "date"), ("完成情况", 9, "text"),
    ("是否逾期", 9, "text"),
]
MESSAGE_COLUMNS: list[Column] = [
    ("文件", 30, "wrap"), ("级别", 6, "text"), ("代码", 7, "text"), ("工作表", 12, "text"), ("单元格", 8, "text"),
    ("说明", 80, "wrap"),
]

SHEETS = ("总览", "问题清单", "原因清单", "整改清单", "分类统计", "校验问题")  # in this order

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
        # A4 landscape, all columns on one page width.
        self.ws = ws = book.add_sheet(name, [width for _, width, _ in columns], freeze_rows=1, print_title_rows=1,
                                      paper=9, landscape=True, fit_width=True)
        base = [_KIND_STYLES[kind] for _, _, kind in columns]
        self.styles = {
            "": [book.style(st) for st in base],
            "overdue": [book.style(replace(st, fill=_OVERDUE_FILL)) for st in base],
            "total": [book.style(replace(st, bold=True, border="top")) for st in base],
        }
        ws.append([label for label, _, _ in columns], book.style(_KIND_STYLES["header"]))

    def __enter__(self) -> _Sheet:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.ws.__exit__(*exc_info)

    def add(self, values: Sequence[object], variant: str = "") -> None:
        """A row in the column styles of ``variant`` ("", "overdue", "total"):
        str is always text (never a formula), dates are real dates, None and
        "" hold no value (the cell keeps its style: overdue rows filled across)."""
        self.ws.append(values, self.styles[variant])

    def filter(self) -> None:
        """Auto-filter over the header and the rows added so far."""
        self.ws.auto_filter()


def _refs(measure: Measure) -> str:
    """对应问题 as the branch wrote it (全部, 十一 …), else the numbers."""
    return measure.problems_text or "、".join(str(n) for n in measure.problems)


def _deadline(measure: Measure) -> date | str | None:
    """完成时限 as the branch wrote it (长期坚持, 2024年6月 …), else the date."""
    return measure.deadline_text or measure.deadline


def summary_workbook(facts: Facts, results: Iterable[FileResult], config: Config, as_of: date) -> bytes:
    book = Workbook(SHEETS, Properties(title="专题组织生活会对照检查材料汇总表", author="reporter",
                                       comments=f"逾期判断日期：{as_of.isoformat()}"))

    with _Sheet(book, "总览", OVERVIEW_COLUMNS) as overview:
        sums = Counter()
        for row in facts.rows:
            info, b = row.info, row.branch
            counts = [None] * 5
            if b is not None:
                counts = [len(b.problems), len(b.causes), len(b.measures), row.done, row.overdue]
                sums.update(dict(zip("pcmdo", counts)))
            overview.add([row.name, info.parent if info else None, info.secretary if info else None,
                          info.meeting_date if info else None, *counts, row.status, row.source, row.remark])
        overview.filter()
        overview.add([f"合计（{len(facts.accepted)}个支部）", None, None, None,
                      *(sums[k] for k in "pcmdo"), None, None, None], "total")

    with _Sheet(book, "问题清单", PROBLEM_COLUMNS) as problems:
        for row in facts.accepted:
            for i, p in enumerate(row.branch.problems, 1):
                problems.add([row.name, p.number or i, p.category, p.headline, p.details])
        problems.filter()

    with _Sheet(book, "原因清单", CAUSE_COLUMNS) as causes:
        for row in facts.accepted:
            for i, c in enumerate(row.branch.causes, 1):
                causes.add([row.name, c.number or i, c.headline, c.details])
        causes.filter()

    with _Sheet(book, "整改清单", MEASURE_COLUMNS) as ledger:
        for row in facts.accepted:
            for i, m in enumerate(row.branch.measures, 1):
                late = m.is_overdue(as_of, config.done_status)
                ledger.add([row.name, m.number or i, m.headline, m.details, _refs(m), m.owner,
                            _deadline(m), m.status, "是" if late else "否"], "overdue" if late else "")
        ledger.filter()

    stats_columns = [("支部名称", 26, "wrap"), *((c, max(8, 2.2 * len(c) + 2), "int") for c in facts.categories),
                     ("合计", 8, "int")]
    with _Sheet(book, "分类统计", stats_columns) as stats:
        for row in facts.accepted:
            counts = [row.categories[c] for c in facts.categories]
            stats.add([row.name, *counts, sum(counts)])
        stats.filter()
        totals = [facts.category_totals[c] for c in facts.categories]
        stats.add(["合计", *totals, sum(totals)], "total")

    with _Sheet(book, "校验问题", MESSAGE_COLUMNS) as messages:
        for result in results:
            for m in result.messages:
                messages.add([result.source, LEVELS.get(m.level, m.level), m.code, m.sheet, m.cell, m.message])
        messages.filter()

    return book.close()


# ------------------------------------------------------------ 汇总报告.docx

OVERDUE_LIST_LIMIT = 200  # overdue measures listed in the report; all are in 汇总表 整改清单


def _share(n: int, total: int) -> str:
    return f"{100 * n / total:.1f}%" if total else "—"


def _avg(n: int, count: int) -> str:
    return f"{n / count:.1f}" if count else "0"


def _most_common(values: Iterable[str | None]) -> str | None:
    counted = Counter(v for v in values if v)
    return counted.most_common(1)[0][0] if counted else None


def report_title(facts: Facts, config: Config) -> str:
    """"{most common 上级党组织 or 各党支部}{most common 会议主题}对照检查材料汇总报告"."""
    infos = [r.info for r in facts.accepted if r.info]
    parent = _most_common(i.parent for i in infos) or "各党支部"
    theme = _most_common(i.theme for i in infos) or config.default_theme
    return f"{parent}{theme}对照检查材料汇总报告"


def _names(names: Iterable[str]) -> str:
    return "、".join(names)


def summary_report(facts: Facts, config: Config, as_of: date, notices: list[str] | None = None) -> bytes:
    from docx.shared import Mm

    from .chart import bar_chart
    from .document import (add_heading, add_long_table, add_paragraph, add_picture, add_table, add_title,
                           new_official_document, save_document)

    doc = new_official_document(config)
    long_tables: list = []  # the tables with a row per workbook, written at save time
    title = report_title(facts, config)
    doc.core_properties.title = title[:255]  # the property's limit; the page shows it whole
    doc.core_properties.author = "reporter"
    add_title(doc, title)

    accepted, failed, missing = facts.accepted, facts.failed, facts.missing
    n_ok = len(accepted)
    n_warn = sum(1 for r in accepted if r.status == STATUS_WARNING)
    n_p = sum(len(r.branch.problems) for r in accepted)
    n_c = sum(len(r.branch.causes) for r in accepted)
    n_m = sum(len(r.branch.measures) for r in accepted)
    when = chinese_date(as_of)

    # 一、基本情况
    add_heading(doc, "一、基本情况")
    n_counted = n_ok + len(failed)
    received = f"共收到{'' if facts.roster is not None else '党支部对照检查材料'}工作簿{n_counted + facts.duplicates}份，其中"
    if facts.duplicates:
        received += f"同一支部重复提交、未计入汇总的{facts.duplicates}份；计入汇总的{n_counted}份中，"
    received += f"通过校验{n_ok}份（含有警告的{n_warn}份），未通过校验{len(failed)}份。"
    if facts.roster is not None:
        handed = len(facts.roster) - len(missing)
        on_roster = set(facts.roster)
        n_rejected = sum(1 for r in failed if r.name in on_roster)
        rejected = f"（其中已提交但未通过校验{n_rejected}个）" if n_rejected else ""
        first = (f"截至{when}，应提交对照检查材料的党支部共{len(facts.roster)}个，已提交{handed}个{rejected}，"
                 f"未提交{len(missing)}个。{received}")
        if facts.outside_roster:
            first += f"另有{len(facts.outside_roster)}个提交的支部不在名单中：{_names(facts.outside_roster)}。"
    else:
        first = f"截至{when}，{received}"
    first += _duplicates_sentence(facts)
    add_paragraph(doc, first)
    add_paragraph(doc, f"通过校验的{n_ok}个党支部共查摆问题{n_p}个、剖析原因{n_c}条、制定整改措施{n_m}项，"
                       f"平均每个支部查摆问题{_avg(n_p, n_ok)}个、剖析原因{_avg(n_c, n_ok)}条、"
                       f"制定整改措施{_avg(n_m, n_ok)}项。")

    # 二、问题分布
    add_heading(doc, "二、问题分布")
    cats = [(c, facts.category_totals[c]) for c in facts.categories]
    ranked = sorted((x for x in cats if x[1]), key=lambda x: -x[1])
    if ranked:
        top = "、".join(f"{c}（{n}个，占{_share(n, n_p)}）" for c, n in ranked[:3])
        add_paragraph(doc, f"按问题所属方面统计，查摆问题较多的方面依次为：{top}。各方面分布见下表和下图。")
    else:
        add_paragraph(doc, "尚无通过校验的问题可供统计。")
    add_table(doc, [["方面", "问题数", "占比"], *([c, n, _share(n, n_p)] for c, n in cats),
                    ["合计", n_p, _share(n_p, n_p)]], weights=[3, 1.5, 1.5], center=[False, True, True])
    chart = bar_chart([c for c, _ in cats], [n for _, n in cats])
    if chart.warning:
        log.warning(chart.warning)
        if notices is not None:
            notices.append(chart.warning)
    add_picture(doc, io.BytesIO(chart.png), width=Mm(150))

    # 三、整改进展
    add_heading(doc, "三、整改进展")
    parts = [f"{s}{facts.progress[s]}项" for s in config.statuses]
    if facts.progress[NO_STATUS]:
        parts.append(f"未填写完成情况{facts.progress[NO_STATUS]}项")
    n_late = len(facts.overdue)
    if not n_late:
        late = "没有逾期未完成的整改措施。"
    elif n_late <= OVERDUE_LIST_LIMIT:
        late = f"已过完成时限但尚未完成的逾期措施{n_late}项，列表如下。"
    else:
        late = (f"已过完成时限但尚未完成的逾期措施{n_late}项，下表列出前{OVERDUE_LIST_LIMIT}项，"
                f"全部逾期措施见汇总表“整改清单”工作表（逾期行已标色）。")
    add_paragraph(doc, f"各支部共制定整改措施{n_m}项，其中{'、'.join(parts)}。截至{when}，{late}")
    if facts.overdue:
        add_table(doc, [["序号", "支部名称", "整改措施", "责任人", "完成时限", "完成情况"],
                        *([i, row.name, m.headline, m.owner, m.deadline_text or m.deadline.isoformat(),
                           m.status or NO_STATUS]
                          for i, (row, m) in enumerate(facts.overdue[:OVERDUE_LIST_LIMIT], 1))],
                  weights=[1.4, 3, 4.4, 1.6, 2.4, 2.2], center=[True, False, False, False, True, True])

    # 四、未提交或未通过校验的支部
    add_heading(doc, "四、未提交或未通过校验的支部")
    if facts.roster is None:
        add_paragraph(doc, "本次未提供应提交支部名单，无法核对未提交的支部。", lead_in="（一）未提交的支部。")
    elif missing:
        add_paragraph(doc, f"共{len(missing)}个：{_names(r.name for r in missing)}。", lead_in="（一）未提交的支部。")
    else:
        add_paragraph(doc, "名单中的支部均已提交。", lead_in="（一）未提交的支部。")
    if failed:
        add_paragraph(doc, f"共{len(failed)}份工作簿未通过校验，未生成对照检查材料，请相关支部按提示修改后重新提交。",
                      lead_in="（二）已提交但未通过校验的支部。")
        add_long_table(doc, [["支部名称", "来源文件", "主要问题"],
                             *([r.name or "（未能读取支部名称）", r.source, _first_error(r.result)] for r in failed)],
                       weights=[3, 3.2, 6], tables=long_tables)
    else:
        add_paragraph(doc, "收到的工作簿均通过校验。", lead_in="（二）已提交但未通过校验的支部。")

    # 五、各支部情况
    add_heading(doc, "五、各支部情况")
    add_paragraph(doc, "各支部查摆问题、剖析原因、制定整改措施及整改进展情况如下表。")
    header = ["序号", "支部名称", "问题", "原因", "措施", "已完成", "逾期", "状态"]
    add_long_table(doc, itertools.chain([header], ([i, r.name or "（未能读取）", *_counts(r), r.status]
                                                   for i, r in enumerate(facts.rows, 1))),
                   weights=[1.4, 4.4, 1.3, 1.3, 1.3, 1.5, 1.3, 2.2], center=[True, False, *[True] * 6],
                   tables=long_tables)
    return save_document(doc, long_tables)


def _duplicates_sentence(facts: Facts) -> str:
    """Which workbook the summary used for a branch handed in more than once
    (the first :data:`NAMED_BRANCHES` branches named; all in 总览's 备注)."""
    if not facts.duplicates:
        return ""
    with_copies = [r for r in facts.rows if r.copies is not None]
    named = "；".join(f"{r.name or '（未能读取支部名称）'}采用{r.source}，未计入{r.copies}"
                     for r in with_copies[:NAMED_BRANCHES])
    more = f"；等{len(with_copies)}个支部" if len(with_copies) > NAMED_BRANCHES else ""
    return f"同一支部提交多份工作簿的，每个支部只计入一份：{named}{more}（详见汇总表“总览”的备注列）。"


def _counts(row: Row) -> list[object]:
    b = row.branch
    if b is None:
        return ["—"] * 5
    return [len(b.problems), len(b.causes), len(b.measures), row.done, row.overdue]


def _first_error(result: FileResult | None) -> str:
    if result is None:
        return ""
    for m in result.messages:
        if m.level == "error":
            return f"{m.where}：{m.message}" if m.where else m.message
    return ""
