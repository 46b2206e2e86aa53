"""The PDF step of `reporter build --pdf`.

PDF trouble is the run's, never a branch's: statuses and documents stay,
and each failure is a run error (kind "pdf", exit status 3) with
LibreOffice's own output in the log.  After LibreOffice failed or hung as
a whole it is not called again in this run.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .outputs import relative, remove_stale
from .state import PDF, pdf_name

if TYPE_CHECKING:
    from .engine import Build


def make_pdfs(run: Build) -> None:
    """PDFs of the documents that have none matching them; stale PDFs of ours removed."""
    live = [r for r in run.records if r.document]
    if run.o.pdf:
        say_substitutions(run)
        todo = [r for r in live if r.rendered or not r.pdf_fresh]
        if todo:
            run.log.info(f"正在转换 {len(todo)} 份 PDF……")
            failed = convert(run, [run.out / r.document for r in todo], run.out / PDF)
            for rec in todo:
                rec.pdf_fresh = (run.out / rec.document) not in failed
    keep = {pdf_name(r.document) for r in run.records if r.document and r.pdf_fresh}
    remove_stale(run, run.owned.pdfs, keep)


def say_substitutions(run: Build) -> None:
    """Once per run: an official font that the PDFs set in a face of another style (log and report)."""
    from ..fonts import substitutions

    for note in substitutions(run.config.fonts):
        if note not in run.warnings:
            run.warnings.append(note)
            run.log.warning(note)


def convert(run: Build, documents: list[Path], out_dir: Path) -> dict[Path, str]:
    """Convert with LibreOffice; the documents that got no PDF → why (Chinese)."""
    if run.pdf_given_up:
        return {d: "本次运行已放弃转换 PDF。" for d in documents}
    from ..pdf import convert_to_pdf

    outcome = convert_to_pdf(documents, out_dir, timeout=run.config.pdf.timeout)
    failed, run_error = dict(outcome.failed), outcome.run_error
    for line in outcome.details:  # LibreOffice's own words, for the administrator
        run.log.warning(line)
    if run_error:
        _give_up(run, run_error, len(failed))
    else:
        for document, reason in failed.items():
            run.run_error("pdf", reason, file=relative(run, document))
    return failed


def _give_up(run: Build, reason: str, count: int | None = None) -> None:
    if run.pdf_given_up:
        return
    run.pdf_given_up = True
    text = f"PDF 转换失败，本次运行不再调用 LibreOffice：{reason}"
    if count:
        text += f"（{count} 份文档没有 PDF；Word 文档不受影响）"
    run.run_error("pdf", text)
    run.log.error(text)
