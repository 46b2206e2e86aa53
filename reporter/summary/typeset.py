"""How 汇总报告 sets its text (GB/T 9704 and the reviewers' reading).

- A number never ends a line without its unit: a word joiner (U+2060) between
  them ("9\u2060份"), which :mod:`reporter.docx.blocks` sets so that LibreOffice
  honours it (Word honours the joiner itself).
- Dates are written 2023年12月31日, in tables as in the prose.
- Each table has a caption above it (表1 …) and each picture one below it
  (图1 …), numbered in document order.
- Table columns are as wide as their content where the 156 mm text block
  allows: short columns (序号, 支部名称, dates, counts, statuses) are never
  wrapped while a long text column can give way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import date

from ..docx import AnyBlock, Block, Picture, Table
from ..docx.blocks import CELL_MARGIN, WORD_JOINER
from ..docx.styles import MARGIN_LEFT, MARGIN_RIGHT, PAGE_W, TABLE_HALF_PT
from ..text import chinese_date
from ..title import char_width

UNITS = "份项个条日月年名人次天周期家类处页号位岁元倍对"  # "%" never starts a line anyway
_NUMBER_UNIT = re.compile(rf"(\d)(?=[{UNITS}])")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
TEXT_WIDTH = PAGE_W - MARGIN_LEFT - MARGIN_RIGHT  # twips
CELL_PAD = 2 * CELL_MARGIN + 60  # the cell's left and right margins, and some air
EM = TABLE_HALF_PT * 10  # one character of table text (小四), twips
FLEX_FLOOR = 4  # characters a long-text column keeps however narrow the others make it
# Columns of long free text: they wrap, so that the short ones need not.
FLEXIBLE = frozenset({"整改措施", "主要问题", "来源文件", "责任人", "说明"})


def join_units(text: str) -> str:
    """A word joiner between each number and the unit after it."""
    return _NUMBER_UNIT.sub(r"\1" + WORD_JOINER, text)


def cell(value: object) -> object:
    """A table cell as the report shows it: an ISO date as 2023年12月31日, numbers joined to units."""
    if value is None or type(value) is int:
        return value
    text = str(value)
    m = _ISO_DATE.fullmatch(text.strip())
    if m:
        try:
            text = chinese_date(date(*map(int, m.groups())))
        except ValueError:
            pass
    return join_units(text)


def text_twips(text: str) -> float:
    """The width of ``text`` in table text (小四), with the space LibreOffice adds between
    Chinese and Western characters."""
    width = prev = 0.0
    prev = None
    for c in text:
        if c == WORD_JOINER:
            prev = None
            continue
        width += char_width(c)
        wide = ord(c) >= 0x2E80
        if prev is not None and wide != prev and c.strip():
            width += 0.25
        prev = wide if c.strip() else None
    return width * EM


def _water(naturals: list[float], budget: float) -> list[float]:
    """Every column its natural width, the widest capped alike so that the sum is ``budget``."""
    order = sorted(naturals)
    left, cap = budget, 0.0
    for i, n in enumerate(order):
        share = left / (len(order) - i)
        if n > share:
            cap = share
            break
        left -= n
    else:
        return list(naturals)
    return [min(n, cap) for n in naturals]


def column_widths(rows: Iterable[Sequence[object]], total: int = TEXT_WIDTH) -> list[int]:
    """Twips per column from the content of ``rows`` (the first is the header, whose
    names say which columns are long text, :data:`FLEXIBLE`); they sum to ``total``."""
    rows = iter(rows)
    header = [str(v) for v in next(rows, [])]
    natural = [text_twips(h) + CELL_PAD for h in header]
    for values in rows:
        for c, value in enumerate(values[:len(natural)]):
            if value is not None:
                natural[c] = max(natural[c], text_twips(str(value)) + CELL_PAD)
    if not natural:
        return []
    flexible = [h in FLEXIBLE for h in header]
    if not any(flexible) or sum(natural) <= total:
        spare = total - sum(natural)
        if spare < 0:
            widths = _water(natural, total)
        else:
            grow = [n for n, f in zip(natural, flexible) if f or not any(flexible)]
            widths = [n + spare * n / sum(grow) if f or not any(flexible) else n for n, f in zip(natural, flexible)]
        return _rounded(widths, total)
    floors = [min(n, FLEX_FLOOR * EM + CELL_PAD) if f else 0 for n, f in zip(natural, flexible)]
    kept = [n for n, f in zip(natural, flexible) if not f]
    rest = total - sum(kept)
    if rest >= sum(floors):
        flex = _water([n for n, f in zip(natural, flexible) if f], rest)
        flex = [w + (rest - sum(flex)) / len(flex) for w in flex]
        kept_w = kept
    else:
        flex = [fl for fl, f in zip(floors, flexible) if f]
        kept_w = _water(kept, total - sum(flex))
    flex_it, kept_it = iter(flex), iter(kept_w)
    return _rounded([next(flex_it) if f else next(kept_it) for f in flexible], total)


def _rounded(widths: list[float], total: int) -> list[int]:
    out = [int(w) for w in widths]
    out[max(range(len(out)), key=lambda i: widths[i])] += total - sum(out)
    return out


def cells(rows: Iterable[Sequence[object]]) -> Iterator[list[object]]:
    """Each row's cells as the report shows them (:func:`cell`)."""
    for values in rows:
        yield [cell(v) for v in values]


def typeset(blocks: list[AnyBlock]) -> list[AnyBlock]:
    """The report's blocks as set: numbers joined to units in the text and the cells, ISO
    dates in cells written out, tables and pictures captioned and numbered (表1, 图1 …),
    a table given as a list fitted to its content (a streamed one keeps its widths)."""
    out: list[AnyBlock] = []
    tables = pictures = 0
    heading = ""
    for block in blocks:
        if isinstance(block, Block) and block.kind != "title":
            if block.kind == "heading":
                heading = block.text.split("、", 1)[-1]
            block = replace(block, text=join_units(block.text), lead_in=join_units(block.lead_in))
        elif isinstance(block, Table):
            tables += 1
            caption = block.caption or _before(out) or heading
            if isinstance(block.rows, (list, tuple)):
                rows = list(cells(block.rows))
                block = replace(block, rows=rows, weights=column_widths(rows))
            else:
                block = replace(block, rows=cells(block.rows))
            block = replace(block, caption=f"表{tables}\u3000{caption}")
        elif isinstance(block, Picture):
            pictures += 1
            block = replace(block, caption=f"图{pictures}\u3000{block.caption or heading}")
        out.append(block)
    return out


def _before(blocks: list[AnyBlock]) -> str:
    """What a paragraph introducing a table names ("新完成的整改措施：" → 新完成的整改措施)."""
    last = blocks[-1] if blocks else None
    if isinstance(last, Block) and last.kind == "body" and last.text.endswith("：") and len(last.text) <= 30:
        return last.text[:-1].replace(WORD_JOINER, "")
    return ""
