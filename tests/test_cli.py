"""The command line reads well to a Chinese user and reports its version."""

import re
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from reporter import __version__
from reporter.cli import app, main

runner = CliRunner()
COMMANDS = ["build", "validate", "render", "template", "import", "history"]
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"reporter {__version__}"


def test_top_level_help_lists_every_command_in_chinese():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "用法" in result.output and "显示本帮助并退出" in result.output
    for name in COMMANDS:
        line = next(l for l in result.output.splitlines() if l.strip().startswith(name))
        assert CJK.search(line), f"command {name} has no Chinese summary: {line!r}"


@pytest.mark.parametrize("name", COMMANDS)
def test_every_option_of_every_command_is_explained_in_chinese(name):
    result = runner.invoke(app, [name, "--help"])
    assert result.exit_code == 0
    command = next(c for c in app.registered_commands if (c.name or c.callback.__name__) == name)
    assert command.callback.__doc__ and CJK.search(command.callback.__doc__)
    options = [l for l in result.output.splitlines() if l.strip().startswith("-")]
    assert options
    for line in options:
        assert CJK.search(line), f"{name}: option without Chinese help: {line!r}"


def test_bad_as_of_date_is_a_usage_error(tmp_path):
    result = runner.invoke(app, ["build", str(tmp_path), "-o", str(tmp_path / "out"), "--as-of", "明天"])
    assert result.exit_code == 2
    assert "--as-of" in result.output and "2023-12-20" in result.output


def test_python_dash_m_entry_point():
    out = subprocess.run([sys.executable, "-m", "reporter", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and __version__ in out.stdout


def test_the_program_ends_at_once_with_everything_said(tmp_path):
    """`python -m reporter` skips the interpreter's teardown (program.run): every line still reaches the
    pipe and the run log, and the exit status is the command's."""
    import json

    from helpers import standard_bytes

    inp, out, log = tmp_path / "in", tmp_path / "out", tmp_path / "run.log"
    inp.mkdir()
    for i in range(3):
        (inp / f"{i}.xlsx").write_bytes(standard_bytes(info={"支部名称": f"第{i}党支部"}))
    (inp / "bad.xlsx").write_bytes(b"not a workbook")
    built = subprocess.run([sys.executable, "-m", "reporter", "build", str(inp), "-o", str(out), "--log-file", str(log)],
                           capture_output=True, text=True)
    assert built.returncode == 1  # a failed workbook
    assert "完成：共 4 个工作簿" in built.stdout + built.stderr and "完成：共 4 个工作簿" in log.read_text(encoding="utf-8")
    shown = subprocess.run([sys.executable, "-m", "reporter", "history", str(out), "--json"], capture_output=True,
                           text=True)
    assert shown.returncode == 0 and len(json.loads(shown.stdout)["runs"]) == 1  # the whole JSON, flushed
    usage = subprocess.run([sys.executable, "-m", "reporter", "build", str(tmp_path / "nowhere")], capture_output=True,
                           text=True)
    assert usage.returncode == 2 and "找不到输入文件夹" in usage.stderr


# ------------------------------------------------------------------ usage errors in Chinese (issue 12 item 14)
#
# main() runs the Click command with standalone_mode=False and words every
# usage error itself, from the exceptions' public attributes.  These tests run
# against the installed Typer; the same file was run against Typer 0.16.0
# (with click 8.1.8 and with click 8.4.0) in temporary virtual environments,
# see the closing note of the change.

ENGLISH = re.compile(r"Error|Usage|Try |Missing|No such|Invalid|Got unexpected|option|argument|Aborted")


def run_main(capsys, *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(list(argv))
    out, err = capsys.readouterr()
    return info.value.code, out, err


def test_typer_is_within_the_tested_range():
    import typer

    major, minor = (int(x) for x in typer.__version__.split(".")[:2])
    assert (0, 16) <= (major, minor) < (0, 29), f"Typer {typer.__version__} is outside the pinned, tested range"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["build", "--bogus"], "错误：reporter build 没有选项 --bogus。是不是要用 --jobs？\n运行 reporter build -h 查看用法。\n"),
        (["build", "--outptu", "x"], "错误：reporter build 没有选项 --outptu。是不是要用 --output？\n运行 reporter build -h 查看用法。\n"),
        (["--bogus"], "错误：reporter 没有选项 --bogus。\n运行 reporter -h 查看用法。\n"),
        (["render"], "错误：缺少参数“工作簿”：一个支部的工作簿（.xlsx 等）。\n运行 reporter render -h 查看用法。\n"),
        (["build", "--jobs"], "错误：选项 --jobs 后面缺少值。\n运行 reporter build -h 查看用法。\n"),
        (["build", "--jobs", "abc"], "错误：选项 -j/--jobs 的值无效，应为不小于 1 的整数。\n运行 reporter build -h 查看用法。\n"),
        (["build", "-j", "0"], "错误：选项 -j/--jobs 的值无效，应为不小于 1 的整数。\n运行 reporter build -h 查看用法。\n"),
        (["build", "--force=1"], "错误：选项 --force 后面不能带值。\n运行 reporter build -h 查看用法。\n"),
        (["build", "a", "b (2)", "c"], "错误：多余的参数：b (2) c（路径中有空格时请加引号）。\n运行 reporter build -h 查看用法。\n"),
        (["bogus"], f"错误：没有命令 bogus。可用的命令：{'、'.join(COMMANDS)}。\n运行 reporter -h 查看用法。\n"),
    ],
    ids=["no-such-option", "typo", "no-such-root-option", "missing-argument", "missing-value", "not-a-number",
         "out-of-range", "flag-with-value", "extra-arguments", "no-such-command"],
)
def test_usage_errors_are_chinese_with_exit_2(capsys, argv, message):
    code, out, err = run_main(capsys, *argv)
    assert (code, out, err) == (2, "", message)
    assert not ENGLISH.search(err)


