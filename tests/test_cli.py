"""The command line reads well to a Chinese user and reports its version."""

import re
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from reporter import __version__
from reporter.cli import app

runner = CliRunner()
COMMANDS = ["build", "validate", "render", "template"]
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
    command = next(c for c in app.registered_commands if c.callback.__name__ == name)
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
