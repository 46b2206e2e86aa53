"""Printing per-file results: a rich table on a terminal, plain lines otherwise."""

from __future__ import annotations

import sys
from typing import TextIO

from .model import FileResult, Message

STATUS_LABELS = {"ok": "通过", "warning": "有警告", "failed": "未通过", "unchanged": "未变化"}
_STATUS_STYLES = {"ok": "green", "warning": "yellow", "failed": "bold red", "unchanged": "dim"}


def message_line(m: Message) -> str:
    """``存在的问题!C7  W301  …`` (the location is "-" when there is none)."""
    return f"{m.where or '-'}  {m.code}  {m.message}"


def totals_line(totals: dict[str, int], ignored: int = 0) -> str:
    line = (f"共 {totals.get('workbooks', 0)} 个工作簿：通过 {totals.get('ok', 0)}，"
            f"有警告 {totals.get('warning', 0)}，未通过 {totals.get('failed', 0)}")
    if totals.get("unchanged"):
        line += f"，未变化 {totals['unchanged']}"
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
        stream.write(f"[{STATUS_LABELS[result.status]}] {_title(result)}\n")
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
        style = _STATUS_STYLES[result.status]
        table.add_row(Text(_title(result)), Text(STATUS_LABELS[result.status], style=style), "", "", "")
        for m in result.messages:
            table.add_row("", "", Text(m.where or "-"),
                          Text(m.code, style="red" if m.level == "error" else "yellow"), Text(m.message))
    console = Console(file=stream, highlight=False)
    console.print(table)
    console.print(totals_line(totals, len(ignored)))
