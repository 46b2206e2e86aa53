"""A section sheet's rows → items (problems, causes, measures).

The header gives column index → schema column; each item row's cells are
read by their column's ``kind`` (:data:`reporter.reader.rules.PARSERS`) into
the model record's fields of the same names.  An item whose headline cell is
merged over several rows is one item; its details are the detail cells of
those rows, in order.
"""

from __future__ import annotations

from ..model import Cause, Item, Measure, Problem
from ..schema import HEADER_SEARCH_ROWS, Column, Sheet
from ..text import clean, looks_like_list, remove_bidi, strip_numbering
from .cells import Collector
from .grid import Grid, shown
from .layout import Header, find_header
from .rules import PARSERS, Cell, Context, join_parts, ordered

RECORDS: dict[str, type[Item]] = {"problems": Problem, "causes": Cause, "measures": Measure}


def section_header(cells: Collector, grid: Grid, section: Sheet) -> Header | None:
    """The sheet's header (E203 without the headline column; W304 for each unknown column)."""
    header = find_header(grid, section)
    headline = section.headline
    columns = "、".join(c.label for c in section.columns)
    if header is None or headline not in header.columns.values():
        cells.add("E203", grid, column=headline.label, rows=HEADER_SEARCH_ROWS, columns=columns)
        return None
    for c, (r, text) in sorted(header.other.items()):
        if clean(text):
            cells.add("W304", grid, r, c, column=shown(clean(text)), columns=columns)
    return header


def _headline(cells: Collector, grid: Grid, label: str, first: int, c: int, span: range,
              details_col: int | None) -> str:
    """The row's headline text ("" when the row does not count: W310, W317 and E207 are reported here)."""
    if (first, c) in grid.formulas:
        cells.formula(grid, first, c, "headline", column=label)
        return ""
    raw = grid.raw(first, c)
    text = strip_numbering(cells.text(raw, grid, first, c)) if raw not in (None, "") else ""
    if text and isinstance(raw, str) and looks_like_list(remove_bidi(raw)[0]):
        cells.add("W317", grid, first, c, column=label)
    if not text and details_col is not None and any(clean(grid.raw(k, details_col)) for k in span):
        cells.add("W310", grid, first, c, row=first + 1, column=label)
    return text


def _row_values(grid: Grid, header: Header, details: Column | None, first: int, span: range) -> dict:
    """An item's raw cells: ``_details`` (value, row) pairs, ``_number``, and column key → (value, col)."""
    values: dict = {"_row": first}
    for c, column in header.columns.items():
        if column is details:
            values["_details"] = ([(grid.raw(k, c), k) for k in span], c)
        elif column.kind == "number":
            values["_number"] = (grid.get(first, c), c)
        elif not column.headline:
            values[column.key] = (grid.get(first, c, fill=column.fills_merged), c)
    return values


def section_rows(cells: Collector, grid: Grid, section: Sheet) -> list[dict] | None:
    """The section's items as dicts of raw values (None on a structure error)."""
    header = section_header(cells, grid, section)
    if header is None:
        return None
    headline, details = section.headline, section.details
    head_col = next(c for c, col in header.columns.items() if col is headline)
    details_col = next((c for c, col in header.columns.items() if col is details), None)
    out = []
    r = header.row + 1
    while r < len(grid.rows):
        first, r = r, grid.down_end.get((r, head_col), r) + 1  # the item's rows: first .. r - 1
        span = range(first, r)
        text = _headline(cells, grid, headline.label, first, head_col, span, details_col)
        if not text:
            continue
        values = _row_values(grid, header, details, first, span)
        for c in header.columns:
            for k in span:
                if (k, c) in grid.formulas and c != head_col:
                    cells.formula(grid, k, c)
        values["_headline"] = text
        out.append(values)
    return out


def items(cells: Collector, grid: Grid, section: Sheet, rows: list[dict], ctx: Context) -> list[Item]:
    """The section's model records, in document order, numbered (see :func:`ordered`)."""
    record = RECORDS[section.key]
    out: list[Item] = []
    for values, number in ordered(cells, grid, rows):
        r = values["_row"]
        details = ""
        if "_details" in values:
            parts, c = values["_details"]
            details = join_parts([cells.text(value, grid, k, c) for value, k in parts])
        fields: dict = {"headline": values["_headline"], "details": details, "number": number, "row": r + 1}
        for column in section.columns:
            if column.key in values:
                value, c = values[column.key]
                fields.update(PARSERS[column.kind](cells, Cell(grid, r, c, value), column, ctx))
        out.append(record(**fields))
    return out
