"""``reporter render WORKBOOK``: one workbook → one 对照检查材料 (.docx, optionally .pdf)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import typer

from .config import Config
from .console import message_line
from .errors import ReporterError, UsageError


def output_path(workbook: Path, output: Path | None) -> Path:
    """``-o`` as given (a folder gets ``<workbook stem>.docx`` inside), else next to the workbook."""
    if output is None:
        return workbook.with_suffix(".docx")
    if output.is_dir():
        return output / f"{workbook.stem}.docx"
    if output.suffix.lower() != ".docx":
        raise UsageError(f"输出文件应以 .docx 结尾：{output}")
    return output


def run_render(workbook: Path, output: Path | None, config: Config,
               reference_doc: Path | None = None, pdf: bool = False) -> int:
    """Read, render and write one workbook; print findings as plain lines.

    Exit status: 0 written (warnings allowed), 1 no document (errors in the
    workbook, or the file could not be written), 2 bad usage (raised as
    :class:`UsageError`).
    """
    from .document import render_document
    from .fsutil import atomic_write
    from .pipeline import internal_error
    from .workbook import read_path

    workbook = Path(workbook)
    if not workbook.is_file():
        raise UsageError(f"找不到工作簿：{workbook}")
    if reference_doc is not None:
        if not Path(reference_doc).is_file():
            raise UsageError(f"找不到参考文档：{reference_doc}")
        config = replace(config, reference_doc=str(reference_doc))
    target = output_path(workbook, output)

    result = read_path(workbook, config)
    for m in result.messages:
        typer.echo(f"{'错误' if m.level == 'error' else '警告'}  {message_line(m)}")
    if result.failed or result.branch is None:
        typer.echo(f"未生成：{workbook.name} 有错误，请按上面的提示修改后重试。")
        return 1
    try:
        data = render_document(result.branch, config)
    except ReporterError:
        raise  # e.g. an unreadable reference document: exit status 2
    except Exception as exc:  # noqa: BLE001 - a bug of ours becomes a finding
        typer.echo(f"错误  {message_line(internal_error(exc))}")
        return 1
    try:
        atomic_write(target, data)
    except OSError as exc:
        hint = "（该文件可能正在 Word 中打开，请关闭后重试）" if isinstance(exc, PermissionError) else ""
        typer.echo(f"未能写入 {target}：{exc.strerror or type(exc).__name__}{hint}")
        return 1
    typer.echo(f"已生成：{target}")
    if pdf:
        from .pdf import convert_to_pdf

        problem = convert_to_pdf([target], target.parent).get(target)
        if problem:
            typer.echo(f"未生成 PDF：{problem}")
            return 1
        typer.echo(f"已生成：{target.with_suffix('.pdf')}")
    return 0
