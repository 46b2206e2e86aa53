"""What the history store adds to the summary (DESIGN §8): 汇总报告's 本期变化
and trend chart, 汇总表's sheet 整改进度.  The points and changes come in
:class:`~.facts.Facts` (``trend``, ``changes``), computed by the build from its
database; without them (no previous run, or not a build) nothing is added."""

from __future__ import annotations

from collections.abc import Iterator

from ..config import Config
from ..docx import AnyBlock, Block, Picture, Table
from .facts import Facts

TREND_SHEET = "整改进度"
CHANGES_LIST_LIMIT = 50  # sources / measures named per list in 本期变化 (all are in run-report.json)


def _statuses(config: Config) -> list[str]:
    """已完成 first, then the others from the most advanced (整改中, 未开始 with the defaults)."""
    return [config.done_status, *(s for s in reversed(config.statuses) if s != config.done_status)]


def trend_columns(config: Config) -> list[str]:
    """整改进度's columns: 判断日期, 措施数, 已完成, 整改中, 未开始 (the configured 完成情况), 逾期."""
    return ["判断日期", "措施数", *_statuses(config), "逾期"]


def trend_rows(facts: Facts, config: Config) -> list[list[object]]:
    return [[p["as_of"], p["measures"], *(p["progress"].get(s, 0) for s in _statuses(config)), p["overdue"]]
            for p in facts.trend or ()]


def trend_chart_of(facts: Facts, config: Config):
    """The line chart of 整改进展's trend (a :class:`.chart.Chart`), once there are two as-of dates."""
    points = facts.trend or []
    if len(points) < 2:
        return None
    from .chart import line_chart

    series = {"措施总数": [p["measures"] for p in points]}
    series.update({s: [p["progress"].get(s, 0) for p in points] for s in _statuses(config)})
    series["逾期"] = [p["overdue"] for p in points]
    return line_chart([p["as_of"] for p in points], series)


def trend_chart(facts: Facts, chart, notices: list[str] | None, log) -> Iterator[AnyBlock]:
    """The trend chart's paragraph and picture under 整改进展 (``chart`` None: fewer than two dates)."""
    if chart is None:
        return
    if chart.warning:
        log.warning(chart.warning)
        if notices is not None:
            notices.append(chart.warning)
    yield Block("body", f"按各判断日期最后一次运行统计，整改措施完成情况变化趋势见下图（共{len(facts.trend)}个日期，"
                        "明细见汇总表“整改进度”工作表）。")
    yield Picture(chart.png, 150, svg=chart.svg, caption="整改措施完成情况变化趋势")


def _named(values: list[str]) -> str:
    more = f"等{len(values)}份" if len(values) > CHANGES_LIST_LIMIT else ""
    return "、".join(values[:CHANGES_LIST_LIMIT]) + more


def changes_blocks(facts: Facts) -> Iterator[AnyBlock]:
    """本期变化: what changed since the previous completed run (only when there was one)."""
    c = facts.changes
    if c is None:
        return
    yield Block("heading", "本期变化")
    parts = [f"新提交工作簿{len(c['new'])}份", f"修改{len(c['changed'])}份", f"撤回（删除）{len(c['removed'])}份",
             f"新完成整改措施{len(c['measures_completed'])}项", f"新逾期整改措施{len(c['became_overdue'])}项"]
    yield Block("body", f"与上次运行相比，{'，'.join(parts)}。")
    for label, key in (("（一）新提交的工作簿。", "new"), ("（二）修改的工作簿。", "changed"),
                       ("（三）删除的工作簿。", "removed")):
        if c[key]:
            yield Block("item", f"{_named(c[key])}。", label)
    done, late = c["measures_completed"][:CHANGES_LIST_LIMIT], c["became_overdue"][:CHANGES_LIST_LIMIT]
    if done:
        yield Block("body", "新完成的整改措施：")
        yield Table([["支部名称", "整改措施", "原完成情况", "现完成情况"],
                     *([m["branch"], m["measure"], m["from"] or "未填写", m["to"]] for m in done)],
                    weights=[3, 5, 2, 2])
    if late:
        yield Block("body", "本期新逾期的整改措施：")
        yield Table([["支部名称", "整改措施", "完成时限"], *([m["branch"], m["measure"], m["deadline"]] for m in late)],
                    weights=[3, 6, 2.4])
