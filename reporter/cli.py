"""The command line: options in, one library call, output and exit status out.

Heavy libraries (openpyxl, python-calamine, lxml, matplotlib, numpy) are imported
inside the commands, so ``reporter --help`` stays fast.  Help pages and
usage errors are written in Chinese by :mod:`reporter._zh`; :func:`main`
runs the commands and turns every usage error into a Chinese message and
exit status 2.  The program's entry point is :func:`reporter.program.run`:
a plainly written ``reporter build`` line (the nightly cron job) is read
there without this module, everything else comes here.

No ``from __future__ import annotations`` here: Typer would then evaluate every
option's annotation from its text at each start (a few milliseconds).
"""

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import __version__, _zh, program
from .errors import ReporterError, UsageError
from .program import config_at as _config
from .program import path_arg as _path

app = typer.Typer(
    name="reporter",
    cls=_zh.ZhGroup,
    help="把各党支部填写的标准 Excel 工作簿，批量生成为公文格式的《对照检查材料》和汇总材料。",
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

# Paths are taken as text and checked here: an empty one ("" from an unset
# variable in a cron line) would otherwise silently mean the current folder.
ConfigOpt = Annotated[
    Optional[str],
    typer.Option("--config", metavar="文件", show_default=False,
                 help="配置文件（TOML）；默认读取当前目录下的 reporter.toml（如有）。"),
]
StrictOpt = Annotated[bool, typer.Option("--strict", help="严格模式：有警告的工作簿也按未通过处理。")]
INPUT_HELP = "存放各支部工作簿的文件夹（含子文件夹）。"
NoReviewOpt = Annotated[bool, typer.Option(
    "--no-review", help="跳过审核意见（内容雷同、问题笼统、措施不具体等 R6xx 提示）。")]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"reporter {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", "-V", callback=_version, is_eager=True, help="显示版本号并退出。")
    ] = False,
) -> None:
    """把各党支部填写的标准 Excel 工作簿，批量生成为公文格式的《对照检查材料》和汇总材料。"""


def _fail(exc: ReporterError, log_file: str | None = None) -> typer.Exit:
    """Say why the command stopped (stderr, and the log file of a build)."""
    return typer.Exit(program.say_failure(exc, log_file))


@app.command(cls=_zh.ZhCommand)
def build(
    input_dir: Annotated[str, typer.Argument(metavar="输入文件夹", help=INPUT_HELP)] = "sample_workbooks",
    output_dir: Annotated[str, typer.Option("-o", "--output", metavar="文件夹", help="输出文件夹。")] = "output",
    jobs: Annotated[Optional[int], typer.Option("--jobs", "-j", min=1, metavar="N", show_default=False,
                                                help="并行进程数，默认为 CPU 核数。")] = None,
    force: Annotated[bool, typer.Option("--force", help="全部重新生成，不跳过未变化的工作簿。")] = False,
    as_of: Annotated[Optional[str], typer.Option("--as-of", metavar="日期", show_default=False,
                                                 help="以此日期判断整改是否逾期（默认今天），如 2024-03-31。")] = None,
    roster: Annotated[Optional[str], typer.Option("--roster", metavar="文件", show_default=False,
                                                  help="应提交支部名单（.xlsx 或 .csv，含“支部名称”列）。")] = None,
    config: ConfigOpt = None,
    strict: StrictOpt = False,
    pdf: Annotated[bool, typer.Option("--pdf", help="同时用 LibreOffice 转换为 PDF。")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="只显示未通过的文件和最后一行结果。")] = False,
    log_file: Annotated[Optional[str], typer.Option("--log-file", metavar="文件", show_default=False,
                                                    help="把运行日志追加到此文件（带时间和时区）。")] = None,
    allow_empty: Annotated[bool, typer.Option(
        "--allow-empty", help="输入文件夹本来就是空的：上次有工作簿、这次一个也没有时照常运行（会删除上次生成的材料）。")] = False,
    no_review: NoReviewOpt = False,
) -> None:
    """批量生成：每个支部一份对照检查材料，外加汇总表、汇总报告和运行报告 run-report.json。

    退出码：0 全部生成；1 有工作簿未通过；2 无法开始运行或被拒绝（选项、路径或配置有误，输出文件夹正被占用，没有找到工作簿）；3 各支部材料已处理，但 PDF 或汇总材料未能生成；130 / 143 被 Ctrl-C / SIGTERM 中止。
    """
    raise typer.Exit(program.build(
        input_dir=input_dir, output_dir=output_dir, jobs=jobs, force=force, as_of=as_of, roster=roster, config=config,
        strict=strict, pdf=pdf, quiet=quiet, log_file=log_file, allow_empty=allow_empty, no_review=no_review))


