"""reporter.program: a plainly written `reporter build` line is read without Typer and Click, exactly as
Click would read it; every other line goes to reporter.cli."""

from __future__ import annotations

import subprocess
import sys

import pytest
import typer
from typer.testing import CliRunner

from reporter import program
from reporter.cli import app


def build_params():
    return typer.main.get_command(app).commands["build"].params


def test_the_quick_reader_knows_exactly_the_build_commands_options():
    values, flags, arguments, defaults = {}, {}, [], {}
    for param in build_params():
        defaults[param.name] = param.default
        if param.param_type_name == "argument":
            arguments.append(param.name)
            continue
        for name in (*param.opts, *param.secondary_opts):
            (flags if param.is_flag else values)[name] = param.name
    assert values == program.VALUE_OPTIONS
    assert flags == program.FLAG_OPTIONS
    assert arguments == ["input_dir"]
    assert defaults == program.BUILD_DEFAULTS


PLAIN = [
    ["build"],
    ["build", "in", "-o", "out", "--as-of", "2024-06-30", "--quiet"],
    ["build", "-q", "--output=out", "in", "--jobs", "2", "--force", "--strict", "--pdf", "--no-review"],
    ["build", "--as-of=2024-06-30", "-j", "12", "--roster", "名单.xlsx", "--config", "", "--log-file", "l.log"],
    ["build", "--allow-empty", "--quiet", "--quiet", "输入 文件夹", "-o", ""],
    ["build", "--as-of", "明天", "-o", "out"],  # a bad date: the build says so, both ways the same
]


@pytest.mark.parametrize("argv", PLAIN, ids=lambda a: " ".join(a) or "-")
def test_a_plain_line_is_read_as_click_reads_it(argv, monkeypatch):
    seen = []
    monkeypatch.setattr(program, "build", lambda **params: seen.append(params) or 0)
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 0, result.output
    assert program.quick_build(argv) == seen[0]


OTHER = [
    [], ["--help"], ["-V"], ["validate", "in"], ["history"],
    ["build", "-h"], ["build", "--help"], ["build", "--version"],
    ["build", "a", "b"],  # two inputs
    ["build", "-o"], ["build", "-o", "--quiet"], ["build", "--as-of", "-1"],  # no value, or one like an option
    ["build", "-qj2"], ["build", "-j2"], ["build", "-oout"],  # written together
    ["build", "-j", "0"], ["build", "--jobs", "x"], ["build", "-j", "٣"], ["build", "--jobs=+2"],
    ["build", "-o", "a", "-o", "b"], ["build", "--output=a", "-o", "b"],  # twice
    ["build", "--force=yes"], ["build", "--bogus"], ["build", "--", "in"], ["build", "-"],
]


@pytest.mark.parametrize("argv", OTHER, ids=lambda a: " ".join(a) or "-")
def test_every_other_line_goes_to_click(argv):
    assert program.quick_build(argv) is None


def test_usage_errors_read_quickly_are_said_as_click_would(tmp_path, capsys):
    from reporter.cli import main as with_click

    for argv in (["build", str(tmp_path / "nowhere"), "-o", str(tmp_path / "out")],
                 ["build", str(tmp_path), "-o", ""],
                 ["build", str(tmp_path), "-o", str(tmp_path / "o"), "--as-of", "2024-13-45"]):
        assert program.quick_build(argv) is not None
        with pytest.raises(SystemExit) as stop:
            with_click(argv)
        slow = capsys.readouterr()
        assert program.main(argv) == stop.value.code == 2
        quick = capsys.readouterr()
        assert quick.err == slow.err and quick.err.startswith("错误：") and quick.out == slow.out


def test_the_program_reads_a_nightly_line_without_typer(tmp_path):
    from helpers import standard_bytes

    inp = tmp_path / "in"
    inp.mkdir()
    (inp / "a.xlsx").write_bytes(standard_bytes(info={"支部名称": "甲党支部"}))
    code = ("import sys\nfrom reporter.program import main\ncode = main(sys.argv[1:])\n"
            "print('LOADED', [m for m in ('typer', 'click') if m in sys.modules], code)")

    def loaded(*argv: str) -> list[str]:
        done = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True)
        modules, status = done.stdout.rsplit("LOADED ", 1)[1].rsplit(" ", 1)
        assert status.strip() == "0", done.stderr
        return eval(modules)

    assert loaded("build", str(inp), "-o", str(tmp_path / "out"), "--quiet") == []
    assert "typer" in loaded("build", str(inp), "-o", str(tmp_path / "out"), "-qj1")  # written together: Click


def test_installations_made_before_keep_their_entry_point():
    """A `reporter` script installed earlier imports run from reporter.cli (editable installs keep it)."""
    from reporter import cli

    assert cli.run is program.run
