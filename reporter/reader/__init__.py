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
from ..model import Branch, Message, ReadResult, error
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
                found = "、".join(f"“{shown(n)}”" for n in book.sheet_names) or "（没有工作表）"
                cells.fail("E202", f"缺少“{section.name}”工作表（本工作簿中的工作表有：{found}）；"
                                   f"请使用标准模板，保留“{section.name}”表并填写；如果表改了名字，请改回“{section.name}”。")
            continue
        grids[section.key] = load_grid(book, name, package, cells.config)
    return grids


def _no_rows(cells: Collector, grids: dict[str, Grid], rows: dict[str, list | None], key: str) -> None:
    """E205 for a problems sheet without rows, W311 for another section (not after E207 on the sheet)."""
    if rows.get(key) != [] or cells.has("E207", grids[key]):
        return
    grid = grids[key]
    if key == "problems":
        cells.fail("E205", "“存在的问题”表中没有填写任何问题；请至少填写一个问题的“问题概述”。", grid)
    else:
        label = next(s.name for s in SECTIONS if s.key == key)
        cells.warn("W311", f"“{label}”表中没有填写任何内容，材料中该部分将为空；请补充填写。", grid)


def _read(book, package: Package, cells: Collector) -> ReadResult:
    names = [n for n in book.sheet_names if norm_name(n) != norm_name(INSTRUCTIONS_SHEET)]
    if package.version is not None and package.version > TEMPLATE_VERSION:
        cells.warn("W308", f"此工作簿来自更新版本的模板（第 {package.version} 版，本程序支持第 {TEMPLATE_VERSION} 版），"
                           "部分内容可能无法识别；请升级 reporter 或使用当前模板。")
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
            return _failed("E121", "这是一个快捷方式（符号链接），但它指向的文件不存在；请把工作簿本身放入文件夹。")
        return _failed("E121", "读取时找不到该文件（可能在运行期间被移动或删除）。")
    except PermissionError:
        return _failed("E120", "没有读取该文件的权限；请让管理员开放读取权限后重试。")
    except IsADirectoryError:
        return _failed("E122", "这是一个文件夹，不是工作簿。")
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return ReadResult(None, (_symlink_loop(),))
        return _failed("E124", f"读取文件时出错（{os_reason(exc)}）；请稍后重试，或联系管理员检查文件所在的磁盘或共享文件夹。")
    return read_workbook(data, path.name, config)


def _failed(code: str, text: str) -> ReadResult:
    return ReadResult(None, (error(code, text),))


def _refuse_path(path: Path, config: Config, root: Path | None) -> Message | None:
    """A finding for a path that is not to be read (outside the input folder, not a file, too large)."""
    if root is not None:
        try:
            resolved = path.resolve()
        except RuntimeError:  # Python < 3.13 reports a symlink loop this way
            return _symlink_loop()
        if not resolved.is_relative_to(Path(root).resolve()):
            return error("E123", "这是一个指向输入文件夹以外的快捷方式（符号链接），出于安全原因不读取；"
                                 "请把工作簿本身放入文件夹。")
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        return error("E122", "这不是一个普通文件（可能是文件夹或设备），无法作为工作簿读取。")
    return too_large(info.st_size, config)


def _symlink_loop() -> Message:
    return error("E122", "这是一个循环指向自身的快捷方式（符号链接），不是工作簿，无法读取；请把工作簿本身放入文件夹。")
