"""The validation rules, one small function each.

A section cell is turned into model fields by the parser for its column's
``kind`` (:data:`PARSERS`), which also reports what looks off (unknown 方面,
unreadable dates, 对应问题 naming no problem, a deadline before the meeting,
unknown 完成情况).  :func:`ordered` is the 序号 rule.  A new column of an
existing kind needs no code here.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Callable

from ..config import Config
from ..schema import Column
from ..text import chinese_date, chinese_number, clean, parse_chinese_int, parse_deadline, plain_text
from .cells import Collector
from .grid import Grid


@dataclass(frozen=True, slots=True)
class Context:
    """What the rules of one sheet need to know about the rest of the workbook."""

    problems: tuple[int, ...] = ()  # the problems' numbers (对应问题 must name one of them)
    meeting: date | None = None  # 会议日期 (a deadline must not be before it)


@dataclass(frozen=True, slots=True)
class Cell:
    """One cell of an item row, with where it is."""

    grid: Grid
    r: int
    c: int
    value: object


Parser = Callable[[Collector, Cell, Column, Context], dict]


def _text(cells: Collector, cell: Cell, column: Column, ctx: Context) -> dict:
    return {column.key: cells.text(cell.value, cell.grid, cell.r, cell.c) or None}


def _date(cells: Collector, cell: Cell, column: Column, ctx: Context) -> dict:
    return {column.key: cells.date(cell.value, cell.grid, cell.r, cell.c, column.label)}


def _one_of(code: str, allowed_of: Callable[[Config], tuple[str, ...]]) -> Parser:
    """A parser for a value from a configured list (``code`` when it is not in the list)."""

    def parse(cells: Collector, cell: Cell, column: Column, ctx: Context) -> dict:
        value = cells.text(cell.value, cell.grid, cell.r, cell.c) or None
        allowed = allowed_of(cells.config)
        if value and value not in allowed:
            cells.add(code, cell.grid, cell.r, cell.c, value=value, allowed="、".join(allowed))
        return {column.key: value}

    return parse


def _refs(cells: Collector, cell: Cell, column: Column, ctx: Context) -> dict:
    """对应问题: the numbers, and the text as written (``<key>_text``)."""
    grid, r, c = cell.grid, cell.r, cell.c
    value = cells.plain(cell.value, grid, r, c)
    text = cells.text(value, grid, r, c)
    refs, bad = parse_refs(value, ctx.problems)
    if bad:
        cells.add("W312", grid, r, c, value=text, bad="、".join(bad))
    missing = [n for n in refs if n not in ctx.problems]
    if missing and ctx.problems:  # no problems at all is E205 already
        cells.add("W303", grid, r, c, missing="、".join(map(str, missing)))
    return {column.key: refs, f"{column.key}_text": text}


def _deadline(cells: Collector, cell: Cell, column: Column, ctx: Context) -> dict:
    """完成时限: the due date, and the text as written when it is not a plain date (``<key>_text``)."""
    grid, r, c = cell.grid, cell.r, cell.c
    value = cells.plain(cell.value, grid, r, c)
    found = parse_deadline(value)
    text = (cells.text(value, grid, r, c) or None) if found.text is not None else None
    if not found.ok:
        cells.add("W302", grid, r, c, "deadline", value=text)
    if found.due and ctx.meeting and found.due < ctx.meeting:
        cells.add("W305", grid, r, c, deadline=text or chinese_date(found.due), meeting=chinese_date(ctx.meeting))
    return {column.key: found.due, f"{column.key}_text": text}


PARSERS: dict[str, Parser] = {
    "text": _text,
    "date": _date,
    "category": _one_of("W301", lambda config: config.categories),  # 方面
    "status": _one_of("W306", lambda config: config.statuses),  # 完成情况
    "refs": _refs,
    "deadline": _deadline,
}


# ------------------------------------------------------------------ 序号


def typed_number(value: object) -> int | None:
    """The 序号 a user typed, if it is a whole number."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return int(value) if float(value).is_integer() and value > 0 else None
    m = re.fullmatch(r"[（(]?\s*(\d{1,6})\s*[）)]?\s*[.、．]?", plain_text(value) if isinstance(value, str) else "")
    return int(m.group(1)) if m and int(m.group(1)) > 0 else None


