"""The reduce of `reporter build`: the summary (汇总表, 汇总报告, its PDF),
remade only when what it is made from changed.

What it is made from: each branch is determined by its bytes (sha256), the
configuration and the tool version; with the sources, statuses, documents,
findings, names, duplicates, --as-of and the roster that is the summary's
key, kept in ``OUTPUT_DIR/.reporter-summary.json`` with the files' stats.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__
from ..errors import os_reason
from ..fsutil import atomic_write
from .changes import trend
from .intake import stat_key
from .outputs import unlink
from .pdfs import convert
from .record import Record

if TYPE_CHECKING:
    from ..model import Branch, FileResult
    from .engine import Build

SUMMARY = "summary"
SUMMARY_DOCX = f"{SUMMARY}/汇总报告.docx"  # the one output that also gets a PDF
SUMMARY_PDF = f"{SUMMARY}/汇总报告.pdf"
SUMMARY_STATE_NAME = ".reporter-summary.json"  # what the summary files were made from


def summarize(run: Build) -> dict | None:
    """The summary files (made again when needed): run-report.json's "summary"
    (``{"xlsx": …, "docx": …, "pdf": …}``, by suffix), or None when they failed.

    The files are those of :data:`reporter.summary.WRITERS`; which ones were
    written is kept in the summary state, so an unchanged run never imports
    the summary's libraries."""
    key = summary_key(run)
    old = _load_summary_state(run)
    files = list(old.get("stats") or ())
    fresh = (not run.o.force and old.get("key") == key and bool(files)
             and old.get("stats") == _json_stats(run, files))
    if not fresh:
        files = _make(run)
        if files is None:
            return None
    summary = {Path(rel).suffix[1:]: rel for rel in files}
    stats = _json_stats(run, files)
    pdf_stat = old.get("pdf_stat") if fresh else None
    if pdf_stat is not None and _json_stats(run, [SUMMARY_PDF])[SUMMARY_PDF] != pdf_stat:
        pdf_stat = None
    if run.o.pdf:
        if pdf_stat is None and run.pdf_given_up:
            run.log.warning("汇总报告的 PDF 本次未生成（已放弃 PDF 转换）。")
        elif pdf_stat is None:
            failed = convert(run, [run.out / SUMMARY_DOCX], run.out / SUMMARY)
            pdf_stat = None if failed else _json_stats(run, [SUMMARY_PDF])[SUMMARY_PDF]
        if pdf_stat is not None:
            summary["pdf"] = SUMMARY_PDF
    elif pdf_stat is None and (run.out / SUMMARY_PDF).exists():
        unlink(run, SUMMARY_PDF)  # stale: made from an older summary report
    new = {"key": key, "stats": stats, "pdf_stat": pdf_stat}
    if new != old:
        atomic_write(run.out / SUMMARY_STATE_NAME, json.dumps(new, ensure_ascii=False).encode())
    return summary


def summary_key(run: Build) -> str:
    changes = {k: v for k, v in run.changes.items() if k != "since"} if run.changes["since"] else None
    history = json.dumps([changes, _trend(run)], ensure_ascii=False, sort_keys=True)
    if run.review is not None:  # the 审核意见 sheet and section: determined by what the review was made from
        history += f"review {run.review.key}"
    digest = hashlib.sha256(repr((run.fingerprint, __version__, run.as_of, run.roster, history)).encode())
    for r in run.records:
        row = (r.shown, r.summary_status(run.o.strict), r.sha256, r.document, r.messages, r.name, r.duplicate_of)
        digest.update(repr(row).encode("utf-8", "replace"))
    return digest.hexdigest()


