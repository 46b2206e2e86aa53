"""The review in `reporter build` (DESIGN §9): messages, "review", 审核意见 sheet and section, --no-review."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

import docx
import openpyxl
import pytest
from typer.testing import CliRunner

from helpers import standard_bytes
from reporter.review import run as review_run
from reporter.cli import app
from reporter.review import CODES

runner = CliRunner()
SHARED = ("理论学习", "理论学习不够深入系统",
          "对开展政治理论学习缺乏深入细致谋划研究，学习方法较为单一，学用结合不够紧密，用理论指导实践解决问题的能力不足。")
SHARED_B = (SHARED[0], SHARED[1], SHARED[2].replace("，", "、"))  # punctuation changed only


def workbook(path: Path, name: str, shared, own: tuple) -> None:
    path.write_bytes(standard_bytes(
        info={"支部名称": name}, problems=[shared, own],
        causes=[(f"{name}学习抓得不紧", "精力放在业务上。")],
        measures=[("强化学习", "每周集中学习一次。", "1、2", "张三", date(2024, 3, 31), "整改中")]))


@pytest.fixture
def folder(tmp_path) -> tuple[Path, Path]:
    inp, out = tmp_path / "in", tmp_path / "out"
    inp.mkdir()
    workbook(inp / "a.xlsx", "机关第一党支部", SHARED, ("政治素质", "政治敏锐性不强", "对风险隐患认识不够深刻。"))
    workbook(inp / "b.xlsx", "机关第二党支部", SHARED_B, ("担当作为", "履职尽责不够", "统筹谋划重点工作用力不够。"))
    return inp, out


def build(inp: Path, out: Path, *args: str):
    result = runner.invoke(app, ["build", str(inp), "-o", str(out), "--as-of", "2024-06-30", "--jobs", "1", *args])
    return result, json.loads((out / "run-report.json").read_text(encoding="utf-8"))


def reviewed(rep: dict, source: str, code: str = "R601") -> list[dict]:
    entry = next(w for w in rep["workbooks"] if w["source"] == source)
    return [m for m in entry["messages"] if m["code"] == code]


def statuses(rep: dict) -> dict[str, str]:
    return {w["source"]: w["status"] for w in rep["workbooks"]}


def test_similar_items_on_both_workbooks_report_sheet_and_section(folder):
    inp, out = folder
    result, rep = build(inp, out)
    assert result.exit_code == 0, result.output
    assert statuses(rep) == {"a.xlsx": "ok", "b.xlsx": "ok"}
    (a,), (b,) = reviewed(rep, "a.xlsx"), reviewed(rep, "b.xlsx")
    assert a["level"] == b["level"] == "review"
    assert (a["sheet"], a["cell"]) == (b["sheet"], b["cell"]) == ("存在的问题", "C2")
    assert "机关第二党支部" in a["message"] and "机关第一党支部" in b["message"]
    assert "100%" in a["message"] and "100%" in b["message"]

    review = rep["review"]
    assert set(review) == {"counts", "similar", "groups"}
    assert list(review["counts"]) == list(CODES) and review["counts"]["R601"] == 2
    (pair,) = review["similar"]
    assert set(pair) == {"a", "b", "similarity"} and pair["similarity"] == 1.0
    assert {pair["a"]["source"], pair["b"]["source"]} == {"a.xlsx", "b.xlsx"}
    assert set(pair["a"]) == {"source", "branch", "sheet", "cell"}
    assert review["groups"] == [] or all(set(g) == {"size", "similarity_min", "items"} for g in review["groups"])
    assert "审核意见" in result.output  # the one line of counts

    sheet = openpyxl.load_workbook(out / "summary" / "汇总表.xlsx")["审核意见"]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["支部名称", "工作表!单元格", "代码", "说明", "相似的支部", "单元格", "相似度"]
    similar_rows = [r for r in rows[1:] if r[2] == "R601"]
    assert [(r[0], r[1], r[4], r[5], r[6]) for r in similar_rows] == [
        ("机关第一党支部", "存在的问题!C2", "机关第二党支部", "存在的问题!C2", "100%"),
        ("机关第二党支部", "存在的问题!C2", "机关第一党支部", "存在的问题!C2", "100%")]
    names = [r[0] for r in rows[1:]]
    assert names == sorted(names)
    assert len(rows) - 1 == sum(review["counts"].values())

    text = "\n".join(p.text for p in docx.Document(out / "summary" / "汇总报告.docx").paragraphs)
    assert "、审核意见" in text and "内容雷同的条目共1对" in text and "审核意见较多的支部" in text


def test_strict_leaves_statuses_and_no_review_gives_none(folder):
    inp, out = folder
    result, rep = build(inp, out, "--strict", "--force")
    assert result.exit_code == 0 and statuses(rep) == {"a.xlsx": "ok", "b.xlsx": "ok"}
    assert reviewed(rep, "a.xlsx") and rep["review"]["counts"]["R601"] == 2

    result, rep = build(inp, out, "--no-review")
    assert result.exit_code == 0
    assert all(m["level"] != "review" for w in rep["workbooks"] for m in w["messages"])
    assert rep["review"] is None
    assert "审核意见" not in openpyxl.load_workbook(out / "summary" / "汇总表.xlsx").sheetnames
    text = "\n".join(p.text for p in docx.Document(out / "summary" / "汇总报告.docx").paragraphs)
    assert "审核意见" not in text


def test_unchanged_run_reuses_the_review_and_a_change_recomputes_it(folder, monkeypatch):
    inp, out = folder
    build(inp, out)
    import reporter.build.reviewing as reviewing

    def refuse(*args, **kwargs):
        raise AssertionError("the review was recomputed on an unchanged run")

    with monkeypatch.context() as m:
        m.setattr(review_run, "run_review", refuse)
        result, rep = build(inp, out)
    assert result.exit_code == 0, result.output
    assert statuses(rep) == {"a.xlsx": "unchanged", "b.xlsx": "unchanged"}  # the review made nothing "changed"
    assert len(reviewed(rep, "a.xlsx")) == 1 and rep["review"]["counts"]["R601"] == 2

    workbook(inp / "b.xlsx", "机关第二党支部", ("理论学习", "学习不够", "学习方法单一。"),
             ("担当作为", "履职尽责不够", "统筹谋划重点工作用力不够。"))
    result, rep = build(inp, out)
    assert statuses(rep) == {"a.xlsx": "unchanged", "b.xlsx": "ok"}
    assert reviewed(rep, "a.xlsx") == [] and rep["review"]["counts"]["R601"] == 0


def test_a_review_made_by_another_measure_is_made_again(folder, monkeypatch):
    inp, out = folder
    build(inp, out)
    import reporter.build.reviewing as reviewing

    made, real = [], review_run.run_review
    monkeypatch.setattr(review_run, "run_review", lambda *args: made.append(1) or real(*args))
    build(inp, out)
    assert made == []  # unchanged: reused
    with sqlite3.connect(out / reviewing.REVIEW_STATE_NAME) as db:
        assert db.execute("SELECT measure FROM meta").fetchone()[0] == reviewing.MEASURE
    monkeypatch.setattr(reviewing, "MEASURE", "jaccard of character 3-grams; minhash 13x5")  # the earlier one
    result, rep = build(inp, out)
    assert made == [1] and rep["review"]["counts"]["R601"] == 2


def test_one_workbook_per_branch_is_reviewed(folder):
    inp, out = folder
    (inp / "a-copy.xlsx").write_bytes((inp / "a.xlsx").read_bytes())  # the same branch handed in twice
    result, rep = build(inp, out)
    assert result.exit_code == 0
    assert rep["review"]["counts"]["R601"] == 2  # the copy is not "similar to another branch"
    copy = next(w for w in rep["workbooks"] if w["duplicate_of"] is not None)
    assert [m for m in copy["messages"] if m["level"] == "review"] == []
