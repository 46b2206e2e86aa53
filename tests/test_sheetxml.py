"""reporter.sheetxml: the small .xlsx writer behind 汇总表.xlsx.

Each file is read back by real consumers: openpyxl (values, types, formats,
layout), python-calamine, lxml (every part well-formed, elements in the
schema's order), zipfile (CRCs, entry order) and LibreOffice (a real
spreadsheet application converts it).
"""

from __future__ import annotations

import csv
import gc
import io
import math
import os
import subprocess
import zipfile
from datetime import date, datetime

import pytest
from lxml import etree
from openpyxl import load_workbook

from reporter.pdf import find_soffice
from reporter.sheetxml import (
    CHUNK_ROWS,
    DATE_FORMAT,
    MAX_TEXT,
    Properties,
    Style,
    Workbook,
    column_letter,
)

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
FORMULA = '=HYPERLINK("http://x","y")'
FORMULA_LIKE = [FORMULA, "=1+1", "+1", "-1", "@x", "=A1", "\t=SUM(A1:A2)", "{=1}"]
HEADER = Style(bold=True, fill="D9E1F2", border="all", wrap=True, halign="center", valign="center")
WRAP = Style(wrap=True, valign="top")
DATE = Style(num_format=DATE_FORMAT, halign="left", valign="top")
OVERDUE_FILL = "FFC7CE"

# ECMA-376 Part 1 sequences (CT_Worksheet, CT_Stylesheet, CT_Workbook, …),
# in schema order: the children a writer emits must appear in this order.
WORKSHEET_ORDER = [
    "sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData", "sheetCalcPr",
    "sheetProtection", "protectedRanges", "scenarios", "autoFilter", "sortState", "dataConsolidate",
    "customSheetViews", "mergeCells", "phoneticPr", "conditionalFormatting", "dataValidations", "hyperlinks",
    "printOptions", "pageMargins", "pageSetup", "headerFooter", "rowBreaks", "colBreaks", "customProperties",
    "cellWatches", "ignoredErrors", "smartTags", "drawing", "legacyDrawing", "legacyDrawingHF", "picture",
    "oleObjects", "controls", "webPublishItems", "tableParts", "extLst",
]
STYLESHEET_ORDER = [
    "numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs", "tableStyles",
    "colors", "extLst",
]
WORKBOOK_ORDER = [
    "fileVersion", "fileSharing", "workbookPr", "workbookProtection", "bookViews", "sheets", "functionGroups",
    "externalReferences", "definedNames", "calcPr", "oleSize", "customWorkbookViews", "pivotCaches",
    "smartTagPr", "smartTagTypes", "webPublishing", "fileRecoveryPr", "webPublishObjects", "extLst",
]
SHEETVIEW_ORDER = ["pane", "selection", "pivotSelection", "extLst"]
BORDER_ORDER = ["start", "end", "left", "right", "top", "bottom", "diagonal", "vertical", "horizontal"]
CELL_ORDER = ["f", "v", "is", "extLst"]

TEXTS = [
    *FORMULA_LIKE,
    "a & b < c > d \"quoted\" 'single'",
    "  leading and trailing spaces  ",
    "第一行\n第二行",
    "控制\x01字符\x0b被\x1f删除",
    "_x0041_ stays literal",
    "全角　空格与 emoji 🎉",
]


def build(extra_rows: int = 0) -> bytes:
    """Two sheets shaped like the summary's: header, data, overdue rows, a totals row."""
    book = Workbook(["整改清单", "It's 表"],
                    Properties(title="汇总表", author="reporter", comments="测试", created=datetime(2024, 3, 31, 8)))
    header, wrap, dated = book.style(HEADER), book.style(WRAP), book.style(DATE)
    overdue = [book.style(Style(wrap=True, valign="top", fill=OVERDUE_FILL)), book.style(Style(fill=OVERDUE_FILL)),
               book.style(Style(num_format=DATE_FORMAT, fill=OVERDUE_FILL)), book.style(Style(fill=OVERDUE_FILL))]
    total = book.style(Style(bold=True, border="top"))

    with book.add_sheet("整改清单", widths=[40, 8, 12, 9], freeze_rows=1, print_title_rows=1, paper=9,
                        landscape=True, fit_width=True) as ledger:
        ledger.append(["措施概述", "序号", "完成时限", "是否逾期"], header)
        for i, text in enumerate(TEXTS, 1):
            late = i % 3 == 0
            ledger.append([text, i, date(2024, 1, i), "是" if late else "否"],
                          overdue if late else [wrap, 0, dated, 0])
        ledger.append(["空值", None, None, ""], [wrap, 0, dated, 0])
        ledger.append(["日期时间与小数", 2.5, datetime(2024, 2, 29, 18, 0), True], [wrap, 0, dated, 0])
        for i in range(extra_rows):
            ledger.append([f"行{i}", i, None, "否"], [wrap, 0, dated, 0])
        ledger.auto_filter()
        ledger.append(["合计", len(TEXTS), None, None], total)

    other = book.add_sheet("It's 表", widths=[10, None], freeze_rows=1, print_title_rows=1)  # ends at close()
    other.append(["名称", "数量"], header)
    other.append(["甲", 1], 0)
    other.auto_filter()
    return book.close()