def _make(run: Build) -> list[str] | None:
    """Build and write the summary files (OUTPUT_DIR-relative names); trouble
    is a run error, None (the documents are done).  汇总表.xlsx is written
    straight into its temporary file as it is made."""
    from ..summary import build_outputs

    rel = SUMMARY
    try:
        changes = run.changes if run.changes["since"] else None
        outputs = build_outputs(StoredResults(run), run.config, run.as_of, run.roster, changes=changes,
                                trend=_trend(run), review=run.review, streamed=True, facts=run.facts)
        run.facts = None
        files = [f"{SUMMARY}/{name}" for name in outputs]
        for rel in files:
            atomic_write(run.out / rel, outputs.pop(Path(rel).name))
    except OSError as exc:  # every workbook is handled: the run's problem, not a branch's
        text = f"汇总材料 {rel} 未能写出：{os_reason(exc)}。各支部材料不受影响，解决后重新运行即可。"
        run.log.error(text)
        run.run_error("summary", text)
        return None
    except Exception as exc:  # noqa: BLE001 - the documents are done; report and go on
        import traceback  # only when something failed

        run.log.traceback("汇总", traceback.format_exc())
        text = f"生成汇总材料时程序内部出错（{type(exc).__name__}），各支部材料不受影响。"
        run.log.error(text)
        run.run_error("summary", text)
        return None
    return files


def prepare(run: Build):
    """The summary's facts and charts, made while the review runs on the other core (see
    :func:`reporter.summary.prepare`); None when that failed: the summary then makes them
    itself and says what went wrong."""
    from ..summary import prepare

    try:
        return prepare(StoredResults(run), run.config, run.as_of, run.roster, trend=_trend(run))
    except Exception:  # noqa: BLE001 - made again, and reported, with the summary
        return None


class StoredResults:
    """The summary's results, streamed: each Branch read back from the store
    when it is needed and dropped after (memory does not grow with N)."""

    def __init__(self, run: Build) -> None:
        self.run = run

    def __iter__(self) -> Iterator[FileResult]:
        for i, rec in enumerate(self.run.records, 1):
            yield file_result(rec, self.run.o.strict, self.run.store)
            if i % 1000 == 0:
                give_back_freed_memory()

    def message_count(self) -> int:
        """Findings of every workbook (汇总表's 校验问题), without reading a branch."""
        return sum(len(rec.messages) for rec in self.run.records)

    def messages(self) -> Iterator[tuple[str, tuple]]:
        """(source, findings) of every workbook, in order, without reading a branch (汇总表's 校验问题)."""
        return ((rec.shown, rec.messages) for rec in self.run.records)

    def branch_of(self, source: str, only: str | None = None) -> Branch | None:
        """The branch of ``source`` (``only``: "problems", "causes" or "measures" read, the rest empty),
        found through this run's workbooks in the store (no dict of every workbook in memory)."""
        version = self.run.store.version_in_run(source)
        return self.run.store.branch(version, only) if version is not None else None


def _trend(run: Build) -> list[dict]:
    if run.trend is None:
        run.trend = trend(run.store.open(), run.config.statuses)
    return run.trend


def file_result(rec: Record, strict: bool, store) -> FileResult:
    """For the summary: "unchanged" means nothing to a committee reader, so it
    gets the workbook's real status (which also keeps the summary's inputs,
    and so its cache key, identical from one unchanged run to the next)."""
    from ..model import FileResult

    status = rec.summary_status(strict)
    branch = store.branch(rec.version) if rec.version is not None and status != "failed" else None
    return FileResult(rec.shown, status, rec.messages, branch, rec.sha256, rec.document,
                      name=rec.name, duplicate_of=rec.duplicate_of)


def _load_summary_state(run: Build) -> dict:
    """{"key": …, "stats": {file: [size, mtime_ns]}, "pdf_stat": …} ({} when absent or damaged)."""
    try:
        state = json.loads((run.out / SUMMARY_STATE_NAME).read_bytes())
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def _json_stats(run: Build, files) -> dict[str, list[int] | None]:
    return {rel: list(key) if (key := stat_key(run.out / rel)) else None for rel in files}


_malloc_trim = None


def give_back_freed_memory() -> None:
    """Return freed heap pages to the system (glibc only; elsewhere nothing).

    The stored Branches are malloc'ed byte strings and the parsed ones are
    mostly small objects in Python's own arenas, which cannot reuse the space
    the byte strings leave: without this, both copies count in the peak."""
    global _malloc_trim
    if _malloc_trim is None:
        try:
            import ctypes

            _malloc_trim = ctypes.CDLL("libc.so.6").malloc_trim
        except (OSError, AttributeError):
            _malloc_trim = False
    if _malloc_trim:
        _malloc_trim(0)
