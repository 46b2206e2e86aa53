"""``reporter render WORKBOOK``: one workbook → one 对照检查材料 (.docx, optionally .pdf).

:func:`run_render` returns a :class:`Rendering`; the CLI prints it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from .config import Config
from .errors import UsageError, os_reason
from .model import Message


@dataclass(frozen=True, slots=True)
class Rendering:
    """What `reporter render` did.

    ``exit_status``: 0 written (warnings allowed), 1 no document (errors in
    the workbook, or the file could not be read or written), 3 the .docx was
    written but its PDF could not be made (a problem of LibreOffice)."""

    exit_status: int
    notes: tuple[str, ...] = ()  # what the letterhead would have changed (warnings)
    messages: tuple[Message, ...] = ()  # the workbook's findings
    problem: str | None = None  # why there is no document
    document: Path | None = None  # the .docx written
    pdf_problem: str | None = None  # why there is no PDF (the .docx is fine)
    pdf: Path | None = None  # the PDF written


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
               reference_doc: Path | None = None, pdf: bool = False) -> Rendering:
    """Read, render and write one workbook.

    Raises :class:`UsageError` (exit status 2) for bad usage: a missing
    workbook, an unreadable reference document, ``--pdf`` without LibreOffice.
    """
    from .docx import base_for
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
    notes = tuple(base_for(config).notes)  # a broken reference document stops here (exit status 2)
    try:
        data = workbook.read_bytes()
    except OSError as exc:
        return Rendering(1, notes, problem=f"未生成：无法读取 {workbook.name}（{os_reason(exc)}）。")
    outcome = process(data, workbook.name, config)  # never raises: a bug of ours becomes E900
    done = Rendering(0, notes, tuple(outcome.messages))
    if outcome.document is None:
        return replace(done, exit_status=1, problem=f"未生成：{workbook.name} 有错误，请按上面的提示修改后重试。")
    try:
        atomic_write(target, outcome.document)
    except OSError as exc:
        hint = "（该文件可能正在 Word 中打开，请关闭后重试）" if isinstance(exc, PermissionError) else ""
        return replace(done, exit_status=1, problem=f"未能写入 {target}：{os_reason(exc)}{hint}")
    done = replace(done, document=target)
    return _with_pdf(done, target, config) if pdf else done


def _with_pdf(done: Rendering, target: Path, config: Config) -> Rendering:
    from .pdf import convert_to_pdf

    converted = convert_to_pdf([target], target.parent, timeout=config.pdf.timeout)
    if target in converted.failed:
        return replace(done, exit_status=3, pdf_problem=f"{converted.failed[target]}（{target.name} 已生成，不受影响）")
    from .fonts import substitutions

    notes = done.notes + tuple(n for n in substitutions(config.fonts) if n not in done.notes)
    return replace(done, pdf=target.with_suffix(".pdf"), notes=notes)  # the CLI prints the notes
