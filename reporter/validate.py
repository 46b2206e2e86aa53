"""`reporter validate`: check every workbook under INPUT_DIR (or one file), write nothing.

It sees exactly what `build` sees: the same discovery (the tool's own output
folders skipped), the same reading (:func:`reporter.build.intake.read_file`),
the same per-workbook work (:func:`reporter.pipeline.process`, without the
document), the same duplicate check (W401) and, unless ``review=False``, the
committee's review (R6xx, :mod:`reporter.review`) over the workbooks it is
given — review findings never change a status or the exit code.  It returns a
:class:`Validation`; the CLI prints it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .config import Config
from .discover import Copy, Discovery, discover, duplicates, name_findings
from .errors import UsageError
from .findings import message
from .labels import message_line, shown_path as shown
from .model import FileResult, status_of
from .pipeline import Outcome, process
from .review import Review, counts_line, review_inputs, run_review


@dataclass(slots=True)
class Validation:
    input_dir: str
    results: list[FileResult] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    review: Review | None = None  # None: --no-review

    @property
    def totals(self) -> dict[str, int]:
        totals = {"workbooks": len(self.results), "ok": 0, "warning": 0, "failed": 0}
        for result in self.results:
            totals[result.status] = totals.get(result.status, 0) + 1
        return totals

    @property
    def exit_code(self) -> int:
        return 1 if any(r.status == "failed" for r in self.results) else 0


def validate_dir(input_dir: Path, config: Config, strict: bool = False, review: bool = True) -> Validation:
    """Read every workbook under ``input_dir`` (a folder, or one workbook file).

    Raises UsageError when the path does not exist."""
    input_dir = Path(input_dir)
    if input_dir.is_dir():
        root, found = input_dir.resolve(), discover(input_dir)
    elif input_dir.is_file():  # one workbook: reported by its own name
        root, found = input_dir.resolve().parent, Discovery(workbooks=[input_dir.name])
    else:
        raise UsageError(f"找不到输入文件夹或文件：{input_dir}（请确认路径，或先用 reporter template 生成模板）。")
    validation = Validation(str(input_dir), ignored=[shown(rel) for rel in found.ignored])
    outcomes = [(source, _check(root, source, config, strict), _mtime_ns(root / source))
                for source in found.workbooks]
    copies = [Copy(shown(source), outcome.name or (outcome.branch.info.name if outcome.branch else None), mtime,
                   outcome.status == "failed") for source, outcome, mtime in outcomes]
    dups = duplicates(copies)
    for i, (source, outcome, _) in enumerate(outcomes):
        dup = dups.get(i)
        messages = (*name_findings(source), *outcome.messages, *((dup.message,) if dup and dup.message else ()))
        status = "failed" if outcome.status == "failed" else status_of(messages, strict)
        validation.results.append(FileResult(
            shown(source), status, messages, outcome.branch, name=copies[i].name,
            duplicate_of=dup.used if dup and dup.used != copies[i].source else None))
    for folder in found.unreadable:  # folders that could not be listed
        validation.results.append(FileResult(shown(folder), "failed", (message("E125"),)))
    if review:
        validation.review = run_review(review_inputs(validation.results), config.review)
    return validation


def _check(root: Path, source: str, config: Config, strict: bool) -> Outcome:
    """One workbook, read as `build` reads it and checked by the same pipeline (no document)."""
    from .build.intake import read_file

    path = root / source
    data = read_file(path, root, config)
    if isinstance(data, tuple):  # the reader's words for a file that cannot be read
        return Outcome("failed", None, data, None)
    return process(data, path.name, config, strict, render=False)


def _mtime_ns(path: Path) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return 0


def result_json(result: FileResult, review: Review | None = None) -> dict:
    extra = review.messages_for(result.source) if review is not None else ()
    return {
        "source": result.source,
        "status": result.status,
        "branch": result.name or (result.branch.info.name if result.branch else None),
        "duplicate_of": result.duplicate_of,
        "counts": result.counts,
        "messages": [m.to_json() for m in (*result.messages, *extra)],
    }


def validation_json(validation: Validation) -> dict:
    """The document `reporter validate --json` prints."""
    document = {
        "tool_version": __version__,
        "input_dir": validation.input_dir,
        "totals": validation.totals,
        "workbooks": [result_json(r, validation.review) for r in validation.results],
        "ignored": validation.ignored,
    }
    if validation.review is not None:
        document["review"] = validation.review.report
    return document


def review_lines(validation: Validation) -> list[str]:
    """What `validate` shows before the table: one line of counts, then each review finding (审核)."""
    if validation.review is None:
        return []
    lines = [f"[审核] {f.source}（{f.branch or '-'}）  {message_line(f.message)}" for f in validation.review.findings]
    return [counts_line(validation.review) + "（审核意见只作提示，不影响是否通过。）", *lines]


def run_validate(input_dir: Path, config: Config, strict: bool = False, review: bool = True) -> Validation:
    """`reporter validate`: the results (the CLI prints them; ``exit_code`` is 0 / 1)."""
    return validate_dir(input_dir, config, strict, review)
