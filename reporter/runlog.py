"""What `reporter build` tells people while it runs.

On a terminal: a progress bar and, at the end, a coloured result table.
Otherwise (cron, a pipe): plain ``2026-11-26T10:00:00+08:00 INFO …`` lines
with no escape codes.  ``--quiet`` keeps only failures and the final line.
``--log-file`` always gets the plain lines plus the tracebacks of internal
errors (which never go to the screen: workbook content is people's words).

Logging and the terminal are never reasons to stop a run: a log file that
fails while the run goes on (a full disk), or a closed stdout (``| head``),
is reported once on stderr and the run goes on without it.  A log file that
cannot be opened at all is refused before the run (:class:`UsageError`).
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Iterable

from .errors import UsageError, os_reason
from .labels import STATUS, STATUS_STYLE, message_line, printable, tally
from .message import Message

_LEVEL = {"ok": "INFO", "unchanged": "INFO", "warning": "WARNING", "failed": "ERROR"}
TABLE_ROWS = 40  # above this, the table lists only the workbooks with findings


def stamp() -> str:
    """Now, local time with its UTC offset: ``2026-11-26T10:20:18+08:00``."""
    return datetime.now().astimezone().isoformat(timespec="seconds")


def stderr_line(text: str) -> None:
    """One timestamped warning on stderr; a closed stderr is not a reason to stop either."""
    try:
        sys.stderr.write(f"{stamp()} WARNING {text}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def open_log(path: Path) -> IO[str]:
    """Open ``--log-file`` for appending; a path that cannot be a log file is a usage error."""
    path = Path(path)
    try:
        if path.is_dir():
            raise IsADirectoryError(21, "Is a directory", str(path))
        path.parent.mkdir(parents=True, exist_ok=True)
        return open(path, "a", encoding="utf-8", errors="backslashreplace")
    except OSError as exc:
        raise UsageError(f"无法打开日志文件 {printable(os.fsdecode(path))}：{os_reason(exc)}。"
                         "请在 --log-file 后写一个可以写入的文件路径。") from None


def append_line(path: Path, level: str, text: str) -> None:
    """Append one timestamped line to a log file (for runs refused before they start); never raises."""
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8", errors="backslashreplace") as fh:
            for part in map(printable, text.split("\n")):
                fh.write(f"{stamp()} {level} {part}\n")
    except (OSError, ValueError):
        pass


@dataclass(frozen=True, slots=True)
class Row:
    """One workbook's line in the output."""

    source: str  # printable path relative to INPUT_DIR
    status: str  # ok | warning | failed | unchanged
    name: str | None  # 支部名称
    document: str | None  # docs/….docx
    messages: tuple[Message, ...]


def final_line(totals: dict[str, int], ignored: int, seconds: float) -> str:
    line = f"完成：共 {totals['workbooks']} 个工作簿，{tally(totals, ('ok', 'warning', 'failed', 'unchanged'))}"
    if ignored:
        line += f"；另有 {ignored} 个非工作簿文件未处理"
    return line + f"；用时 {seconds:.1f} 秒"


def message_lines(result: Row) -> list[str]:
    return [f"  {message_line(m)}" for m in result.messages]


