"""Where things are: sheets by name, header rows (one or two rows), the 基本信息 layout.

Nothing here reports a finding; the callers do (see :mod:`reporter.reader.rules`).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

from ..schema import HEADER_SEARCH_ROWS, INFO_FIELDS, INFO_HEADER, INFO_SHEET, INFO_SHEET_SYNONYMS, SECTIONS, Column, InfoField, Sheet
from ..text import clean, plain_text
from .grid import Grid

_SPACES = re.compile(r"\s+")
_NOTE = re.compile(r"[（(][^（）()]*[）)]$")
_NAME_MAX = 40  # longer cells are content, not headers or labels


def norm_name(value: object) -> str:
    """A header, label or sheet name as compared: no spaces, no trailing ：*, no （注）.

    Numbers and long texts (content, not names) give "".
    """
    if not isinstance(value, str) or len(value) > _NAME_MAX:
        return ""
    return _norm_name(value)


@lru_cache(maxsize=4096)
def _norm_name(value: str) -> str:
    text = _SPACES.sub("", plain_text(value))
    for _ in range(2):
        text = text.strip("*＊:：")
        text = _NOTE.sub("", text)
    return text


def _index(items) -> dict[str, object]:
    """name → item, the label before the synonyms, the first item winning."""
    found: dict[str, object] = {}
    for item in items:
        for name in item.names:
            found.setdefault(norm_name(name), item)
    return found


INFO_BY_NAME: dict[str, InfoField] = _index(INFO_FIELDS)  # type: ignore[assignment]
_COLUMNS_BY_NAME: dict[str, dict[str, Column]] = {s.key: _index(s.columns) for s in SECTIONS}  # type: ignore[misc]
_INFO_VALUE_HEADERS = {norm_name(INFO_HEADER[1]), "填写内容", "值", "信息", "填报内容"}
_INFO_SKIP = {norm_name(INFO_HEADER[0]), norm_name(INFO_SHEET), *map(norm_name, INFO_SHEET_SYNONYMS)}
_INFO_NOT_LABEL = {*_INFO_SKIP, *_INFO_VALUE_HEADERS, "序号", "序", "编号"}
_INLINE = re.compile(r"^\s*([^:：]{1,12}?)\s*[:：]\s*(\S.*)$", re.S)


def find_sheet(names: list[str], wanted: tuple[str, ...]) -> str | None:
    """The workbook's sheet for a schema sheet: exact name first, then synonyms."""
    by_norm: dict[str, str] = {}
    for name in names:
        by_norm.setdefault(norm_name(name), name)
    for candidate in wanted:
        if norm_name(candidate) in by_norm:
            return by_norm[norm_name(candidate)]
    return None


# ------------------------------------------------------------ section headers


def _header_cells(grid: Grid, r: int, lower: int | None):
    """(column, candidate names, (row, value) shown if no candidate is a column) of a header row or row pair.

    In a row pair the lower row names the column; a group name above it
    (merged over several columns, or written once over its first column)
    may be part of the name: 问题 over 概述 gives 问题概述.  A merged group
    name that covers only some of the named columns may also name the first
    column under it (整改措施 over 概述 / 具体内容); a title over the whole
    header never does.
    """
    width = max(len(grid.rows[r]), len(grid.rows[lower]) if lower is not None else 0)
    if lower is None:
        for c in range(width):
            own = grid.raw(r, c)
            if own is not None and own != "" and (not isinstance(own, str) or not own.isspace()):
                yield c, (norm_name(own),), (r, own)
        return
    named = [c for c in range(width) if norm_name(grid.raw(lower, c)) or norm_name(grid.raw(r, c))]
    group = ""
    for c in range(width):
        anchor = grid.across.get((r, c), (r, c))
        own = grid.raw(*anchor) if anchor != (r, c) and grid.raw(r, c) in (None, "") else grid.raw(r, c)
        own_name = norm_name(own)
        if own_name:
            group = own_name
        below = grid.raw(lower, c)
        below_name = norm_name(below)
        if below_name:
            alone = ()
            end = grid.right_end.get(anchor, anchor[1])
            if own_name and end > anchor[1] and c == anchor[1] and not (c <= named[0] and end >= named[-1]):
                alone = (own_name,)
            yield c, (group + below_name, below_name, *alone), (lower, below)
        elif own_name:
            yield c, (own_name,), (r, own)


@dataclass(frozen=True, slots=True)
class Header:
    """A section sheet's header: its last row, column index → column, and the
    (row, text) of every header cell that names no column."""

    row: int
    columns: dict[int, Column]
    other: dict[int, tuple[int, str]]


def _match_header(grid: Grid, section: Sheet, r: int, lower: int | None) -> Header | None:
    names = _COLUMNS_BY_NAME[section.key]
    mapping: dict[int, Column] = {}
    other: dict[int, tuple[int, str]] = {}
    for c, candidates, shown in _header_cells(grid, r, lower):
        column = next((names[n] for n in candidates if n in names and names[n] not in mapping.values()), None)
        if column is not None:
            mapping[c] = column
        else:
            other[c] = shown
    return Header(r if lower is None else lower, mapping, other) if mapping else None