@pytest.fixture(scope="module")
def xlsx() -> bytes:
    return build()


def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None  # every CRC-32 right
        return {name: zf.read(name) for name in zf.namelist()}


def local(el) -> str:
    return etree.QName(el).localname


def assert_schema_order(parent, order: list[str]) -> None:
    names = [local(child) for child in parent]
    assert all(n in order for n in names), names
    positions = [order.index(n) for n in names]
    assert positions == sorted(positions), names


# ------------------------------------------------------------------ values and types

def test_values_and_types_read_back_with_openpyxl(xlsx):
    wb = load_workbook(io.BytesIO(xlsx))
    ws = wb["整改清单"]
    assert wb.sheetnames == ["整改清单", "It's 表"]
    assert [c.value for c in ws[1]] == ["措施概述", "序号", "完成时限", "是否逾期"]
    texts = [ws.cell(r, 1).value for r in range(2, 2 + len(TEXTS))]
    expected = [t.replace("\x01", "").replace("\x0b", "").replace("\x1f", "") for t in TEXTS]
    expected[expected.index("_x0041_ stays literal")] = "_x005F_x0041_ stays literal"  # see the test below
    assert texts == expected
    for r in range(2, 2 + len(TEXTS)):
        cell = ws.cell(r, 1)
        assert cell.data_type == "s", cell.value  # text stays text, formula-like or not
        assert ws.cell(r, 2).value == r - 1 and ws.cell(r, 2).data_type == "n"
        when = ws.cell(r, 3)
        assert when.value == datetime(2024, 1, r - 1) and when.number_format == DATE_FORMAT
    empty = 2 + len(TEXTS)
    assert [c.value for c in ws[empty]] == ["空值", None, None, None]
    assert [c.value for c in ws[empty + 1]] == ["日期时间与小数", 2.5, datetime(2024, 2, 29, 18, 0), True]
    assert ws.cell(empty + 1, 3).number_format == DATE_FORMAT
    assert [c.value for c in ws[ws.max_row]] == ["合计", len(TEXTS), None, None]
    assert [c.value for c in wb["It's 表"]["A"]] == ["名称", "甲"]


def test_literal_escape_sequence_is_kept_for_excel(xlsx):
    """Excel decodes _xHHHH_ in text, so a literal one is written as _x005F_xHHHH_
    (LibreOffice decodes it back to the literal: see the LibreOffice test)."""
    sheet = parts(xlsx)["xl/worksheets/sheet1.xml"].decode()
    assert "<t xml:space=\"preserve\">_x005F_x0041_ stays literal</t>" in sheet


def test_calamine_reads_the_same_values(xlsx):
    calamine = pytest.importorskip("python_calamine")
    rows = calamine.CalamineWorkbook.from_filelike(io.BytesIO(xlsx)).get_sheet_by_name("整改清单").to_python()
    assert rows[1][0] == FORMULA and rows[3][0] == "+1" and rows[4][0] == "-1"
    assert rows[1][2] == date(2024, 1, 1) or rows[1][2] == datetime(2024, 1, 1)


def test_text_cells_are_inline_strings_never_formulas(xlsx):
    files = parts(xlsx)
    assert "xl/sharedStrings.xml" not in files
    for name, data in files.items():
        root = etree.fromstring(data)
        assert not root.findall(f".//{NS}f"), name
    sheet = etree.fromstring(files["xl/worksheets/sheet1.xml"])
    for c in sheet.iter(f"{NS}c"):
        if c.find(f"{NS}is") is not None:
            assert c.get("t") == "inlineStr"
            t = c.find(f"{NS}is/{NS}t")
            assert t.get("{http://www.w3.org/XML/1998/namespace}space") == "preserve"
        assert_schema_order(c, CELL_ORDER)