@pytest.mark.parametrize("argv", [[], ["--help"], ["-h"], *([name, "--help"] for name in COMMANDS)])
def test_help_pages_are_chinese(capsys, argv):
    code, out, err = run_main(capsys, *argv)
    assert code == 0 and err == ""
    assert out.startswith(f"用法：reporter {argv[0] + ' ' if argv and argv[0] in COMMANDS else ''}[选项]")
    assert "选项：" in out and "显示本帮助并退出。" in out
    headings = [line for line in out.splitlines() if line and not line.startswith(" ")]
    assert all(CJK.match(h) for h in headings), headings
    assert not re.search(r"OPTIONS|COMMAND|ARGS|Usage|Options|Arguments|Commands|<\w+>|\[default", out)


def test_build_help_names_every_exit_status(capsys):
    _, out, _ = run_main(capsys, "build", "--help")
    statuses = re.search(r"退出码：(.*)", out).group(1)
    for code in ("0 ", "1 ", "2 ", "3 ", "130 / 143"):
        assert code in statuses
    assert "--allow-empty" in out


def test_validate_accepts_a_folder_or_one_workbook_in_its_help(capsys):
    _, out, _ = run_main(capsys, "validate", "--help")
    assert "存放各支部工作簿的文件夹，或单个工作簿" in out


# The libraries and our modules that only real work needs: `--help` and a build with nothing
# new must not import them (each costs tens of milliseconds; see README 性能).
HEAVY = ("pandas", "openpyxl", "docx", "matplotlib", "numpy", "rapidfuzz", "lxml", "python_calamine",
         "reporter.docx", "reporter.reader", "reporter.summary", "reporter.volume", "reporter.review.rules",
         "reporter.importer", "reporter.ooxml", "reporter.pdf", "concurrent.futures", "multiprocessing",
         "reporter.pipeline", "reporter.build.pool", "reporter.model", "reporter.schema", "ctypes", "pickle",
         "logging")


