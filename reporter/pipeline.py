"""The per-workbook work, as one pure function: bytes + configuration → result.

The batch engine maps :func:`process` over the workbooks (in a process pool)
and reduces the results into the summary.  Nothing here touches the file
system, so any executor can run it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .config import Config
from .model import Branch, Message, Status, error, status_of


@dataclass(frozen=True, slots=True)
class Outcome:
    status: Status  # ok | warning | failed
    branch: Branch | None
    messages: tuple[Message, ...]
    document: bytes | None  # the .docx, None when failed
    traceback: str | None = None  # of an internal error (E900), for the log file only


def process(data: bytes, filename: str, config: Config, strict: bool = False, render: bool = True) -> Outcome:
    """Read, validate and (unless failed) render one workbook.

    An unexpected exception in our own code becomes an internal-error finding
    (E900) for this workbook only; the caller logs the traceback.
    """
    from .document import render_document
    from .workbook import read_workbook

    result = read_workbook(data, filename, config)
    messages = result.messages
    status = status_of(messages, strict)
    if status == "failed" or result.branch is None or not render:
        return Outcome("failed" if result.branch is None else status, result.branch, messages, None)
    try:
        document = render_document(result.branch, config)
    except Exception as exc:  # noqa: BLE001 - a bug of ours must not stop the run
        import traceback

        messages = (*messages, internal_error(exc))
        return Outcome("failed", result.branch, messages, None, traceback.format_exc())
    return Outcome(status, result.branch, messages, document)


def internal_error(exc: BaseException) -> Message:
    return error(
        "E900",
        f"处理此工作簿时程序内部出错（{type(exc).__name__}），其他工作簿不受影响。"
        "请把该文件和日志发给维护人员。",
    )
