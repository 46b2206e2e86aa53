"""`reporter build`: statuses, incremental runs, atomic outputs, the lock, safe names, output for cron."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import docx
import openpyxl
import pytest
from typer.testing import CliRunner

from helpers import standard_bytes, write_docx
from reporter.build.pool import CRASH_ENV
from reporter.pipeline import process
from reporter.cli import app
from reporter.config import Config
from reporter.fsutil import TEMP_PREFIX, safe_name

runner = CliRunner()
AS_OF = "2024-06-30"
STAMPED = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d([+-]\d\d:\d\d|Z)? (INFO|WARNING|ERROR) ")
ROOT = Path(__file__).resolve().parent.parent


def good(path: Path, name: str, **kwargs) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(standard_bytes(info={"支部名称": name}, **kwargs))
    return path


def with_warning(path: Path, name: str) -> Path:
    return good(path, name, problems=[("不存在的方面", "理论学习不深入", "学习方法较为单一。")])


def build(inp: Path, out: Path, *args: str):
    return runner.invoke(app, ["build", str(inp), "-o", str(out), "--as-of", AS_OF, "--jobs", "2", *args])


def report(out: Path) -> dict:
    return json.loads((out / "run-report.json").read_text(encoding="utf-8"))


def by_source(rep: dict) -> dict[str, dict]:
    return {w["source"]: w for w in rep["workbooks"]}


def mtimes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def temp_files(out: Path) -> list[Path]:
    return [p for p in out.rglob("*") if p.name.startswith((TEMP_PREFIX, ".reporter-pdf-"))]


def cli(*args: str, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "reporter", *args], capture_output=True, text=True, timeout=timeout,
        env={**os.environ, **(env or {})}, cwd=ROOT,
    )


@pytest.fixture
def mixed(tmp_path) -> tuple[Path, Path]:
    inp = tmp_path / "in"
    good(inp / "一支部.xlsx", "第一党支部")
    good(inp / "sub" / "二支部.xlsx", "第二党支部")
    with_warning(inp / "三支部.xlsx", "第三党支部")
    (inp / "乱码.xlsx").write_bytes(os.urandom(3000))
    (inp / "空文件.xlsx").write_bytes(b"")
    write_docx(inp / "改了扩展名.xlsx")
    (inp / "~$一支部.xlsx").write_bytes(b"\x00" * 165)  # Excel's lock file
    good(inp / ".隐藏.xlsx", "隐藏党支部")
    (inp / "README.txt").write_text("各支部请把工作簿放在这里。", encoding="utf-8")
    return inp, tmp_path / "out"


def test_mixed_folder(mixed):
    inp, out = mixed
    result = build(inp, out)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    rep = report(out)
    assert set(rep) >= {"tool_version", "started_at", "finished_at", "input_dir", "output_dir",
                        "totals", "workbooks", "ignored", "summary"}
    status = {s: w["status"] for s, w in by_source(rep).items()}
    assert status == {
        "一支部.xlsx": "ok", "sub/二支部.xlsx": "ok", "三支部.xlsx": "warning",
        "乱码.xlsx": "failed", "空文件.xlsx": "failed", "改了扩展名.xlsx": "failed",
    }
    assert rep["ignored"] == ["README.txt"]
    assert rep["totals"] == {"workbooks": 6, "ok": 2, "warning": 1, "failed": 3, "unchanged": 0}
    wbs = by_source(rep)
    assert wbs["一支部.xlsx"]["document"] == "docs/第一党支部.docx"
    assert wbs["三支部.xlsx"]["messages"][0]["level"] == "warning"
    for name in ("乱码.xlsx", "空文件.xlsx", "改了扩展名.xlsx"):
        w = wbs[name]
        assert w["document"] is None and w["branch"] is None
        assert w["messages"] and all(re.search(r"[\u4e00-\u9fff]", m["message"]) for m in w["messages"])
    assert sorted(p.name for p in (out / "docs").iterdir()) == ["第一党支部.docx", "第三党支部.docx", "第二党支部.docx"]
    paragraphs = [p.text for p in docx.Document(out / "docs" / "第一党支部.docx").paragraphs]
    assert "一、存在的问题" in paragraphs
    assert "完成：共 6 个工作簿，通过 2，有警告 1，未通过 3，未变化 0" in result.output
    assert wbs["一支部.xlsx"]["sha256"] == hashlib.sha256((inp / "一支部.xlsx").read_bytes()).hexdigest()
    assert not temp_files(out)


def test_second_run_unchanged_then_edit_then_delete(mixed):
    inp, out = mixed
    assert build(inp, out).exit_code == 1
    before = mtimes(out / "docs")
    assert build(inp, out).exit_code == 1  # the summary gets its 本期变化 (there is a previous run now)
    assert mtimes(out / "docs") == before
    summary_before = mtimes(out / "summary")
    state_before = {n: (out / n).stat().st_mtime_ns for n in (".reporter-summary.json",)}

    second = build(inp, out)
    assert second.exit_code == 1
    assert {n: (out / n).stat().st_mtime_ns for n in state_before} == state_before  # nothing rewritten
    rep = report(out)
    assert {s: w["status"] for s, w in by_source(rep).items() if w["status"] != "failed"} == {
        "一支部.xlsx": "unchanged", "sub/二支部.xlsx": "unchanged", "三支部.xlsx": "unchanged"}
    assert by_source(rep)["三支部.xlsx"]["messages"][0]["level"] == "warning"  # findings kept
    assert rep["totals"]["unchanged"] == 3 and rep["totals"]["failed"] == 3
    assert mtimes(out / "docs") == before
    assert summary_before and mtimes(out / "summary") == summary_before  # rewritten only when its inputs change

    good(inp / "sub" / "二支部.xlsx", "第二党支部", causes=[("新的原因", "具体剖析。")])
    assert build(inp, out).exit_code == 1
    rep = by_source(report(out))
    assert rep["sub/二支部.xlsx"]["status"] == "ok" and rep["sub/二支部.xlsx"]["counts"]["causes"] == 1
    assert rep["一支部.xlsx"]["status"] == "unchanged"
    assert mtimes(out / "summary") != summary_before  # the summary follows every change
    after = mtimes(out / "docs")
    assert after["第二党支部.docx"] != before["第二党支部.docx"]
    assert {k: v for k, v in after.items() if k != "第二党支部.docx"} == {
        k: v for k, v in before.items() if k != "第二党支部.docx"}

    (inp / "一支部.xlsx").unlink()
    assert build(inp, out).exit_code == 1
    rep = report(out)
    assert "一支部.xlsx" not in by_source(rep)
    assert not (out / "docs" / "第一党支部.docx").exists()
    assert "docs/第一党支部.docx" in rep["removed"]


def test_force_missing_document_and_now_failing_workbook(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    good(inp / "a.xlsx", "甲党支部")
    good(inp / "b.xlsx", "乙党支部")
    assert build(inp, out).exit_code == 0
    assert {w["status"] for w in report(out)["workbooks"]} == {"ok"}
    summary_before = mtimes(out / "summary")
    assert {w["status"] for w in (build(inp, out, "--force"), report(out))[1]["workbooks"]} == {"ok"}
    assert all(mtimes(out / "summary")[k] != v for k, v in summary_before.items())  # --force remakes everything

    (out / "docs" / "甲党支部.docx").unlink()  # a lost document is made again
    (out / "docs" / "乙党支部.docx").write_bytes(b"damaged")  # so is a damaged one
    assert build(inp, out).exit_code == 0
    assert {w["status"] for w in report(out)["workbooks"]} == {"ok"}
    docx.Document(out / "docs" / "乙党支部.docx")

    (inp / "b.xlsx").write_bytes(b"not a workbook any more")
    assert build(inp, out).exit_code == 1
    rep = report(out)
    assert by_source(rep)["b.xlsx"]["status"] == "failed"
    assert not (out / "docs" / "乙党支部.docx").exists()
    assert rep["removed"] == ["docs/乙党支部.docx"]


def test_strict_fails_workbooks_with_warnings(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    good(inp / "a.xlsx", "甲党支部")
    with_warning(inp / "b.xlsx", "乙党支部")
    assert build(inp, out).exit_code == 0
    assert (out / "docs" / "乙党支部.docx").exists()
    result = build(inp, out, "--strict")
    assert result.exit_code == 1
    rep = by_source(report(out))
    assert rep["b.xlsx"]["status"] == "failed" and rep["b.xlsx"]["document"] is None
    assert rep["a.xlsx"]["status"] == "unchanged"
    assert not (out / "docs" / "乙党支部.docx").exists()


def test_run_cannot_start(tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["build", str(tmp_path / "nowhere"), "-o", str(out)])
    assert result.exit_code == 2 and "找不到输入文件夹" in result.output
    (tmp_path / "in").mkdir()
    result = runner.invoke(app, ["build", str(tmp_path / "in"), "-o", str(out), "--as-of", "2024-13-45"])
    assert result.exit_code == 2 and "--as-of" in result.output
    result = runner.invoke(app, ["build", str(tmp_path / "in"), "-o", str(out), "--roster", str(tmp_path / "x.csv")])
    assert result.exit_code == 2 and "名单" in result.output
    assert not (out / "run-report.json").exists()


def test_empty_input_folder(tmp_path):
    (tmp_path / "in").mkdir()
    result = build(tmp_path / "in", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert report(tmp_path / "out")["totals"]["workbooks"] == 0


def test_output_inside_input_is_not_read_back(tmp_path):
    inp = tmp_path / "in"
    good(inp / "a.xlsx", "甲党支部")
    out = inp / "output"
    assert build(inp, out).exit_code == 0
    assert build(inp, out).exit_code == 0
    rep = report(out)
    assert [w["source"] for w in rep["workbooks"]] == ["a.xlsx"]
    assert rep["workbooks"][0]["status"] == "unchanged"


def test_duplicate_branch_names_both_reported(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    good(inp / "a.xlsx", "机关党支部")
    good(inp / "b.xlsx", "机关党支部")
    good(inp / "c.xlsx", "机关党支部-2")  # a real branch whose name looks like a suffixed one
    assert build(inp, out).exit_code == 0
    rep = by_source(report(out))
    assert rep["a.xlsx"]["status"] == rep["b.xlsx"]["status"] == "warning"
    (ma,) = [m for m in rep["a.xlsx"]["messages"] if m["code"] == "W401"]
    (mb,) = [m for m in rep["b.xlsx"]["messages"] if m["code"] == "W401"]
    assert "b.xlsx" in ma["message"] and "a.xlsx" in mb["message"]
    assert rep["a.xlsx"]["document"] == "docs/机关党支部.docx"
    assert rep["c.xlsx"]["document"] == "docs/机关党支部-2.docx"
    assert rep["b.xlsx"]["document"] == "docs/机关党支部-3.docx"
    assert len(list((out / "docs").glob("*.docx"))) == 3


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("*党支部", "_党支部"),
        ("../../x", "___.._x"),
        ("CON", "_CON"),
        ("nul.txt", "_nul.txt"),
        ("com1", "_com1"),
        ("a/b\\c:d?e\"f<g>h|i", "a_b_c_d_e_f_g_h_i"),
        (" 支部. ", "_支部__"),
        ("tab\there\x1b", "tab_here_"),
        ("..", "__"),
        ("", "_"),
    ],
)
def test_safe_name(name, expected):
    assert safe_name(name) == expected


def test_safe_name_is_bounded():
    assert len(safe_name("党" * 500)) == 66  # 200 bytes of 3-byte characters
    assert len(safe_name("a" * 500)) == 80


@pytest.mark.parametrize("branch", ["../../x", "CON", "/etc/passwd", "..", "a" * 300])
def test_hostile_branch_names_stay_inside_output(tmp_path, branch):
    inp, out = tmp_path / "in", tmp_path / "out"
    good(inp / "a.xlsx", branch)
    assert build(inp, out).exit_code == 0
    (w,) = report(out)["workbooks"]
    doc = (out / w["document"]).resolve()
    assert doc.parent == (out / "docs").resolve() and doc.is_file()
    assert doc.stem.upper() != "CON" and not doc.name.startswith(".")
    docx.Document(doc)
    assert not (tmp_path / "x").exists() and not (tmp_path / "x.docx").exists()


def test_undecodable_file_name_is_a_finding(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    good(inp / "a.xlsx", "甲党支部")
    raw = os.path.join(os.fsencode(inp), b"\xb6\xfe\xb2\xbf.xlsx")  # 二部 in GBK: not UTF-8
    with open(raw, "wb") as f:
        f.write(standard_bytes(info={"支部名称": "乙党支部"}))
    result = build(inp, out)
    assert result.exit_code == 0, result.output
    rep = report(out)
    (w,) = [w for w in rep["workbooks"] if w["source"] != "a.xlsx"]
    assert w["source"] == "\\xb6\\xfe\\xb2\\xbf.xlsx"
    assert w["status"] == "warning" and [m["code"] for m in w["messages"] if m["level"] != "review"] == ["W405"]
    assert (out / "docs" / "乙党支部.docx").is_file()


def test_unreadable_and_symlinked_files(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    good(inp / "a.xlsx", "甲党支部")
    outside = good(tmp_path / "secret.xlsx", "外部党支部")
    (inp / "link.xlsx").symlink_to(outside)
    (inp / "dangling.xlsx").symlink_to(tmp_path / "missing.xlsx")
    good(inp / "locked.xlsx", "丙党支部").chmod(0)
    os.mkfifo(inp / "pipe.xlsx")
    (inp / "loop1.xlsx").symlink_to(inp / "loop2.xlsx")
    (inp / "loop2.xlsx").symlink_to(inp / "loop1.xlsx")
    result = build(inp, out)
    assert result.exit_code == 1 and "Traceback" not in result.output
    rep = by_source(report(out))
    assert rep["a.xlsx"]["status"] == "ok"
    for name in ("link.xlsx", "dangling.xlsx", "pipe.xlsx", "loop1.xlsx", "loop2.xlsx"):
        (m,) = rep[name]["messages"]
        assert rep[name]["status"] == "failed" and m["level"] == "error" and m["code"] != "E900", m
    if os.geteuid() != 0:  # root reads anything
        assert rep["locked.xlsx"]["status"] == "failed"
    assert not (out / "docs" / "外部党支部.docx").exists()


def test_piped_output_is_plain(tmp_path, mixed):
    inp, out = mixed
    (inp / "\x1b[31m红色.xlsx").write_bytes(b"junk")  # an escape code in a file name
    proc = cli("build", str(inp), "-o", str(out), "--as-of", AS_OF)
    assert proc.returncode == 1
    assert "\x1b" not in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines and all(STAMPED.match(line) for line in lines), lines
    assert "乱码.xlsx：未通过" in proc.stdout
    assert "\\x1b[31m红色.xlsx：未通过" in proc.stdout
    assert "完成：共 7 个工作簿" in lines[-1]

    quiet = cli("build", str(inp), "-o", str(out), "--as-of", AS_OF, "--quiet")
    assert quiet.returncode == 1
    assert "一支部" not in quiet.stdout  # unchanged and fine: not listed
    assert "乱码.xlsx：未通过" in quiet.stdout
    assert quiet.stdout.splitlines()[-1].split(" ", 2)[2].startswith("完成：")


def test_log_file_gets_plain_lines(tmp_path, mixed):
    inp, out = mixed
    log = tmp_path / "logs" / "build.log"
    result = build(inp, out, "--quiet", "--log-file", str(log))
    assert result.exit_code == 1
    text = log.read_text(encoding="utf-8")
    assert "\x1b" not in text
    assert "三支部.xlsx：有警告" in text  # --quiet hides it on screen, not in the log
    assert "三支部.xlsx：有警告" not in result.output


def test_internal_error_is_a_finding_with_traceback_for_the_log():
    outcome = process(standard_bytes(), "a.xlsx", None, False)  # no configuration: a bug
    assert outcome.status == "failed" and [m.code for m in outcome.messages] == ["E900"]
    assert outcome.traceback and "Traceback" in outcome.traceback


def test_worker_killed_by_signal_fails_only_its_workbook(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    for i in range(12):
        good(inp / f"{i:02d}.xlsx", f"第{i}党支部")
    good(inp / "05-crash.xlsx", "崩溃党支部")
    proc = cli("build", str(inp), "-o", str(out), "--as-of", AS_OF, "--jobs", "2", env={CRASH_ENV: "crash"})
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    rep = by_source(report(out))
    assert rep["05-crash.xlsx"]["status"] == "failed"
    assert [m["code"] for m in rep["05-crash.xlsx"]["messages"] if m["level"] != "review"] == ["E404"]
    assert {s: w["status"] for s, w in rep.items() if s != "05-crash.xlsx"} == {
        f"{i:02d}.xlsx": "ok" for i in range(12)}
    assert len(list((out / "docs").glob("*.docx"))) == 12


def _lock_holder(out: Path, then_sleep: bool = True) -> subprocess.Popen:
    code = (
        "import sys, time; from pathlib import Path; from reporter.fsutil import OutputLock; "
        f"OutputLock(Path({str(out)!r})).acquire(); print('locked', flush=True); time.sleep(60)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_second_concurrent_run_exits_2(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    good(inp / "a.xlsx", "甲党支部")
    out.mkdir()
    holder = _lock_holder(out)
    try:
        result = build(inp, out)
        assert result.exit_code == 2
        assert f"进程 {holder.pid}" in result.output and "正被另一次运行使用" in result.output
        assert not (out / "docs").exists()
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    # The holder died (SIGKILL): its lock file stays, the next run takes it over.
    assert (out / ".reporter.lock").read_text().startswith(f"pid={holder.pid}")
    assert build(inp, out).exit_code == 0


def test_stale_lock_file_is_taken_over(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    good(inp / "a.xlsx", "甲党支部")
    out.mkdir()
    (out / ".reporter.lock").write_text("pid=999999\nhost=elsewhere\nstarted=2020-01-01T00:00:00+08:00\n")
    assert build(inp, out).exit_code == 0
    assert (out / "docs" / "甲党支部.docx").is_file()


def _kill_when(proc: subprocess.Popen, ready, timeout: float = 120) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if ready():
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.01)
    proc.wait()
    return False


def test_sigkill_part_way_then_rerun_repairs(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    data = {i: standard_bytes(info={"支部名称": f"第{i}党支部"}) for i in range(300)}
    for i, blob in data.items():
        (inp / f"{i // 100}").mkdir(parents=True, exist_ok=True)
        (inp / f"{i // 100}" / f"{i:03d}.xlsx").write_bytes(blob)
    args = [sys.executable, "-m", "reporter", "build", str(inp), "-o", str(out), "--as-of", AS_OF, "--jobs", "2"]

    def run_and_kill(ready) -> bool:
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        return _kill_when(proc, ready)

    docs = out / "docs"
    # 1. a second run while the first is going exits 2 naming the first; then the
    #    first is killed while documents are being made (temporary files in docs/)
    first_run = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    lock = out / ".reporter.lock"
    deadline = time.monotonic() + 60
    while not (lock.exists() and lock.read_text().startswith(f"pid={first_run.pid}\n")):
        assert time.monotonic() < deadline and first_run.poll() is None
        time.sleep(0.01)
    first_run.send_signal(signal.SIGSTOP)  # frozen while holding the lock: no race with the check
    try:
        second = subprocess.run(args, capture_output=True, text=True, cwd=ROOT)
    finally:
        first_run.send_signal(signal.SIGCONT)
    assert second.returncode == 2
    assert f"进程 {first_run.pid}" in second.stderr and "开始于" in second.stderr
    assert _kill_when(first_run, lambda: docs.is_dir() and sum(1 for _ in docs.glob(TEMP_PREFIX + "*")) >= 20)
    assert temp_files(out)  # the killed run left its temporary files
    # 2. a full run, then every workbook edited and a run killed after documents were renamed into place
    assert subprocess.run(args, capture_output=True, cwd=ROOT).returncode == 0
    for i in range(0, 300, 3):
        (inp / f"{i // 100}" / f"{i:03d}.xlsx").write_bytes(
            standard_bytes(info={"支部名称": f"第{i}党支部"}, causes=[("改过的原因", "x")]))
    first = (docs / "第0党支部.docx").stat().st_mtime_ns
    assert run_and_kill(lambda: (docs / "第0党支部.docx").stat().st_mtime_ns != first)
    for doc in docs.glob("*.docx"):  # every document in place opens, old or new
        docx.Document(doc)

    proc = subprocess.run(args, capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rep = report(out)
    assert rep["totals"]["workbooks"] == 300 and rep["totals"]["failed"] == 0
    assert rep["totals"]["ok"] + rep["totals"]["unchanged"] == 300
    assert len(rep["workbooks"]) == 300
    assert sorted(p.name for p in docs.iterdir()) == sorted(f"第{i}党支部.docx" for i in range(300))
    for doc in docs.iterdir():
        docx.Document(doc)
    text = lambda name: "".join(p.text for p in docx.Document(docs / name).paragraphs)  # noqa: E731
    assert "改过的原因" in text("第3党支部.docx") and "改过的原因" not in text("第1党支部.docx")
    # the summary is complete and reflects every workbook, edited ones included
    book = openpyxl.load_workbook(out / "summary" / "汇总表.xlsx", read_only=True)
    try:
        names = {row[0] for row in book["总览"].iter_rows(min_row=2, values_only=True)}
        assert {f"第{i}党支部" for i in range(300)} <= names
        assert sum(1 for row in book["原因清单"].iter_rows(values_only=True) if "改过的原因" in row) == 100
    finally:
        book.close()
    docx.Document(out / "summary" / "汇总报告.docx")
    assert not temp_files(out)
    again = subprocess.run(args, capture_output=True, cwd=ROOT)
    assert again.returncode == 0 and report(out)["totals"]["unchanged"] == 300


needs_lo = pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed"
)


@needs_lo
def test_pdf_incremental(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    good(inp / "a.xlsx", "甲党支部")
    good(inp / "b.xlsx", "乙党支部")
    assert build(inp, out, "--pdf").exit_code == 0
    rep = report(out)
    pdfs = out / "pdf"
    assert sorted(p.name for p in pdfs.iterdir()) == ["乙党支部.pdf", "甲党支部.pdf"]
    assert (pdfs / "甲党支部.pdf").read_bytes().startswith(b"%PDF")
    assert "pdf" in rep["timings"]
    assert by_source(rep)["a.xlsx"]["pdf"] == "pdf/甲党支部.pdf"
    assert rep["summary"]["pdf"] == "summary/汇总报告.pdf"
    assert (out / "summary" / "汇总报告.pdf").read_bytes().startswith(b"%PDF")
    before = mtimes(pdfs)
    good(inp / "b.xlsx", "乙党支部", causes=[("新原因", "x")])
    (inp / "a.xlsx").unlink()
    assert build(inp, out, "--pdf").exit_code == 0
    assert sorted(p.name for p in pdfs.iterdir()) == ["乙党支部.pdf"]
    assert mtimes(pdfs)["乙党支部.pdf"] != before["乙党支部.pdf"]
    assert "pdf/甲党支部.pdf" in report(out)["removed"]
    after = mtimes(pdfs)
    assert build(inp, out, "--pdf").exit_code == 0  # 本期变化 now says: nothing changed
    assert mtimes(pdfs) == after  # unchanged documents are not converted again
    summary_pdf = mtimes(out / "summary")
    assert build(inp, out, "--pdf").exit_code == 0
    assert mtimes(out / "summary") == summary_pdf


def test_pdf_without_libreoffice_stops_before_any_work(tmp_path, monkeypatch):
    inp, out = tmp_path / "in", tmp_path / "out"
    good(inp / "a.xlsx", "甲党支部")
    monkeypatch.setenv("REPORTER_SOFFICE", str(tmp_path / "no-such-soffice"))
    result = build(inp, out, "--pdf")
    assert result.exit_code == 2 and "LibreOffice" in result.output
    assert not (out / "docs").exists()


def test_summary_is_written_and_reflects_all_workbooks(mixed):
    inp, out = mixed
    assert build(inp, out).exit_code == 1
    rep = report(out)
    assert rep["summary"] == {"xlsx": "summary/汇总表.xlsx", "docx": "summary/汇总报告.docx", "volume": "summary/汇编.docx"}
    import openpyxl

    wb = openpyxl.load_workbook(out / "summary" / "汇总表.xlsx")
    text = " ".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value)
    for name in ("第一党支部", "第二党支部", "第三党支部"):
        assert name in text
    docx.Document(out / "summary" / "汇总报告.docx")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_terminal_gets_a_table_and_in_process_run_works(tmp_path, monkeypatch):
    from reporter.build import BuildOptions, run_build

    inp, out = tmp_path / "in", tmp_path / "out"
    good(inp / "a.xlsx", "甲党支部")
    (inp / "b.xlsx").write_bytes(b"junk")
    screen = _Terminal()
    monkeypatch.setattr(sys, "stdout", screen)
    monkeypatch.setenv("COLUMNS", "160")
    code = run_build(BuildOptions(inp, out, Config(), jobs=1, as_of=date(2024, 6, 30))).exit_status
    assert code == 1
    text = screen.getvalue()
    assert "生成结果" in text and "甲党支部" in text and "未通过" in text and "E101" in text
    assert "完成：共 2 个工作簿，通过 1，有警告 0，未通过 1，未变化 0" in text
    assert not STAMPED.search(text)  # people get a table, not log lines


def test_new_duplicate_moves_an_unchanged_document_without_remaking_it(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    good(inp / "b.xlsx", "机关党支部", causes=[("乙的原因", "x")])
    assert build(inp, out).exit_code == 0
    made = (out / "docs" / "机关党支部.docx").stat().st_mtime_ns
    good(inp / "a.xlsx", "机关党支部", causes=[("甲的原因", "x")])  # sorts first: takes the plain name
    assert build(inp, out).exit_code == 0
    rep = by_source(report(out))
    assert rep["b.xlsx"]["status"] == "unchanged" and rep["b.xlsx"]["document"] == "docs/机关党支部-2.docx"
    assert rep["a.xlsx"]["status"] == "warning" and rep["a.xlsx"]["document"] == "docs/机关党支部.docx"
    text = lambda name: "".join(p.text for p in docx.Document(out / "docs" / name).paragraphs)  # noqa: E731
    assert "甲的原因" in text("机关党支部.docx") and "乙的原因" in text("机关党支部-2.docx")
    assert (out / "docs" / "机关党支部-2.docx").stat().st_mtime_ns == made  # moved, not remade
    (inp / "a.xlsx").unlink()
    assert build(inp, out).exit_code == 0
    rep = by_source(report(out))
    assert rep["b.xlsx"]["document"] == "docs/机关党支部.docx" and rep["b.xlsx"]["status"] == "unchanged"
    assert sorted(p.name for p in (out / "docs").iterdir()) == ["机关党支部.docx"]
    assert "乙的原因" in text("机关党支部.docx")


def test_damaged_state_file_means_a_full_rebuild(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    good(inp / "a.xlsx", "甲党支部")
    assert build(inp, out).exit_code == 0
    (out / "reporter.sqlite").unlink()
    (out / ".reporter-state.json").write_bytes(b"\x80\x05garbage")
    result = build(inp, out)
    assert result.exit_code == 0 and "Traceback" not in result.output
    assert report(out)["workbooks"][0]["status"] == "ok"
    assert not (out / ".reporter-state.json").exists()
    import pickle  # version 1's state holding anything but our records is refused, not executed

    (out / "reporter.sqlite").unlink()
    (out / ".reporter-state.pickle").write_bytes(pickle.dumps({"format": os.system}))
    assert build(inp, out).exit_code == 0
    assert report(out)["workbooks"][0]["status"] == "ok"
    assert not (out / ".reporter-state.pickle").exists()  # taken over: the new state replaces it


def test_version_1_state_is_taken_over_once(tmp_path):
    """The old pickle state is not reused (a full rebuild under the same names),
    but the documents it records as ours are still removed when their workbook goes."""
    import pickle

    from reporter.build.legacy import LEGACY_NAME

    inp, out = tmp_path / "in", tmp_path / "out"
    good(inp / "a.xlsx", "甲党支部")
    good(inp / "b.xlsx", "乙党支部")
    assert build(inp, out).exit_code == 0
    entries = {w["source"]: {"document": w["document"], "doc_stat": None, "pdf_stat": None, "blob": b"",
                             "messages": ()} for w in report(out)["workbooks"]}
    (out / "reporter.sqlite").unlink()
    (out / LEGACY_NAME).write_bytes(pickle.dumps({"format": (4, "x"), "entries": entries, "leftovers": []}))
    (inp / "b.xlsx").unlink()
    assert build(inp, out).exit_code == 0
    rep = report(out)
    assert [(w["source"], w["status"], w["document"]) for w in rep["workbooks"]] == [
        ("a.xlsx", "ok", "docs/甲党支部.docx")]
    assert rep["removed"] == ["docs/乙党支部.docx"]
    assert sorted(p.name for p in (out / "docs").iterdir()) == ["甲党支部.docx"]
    assert not (out / LEGACY_NAME).exists() and (out / "reporter.sqlite").exists()
    assert build(inp, out).exit_code == 0 and report(out)["totals"]["unchanged"] == 1


def test_broken_reference_document_stops_the_run_before_any_work(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    inp.mkdir()
    (inp / "a.xlsx").write_bytes(standard_bytes())
    (tmp_path / "红头.docx").write_bytes(b"not a docx")
    (tmp_path / "reporter.toml").write_text('reference_doc = "红头.docx"\n', encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "reporter", "build", str(inp), "-o", str(out),
                           "--config", str(tmp_path / "reporter.toml")], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "参考文档" in proc.stderr and "Traceback" not in proc.stderr
    assert not (out / "docs").exists() or not any((out / "docs").iterdir())


# --- the stat cache: settled, unchanged files are not read again -------------------

@pytest.fixture
def hashed(monkeypatch) -> list[bytes]:
    """Every workbook the build reads and hashes (the parent does the hashing)."""
    import reporter.build.intake as intake

    seen: list[bytes] = []
    real = intake._digest

    def spy(data: bytes) -> str:
        seen.append(data)
        return real(data)

    monkeypatch.setattr(intake, "_digest", spy)
    return seen


def test_settled_unchanged_workbooks_are_not_read_again(tmp_path, monkeypatch, hashed):
    import reporter.build.intake as intake

    monkeypatch.setattr(intake, "RACY_NS", 0)  # files written a moment ago count as settled
    inp, out = tmp_path / "in", tmp_path / "out"
    a, b = good(inp / "a.xlsx", "甲党支部"), good(inp / "b.xlsx", "乙党支部")
    assert build(inp, out).exit_code == 0 and len(hashed) == 2

    hashed.clear()
    assert build(inp, out).exit_code == 0
    assert hashed == []  # neither file was read
    rep = by_source(report(out))
    assert {w["status"] for w in rep.values()} == {"unchanged"}
    assert rep["a.xlsx"]["sha256"] == hashlib.sha256(a.read_bytes()).hexdigest()  # the stored hash is reported

    # A rewrite that keeps the size and puts the old modification time back is
    # still seen (its ctime moved), and only that file is read.
    st = b.stat()
    data = bytearray(b.read_bytes())
    data[len(data) // 2] ^= 0xFF
    b.write_bytes(bytes(data))
    os.utime(b, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert b.stat().st_size == st.st_size and b.stat().st_mtime_ns == st.st_mtime_ns
    build(inp, out)
    assert hashed == [bytes(data)]
    rep = by_source(report(out))
    assert rep["b.xlsx"]["status"] != "unchanged" and rep["b.xlsx"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert rep["a.xlsx"]["status"] == "unchanged"
    good(b, "乙党支部")  # repaired (a failed workbook has no cache entry: it is read on every run)
    assert build(inp, out).exit_code == 0

    # A file replaced by another one (a new inode) with the same bytes, size and times is read again.
    st = a.stat()
    copy = inp / "a.tmp"
    shutil.copyfile(a, copy)
    os.utime(copy, ns=(st.st_atime_ns, st.st_mtime_ns))
    os.replace(copy, a)
    hashed.clear()
    build(inp, out)
    assert hashed == [a.read_bytes()] and report(out)["totals"]["unchanged"] == 2  # same bytes: no new document

    hashed.clear()
    assert build(inp, out, "--force").exit_code == 0
    assert len(hashed) == 2  # --force reads everything


def _state(out: Path) -> dict[str, tuple]:
    import sqlite3

    with sqlite3.connect(out / "reporter.sqlite") as db:
        return {json.loads(source): (document, json.loads(key) if key else None)
                for source, document, key in db.execute("SELECT source, document, source_key FROM state")}


def test_an_unchanged_run_writes_the_state_only_when_an_entry_moved(tmp_path, monkeypatch, hashed):
    """A run whose workbooks are all unchanged skips writing the state, but not when a workbook's
    file was touched (same bytes, new times), a workbook went, or an unchanged one's document moved."""
    import reporter.build.intake as intake

    monkeypatch.setattr(intake, "RACY_NS", 0)
    inp, out = tmp_path / "in", tmp_path / "out"
    a = good(inp / "a.xlsx", "甲党支部")
    good(inp / "b.xlsx", "乙党支部")
    assert build(inp, out).exit_code == 0
    first = _state(out)
    assert build(inp, out).exit_code == 0 and _state(out) == first

    st = a.stat()
    os.utime(a, ns=(st.st_atime_ns, st.st_mtime_ns - 10**9))  # touched: the same bytes, read once more
    hashed.clear()
    build(inp, out)
    assert hashed == [a.read_bytes()] and report(out)["totals"]["unchanged"] == 2
    assert _state(out)["a.xlsx"][1] == list(intake.source_key(a.stat()))
    hashed.clear()
    build(inp, out)
    assert hashed == []  # the new stat key was stored

    (inp / "b.xlsx").unlink()
    build(inp, out)
    assert set(_state(out)) == {"a.xlsx"}

    good(inp / "0.xlsx", "甲党支部")  # the same branch again, first in order: a's document takes another name
    build(inp, out)
    rep = by_source(report(out))
    assert rep["a.xlsx"]["status"] == "unchanged"
    assert {s: d for s, (d, _) in _state(out).items()} == {s: w["document"] for s, w in rep.items()}