@app.command(cls=_zh.ZhCommand)
def validate(
    input_dir: Annotated[str, typer.Argument(metavar="输入", help="存放各支部工作簿的文件夹，或单个工作簿")] = "sample_workbooks",
    config: ConfigOpt = None,
    strict: StrictOpt = False,
    json_out: Annotated[bool, typer.Option("--json", help="以 JSON 输出检查结果（便于脚本处理）。")] = False,
    no_review: NoReviewOpt = False,
) -> None:
    """只检查工作簿，不生成文件：逐个列出问题所在的工作表和单元格。

    退出码：0 全部通过（可有警告）；1 有工作簿未通过；2 无法开始运行。
    """
    try:
        from .validate import run_validate

        validation = run_validate(_path(input_dir, "参数“输入”"), _config(config), strict=strict,
                                  review=not no_review)
    except ReporterError as exc:
        raise _fail(exc) from None
    from .console import print_json, print_validation
    from .validate import review_lines, validation_json

    if json_out:
        print_json(validation_json(validation))
    else:
        for line in review_lines(validation):  # before the table: its totals line stays the last line
            typer.echo(line)
        print_validation(validation.results, validation.ignored, validation.totals)
    raise typer.Exit(validation.exit_code)


@app.command(cls=_zh.ZhCommand)
def render(
    workbook: Annotated[str, typer.Argument(metavar="工作簿", help="一个支部的工作簿（.xlsx 等）。")],
    output: Annotated[Optional[str], typer.Option("-o", "--output", metavar="文件", show_default=False,
                                                  help="输出的 .docx 文件，默认与工作簿同名。")] = None,
    config: ConfigOpt = None,
    reference_doc: Annotated[Optional[str], typer.Option(
        "--reference-doc", metavar="文件", show_default=False,
        help="用此 .docx（本单位红头模板）的页眉、首页页眉和标志；公文格式（样式、页码、页边距）保持不变。")] = None,
    pdf: Annotated[bool, typer.Option("--pdf", help="同时用 LibreOffice 转换为 PDF。")] = False,
) -> None:
    """把一个工作簿生成为一份对照检查材料（.docx）。"""
    try:
        if workbook is None:  # Typer 0.16 with Click ≥ 8.2 lets a missing required argument through
            raise UsageError("缺少参数“工作簿”：一个支部的工作簿（.xlsx 等）。\n运行 reporter render -h 查看用法。")
        from .render import run_render

        done = run_render(_path(workbook, "参数“工作簿”"), _path(output, "-o/--output 后面的路径"), _config(config),
                          reference_doc=_path(reference_doc, "--reference-doc 后面的路径"), pdf=pdf)
    except ReporterError as exc:
        raise _fail(exc) from None
    from .console import print_findings

    for note in done.notes:  # what the letterhead would have changed
        typer.echo(f"警告：{note}", err=True)
    print_findings(done.messages)
    for line in (done.problem, done.document and f"已生成：{done.document}"):
        if line:
            typer.echo(line)
    if done.pdf_problem:
        typer.echo(done.pdf_problem, err=True)
    if done.pdf:
        typer.echo(f"已生成：{done.pdf}")
    raise typer.Exit(done.exit_status)


