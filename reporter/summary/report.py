"""汇总报告.docx: the facts told in the official format (:mod:`reporter.docx`
blocks: paragraphs, tables, the bar chart of :mod:`.chart`)."""

from __future__ import annotations

import itertools
from dataclasses import replace
import logging
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date

from ..config import Config
from ..docx import AnyBlock, Block, Picture, Table, render_blocks
from ..model import FileResult
from ..text import chinese_date
from ..title import break_title
from .chart import Chart, bar_chart
from .history import changes_blocks, trend_chart, trend_chart_of
from .opinions import review_blocks
from .facts import NAMED_BRANCHES, NO_STATUS, OVERDUE_KEPT, STATUS_WARNING, Facts, Row
from .typeset import cells, column_widths, typeset

log = logging.getLogger("reporter.summary")

NAME = "汇总报告.docx"
OVERDUE_LIST_LIMIT = OVERDUE_KEPT  # overdue measures listed in the report; all are in 汇总表 整改清单
CHART_WIDTH_MM = 150


def _share(n: int, total: int) -> str:
    return f"{100 * n / total:.1f}%" if total else "—"


def _avg(n: int, count: int) -> str:
    return f"{n / count:.1f}" if count else "0"


def _most_common(counted: Counter) -> str | None:
    """The most frequent non-empty value (the first seen among equals)."""
    return next((v for v, _ in counted.most_common() if v), None)


def _parent_and_theme(facts: Facts, config: Config) -> tuple[str, str]:
    parents, themes = Counter(), Counter()
    for row in facts.accepted:
        if row.info:
            parents[row.info.parent] += 1
            themes[row.info.theme] += 1
    return _most_common(parents) or "各党支部", _most_common(themes) or config.default_theme


def report_title(facts: Facts, config: Config) -> str:
    """"{most common 上级党组织 or 各党支部}{most common 会议主题}对照检查材料汇总报告"."""
    parent, theme = _parent_and_theme(facts, config)
    return f"{parent}{theme}对照检查材料汇总报告"


def title_lines(facts: Facts, config: Config) -> list[str]:
    """The title as set: broken like the branch documents' (:func:`reporter.title.break_title`),
    the organisation's name kept whole."""
    return break_title(report_title(facts, config), names=(_parent_and_theme(facts, config)[0],))


def _names(names: Iterable[str]) -> str:
    return "、".join(names)


def _totals(facts: Facts) -> tuple[int, int, int]:
    return facts.totals()


def _basics(facts: Facts, when: str) -> Iterator[AnyBlock]:
    """一、基本情况"""
    accepted, failed, missing = facts.accepted, facts.failed, facts.missing
    n_ok = len(accepted)
    n_warn = sum(1 for r in accepted if r.status == STATUS_WARNING)
    n_p, n_c, n_m = _totals(facts)
    yield Block("heading", "一、基本情况")
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
    yield Block("body", first + _duplicates_sentence(facts))
    yield Block("body", f"通过校验的{n_ok}个党支部共查摆问题{n_p}个、剖析原因{n_c}条、制定整改措施{n_m}项，"
                        f"平均每个支部查摆问题{_avg(n_p, n_ok)}个、剖析原因{_avg(n_c, n_ok)}条、"
                        f"制定整改措施{_avg(n_m, n_ok)}项。")


def draw_charts(facts: Facts, config: Config) -> dict[str, Chart]:
    """The report's charts ("bar", and "trend" from two as-of dates on): the slow part of the
    report, so the build may draw them beforehand on its other core (:attr:`Facts.charts`)."""
    found = {"bar": bar_chart(list(facts.categories), [facts.category_totals[c] for c in facts.categories], title="")}
    trend = trend_chart_of(facts, config)
    if trend is not None:
        found["trend"] = trend
    return found


def _distribution(facts: Facts, charts: dict[str, Chart], notices: list[str] | None) -> Iterator[AnyBlock]:
    """二、问题分布: the table and the bar chart."""
    n_p = _totals(facts)[0]
    yield Block("heading", "二、问题分布")
    cats = [(c, facts.category_totals[c]) for c in facts.categories]
    ranked = sorted((x for x in cats if x[1]), key=lambda x: -x[1])
    if ranked:
        top = "、".join(f"{c}（{n}个，占{_share(n, n_p)}）" for c, n in ranked[:3])
        yield Block("body", f"按问题所属方面统计，查摆问题较多的方面依次为：{top}。各方面分布见下表和下图。")
    else:
        yield Block("body", "尚无通过校验的问题可供统计。")
    yield Table([["方面", "问题数", "占比"], *([c, n, _share(n, n_p)] for c, n in cats), ["合计", n_p, _share(n_p, n_p)]],
                weights=[3, 1.5, 1.5], center=[False, True, True], caption="各方面问题数量")
    chart = charts["bar"]
    if chart.warning:
        log.warning(chart.warning)
        if notices is not None:
            notices.append(chart.warning)
    yield Picture(chart.png, CHART_WIDTH_MM, svg=chart.svg, caption="各方面问题数量")


