"""Cell values as the document needs them, collecting the findings they give.

A :class:`Collector` is made per workbook: every finding of the reader goes
through it, and it turns raw cell values into clean text and dates
(bidirectional controls removed, W316 once per cell; long texts cut, W307).
"""

from __future__ import annotations

from datetime import date, datetime

from ..config import Config
from ..model import Message, error, warning
from ..text import clean, parse_date, remove_bidi
from .grid import Grid, cell_ref

FORMULA_FIX = "这类工作簿通常由其他程序生成、未经 Excel 计算；请用 Excel 或 WPS 打开此工作簿并保存，再重新提交。"


class Collector:
    """The findings of one workbook, and the cell readers that make them."""

    def __init__(self, config: Config):
        self.config = config
        self.messages: list[Message] = []
        self.name: str | None = None  # 支部名称 as soon as it is read
        self.bidi_cells: set[tuple[str, int, int]] = set()  # cells already reported (W316)

    def warn(self, code: str, text: str, grid: Grid | None = None, r: int | None = None, c: int | None = None):
        self.messages.append(warning(code, text, grid.name if grid else None,
                                     cell_ref(r, c) if r is not None and c is not None else None))

    def fail(self, code: str, text: str, grid: Grid | None = None, r: int | None = None, c: int | None = None):
        self.messages.append(error(code, text, grid.name if grid else None,
                                   cell_ref(r, c) if r is not None and c is not None else None))

    def has(self, code: str, grid: Grid) -> bool:
        """Whether ``code`` was reported on this sheet."""
        return any(m.code == code and m.sheet == grid.name for m in self.messages)

    def formula(self, grid: Grid, r: int, c: int, needed: str | None = None) -> None:
        """A formula cell without a trustworthy value: an error where the cell is needed, else a warning."""
        where = cell_ref(r, c)
        if needed:
            self.fail("E207", f"{where} 单元格中是公式，但文件中没有保存公式的计算结果，无法读取{needed}。{FORMULA_FIX}",
                      grid, r, c)
        else:
            self.warn("W314", f"{where} 单元格中是公式，但文件中没有保存公式的计算结果，已按未填写处理。{FORMULA_FIX}",
                      grid, r, c)

    def plain(self, value: object, grid: Grid, r: int, c: int) -> object:
        """The cell's value without bidirectional control characters (W316 once per cell)."""
        if not isinstance(value, str):
            return value
        value, removed = remove_bidi(value)
        if removed and (grid.name, r, c) not in self.bidi_cells:
            self.bidi_cells.add((grid.name, r, c))
            self.warn("W316", "单元格中有看不见的文字方向控制字符（会让文字显示的顺序与实际内容不同），已删除；"
                              "请核对该单元格的内容，最好重新输入。", grid, r, c)
        return value

    def text(self, value: object, grid: Grid, r: int, c: int) -> str:
        """A cell as normalised text, cut at the configured length (with a warning)."""
        value = self.plain(value, grid, r, c)
        if value is None or value == "":
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        elif isinstance(value, datetime):
            value = value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
        elif isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, bool):
            value = "是" if value else "否"
        text = clean(value)
        limit = self.config.limits.max_cell_chars
        if len(text) > limit:
            self.warn("W307", f"单元格内容有 {len(text)} 个字，超过上限 {limit} 字，超出部分已截去；请精简内容。",
                      grid, r, c)
            text = text[:limit].rstrip()
        return text

    def date(self, value: object, grid: Grid, r: int, c: int, label: str) -> date | None:
        """A date cell (W302 when it is filled but no date)."""
        value = self.plain(value, grid, r, c)
        if value is None or (isinstance(value, str) and not clean(value)):
            return None
        found = parse_date(value.strip() if isinstance(value, str) else value)
        if found is None:
            shown = self.text(value, grid, r, c)
            self.warn("W302", f"{label}“{shown}”无法识别为日期，已按未填写处理；请写成 2023-12-20 或 2023年12月20日 的形式。",
                      grid, r, c)
        return found
