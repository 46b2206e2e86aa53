"""The review made in a side process while the main one makes 汇编 and the summary's facts
(reporter.build.side): the same outputs as one process, the child's log lines and failures
brought back, nothing of it left running."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from helpers import standard_bytes
from reporter.build import reviewing, side
from reporter.cli import app

runner = CliRunner()
SHARED = ("理论学习", "理论学习不够深入系统",
          "对开展政治理论学习缺乏深入细致谋划研究，学习方法较为单一，学用结合不够紧密，用理论指导实践解决问题的能力不足。")


def folder(tmp_path: Path) -> Path:
    inp = tmp_path / "in"
    inp.mkdir()
    for i, name in enumerate(("甲党支部", "乙党支部", "丙党支部", "丁党支部")):
        problems = [SHARED] if i < 2 else None  # 甲 and 乙 hand in the same problem: R601
        inp.joinpath(f"{i}.xlsx").write_bytes(standard_bytes(info={"支部名称": name}, problems=problems))
    return inp


def build(inp: Path, out: Path, *args: str):
    return runner.invoke(app, ["build", str(inp), "-o", str(out), "--as-of", "2024-06-30", "--jobs", "2",
                               "--log-file", str(out.parent / f"{out.name}.log"), *args])


def report(out: Path) -> dict:
    return json.loads((out / "run-report.json").read_text(encoding="utf-8"))


def opinions(out: Path) -> list[tuple]:
    book = openpyxl.load_workbook(out / "summary" / "汇总表.xlsx", read_only=True)
    return [tuple(r) for r in book["审核意见"].iter_rows(values_only=True)]


def body(out: Path) -> bytes:
    import zipfile

    with zipfile.ZipFile(out / "summary" / "汇编.docx") as z:
        return z.read("word/document.xml")


def findings(out: Path) -> list:
    db = sqlite3.connect(out / reviewing.REVIEW_STATE_NAME)
    try:
        return sorted(db.execute("SELECT * FROM findings").fetchall(), key=repr)
    finally:
        db.close()


def test_the_review_apart_gives_what_one_process_gives(tmp_path, monkeypatch):
    inp = folder(tmp_path)
    forked: list[bool] = []
    step = reviewing.review_step

    def watched(run, apart=False):
        forked.append(apart)  # in the child: the list the test sees is not changed
        return step(run, apart)

    monkeypatch.setattr("reporter.build.engine.review_step", watched)
    assert build(inp, tmp_path / "apart").exit_code == 0
    assert forked == []  # it ran in another process
    monkeypatch.setattr(side, "FORK", False)
    assert build(inp, tmp_path / "here").exit_code == 0
    assert forked == [False]
    a, b = report(tmp_path / "apart"), report(tmp_path / "here")
    assert a["review"] == b["review"] and a["review"]["counts"]["R601"] > 0
    assert [w["messages"] for w in a["workbooks"]] == [w["messages"] for w in b["workbooks"]]
    assert opinions(tmp_path / "apart") == opinions(tmp_path / "here")
    assert findings(tmp_path / "apart") == findings(tmp_path / "here")
    assert a["summary"] == b["summary"] and (tmp_path / "apart" / "summary" / "汇编.docx").exists()
    log = (tmp_path / "apart.log").read_text(encoding="utf-8")
    counted = [line for line in log.splitlines() if "INFO" in line and "审核" in line]  # the child's counts line
    here = [line for line in (tmp_path / "here.log").read_text(encoding="utf-8").splitlines()
            if "INFO" in line and "审核" in line]
    assert counted and [line.split(" ", 1)[1] for line in counted] == [line.split(" ", 1)[1] for line in here]
    assert len(counted) == 1
    assert body(tmp_path / "apart") == body(tmp_path / "here")  # 汇编, made in the second side process
    assert log.count("汇编目录的页码按版面推算") == 1  # its log line, brought back once


def test_an_unchanged_run_forks_nothing(tmp_path, monkeypatch):
    inp, out = folder(tmp_path), tmp_path / "out"
    assert build(inp, out).exit_code == 0
    started: list[int] = []
    real = side.Side._fork
    monkeypatch.setattr(side.Side, "_fork", lambda self: (started.append(1), real(self)))
    assert build(inp, out).exit_code == 0
    assert started == [] and report(out)["totals"]["unchanged"] == 4
    assert build(inp, out, "--force").exit_code == 0
    assert started == [1, 1]  # the review, then 汇编


def test_a_fault_in_the_side_process_is_the_runs_internal_error(tmp_path, monkeypatch):
    inp, out = folder(tmp_path), tmp_path / "out"

    def broken(run, key):
        raise ZeroDivisionError("in the side process")

    monkeypatch.setattr(reviewing, "_make", broken)
    result = build(inp, out)
    assert result.exit_code == 2
    assert "程序内部出错" in result.output and "Traceback" not in result.output
    assert "ZeroDivisionError" in (tmp_path / "out.log").read_text(encoding="utf-8")  # the child's traceback, logged
    rep = report(out)
    assert rep["completed"] is False and all(w["status"] != "failed" for w in rep["workbooks"])
    assert len(list((out / "docs").glob("*.docx"))) == 4  # the documents are done


def test_a_side_process_that_dies_is_the_runs_internal_error(tmp_path, monkeypatch):
    inp, out = folder(tmp_path), tmp_path / "out"

    def killed(run, key):
        os.kill(os.getpid(), signal.SIGKILL)  # as the OOM killer would

    monkeypatch.setattr(reviewing, "_make", killed)
    result = build(inp, out)
    assert result.exit_code == 2 and "程序内部出错" in result.output
    assert report(out)["completed"] is False
    monkeypatch.undo()  # the next run completes, and sweeps what the killed child left
    assert build(inp, out).exit_code == 0 and report(out)["review"]["counts"]["R601"] > 0
    assert not list(out.glob(".reporter-tmp-*"))


SLOW_REVIEW = """
import os, sys, time
from reporter.build import reviewing
real = reviewing._make
def slow(run, key):
    open(os.environ["SIDE_PID_FILE"], "w").write(str(os.getpid()))
    time.sleep(60)
    return real(run, key)