# ------------------------------------------------------------------ layout and formats

def test_layout_widths_freeze_filter_print(xlsx):
    wb = load_workbook(io.BytesIO(xlsx))
    ws = wb["整改清单"]
    assert ws.freeze_panes == "A2"
    last_data = 1 + len(TEXTS) + 2
    assert ws.auto_filter.ref == f"A1:D{last_data}"  # the totals row after it stays out
    assert ws.max_row == last_data + 1
    assert ws.print_title_rows == "$1:$1"
    assert int(ws.page_setup.paperSize) == 9 and ws.page_setup.orientation == "landscape"
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.column_dimensions["A"].width == pytest.approx(40.71, abs=0.01)  # as Excel stores 40 characters
    assert ws.column_dimensions["B"].width == pytest.approx(8.71, abs=0.01)
    other = wb["It's 表"]
    assert other.freeze_panes == "A2" and other.auto_filter.ref == "A1:B2" and other.print_title_rows == "$1:$1"
    assert other.column_dimensions["A"].width == pytest.approx(10.71, abs=0.01)


def test_cell_styles(xlsx):
    ws = load_workbook(io.BytesIO(xlsx))["整改清单"]
    head = ws["A1"]
    assert head.font.b and head.fill.fill_type == "solid" and head.fill.fgColor.rgb == "FFD9E1F2"
    assert head.alignment.wrap_text and head.alignment.horizontal == "center"
    assert head.border.left.style == head.border.bottom.style == "thin"
    for r in range(2, 2 + len(TEXTS)):
        late = ws.cell(r, 4).value == "是"
        for c in range(1, 5):
            cell = ws.cell(r, c)
            assert (cell.fill.fill_type == "solid") == late, cell.coordinate
            if late:
                assert cell.fill.fgColor.rgb == "FF" + OVERDUE_FILL
        assert ws.cell(r, 1).alignment.wrap_text and ws.cell(r, 1).alignment.vertical == "top"
    assert sum(ws.cell(r, 4).value == "是" for r in range(2, 2 + len(TEXTS))) == len(TEXTS) // 3
    total = ws.cell(ws.max_row, 1)
    assert total.font.b and total.border.top.style == "thin"
    assert ws.cell(ws.max_row, 3).font.b  # styled empty cells on the totals row


def test_text_longer_than_excel_allows_is_cut():
    book = Workbook(["长"])
    book.add_sheet("长").append(["长" * (MAX_TEXT + 10), "&" * (MAX_TEXT + 1)])
    ws = load_workbook(io.BytesIO(book.close()))["长"]
    assert ws["A1"].value == "长" * MAX_TEXT and ws["B1"].value == "&" * MAX_TEXT


def test_date_without_date_style_still_gets_a_date_format():
    book = Workbook(["日期"])
    sheet = book.add_sheet("日期")
    bold = book.style(Style(bold=True))
    sheet.append([date(2024, 5, 6), date(2024, 5, 7), date(1899, 12, 31)], [0, bold, 0])
    ws = load_workbook(io.BytesIO(book.close()))["日期"]
    assert ws["A1"].value == datetime(2024, 5, 6) and ws["A1"].number_format == DATE_FORMAT
    assert ws["B1"].value == datetime(2024, 5, 7) and ws["B1"].font.b and ws["B1"].number_format == DATE_FORMAT
    assert ws["C1"].value == "1899-12-31"  # before Excel's leap-year bug: text, not a wrong day


# ------------------------------------------------------------------ the package

