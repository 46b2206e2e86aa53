"""A sheet as a grid of cells: extent checks on the raw XML, formula-cell trust, merged ranges.

Cells come from python-calamine (0-based, absolute positions).  Before
calamine allocates a sheet its extent is measured on the raw XML, and formula
cells whose stored value cannot be trusted are found there too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from ..config import Config
from ..schema import HEADER_SEARCH_ROWS
from ..text import remove_bidi, xml_safe
from .package import Package, refuse


def cell_ref(row: int, col: int) -> str:
    """0-based (row, col) → A1."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row + 1}"


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def shown(name: str) -> str:
    """A sheet name as shown in messages."""
    return xml_safe(remove_bidi(name)[0])


# ------------------------------------------------------------ raw XML scans

# A cell with content and its reference; a cell without an r attribute; a row
# (with content) and its number.  A cell is empty when its tag is
# self-closing or closes at once (openpyxl writes a styled empty cell as
# ``<c r="A9" s="1"></c>``), also around an empty ``<v>``.
_EMPTY_CELL_END = rb"""(?!\s*(?:<(?:[\w.-]+:)?v\s*/>|<(?:[\w.-]+:)?v\s*>\s*</(?:[\w.-]+:)?v\s*>)?\s*</(?:[\w.-]+:)?c\s*>)"""
_CELL_REF = re.compile(rb"""<(?:[\w.-]+:)?c(?=\s)[^>]*?\sr\s*=\s*["']([A-Z]{1,3})([0-9]{1,8})["'][^>]*(?<!/)>"""
                       + _EMPTY_CELL_END)
_CELL_NO_REF = re.compile(rb"""<(?:[\w.-]+:)?c(?:\s+(?!r\s*=)[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*>"""
                          + _EMPTY_CELL_END)
_ROW_REF = re.compile(rb"""<(?:[\w.-]+:)?row(?=\s)[^>]*?\sr\s*=\s*["']([0-9]{1,8})["'][^>]*(?<!/)>""")


def sheet_extent(xml: bytes) -> tuple[int, int, str | None, str | None]:
    """(rows, columns, lowest cell, rightmost cell) of a worksheet part, from the raw XML.

    Only cells holding something count (a formatted empty cell, self-closing
    or not, is empty), so a formatted but empty sheet is not "large".
    """
    refs = _CELL_REF.findall(xml)
    if refs:
        low = max(refs, key=lambda ref: int(ref[1]))
        right = max(refs, key=lambda ref: _col_number(ref[0]))
        rows, cols = int(low[1]), _col_number(right[0])
        low_cell, right_cell = (low[0] + low[1]).decode(), (right[0] + right[1]).decode()
    else:
        rows = cols = 0
        low_cell = right_cell = None
    if _CELL_NO_REF.search(xml):  # positions implied: rows may still be numbered
        rows = max(rows, max((int(r) for r in _ROW_REF.findall(xml)), default=0))
    return rows, cols, low_cell, right_cell


_FORMULA_TAG = re.compile(rb"<(?:[\w.-]+:)?f[\s>/]")
# A cell and its body; the body never runs into the next cell (linear even on broken XML).
_CELL_XML = re.compile(rb"<((?:[\w.-]+:)?)c(?=[\s>/])([^>]*?)(?:/>|>((?:[^<]|<(?!(?:[\w.-]+:)?c[\s>/]))*?)</\1c\s*>)")
_CELL_R = re.compile(rb"""\sr\s*=\s*["']([A-Z]{1,3})([0-9]{1,8})["']""")
_CELL_T = re.compile(rb"""\st\s*=\s*["']([\w-]*)["']""")
_VALUE = re.compile(rb"<(?:[\w.-]+:)?v(?:\s[^>]*)?(?:/>|>(.*?)</(?:[\w.-]+:)?v\s*>)", re.S)


def untrusted_formulas(xml: bytes, recalc: bool) -> frozenset[tuple[int, int]]:
    """0-based (row, col) of the formula cells whose stored value cannot be trusted.

    A formula's value is stored by the program that calculated it.  Libraries
    that write workbooks without calculating leave it out (openpyxl: an empty
    ``<v>``) or store a placeholder (XlsxWriter: 0) and ask for a full
    recalculation on opening (``fullCalcOnLoad``): then no stored value counts.
    The sheet is scanned only when it holds a formula at all.
    """
    if not _FORMULA_TAG.search(xml):
        return frozenset()
    found = set()
    for cell in _CELL_XML.finditer(xml):
        body = cell.group(3)
        if not body or not _FORMULA_TAG.search(body):
            continue
        ref = _CELL_R.search(cell.group(2))
        if ref is None:
            continue
        if not recalc:
            value = _VALUE.search(body)
            kind = _CELL_T.search(cell.group(2))
            if value is not None and (value.group(1) or (kind is not None and kind.group(1) == b"str")):
                continue  # a calculated value (an empty text result is a value too)
        found.add((int(ref.group(2)) - 1, _col_number(ref.group(1)) - 1))
    return frozenset(found)


@lru_cache(maxsize=8)
def _long_reference(digits: int, letters: int) -> re.Pattern:
    return re.compile(rb"r\s*=\s*[\"'](?:[A-Z]{%d,}|[A-Z]{0,3}[0-9]{%d,})" % (letters, digits))


