"""Writing the standard workbook that branches fill in (DESIGN.md §2).

Everything the workbook offers — sheets, headers, widths, prompts, the
基本信息 fields — comes from :mod:`reporter.schema`; the drop-down lists come
from the configuration.  So the template and the reader cannot disagree.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import IO

from openpyxl import Workbook
from openpyxl.packaging.custom import IntProperty
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from . import TEMPLATE_VERSION
from .config import Config
from .errors import UsageError, os_reason
from .fsutil import atomic_write, safe_name
from .ooxml import normalise_zip
from .schema import (
    INFO_FIELDS,
    INFO_HEADER,
    INFO_SHEET,
    INSTRUCTIONS_SHEET,
    MEASURES,
    PROBLEMS,
    SECTION_TITLES,
    SECTIONS,
    SHORT_KINDS,
    VERSION_NAME,
    Column,
    Sheet,
)

DEFAULT_FILENAME = "对照检查材料填报模板.xlsx"
LISTS_SHEET = "下拉选项"  # hidden sheet holding the drop-down lists
CATEGORIES_NAME = "REPORTER_CATEGORIES"  # defined names of those lists
STATUSES_NAME = "REPORTER_STATUSES"
ROWS = 30  # pre-numbered empty rows on each section sheet
REQUIRED_MARK = "*"
DATE_FORMAT = "yyyy-mm-dd"
# Accepted date range of the date validations (Excel serials of 2000-01-01 and 2099-12-31).
_DATE_MIN, _DATE_MAX = "36526", "73050"

_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_REQUIRED_FONT = Font(bold=True, color="C00000")
_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTER = Alignment(horizontal="center", vertical="top", wrap_text=True)
_HEADER_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)

# The worked example on the instructions sheet (short, realistic): sheet key → column key → value.
# A column without an example value is left out of it.
EXAMPLE: dict[str, dict[str, object]] = {
    "problems": {"category": "理论学习", "headline": "理论学习不够深入系统",
                 "details": "满足于集中学习和读原文，个人自学计划执行不到位，学用结合不紧密，"
                            "运用党的创新理论解决实际问题的能力还有差距。"},
    "causes": {"headline": "理论武装的自觉性不够强",
               "details": "对理论学习的重要性认识不足，把主要精力放在业务工作上，存在以干代学的倾向。"},
    "measures": {"headline": "健全常态化学习机制",
                 "details": "制定支部年度学习计划，每月开展一次集中学习研讨，党员每季度撰写一篇学习体会，支部书记带头讲党课。",
                 "problems": "1", "owner": "支部书记", "deadline": date(2024, 3, 31), "status": "整改中"},
}


# ------------------------------------------------------------------ building

_LINE_POINTS = 18.0  # height of one wrapped line of 11 pt CJK text (with some slack)


def _display_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def fit_row(ws: Worksheet, row: int, widths: Mapping[int, float] | None = None) -> None:
    """Give ``row`` the height its wrapped text needs (as Excel's autofit would).

    ``widths`` overrides column widths by column index (for merged cells).
    """
    lines = 1
    for cell in ws[row]:
        if not isinstance(cell.value, str):
            continue
        width = (widths or {}).get(cell.column) or ws.column_dimensions[cell.column_letter].width or 8.43
        per_line = max(1.0, (width - 1) * 0.9)  # CJK glyphs run a little wider than two digits
        lines = max(lines, sum(max(1, -(-_display_width(part) // int(per_line))) for part in cell.value.split("\n")))
    if lines > 1:
        ws.row_dimensions[row].height = lines * _LINE_POINTS


def build_template(config: Config, info: Mapping[str, object] | None = None) -> Workbook:
    """The standard workbook as an openpyxl :class:`Workbook` (not saved).

    ``info`` pre-fills 基本信息; its keys are the field labels (支部名称 …),
    values are text or dates.  Callers may fill the section sheets before
    saving (see tools/make_samples.py).
    """
    info = dict(info or {})
    labels = {f.label for f in INFO_FIELDS}
    unknown = sorted(set(info) - labels)
    if unknown:
        raise ValueError(f"unknown 基本信息 labels: {unknown}")

    wb = Workbook()
    instructions = wb.active
    instructions.title = INSTRUCTIONS_SHEET
    info_ws = wb.create_sheet(INFO_SHEET)
    section_ws = {s.key: wb.create_sheet(s.name) for s in SECTIONS}
    lists = wb.create_sheet(LISTS_SHEET)

    _lists_sheet(wb, lists, config)
    _instructions_sheet(instructions, config)
    _info_sheet(info_ws, info)
    for sheet in SECTIONS:
        _section_sheet(section_ws[sheet.key], sheet)

    wb.defined_names[VERSION_NAME] = DefinedName(VERSION_NAME, attr_text=str(TEMPLATE_VERSION))
    wb.custom_doc_props.append(IntProperty(name=VERSION_NAME, value=TEMPLATE_VERSION))
    wb.properties.title = "对照检查材料填报模板"
    wb.properties.creator = "reporter"
    wb.properties.description = f"标准工作簿第 {TEMPLATE_VERSION} 版"
    wb.active = 0
    return wb


def _lists_sheet(wb: Workbook, ws: Worksheet, config: Config) -> None:
    """The hidden sheet with the drop-down lists, each under a defined name."""
    ws.sheet_state = "hidden"
    ws["A1"], ws["B1"] = "方面", "完成情况"
    for column, name, values in (("A", CATEGORIES_NAME, config.categories),
                                 ("B", STATUSES_NAME, config.statuses)):
        for row, value in enumerate(values, start=2):
            ws[f"{column}{row}"] = value
            ws[f"{column}{row}"].data_type = "s"
        ref = f"{quote_sheetname(ws.title)}!${column}$2:${column}${len(values) + 1}"
        wb.defined_names[name] = DefinedName(name, attr_text=ref)
    ws.column_dimensions["A"].width = ws.column_dimensions["B"].width = 16


def _header(cell, text: str, font: Font = _HEADER_FONT) -> None:
    cell.value = text
    cell.font = font
    cell.fill = _HEADER_FILL
    cell.alignment = _HEADER_ALIGN
    cell.border = _BORDER


def _prompt(ws: Worksheet, ref: str, title: str, text: str) -> None:
    """An input message (no restriction) on ``ref``."""
    dv = DataValidation(allow_blank=True, showInputMessage=True, promptTitle=title[:32], prompt=text[:255])
    ws.add_data_validation(dv)
    dv.add(ref)


def _list_validation(ws: Worksheet, ref: str, name: str, title: str, prompt: str, what: str) -> None:
    dv = DataValidation(
        type="list", formula1=name, allow_blank=True,
        showInputMessage=True, promptTitle=title[:32], prompt=prompt[:255],
        showErrorMessage=True, errorStyle="stop", errorTitle="请从列表中选择",
        error=f"请从下拉列表中选择{what}。",
    )
    ws.add_data_validation(dv)
    dv.add(ref)


def _date_validation(ws: Worksheet, ref: str, title: str, prompt: str) -> None:
    # errorStyle "warning": text dates such as 2023年12月20日 are still accepted by the reader.
    dv = DataValidation(
        type="date", operator="between", formula1=_DATE_MIN, formula2=_DATE_MAX, allow_blank=True,
        showInputMessage=True, promptTitle=title[:32], prompt=prompt[:255],
        showErrorMessage=True, errorStyle="warning", errorTitle="日期格式",
        error="请填写日期，如 2024-03-31。",
    )
    ws.add_data_validation(dv)
    dv.add(ref)


def _print_setup(ws: Worksheet, landscape: bool, title_rows: str | None = "1:1") -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    if title_rows:
        ws.print_title_rows = title_rows
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def _section_sheet(ws: Worksheet, sheet: Sheet) -> None:
    for index, column in enumerate(sheet.columns, start=1):
        letter = get_column_letter(index)
        _header(ws.cell(row=1, column=index), column.label)
        ws.column_dimensions[letter].width = column.width
        _prompt(ws, f"{letter}1", column.label, column.prompt)
        data = f"{letter}2:{letter}{ROWS + 1}"
        for row in range(2, ROWS + 2):
            cell = ws.cell(row=row, column=index)
            cell.border = _BORDER
            cell.alignment = _CENTER if column.kind in SHORT_KINDS else _WRAP
            if column.kind == "number":
                cell.value = row - 1
            elif column.kind in ("date", "deadline"):
                cell.number_format = DATE_FORMAT
            elif column.kind == "refs":
                cell.number_format = "@"  # "1,3" must stay text
        _column_validation(ws, data, column)
    ws.row_dimensions[1].height = 22
    ws.freeze_panes = "A2"
    _print_setup(ws, landscape=sum(c.width for c in sheet.columns) > 90)


def _column_validation(ws: Worksheet, ref: str, column: Column) -> None:
    if column.kind == "category":
        _list_validation(ws, ref, CATEGORIES_NAME, column.label, column.prompt, "问题所属方面")
    elif column.kind == "status":
        _list_validation(ws, ref, STATUSES_NAME, column.label, column.prompt, "完成情况")
    elif column.kind in ("date", "deadline"):
        _date_validation(ws, ref, column.label, column.prompt)


def _info_sheet(ws: Worksheet, info: Mapping[str, object]) -> None:
    for index, text in enumerate(INFO_HEADER, start=1):
        _header(ws.cell(row=1, column=index), text)
    _prompt(ws, "A1", INFO_HEADER[0], "以下各项名称请勿修改；带 * 的为必填项。")
    _prompt(ws, "B1", INFO_HEADER[1], "在本列填写各项内容。")
    for row, field in enumerate(INFO_FIELDS, start=2):
        label = ws.cell(row=row, column=1, value=field.label + (REQUIRED_MARK if field.required else ""))
        label.font = _REQUIRED_FONT if field.required else _HEADER_FONT
        label.alignment = Alignment(vertical="top")
        label.border = _BORDER
        value = ws.cell(row=row, column=2)
        value.alignment = _WRAP
        value.border = _BORDER
        prefill = info.get(field.label)
        if field.kind == "date":
            value.number_format = DATE_FORMAT
            value.alignment = Alignment(horizontal="left", vertical="top")
            _date_validation(ws, value.coordinate, field.label, field.prompt)
        else:
            _prompt(ws, value.coordinate, field.label, field.prompt)
        if prefill not in (None, ""):
            value.value = prefill
            if isinstance(prefill, str):
                value.data_type = "s"  # never a formula
        if field.key == "preamble":
            ws.row_dimensions[row].height = 120
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 80
    ws.freeze_panes = "A2"
    _print_setup(ws, landscape=False)


def _label(sheet: Sheet, key: str) -> str:
    return next(c.label for c in sheet.columns if c.key == key)


def _steps(config: Config) -> list[str]:
    """The numbered filling-in steps of the instructions sheet."""
    sections = "、".join(f"“{s.name}”" for s in SECTIONS)
    required = "、".join(f.label for f in INFO_FIELDS if f.required)
    headlines = "、".join(f"“{s.headline.label}”" for s in SECTIONS)
    details = "、".join(f"“{_label(s, 'details')}”" for s in SECTIONS)
    category, status = _label(PROBLEMS, "category"), _label(MEASURES, "status")
    deadline, refs = _label(MEASURES, "deadline"), _label(MEASURES, "problems")
    return [
        f"1. 在“{INFO_SHEET}”表填写支部的基本信息，带 {REQUIRED_MARK} 的（{required}）为必填项；"
        "会议主题、材料标题、导语留空时使用默认内容。",
        f"2. 在{sections}三张表中逐行填写，每行一条。序号已预先编好，不用修改；"
        f"{headlines}必填，留空的行不计入；不用自己写（一）（二）等编号，生成时自动编号。",
        f"3. {headlines}写一句话，作为材料中（一）（二）……后面的标题句；{details}写展开的段落，"
        "可以写多句，单元格内不必换行。",
        f"4. “{category}”请从下拉列表中选择：{'、'.join(config.categories)}。",
        f"5. “{status}”请从下拉列表中选择：{'、'.join(config.statuses)}；"
        f"“{deadline}”和其他日期请写成 2024-03-31 的形式。",
        f"6. “{refs}”填写该措施针对的问题序号，多个用逗号或顿号分隔，如“1,3”或“1、3”。",
        "7. 请不要修改表名和各列标题，也不要删除本表。点击标题单元格可以看到填写提示。",
    ]


def _example_rows() -> list[tuple[str, str, str]]:
    """The worked example: one problem, one cause, one measure, and what the document makes of them."""
    example: list[tuple[str, str, str]] = []
    for sheet in SECTIONS:
        values = EXAMPLE[sheet.key]
        columns = [c for c in sheet.columns if c.key in values]
        for index, column in enumerate(columns):
            value = values[column.key]
            text = value.isoformat() if isinstance(value, date) else str(value)
            example.append((sheet.name if index == 0 else "", column.label, text))
    problem = EXAMPLE["problems"]
    example.append(("生成的材料中", SECTION_TITLES["problems"], f"（一）{problem['headline']}。{problem['details']}"))
    return example


def _column_rows() -> list[tuple[str, str, str]]:
    """Every field and column, straight from the schema: (sheet, label, what to write)."""
    rows = [(INFO_SHEET, f.label, f.required, f.prompt) for f in INFO_FIELDS]
    rows += [(s.name, c.label, c.required, c.prompt) for s in SECTIONS for c in s.columns]
    return [(sheet, label, f"（必填）{prompt}" if is_required and "必填" not in prompt else prompt)
            for sheet, label, is_required, prompt in rows]


def _table(ws: Worksheet, row: int, rows: list[tuple[str, str, str]], bold_labels: bool) -> int:
    """Three-column bordered rows from ``row + 1``; returns the last row written."""
    for values in rows:
        row += 1
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=row, column=col, value=value)
            cell.alignment = _WRAP
            cell.border = _BORDER
            if bold_labels and col < 3:
                cell.font = _HEADER_FONT
        fit_row(ws, row)
    return row


def _instructions_sheet(ws: Worksheet, config: Config) -> None:
    """How to fill in the workbook, a worked example and what each column means."""
    widths = {"A": 14, "B": 18, "C": 80}
    for letter, width in widths.items():
        ws.column_dimensions[letter].width = width
    full_width = {1: float(sum(widths.values()))}
    title = ws.cell(row=1, column=1, value="对照检查材料填报说明")
    title.font = Font(bold=True, size=16)
    ws.merge_cells("A1:C1")

    row = 3
    ws.cell(row=row, column=1, value="填写步骤").font = Font(bold=True, size=12)
    for step in _steps(config):
        row += 1
        ws.cell(row=row, column=1, value=step).alignment = _WRAP
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=3)
        fit_row(ws, row, full_width)

    row += 2
    ws.cell(row=row, column=1, value="填写示例").font = Font(bold=True, size=12)
    row = _table(ws, row, _example_rows(), bold_labels=True)

    row += 2
    ws.cell(row=row, column=1, value="各列说明").font = Font(bold=True, size=12)
    row += 1
    for col, text in enumerate(("工作表", "列 / 项目", "填写要求"), start=1):
        _header(ws.cell(row=row, column=col), text)
    _table(ws, row, _column_rows(), bold_labels=False)
    _print_setup(ws, landscape=False, title_rows=None)


# ------------------------------------------------------------------ saving


def workbook_bytes(wb: Workbook, timestamp: datetime | None = None) -> bytes:
    """Serialise ``wb``; with ``timestamp`` the bytes are reproducible
    (document properties and zip member times fixed, :func:`reporter.ooxml.normalise_zip`)."""
    buffer = io.BytesIO()
    if timestamp is None:
        wb.properties.modified = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
    else:
        wb.properties.created = wb.properties.modified = timestamp
    ExcelWriter(wb, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True)).save()
    return buffer.getvalue() if timestamp is None else normalise_zip(buffer.getvalue(), timestamp)


def write_template(path_or_stream: str | Path | IO[bytes], config: Config,
                   info: Mapping[str, object] | None = None) -> None:
    """Write the standard workbook to a path (atomically) or a binary stream."""
    data = workbook_bytes(build_template(config, info))
    if isinstance(path_or_stream, (str, Path)):
        atomic_write(Path(path_or_stream), data)
    else:
        path_or_stream.write(data)


# ------------------------------------------------------------------ command


@dataclass(frozen=True, slots=True)
class TemplateResult:
    """What ``reporter template`` did: the workbooks written and the existing ones kept."""

    written: tuple[Path, ...]
    kept: tuple[Path, ...] = ()
    folder: Path | None = None  # roster mode: the folder written into

    def lines(self) -> list[str]:
        """What the command says (the CLI prints it)."""
        if self.folder is None:
            return [f"已写出标准工作簿：{self.written[0]}"]
        out = [f"已按名单为 {len(self.written)} 个支部写出预填工作簿：{self.folder}"]
        if self.kept:
            out.append(f"以下 {len(self.kept)} 个工作簿已存在，未覆盖（可能已经填写了内容；确需覆盖时加 --force）："
                       + "、".join(p.name for p in self.kept))
        return out


def run_template(path: Path, config: Config, roster: Path | None = None, force: bool = False) -> TemplateResult:
    """``reporter template``: one blank workbook at ``path``, or with a roster
    one pre-filled workbook per branch in the folder ``path``.

    An existing workbook (perhaps already filled in by a branch) is never
    overwritten without ``force``: a single file is refused, in roster mode
    the existing ones are skipped and named.
    """
    if roster is not None:
        return _run_roster(Path(path), config, Path(roster), force)
    path = Path(path)
    if path.is_dir():
        path = path / DEFAULT_FILENAME
    if path.suffix.lower() != ".xlsx":
        raise UsageError(f"模板文件名应以 .xlsx 结尾：{path}")
    if path.exists() and not force:
        raise UsageError(f"{path} 已存在，未覆盖（它可能已经填写了内容）。"
                         "请换一个文件名；确需覆盖时加 --force。")
    try:
        write_template(path, config)
    except OSError as exc:
        raise _cannot_write(path, exc) from None
    return TemplateResult((path,))


def _cannot_write(what: object, exc: OSError) -> UsageError:
    # Existing files are never overwritten here, so "exists" means a folder on the way is a file.
    reason = "路径中的某一级不是文件夹" if isinstance(exc, FileExistsError) else os_reason(exc)
    return UsageError(f"无法写入 {what}：{reason}。")


def _run_roster(folder: Path, config: Config, roster: Path, force: bool) -> TemplateResult:
    from .roster import read_roster_entries

    entries = read_roster_entries(roster)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"使用 --roster 时 PATH 应为文件夹：{folder} 是一个文件。")
    used: set[str] = set()
    written: list[Path] = []
    kept: list[Path] = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for entry in entries:
            stem = safe_name(entry.name)
            candidate, n = stem, 1
            while candidate.casefold() in used:
                n += 1
                candidate = f"{stem}-{n}"
            used.add(candidate.casefold())
            target = folder / f"{candidate}.xlsx"
            if target.exists() and not force:
                kept.append(target)
                continue
            info = {"支部名称": entry.name}
            if entry.parent:
                info["上级党组织"] = entry.parent
            write_template(target, config, info)
            written.append(target)
    except OSError as exc:
        raise _cannot_write(f"文件夹 {folder}", exc) from None
    return TemplateResult(tuple(written), tuple(kept), folder)