def test_every_part_well_formed_and_in_schema_order(xlsx):
    files = parts(xlsx)
    assert next(iter(files)) == "[Content_Types].xml"  # first, as file-type sniffers expect
    trees = {name: etree.fromstring(data) for name, data in files.items()}  # raises if not well-formed

    # [Content_Types].xml covers every part; the relationships point at existing parts.
    types = trees["[Content_Types].xml"]
    overrides = {o.get("PartName").lstrip("/") for o in types if local(o) == "Override"}
    assert overrides == {n for n in files if not n.endswith(".rels") and n != "[Content_Types].xml"}
    for rels, base in (("_rels/.rels", ""), ("xl/_rels/workbook.xml.rels", "xl/")):
        targets = {base + r.get("Target") for r in trees[rels]}
        assert targets <= set(files), targets - set(files)

    for name in ("xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"):
        sheet = trees[name]
        assert_schema_order(sheet, WORKSHEET_ORDER)
        view = sheet.find(f"{NS}sheetViews/{NS}sheetView")
        assert_schema_order(view, SHEETVIEW_ORDER)
        pane, selection = view.find(f"{NS}pane"), view.find(f"{NS}selection")
        assert pane.attrib == {"ySplit": "1", "topLeftCell": "A2", "activePane": "bottomLeft", "state": "frozen"}
        assert selection.attrib == {"pane": "bottomLeft", "activeCell": "A2", "sqref": "A2"}
        setup = sheet.find(f"{NS}pageSetup").attrib
        if name.endswith("sheet1.xml"):  # page_setup(): A4 landscape, one page wide
            assert sheet.find(f"{NS}sheetPr/{NS}pageSetUpPr").get("fitToPage") == "1"
            assert setup == {"paperSize": "9", "fitToWidth": "1", "fitToHeight": "0", "orientation": "landscape"}
        else:  # the defaults
            assert sheet.find(f"{NS}sheetPr") is None and setup == {"paperSize": "9", "orientation": "portrait"}
        # no dimension (optional: written before the rows, it would need them all first); rows 1, 2, 3, …
        assert sheet.find(f"{NS}dimension") is None
        rows = sheet.findall(f"{NS}sheetData/{NS}row")
        assert [int(r.get("r")) for r in rows] == list(range(1, len(rows) + 1))
        cols = max(len(r) for r in rows)
        letters = [column_letter(i) for i in range(cols)]
        for row in rows:
            refs = [c.get("r") for c in row]
            assert all(ref[len(ref.rstrip("0123456789")):] == row.get("r") for ref in refs)
            columns = [letters.index(ref.rstrip("0123456789")) for ref in refs]
            assert columns == sorted(set(columns))  # left to right, each once

    styles = trees["xl/styles.xml"]
    assert_schema_order(styles, STYLESHEET_ORDER)
    fills = styles.find(f"{NS}fills")
    assert [f.find(f"{NS}patternFill").get("patternType") for f in fills][:2] == ["none", "gray125"]
    for group in ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles"):
        el = styles.find(f"{NS}{group}")
        assert int(el.get("count")) == len(el), group
    for border in styles.iter(f"{NS}border"):
        assert_schema_order(border, BORDER_ORDER)
    n_fonts, n_fills, n_borders = (len(styles.find(f"{NS}{g}")) for g in ("fonts", "fills", "borders"))
    n_xfs = len(styles.find(f"{NS}cellXfs"))
    for xf in styles.find(f"{NS}cellXfs"):
        assert int(xf.get("fontId")) < n_fonts and int(xf.get("fillId")) < n_fills
        assert int(xf.get("borderId")) < n_borders
    for name in ("xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"):
        assert all(int(c.get("s", 0)) < n_xfs for c in trees[name].iter(f"{NS}c"))

    assert_schema_order(trees["xl/workbook.xml"], WORKBOOK_ORDER)
    core = trees["docProps/core.xml"]
    assert core.findtext("{http://purl.org/dc/elements/1.1/}title") == "汇总表"
    assert core.findtext("{http://purl.org/dc/terms/}created") == "2024-03-31T08:00:00Z"


def test_defined_names_as_excel_writes_them(xlsx):
    book = etree.fromstring(parts(xlsx)["xl/workbook.xml"])
    names = [(d.get("name"), d.get("localSheetId"), d.get("hidden"), d.text) for d in book.iter(f"{NS}definedName")]
    last_data = 1 + len(TEXTS) + 2
    assert names == [
        ("_xlnm._FilterDatabase", "0", "1", f"'整改清单'!$A$1:$D${last_data}"),
        ("_xlnm._FilterDatabase", "1", "1", "'It''s 表'!$A$1:$B$2"),
        ("_xlnm.Print_Titles", "0", None, "'整改清单'!$1:$1"),
        ("_xlnm.Print_Titles", "1", None, "'It''s 表'!$1:$1"),
    ]


def test_many_rows_stream_through_several_chunks():
    n = 2 * CHUNK_ROWS + 7
    data = build(extra_rows=n)
    wb = load_workbook(io.BytesIO(data), read_only=True)
    try:
        rows = list(wb["整改清单"].iter_rows(values_only=True))
    finally:
        wb.close()
    first = 1 + len(TEXTS) + 2
    assert [r[0] for r in rows[first:first + n]] == [f"行{i}" for i in range(n)]
    assert rows[-1][0] == "合计" and len(rows) == first + n + 1
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
        info = zf.getinfo("xl/worksheets/sheet1.xml")
        assert info.compress_type == zipfile.ZIP_DEFLATED and info.compress_size < info.file_size / 5


