"""The data sheets: 基本信息, the section sheets and the hidden sheet of drop-down lists."""

from __future__ import annotations

from collections.abc import Mapping

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet

from ..config import Config
from ..schema import INFO_FIELDS, INFO_HEADER, SHORT_KINDS, Column, Sheet
from .cells import (BORDER, CATEGORIES_NAME, CENTER, DATE_FORMAT, HEADER_FONT, REQUIRED_FONT, REQUIRED_MARK, ROWS,
                    STATUSES_NAME, WRAP, date_validation, header, list_validation, print_setup, prompt)


def lists_sheet(wb: Workbook, ws: Worksheet, config: Config) -> None:
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


def section_sheet(ws: Worksheet, sheet: Sheet) -> None:
    """A section sheet: the schema's columns with prompts and validations, :data:`ROWS` numbered rows."""
    for index, column in enumerate(sheet.columns, start=1):
        letter = get_column_letter(index)
        header(ws.cell(row=1, column=index), column.label)
        ws.column_dimensions[letter].width = column.width
        prompt(ws, f"{letter}1", column.label, column.prompt)
        data = f"{letter}2:{letter}{ROWS + 1}"
        for row in range(2, ROWS + 2):
            cell = ws.cell(row=row, column=index)
            cell.border = BORDER
            cell.alignment = CENTER if column.kind in SHORT_KINDS else WRAP
            if column.kind == "number":
                cell.value = row - 1
            elif column.kind in ("date", "deadline"):
                cell.number_format = DATE_FORMAT
            elif column.kind == "refs":
                cell.number_format = "@"  # "1,3" must stay text
        _column_validation(ws, data, column)
    ws.row_dimensions[1].height = 22
    ws.freeze_panes = "A2"
    print_setup(ws, landscape=sum(c.width for c in sheet.columns) > 90)


def _column_validation(ws: Worksheet, ref: str, column: Column) -> None:
    if column.kind == "category":
        list_validation(ws, ref, CATEGORIES_NAME, column.label, column.prompt, "问题所属方面")
    elif column.kind == "status":
        list_validation(ws, ref, STATUSES_NAME, column.label, column.prompt, "完成情况")
    elif column.kind in ("date", "deadline"):
        date_validation(ws, ref, column.label, column.prompt)


def info_sheet(ws: Worksheet, info: Mapping[str, object]) -> None:
    """基本信息: one row a field (label, value), ``info`` pre-filled (by label)."""
    for index, text in enumerate(INFO_HEADER, start=1):
        header(ws.cell(row=1, column=index), text)
    prompt(ws, "A1", INFO_HEADER[0], "以下各项名称请勿修改；带 * 的为必填项。")
    prompt(ws, "B1", INFO_HEADER[1], "在本列填写各项内容。")
    for row, field in enumerate(INFO_FIELDS, start=2):
        label = ws.cell(row=row, column=1, value=field.label + (REQUIRED_MARK if field.required else ""))
        label.font = REQUIRED_FONT if field.required else HEADER_FONT
        label.alignment = Alignment(vertical="top")
        label.border = BORDER
        value = ws.cell(row=row, column=2)
        value.alignment = WRAP
        value.border = BORDER
        prefill = info.get(field.label)
        if field.kind == "date":
            value.number_format = DATE_FORMAT
            value.alignment = Alignment(horizontal="left", vertical="top")
            date_validation(ws, value.coordinate, field.label, field.prompt)
        else:
            prompt(ws, value.coordinate, field.label, field.prompt)
        if prefill not in (None, ""):
            value.value = prefill
            if isinstance(prefill, str):
                value.data_type = "s"  # never a formula
        if field.key == "preamble":
            ws.row_dimensions[row].height = 120
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 80
    ws.freeze_panes = "A2"
    print_setup(ws, landscape=False)
