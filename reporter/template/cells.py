"""The template's names and cell formats, and the openpyxl helpers every sheet uses
(headers, input prompts, drop-down and date validations, row heights, print set-up)."""

from __future__ import annotations

from collections.abc import Mapping

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

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
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
REQUIRED_FONT = Font(bold=True, color="C00000")
WRAP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(horizontal="center", vertical="top", wrap_text=True)
_HEADER_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)

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


def header(cell, text: str, font: Font = HEADER_FONT) -> None:
    cell.value = text
    cell.font = font
    cell.fill = _HEADER_FILL
    cell.alignment = _HEADER_ALIGN
    cell.border = BORDER


def _validation(ws: Worksheet, ref: str, title: str, text: str, **rule: object) -> None:
    """A data validation on ``ref`` with the input message ``title``/``text`` and ``rule`` (none: a prompt only)."""
    dv = DataValidation(allow_blank=True, showInputMessage=True, promptTitle=title[:32], prompt=text[:255], **rule)
    ws.add_data_validation(dv)
    dv.add(ref)


def prompt(ws: Worksheet, ref: str, title: str, text: str) -> None:
    """An input message (no restriction) on ``ref``."""
    _validation(ws, ref, title, text)


def list_validation(ws: Worksheet, ref: str, name: str, title: str, text: str, what: str) -> None:
    """A drop-down of the list under the defined name ``name``; anything else is refused."""
    _validation(ws, ref, title, text, type="list", formula1=name, showErrorMessage=True, errorStyle="stop",
                errorTitle="请从列表中选择", error=f"请从下拉列表中选择{what}。")


def date_validation(ws: Worksheet, ref: str, title: str, text: str) -> None:
    # errorStyle "warning": text dates such as 2023年12月20日 are still accepted by the reader.
    _validation(ws, ref, title, text, type="date", operator="between", formula1=_DATE_MIN, formula2=_DATE_MAX,
                showErrorMessage=True, errorStyle="warning", errorTitle="日期格式", error="请填写日期，如 2024-03-31。")


def print_setup(ws: Worksheet, landscape: bool, title_rows: str | None = "1:1") -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    if title_rows:
        ws.print_title_rows = title_rows
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
