"""The per-workbook work, as one pure function: bytes + configuration → result.

The batch engine maps :func:`process` over the workbooks (in a process pool)
and reduces the results into the summary.  Nothing here touches the file
system, so any executor can run it.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from .config import Config
from .findings import message
from .model import Branch, Message, Status, status_of


# What process() imports when it first runs: a process pool imports them once
# before it forks its workers (or preloads them in its fork server).
HEAVY_MODULES = ("reporter.reader", "reporter.docx")


def preload() -> None:
    for name in HEAVY_MODULES:
        importlib.import_module(name)


@dataclass(frozen=True, slots=True)
class Outcome:
    status: Status  # ok | warning | failed
    branch: Branch | None
    messages: tuple[Message, ...]
    document: bytes | None  # the .docx, None when failed
    traceback: str | None = None  # of an internal error (E900), for the log file only
    name: str | None = None  # 支部名称 whenever it could be read (also when failed)


def process(data: bytes, filename: str, config: Config, strict: bool = False, render: bool = True) -> Outcome:
    """Read, validate and (unless failed) render one workbook.

    Never raises for one workbook: an unexpected exception in our own code
    becomes an internal-error finding (E900) for this workbook only, with the
    traceback in ``Outcome.traceback`` for the log file.
    """
    from .docx import render_document
    from .reader import read_workbook

    result = None
    try:
        result = read_workbook(data, filename, config)
        status = status_of(result.messages, strict)
        if status == "failed" or result.branch is None or not render:
            return Outcome("failed" if result.branch is None else status, result.branch, result.messages, None,
                           name=result.name)
        return Outcome(status, result.branch, result.messages, render_document(result.branch, config),
                       name=result.name)
    except Exception as exc:  # noqa: BLE001 - a bug of ours must not stop the run
        import traceback

        branch, messages, name = (result.branch, result.messages, result.name) if result is not None else (None, (), None)
        return Outcome("failed", branch, (*messages, internal_error(exc)), None, traceback.format_exc(), name)


def internal_error(exc: BaseException) -> Message:
    """E900: what the branch reads; the exception itself goes to the log (``Outcome.traceback``)."""
    return message("E900")
