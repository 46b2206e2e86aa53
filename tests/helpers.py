"""Build workbooks inside tests (openpyxl), the standard layout or a messy one.

Sheets are given as plain lists of rows, so a test can rename a sheet,
reorder columns, insert title rows or break anything before writing:

    sheets = standard_sheets(problems=[("理论学习", "学习不深入", "具体…")])
    sheets["问题清单"] = sheets.pop("存在的问题")
    path = write_workbook(tmp_path / "a.xlsx", sheets, merges={"问题清单": ["A1:D1"]})
"""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path
from typing import Any, Iterable

from reporter import schema

Rows = list[list[Any]]

INFO: dict[str, Any] = {
    "支部名称": "机关第一党支部",
    "上级党组织": "机关党委",
    "支部书记": "张三",
    "会议主题": "",
    "会议日期": date(2023, 12, 20),
    "材料标题": "",
    "导语": "",
    "落款": "",
    "落款日期": "",
}

PROBLEMS: list[tuple] = [
    ("理论学习", "理论学习不深入", "对开展政治理论学习缺乏深入细致谋划研究，学习方法较为单一。"),
    ("政治素质", "政治敏锐性还不够强", "对意识形态领域风险隐患认识不够深刻。"),
    ("担当作为", "履职担当尽责还不够", "整体性谋划支部重点工作任务统筹用力不够。"),
]
CAUSES: list[tuple] = [
    ("理论武装抓得不紧", "把更多精力放在完成工作的“硬指标”上。"),
    ("党建责任传导不到位", "抓支部党建投入的时间和精力不够多。"),
]
MEASURES: list[tuple] = [
    ("强化政治理论学习", "增强支部集体学习和党员个人学习的自觉性和系统性。", "1", "张三", date(2024, 3, 31), "整改中"),
    ("不断增强工作实效", "严格落实党建工作责任制。", "2、3", "李四", date(2024, 6, 30), "未开始"),
]

# The standard headers, from the schema (an item tuple above lists the columns after 序号, in this order).
PROBLEM_HEADER = [c.label for c in schema.PROBLEMS.columns]
CAUSE_HEADER = [c.label for c in schema.CAUSES.columns]
MEASURE_HEADER = [c.label for c in schema.MEASURES.columns]


def _numbered(header: list[str], items: Iterable[tuple], blank_rows: int) -> Rows:
    rows: Rows = [list(header)]
    n = 0
    for n, item in enumerate(items, 1):
        rows.append([n, *item])
    for extra in range(blank_rows):  # pre-numbered empty rows, as in the template
        rows.append([n + extra + 1])
    return rows


def standard_sheets(
    info: dict[str, Any] | None = None,
    problems: Iterable[tuple] | None = None,
    causes: Iterable[tuple] | None = None,
    measures: Iterable[tuple] | None = None,
    blank_rows: int = 0,
) -> dict[str, Rows]:
    """The standard workbook's sheets as rows (header first), in template order.

    ``info`` updates the default 基本信息 (a value of None removes the row).
    """
    fields = dict(INFO)
    fields.update(info or {})
    return {
        "基本信息": [["项目", "内容"], *([k, v] for k, v in fields.items() if v is not None)],
        "存在的问题": _numbered(PROBLEM_HEADER, PROBLEMS if problems is None else problems, blank_rows),
        "原因剖析": _numbered(CAUSE_HEADER, CAUSES if causes is None else causes, blank_rows),
        "整改措施": _numbered(MEASURE_HEADER, MEASURES if measures is None else measures, blank_rows),
    }


def write_workbook(
    target: Path | io.BytesIO,
    sheets: dict[str, Rows],
    merges: dict[str, list[str]] | None = None,
    defined_names: dict[str, str] | None = None,
) -> Path | io.BytesIO:
    """Write ``sheets`` (name → rows) with openpyxl; text is always text, never a formula."""
    from openpyxl import Workbook
    from openpyxl.workbook.defined_name import DefinedName

    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r, row in enumerate(rows, 1):
            for c, value in enumerate(row, 1):
                if value is None or value == "":
                    continue
                cell = ws.cell(r, c, value)
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"
        for ref in (merges or {}).get(name, []):
            ws.merge_cells(ref)
    for key, value in (defined_names or {}).items():
        wb.defined_names[key] = DefinedName(key, attr_text=value)
    wb.save(target)
    return target


def workbook_bytes(sheets: dict[str, Rows], **kwargs) -> bytes:
    buffer = io.BytesIO()
    write_workbook(buffer, sheets, **kwargs)
    return buffer.getvalue()


def standard_bytes(**kwargs) -> bytes:
    """A valid standard workbook as bytes (see :func:`standard_sheets` for options)."""
    return workbook_bytes(standard_sheets(**kwargs))


def write_docx(path: Path, text: str = "这是一份 Word 文档。") -> Path:
    """A real Word document (python-docx), e.g. to rename it .xlsx."""
    import docx

    document = docx.Document()
    document.add_paragraph(text)
    document.save(path)
    return path


def flatten(messages, keys: tuple[str, ...] = ("code", "sheet", "cell")) -> list[tuple]:
    """Compact findings for assertions: [("W301", "存在的问题", "B2"), …]."""
    return [tuple(getattr(m, k) for k in keys) for m in messages]


def rewrite_zip(data: bytes, change) -> bytes:
    """Copy a zip, passing each (name, bytes) through ``change`` (None drops the member)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            blob = change(info.filename, source.read(info))
            if blob is not None:
                target.writestr(info.filename, blob)
    return out.getvalue()


def set_cells(data: bytes, changes: dict[str, dict[str, Any]]) -> bytes:
    """Reopen a workbook with openpyxl and set cells (sheet → {"B2": value}); "=…" becomes a formula.

    openpyxl computes nothing: a formula it saves has no value in the file.
    """
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data))
    for sheet, cells in changes.items():
        for ref, value in cells.items():
            wb[sheet][ref] = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def sheet_xml(data: bytes, sheet_index: int = 1) -> bytes:
    """The raw XML of the n-th worksheet part (1-based, as the writers name them)."""
    return zipfile.ZipFile(io.BytesIO(data)).read(f"xl/worksheets/sheet{sheet_index}.xml")