def heavy_modules_after(*argv: str) -> list[str]:
    """Run `reporter ARGV` in a fresh interpreter; the HEAVY modules it imported."""
    code = ("import sys\n"
            "from reporter.program import main\n"
            "main(sys.argv[1:])\n"
            f"print('HEAVY', [m for m in {HEAVY!r} if m in sys.modules], file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return eval(out.stderr.rsplit("HEAVY ", 1)[1])


def test_help_is_fast_and_imports_nothing_heavy():
    assert heavy_modules_after("--help") == []


def test_an_unchanged_build_imports_nothing_heavy(tmp_path):
    """The nightly run with nothing new: no worker, document, summary, review or volume machinery."""
    import json

    from helpers import standard_bytes

    inp, out = tmp_path / "in", tmp_path / "out"
    inp.mkdir()
    for i, name in enumerate(("甲党支部", "乙党支部")):
        (inp / f"{i}.xlsx").write_bytes(standard_bytes(info={"支部名称": name}))
    argv = ("build", str(inp), "-o", str(out), "--as-of", "2024-06-30", "--quiet")
    for _ in range(2):  # the second run's summary still has news (本期变化: the first run's workbooks)
        done = subprocess.run([sys.executable, "-m", "reporter", *argv], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    assert heavy_modules_after(*argv) == []
    report = json.loads((out / "run-report.json").read_text(encoding="utf-8"))
    assert report["totals"]["unchanged"] == 2 and report["completed"]


# ------------------------------------------------------------------ empty paths (issue 19 item 12)

EMPTY_PATHS = [
    (["build", ""], "参数“输入文件夹”"),
    (["build", "{tmp}", "-o", ""], "-o/--output 后面的路径"),
    (["build", "{tmp}", "-o", "{tmp}/out", "--config", ""], "--config 后面的路径"),
    (["build", "{tmp}", "-o", "{tmp}/out", "--roster", ""], "--roster 后面的路径"),
    (["build", "{tmp}", "-o", "{tmp}/out", "--log-file", ""], "--log-file 后面的路径"),
    (["validate", ""], "参数“输入”"),
    (["validate", "{tmp}", "--config", ""], "--config 后面的路径"),
    (["render", ""], "参数“工作簿”"),
    (["render", "{tmp}/a.xlsx", "-o", ""], "-o/--output 后面的路径"),
    (["render", "{tmp}/a.xlsx", "--reference-doc", ""], "--reference-doc 后面的路径"),
    (["template", ""], "参数“路径”"),
    (["template", "{tmp}/t.xlsx", "--roster", ""], "--roster 后面的路径"),
    (["template", "{tmp}/t.xlsx", "--config", " "], "--config 后面的路径"),
]


@pytest.mark.parametrize(("argv", "what"), EMPTY_PATHS, ids=[" ".join(a) for a, _ in EMPTY_PATHS])
def test_an_empty_path_is_a_usage_error(tmp_path, monkeypatch, capsys, argv, what):
    monkeypatch.chdir(tmp_path)  # an empty path must not mean this folder
    code, out, err = run_main(capsys, *(a.format(tmp=tmp_path) for a in argv))
    assert code == 2
    assert err == f"错误：{what}是空的（命令行里的变量可能没有设置），请写明路径。\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing written anywhere


# ------------------------------------------------------------------ labels: what every output shares (issue 13)

def test_one_finding_line_everywhere():
    from reporter.findings import message
    from reporter.labels import message_line

    located = message("W301", sheet="存在的问题", cell="B3", value="组织建设", allowed="理论学习、其他")
    assert message_line(located) == "存在的问题!B3  W301  方面“组织建设”不在规定的类别中；请从下拉列表中选择：理论学习、其他。"
    whole_file = message("E103")
    assert message_line(whole_file) == "-  E103  文件已加密，请取消密码后重新提交。"


def test_console_and_run_log_write_the_same_finding_line():
    from reporter.console import finding_line
    from reporter.findings import message
    from reporter.labels import message_line
    from reporter.runlog import Row, message_lines

    m = message("E110", variant="sheet", sheet="基本信息")
    assert finding_line(m) == f"错误  {message_line(m)}"
    assert message_lines(Row("a.xlsx", "failed", None, None, (m,))) == [f"  {message_line(m)}"]


def test_status_labels_and_tally():
    from reporter.console import totals_line
    from reporter.labels import STATUS, SUMMARY_STATUS, tally
    from reporter.runlog import final_line

    assert STATUS == {"ok": "通过", "warning": "有警告", "failed": "未通过", "unchanged": "未变化"}
    assert SUMMARY_STATUS["failed"] == "已提交但未通过" and SUMMARY_STATUS["missing"] == "未提交"
    assert tally({"ok": 2, "failed": 1}) == "通过 2，有警告 0，未通过 1"
    totals = {"workbooks": 4, "ok": 2, "warning": 1, "failed": 0, "unchanged": 1}
    assert totals_line(totals, 1) == "共 4 个工作簿：通过 2，有警告 1，未通过 0，未变化 1；另有 1 个非工作簿文件已忽略。"
    assert final_line(totals, 0, 1.25) == "完成：共 4 个工作簿，通过 2，有警告 1，未通过 0，未变化 1；用时 1.2 秒"


def test_one_escaper_for_names_and_paths():
    import os

    from reporter.labels import printable, shown_path

    assert printable("红色\x1b[31m.xlsx") == "红色\\x1b[31m.xlsx"
    assert printable("一\u2028二\x85") == "一\\x2028二\\x85"
    assert printable("正常的名字.xlsx") == "正常的名字.xlsx"
    gbk_name = os.fsdecode("乱码".encode("gbk") + b".xlsx")  # a name from another system's encoding
    assert shown_path(gbk_name) == "\\xc2\\xd2\\xc2\\xeb.xlsx"
    assert shown_path("子文件夹/换\n行.xlsx") == "子文件夹/换\\x0a行.xlsx"