def test_a_record_moved_to_another_document_is_no_longer_as_loaded():
    from reporter.build.record import Record

    rec = Record("a.xlsx", "a.xlsx", name="甲党支部")
    rec.document = "docs/甲党支部.docx"
    rec.kept = True
    rec.document = "docs/甲党支部.docx"  # named again, the same: still the stored entry
    assert rec.kept
    rec.document = "docs/甲党支部（a）.docx"
    assert not rec.kept


def test_recently_changed_workbooks_are_hashed_again(tmp_path, monkeypatch, hashed):
    """A file changed within RACY_NS of being read may change again without its
    timestamps moving (coarse clocks): it is not trusted until it has settled."""
    import reporter.build.intake as intake

    monkeypatch.setattr(intake, "RACY_NS", 10**18)  # nothing is ever settled
    inp, out = tmp_path / "in", tmp_path / "out"
    good(inp / "a.xlsx", "甲党支部")
    assert build(inp, out).exit_code == 0
    hashed.clear()
    assert build(inp, out).exit_code == 0
    assert len(hashed) == 1 and report(out)["workbooks"][0]["status"] == "unchanged"


# --- a workbook that changes while the run holds it --------------------------------

def test_workbook_changed_while_read_is_e403_and_the_rest_go_on(tmp_path, monkeypatch):
    import reporter.build.intake as intake

    inp, out = tmp_path / "in", tmp_path / "out"
    good(inp / "a.xlsx", "甲党支部")
    b = good(inp / "b.xlsx", "乙党支部")
    real_open = open

    class Growing:  # the file grows between opening it and reading it, as a slow save would
        def __init__(self, path):
            self.f, self.path = real_open(path, "rb"), path

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

        def fileno(self):
            return self.f.fileno()

        def read(self, n=-1):
            with real_open(self.path, "ab") as g:
                g.write(b"\0" * 100)
            return self.f.read(n)

    monkeypatch.setattr(intake, "open", lambda path, mode="r": Growing(path) if path.endswith("b.xlsx")
                        else real_open(path, mode), raising=False)
    assert build(inp, out).exit_code == 1
    rep = by_source(report(out))
    assert rep["a.xlsx"]["status"] == "ok"
    assert rep["b.xlsx"]["status"] == "failed" and [m["code"] for m in rep["b.xlsx"]["messages"] if m["level"] != "review"] == ["E403"]
    assert not (out / "docs" / "乙党支部.docx").exists()

    monkeypatch.undo()  # the save has finished: the next run takes it
    good(b, "乙党支部")
    assert build(inp, out).exit_code == 0
    assert by_source(report(out))["b.xlsx"]["status"] == "ok"


