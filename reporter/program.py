"""The ``reporter`` program: the process's entry point and the body of ``reporter build``.

The nightly cron line is ``reporter build`` with plain options.  It is read
here directly (:func:`quick_build`), without loading Typer and Click — about
20 ms of an unchanged night's 0.2 s.  Everything else — the other commands,
help, short options written together (``-qj2``), an option given twice, a
value that looks like an option, anything this reader does not know — goes
to :mod:`reporter.cli`, which defines the command line and says every usage
error in Chinese; a test keeps the two tables of options equal.
"""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path

from .errors import ReporterError, UsageError

# The build command's options: long and short names → parameter (as in reporter.cli.build).
VALUE_OPTIONS = {"-o": "output_dir", "--output": "output_dir", "-j": "jobs", "--jobs": "jobs",
                 "--as-of": "as_of", "--roster": "roster", "--config": "config", "--log-file": "log_file"}
FLAG_OPTIONS = {"--force": "force", "--strict": "strict", "--pdf": "pdf", "-q": "quiet", "--quiet": "quiet",
                "--allow-empty": "allow_empty", "--no-review": "no_review"}
BUILD_DEFAULTS = {"input_dir": "sample_workbooks", "output_dir": "output", "jobs": None, "force": False,
                  "as_of": None, "roster": None, "config": None, "strict": False, "pdf": False, "quiet": False,
                  "log_file": None, "allow_empty": False, "no_review": False}


def quick_build(args: list[str]) -> dict | None:
    """The parameters of ``reporter build ARGS…`` when they are plainly written; else None (Click reads them)."""
    if not args or args[0] != "build":
        return None
    given: dict = {}
    rest = iter(args[1:])
    for arg in rest:
        name, eq, value = arg.partition("=") if arg.startswith("--") else (arg, "", None)
        if name in FLAG_OPTIONS and not eq:
            key, value = FLAG_OPTIONS[name], True
        elif name in VALUE_OPTIONS:
            key = VALUE_OPTIONS[name]
            if not eq:
                value = next(rest, None)
                if value is None or value.startswith("-"):
                    return None
        elif not arg.startswith("-"):
            key, value = "input_dir", arg
        else:
            return None
        if key in given and value is not True:  # a value given twice (a flag twice is still the flag)
            return None
        given[key] = value
    jobs = given.get("jobs")
    if jobs is not None:
        if not (jobs.isascii() and jobs.isdigit() and int(jobs) >= 1):
            return None
        given["jobs"] = int(jobs)
    return {**BUILD_DEFAULTS, **given}


def path_arg(value: str | None, what: str) -> Path | None:
    """A path from the command line; an empty one is a usage error (it would mean the current folder)."""
    if value is None:
        return None
    if not value.strip():
        raise UsageError(f"{what}是空的（命令行里的变量可能没有设置），请写明路径。")
    return Path(value)


def parse_as_of(value: str | None) -> date | None:
    if value is None:
        return None
    from .text import parse_date

    d = parse_date(value)
    if d is None:
        raise UsageError(f"--as-of 的日期“{value}”无法识别，请写成 2023-12-20 的形式。")
    return d


def config_at(path: str | None):
    from .config import load_config

    return load_config(path_arg(path, "--config 后面的路径"))


def say_failure(exc: ReporterError, log_file: str | None = None) -> int:
    """Say why the command stopped (stderr, and the log file of a build); its exit status."""
    print(f"错误：{exc}", file=sys.stderr, flush=True)
    if log_file and log_file.strip() and not exc.logged:
        from .runlog import append_line

        append_line(Path(log_file), "ERROR", f"运行未能开始或被拒绝：{exc}")
    return exc.exit_code


def build(input_dir: str, output_dir: str, jobs: int | None, force: bool, as_of: str | None, roster: str | None,
          config: str | None, strict: bool, pdf: bool, quiet: bool, log_file: str | None, allow_empty: bool,
          no_review: bool) -> int:
    """``reporter build`` once its options are read: the run, and its exit status."""
    try:
        paths = dict(
            input_dir=path_arg(input_dir, "参数“输入文件夹”"),
            output_dir=path_arg(output_dir, "-o/--output 后面的路径"),
            roster=path_arg(roster, "--roster 后面的路径"),
            log_file=path_arg(log_file, "--log-file 后面的路径"),
        )
        if paths["log_file"] is not None:  # a log file that cannot be opened refuses the run before it starts
            from .runlog import open_log

            open_log(paths["log_file"]).close()
        day = parse_as_of(as_of) or date.today()
        settings = config_at(config)
        from .build import BuildOptions, run_build

        result = run_build(BuildOptions(config=settings, jobs=jobs, force=force, as_of=day, strict=strict,
                                        pdf=pdf, quiet=quiet, allow_empty=allow_empty, review=not no_review,
                                        **paths))
    except ReporterError as exc:
        return say_failure(exc, log_file)
    return result.exit_status


def tolerant_streams() -> None:
    """Text the locale cannot encode (an emoji under GBK, a UTF-8 path under GB18030) is replaced, never fatal."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="replace")
        except (AttributeError, ValueError):  # not a text file (tests), or closed
            pass


def main(argv: list[str] | None = None) -> int:
    """Run the command line; its exit status (2 for every usage error)."""
    args = sys.argv[1:] if argv is None else list(argv)
    plain = quick_build(args)
    if plain is None:
        from .cli import main as with_click

        try:
            with_click(args)
        except SystemExit as exc:
            return exc.code
        return 0
    tolerant_streams()
    try:
        return build(**plain)
    except KeyboardInterrupt:  # before the run's own handlers are in place
        print("\n已中止。", file=sys.stderr)
        return 130


def run() -> None:
    """The ``reporter`` program: :func:`main`, then the process ends at once.  Every file is
    written and closed by then (the run log, the databases, the outputs); what is left is the
    interpreter tearing down what a build loaded (matplotlib, numpy …), about 0.2 s of a nightly
    job for nothing.  A fault of ours (a traceback) still ends the normal way."""
    code = main()
    if isinstance(code, str):
        print(code, file=sys.stderr)
        code = 1
    if "logging" in sys.modules:  # a library used it (the unchanged path never imports it)
        sys.modules["logging"].shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can be said
            pass
    os._exit(code or 0)
