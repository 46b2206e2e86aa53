"""The nightly job as the office runs it: users' files in OUTPUT_DIR, duplicate
submissions, what validate sees, server trouble (LibreOffice), an empty share,
signals, and what a monitoring script reads in run-report.json."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import docx
import pytest
from typer.testing import CliRunner

from helpers import standard_bytes, write_docx
from reporter.build import BuildOptions, run_build
from reporter.cli import app
from reporter.config import Config
from reporter.errors import ReporterError
from reporter.fsutil import OutputLock
from test_batch import AS_OF, ROOT, build, by_source, good, report, temp_files

runner = CliRunner()


def options(inp: Path, out: Path, **kwargs) -> BuildOptions:
    return BuildOptions(inp, out, kwargs.pop("config", Config()), jobs=2, as_of=date(2024, 6, 30), quiet=True,
                        **kwargs)


def set_mtime(path: Path, seconds_ago: float) -> None:
    t = time.time() - seconds_ago
    os.utime(path, (t, t))


def fake_soffice(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "fake-soffice"
    path.write_text("#!/bin/sh\n" + body + "\n", encoding="utf-8")
    path.chmod(0o755)
    return path


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8") as f:
            return not any(line.startswith("State:") and "Z" in line.split()[1] for line in f)
    except FileNotFoundError:
        return False


def children(pid: int) -> set[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return set()
    return {int(p) for p in text.split()}


# --- issue 12.1: only files the tool wrote and recorded are ever removed ----------

def test_users_own_files_in_docs_are_never_removed(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    good(inp / "a.xlsx", "甲党支部")
    good(inp / "b.xlsx", "乙党支部")
    assert build(inp, out).exit_code == 0
    mine = [out / "docs" / "上级通知.docx", out / "docs" / "甲党支部-定稿（手工修改）.docx"]
    for path in mine:
        write_docx(path)
    (out / "pdf").mkdir()
    (out / "pdf" / "会议议程.pdf").write_bytes(b"%PDF-1.4 a user's own PDF")
    contents = {p: p.read_bytes() for p in [*mine, out / "pdf" / "会议议程.pdf"]}
    assert build(inp, out).exit_code == 0  # an unchanged run
    (inp / "a.xlsx").unlink()  # the workbook of 甲党支部 is gone
    assert build(inp, out, "--force").exit_code == 0
    rep = report(out)
    assert rep["removed"] == ["docs/甲党支部.docx"]
    assert not (out / "docs" / "甲党支部.docx").exists()
    assert {p: p.read_bytes() for p in contents} == contents
    (inp / "b.xlsx").write_bytes(b"broken now")  # a workbook that now fails: only its own document goes
    assert build(inp, out).exit_code == 1
    assert report(out)["removed"] == ["docs/乙党支部.docx"]
    assert {p: p.read_bytes() for p in contents} == contents


def test_output_into_the_input_folder_leaves_the_users_docs_alone(tmp_path):
    inp = tmp_path / "in"
    good(inp / "a.xlsx", "甲党支部")
    (inp / "docs").mkdir()
    write_docx(inp / "docs" / "上级通知.docx")  # the user's own docs/ folder
    notice = (inp / "docs" / "上级通知.docx").read_bytes()
    assert build(inp, inp).exit_code == 0
    assert by_source(report(inp)).keys() == {"a.xlsx"}
    (inp / "a.xlsx").unlink()
    good(inp / "b.xlsx", "乙党支部")
    assert build(inp, inp).exit_code == 0
    assert (inp / "docs" / "上级通知.docx").read_bytes() == notice
    assert sorted(p.name for p in (inp / "docs").iterdir()) == ["上级通知.docx", "乙党支部.docx"]


def test_a_foreign_file_at_a_target_name_keeps_its_place(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    good(inp / "a.xlsx", "甲党支部")
    (out / "docs").mkdir(parents=True)
    write_docx(out / "docs" / "甲党支部.docx", "这是手工写的定稿。")
    theirs = (out / "docs" / "甲党支部.docx").read_bytes()
    result = build(inp, out)
    assert result.exit_code == 0, result.output
    assert (out / "docs" / "甲党支部.docx").read_bytes() == theirs
    assert by_source(report(out))["a.xlsx"]["document"] == "docs/甲党支部-2.docx"
    assert "不是本工具生成的文件" in result.output
    # A lost state file does not rename our own documents: they are recognised.
    (inp / "a.xlsx").unlink()
    good(inp / "b.xlsx", "乙党支部")
    assert build(inp, out).exit_code == 0
    (out / "reporter.sqlite").unlink()
    assert build(inp, out).exit_code == 0
    assert by_source(report(out))["b.xlsx"]["document"] == "docs/乙党支部.docx"
    assert (out / "docs" / "甲党支部.docx").read_bytes() == theirs


# --- issue 12.7: a failed workbook keeps the branch name it could read -------------

def test_failed_workbook_reports_its_branch_name(tmp_path):
    from reporter.pipeline import process

    if process(standard_bytes(problems=[]), "x.xlsx", Config()).name is None:
        pytest.skip("the reader does not fill ReadResult.name for a failed workbook yet")
    inp, out = tmp_path / "in", tmp_path / "out"
    good(inp / "a.xlsx", "甲党支部", problems=[])
    assert build(inp, out).exit_code == 1
    entry = by_source(report(out))["a.xlsx"]
    assert entry["status"] == "failed" and entry["branch"] == "甲党支部"


# --- issue 12.10: duplicate submissions ---------------------------------------------

def test_three_copies_of_one_branch(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    for name, age in (("甲.xlsx", 300), ("甲-修改版.xlsx", 100), ("甲-旧.xlsx", 200)):
        set_mtime(good(inp / name, "甲党支部"), age)
    good(inp / "乙.xlsx", "乙党支部")
    assert build(inp, out).exit_code == 0
    rep = by_source(report(out))
    for source in ("甲.xlsx", "甲-修改版.xlsx", "甲-旧.xlsx"):
        (w401,) = [m["message"] for m in rep[source]["messages"] if m["code"] == "W401"]
        assert "共有 3 个工作簿" in w401 and "两份" not in w401
        assert all(other in w401 for other in {"甲.xlsx", "甲-修改版.xlsx", "甲-旧.xlsx"} - {source})
    assert rep["甲-修改版.xlsx"]["duplicate_of"] is None  # saved last: the summary uses it
    assert rep["甲.xlsx"]["duplicate_of"] == rep["甲-旧.xlsx"]["duplicate_of"] == "甲-修改版.xlsx"
    assert "乙党支部" not in json.dumps(rep["甲.xlsx"], ensure_ascii=False)
    assert sorted(p.name for p in (out / "docs").iterdir()) == [
        "乙党支部.docx", "甲党支部-2.docx", "甲党支部-3.docx", "甲党支部.docx"]
    # validate says the same
    result = runner.invoke(app, ["validate", str(inp), "--json"])
    shown = {w["source"]: w for w in json.loads(result.output)["workbooks"]}
    assert [m for m in shown["甲.xlsx"]["messages"] if m["code"] == "W401"] == [
        m for m in rep["甲.xlsx"]["messages"] if m["code"] == "W401"]


def test_three_hundred_copies_keep_every_message_bounded(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    blob = standard_bytes(info={"支部名称": "模板党支部"}, causes=[], measures=[])
    for i in range(300):
        (inp / f"{i // 100}").mkdir(parents=True, exist_ok=True)
        (inp / f"{i // 100}" / f"{i:03d}.xlsx").write_bytes(blob)
    assert build(inp, out).exit_code == 0
    rep = report(out)
    w401 = [m["message"] for w in rep["workbooks"] for m in w["messages"] if m["code"] == "W401"]
    assert len(w401) == 300
    assert max(map(len, w401)) < 600 and all("共有 300 个工作簿" in m and "等 299 个" in m for m in w401)
    assert sum(w["duplicate_of"] is None for w in rep["workbooks"]) == 1
    assert (out / "run-report.json").stat().st_size < 300 * 2000


def test_duplicates_are_linear_whatever_the_names():
    from reporter.discover import NAMED_COPIES, Copy, duplicates

    copies = [Copy(f"{i:05d}.xlsx", "同一个党支部", i) for i in range(30_000)]
    t = time.monotonic()
    found = duplicates(copies)
    assert time.monotonic() - t < 20
    assert len(found) == 30_000
    assert {d.used for d in found.values()} == {"29999.xlsx"}  # saved last
    assert max(len(d.message.message) for d in found.values()) < 600
    assert found[0].message.message.count(".xlsx") == NAMED_COPIES + 1  # ten others, and the one used
    # a failed copy is not used while another passes; equal times: the name decides
    copies = [Copy("a.xlsx", "甲", 5), Copy("b.xlsx", "甲", 9, failed=True), Copy("c.xlsx", "甲", 5)]
    assert {d.used for d in duplicates(copies).values()} == {"c.xlsx"}
    # an old broken copy does not turn the one good copy into a warning; it is told which copy counts
    found = duplicates([Copy("new.xlsx", "乙", 1), Copy("old.xlsx", "乙", 9, failed=True)])
    assert found[0].message is None and found[0].used == "new.xlsx"
    assert found[1].message.code == "W401" and "new.xlsx" in found[1].message.message


# --- issue 12.12: validate sees what build sees -------------------------------------

def test_validate_skips_output_folders_and_takes_a_single_file(tmp_path):
    inp = tmp_path / "in"
    good(inp / "a.xlsx", "甲党支部")
    assert build(inp, inp / "output").exit_code == 0
    assert build(inp, inp / "另一个输出").exit_code == 0  # a second output folder inside INPUT
    assert (inp / "output" / "summary" / "汇总表.xlsx").exists()
    result = runner.invoke(app, ["validate", str(inp), "--json"])
    assert result.exit_code == 0, result.output
    assert [w["source"] for w in json.loads(result.output)["workbooks"]] == ["a.xlsx"]
    assert build(inp, inp / "output").exit_code == 0
    assert [w["source"] for w in report(inp / "output")["workbooks"]] == ["a.xlsx"]
    result = runner.invoke(app, ["validate", str(inp / "a.xlsx")])
    assert result.exit_code == 0, result.output
    assert "a.xlsx" in result.output and "找不到" not in result.output


# --- issue 19.1 / 19.9: PDF trouble is the run's, never a branch's ------------------

def test_a_crashing_libreoffice_is_a_run_error_not_a_finding(tmp_path, monkeypatch):
    inp, out = tmp_path / "in", tmp_path / "out"
    good(inp / "a.xlsx", "甲党支部")
    good(inp / "b.xlsx", "乙党支部")
    soffice = fake_soffice(tmp_path, 'echo "soffice: fatal error: cannot open display" >&2\nexit 81')
    monkeypatch.setenv("REPORTER_SOFFICE", str(soffice))
    log = tmp_path / "run.log"
    result = build(inp, out, "--pdf", "--strict", "--log-file", str(log))
    assert result.exit_code == 3, result.output
    rep = report(out)
    assert rep["completed"] is True and rep["exit_status"] == 3
    assert {w["status"] for w in rep["workbooks"]} == {"ok"}
    assert all(m["level"] == "review" for w in rep["workbooks"] for m in w["messages"])  # no W501 on any branch
    assert sorted(p.name for p in (out / "docs").iterdir()) == ["乙党支部.docx", "甲党支部.docx"]
    assert rep["run_errors"] and {e["kind"] for e in rep["run_errors"]} == {"pdf"}
    assert all("LibreOffice" in e["message"] or "PDF" in e["message"] for e in rep["run_errors"])
    assert "internal_errors" not in rep
    text = log.read_text(encoding="utf-8")
    assert "81" in text
    # LibreOffice failed as a whole: not called again for the summary report, and the log says so
    assert "pdf" not in rep["summary"] and not (out / "summary" / "汇总报告.pdf").exists()
    assert "汇总报告的 PDF 本次未生成" in text


# --- issue 19.2: an empty share removes nothing -------------------------------------

def test_an_empty_input_where_the_last_run_had_workbooks_is_refused(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    good(inp / "a.xlsx", "甲党支部")
    assert build(inp, out).exit_code == 0
    (inp / "a.xlsx").unlink()  # the share is not mounted tonight
    before = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and p.name != "run-report.json")
    result = build(inp, out)
    assert result.exit_code == 2
    assert "--allow-empty" in result.output and "没有找到任何工作簿" in result.output
    after = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and p.name != "run-report.json")
    assert after == before and (out / "docs" / "甲党支部.docx").exists()
    rep = report(out)
    assert rep["completed"] is False and "--allow-empty" in rep["reason"] and rep["exit_status"] == 2
    assert build(inp, out).exit_code == 2  # still refused the next night
    assert run_build(options(inp, out, allow_empty=True)).exit_status == 0
    assert not (out / "docs" / "甲党支部.docx").exists()
    assert report(out)["completed"] is True


def test_a_first_run_on_an_empty_folder_is_fine(tmp_path):
    (tmp_path / "in").mkdir()
    assert build(tmp_path / "in", tmp_path / "out").exit_code == 0
    assert report(tmp_path / "out")["completed"] is True


# --- issue 19.9 / 19.10: what a monitoring script reads ------------------------------

def test_report_names_the_configuration_and_completes(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    good(inp / "a.xlsx", "甲党支部")
    assert build(inp, out).exit_code == 0
    rep = report(out)
    assert rep["completed"] is True and rep["reason"] is None and rep["exit_status"] == 0
    assert rep["config"] == {"path": None, "defaults": True}
    assert rep["run_errors"] == [] and rep["warnings"] == []
    toml = tmp_path / "reporter.toml"
    toml.write_text("[limits]\nmax_rows = 5000\n", encoding="utf-8")
    log = tmp_path / "run.log"
    assert build(inp, out, "--config", str(toml), "--log-file", str(log)).exit_code == 0
    assert report(out)["config"] == {"path": str(toml.resolve()), "defaults": False}
    first = log.read_text(encoding="utf-8").splitlines()[0]
    assert "开始" in first and str(toml.resolve()) in first


def test_a_run_refused_by_the_lock_is_logged(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    good(inp / "a.xlsx", "甲党支部")
    out.mkdir()
    log = tmp_path / "run.log"
    with OutputLock(out):
        with pytest.raises(ReporterError) as caught:
            run_build(options(inp, out, log_file=log))
    assert caught.value.exit_code == 2 and getattr(caught.value, "logged", False)
    line = log.read_text(encoding="utf-8").strip()
    assert line[:4].isdigit() and "ERROR" in line and "正被另一次运行使用" in line


def test_a_run_aborted_part_way_writes_a_report_saying_so(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    good(inp / "a.xlsx", "甲党支部")
    out.mkdir()
    (out / "docs").write_bytes(b"")  # docs/ cannot be made: the run stops after it started
    with pytest.raises(ReporterError) as caught:
        run_build(options(inp, out))
    assert "Errno" not in str(caught.value) and "Not a directory" not in str(caught.value)
    rep = report(out)
    assert rep["completed"] is False and rep["reason"] == str(caught.value) and rep["exit_status"] == 2
    assert not temp_files(out)


def test_e405_tells_the_branch_what_to_do_and_the_log_gets_the_setting(tmp_path, monkeypatch):
    import reporter.build.pool as pool
    from reporter.config import Limits

    real = pool.process

    def maybe_hang(data, filename, config, strict):  # inherited by the forked workers
        if "卡住" in filename:
            time.sleep(3600)
        return real(data, filename, config, strict)

    monkeypatch.setattr(pool, "process", maybe_hang)
    inp, out = tmp_path / "in", tmp_path / "out"
    good(inp / "卡住.xlsx", "甲党支部")
    log = tmp_path / "run.log"
    config = Config(limits=Limits(max_seconds=1.5))
    assert run_build(options(inp, out, config=config, log_file=log)).exit_status == 1
    (message,) = by_source(report(out))["卡住.xlsx"]["messages"]
    assert message["code"] == "E405"
    assert "max_seconds" not in message["message"] and "reporter.toml" not in message["message"]
    assert "管理员" in message["message"]
    assert "max_seconds" in log.read_text(encoding="utf-8")


# --- issue 19.7: SIGTERM and SIGINT stop the run cleanly ------------------------------

HANG_HOOK = """
import sys, time
import reporter.build.pool as pool
real = pool.process
def hang(data, filename, config, strict):
    if "卡住" in filename:
        time.sleep(600)
    return real(data, filename, config, strict)