def _progress(facts: Facts, config: Config, when: str) -> Iterator[AnyBlock]:
    """三、整改进展: counts by 完成情况, the overdue measures."""
    yield Block("heading", "三、整改进展")
    parts = [f"{s}{facts.progress[s]}项" for s in config.statuses]
    if facts.progress[NO_STATUS]:
        parts.append(f"未填写完成情况{facts.progress[NO_STATUS]}项")
    n_late = facts.overdue_count
    if not n_late:
        late = "没有逾期未完成的整改措施。"
    elif n_late <= OVERDUE_LIST_LIMIT:
        late = f"已过完成时限但尚未完成的逾期措施{n_late}项，列表如下。"
    else:
        late = (f"已过完成时限但尚未完成的逾期措施{n_late}项，下表列出前{OVERDUE_LIST_LIMIT}项，"
                f"全部逾期措施见汇总表“整改清单”工作表（逾期行已标色）。")
    yield Block("body", f"各支部共制定整改措施{_totals(facts)[2]}项，其中{'、'.join(parts)}。截至{when}，{late}")
    if facts.overdue:
        yield Table([["序号", "支部名称", "整改措施", "责任人", "完成时限", "完成情况"],
                     *([i, row.name, m.headline, m.owner, m.deadline_text or chinese_date(m.deadline),
                        m.status or NO_STATUS] for i, (row, m) in enumerate(facts.overdue[:OVERDUE_LIST_LIMIT], 1))],
                    weights=[1.4, 3, 4.4, 1.6, 2.4, 2.2], center=[True, False, False, False, True, True],
                    caption="逾期未完成的整改措施")


def _absent(facts: Facts) -> Iterator[AnyBlock]:
    """四、未提交或未通过校验的支部"""
    yield Block("heading", "四、未提交或未通过校验的支部")
    missing, failed = facts.missing, facts.failed
    if facts.roster is None:
        yield Block("item", "本次未提供应提交支部名单，无法核对未提交的支部。", "（一）未提交的支部。")
    elif missing:
        yield Block("item", f"共{len(missing)}个：{_names(r.name for r in missing)}。", "（一）未提交的支部。")
    else:
        yield Block("item", "名单中的支部均已提交。", "（一）未提交的支部。")
    lead_in = "（二）已提交但未通过校验的支部。"
    if failed:
        yield Block("item", f"共{len(failed)}份工作簿未通过校验，未生成对照检查材料，请相关支部按提示修改后重新提交。", lead_in)
        def rows():
            return itertools.chain([["支部名称", "来源文件", "主要问题"]],
                                   ([r.name or "（未能读取支部名称）", r.source, r.error] for r in failed))

        yield Table(cells(rows()), weights=column_widths(cells(rows())), caption="未通过校验的工作簿")
    else:
        yield Block("item", "收到的工作簿均通过校验。", lead_in)


def _branches(facts: Facts) -> Iterator[AnyBlock]:
    """五、各支部情况: a row per workbook (streamed when written)."""
    yield Block("heading", "五、各支部情况")
    yield Block("body", "各支部查摆问题、剖析原因、制定整改措施及整改进展情况如下表。")
    header = ["序号", "支部名称", "问题", "原因", "措施", "已完成", "逾期", "状态"]

    def rows():
        return itertools.chain([header], ([i, r.name or "（未能读取）", *_counts(r), r.status]
                                          for i, r in enumerate(facts.rows, 1)))

    yield Table(cells(rows()), weights=column_widths(cells(rows())), center=[True, False, *[True] * 6],
                caption="各支部情况")


def report_blocks(facts: Facts, config: Config, as_of: date, notices: list[str] | None = None) -> list[AnyBlock]:
    when = chinese_date(as_of)
    charts = facts.charts or draw_charts(facts, config)
    blocks = [Block("title", "\n".join(title_lines(facts, config))), Block("blank"), *_basics(facts, when),
              *_distribution(facts, charts, notices), *_progress(facts, config, when),
              *trend_chart(facts, charts.get("trend"), notices, log), *changes_blocks(facts), *_absent(facts), *review_blocks(facts),
              *_branches(facts)]
    return typeset(_numbered(blocks))


_NUMERALS = "一二三四五六七八九十"


def _numbered(blocks: list[AnyBlock]) -> list[AnyBlock]:
    """The section headings numbered in order (一、二、…): 本期变化 is there only with a previous run."""
    n = 0
    for i, block in enumerate(blocks):
        if isinstance(block, Block) and block.kind == "heading":
            title = block.text.split("、", 1)[-1]
            blocks[i] = replace(block, text=f"{_NUMERALS[n]}、{title}")
            n += 1
    return blocks


def summary_report(facts: Facts, results: Iterable[FileResult], config: Config, as_of: date,
                   notices: list[str] | None = None) -> bytes:
    title = report_title(facts, config)
    return render_blocks(report_blocks(facts, config, as_of, notices), config,
                         title=title[:255], subject="", author="reporter")  # 255: the property's limit


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
    if row.counts is None:
        return ["—"] * 5
    return [*row.counts, row.done, row.overdue]