def ordered(cells: Collector, grid: Grid, rows: list[dict]) -> list[tuple[dict, int]]:
    """The items in document order with their numbers (the 序号 rule).

    When every item has a 序号 and they are distinct numbers, items are in
    序号 order; if those are 1…n, the 序号 are the numbers (（三） is 序号 3),
    otherwise the numbers are the positions.  Items without 序号, or with
    repeated ones, stay in row order, numbered by position.  Whenever
    the typed 序号 and the document disagree, a warning says how
    “对应问题” is read.
    """
    typed = [typed_number(v["_number"][0]) if "_number" in v else None for v in rows]
    if all(t is None for t in typed):
        return [(v, i) for i, v in enumerate(rows, 1)]
    if None not in typed and len(set(typed)) == len(rows):
        return _by_number(cells, grid, rows, typed)  # type: ignore[arg-type]
    _check_row_order(cells, grid, rows, typed)
    return [(v, i) for i, v in enumerate(rows, 1)]


def _number_cell(row: dict) -> tuple[int, int]:
    return row["_row"], row["_number"][1]


def _by_number(cells: Collector, grid: Grid, rows: list[dict], typed: list[int]) -> list[tuple[dict, int]]:
    """Distinct 序号 on every item: 序号 order (W315 when that is not the row order or not 1…n)."""
    n = len(rows)
    order = sorted(range(n), key=lambda i: typed[i])
    if [typed[i] for i in order] == list(range(1, n + 1)):
        i = next((i for i in range(n) if typed[i] != i + 1), None)  # the first row out of place
        if i is not None:
            cells.add("W315", grid, *_number_cell(rows[i]), "order")
        return [(rows[i], typed[i]) for i in order]
    first_gap = next(i for pos, i in enumerate(order, 1) if typed[i] != pos)
    shown = "、".join(str(typed[i]) for i in order[:10]) + ("……" if n > 10 else "")
    cells.add("W315", grid, *_number_cell(rows[first_gap]), "gaps", numbers=shown, last=chinese_number(n))
    return [(rows[i], pos) for pos, i in enumerate(order, 1)]


def _check_row_order(cells: Collector, grid: Grid, rows: list[dict], typed: list[int | None]) -> None:
    """Items numbered by position: W309 for a repeated 序号, else W315 for the first that differs."""
    seen: dict[int, int] = {}
    differs = None
    for pos, (v, t) in enumerate(zip(rows, typed), 1):
        if t is not None and t in seen:
            cells.add("W309", grid, *_number_cell(v), number=t, row=seen[t])
        elif t is not None and t != pos and differs is None:
            differs = (v, t, pos)
        if t is not None:
            seen.setdefault(t, v["_row"] + 1)
    if differs is not None and not cells.has("W309", grid):
        v, t, pos = differs
        cells.add("W315", grid, *_number_cell(v), "position", row=v["_row"] + 1, number=t, position=pos)


# ------------------------------------------------------------ value rules


_JOIN_AFTER = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff]$")


def join_parts(parts: list[str]) -> str:
    """The detail cells of one item spread over merged rows, as one text.

    Nothing is put after a part that ends in punctuation; 。 after one that
    ends in a Chinese character (each cell was a statement of its own); a
    space between Latin words.
    """
    out = ""
    for part in parts:
        if not part:
            continue
        if out and not unicodedata.category(out[-1]).startswith("P"):
            out += "。" if _JOIN_AFTER.search(out) else " "
        out += part
    return out


_ALL_REFS = {"全部", "全部问题", "所有", "所有问题", "以上全部", "以上所有问题", "全部问题均涉及"}


def parse_refs(value: object, everything: tuple[int, ...] = ()) -> tuple[tuple[int, ...], list[str]]:
    """对应问题 → (problem numbers, unreadable parts).

    Accepts 3, "1,3", "1、3", "1，3", "1 3", "1;3", ranges "1-3" / "1~3" / "1至3",
    Chinese numerals "一、三" / "十一" / "二十", full-width digits, and "全部"
    (all problems: ``everything``); "第" / "问题" / "号" around a number are ignored.
    """
    if value is None or value == "" or isinstance(value, bool):
        return (), []
    if isinstance(value, (int, float)):
        return ((int(value),), []) if float(value).is_integer() and value > 0 else ((), [clean(value)])
    text = plain_text(value)
    if text in _ALL_REFS:
        return tuple(everything), []
    numbers: list[int] = []
    bad: list[str] = []
    for token in re.split(r"[,，、;；/\s]+", text):
        token = re.sub(r"^(?:问题|第)|[号条项]$", "", token.strip("（）()"))
        if not token:
            continue
        parts = re.split(r"[-~～至到—–－]", token)
        ints = [parse_chinese_int(p) for p in parts]
        if len(parts) == 1 and ints[0]:
            numbers.append(ints[0])
        elif len(parts) == 2 and all(ints) and ints[0] <= ints[1] and ints[1] - ints[0] < 100:  # type: ignore[operator]
            numbers.extend(range(ints[0], ints[1] + 1))  # type: ignore[arg-type, operator]
        else:
            bad.append(token)
    return tuple(dict.fromkeys(numbers)), bad