class RunLog:
    def __init__(self, quiet: bool = False, log_file: Path | None = None, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stdout
        self.quiet = quiet
        try:
            self.tty = self.stream.isatty()
        except (AttributeError, ValueError):
            self.tty = False
        self._file: IO[str] | None = None
        self._log_path = log_file
        if log_file is not None:
            self._file = open_log(log_file)
        self._progress = None
        self._task = None
        self._last_refresh = 0.0
        self._console = None
        if self.tty and not quiet:
            from rich.console import Console

            self._console = Console(file=self.stream, highlight=False)

    # --- plain lines ------------------------------------------------------
    def _line(self, level: str, text: str, screen: bool = True) -> None:
        now = stamp()
        for part in map(printable, text.split("\n")):
            line = f"{now} {level} {part}"
            self._to_file(line + "\n")
            if screen and self.stream is not None:
                if self._console is not None:
                    self._screen(self._console.print, part, markup=False, highlight=False)
                else:
                    self._screen(self._write, line + "\n")

    def file_only(self, level: str, text: str) -> None:
        """A line for the log file alone (what the CLI says on the terminal itself)."""
        self._line(level, text, screen=False)

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()

    def _to_file(self, text: str) -> None:
        if self._file is None:
            return
        try:
            self._file.write(text)
            self._file.flush()
        except (OSError, ValueError) as exc:
            reason = os_reason(exc) if isinstance(exc, OSError) else "文件已关闭"
            self._drop_file()
            stderr_line(f"无法继续写入日志文件 {printable(os.fsdecode(self._log_path))}（{reason}），"
                      "此后的日志不再写入该文件；运行继续。")

    def _drop_file(self) -> None:
        file, self._file = self._file, None
        try:
            file.close()
        except (OSError, ValueError):
            pass  # the lines it could not take are lost; the run is not

    def _screen_lost(self) -> None:
        """stdout is closed (``| head`` exited): stop writing to it, go on with the run."""
        stream, self.stream = self.stream, None
        self._progress = self._console = None  # nothing more is drawn
        if stream is None:
            return
        try:
            fd = stream.fileno()
        except (AttributeError, OSError, ValueError):
            fd = None
        if fd is not None:  # Python's own flush of stdout at exit must not fail either
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, fd)
            os.close(devnull)
        stderr_line("标准输出已关闭（接收输出的程序已退出），此后不再向屏幕输出；运行继续，详见运行报告和日志文件。")

    def info(self, text: str) -> None:
        self._line("INFO", text, screen=not self.quiet)

    def warning(self, text: str) -> None:
        self._line("WARNING", text, screen=not self.quiet)

    def error(self, text: str) -> None:
        """A problem of the run itself (not of one workbook): always shown."""
        self._line("ERROR", text)

    def traceback(self, where: str, text: str) -> None:
        """An internal error's traceback: the log file only."""
        self._to_file(f"{stamp()} ERROR 内部错误（{printable(where)}）的详细信息：\n{text.rstrip()}\n")

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
        self._task = self._progress.add_task("build", total=total)
        self._screen(self._progress.start)
        self._screen(self._progress.refresh)

    def advance(self, n: int = 1) -> None:
        if self._progress is None:
            return
        self._progress.advance(self._task, n)
        now = time.monotonic()
        if now - self._last_refresh > 0.1:
            self._last_refresh = now
            self._screen(self._progress.refresh)

    def stop(self) -> None:
        progress, self._progress = self._progress, None
        if progress is not None:
            self._screen(progress.stop)

    def _screen(self, call, *args, **kwargs) -> None:
        """Run a rich call on the terminal; a terminal that went away only ends the screen output."""
        try:
            call(*args, **kwargs)
        except (OSError, ValueError):
            self._screen_lost()

    # --- results ----------------------------------------------------------
    def results(self, results: Iterable[Row]) -> None:
        """One line per workbook (plain), or the result table (terminal).

        Quiet runs show
        only failures; unchanged workbooks without findings are not listed
        one by one in plain output (the final line counts them).
        """
        if self._console is not None:  # a terminal: the table needs them all (else one at a time)
            results = list(results)
            self._table(results)
        for r in results:
            name = r.source
            if r.status == "unchanged" and not r.messages:
                continue
            text = f"{name}：{STATUS[r.status]}"
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
            notes = [message_line(m) for m in r.messages[:5]]
            if len(r.messages) > 5:
                notes.append(f"……另有 {len(r.messages) - 5} 条")
            if not notes and r.document:
                notes = [r.document]
            table.add_row(
                Text(printable(r.source)),
                Text(printable(r.name) if r.name else "—"),
                Text(STATUS[r.status], style=STATUS_STYLE[r.status]),
                Text("\n".join(map(printable, notes))),
            )
        if shown:
            self._screen(self._console.print, table)
        if len(shown) < len(results) and self._console is not None:
            self._screen(self._console.print, f"（其余 {len(results) - len(shown)} 个工作簿没有问题，未逐一列出）",
                         markup=False)

    def final(self, text: str, failed: bool) -> None:
        """The one closing line: always shown, even with --quiet."""
        level = "ERROR" if failed else "INFO"
        if self._console is not None:
            style = "bold red" if failed else "bold green"
            self._screen(self._console.print, text, style=style, markup=False, highlight=False)
            self._line(level, text, screen=False)
        else:
            self._line(level, text)

    def close(self) -> None:
        self.stop()
        self._to_file("")  # the last flush; a failure is reported once
        if self._file:
            self._drop_file()
