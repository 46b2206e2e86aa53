"""Recognised fields → the standard workbook, through the template `reporter template` writes."""

from __future__ import annotations

from ..config import Config
from ..schema import SECTIONS
from ..template import build_template, fit_row, workbook_bytes
from .recognise import Recognised


def info_of(recognised: Recognised, name: str) -> dict[str, object]:
    """基本信息 by label (empty fields left out: the template's defaults apply)."""
    info = {"支部名称": name, "材料标题": recognised.title, "导语": recognised.preamble,
            "落款": recognised.signature, "落款日期": recognised.signature_date}
    return {label: value for label, value in info.items() if value not in (None, "")}


def workbook(recognised: Recognised, name: str, config: Config) -> bytes:
    """The standard workbook with 基本信息 and each section's items filled in (text never a formula)."""
    wb = build_template(config, info_of(recognised, name))
    for sheet in SECTIONS:
        ws = wb[sheet.name]
        column = {c.key: i for i, c in enumerate(sheet.columns, start=1)}
        for row, (headline, details) in enumerate(recognised.items[sheet.key], start=2):
            ws.cell(row=row, column=column["number"], value=row - 1)
            for key, text in (("headline", headline), ("details", details)):
                if text:
                    cell = ws.cell(row=row, column=column[key], value=text)
                    cell.data_type = "s"
            fit_row(ws, row)
    return workbook_bytes(wb)
