"""What `reporter build` tells people while it runs.

On a terminal: a progress bar and, at the end, a coloured result table.
Otherwise (cron, a pipe): plain ``2026-11-26T10:00:00 INFO …`` lines with no
escape codes.  ``--quiet`` keeps only failures and the final line.
``--log-file`` always gets the plain lines plus the tracebacks of internal
errors (which never go to the screen: workbook content is people's words).
"""

from __future__ import annotations

import re
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Iterable

from .model import Message

STATUS_ZH = {"ok": "通过", "warning": "有警告", "failed": "未通过", "unchanged": "未变化"}
_STATUS_STYLE = {"ok": "green", "warning": "yellow", "failed": "bold red", "unchanged": "dim"}
_LEVEL = {"ok": "INFO", "unchanged": "INFO", "warning": "WARNING", "failed": "ERROR"}
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
TABLE_ROWS = 40  # above this, the table lists only the workbooks with findings


def printable(text: str) -> str:
    """``text`` with control characters (escape codes in file names …) made visible."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


@dataclass(frozen=True, slots=True)
class Row:
    """One workbook's line in the output."""

    source: str  # printable path relative to INPUT_DIR
    status: str  # ok | warning | failed | unchanged
    name: str | None  # 支部名称
    document: str | None  # docs/….docx
    messages: tuple[Message, ...]


def final_line(totals: dict[str, int], ignored: int, seconds: float) -> str:
    line = (
        f"完成：共 {totals['workbooks']} 个工作簿，通过 {totals['ok']}，有警告 {totals['warning']}，"
        f"未通过 {totals['failed']}，未变化 {totals['unchanged']}"
    )
    if ignored:
        line += f"；另有 {ignored} 个非工作簿文件未处理"
    return line + f"；用时 {seconds:.1f} 秒"


def message_lines(result: Row) -> list[str]:
    return [
        f"  {m.code} {m.where + '：' if m.where else ''}{m.message}" for m in result.messages
    ]


class RunLog:
    def __init__(self, quiet: bool = False, log_file: Path | None = None, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stdout
        self.quiet = quiet
        try:
            self.tty = self.stream.isatty()
        except (AttributeError, ValueError):
            self.tty = False
        self._file: IO[str] | None = None
        if log_file is not None:
            log_file.parent.mkdir(parents=True, exist_ok=True)
            self._file = open(log_file, "a", encoding="utf-8", errors="backslashreplace")
        self._progress = None
        self._task = None
        self._last_refresh = 0.0
        self._console = None
        if self.tty and not quiet:
            from rich.console import Console

            self._console = Console(file=self.stream, highlight=False)

    # --- plain lines ------------------------------------------------------
    def _line(self, level: str, text: str, screen: bool = True) -> None:
        stamp = datetime.now().isoformat(timespec="seconds")
        for part in map(printable, text.split("\n")):
            line = f"{stamp} {level} {part}"
            if self._file:
                self._file.write(line + "\n")
                self._file.flush()
            if screen:
                if self._console is not None:
                    self._console.print(part, markup=False, highlight=False)
                else:
                    self.stream.write(line + "\n")
                    self.stream.flush()

    def info(self, text: str) -> None:
        self._line("INFO", text, screen=not self.quiet)

    def warning(self, text: str) -> None:
        self._line("WARNING", text, screen=not self.quiet)

    def error(self, text: str) -> None:
        """A problem of the run itself (not of one workbook): always shown."""
        self._line("ERROR", text)

    def traceback(self, where: str, text: str) -> None:
        """An internal error's traceback: the log file only."""
        if self._file:
            stamp = datetime.now().isoformat(timespec="seconds")
            self._file.write(f"{stamp} ERROR 内部错误（{printable(where)}）的详细信息：\n{text.rstrip()}\n")
            self._file.flush()

    # --- progress ---------------------------------------------------------
    def start(self, total: int) -> None:
        if self._console is None or total == 0:
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        # auto_refresh=False: no refresh thread, so worker processes can be forked safely.
        self._progress = Progress(
            TextColumn("生成中"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
            console=self._console, auto_refresh=False, transient=True,
        )
        self._progress.start()
        self._task = self._progress.add_task("build", total=total)
        self._progress.refresh()

    def advance(self, n: int = 1) -> None:
        if self._progress is None:
            return
        self._progress.advance(self._task, n)
        now = time.monotonic()
        if now - self._last_refresh > 0.1:
            self._last_refresh = now
            self._progress.refresh()

    def stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    # --- results ----------------------------------------------------------
    def results(self, results: Iterable[Row]) -> None:
        """One line per workbook (plain), or the result table (terminal).

        Quiet runs show
        only failures; unchanged workbooks without findings are not listed
        one by one in plain output (the final line counts them).
        """
        results = list(results)
        if self._console is not None:
            self._table(results)
        for r in results:
            name = r.source
            if r.status == "unchanged" and not r.messages:
                continue
            text = f"{name}：{STATUS_ZH[r.status]}"
            if r.document:
                text += f" → {r.document}"
            body = "\n".join([text, *message_lines(r)])
            screen = self._console is None and (not self.quiet or r.status == "failed")
            self._line(_LEVEL[r.status], body, screen=screen)

    def _table(self, results: list[Row]) -> None:
        from rich.table import Table
        from rich.text import Text

        shown = results if len(results) <= TABLE_ROWS else [r for r in results if r.messages]
        table = Table(title="生成结果", show_lines=False)
        for col in ("文件", "支部", "状态", "说明"):
            table.add_column(col, overflow="fold")
        for r in shown:
            notes = [f"{m.code} {m.where + '：' if m.where else ''}{m.message}" for m in r.messages[:5]]
            if len(r.messages) > 5:
                notes.append(f"……另有 {len(r.messages) - 5} 条")
            if not notes and r.document:
                notes = [r.document]
            table.add_row(
                Text(printable(r.source)),
                Text(printable(r.name) if r.name else "—"),
                Text(STATUS_ZH[r.status], style=_STATUS_STYLE[r.status]),
                Text("\n".join(map(printable, notes))),
            )
        if shown:
            self._console.print(table)
        if len(shown) < len(results):
            self._console.print(f"（其余 {len(results) - len(shown)} 个工作簿没有问题，未逐一列出）", markup=False)

    def final(self, text: str, failed: bool) -> None:
        """The one closing line: always shown, even with --quiet."""
        level = "ERROR" if failed else "INFO"
        if self._console is not None:
            style = "bold red" if failed else "bold green"
            self._console.print(text, style=style, markup=False, highlight=False)
            self._line(level, text, screen=False)
        else:
            self._line(level, text)

    def close(self) -> None:
        self.stop()
        if self._file:
            self._file.close()
            self._file = None
