"""What people read around the findings: status names, the message line, safe names.

One table for each, used by the console (``validate``, ``render``), the run
log (``build``) and the summary, so a status or a finding reads the same
wherever it appears.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence

from .message import Message

# A workbook's status in a run (validate / build / run-report.json's values).
STATUS: Mapping[str, str] = {"ok": "通过", "warning": "有警告", "failed": "未通过", "unchanged": "未变化"}
STATUS_STYLE: Mapping[str, str] = {"ok": "green", "warning": "yellow", "failed": "bold red", "unchanged": "dim"}
# A branch's status in the summary (it knows the roster: a branch may not have handed anything in).
SUMMARY_STATUS: Mapping[str, str] = {"ok": "通过", "warning": "有警告", "failed": "已提交但未通过", "missing": "未提交"}
LEVEL: Mapping[str, str] = {"error": "错误", "warning": "警告", "review": "审核"}
LEVEL_STYLE: Mapping[str, str] = {"error": "red", "warning": "yellow", "review": "cyan"}
NO_PLACE = "-"  # the location column of a finding about the whole file

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def message_line(m: Message) -> str:
    """The one way a finding is written on a line: ``存在的问题!C7  W301  方面“……”不在……``."""
    return f"{m.where or NO_PLACE}  {m.code}  {m.message}"


def tally(totals: Mapping[str, int], statuses: Sequence[str] = ("ok", "warning", "failed")) -> str:
    """``通过 2，有警告 1，未通过 8`` (a missing count is 0)."""
    return "，".join(f"{STATUS[s]} {totals.get(s, 0)}" for s in statuses)


def printable(text: str) -> str:
    """``text`` safe to show on a terminal or a log line: control characters
    (escape codes, line breaks in a name) become visible ``\\xNN`` escapes."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def shown_path(path: str | os.PathLike[str]) -> str:
    """A file name or path as safe text for reports and logs.

    The name's bytes are read as UTF-8 whatever the locale (a name from
    another system's encoding shows its bytes as ``\\xNN``), then made
    :func:`printable`.
    """
    return printable(os.fsencode(path).decode("utf-8", "backslashreplace"))
