"""Read one branch workbook: bytes in, a :class:`Branch` and findings out.

The reader is tolerant (DESIGN.md §2 "What the reader accepts") and
defensive (§6).  The steps, one module each:

- :mod:`.package`  raw bytes → a checked package (size, format, zip bombs,
  XML entities, encryption), before a spreadsheet library parses anything;
- :mod:`.grid`     a sheet → a grid of cells (python-calamine), extent limits,
  merged ranges, formula cells without a trustworthy value;
- :mod:`.layout`   sheets by name, header rows, the 基本信息 layout;
- :mod:`.info`, :mod:`.items`  the grids → model records, through
- :mod:`.rules`    the validation rules (one parser per column kind, the 序号 rule);
- :mod:`.cells`    the findings collector and cell normalisation.

The findings' codes, levels and texts are listed in :mod:`reporter.findings`.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from .. import TEMPLATE_VERSION
from ..config import Config
from ..errors import os_reason
from ..findings import message
from ..model import Branch, Message, ReadResult
from ..schema import INFO_SHEET, INFO_SHEET_SYNONYMS, INSTRUCTIONS_SHEET, SECTIONS
from .cells import Collector
from .grid import Grid, cell_ref, load_grid, shown, sheet_extent, untrusted_formulas
from .info import branch_info, fill_info, fill_template
from .items import items, section_rows
from .layout import find_sheet, norm_name
from .package import Package, Refused, check_package, open_book, too_large
from .rules import Context, join_parts, parse_refs

__all__ = [
    "ReadResult", "read_workbook", "read_path", "parse_refs", "fill_template", "fill_info", "join_parts",
    "norm_name", "cell_ref", "sheet_extent", "untrusted_formulas",
]


def read_workbook(data: bytes, filename: str, config: Config) -> ReadResult:
    """Read one workbook's bytes; never raises for anything in the file."""
    suffix = os.path.splitext(filename)[1].lower()
    cells = Collector(config)
    try:
        package = check_package(data, suffix, config)
        book = open_book(data, package, suffix)
        try:
            return _read(book, package, cells)
        finally:
            book.close()
    except Refused as refused:  # the branch name, if it was read before, is kept
        return ReadResult(None, (refused.message,), cells.name)


def _section_grids(book, package: Package, cells: Collector, names: list[str]) -> dict[str, Grid]:
    """The section sheets found (E202 for a missing required one)."""
    grids: dict[str, Grid] = {}
    for section in SECTIONS:
        name = find_sheet(names, section.names)
        if name is None:
            if section.required:
                found = "、".join(f"“{shown(n)}”" for n in book.sheet_names)
                if found:
                    cells.add("E202", variant="found", section=section.name, found=found)
                else:
                    cells.add("E202", variant="none", section=section.name)
            continue
        grids[section.key] = load_grid(book, name, package, cells.config)
    return grids


def _no_rows(cells: Collector, grids: dict[str, Grid], rows: dict[str, list | None], key: str) -> None:
    """E205 for a problems sheet without rows, W311 for another section (not after E207 on the sheet)."""
    if rows.get(key) != [] or cells.has("E207", grids[key]):
        return
    grid = grids[key]
    if key == "problems":
        cells.add("E205", grid)
    else:
        cells.add("W311", grid, section=next(s.name for s in SECTIONS if s.key == key))


def _read(book, package: Package, cells: Collector) -> ReadResult:
    names = [n for n in book.sheet_names if norm_name(n) != norm_name(INSTRUCTIONS_SHEET)]
    if package.version is not None and package.version > TEMPLATE_VERSION:
        cells.add("W308", version=package.version, supported=TEMPLATE_VERSION)
    info_name = find_sheet(names, (INFO_SHEET, *INFO_SHEET_SYNONYMS))
    info = branch_info(cells, load_grid(book, info_name, package, cells.config) if info_name else None)
    grids = _section_grids(book, package, cells, names)
    rows = {s.key: section_rows(cells, grids[s.key], s) for s in SECTIONS if s.key in grids}
    found: dict[str, list] = {}
    ctx = Context(meeting=info.meeting_date if info else None)
    for section in SECTIONS:  # problems first: 对应问题 refers to their numbers
        if rows.get(section.key) is not None:
            found[section.key] = items(cells, grids[section.key], section, rows[section.key], ctx)
        if section.key == "problems":
            ctx = Context(tuple(p.number for p in found.get("problems", ())), ctx.meeting)
            _no_rows(cells, grids, rows, section.key)
    for section in SECTIONS[1:]:
        _no_rows(cells, grids, rows, section.key)
    messages = tuple(cells.messages)
    if info is None or any(m.level == "error" for m in messages):
        return ReadResult(None, messages, cells.name)
    branch = Branch(info, *(tuple(found.get(s.key, ())) for s in SECTIONS), package.version)
    return ReadResult(branch, messages, cells.name)


def read_path(path: Path, config: Config, root: Path | None = None) -> ReadResult:
    """Read a workbook file; file-system problems become findings."""
    path = Path(path)
    try:
        refused = _refuse_path(path, config, root)
        if refused is not None:
            return ReadResult(None, (refused,))
        data = path.read_bytes()
    except FileNotFoundError:
        if path.is_symlink():
            return _failed("E121", "dangling")
        return _failed("E121", "vanished")
    except PermissionError:
        return _failed("E120")
    except IsADirectoryError:
        return _failed("E122", "folder")
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return _failed("E122", "loop")
        return _failed("E124", reason=os_reason(exc))
    return read_workbook(data, path.name, config)


def _failed(code: str, variant: str = "", **fields: object) -> ReadResult:
    return ReadResult(None, (message(code, variant=variant, **fields),))


def _refuse_path(path: Path, config: Config, root: Path | None) -> Message | None:
    """A finding for a path that is not to be read (outside the input folder, not a file, too large)."""
    if root is not None:
        try:
            resolved = path.resolve()
        except RuntimeError:  # Python < 3.13 reports a symlink loop this way
            return message("E122", variant="loop")
        if not resolved.is_relative_to(Path(root).resolve()):
            return message("E123")
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        return message("E122", variant="special")
    return too_large(info.st_size, config)

