"""The instructions sheet: the filling-in steps, a worked example and what each column means."""

from __future__ import annotations

from datetime import date

from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from ..config import Config
from ..schema import INFO_FIELDS, INFO_SHEET, MEASURES, PROBLEMS, SECTION_TITLES, SECTIONS, Sheet
from .cells import BORDER, HEADER_FONT, REQUIRED_MARK, WRAP, fit_row, header, print_setup

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
            cell.alignment = WRAP
            cell.border = BORDER
            if bold_labels and col < 3:
                cell.font = HEADER_FONT
        fit_row(ws, row)
    return row


def instructions_sheet(ws: Worksheet, config: Config) -> None:
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
        ws.cell(row=row, column=1, value=step).alignment = WRAP
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=3)
        fit_row(ws, row, full_width)

    row += 2
    ws.cell(row=row, column=1, value="填写示例").font = Font(bold=True, size=12)
    row = _table(ws, row, _example_rows(), bold_labels=True)

    row += 2
    ws.cell(row=row, column=1, value="各列说明").font = Font(bold=True, size=12)
    row += 1
    for col, text in enumerate(("工作表", "列 / 项目", "填写要求"), start=1):
        header(ws.cell(row=row, column=col), text)
    _table(ws, row, _column_rows(), bold_labels=False)
    print_setup(ws, landscape=False, title_rows=None)
