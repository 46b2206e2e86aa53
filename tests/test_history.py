"""The history store's answers (DESIGN §8): "changes", `reporter history`, the trend, bounded memory."""

from __future__ import annotations

import gc
import json
import re
from datetime import date
from pathlib import Path

import docx
import openpyxl
import pytest
from typer.testing import CliRunner

from helpers import MEASURES, standard_bytes
from reporter.cli import app
from reporter.model import Branch

runner = CliRunner()


def good(path: Path, name: str, measures=None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(standard_bytes(info={"支部名称": name}, measures=measures))


def build(inp: Path, out: Path, as_of: str):
    result = runner.invoke(app, ["build", str(inp), "-o", str(out), "--as-of", as_of, "--jobs", "1"])
    assert result.exit_code == 0, result.output
    return result


def report(out: Path) -> dict:
    return json.loads((out / "run-report.json").read_text(encoding="utf-8"))


def two_runs(tmp_path: Path) -> tuple[Path, Path]:
    """Run 1 on 2024-06-15; then 甲's first measure done, 乙 removed, 丁 added, 丙 untouched; run 2 on 2024-07-15."""
    inp, out = tmp_path / "in", tmp_path / "out"
    for source, name in (("a.xlsx", "甲党支部"), ("b.xlsx", "乙党支部"), ("c.xlsx", "丙党支部")):
        good(inp / source, name)
    build(inp, out, "2024-06-15")
    done = [(*MEASURES[0][:5], "已完成"), MEASURES[1]]
    good(inp / "a.xlsx", "甲党支部", measures=done)
    (inp / "b.xlsx").unlink()
    good(inp / "d.xlsx", "丁党支部")
    return inp, out


def test_changes_since_the_previous_run_are_exact(tmp_path):
    inp, out = two_runs(tmp_path)
    first = report(out)
    assert first["changes"] == {"since": None, "new": ["a.xlsx", "b.xlsx", "c.xlsx"], "changed": [], "removed": [],
                                "measures_completed": [], "became_overdue": []}
    result = build(inp, out, "2024-07-15")
    changes = report(out)["changes"]
    assert changes == {
        "since": first["started_at"], "new": ["d.xlsx"], "changed": ["a.xlsx"], "removed": ["b.xlsx"],
        "measures_completed": [{"branch": "甲党支部", "source": "a.xlsx", "row": 2, "measure": "强化政治理论学习",
                                "from": "整改中", "to": "已完成"}],
        "became_overdue": [  # deadline 2024-06-30: not overdue on 06-15, overdue on 07-15; 丁 did not exist then
            {"branch": "丙党支部", "source": "c.xlsx", "row": 3, "measure": "不断增强工作实效", "deadline": "2024-06-30"},
            {"branch": "甲党支部", "source": "a.xlsx", "row": 3, "measure": "不断增强工作实效", "deadline": "2024-06-30"}]}
    assert "与上次运行相比：新增 1 份、修改 1 份、删除 1 份工作簿；新完成措施 1 项，新逾期措施 2 项。" in result.output
    # The summary: 本期变化 (now there is a previous run), 整改进度 and the trend chart (two dates).
    d = docx.Document(out / "summary" / "汇总报告.docx")
    text = "\n".join(p.text.replace("\n", "").replace("\u2060", "") for p in d.paragraphs)  # title breaks, joiners
    assert "四、本期变化" in text and "新提交工作簿1份，修改1份，撤回（删除）1份，新完成整改措施1项，新逾期整改措施2项" in text
    assert "变化趋势见下图（共2个日期" in text
    assert len(d.inline_shapes) == 2  # the bar chart and the trend's line chart
    wb = openpyxl.load_workbook(out / "summary" / "汇总表.xlsx")
    assert [list(r) for r in wb["整改进度"].values] == [
        ["判断日期", "措施数", "已完成", "整改中", "未开始", "逾期"],
        ["2024-06-15", 6, 0, 3, 3, 3],
        ["2024-07-15", 6, 1, 2, 3, 5]]


def test_first_run_has_no_changes_section_nor_trend_chart(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    good(inp / "a.xlsx", "甲党支部")
    build(inp, out, "2024-06-15")
    text = "\n".join(p.text.replace("\u2060", "") for p in docx.Document(out / "summary" / "汇总报告.docx").paragraphs)
    assert "本期变化" not in text and "变化趋势" not in text
    assert "四、未提交或未通过校验的支部" in text


STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d")
SHORT = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d  判断")


def test_history_plain_and_json(tmp_path):
    inp, out = two_runs(tmp_path)
    build(inp, out, "2024-07-15")
    plain = runner.invoke(app, ["history", str(out)])
    assert plain.exit_code == 0
    assert SHORT.sub("T  判断", plain.output) == (
        "运行：1  开始时间：T  判断日期：2024-06-15  工作簿：3（通过3 警告0 未通过0 未变化0）  整改措施：6（已完成0 逾期3）  状态：完成\n"
        "运行：2  开始时间：T  判断日期：2024-07-15  工作簿：3（通过2 警告0 未通过0 未变化1）  整改措施：6（已完成1 逾期5）  状态：完成\n")
    data = json.loads(runner.invoke(app, ["history", str(out), "--json"]).output)
    for run in data["runs"]:
        assert STAMP.fullmatch(run.pop("started")) and STAMP.fullmatch(run.pop("finished"))
    assert data == {"runs": [
        {"id": 1, "as_of": "2024-06-15", "interrupted": False, "exit_status": 0,
         "totals": {"workbooks": 3, "ok": 3, "warning": 0, "failed": 0, "unchanged": 0},
         "measures": {"total": 6, "done": 0, "overdue": 3}},
        {"id": 2, "as_of": "2024-07-15", "interrupted": False, "exit_status": 0,
         "totals": {"workbooks": 3, "ok": 2, "warning": 0, "failed": 0, "unchanged": 1},
         "measures": {"total": 6, "done": 1, "overdue": 5}}]}


def test_history_of_a_branch(tmp_path):
    inp, out = two_runs(tmp_path)
    build(inp, out, "2024-07-15")
    data = json.loads(runner.invoke(app, ["history", str(out), "--branch", "甲党支部", "--json"]).output)
    shas = [v.pop("sha256") for v in data["versions"]]
    assert all(len(s) == 12 for s in shas) and shas[0] != shas[1]
    counts = {"problems": 3, "causes": 2, "measures": 2}
    assert data == {"branch": "甲党支部", "versions": [
        {"date": "2024-06-15", "source": "a.xlsx", "status": "ok", "counts": counts},
        {"date": "2024-07-15", "source": "a.xlsx", "status": "ok", "counts": counts}],
        "measures": [
            {"number": 1, "measure": "强化政治理论学习",
             "changes": [{"date": "2024-06-15", "status": "整改中"}, {"date": "2024-07-15", "status": "已完成"}]},
            {"number": 2, "measure": "不断增强工作实效", "changes": [{"date": "2024-06-15", "status": "未开始"}]}]}
    plain = runner.invoke(app, ["history", str(out), "--branch", "甲党支部"]).output
    assert plain == (
        "支部：甲党支部\n提交的版本：\n"
        f"  2024-06-15  {shas[0]}  a.xlsx  问题3 原因2 措施2  通过\n"
        f"  2024-07-15  {shas[1]}  a.xlsx  问题3 原因2 措施2  通过\n"
        "整改措施完成情况变化：\n"
        "  （1）强化政治理论学习：2024-06-15 整改中 → 2024-07-15 已完成\n"
        "  （2）不断增强工作实效：2024-06-15 未开始\n")
    unknown = runner.invoke(app, ["history", str(out), "--branch", "无此支部"])
    assert unknown.exit_code == 0 and "没有该支部的记录" in unknown.output


def test_history_without_a_database_is_a_usage_error(tmp_path):
    result = runner.invoke(app, ["history", str(tmp_path)])
    assert result.exit_code == 2 and "没有历史数据库" in result.output and "Traceback" not in result.output


def _folder_of(tmp_path, n: int):
    inp, out = tmp_path / "in", tmp_path / "out"
    for i in range(n):
        good(inp / f"{i:03d}.xlsx", f"第{i}党支部")
    return inp, out


def _alive(kind) -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if type(o) is kind)


def _counting_writers(monkeypatch, kind, seen: list) -> None:
    """Each summary writer first notes (objects of ``kind`` alive, rows the overdue list names)."""
    from reporter import summary

    before = _alive(kind)  # other tests' in this process
    writers = []
    for w in summary.WRITERS:
        def counted(facts, *args, _write=w.write, **kwargs):
            seen.append((_alive(kind) - before, len({id(row) for row, _ in facts.overdue})))
            return _write(facts, *args, **kwargs)
        writers.append(summary.Writer(w.name, counted, w.streams))
    monkeypatch.setattr(summary, "WRITERS", tuple(writers))


def test_summary_holds_no_list_of_every_branch(tmp_path, monkeypatch):
    """While the summary files are written, at most a few Branch objects are alive (they are streamed)."""
    n = 30
    inp, out = _folder_of(tmp_path, n)
    seen: list[tuple[int, int]] = []
    _counting_writers(monkeypatch, Branch, seen)
    build(inp, out, "2024-06-15")
    assert report(out)["totals"]["ok"] == n
    assert seen and max(alive for alive, _ in seen) <= 2, seen


def test_volume_holds_no_list_of_every_branch(tmp_path, monkeypatch):
    """While 汇编 is laid out and written, at most a few Branch objects are alive (read from the store one at a time)."""
    from reporter.volume import assemble

    n = 30
    inp, out = _folder_of(tmp_path, n)
    before = _alive(Branch)
    alive: list[int] = []

    def counted(branch, _own=assemble.branch_blocks):
        alive.append(_alive(Branch) - before)
        return _own(branch)

    monkeypatch.setattr(assemble, "branch_blocks", counted)
    build(inp, out, "2024-06-15")
    assert (out / "summary" / "汇编.docx").exists()
    assert len(alive) == 2 * n  # laid out, then written: each branch twice
    assert max(alive) <= 2, alive


@pytest.mark.parametrize("kept", [0, 10])
def test_summary_keeps_its_rows_on_disk_not_in_memory(tmp_path, monkeypatch, kept):
    """While the summary files are written, the rows of 总览 are not held in memory: only the rows
    the overdue list names (at most a few hundred, whatever N), the one being read, and — when
    there are no more than facts.KEPT rows — those kept between passes."""
    from reporter.summary import facts
    from reporter.summary.facts import Row

    monkeypatch.setattr(facts, "KEPT", kept)
    n = 40
    inp, out = _folder_of(tmp_path, n)
    seen: list[tuple[int, int]] = []
    _counting_writers(monkeypatch, Row, seen)
    build(inp, out, "2023-01-01")  # before every deadline: the overdue list names no row
    assert report(out)["totals"]["ok"] == n
    assert seen and all(alive <= named + 1 for alive, named in seen), seen
    assert all(named < n for _, named in seen)  # the test means something: most rows are not named


def test_a_small_summary_keeps_its_rows_between_passes(tmp_path, monkeypatch):
    """Up to facts.KEPT rows are decoded once and kept for the writers' passes (not read again)."""
    from reporter.summary import facts

    decoded: list[str] = []
    real = facts._row_from_json
    monkeypatch.setattr(facts, "_row_from_json", lambda text, copies: (decoded.append(text), real(text, copies))[1])
    n = 12
    inp, out = _folder_of(tmp_path, n)
    build(inp, out, "2024-06-15")
    assert len(decoded) == n  # one pass read them; the other passes used the kept rows
    monkeypatch.setattr(facts, "KEPT", n - 1)
    decoded.clear()
    build(inp, out, "2024-06-16")
    assert len(decoded) > 3 * n  # more rows than kept: every pass reads them again