@app.command(cls=_zh.ZhCommand)
def template(
    path: Annotated[str, typer.Argument(
        metavar="路径", help="要写出的空白工作簿路径；配合 --roster 时为文件夹。")] = "对照检查材料填报模板.xlsx",
    config: ConfigOpt = None,
    roster: Annotated[Optional[str], typer.Option("--roster", metavar="文件", show_default=False,
                                                  help="按名单为每个支部各写一份预填了支部名称的工作簿。")] = None,
    force: Annotated[bool, typer.Option("--force", help="覆盖已存在的工作簿（默认不覆盖，以免丢失已填写的内容）。")] = False,
) -> None:
    """写出标准工作簿（填写说明、基本信息、存在的问题、原因剖析、整改措施）供各支部填写。"""
    try:
        from .template import run_template

        result = run_template(_path(path, "参数“路径”"), _config(config),
                              roster=_path(roster, "--roster 后面的路径"), force=force)
    except ReporterError as exc:
        raise _fail(exc) from None
    for line in result.lines():
        typer.echo(line)


@app.command("import", cls=_zh.ZhCommand)
def import_(
    sources: Annotated[Optional[list[str]], typer.Argument(
        metavar="文档...", show_default=False,
        help="要导入的文档或文件夹：.docx、.doc、.wps、.rtf、.odt、.txt、.md（.doc 等需要 LibreOffice）。")] = None,
    output_dir: Annotated[str, typer.Option("-o", "--output", metavar="文件夹",
                                            help="工作簿的输出文件夹，默认为当前文件夹。")] = ".",
    config: ConfigOpt = None,
    force: Annotated[bool, typer.Option("--force", help="覆盖已存在的工作簿（默认不覆盖，以免丢失已填写的内容）。")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="以 JSON 输出导入结果（便于脚本处理）。")] = False,
) -> None:
    """把用 Word、WPS 或文本写成的对照检查材料导入为标准工作簿（每份文档一个，名为“支部名称.xlsx”）。

    退出码：0 全部导入（可有提示）；1 有文档未能导入；2 无法开始运行。
    """
    try:
        from .importer import run_import

        paths = [_path(s, "参数“文档”") for s in sources or []]
        result = run_import(paths, _path(output_dir, "-o/--output 后面的路径"), _config(config), force=force)
    except ReporterError as exc:
        raise _fail(exc) from None
    from .console import print_json

    if json_out:
        print_json(result.to_json())
    else:
        for line in result.lines():
            typer.echo(line)
    raise typer.Exit(result.exit_code)


@app.command(cls=_zh.ZhCommand)
def history(
    output_dir: Annotated[str, typer.Argument(metavar="输出文件夹", help="reporter build 的输出文件夹。")] = "output",
    branch: Annotated[Optional[str], typer.Option("--branch", metavar="支部名称", show_default=False,
                                                  help="只看该支部：提交的各版本和每项整改措施完成情况的变化。")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="以 JSON 输出（便于脚本处理）。")] = False,
) -> None:
    """查看历次运行的记录（输出文件夹中的 reporter.sqlite）。

    退出码：0 成功；2 没有历史数据库或无法读取。
    """
    try:
        from .history import history_json

        data = history_json(_path(output_dir, "参数“输出文件夹”"), branch)
    except ReporterError as exc:
        raise _fail(exc) from None
    from .history import print_history

    print_history(data, json_out)


def _log_file(args: list[str]) -> str | None:
    """``--log-file`` as typed, for a command line that could not be parsed."""
    for i, arg in enumerate(args):
        if arg == "--log-file" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--log-file="):
            return arg.split("=", 1)[1]
    return None


def main(argv: list[str] | None = None) -> None:
    """Run the command line; exits with the command's status (2 for every usage error)."""
    program.tolerant_streams()
    args = sys.argv[1:] if argv is None else list(argv)
    command = typer.main.get_command(app)
    if not args:
        args = ["--help"]
    try:
        code = command.main(args, prog_name="reporter", standalone_mode=False)
    except Exception as exc:  # noqa: BLE001 - only Click's usage errors and Abort are handled here
        if _zh.is_abort(exc):
            typer.echo("已中止。", err=True)
            sys.exit(130)
        message = _zh.usage_message(exc, args, command)
        if message is None:
            raise
        typer.echo(f"错误：{message}", err=True)
        log_file = _log_file(args)
        if log_file and log_file.strip():
            from .runlog import append_line

            append_line(Path(log_file), "ERROR", f"运行未能开始：{message.splitlines()[0]}")
        sys.exit(2)
    sys.exit(code or 0)


# The entry point of installations made before reporter.program (their `reporter` script imports it from here).
run = program.run

if __name__ == "__main__":  # pragma: no cover
    run()