def may_exceed(xml: bytes, config: Config) -> bool:
    """Whether a reference in the XML is long enough to lie beyond the limits: a row number with
    as many digits as ``max_rows`` or a column with as many letters as ``max_columns``'.  When none
    is, :func:`sheet_extent`'s exact count cannot exceed them and is not needed (one quick scan
    instead of a match per cell)."""
    limits = config.limits
    letters = len(cell_ref(0, max(limits.max_columns - 1, 0))) - 1
    return _long_reference(len(str(max(limits.max_rows, 1))), letters).search(xml) is not None


def check_extent(name: str, rows: int, cols: int, low: str | None, right: str | None, config: Config) -> None:
    """E206 for a sheet beyond ``limits.max_rows`` / ``limits.max_columns``."""
    limits = config.limits
    name = xml_safe(name)
    if rows > limits.max_rows:
        raise _too_large("rows", name, rows, limits.max_rows, low)
    if cols > limits.max_columns:
        raise _too_large("columns", name, cols, limits.max_columns, right)


def _too_large(what: str, sheet: str, count: int, limit: int, corner: str | None):
    if corner:
        return refuse("E206", f"{what}_at", sheet=sheet, count=count, limit=limit, corner=corner)
    return refuse("E206", what, sheet=sheet, count=count, limit=limit)


# ------------------------------------------------------------------ grid


@dataclass(slots=True)
class Grid:
    """One sheet's cells (0-based, absolute positions) and its merged ranges.

    A formula cell whose value cannot be trusted (see :func:`untrusted_formulas`)
    is empty in ``rows`` and listed in ``formulas``; the reader reports it.
    """

    name: str
    rows: list[list]
    below: dict[tuple[int, int], tuple[int, int]]  # cell covered by a vertical merge → anchor
    right_end: dict[tuple[int, int], int]  # merge anchor → last column of the range
    down_end: dict[tuple[int, int], int] = field(default_factory=dict)  # merge anchor → last row of the range
    across: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)  # header-area cell in a merge → anchor
    formulas: frozenset[tuple[int, int]] = frozenset()

    def raw(self, r: int, c: int):
        if r < len(self.rows):
            row = self.rows[r]
            if c < len(row):
                return row[c]
        return None

    def get(self, r: int, c: int, fill: bool = False):
        """The cell's value; with ``fill`` an empty cell under a merged range takes the range's value."""
        value = self.raw(r, c)
        if fill and (value is None or value == "") and (r, c) in self.below:
            value = self.raw(*self.below[(r, c)])
        return value


def make_grid(sheet, name: str, formulas: frozenset[tuple[int, int]] = frozenset()) -> Grid:
    """A calamine sheet as a :class:`Grid`; untrusted formula cells emptied."""
    rows = sheet.to_python(skip_empty_area=False)
    if formulas:  # a formula without a value may lie beyond the last row the library returns
        rows.extend([] for _ in range(max(r for r, _ in formulas) + 1 - len(rows)))
        for r, c in formulas:
            if c < len(rows[r]):
                rows[r][c] = None
    grid = Grid(name, rows, {}, {}, {}, {}, formulas)
    last_row = len(rows) - 1
    width = max(map(len, rows), default=0)
    for (r0, c0), (r1, c1) in sheet.merged_cell_ranges or ():
        grid.right_end[(r0, c0)] = c1
        if r1 > r0:
            grid.down_end[(r0, c0)] = min(r1, last_row)
        for r in range(r0 + 1, min(r1, last_row) + 1):
            grid.below[(r, c0)] = (r0, c0)
        if r0 <= HEADER_SEARCH_ROWS:  # for two-row headers: a group name over several columns
            for r in range(r0, min(r1, HEADER_SEARCH_ROWS) + 1):
                for c in range(c0 + (r == r0), min(c1, width - 1) + 1):
                    grid.across[(r, c)] = (r0, c0)
    return grid


def load_grid(book, name: str, package: Package, config: Config) -> Grid:
    """The named sheet, its extent checked first (on the raw XML where there is one)."""
    part = package.sheet_paths.get(name)
    formulas: frozenset[tuple[int, int]] = frozenset()
    if package.kind == "xlsx":  # refuse a huge sheet before calamine allocates it
        if part in package.parts:
            if may_exceed(package.parts[part], config):
                check_extent(name, *sheet_extent(package.parts[part]), config)
            formulas = untrusted_formulas(package.parts[part], package.recalc)
        else:  # the sheet's part is not where the relationships say: check them all
            for other, blob in package.parts.items():
                if other.startswith("xl/worksheets/") and may_exceed(blob, config):
                    check_extent(name, *sheet_extent(blob), config)
    try:
        sheet = book.get_sheet_by_name(name)
    except Exception:  # noqa: BLE001
        raise refuse("E110", "sheet", sheet=shown(name)) from None
    if package.kind != "xlsx":  # other formats: check after loading
        check_extent(name, sheet.total_height or 0, sheet.total_width or 0, None, None, config)
    return make_grid(sheet, shown(name), formulas)