def find_header(grid: Grid, section: Sheet) -> Header | None:
    """The header (one row, or two rows: names under a group name) within HEADER_SEARCH_ROWS.

    A two-row header is taken only when it recognises more columns than any one row.
    """
    best = None
    for r in range(min(len(grid.rows), HEADER_SEARCH_ROWS)):
        for lower in (None, r + 1):
            if lower is not None and lower >= len(grid.rows):
                continue
            header = _match_header(grid, section, r, lower)
            if header is None:
                continue
            found = header.columns.values()
            score = (len(found), int(section.headline in found), int(lower is None), len(found) + len(header.other))
            if best is None or score > best[0]:
                best = (score, header)
            if lower is None and len(found) == len(section.columns):
                return header  # every column named in one row: nothing can do better
    return best[1] if best else None


# ------------------------------------------------------------------ 基本信息


@dataclass(slots=True)
class InfoLayout:
    """Where 基本信息's labels and values are.

    ``values``: field key → raw value; ``where``: field key → the value's cell;
    ``plain``: the cells of labels standing alone (not "label：value");
    ``value_of``: a label cell → its value cell under this layout.
    """

    values: dict[str, object]
    where: dict[str, tuple[int, int]]
    plain: list[tuple[int, int]]
    value_of: Callable[[int, int], tuple[int, int]]
    vertical: bool


def _inline(text: str) -> tuple[InfoField, str] | None:
    """"支部名称：机关第一党支部" in one cell → (field, value)."""
    m = _INLINE.match(clean(text))
    if m and norm_name(m.group(1)) in INFO_BY_NAME:
        return INFO_BY_NAME[norm_name(m.group(1))], m.group(2)
    return None


def _info_labels(grid: Grid) -> tuple[list[tuple[int, int, InfoField, object]], int | None]:
    """(row, col, field, value written in the label cell) of every label, and the 内容 column if headed."""
    labels: list[tuple[int, int, InfoField, object]] = []
    value_col: int | None = None
    for r, row in enumerate(grid.rows):
        lead = True  # the row's first filled cell: where "支部名称：…" may stand
        for c, v in enumerate(row):
            if v is None or v == "":
                continue
            lead, first = False, lead
            if not isinstance(v, str):
                continue
            name = norm_name(v)
            spec = INFO_BY_NAME.get(name)
            if spec is not None:
                labels.append((r, c, spec, None))
            elif name == norm_name(INFO_HEADER[0]):
                if value_col is None:
                    value_col = next((k for k in range(c + 1, len(row)) if norm_name(row[k]) in _INFO_VALUE_HEADERS),
                                     None)
            elif first and (":" in v or "：" in v):
                inline = _inline(v)
                if inline:
                    labels.append((r, c, *inline))
    return labels, value_col


def info_value(grid: Grid, pos: tuple[int, int]):
    """The value at ``pos``; a label is never a value."""
    value = grid.get(*pos, fill=True)
    if isinstance(value, str) and (norm_name(value) in INFO_BY_NAME or not clean(value)):
        return None
    return value


def info_layout(grid: Grid) -> InfoLayout | None:
    """Labels in a column (values to their right, the template's layout, with or
    without a 序号 column) or in a row (values below); None when no label is found.

    The layout is the one under which more labels have a value; a label is
    never taken as another label's value.
    """
    labels, value_col = _info_labels(grid)
    if not labels:
        return None

    def right(r: int, c: int) -> tuple[int, int]:
        return r, (value_col if value_col is not None and value_col > c else grid.right_end.get((r, c), c) + 1)

    def down(r: int, c: int) -> tuple[int, int]:
        return grid.down_end.get((r, c), r) + 1, c

    plain = [(r, c) for r, c, _, inline in labels if inline is None]
    by_right = sum(info_value(grid, right(r, c)) is not None for r, c in plain)
    by_down = sum(info_value(grid, down(r, c)) is not None for r, c in plain)
    if by_right == by_down:  # no values to tell: labels side by side are a row of labels
        by_right = max(Counter(c for _, c in plain).values(), default=0)
        by_down = max(Counter(r for r, _ in plain).values(), default=0)
    vertical = value_col is not None or by_right >= by_down
    value_of = right if vertical else down
    layout = InfoLayout({}, {}, plain, value_of, vertical)
    for r, c, spec, inline in labels:
        if spec.key in layout.values:
            continue
        pos = (r, c) if inline is not None else value_of(r, c)
        layout.values[spec.key] = inline if inline is not None else info_value(grid, pos)
        layout.where[spec.key] = pos
    return layout


def unknown_labels(grid: Grid, layout: InfoLayout):
    """(row, col, text) of each cell in a label column (row) that is no known label but has a value."""
    known = set(layout.plain)
    lines = sorted({c if layout.vertical else r for r, c in layout.plain})
    cells = ((r, c) for r in range(len(grid.rows)) for c in lines) if layout.vertical else \
        ((r, c) for r in lines for c in range(len(grid.rows[r])))
    for r, c in sorted(cells):
        v = grid.raw(r, c)
        if (r, c) in known or not isinstance(v, str) or not clean(v) or norm_name(v) in _INFO_NOT_LABEL:
            continue
        if _inline(v):
            continue
        if clean(grid.get(*layout.value_of(r, c), fill=True)):
            yield r, c, clean(v)