def test_workbook_changed_after_read_is_w407_and_redone_next_run(tmp_path, monkeypatch):
    import reporter.build.pool as pool

    inp, out = tmp_path / "in", tmp_path / "out"
    a = good(inp / "a.xlsx", "甲党支部")
    real = pool._packed

    def edit_during_processing(data, filename, config, strict):  # --jobs 1: processed in this process
        good(a, "新的甲党支部")
        return real(data, filename, config, strict)

    monkeypatch.setattr(pool, "_packed", edit_during_processing)
    assert build(inp, out, "--jobs", "1").exit_code == 0
    entry = report(out)["workbooks"][0]
    assert entry["status"] == "warning" and [m["code"] for m in entry["messages"] if m["level"] != "review"] == ["W407"]
    assert entry["branch"] == "甲党支部" and (out / "docs" / "甲党支部.docx").exists()  # made from what was read

    monkeypatch.undo()
    assert build(inp, out).exit_code == 0
    entry = report(out)["workbooks"][0]
    assert entry["status"] == "ok" and entry["branch"] == "新的甲党支部"
    assert entry["sha256"] == hashlib.sha256(a.read_bytes()).hexdigest()
    assert not (out / "docs" / "甲党支部.docx").exists()


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_hanging_workbook_is_stopped_and_the_rest_go_on(tmp_path, monkeypatch, jobs):
    """[limits] max_seconds: a worker stuck on one workbook is killed; that
    workbook fails with E405, every other one is processed."""
    import reporter.build.pool as pool
    from reporter.build import BuildOptions, run_build
    from reporter.config import Limits

    real = pool.process

    def maybe_hang(data, filename, config, strict):  # inherited by the forked workers
        if "卡住" in filename:
            time.sleep(3600)
        return real(data, filename, config, strict)

    monkeypatch.setattr(pool, "process", maybe_hang)
    inp, out = tmp_path / "in", tmp_path / "out"
    for i in range(1, 5):
        good(inp / f"{i}.xlsx", f"第{i}党支部")
    good(inp / "卡住.xlsx", "第五党支部")
    config = Config(limits=Limits(max_seconds=1.5))
    t = time.monotonic()
    code = run_build(BuildOptions(inp, out, config, jobs=jobs, as_of=date(2024, 6, 30), quiet=True)).exit_status
    assert time.monotonic() - t < 60
    assert code == 1
    rep = by_source(report(out))
    assert [m["code"] for m in rep["卡住.xlsx"]["messages"] if m["level"] != "review"] == ["E405"]
    assert "1.5 秒" in rep["卡住.xlsx"]["messages"][0]["message"]
    assert {s: w["status"] for s, w in rep.items() if s != "卡住.xlsx"} == {f"{i}.xlsx": "ok" for i in range(1, 5)}
    assert sorted(p.name for p in (out / "docs").iterdir()) == [f"第{i}党支部.docx" for i in range(1, 5)]


def test_the_time_limit_is_not_part_of_the_configuration_fingerprint():
    from reporter.config import Limits

    assert Config(limits=Limits(max_seconds=5)).fingerprint() == Config().fingerprint()
    assert Config(limits=Limits(max_rows=10)).fingerprint() != Config().fingerprint()