pool.process = hang
from reporter.cli import main
sys.argv = ["reporter", *sys.argv[1:]]
main()
"""


def _wait_for(check, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the run never got there"
        time.sleep(0.05)


def _check_stopped_cleanly(proc: subprocess.Popen, out: Path, code: int, signame: str, inp: Path) -> None:
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == code, stdout + stderr
    assert "已中止" in stdout + stderr and signame in stdout + stderr
    assert "Traceback" not in stdout + stderr
    rep = report(out)
    assert rep["completed"] is False and signame in rep["reason"] and rep["exit_status"] == code
    assert not temp_files(out)
    again = subprocess.run([sys.executable, "-m", "reporter", "build", str(inp), "-o", str(out), "--as-of", AS_OF],
                           capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert again.returncode in (0, 1), again.stdout + again.stderr  # the lock was released


def test_sigint_while_a_worker_is_busy(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    for i in range(1, 5):
        good(inp / f"{i}.xlsx", f"第{i}党支部")
    good(inp / "卡住.xlsx", "第五党支部")
    hook = tmp_path / "hook.py"
    hook.write_text(HANG_HOOK, encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(hook), "build", str(inp), "-o", str(out), "--as-of", AS_OF,
                             "--jobs", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    docs = out / "docs"
    _wait_for(lambda: docs.is_dir() and sum(1 for _ in docs.glob(".reporter-tmp-*")) >= 4, proc)
    workers = children(proc.pid)
    assert workers
    proc.send_signal(signal.SIGINT)
    _check_stopped_cleanly(proc, out, 130, "SIGINT", inp)
    deadline = time.monotonic() + 30
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(pid) for pid in workers)


def test_sigterm_while_libreoffice_hangs(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    good(inp / "a.xlsx", "甲党支部")
    pidfile = tmp_path / "soffice.pid"
    soffice = fake_soffice(tmp_path, f'echo $$ > "{pidfile}"\nexec sleep 600')
    proc = subprocess.Popen([sys.executable, "-m", "reporter", "build", str(inp), "-o", str(out), "--as-of", AS_OF,
                             "--pdf"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                            env={**os.environ, "REPORTER_SOFFICE": str(soffice)})
    _wait_for(lambda: pidfile.exists() and pidfile.read_text().strip(), proc)
    lo = int(pidfile.read_text())
    proc.send_signal(signal.SIGTERM)
    _check_stopped_cleanly(proc, out, 143, "SIGTERM", inp)
    assert not alive(lo)
    assert (out / "docs" / "甲党支部.docx").exists()  # documents made before the signal stay, complete
    docx.Document(out / "docs" / "甲党支部.docx")


def test_letterhead_notes_are_run_warnings(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    good(inp / "a.xlsx", "甲党支部")
    write_docx(tmp_path / "红头.docx", "某某单位党委")  # Word's default margins (25.4 mm) are not the official ones
    toml = tmp_path / "reporter.toml"
    toml.write_text('reference_doc = "红头.docx"\n', encoding="utf-8")
    log = tmp_path / "run.log"
    assert build(inp, out, "--config", str(toml), "--log-file", str(log)).exit_code == 0
    rep = report(out)
    assert rep["warnings"] and any("页边距" in w for w in rep["warnings"])
    assert {w["status"] for w in rep["workbooks"]} == {"ok"}  # the letterhead is no branch's finding
    assert any(" WARNING " in line and "页边距" in line for line in log.read_text(encoding="utf-8").splitlines())


def test_a_summary_that_cannot_be_written_is_a_run_error(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    good(inp / "a.xlsx", "甲党支部")
    out.mkdir()
    (out / "summary").write_bytes(b"")  # summary/ cannot be made: no branch's fault
    result = build(inp, out)
    assert result.exit_code == 3, result.output
    rep = report(out)
    assert rep["completed"] is True and rep["exit_status"] == 3 and rep["summary"] is None
    assert {e["kind"] for e in rep["run_errors"]} == {"summary"}  # the summary files (and the volume beside them)
    messages = [e["message"] for e in rep["run_errors"]]
    assert not any("Errno" in m for m in messages) and any(m.startswith("汇总材料") for m in messages), messages
    assert by_source(rep)["a.xlsx"]["status"] == "ok" and (out / "docs" / "甲党支部.docx").exists()
    (inp / "b.xlsx").write_bytes(b"broken")  # a failed workbook as well: exit 1 wins
    assert build(inp, out).exit_code == 1
    assert report(out)["run_errors"] and report(out)["exit_status"] == 1
