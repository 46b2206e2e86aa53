"""``reporter render WORKBOOK``: one workbook → one 对照检查材料 (.docx, optionally .pdf)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import typer

from .config import Config
from .console import message_line
from .errors import UsageError, os_reason


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
    :class:`UsageError`: a missing workbook, an unreadable reference
    document, ``--pdf`` without LibreOffice), 3 the .docx was written but
    its PDF could not be made (a problem of LibreOffice, said on stderr).
    """
    from .document import base_for
    from .fsutil import atomic_write
    from .pipeline import process

    workbook = Path(workbook)
    if not workbook.is_file():
        raise UsageError(f"找不到工作簿：{workbook}")
    if reference_doc is not None:
        if not Path(reference_doc).is_file():
            raise UsageError(f"找不到参考文档：{reference_doc}")
        config = replace(config, reference_doc=str(reference_doc))
    target = output_path(workbook, output)
    if pdf:
        from .pdf import find_soffice, missing_message

        if find_soffice() is None:
            raise UsageError(missing_message())
    base = base_for(config)  # a broken reference document stops here (exit status 2)
    for note in base.notes:  # what the letterhead would have changed
        typer.echo(f"警告：{note}", err=True)

    try:
        data = workbook.read_bytes()
    except OSError as exc:
        typer.echo(f"未生成：无法读取 {workbook.name}（{os_reason(exc)}）。")
        return 1
    outcome = process(data, workbook.name, config)  # never raises: a bug of ours becomes E900
    for m in outcome.messages:
        typer.echo(f"{'错误' if m.level == 'error' else '警告'}  {message_line(m)}")
    if outcome.document is None:
        typer.echo(f"未生成：{workbook.name} 有错误，请按上面的提示修改后重试。")
        return 1
    try:
        atomic_write(target, outcome.document)
    except OSError as exc:
        hint = "（该文件可能正在 Word 中打开，请关闭后重试）" if isinstance(exc, PermissionError) else ""
        typer.echo(f"未能写入 {target}：{os_reason(exc)}{hint}")
        return 1
    typer.echo(f"已生成：{target}")
    if pdf:
        from .pdf import convert_to_pdf

        converted = convert_to_pdf([target], target.parent, timeout=config.pdf.timeout)
        if target in converted.failed:
            typer.echo(f"{converted.failed[target]}（{target.name} 已生成，不受影响）", err=True)
            return 3
        typer.echo(f"已生成：{target.with_suffix('.pdf')}")
    return 0
