"""`reporter build` as the nightly job runs it: the log file, the terminal and the locale never stop a run.

Every test runs the real command in a subprocess with a small, cron-like
environment.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import PROBLEMS, standard_sheets, write_workbook

from reporter.config import Config
from reporter.findings import message
from reporter.labels import message_line

STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d"


def env(**extra: str) -> dict[str, str]:
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"), "LANG": "C.UTF-8"}
    if "PYTHONPATH" in os.environ:  # a checkout under test that is not the installed one
        base["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return {**base, **extra}


def reporter(*args: str, **kwargs) -> subprocess.CompletedProcess:
    kwargs.setdefault("env", env())
    return subprocess.run([sys.executable, "-m", "reporter", *map(str, args)], capture_output=True, **kwargs)


@pytest.fixture
def inbox(tmp_path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    write_workbook(folder / "甲.xlsx", standard_sheets())
    write_workbook(folder / "乙.xlsx", standard_sheets(info={"支部名称": "机关第二党支部"}))
    return folder


def report(out: Path) -> dict:
    return json.loads((out / "run-report.json").read_text(encoding="utf-8"))


# ------------------------------------------------------------------ --log-file (issue 12 item 13, issue 19 items 5, 9)

@pytest.mark.parametrize("case", ["folder", "parent-is-a-file"])
def test_a_log_file_that_cannot_be_opened_refuses_the_run(tmp_path, inbox, case):
    if case == "folder":
        log, reason = tmp_path, "这是一个文件夹，不是文件"
    else:
        (tmp_path / "文件").write_text("x")
        log, reason = tmp_path / "文件" / "logs" / "build.log", "路径中的某一级不是文件夹"
    out = tmp_path / "out"
    result = reporter("build", inbox, "-o", out, "--log-file", log)
    assert result.returncode == 2
    assert result.stderr.decode() == (f"错误：无法打开日志文件 {log}：{reason}。"
                                      "请在 --log-file 后写一个可以写入的文件路径。\n")
    assert result.stdout == b""
    assert not out.exists()  # refused before anything was made


def test_a_log_file_that_fails_during_the_run_does_not_stop_it(tmp_path, inbox):
    out = tmp_path / "out"
    result = reporter("build", inbox, "-o", out, "--log-file", "/dev/full")
    stderr = result.stderr.decode()
    assert result.returncode == 0, stderr
    assert "Traceback" not in stderr
    warnings = re.findall(rf"^{STAMP} WARNING 无法继续写入日志文件 /dev/full（磁盘空间已满），此后的日志不再写入该文件；运行继续。$",
                          stderr, re.M)
    assert len(warnings) == 1, stderr  # reported once
    assert report(out)["totals"]["ok"] == 2
    assert len(list((out / "docs").glob("*.docx"))) == 2
    assert "完成：共 2 个工作簿" in result.stdout.decode()  # the screen output went on


def test_log_lines_carry_the_utc_offset(tmp_path, inbox):
    log = tmp_path / "logs" / "build.log"
    result = reporter("build", inbox, "-o", tmp_path / "out", "--log-file", log, env=env(TZ="Asia/Shanghai"))
    assert result.returncode == 0, result.stderr.decode()
    lines = log.read_text(encoding="utf-8").splitlines()
    assert lines and all(re.match(rf"{STAMP} (INFO|WARNING|ERROR) ", line) for line in lines), lines
    assert all(line[19:25] == "+08:00" for line in lines)
    assert all(re.match(rf"{STAMP} ", line) for line in result.stdout.decode().splitlines())


@pytest.mark.parametrize(
    ("args", "logged"),
    [
        (["--config", "{tmp}/reporter.toml"], "ERROR 运行未能开始或被拒绝：配置项 limits.max_rows 应为正整数（例如 5000），现为 0.5。"),
        (["--as-of", "明天"], "ERROR 运行未能开始或被拒绝：--as-of 的日期“明天”无法识别，请写成 2023-12-20 的形式。"),
        (["--jobs", "0"], "ERROR 运行未能开始：选项 -j/--jobs 的值无效，应为不小于 1 的整数。"),
        (["--bogus"], "ERROR 运行未能开始：reporter build 没有选项 --bogus。是不是要用 --jobs？"),
        (["--roster", "{tmp}/无.csv"], "ERROR 运行未能开始或被拒绝：找不到名单文件：{tmp}/无.csv"),
    ],
    ids=["bad-config", "bad-date", "bad-option-value", "unknown-option", "missing-roster"],
)
def test_a_refused_run_is_written_to_the_log_file_with_a_timestamp(tmp_path, inbox, args, logged):
    (tmp_path / "reporter.toml").write_text("[limits]\nmax_rows = 0.5\n", encoding="utf-8")
    log = tmp_path / "logs" / "build.log"  # its folder is made for the log line too
    args = [a.format(tmp=tmp_path) for a in args]
    result = reporter("build", inbox, "-o", tmp_path / "out", "--log-file", log, *args)
    assert result.returncode == 2
    assert result.stderr.decode().startswith("错误：")
    lines = log.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 and re.fullmatch(rf"{STAMP} {re.escape(logged.format(tmp=tmp_path))}", lines[0]), lines


# ------------------------------------------------------------------ a closed stdout (issue 19 item 6)

def test_a_closed_stdout_does_not_stop_the_run(tmp_path, inbox):
    out = tmp_path / "out"
    read_end, write_end = os.pipe()
    os.close(read_end)  # like `| head -1` that has already exited: the first write gets EPIPE
    try:
        proc = subprocess.run([sys.executable, "-m", "reporter", "build", str(inbox), "-o", str(out)],
                              stdout=write_end, stderr=subprocess.PIPE, env=env())
    finally:
        os.close(write_end)
    stderr = proc.stderr.decode()
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr and "Broken pipe" not in stderr and "Exception ignored" not in stderr
    assert stderr.count("标准输出已关闭") == 1, stderr
    assert report(out)["totals"]["ok"] == 2
    assert (out / "summary" / "汇总表.xlsx").is_file()


def test_a_closed_stdout_with_a_failed_workbook_keeps_exit_1(tmp_path, inbox):
    write_workbook(inbox / "丙.xlsx", standard_sheets(problems=[]))  # no problem rows: fails
    out = tmp_path / "out"
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run([sys.executable, "-m", "reporter", "build", str(inbox), "-o", str(out), "--quiet"],
                              stdout=write_end, stderr=subprocess.PIPE, env=env())
    finally:
        os.close(write_end)
    assert proc.returncode == 1, proc.stderr.decode()
    assert report(out)["totals"]["failed"] == 1


# ------------------------------------------------------------------ non-UTF-8 locales (issue 19 item 8)

def _locale(tmp_path_factory, name: str, charmap: str) -> dict[str, str]:
    if shutil.which("localedef") is None:
        pytest.skip("localedef is not installed (glibc's locale tools are needed to build a GBK locale)")
    folder = tmp_path_factory.mktemp("locales")
    made = subprocess.run(["localedef", "-i", "zh_CN", "-f", charmap, str(folder / name)], capture_output=True)
    variables = env(LOCPATH=str(folder), LC_ALL=name, LANG=name)
    probe = subprocess.run([sys.executable, "-c", "import sys; print(sys.stdout.encoding)"],
                           capture_output=True, text=True, env=variables)
    if made.returncode not in (0, 1) or probe.stdout.strip().lower() != charmap.lower():
        pytest.skip(f"could not build the zh_CN.{charmap} locale here (no zh_CN source or {charmap} charmap)")
    return variables


@pytest.fixture(scope="module")
def gbk(tmp_path_factory) -> dict[str, str]:
    return _locale(tmp_path_factory, "zh_CN.GBK", "GBK")


def test_gbk_locale_with_an_emoji_in_a_cell(tmp_path, gbk):
    folder = tmp_path / "in"
    folder.mkdir()
    problems = [("学习😀", *PROBLEMS[0][1:]), *PROBLEMS[1:]]  # quoted back in a warning
    write_workbook(folder / "甲.xlsx", standard_sheets(problems=problems))
    out = tmp_path / "out"
    result = reporter("build", folder, "-o", out, "--log-file", tmp_path / "build.log", env=gbk)
    stdout, stderr = result.stdout.decode("gbk"), result.stderr.decode("gbk", "replace")
    assert result.returncode == 0, stderr
    assert "Traceback" not in stderr
    line = message_line(message("W301", sheet="存在的问题", cell="B2", value="学习😀", allowed="、".join(Config().categories)))
    assert line.replace("😀", "?") in stdout  # replaced on the screen …
    assert line in (tmp_path / "build.log").read_text(encoding="utf-8")  # … kept in the log
    assert report(out)["totals"]["warning"] == 1


@pytest.mark.parametrize("charmap", ["GBK", "GB18030"])
def test_non_utf8_locale_with_a_utf8_path_argument(tmp_path, tmp_path_factory, charmap):
    variables = _locale(tmp_path_factory, f"zh_CN.{charmap}", charmap)
    folder = tmp_path / "工作簿"  # its UTF-8 bytes are not valid GBK/GB18030: surrogates in sys.argv
    folder.mkdir()
    write_workbook(folder / "甲.xlsx", standard_sheets())
    out = tmp_path / "out"
    result = reporter("build", folder, "-o", out, env=variables)
    stderr = result.stderr.decode(charmap, "replace")
    assert result.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert result.stdout.decode(charmap).count("\n") >= 3  # start, the workbook, the end
    entry = report(out)["workbooks"][0]
    assert entry["status"] == "ok" and [m for m in entry["messages"] if m["level"] != "review"] == []  # a UTF-8 file name is not "not UTF-8" (W405)
    assert entry["source"] == "甲.xlsx"
    assert len(list((out / "docs").glob("*.docx"))) == 1  # named in the locale's encoding


def test_gbk_locale_with_an_emoji_in_the_branch_name(tmp_path, gbk):
    """The emoji cannot be part of a file name in GBK: it becomes "_" there,
    while the document and the report keep the name as written."""
    folder = tmp_path / "in"
    folder.mkdir()
    write_workbook(folder / "a.xlsx", standard_sheets(info={"支部名称": "第一😀党支部"}))
    out = tmp_path / "out"
    result = reporter("build", folder, "-o", out, env=gbk)
    stderr = result.stderr.decode("gbk", "replace")
    assert result.returncode == 0, stderr
    assert "Traceback" not in stderr
    entry = report(out)["workbooks"][0]
    assert entry["branch"] == "第一😀党支部" and entry["document"] == "docs/第一_党支部.docx"
    assert [n.decode("gbk") for n in os.listdir(os.fsencode(out / "docs"))] == ["第一_党支部.docx"]  # GBK bytes on disk


# ------------------------------------------------------------------ --allow-empty (issue 19 item 2, the option)

def test_allow_empty_reaches_the_build(tmp_path, inbox):
    out = tmp_path / "out"
    assert reporter("build", inbox, "-o", out).returncode == 0
    for workbook in inbox.iterdir():
        workbook.unlink()
    refused = reporter("build", inbox, "-o", out)
    assert refused.returncode == 2 and "--allow-empty" in refused.stderr.decode()
    assert len(list((out / "docs").glob("*.docx"))) == 2  # nothing removed
    allowed = reporter("build", inbox, "-o", out, "--allow-empty")
    assert allowed.returncode == 0, allowed.stderr.decode()
    assert report(out)["totals"]["workbooks"] == 0
