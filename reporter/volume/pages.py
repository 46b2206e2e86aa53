"""How many pages a branch's material takes, computed from the fixed grid.

GB/T 9704 pages are a grid: 22 lines of 28 characters of 3号.  A paragraph's
lines follow from its characters' widths (a CJK character one cell, an ASCII
one half), the first-line indent of two cells, the Chinese line-breaking
rules (a closing mark never starts a line: it hangs at the end, as
``w:overflowPunct`` allows; an opening mark never ends one) and a title's
line of 20 characters of 2号.  A heading is kept with the next line.  This
is an estimate of what Word or LibreOffice lay out; see :mod:`reporter.volume`
for how it is checked.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable

from ..docx.blocks import AnyBlock, Block
from ..docx.styles import BODY_CHAR, BODY_HALF_PT, CONDENSE, LINE_PITCH, MARGIN_BOTTOM, MARGIN_LEFT, \
    MARGIN_RIGHT, MARGIN_TOP, PAGE_H, PAGE_W, TITLE_HALF_PT

TEXT_WIDTH = PAGE_W - MARGIN_LEFT - MARGIN_RIGHT  # twips
LINES_PER_PAGE = (PAGE_H - MARGIN_TOP - MARGIN_BOTTOM) // LINE_PITCH  # 22
BODY_CELL = BODY_HALF_PT * 10 + CONDENSE  # one condensed 3号 character, twips (315)
TITLE_CELL = TITLE_HALF_PT * 10  # one 2号 character (440)

# Marks that never start a line (they hang at the end of the previous one) or never end one.
NO_START = set("，。、；：？！）】》〉」』”’…—·%,.;:?!)]}")
NO_END = set("（【《〈「『“‘([{")


_HALF = re.compile(r"[\x00-\xb6\xb8-\u1fff]")  # half a cell wide: ASCII, Latin (· is full)


def _fit(start: int, room: int, halves: list[int], n: int) -> int:
    """The end of the longest run from ``start`` at most ``room`` half-cells wide."""
    def width(end: int) -> int:
        return 2 * (end - start) - (bisect_left(halves, end) - bisect_left(halves, start))
    end = min(n, start + room // 2)
    while end < n and width(end) < room:  # half-width characters leave room for more
        end = min(n, start + (room + bisect_left(halves, end) - bisect_left(halves, start)) // 2)
        while end < n and width(end + 1) <= room:
            end += 1
        if width(end) >= room - 1:
            break
    return end


def line_count(text: str, *, cell: int = BODY_CELL, indent_cells: float = 2, width: int = TEXT_WIDTH) -> int:
    """Lines a paragraph of ``text`` takes (at least one)."""
    n = len(text)
    halves = [m.start() for m in _HALF.finditer(text)]
    room = int((width - indent_cells * BODY_CHAR + 0.5) // (cell / 2))
    lines, start = 1, 0
    while True:
        end = max(start + 1, _fit(start, room, halves, n))
        while end < n and text[end] in NO_START:  # closing marks hang at the end of the line
            end += 1
        if end >= n:
            return lines
        back = 0  # an opening mark at the end moves down with the character after it
        while back < 2 and end - back - 1 > start and text[end - back - 1] in NO_END:
            back += 1
        start, lines = end - back, lines + 1
        room = int((width + 0.5) // (cell / 2))


def block_lines(block: Block) -> int:
    if block.kind == "blank":
        return 1
    if block.kind == "title":
        return sum(line_count(part, cell=TITLE_CELL, indent_cells=0) for part in block.text.split("\n"))
    if block.kind == "signature":
        return 1
    return line_count(block.lead_in + block.text)


def page_count(blocks: Iterable[AnyBlock]) -> int:
    """Pages the blocks of one branch's material take (starting on a fresh page)."""
    pages, line = 1, 0  # line: lines used on the current page
    pending_keep = 0
    for block in blocks:
        if not isinstance(block, Block):
            raise TypeError(f"not a paragraph: {block!r}")
        n = block_lines(block)
        if block.kind in ("heading", "heading2"):
            pending_keep += n
            continue
        if pending_keep:  # a heading stays with the next paragraph's first line
            if line + pending_keep + 1 > LINES_PER_PAGE and line > 0:
                pages, line = pages + 1, 0
            line += pending_keep
            pending_keep = 0
        line += n
        while line > LINES_PER_PAGE:
            pages, line = pages + 1, line - LINES_PER_PAGE
    if pending_keep:
        line += pending_keep
        while line > LINES_PER_PAGE:
            pages, line = pages + 1, line - LINES_PER_PAGE
    return pages


def contents_pages(names: Iterable[str]) -> int:
    """Pages the 目录 takes: its title and a blank line, then one line per entry (a name too long
    to leave room for the dot leader and the number wraps)."""
    room = TEXT_WIDTH - 4 * BODY_CELL  # the leader's dots and up to three digits
    lines = 2 + sum(line_count(name, indent_cells=0, width=room) for name in names)
    return max(1, -(-lines // LINES_PER_PAGE))
