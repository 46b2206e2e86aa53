"""reporter.sqlite's reliability (DESIGN §8): killed runs, a damaged or newer database, older state taken over."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from typer.testing import CliRunner

from helpers import standard_bytes
from reporter.build.db_schema import SCHEMA_VERSION
from reporter.cli import app

runner = CliRunner()
ROOT = Path(__file__).resolve().parent.parent


def good(path: Path, name: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(standard_bytes(info={"支部名称": name}))


def build(inp: Path, out: Path, *args: str):
    return runner.invoke(app, ["build", str(inp), "-o", str(out), "--as-of", "2024-06-30", "--jobs", "2", *args])


def report(out: Path) -> dict:
    return json.loads((out / "run-report.json").read_text(encoding="utf-8"))


def integrity(db: Path) -> str:
    with sqlite3.connect(db) as con:
        return con.execute("PRAGMA integrity_check").fetchone()[0]


def test_schema_version_and_tables(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    good(inp / "a.xlsx", "甲党支部")
    assert build(inp, out).exit_code == 0
    con = sqlite3.connect(out / "reporter.sqlite")
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    names = {n for (n,) in con.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
    assert {"runs", "versions", "version_seen", "items", "run_workbooks", "state", "leftovers", "run_progress",
            "versions_seen", "run_totals", "current_measures"} <= names
    # Every field of every item is there: the measure's 对应问题 and 完成时限 as written too.
    rows = con.execute("SELECT sheet, row, number, headline, problems, problems_as_written, owner, deadline,"
                       " progress FROM items WHERE kind = 'measure' ORDER BY position").fetchall()
    assert rows[1] == ("整改措施", 3, 2, "不断增强工作实效", "[2, 3]", "2、3", "李四", "2024-06-30", "未开始")
    assert con.execute("SELECT count(*) FROM current_measures").fetchone()[0] == 2
    assert not (out / ".reporter-state.json").exists()


def test_killed_runs_leave_a_sound_database(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    for i in range(40):
        good(inp / f"{i:02d}.xlsx", f"第{i}党支部")
    cmd = [sys.executable, "-m", "reporter", "build", str(inp), "-o", str(out), "--as-of", "2024-06-30",
           "--jobs", "2", "--force", "--quiet"]
    for delay in (0.6, 1.2, 2.0, 3.0):
        proc = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True)
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGKILL)  # the run and its workers, at once
        proc.wait()
        if (out / "reporter.sqlite").exists():
            assert integrity(out / "reporter.sqlite") == "ok"
    history = json.loads(runner.invoke(app, ["history", str(out), "--json"]).output)["runs"]
    assert history and any(r["interrupted"] for r in history)
    assert all(r["interrupted"] for r in history if r["finished"] is None)
    plain = runner.invoke(app, ["history", str(out)]).output
    assert "状态：中断" in plain
    done = subprocess.run(cmd[:-2] + ["--quiet"], cwd=ROOT, capture_output=True)
    assert done.returncode == 0, done.stderr.decode()
    rep = report(out)
    assert rep["completed"] and rep["totals"]["workbooks"] == 40 and rep["totals"]["failed"] == 0
    assert len(list((out / "docs").iterdir())) == 40
    assert integrity(out / "reporter.sqlite") == "ok"
    last = json.loads(runner.invoke(app, ["history", str(out), "--json"]).output)["runs"][-1]
    assert not last["interrupted"] and last["measures"]["total"] == 80
    again = subprocess.run(cmd[:-2] + ["--quiet"], cwd=ROOT, capture_output=True)
    assert again.returncode == 0 and report(out)["totals"]["unchanged"] == 40


def test_damaged_database_is_moved_aside_not_deleted(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    good(inp / "a.xlsx", "甲党支部")
    assert build(inp, out).exit_code == 0
    (out / "reporter.sqlite").write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    result = build(inp, out)
    assert result.exit_code == 0 and "Traceback" not in result.output
    aside = [p for p in out.iterdir() if p.name.startswith("reporter.sqlite.") and p.name.endswith(".damaged")]
    assert len(aside) == 1 and aside[0].read_bytes().endswith(b"\xff" * 100)
    assert f"已损坏，无法打开，已改名保存为 {aside[0].name}（未删除）" in result.output
    assert report(out)["workbooks"][0]["status"] == "ok"  # rebuilt (the documents are ours: same names)
    assert integrity(out / "reporter.sqlite") == "ok"
    assert build(inp, out).exit_code == 0 and report(out)["totals"]["unchanged"] == 1


def test_newer_database_is_moved_aside(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    good(inp / "a.xlsx", "甲党支部")
    assert build(inp, out).exit_code == 0
    with sqlite3.connect(out / "reporter.sqlite") as con:
        con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    newer = runner.invoke(app, ["history", str(out)])
    assert newer.exit_code == 2 and "更新版本" in newer.output  # history never moves it
    result = build(inp, out)
    assert result.exit_code == 0
    aside = [p.name for p in out.iterdir() if p.name.endswith(".newer")]
    assert len(aside) == 1 and "由更新版本的本工具创建" in result.output
    with sqlite3.connect(out / aside[0]) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
    assert report(out)["workbooks"][0]["document"] == "docs/甲党支部.docx"


def test_json_lines_state_is_taken_over_once(tmp_path):
    """The state file of the version before the database: its documents are ours, everything is rebuilt."""
    inp, out = tmp_path / "in", tmp_path / "out"
    good(inp / "a.xlsx", "甲党支部")
    good(inp / "b.xlsx", "乙党支部")
    assert build(inp, out).exit_code == 0
    (out / "reporter.sqlite").unlink()
    header = {"format": [5, "x"], "leftovers": []}
    lines = [json.dumps(header)] + [json.dumps({"source": w["source"], "document": w["document"], "doc_stat": None,
                                                "pdf_stat": None}) + "\t{}" for w in report(out)["workbooks"]]
    (out / ".reporter-state.json").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (inp / "b.xlsx").unlink()
    assert build(inp, out).exit_code == 0
    rep = report(out)
    assert [(w["source"], w["status"]) for w in rep["workbooks"]] == [("a.xlsx", "ok")]
    assert rep["removed"] == ["docs/乙党支部.docx"]
    assert not (out / ".reporter-state.json").exists() and (out / "reporter.sqlite").exists()
    assert build(inp, out).exit_code == 0 and report(out)["totals"]["unchanged"] == 1


def test_a_branch_comes_back_from_the_store_field_for_field(tmp_path):
    """A branch as the worker packs it (one JSON text SQLite unpacks) is read back exactly, whole or one kind."""
    from datetime import date

    from reporter.build.db_items import stored_form
    from reporter.build.store_sqlite import SqliteStore
    from reporter.model import Branch, BranchInfo, Cause, Measure, Problem

    odd = '引号"\'、反斜杠\\、换行\n、制表\t、表情😀、零宽\u200b'
    branch = Branch(
        BranchInfo("甲党支部", "某党委", "张三", "主题教育专题组织生活会", date(2024, 1, 15)),
        (Problem("问题一", odd, 1, 3, "理论学习"), Problem("问题二", "", 2, 4, None)),
        (Cause("原因一", "具体", 1, 3),),
        (Measure("措施一", "做法", 1, 3, (1, 2), "李四", date(2024, 6, 30), "已完成", None, "1、2"),
         Measure("措施二", "", 2, 4, (), None, None, None, "长期坚持", "全部")),
        3)
    store = SqliteStore(tmp_path)
    store.begin_run("2024-06-30T00:00:00", "2024-06-30", "test", {})
    version = store.add_version("a.xlsx", "0" * 64, "ok", "甲党支部", {"problems": 2}, (), stored_form(branch))
    store.record_run([])
    assert store.branch(version) == branch
    assert store.branch(version, "measures") == Branch(branch.info, (), (), branch.measures, 3)
    assert list(store.infos([version])) == [branch.info]
    store.close()


def test_the_model_signature_names_the_model_fields():
    """The state's MODEL_SIGNATURE is a constant (a run with nothing new does not import the model); whoever
    adds, removes or renames a field of the model changes it too, and stored branches are then read again."""
    from reporter.build.state import MODEL_SIGNATURE, fields_signature

    assert fields_signature() == MODEL_SIGNATURE, f"a model field changed: set MODEL_SIGNATURE = {fields_signature()!r}"
