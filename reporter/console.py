"""What the CLI prints from a command's result: tables, finding lines, JSON.

Commands return results; only the CLI prints, through these helpers.  On a
terminal a rich table, otherwise plain lines (cron, a pipe).
"""

from __future__ import annotations

import json
import sys
from typing import Iterable, TextIO

from .labels import LEVEL, LEVEL_STYLE, NO_PLACE, STATUS, STATUS_STYLE, message_line, tally
from .model import FileResult, Message


def finding_line(m: Message) -> str:
    """``警告  存在的问题!B3  W301  …`` — a finding with its level spelt out (``render``)."""
    return f"{LEVEL[m.level]}  {message_line(m)}"


def print_findings(messages: Iterable[Message], stream: TextIO | None = None) -> None:
    stream = stream or sys.stdout
    for m in messages:
        stream.write(finding_line(m) + "\n")


def print_json(document: object, stream: TextIO | None = None) -> None:
    """A JSON document as `--json` prints it: UTF-8 text, indented."""
    (stream or sys.stdout).write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")


def totals_line(totals: dict[str, int], ignored: int = 0) -> str:
    line = f"共 {totals.get('workbooks', 0)} 个工作簿：{tally(totals)}"
    if totals.get("unchanged"):
        line += "，" + tally(totals, ("unchanged",))
    if ignored:
        line += f"；另有 {ignored} 个非工作簿文件已忽略"
    return line + "。"


def _title(result: FileResult) -> str:
    return f"{result.source}（{result.branch.info.name}）" if result.branch else result.source


def print_validation(results: list[FileResult], ignored: list[str], totals: dict[str, int],
                     stream: TextIO | None = None) -> None:
    stream = stream or sys.stdout
    if stream.isatty():
        _print_rich(results, ignored, totals, stream)
        return
    for result in results:
        stream.write(f"[{STATUS[result.status]}] {_title(result)}\n")
        for m in result.messages:
            stream.write(f"    {message_line(m)}\n")
    stream.write(totals_line(totals, len(ignored)) + "\n")


def _print_rich(results: list[FileResult], ignored: list[str], totals: dict[str, int], stream: TextIO) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(show_lines=False, header_style="bold")
    for name in ("文件", "状态", "位置", "代码", "说明"):
        table.add_column(name, overflow="fold")
    for result in results:
        style = STATUS_STYLE[result.status]
        table.add_row(Text(_title(result)), Text(STATUS[result.status], style=style), "", "", "")
        for m in result.messages:
            table.add_row("", "", Text(m.where or NO_PLACE), Text(m.code, style=LEVEL_STYLE[m.level]), Text(m.message))
    console = Console(file=stream, highlight=False)
    console.print(table)
    console.print(totals_line(totals, len(ignored)))
