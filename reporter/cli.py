"""The command line: options in, one library call, output and exit status out.

Heavy libraries (pandas, openpyxl, python-docx, matplotlib) are imported
inside the commands, so ``reporter --help`` stays fast.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import __version__, _zh
from .errors import ReporterError, UsageError

_zh.install()
_zh.install_typer()

app = typer.Typer(
    name="reporter",
    help="把各党支部填写的标准 Excel 工作簿，批量生成为公文格式的《对照检查材料》和汇总材料。",
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

ConfigOpt = Annotated[
    Optional[Path],
    typer.Option("--config", help="配置文件（TOML）；默认读取当前目录下的 reporter.toml（如有）。", show_default=False),
]
StrictOpt = Annotated[bool, typer.Option("--strict", help="严格模式：有警告的工作簿也按未通过处理。")]


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


def _parse_date(value: str | None) -> date | None:
    if value is None:
        return None
    from .text import parse_date

    d = parse_date(value)
    if d is None:
        raise UsageError(f"--as-of 的日期“{value}”无法识别，请写成 2023-12-20 的形式。")
    return d


def _config(path: Path | None):
    from .config import load_config

    return load_config(path)


def _fail(exc: ReporterError) -> typer.Exit:
    typer.echo(f"错误：{exc}", err=True)
    return typer.Exit(exc.exit_code)


@app.command()
def build(
    input_dir: Annotated[Path, typer.Argument(help="存放各支部工作簿的文件夹（含子文件夹）。")] = Path("sample_workbooks"),
    output_dir: Annotated[Path, typer.Option("-o", "--output", help="输出文件夹。")] = Path("output"),
    jobs: Annotated[Optional[int], typer.Option("--jobs", "-j", min=1, help="并行进程数，默认为 CPU 核数。", show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="全部重新生成，不跳过未变化的工作簿。")] = False,
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="以此日期判断整改是否逾期（默认今天），如 2024-03-31。", show_default=False)] = None,
    roster: Annotated[Optional[Path], typer.Option("--roster", help="应提交支部名单（.xlsx 或 .csv，含“支部名称”列）。", show_default=False)] = None,
    config: ConfigOpt = None,
    strict: StrictOpt = False,
    pdf: Annotated[bool, typer.Option("--pdf", help="同时用 LibreOffice 转换为 PDF。")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="只显示未通过的文件和最后一行结果。")] = False,
    log_file: Annotated[Optional[Path], typer.Option("--log-file", help="把运行日志另存到此文件。", show_default=False)] = None,
) -> None:
    """批量生成：每个支部一份对照检查材料，外加汇总表、汇总报告和运行报告 run-report.json。

    退出码：0 全部生成；1 有工作簿未通过；2 无法开始运行。
    """
    try:
        day = _parse_date(as_of) or date.today()
        settings = _config(config)
        from .batch import BuildOptions, run_build

        options = BuildOptions(
            input_dir=input_dir,
            output_dir=output_dir,
            config=settings,
            jobs=jobs,
            force=force,
            as_of=day,
            roster=roster,
            strict=strict,
            pdf=pdf,
            quiet=quiet,
            log_file=log_file,
        )
        code = run_build(options)
    except ReporterError as exc:
        raise _fail(exc) from None
    raise typer.Exit(code)


@app.command()
def validate(
    input_dir: Annotated[Path, typer.Argument(help="存放各支部工作簿的文件夹（含子文件夹）。")] = Path("sample_workbooks"),
    config: ConfigOpt = None,
    strict: StrictOpt = False,
    json_out: Annotated[bool, typer.Option("--json", help="以 JSON 输出检查结果（便于脚本处理）。")] = False,
) -> None:
    """只检查工作簿，不生成文件：逐个列出问题所在的工作表和单元格。

    退出码：0 全部通过（可有警告）；1 有工作簿未通过；2 无法开始运行。
    """
    try:
        from .validate import run_validate

        code = run_validate(input_dir, _config(config), strict=strict, as_json=json_out)
    except ReporterError as exc:
        raise _fail(exc) from None
    raise typer.Exit(code)


@app.command()
def render(
    workbook: Annotated[Path, typer.Argument(help="一个支部的工作簿（.xlsx 等）。")],
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="输出的 .docx 文件，默认与工作簿同名。", show_default=False)] = None,
    config: ConfigOpt = None,
    reference_doc: Annotated[Optional[Path], typer.Option("--reference-doc", help="用此 .docx 的样式、页面设置和页眉页脚（如本单位的红头模板）。", show_default=False)] = None,
    pdf: Annotated[bool, typer.Option("--pdf", help="同时用 LibreOffice 转换为 PDF。")] = False,
) -> None:
    """把一个工作簿生成为一份对照检查材料（.docx）。"""
    try:
        from .render import run_render

        code = run_render(workbook, output, _config(config), reference_doc=reference_doc, pdf=pdf)
    except ReporterError as exc:
        raise _fail(exc) from None
    raise typer.Exit(code)


@app.command()
def template(
    path: Annotated[Path, typer.Argument(help="要写出的空白工作簿路径；配合 --roster 时为文件夹。")] = Path("对照检查材料填报模板.xlsx"),
    config: ConfigOpt = None,
    roster: Annotated[Optional[Path], typer.Option("--roster", help="按名单为每个支部各写一份预填了支部名称的工作簿。", show_default=False)] = None,
) -> None:
    """写出标准工作簿（填写说明、基本信息、存在的问题、原因剖析、整改措施）供各支部填写。"""
    try:
        from .template import run_template

        code = run_template(path, _config(config), roster=roster)
    except ReporterError as exc:
        raise _fail(exc) from None
    raise typer.Exit(code)


def main() -> None:
    app(prog_name="reporter")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
