"""Cell values as the document needs them, collecting the findings they give.

A :class:`Collector` is made per workbook: every finding of the reader goes
through it, and it turns raw cell values into clean text and dates
(bidirectional controls removed, W316 once per cell; long texts cut, W307).
"""

from __future__ import annotations

from datetime import date, datetime

from ..config import Config
from ..findings import message
from ..model import Message
from ..text import clean, parse_date, remove_bidi
from .grid import Grid, cell_ref

class Collector:
    """The findings of one workbook, and the cell readers that make them."""

    def __init__(self, config: Config):
        self.config = config
        self.messages: list[Message] = []
        self.name: str | None = None  # 支部名称 as soon as it is read
        self.bidi_cells: set[tuple[str, int, int]] = set()  # cells already reported (W316)

    def add(self, code: str, grid: Grid | None = None, r: int | None = None, c: int | None = None,
            variant: str = "", **fields: object) -> None:
        """The catalogue's finding ``code`` about ``grid`` (and its cell ``r``, ``c``)."""
        self.messages.append(message(code, variant=variant, sheet=grid.name if grid else None,
                                     cell=cell_ref(r, c) if r is not None and c is not None else None, **fields))

    def has(self, code: str, grid: Grid) -> bool:
        """Whether ``code`` was reported on this sheet."""
        return any(m.code == code and m.sheet == grid.name for m in self.messages)

    def formula(self, grid: Grid, r: int, c: int, needed: str = "", **fields: object) -> None:
        """A formula cell without a trustworthy value: an error (E207, variant ``needed``) where the
        cell is needed, else a warning (W314)."""
        if needed:
            self.add("E207", grid, r, c, needed, **fields)
        else:
            self.add("W314", grid, r, c)

    def plain(self, value: object, grid: Grid, r: int, c: int) -> object:
        """The cell's value without bidirectional control characters (W316 once per cell)."""
        if not isinstance(value, str):
            return value
        value, removed = remove_bidi(value)
        if removed and (grid.name, r, c) not in self.bidi_cells:
            self.bidi_cells.add((grid.name, r, c))
            self.add("W316", grid, r, c)
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
            self.add("W307", grid, r, c, length=len(text), limit=limit)
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
            self.add("W302", grid, r, c, "date", label=label, value=shown)
        return found