def test_same_content_same_bytes():
    assert build() == build()  # fixed zip times and creation date: reproducible


def test_content_types_is_the_first_entry(xlsx):
    """File-type sniffers (file(1), libmagic) read the first local header's name."""
    assert xlsx[:4] == b"PK\x03\x04" and xlsx[30:30 + 19] == b"[Content_Types].xml"
    with zipfile.ZipFile(io.BytesIO(xlsx)) as zf:
        names = zf.namelist()
    assert names[0] == "[Content_Types].xml" and len(names) == len(set(names)) == 9


# ------------------------------------------------------------------ misuse is refused

@pytest.mark.parametrize("name", ["", "x" * 32, "History", "a/b", "a:b", "[a]", "a*", "a?", "'a", "a'", "a\\b", "控\x01制"])
def test_invalid_sheet_names_are_refused(name):
    with pytest.raises(ValueError):
        Workbook([name])


def test_misuse_is_refused():
    with pytest.raises(ValueError, match="duplicate"):
        Workbook(["Sheet", "SHEET"])
    with pytest.raises(ValueError, match="at least one"):
        Workbook([])
    book = Workbook(["Sheet", "Other"])
    with pytest.raises(ValueError, match="declared order"):
        book.add_sheet("Other")
    sheet = book.add_sheet("Sheet")
    with pytest.raises(TypeError):
        sheet.append([object()])
    with pytest.raises(ValueError):
        sheet.append([math.nan])
    with pytest.raises(ValueError, match="styles"):
        sheet.append(["a", "b"], [0])
    with pytest.raises(ValueError, match="not a style"):
        sheet.append(["a"], [99])
    with pytest.raises(ValueError, match="RGB"):
        book.style(Style(fill="red"))
    with pytest.raises(ValueError, match="alignment"):
        book.style(Style(valign="middle"))
    assert sheet.rows == 0  # refused rows leave no trace
    sheet.append(["ok"])
    with pytest.raises(ValueError, match="not added"):
        book.close()  # "Other" was declared but never added
    other = book.add_sheet("Other")
    with pytest.raises(ValueError, match="closed"):
        sheet.append(["late"])  # finished when the next sheet began
    with pytest.raises(ValueError, match="declared order"):
        book.add_sheet("Third")
    other.append(["ok"])
    data = book.close()
    with pytest.raises(ValueError, match="closed"):
        other.append(["late"])
    with pytest.raises(ValueError, match="closed"):
        book.close()
    assert [[c.value for c in ws["A"]] for ws in load_workbook(io.BytesIO(data))] == [["ok"], ["ok"]]


def test_an_error_inside_a_sheet_closes_it():
    book = Workbook(["a", "b"])
    with pytest.raises(TypeError), book.add_sheet("a") as sheet:
        sheet.append(["ok"])
        sheet.append([object()])
    with pytest.raises(ValueError, match="closed"):
        sheet.append(["late"])
    del book, sheet
    # An entry left open, or a reference cycle that lets the collector close the buffer first,
    # would make ZipFile.__del__ raise: an unraisable error, a failure here.
    gc.collect()


# ------------------------------------------------------------------ a real spreadsheet application

@pytest.mark.skipif(find_soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_converts_it(tmp_path, xlsx):
    src = tmp_path / "表.xlsx"
    src.write_bytes(xlsx)
    out = tmp_path / "out"
    cmd = [find_soffice(), f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
           "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1", "--outdir", str(out), str(src)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=180,
                   env={**os.environ, "HOME": str(tmp_path)})
    rows = list(csv.reader((out / "表.csv").read_text(encoding="utf-8").splitlines()))
    assert rows[0] == ["措施概述", "序号", "完成时限", "是否逾期"]
    texts = [r[0] for r in rows[1:1 + len(FORMULA_LIKE)]]
    assert texts == FORMULA_LIKE  # text, not evaluated: "=HYPERLINK(…)" would show "y"
    assert rows[1][2] == "2024-01-01"  # a real date with the yyyy-mm-dd format
    flat = "\n".join(",".join(r) for r in rows)
    assert "_x0041_ stays literal" in flat and "_x005F_" not in flat
    assert "全角　空格与 emoji 🎉" in flat and "合计" in flat
