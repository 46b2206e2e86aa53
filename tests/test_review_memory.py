"""The review in a build holds no list of every finding (DESIGN §8–§9): its findings are written to
``.reporter-review.sqlite`` as they are found and read back per workbook, sorted and counted from
there; run-report.json's ``review`` is streamed from it in DESIGN §9's shape."""

from __future__ import annotations

import gc
import io
import json
import sqlite3
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from helpers import standard_bytes
from reporter.review import run as review_run
from reporter.build import report as run_report
from reporter.build import reviewing
from reporter.config import ReviewSettings
from reporter.model import Message
from reporter.review import Review, run_review

runner = CliRunner()
N = 30  # workbooks: the seed's text in each (every item R601, large groups) …
PAIRED = ("理论学习", "理论学习不够深入系统",
          "对开展政治理论学习缺乏深入细致谋划研究，学习方法较为单一，学用结合不够紧密，用理论指导实践解决问题的能力不足。")


def make_folder(inp: Path) -> None:
    inp.mkdir(parents=True)
    for i in range(N):
        inp.joinpath(f"{i:03d}.xlsx").write_bytes(standard_bytes(info={"支部名称": f"第{i}党支部"}))
    for name in ("甲党支部", "乙党支部"):  # … and one pair listed in "similar"
        inp.joinpath(f"{name}.xlsx").write_bytes(standard_bytes(info={"支部名称": name}, problems=[PAIRED]))


def build(inp: Path, out: Path, *args: str) -> dict:
    result = runner.invoke(app(), ["build", str(inp), "-o", str(out), "--as-of", "2024-06-30", "--jobs", "1", *args])
    assert result.exit_code == 0, result.output
    return json.loads((out / "run-report.json").read_text(encoding="utf-8"))


def app():
    from reporter.cli import app as typer_app

    return typer_app


def r601_alive() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if type(o) is Message and o.code == "R601")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One build, counting the live R601 messages after the review, while the summary files are written
    and at each workbook entry of run-report.json."""
    from reporter import summary

    base = tmp_path_factory.mktemp("memory")
    inp, out = base / "in", base / "out"
    make_folder(inp)
    counted: dict[str, list[int]] = {"review": [], "summary": [], "report": []}
    before = r601_alive()
    mp = pytest.MonkeyPatch()
    step = reviewing.review_step

    def review_step(run, apart=False):
        done = step(run, apart)
        counted["review"].append(r601_alive() - before)
        return done

    mp.setattr("reporter.build.engine.review_step", review_step)
    mp.setattr(summary, "WRITERS", tuple(summary.Writer(w.name, _counting(w.write, counted["summary"], before))
                                         for w in summary.WRITERS))
    entry = run_report.workbook_json

    def workbook_json(rec, pdf, review=None):
        made = entry(rec, pdf, review)
        counted["report"].append(r601_alive() - before)
        return made

    mp.setattr(run_report, "workbook_json", workbook_json)
    try:
        rep = build(inp, out)
    finally:
        mp.undo()
    return inp, out, rep, counted


def _counting(write, alive: list[int], before: int):
    def counted(*args, **kwargs):
        alive.append(r601_alive() - before)
        return write(*args, **kwargs)
    return counted


def test_the_build_holds_no_list_of_every_finding(built):
    _, _, rep, counted = built
    total = rep["review"]["counts"]["R601"]
    per_workbook = max(sum(m["code"] == "R601" for m in w["messages"]) for w in rep["workbooks"])
    assert total >= N * per_workbook > N  # the corpus is all R601
    assert counted["review"] == [0]  # nothing of it kept in memory after the review
    assert counted["summary"] and max(counted["summary"]) == 0
    assert len(counted["report"]) == N + 2 and max(counted["report"]) <= per_workbook  # one workbook's at a time


def test_the_report_streams_design_shape_equal_to_the_stored_review(built):
    _, out, rep, _ = built
    review = rep["review"]
    assert set(review) == {"counts", "similar", "groups"}
    (pair,) = review["similar"]
    assert {pair["a"]["branch"], pair["b"]["branch"]} == {"甲党支部", "乙党支部"} and pair["similarity"] == 1.0
    assert review["groups"] and all(set(g) == {"size", "similarity_min", "items"} for g in review["groups"])
    assert all(g["size"] == len(g["items"]) >= N for g in review["groups"])
    assert all(set(i) == {"source", "branch", "sheet", "cell"} for g in review["groups"] for i in g["items"])
    stored = Review.open(out / reviewing.REVIEW_STATE_NAME)
    assert review == stored.report
    stored.close()
    assert sum(review["counts"].values()) == sum(
        1 for w in rep["workbooks"] for m in w["messages"] if m["level"] == "review")
    book = openpyxl.load_workbook(out / "summary" / "汇总表.xlsx", read_only=True)
    assert sum(1 for _ in book["审核意见"].iter_rows(min_row=2)) == sum(review["counts"].values())
    book.close()


def test_an_unchanged_run_reads_nothing_whole_and_keeps_the_report(built, monkeypatch):
    inp, out, rep, _ = built
    monkeypatch.setattr(review_run, "run_review", lambda *a, **k: pytest.fail("the review was made again"))
    monkeypatch.setattr(Review, "report", property(lambda self: pytest.fail("the review was read whole")))
    again = build(inp, out)
    assert again["review"] == rep["review"]
    assert [w["messages"] for w in again["workbooks"]] == [w["messages"] for w in rep["workbooks"]]


def test_a_damaged_or_foreign_reuse_file_is_made_again(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    inp.mkdir()
    for name in ("甲党支部", "乙党支部"):
        inp.joinpath(f"{name}.xlsx").write_bytes(standard_bytes(info={"支部名称": name}, problems=[PAIRED]))
    first = build(inp, out)
    (out / reviewing.REVIEW_STATE_NAME).write_bytes(b"not a database at all" * 100)
    assert build(inp, out)["review"] == first["review"]
    with sqlite3.connect(out / reviewing.REVIEW_STATE_NAME) as db:
        db.execute("DROP TABLE pairs")
    assert build(inp, out, "--force")["review"] == first["review"]
    (out / ".reporter-review.json").write_text("{}")  # version 1's reuse file is removed when the review is made
    (out / reviewing.REVIEW_STATE_NAME).unlink()
    build(inp, out)
    assert not (out / ".reporter-review.json").exists()
    assert not [p for p in out.iterdir() if p.name.startswith(".reporter-tmp-")]


def test_write_json_is_the_report_as_json():
    """Pairs, large groups and nothing at all: the streamed text is the report's JSON."""
    from reporter.model import Branch, BranchInfo, Problem

    def of(name: str, texts) -> tuple[str, Branch]:
        problems = tuple(Problem(h, d, i + 1, i + 2, "理论学习") for i, (h, d) in enumerate(texts))
        return f"{name}.xlsx", Branch(BranchInfo(name), problems, (), ())

    shared = ("相同的问题", PAIRED[2])
    other = ("另一个问题", PAIRED[2][::-1] + "还有别的内容。")
    corpora = ([], [of("甲党支部", [shared]), of("乙党支部", [shared])],
               [of(f"第{i}党支部", [shared, other]) for i in range(12)] + [of("丙党支部", [other])])
    for corpus in corpora:
        review = run_review(corpus, ReviewSettings())
        text = io.StringIO()
        review.write_json(text)
        assert json.loads(text.getvalue()) == review.report
    assert [g["size"] for g in review.report["groups"]] == [13, 12] and review.pair_count == 0
