"""Opening reporter.sqlite: the whole-file check only when the file may have changed since this tool closed it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers import standard_bytes
from reporter.build import store_sqlite
from reporter.cli import app

runner = CliRunner()


@pytest.fixture
def checks(monkeypatch):
    """How many times each run ran PRAGMA quick_check (one list entry a connection)."""
    seen: list[str] = []
    real = store_sqlite.connect

    def connect(path):
        db = real(path)
        db.set_trace_callback(lambda sql: seen.append(sql) if "quick_check" in sql else None)
        return db

    monkeypatch.setattr(store_sqlite, "connect", connect)
    return seen


def build(inp: Path, out: Path):
    result = runner.invoke(app, ["build", str(inp), "-o", str(out), "--as-of", "2024-06-30", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    return result


def workbooks(tmp_path: Path) -> tuple[Path, Path]:
    inp, out = tmp_path / "in", tmp_path / "out"
    inp.mkdir()
    for i, name in enumerate(("甲党支部", "乙党支部")):
        (inp / f"{i}.xlsx").write_bytes(standard_bytes(info={"支部名称": name}))
    return inp, out


def test_a_database_closed_cleanly_is_not_read_whole_again(tmp_path, checks):
    inp, out = workbooks(tmp_path)
    build(inp, out)
    assert (out / store_sqlite.CLOSED_NAME).exists() and not (out / "reporter.sqlite-wal").exists()
    checks.clear()
    build(inp, out)
    assert checks == []  # the file is as the last run left it


def test_a_database_written_by_something_else_is_checked_and_moved_aside(tmp_path, checks):
    """Same size, bytes changed in the middle (not the header or the schema): found at once, as before."""
    inp, out = workbooks(tmp_path)
    build(inp, out)
    db = out / "reporter.sqlite"
    with sqlite3.connect(db) as con:
        page = con.execute("PRAGMA page_size").fetchone()[0]
        pages = con.execute("PRAGMA page_count").fetchone()[0]
    con.close()
    with open(db, "r+b") as f:  # every page but the first (the schema) overwritten
        f.seek(page)
        f.write(b"\xa5" * (page * (pages - 1)))
    checks.clear()
    result = build(inp, out)
    assert checks, "the changed file was not checked"
    assert "已损坏，无法打开，已改名保存为" in result.output
    assert [p for p in out.iterdir() if p.name.endswith(".damaged")]
    rep = json.loads((out / "run-report.json").read_text(encoding="utf-8"))
    assert rep["completed"] and {w["status"] for w in rep["workbooks"]} == {"ok"}  # rebuilt


def test_a_killed_run_or_a_run_that_did_not_complete_means_a_check(tmp_path, checks):
    inp, out = workbooks(tmp_path)
    build(inp, out)
    (out / "reporter.sqlite-wal").write_bytes(b"")  # what a killed run leaves
    checks.clear()
    build(inp, out)
    assert checks
    with sqlite3.connect(out / "reporter.sqlite") as con:  # the last run stopped part-way (on a damaged page?)
        con.execute("UPDATE runs SET completed = 0, finished = NULL WHERE id = (SELECT max(id) FROM runs)")
    con.close()
    # … and this tool closed the file after it: its key is noted
    (out / store_sqlite.CLOSED_NAME).write_text(store_sqlite._file_key(out / "reporter.sqlite") + "\n")
    checks.clear()
    build(inp, out)
    assert checks