reviewing._make = slow
from reporter.cli import main
sys.argv = ["reporter", *sys.argv[1:]]
main()
"""


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_the_side_process_does_not_outlive_the_build(tmp_path, sig):
    inp, out = folder(tmp_path), tmp_path / "out"
    pid_file = tmp_path / "side.pid"
    proc = subprocess.Popen([sys.executable, "-c", SLOW_REVIEW, "build", str(inp), "-o", str(out), "--jobs", "2",
                             "--quiet"], env={**os.environ, "SIDE_PID_FILE": str(pid_file)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not pid_file.exists() or not pid_file.read_text():
        assert proc.poll() is None and time.monotonic() < deadline, "the review never started apart"
        time.sleep(0.05)
    child = int(pid_file.read_text())
    assert child != proc.pid
    proc.send_signal(sig)
    proc.wait(timeout=30)
    deadline = time.monotonic() + 10
    while _alive(child):
        assert time.monotonic() < deadline, f"the side process {child} outlived the build ({sig.name})"
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def test_relative_folders_work_apart(tmp_path, monkeypatch):
    """The child opens the store by its path: a relative OUTPUT_DIR (the usual cron line) is fine."""
    folder(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["build", "in", "-o", "out", "--as-of", "2024-06-30", "--jobs", "2"])
    assert result.exit_code == 0, result.output
    assert report(tmp_path / "out")["review"]["counts"]["R601"] > 0


@pytest.mark.skipif(__import__("reporter.pdf", fromlist=["find_soffice"]).find_soffice() is None,
                    reason="LibreOffice (soffice) is not installed")
def test_with_pdf_the_side_processes_convert_beside_the_summary(tmp_path):
    """With --pdf, 汇编.pdf is made in its side process while 汇总报告.pdf is made here (each call of
    LibreOffice has its own profile): both arrive, no run error."""
    inp, out = folder(tmp_path), tmp_path / "out"
    result = build(inp, out, "--pdf")
    assert result.exit_code == 0, result.output
    rep = report(out)
    assert rep["run_errors"] == [] and "volume_apart" in rep["timings"]
    assert rep["summary"]["pdf"] == "summary/汇总报告.pdf" and rep["summary"]["volume_pdf"] == "summary/汇编.pdf"
    assert (out / "summary" / "汇编.pdf").read_bytes()[:5] == b"%PDF-"
    assert (out / "summary" / "汇总报告.pdf").read_bytes()[:5] == b"%PDF-"
