"""Read one branch workbook: bytes in, a :class:`Branch` and findings out.

The reader is tolerant (DESIGN.md §2 "What the reader accepts") and
defensive (§6): every check that can be made on the raw bytes — size, zip
structure, decompression limits, XML entity declarations, sheet extent — is
made before a spreadsheet library parses anything.  Cells are read with
python-calamine.

Message codes (stable):

======  =========================================================
E101    not a workbook (not a zip / OLE file, or damaged zip)
E102    empty file
E103    encrypted (password-protected) workbook
E104    file larger than ``limits.max_file_mb``
E105    uncompressed size or compression ratio beyond the limits
E106    too many zip entries
E107    XML with a DOCTYPE / ENTITY declaration
E108    format we cannot read (.et, .csv …): save as .xlsx
E109    a Word / PowerPoint file with a spreadsheet extension
E110    damaged workbook (the spreadsheet library failed; the message names no library)
E111    legacy .xls that could not be read: save as .xlsx
E120    permission denied          (read_path)
E121    file vanished              (read_path)
E122    not a regular file         (read_path)
E123    symbolic link outside the input folder (read_path)
E124    other error reading the file (read_path)
E125    a folder under INPUT_DIR could not be listed (validate)
E201    基本信息 sheet missing
E202    a required section sheet missing (the message lists the sheets found)
E203    a headline column missing
E204    支部名称 empty
E205    no problem rows
E206    a sheet has more rows / columns than the limits allow
E207    a formula without a computed value where the value is needed
        (支部名称, or a headline: the row cannot be counted)
E208    基本信息 layout not recognised (no known label at all)
W301    unknown 方面
W302    unreadable date; for 完成时限 the text is kept as written
W303    对应问题 names a problem that does not exist
W304    column not recognised, ignored
W305    deadline before the meeting date
W306    unknown 完成情况
W307    cell text cut at ``limits.max_cell_chars``
W308    workbook from a newer template version
W309    duplicate 序号 (items numbered by row; 对应问题 read by position)
W310    row with details but no headline (not counted)
W311    原因剖析 / 整改措施 has no rows
W312    对应问题 partly unreadable
W313    基本信息 item not recognised, ignored
W314    a formula without a computed value, read as empty (基本信息 or an item row)
W315    序号 not 1…n in row order: items in 序号 order, or numbered by position
W316    bidirectional control characters removed from a cell
W317    a list (一是…二是…) pasted into one headline cell
======  =========================================================
"""

from __future__ import annotations

import errno
import io
import os
import re
import stat
import struct
import unicodedata
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date, datetime
from pathlib import Path

from . import TEMPLATE_VERSION
from .config import Config
from .errors import os_reason
from .model import Branch, BranchInfo, Cause, Measure, Message, Problem, ReadResult, error, warning
from .schema import (
    CONVERT_SUFFIXES,
    HEADER_SEARCH_ROWS,
    INFO_FIELDS,
    INFO_HEADER,
    INFO_SHEET,
    INFO_SHEET_SYNONYMS,
    INSTRUCTIONS_SHEET,
    SECTIONS,
    VERSION_NAME,
    WORKBOOK_SUFFIXES,
    Column,
    InfoField,
    Sheet,
)
from .text import (
    chinese_date,
    chinese_number,
    clean,
    looks_like_list,
    parse_chinese_int,
    parse_date,
    parse_deadline,
    plain_text,
    remove_bidi,
    strip_numbering,
    xml_safe,
)

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
_MB = 1024 * 1024
SAVE_AS_XLSX = "请用 Excel 或 WPS 打开后“另存为” Excel 工作簿（.xlsx）格式，再重新提交。"
RESAVE = "请用 Excel 或 WPS 打开此工作簿，确认内容完整后“另存为” Excel 工作簿（.xlsx）格式，再重新提交；如果打不开，请从原稿重新填写。"


# ------------------------------------------------------------------ names


_SPACES = re.compile(r"\s+")
_NOTE = re.compile(r"[（(][^（）()]*[）)]$")
_NAME_MAX = 40  # longer cells are content, not headers or labels


def norm_name(value: object) -> str:
    """A header, label or sheet name as compared: no spaces, no trailing ：*, no （注）.

    Numbers and long texts (content, not names) give "".
    """
    if not isinstance(value, str) or len(value) > _NAME_MAX:
        return ""
    return _norm_name(value)


@lru_cache(maxsize=4096)
def _norm_name(value: str) -> str:
    text = _SPACES.sub("", plain_text(value))
    for _ in range(2):
        text = text.strip("*＊:：")
        text = _NOTE.sub("", text)
    return text


def _index(items) -> dict[str, object]:
    """name → item, the label before the synonyms, the first item winning."""
    found: dict[str, object] = {}
    for item in items:
        for name in item.names:
            found.setdefault(norm_name(name), item)
    return found


_INFO_BY_NAME: dict[str, InfoField] = _index(INFO_FIELDS)  # type: ignore[assignment]
_COLUMNS_BY_NAME: dict[str, dict[str, Column]] = {s.key: _index(s.columns) for s in SECTIONS}  # type: ignore[misc]
_INFO_VALUE_HEADERS = {norm_name(INFO_HEADER[1]), "填写内容", "值", "信息", "填报内容"}
_INFO_SKIP = {norm_name(INFO_HEADER[0]), norm_name(INFO_SHEET), *map(norm_name, INFO_SHEET_SYNONYMS)}


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


# ------------------------------------------------------------ pre-parse


class _Refused(Exception):
    """Internal: the workbook cannot be read; carries the finding."""

    def __init__(self, message: Message):
        self.message = message


@dataclass(slots=True)
class _Package:
    """What the raw-byte checks learnt about an OOXML package."""

    kind: str  # "xlsx" | "xlsb" | "ods" | "ole"
    parts: dict[str, bytes] = field(default_factory=dict)  # inflated XML parts (xlsx)
    sheet_paths: dict[str, str] = field(default_factory=dict)  # sheet name → part name
    version: int | None = None
    recalc: bool = False  # workbook.xml asks for a full recalculation: no stored formula value counts


def _refuse(code: str, text: str) -> _Refused:
    return _Refused(error(code, text))


def _check_size(data: bytes, config: Config) -> None:
    if not data:
        raise _refuse("E102", "文件是空的（0 字节），可能没有保存成功，请重新保存后提交。")
    limit = config.limits.max_file_mb
    if len(data) > limit * _MB:
        raise _refuse("E104", f"文件大小 {len(data) / _MB:.1f} MB，超过上限 {limit:g} MB；"
                              "请删除工作簿中的图片、多余工作表后重新提交。")


def _inflate(data: bytes, info: zipfile.ZipInfo, limit: int) -> bytes:
    """A member's bytes, decompressed by us with a hard output bound.

    The sizes in a zip's directory can lie; inflating the raw stream with
    ``max_length`` keeps memory bounded whatever the header says.
    """
    if limit <= 0:  # zlib's max_length 0 would mean "no limit"
        raise _refuse("E105", "文件解压后的内容超出上限（疑似“压缩炸弹”），已拒绝读取。")
    start = info.header_offset
    header = data[start:start + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise _refuse("E101", "文件已损坏（压缩包结构不完整），无法读取；请重新保存后提交。")
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    begin = start + 30 + name_len + extra_len
    raw = data[begin:begin + info.compress_size]
    if info.compress_type == zipfile.ZIP_STORED:
        out = raw
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        try:
            out = zlib.decompressobj(-15).decompress(raw, limit + 1)
        except zlib.error:
            raise _refuse("E101", "文件已损坏（压缩数据有误），无法读取；请重新保存后提交。") from None
    else:
        raise _refuse("E101", "文件使用了不支持的压缩方式，请用 Excel 或 WPS 重新保存为 .xlsx 后提交。")
    if len(out) > limit or len(out) > info.file_size:
        raise _refuse("E105", "文件解压后的内容超出上限（疑似“压缩炸弹”），已拒绝读取。")
    return out


def _no_entities(name: str, blob: bytes) -> None:
    head = blob[:2]
    if head in (b"\xff\xfe", b"\xfe\xff"):
        blob = blob.decode("utf-16", "replace").encode("utf-8", "replace")
    if b"<!DOCTYPE" in blob or b"<!ENTITY" in blob:
        raise _refuse("E107", f"文件中的 {name} 含有 XML 实体声明（DOCTYPE/ENTITY），出于安全原因拒绝读取；"
                              "请用 Excel 或 WPS 重新另存为 .xlsx 后提交。")


def _open_zip(data: bytes, config: Config) -> _Package:
    limits = config.limits
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise _refuse("E101", "文件已损坏（不是完整的 Excel 工作簿），无法读取；请重新保存后提交。") from None
    if len(infos) > limits.max_zip_entries:
        raise _refuse("E106", f"文件内部包含 {len(infos)} 个部件，超过上限 {limits.max_zip_entries} 个，已拒绝读取。")
    declared = sum(i.file_size for i in infos)
    max_total = int(limits.max_uncompressed_mb * _MB)
    if declared > max_total:
        raise _refuse("E105", f"文件解压后约 {declared / _MB:.0f} MB，超过上限 {limits.max_uncompressed_mb:g} MB，已拒绝读取。")
    if declared > limits.max_compression_ratio * len(data) and declared > _MB:
        raise _refuse("E105", "文件的压缩比异常（疑似“压缩炸弹”），已拒绝读取。")
    names = {i.filename for i in infos}
    if "xl/workbook.xml" in names:
        kind = "xlsx"
    elif "xl/workbook.bin" in names:
        kind = "xlsb"
    elif "content.xml" in names and "mimetype" in names:
        kind = "ods"
    elif "word/document.xml" in names:
        raise _refuse("E109", "这是一个 Word 文档（只是扩展名为表格格式），不是 Excel 工作簿；"
                              "请提交用标准模板填写的 .xlsx 工作簿。")
    elif "ppt/presentation.xml" in names:
        raise _refuse("E109", "这是一个 PowerPoint 演示文稿（只是扩展名为表格格式），不是 Excel 工作簿；"
                              "请提交用标准模板填写的 .xlsx 工作簿。")
    else:
        raise _refuse("E101", "文件不是 Excel 工作簿（压缩包中没有工作簿内容），请提交用标准模板填写的 .xlsx 工作簿。")
    package = _Package(kind)
    budget = max_total
    for info in infos:
        lower = info.filename.lower()
        if not (lower.endswith(".xml") or lower.endswith(".rels")) or info.is_dir():
            continue
        blob = _inflate(data, info, budget)
        budget -= len(blob)
        _no_entities(info.filename, blob)
        package.parts[info.filename] = blob
    if kind == "xlsx":
        _read_package_xml(package)
    return package


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attr(element, local: str) -> str | None:
    for key, value in element.attrib.items():
        if _local(key) == local:
            return value
    return None


def _version_of(text: str | None) -> int | None:
    m = re.search(r"\d{1,9}", text or "")  # bounded: int() refuses >4300 digits
    return int(m.group()) if m else None


def _read_package_xml(package: _Package) -> None:
    """Sheet name → part, and the template version (defined name or custom property)."""
    from defusedxml import ElementTree as ET
    from defusedxml.common import DefusedXmlException

    try:
        book = ET.fromstring(package.parts["xl/workbook.xml"])
        rels_blob = package.parts.get("xl/_rels/workbook.xml.rels")
        rels = ET.fromstring(rels_blob) if rels_blob else None
        custom_blob = package.parts.get("docProps/custom.xml")
        custom = ET.fromstring(custom_blob) if custom_blob else None
    except DefusedXmlException:
        raise _refuse("E107", "文件中含有 XML 实体声明，出于安全原因拒绝读取；请用 Excel 或 WPS 重新另存为 .xlsx 后提交。") from None
    except ET.ParseError:
        raise _refuse("E110", "文件已损坏（工作簿结构无法解析），请用 Excel 或 WPS 重新保存后提交。") from None
    targets: dict[str, str] = {}
    if rels is not None:
        for rel in rels.iter():
            if _local(rel.tag) == "Relationship" and rel.get("Id") and rel.get("Target"):
                target = rel.get("Target", "")
                targets[rel.get("Id", "")] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    package.recalc = _FULL_CALC.search(package.parts["xl/workbook.xml"]) is not None
    for element in book.iter():
        tag = _local(element.tag)
        if tag == "sheet":
            rid = _attr(element, "id")
            if element.get("name") is not None and rid in targets:
                package.sheet_paths[element.get("name", "")] = os.path.normpath(targets[rid]).replace(os.sep, "/")
        elif tag == "definedName" and element.get("name") == VERSION_NAME:
            package.version = _version_of(element.text)
    if package.version is None and custom is not None:
        for prop in custom.iter():
            if _local(prop.tag) == "property" and prop.get("name") == VERSION_NAME:
                package.version = _version_of("".join(prop.itertext()))


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
_FULL_CALC = re.compile(rb"""<(?:[\w.-]+:)?calcPr\b[^>]*\sfullCalcOnLoad\s*=\s*["'](?:1|true)["']""")


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


# ------------------------------------------------------------- the grid


@dataclass(slots=True)
class _Grid:
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


def _grid(sheet, name: str, formulas: frozenset[tuple[int, int]] = frozenset()) -> _Grid:
    rows = sheet.to_python(skip_empty_area=False)
    if formulas:  # a formula without a value may lie beyond the last row the library returns
        rows.extend([] for _ in range(max(r for r, _ in formulas) + 1 - len(rows)))
        for r, c in formulas:
            if c < len(rows[r]):
                rows[r][c] = None
    below: dict[tuple[int, int], tuple[int, int]] = {}
    right_end: dict[tuple[int, int], int] = {}
    down_end: dict[tuple[int, int], int] = {}
    across: dict[tuple[int, int], tuple[int, int]] = {}
    last_row = len(rows) - 1
    width = max(map(len, rows), default=0)
    for (r0, c0), (r1, c1) in sheet.merged_cell_ranges or ():
        right_end[(r0, c0)] = c1
        if r1 > r0:
            down_end[(r0, c0)] = min(r1, last_row)
        for r in range(r0 + 1, min(r1, last_row) + 1):
            below[(r, c0)] = (r0, c0)
        if r0 <= HEADER_SEARCH_ROWS:  # for two-row headers: a group name over several columns
            for r in range(r0, min(r1, HEADER_SEARCH_ROWS) + 1):
                for c in range(c0 + (r == r0), min(c1, width - 1) + 1):
                    across[(r, c)] = (r0, c0)
    return _Grid(name, rows, below, right_end, down_end, across, formulas)


# ----------------------------------------------------------- the reader


FORMULA_FIX = "这类工作簿通常由其他程序生成、未经 Excel 计算；请用 Excel 或 WPS 打开此工作簿并保存，再重新提交。"
_INLINE = re.compile(r"^\s*([^:：]{1,12}?)\s*[:：]\s*(\S.*)$", re.S)
_INFO_NOT_LABEL = {*_INFO_SKIP, *_INFO_VALUE_HEADERS, "序号", "序", "编号"}


class _Reader:
    """Collects findings while turning grids into model records."""

    def __init__(self, config: Config):
        self.config = config
        self.messages: list[Message] = []
        self.name: str | None = None  # 支部名称 as soon as it is read
        self.bidi_cells: set[tuple[str, int, int]] = set()  # cells already reported (W316)

    def warn(self, code: str, text: str, grid: _Grid | None = None, r: int | None = None, c: int | None = None):
        self.messages.append(warning(code, text, grid.name if grid else None,
                                     cell_ref(r, c) if r is not None and c is not None else None))

    def fail(self, code: str, text: str, grid: _Grid | None = None, r: int | None = None, c: int | None = None):
        self.messages.append(error(code, text, grid.name if grid else None,
                                   cell_ref(r, c) if r is not None and c is not None else None))

    def formula(self, grid: _Grid, r: int, c: int, needed: str | None = None) -> None:
        """A formula cell without a trustworthy value: an error where the cell is needed, else a warning."""
        where = cell_ref(r, c)
        if needed:
            self.fail("E207", f"{where} 单元格中是公式，但文件中没有保存公式的计算结果，无法读取{needed}。{FORMULA_FIX}",
                      grid, r, c)
        else:
            self.warn("W314", f"{where} 单元格中是公式，但文件中没有保存公式的计算结果，已按未填写处理。{FORMULA_FIX}",
                      grid, r, c)

    def formula_failed(self, grid: _Grid) -> bool:
        """Some headline of this sheet was a formula without a value (E207): its rows are not "missing"."""
        return any(m.code == "E207" and m.sheet == grid.name for m in self.messages)

    def plain(self, value: object, grid: _Grid, r: int, c: int) -> object:
        """The cell's value without bidirectional control characters (W316 once per cell)."""
        if not isinstance(value, str):
            return value
        value, removed = remove_bidi(value)
        if removed and (grid.name, r, c) not in self.bidi_cells:
            self.bidi_cells.add((grid.name, r, c))
            self.warn("W316", "单元格中有看不见的文字方向控制字符（会让文字显示的顺序与实际内容不同），已删除；"
                              "请核对该单元格的内容，最好重新输入。", grid, r, c)
        return value

    def text(self, value: object, grid: _Grid, r: int, c: int) -> str:
        """A cell as normalised text, cut at the configured length (with a warning)."""
        value = self.plain(value, grid, r, c)
        if value is None or value == "":
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        elif isinstance(value, datetime):
            value = value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
        elif isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, bool):
            value = "是" if value else "否"
        text = clean(value)
        limit = self.config.limits.max_cell_chars
        if len(text) > limit:
            self.warn("W307", f"单元格内容有 {len(text)} 个字，超过上限 {limit} 字，超出部分已截去；请精简内容。",
                      grid, r, c)
            text = text[:limit].rstrip()
        return text

    def date(self, value: object, grid: _Grid, r: int, c: int, label: str) -> date | None:
        value = self.plain(value, grid, r, c)
        if value is None or (isinstance(value, str) and not clean(value)):
            return None
        found = parse_date(value.strip() if isinstance(value, str) else value)
        if found is None:
            shown = self.text(value, grid, r, c)
            self.warn("W302", f"{label}“{shown}”无法识别为日期，已按未填写处理；请写成 2023-12-20 或 2023年12月20日 的形式。",
                      grid, r, c)
        return found

    # ------------------------------------------------------------ 基本信息

    def info(self, grid: _Grid) -> tuple[dict[str, object], dict[str, tuple[int, int]]] | None:
        """label key → raw value, and where each value sits; None when no label is found.

        Labels may stand in a column (values to their right, the template's
        layout, with or without a 序号 column) or in a row (values below).
        The layout is the one under which more labels have a value; a label
        is never taken as another label's value.
        """
        labels: list[tuple[int, int, InfoField, object]] = []  # (row, col, field, value written in the label cell)
        value_col: int | None = None
        for r, row in enumerate(grid.rows):
            lead = True  # the row's first filled cell: where "支部名称：…" may stand
            for c, v in enumerate(row):
                if v is None or v == "":
                    continue
                lead, first = False, lead
                if not isinstance(v, str):
                    continue
                name = norm_name(v)
                spec = _INFO_BY_NAME.get(name)
                if spec is not None:
                    labels.append((r, c, spec, None))
                elif name == norm_name(INFO_HEADER[0]):
                    if value_col is None:
                        value_col = next((k for k in range(c + 1, len(row)) if norm_name(row[k]) in _INFO_VALUE_HEADERS),
                                         None)
                elif first and (":" in v or "：" in v):
                    m = _INLINE.match(clean(v))
                    if m and norm_name(m.group(1)) in _INFO_BY_NAME:  # "支部名称：机关第一党支部" in one cell
                        labels.append((r, c, _INFO_BY_NAME[norm_name(m.group(1))], m.group(2)))
        if not labels:
            return None

        def right(r: int, c: int) -> tuple[int, int]:
            return r, (value_col if value_col is not None and value_col > c else grid.right_end.get((r, c), c) + 1)

        def down(r: int, c: int) -> tuple[int, int]:
            return grid.down_end.get((r, c), r) + 1, c

        def value_at(pos: tuple[int, int]):
            value = grid.get(*pos, fill=True)
            if isinstance(value, str) and (norm_name(value) in _INFO_BY_NAME or not clean(value)):
                return None  # a label is never a value
            return value

        plain = [(r, c) for r, c, _, inline in labels if inline is None]
        by_right = sum(value_at(right(r, c)) is not None for r, c in plain)
        by_down = sum(value_at(down(r, c)) is not None for r, c in plain)
        if by_right == by_down:  # no values to tell: labels side by side are a row of labels
            by_right = max(Counter(c for _, c in plain).values(), default=0)
            by_down = max(Counter(r for r, _ in plain).values(), default=0)
        vertical = value_col is not None or by_right >= by_down
        values: dict[str, object] = {}
        where: dict[str, tuple[int, int]] = {}
        for r, c, spec, inline in labels:
            if spec.key in values:
                continue
            if inline is not None:
                values[spec.key], where[spec.key] = inline, (r, c)
                continue
            pos = right(r, c) if vertical else down(r, c)
            values[spec.key], where[spec.key] = value_at(pos), pos
        self.unknown_labels(grid, plain, right if vertical else down, vertical)
        return values, where

    def unknown_labels(self, grid: _Grid, plain: list[tuple[int, int]], value_of, vertical: bool) -> None:
        """W313 for a cell in a label column (row) that is no known label but has a value."""
        known = set(plain)
        lines = sorted({c if vertical else r for r, c in plain})
        cells = ((r, c) for r in range(len(grid.rows)) for c in lines) if vertical else \
            ((r, c) for r in lines for c in range(len(grid.rows[r])))
        for r, c in sorted(cells):
            v = grid.raw(r, c)
            if (r, c) in known or not isinstance(v, str) or not clean(v) or norm_name(v) in _INFO_NOT_LABEL:
                continue
            if _INLINE.match(clean(v)) and norm_name(_INLINE.match(clean(v)).group(1)) in _INFO_BY_NAME:
                continue
            if clean(grid.get(*value_of(r, c), fill=True)):
                self.warn("W313", f"“{_shown(clean(v))}”不是基本信息中的项目，已忽略；"
                                  f"可填写的项目有：{'、'.join(f.label for f in INFO_FIELDS)}。", grid, r, c)

    def branch_info(self, grid: _Grid | None) -> BranchInfo | None:
        if grid is None:
            self.fail("E201", f"缺少“{INFO_SHEET}”工作表；请使用标准模板，在“{INFO_SHEET}”表中填写支部名称等信息。")
            return None
        found = self.info(grid)
        for r, c in sorted(grid.formulas):
            self.formula(grid, r, c, "支部名称" if found and found[1].get("name") == (r, c) else None)
        if found is None:
            self.fail("E208", f"无法识别“{grid.name}”表的格式：表中找不到“支部名称”“上级党组织”等项目名称。"
                              "请使用标准模板：一列写项目名称（支部名称、上级党组织……），右边一列写内容；"
                              "也可以第一行写项目名称、第二行写对应的内容。", grid)
            return None
        raw, where = found
        fields: dict[str, object] = {}
        for spec in INFO_FIELDS:
            if spec.key not in raw:
                continue
            r, c = where[spec.key]
            if spec.kind == "date":
                fields[spec.key] = self.date(raw[spec.key], grid, r, c, spec.label)
            else:
                fields[spec.key] = self.text(raw[spec.key], grid, r, c) or None
        if not fields.get("name"):
            r, c = where.get("name", (None, None))
            if (r, c) not in grid.formulas:  # already reported as a formula
                self.fail("E204", f"没有填写支部名称；请在“{INFO_SHEET}”表“支部名称”一项的内容栏填写党支部全称。",
                          grid, r, c)
            return None
        self.name = fields["name"]  # type: ignore[assignment]
        return fill_info(fields, self.config)

    # ------------------------------------------------------------ sections

    def header(self, grid: _Grid, section: Sheet) -> tuple[int, dict[int, Column], dict[int, tuple[int, str]]] | None:
        """The header (one row, or two rows: names under a group name) within HEADER_SEARCH_ROWS.

        Returns the last header row, column index → column, and column index →
        (row, text) of every header cell that names no column.  A two-row
        header is taken only when it recognises more columns than any one row.
        """
        names = _COLUMNS_BY_NAME[section.key]
        best = None
        for r in range(min(len(grid.rows), HEADER_SEARCH_ROWS)):
            for lower in (None, r + 1):
                if lower is not None and lower >= len(grid.rows):
                    continue
                mapping: dict[int, Column] = {}
                other: dict[int, tuple[int, str]] = {}
                for c, candidates, shown in _header_cells(grid, r, lower):
                    column = next((names[n] for n in candidates if n in names and names[n] not in mapping.values()),
                                  None)
                    if column is not None:
                        mapping[c] = column
                    else:
                        other[c] = shown
                if not mapping:
                    continue
                score = (len(mapping), int(section.headline in mapping.values()), int(lower is None),
                         len(mapping) + len(other))
                if best is None or score > best[0]:
                    best = (score, r if lower is None else lower, mapping, other)
                if lower is None and len(mapping) == len(section.columns):
                    return r, mapping, other  # every column named in one row: nothing can do better
        return (best[1], best[2], best[3]) if best else None

    def rows(self, grid: _Grid, section: Sheet) -> list[dict] | None:
        """The section's items as dicts of raw values (None on a structure error).

        An item whose headline cell is merged over several rows is one item;
        its details are the detail cells of those rows, in order.
        """
        found = self.header(grid, section)
        headline = section.headline
        if found is None or headline not in found[1].values():
            self.fail("E203", f"“{grid.name}”表中找不到“{headline.label}”列；请在前 {HEADER_SEARCH_ROWS} 行内保留"
                              f"标准模板的表头：{'、'.join(c.label for c in section.columns)}。", grid)
            return None
        head, mapping, other = found
        for c, (r, text) in sorted(other.items()):
            if not clean(text):
                continue
            self.warn("W304", f"“{_shown(clean(text))}”列不是标准模板中的列，其内容已忽略；"
                              f"本表可用的列有：{'、'.join(c.label for c in section.columns)}。", grid, r, c)
        head_col = next(c for c, col in mapping.items() if col is headline)
        details_col = next((c for c, col in mapping.items() if col.key == "details"), None)
        out = []
        r = head + 1
        while r < len(grid.rows):
            first, r = r, grid.down_end.get((r, head_col), r) + 1  # the item's rows: first .. r - 1
            span = range(first, r)
            raw = grid.raw(first, head_col)
            if (first, head_col) in grid.formulas:
                self.formula(grid, first, head_col, f"{headline.label}（该行未计入）")
                continue
            headline_text = strip_numbering(self.text(raw, grid, first, head_col)) if raw not in (None, "") else ""
            if headline_text and isinstance(raw, str) and looks_like_list(remove_bidi(raw)[0]):
                self.warn("W317", f"这一格“{headline.label}”里似乎写了好几条（如“一是……二是……”），材料中会成为一条；"
                                  f"请每行只写一条，把各条分别写在不同的行里，材料会自动编号。", grid, first, head_col)
            if not headline_text:
                if details_col is not None and any(clean(grid.raw(k, details_col)) for k in span):
                    self.warn("W310", f"第 {first + 1} 行填写了内容但“{headline.label}”为空，该行未计入；"
                                      f"请补写{headline.label}（一句话概括）。", grid, first, head_col)
                continue
            values: dict = {"_row": first}
            for c, column in mapping.items():
                if column.key == "details":
                    values["details"] = ([(grid.raw(k, c), k) for k in span], c)
                    continue
                fill = column.kind in ("category", "refs", "date", "status") or column.key == "owner"
                values[column.key] = (grid.get(first, c, fill=fill), c)
            for c in mapping:
                for k in span:
                    if (k, c) in grid.formulas and c != head_col:
                        self.formula(grid, k, c)
            values["headline"] = (headline_text, head_col)
            out.append(values)
        return out

    def item_fields(self, grid: _Grid, values: dict, number: int) -> dict:
        """headline, details, number and row of one item."""
        details = ""
        if "details" in values:
            parts, c = values["details"]
            details = join_parts([self.text(value, grid, k, c) for value, k in parts])
        return {"headline": values["headline"][0], "details": details, "number": number, "row": values["_row"] + 1}

    def ordered(self, grid: _Grid, rows: list[dict]) -> list[tuple[dict, int]]:
        """The items in document order with their numbers (the 序号 rule).

        When every item has a 序号 and they are distinct numbers, items are in
        序号 order; if those are 1…n, the 序号 are the numbers (（三） is 序号 3),
        otherwise the numbers are the positions.  Items without 序号, or with
        repeated ones, stay in row order, numbered by position.  Whenever
        the typed 序号 and the document disagree, a warning says how
        “对应问题” is read.
        """
        typed = [_number(v["number"][0]) if "number" in v else None for v in rows]
        n = len(rows)
        if all(t is None for t in typed):
            return [(v, i) for i, v in enumerate(rows, 1)]
        if None not in typed and len(set(typed)) == n:
            order = sorted(range(n), key=lambda i: typed[i])  # type: ignore[arg-type, return-value]
            if [typed[i] for i in order] == list(range(1, n + 1)):
                i = next((i for i in range(n) if typed[i] != i + 1), None)  # the first row out of place
                if i is not None:
                    self.warn("W315", "序号没有按从小到大的顺序排列；材料中按序号排列和编号（序号 1 为（一）、序号 2 为（二）……），"
                                      "“对应问题”仍按序号理解。如不是这个意思，请调整序号。",
                              grid, rows[i]["_row"], rows[i]["number"][1])
                return [(rows[i], typed[i]) for i in order]  # type: ignore[misc]
            first_gap = next(i for pos, i in enumerate(order, 1) if typed[i] != pos)
            shown = "、".join(str(typed[i]) for i in order[:10]) + ("……" if n > 10 else "")
            self.warn("W315", f"序号（{shown}）不是从 1 开始连续的编号；"
                              f"材料中按序号从小到大依次编为（一）至（{chinese_number(n)}），"
                              "“对应问题”中的数字按这个顺序（第几项）理解。请把序号改为 1、2、3……并核对“对应问题”。",
                      grid, rows[first_gap]["_row"], rows[first_gap]["number"][1])
            return [(rows[i], pos) for pos, i in enumerate(order, 1)]
        seen: dict[int, int] = {}
        differs = None
        for pos, (v, t) in enumerate(zip(rows, typed), 1):
            if t is not None and t in seen:
                self.warn("W309", f"序号 {t} 与第 {seen[t]} 行重复；材料按行的顺序编号，"
                                  "“对应问题”中的数字按行的顺序（第几项）理解。请改为不重复的序号。",
                          grid, v["_row"], v["number"][1])
            elif t is not None and t != pos and differs is None:
                differs = (v, t, pos)
            if t is not None:
                seen.setdefault(t, v["_row"] + 1)
        if differs is not None and not any(m.code == "W309" and m.sheet == grid.name for m in self.messages):
            v, t, pos = differs
            self.warn("W315", f"有的行没有填写序号或序号不是数字，第 {v['_row'] + 1} 行的序号 {t} 与它在表中的位置（第 {pos} 项）不一致；"
                              "材料按行的顺序编号，“对应问题”中的数字按行的顺序（第几项）理解。请把序号补齐为 1、2、3……。",
                      grid, v["_row"], v["number"][1])
        return [(v, i) for i, v in enumerate(rows, 1)]

    def problems(self, grid: _Grid, rows: list[dict]) -> list[Problem]:
        allowed = self.config.categories
        out: list[Problem] = []
        for values, number in self.ordered(grid, rows):
            base = self.item_fields(grid, values, number)
            r = values["_row"]
            category = None
            if "category" in values:
                value, c = values["category"]
                category = self.text(value, grid, r, c) or None
                if category and category not in allowed:
                    self.warn("W301", f"方面“{category}”不在规定的类别中；请从下拉列表中选择：{'、'.join(allowed)}。",
                              grid, r, c)
            out.append(Problem(category=category, **base))
        return out

    def causes(self, grid: _Grid, rows: list[dict]) -> list[Cause]:
        return [Cause(**self.item_fields(grid, values, number)) for values, number in self.ordered(grid, rows)]

    def measures(self, grid: _Grid, rows: list[dict], problems: list[Problem], meeting: date | None) -> list[Measure]:
        numbers = tuple(p.number for p in problems)
        statuses = self.config.statuses
        out: list[Measure] = []
        for values, number in self.ordered(grid, rows):
            base = self.item_fields(grid, values, number)
            r = values["_row"]
            refs: tuple[int, ...] = ()
            refs_text = ""
            if "problems" in values:
                value, c = values["problems"]
                value = self.plain(value, grid, r, c)
                refs_text = self.text(value, grid, r, c)
                refs, bad = parse_refs(value, numbers)
                if bad:
                    self.warn("W312", f"对应问题“{refs_text}”中的“{'、'.join(bad)}”无法识别；"
                                      "请填写问题的序号，多个用逗号或顿号分隔，如“1,3”；对应全部问题可写“全部”。", grid, r, c)
                missing = [n for n in refs if n not in numbers]
                if missing and numbers:  # no problems at all is E205 already
                    self.warn("W303", f"对应问题中的 {'、'.join(map(str, missing))} 号问题在“存在的问题”表中不存在；"
                                      "请核对问题序号。", grid, r, c)
            owner = None
            if "owner" in values:
                owner = self.text(values["owner"][0], grid, r, values["owner"][1]) or None
            deadline = deadline_text = None
            if "deadline" in values:
                value, c = values["deadline"]
                value = self.plain(value, grid, r, c)
                found = parse_deadline(value)
                deadline = found.due
                if found.text is not None:
                    deadline_text = self.text(value, grid, r, c) or None
                if not found.ok:
                    self.warn("W302", f"完成时限“{deadline_text}”无法识别为日期，已原样保留，不计算是否逾期；"
                                      "请写成 2024-03-31、2024年6月、2024年底或“长期坚持”的形式。", grid, r, c)
                if deadline and meeting and deadline < meeting:
                    self.warn("W305", f"完成时限 {deadline_text or chinese_date(deadline)} 早于会议日期 {chinese_date(meeting)}；"
                                      "请核对完成时限。", grid, r, c)
            status = None
            if "status" in values:
                value, c = values["status"]
                status = self.text(value, grid, r, c) or None
                if status and status not in statuses:
                    self.warn("W306", f"完成情况“{status}”无法识别；请从下拉列表中选择：{'、'.join(statuses)}。",
                              grid, r, c)
            out.append(Measure(problems=refs, owner=owner, deadline=deadline, status=status,
                               deadline_text=deadline_text, problems_text=refs_text, **base))
        return out


def _header_cells(grid: _Grid, r: int, lower: int | None):
    """(column, candidate names, (row, value) shown if no candidate is a column) of a header row or row pair.

    In a row pair the lower row names the column; a group name above it
    (merged over several columns, or written once over its first column)
    may be part of the name: 问题 over 概述 gives 问题概述.  A merged group
    name that covers only some of the named columns may also name the first
    column under it (整改措施 over 概述 / 具体内容); a title over the whole
    header never does.
    """
    width = max(len(grid.rows[r]), len(grid.rows[lower]) if lower is not None else 0)
    if lower is None:
        for c in range(width):
            own = grid.raw(r, c)
            if own is not None and own != "" and (not isinstance(own, str) or not own.isspace()):
                yield c, (norm_name(own),), (r, own)
        return
    named = [c for c in range(width) if norm_name(grid.raw(lower, c)) or norm_name(grid.raw(r, c))]
    group = ""
    for c in range(width):
        anchor = grid.across.get((r, c), (r, c))
        own = grid.raw(*anchor) if anchor != (r, c) and grid.raw(r, c) in (None, "") else grid.raw(r, c)
        own_name = norm_name(own)
        if own_name:
            group = own_name
        below = grid.raw(lower, c)
        below_name = norm_name(below)
        if below_name:
            alone = ()
            end = grid.right_end.get(anchor, anchor[1])
            if own_name and end > anchor[1] and c == anchor[1] and not (c <= named[0] and end >= named[-1]):
                alone = (own_name,)
            yield c, (group + below_name, below_name, *alone), (lower, below)
        elif own_name:
            yield c, (own_name,), (r, own)


_JOIN_AFTER = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff]$")


def join_parts(parts: list[str]) -> str:
    """The detail cells of one item spread over merged rows, as one text.

    Nothing is put after a part that ends in punctuation; 。 after one that
    ends in a Chinese character (each cell was a statement of its own); a
    space between Latin words.
    """
    out = ""
    for part in parts:
        if not part:
            continue
        if out and not unicodedata.category(out[-1]).startswith("P"):
            out += "。" if _JOIN_AFTER.search(out) else " "
        out += part
    return out


def _number(value: object) -> int | None:
    """The 序号 a user typed, if it is a whole number."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return int(value) if float(value).is_integer() and value > 0 else None
    m = re.fullmatch(r"[（(]?\s*(\d{1,6})\s*[）)]?\s*[.、．]?", plain_text(value) if isinstance(value, str) else "")
    return int(m.group(1)) if m and int(m.group(1)) > 0 else None


_ALL_REFS = {"全部", "全部问题", "所有", "所有问题", "以上全部", "以上所有问题", "全部问题均涉及"}


def parse_refs(value: object, everything: tuple[int, ...] = ()) -> tuple[tuple[int, ...], list[str]]:
    """对应问题 → (problem numbers, unreadable parts).

    Accepts 3, "1,3", "1、3", "1，3", "1 3", "1;3", ranges "1-3" / "1~3" / "1至3",
    Chinese numerals "一、三" / "十一" / "二十", full-width digits, and "全部"
    (all problems: ``everything``); "第" / "问题" / "号" around a number are ignored.
    """
    if value is None or value == "" or isinstance(value, bool):
        return (), []
    if isinstance(value, (int, float)):
        return ((int(value),), []) if float(value).is_integer() and value > 0 else ((), [clean(value)])
    text = plain_text(value)
    if text in _ALL_REFS:
        return tuple(everything), []
    numbers: list[int] = []
    bad: list[str] = []
    for token in re.split(r"[,，、;；/\s]+", text):
        token = re.sub(r"^(?:问题|第)|[号条项]$", "", token.strip("（）()"))
        if not token:
            continue
        parts = re.split(r"[-~～至到—–－]", token)
        ints = [parse_chinese_int(p) for p in parts]
        if len(parts) == 1 and ints[0]:
            numbers.append(ints[0])
        elif len(parts) == 2 and all(ints) and ints[0] <= ints[1] and ints[1] - ints[0] < 100:  # type: ignore[operator]
            numbers.extend(range(ints[0], ints[1] + 1))  # type: ignore[arg-type, operator]
        else:
            bad.append(token)
    return tuple(dict.fromkeys(numbers)), bad


def fill_template(template: str, fields: dict[str, object]) -> str:
    """Fill a title / preamble template; an empty field becomes a neutral word."""
    meeting = fields.get("meeting_date")
    values = {
        "支部名称": fields.get("name") or "党支部",
        "上级党组织": fields.get("parent") or "上级党组织",
        "支部书记": fields.get("secretary") or "支部书记",
        "会议主题": fields.get("theme") or "",
        "会议日期": chinese_date(meeting) if isinstance(meeting, date) else "近期",
    }
    return template.format_map(values)


def fill_info(fields: dict[str, object], config: Config) -> BranchInfo:
    """基本信息 with the defaults applied (theme, title, preamble)."""
    fields = dict(fields)
    fields["theme"] = fields.get("theme") or config.default_theme
    fields["title"] = fields.get("title") or fill_template(config.title_template, fields)
    fields["preamble"] = fields.get("preamble") or fill_template(config.preamble_template, fields)
    return BranchInfo(**fields)  # type: ignore[arg-type]


# ---------------------------------------------------------------- entry


def _find_sheet(names: list[str], wanted: tuple[str, ...]) -> str | None:
    """The workbook's sheet for a schema sheet: exact name first, then synonyms."""
    by_norm: dict[str, str] = {}
    for name in names:
        by_norm.setdefault(norm_name(name), name)
    for candidate in wanted:
        if norm_name(candidate) in by_norm:
            return by_norm[norm_name(candidate)]
    return None


def _check_extent(name: str, rows: int, cols: int, low: str | None, right: str | None, config: Config) -> None:
    limits = config.limits
    shown = xml_safe(name)
    if rows > limits.max_rows:
        where = f"（最下面有内容的单元格是 {low}）" if low else ""
        raise _Refused(error("E206", f"“{shown}”表有 {rows} 行{where}，超过上限 {limits.max_rows} 行，已拒绝读取；"
                                     "请删除多余的行后重新提交。", shown))
    if cols > limits.max_columns:
        where = f"（最右边有内容的单元格是 {right}）" if right else ""
        raise _Refused(error("E206", f"“{shown}”表有 {cols} 列{where}，超过上限 {limits.max_columns} 列，已拒绝读取；"
                                     "请删除多余的列后重新提交。", shown))


def _precheck(data: bytes, suffix: str, config: Config) -> _Package:
    if suffix in CONVERT_SUFFIXES:
        raise _refuse("E108", f"不支持 {suffix} 格式的文件。{SAVE_AS_XLSX}")
    if suffix not in WORKBOOK_SUFFIXES:
        raise _refuse("E108", f"“{suffix or '无扩展名'}”不是 Excel 工作簿格式。请提交用标准模板填写的 .xlsx 工作簿。")
    _check_size(data, config)
    if data.startswith(OLE_MAGIC):
        if _ENCRYPTED_STREAM in data:
            raise _refuse("E103", "文件已加密，请取消密码后重新提交。")
        return _Package("ole")
    if data.startswith(b"PK"):
        return _open_zip(data, config)
    raise _refuse("E101", "文件不是 Excel 工作簿（内容无法识别），可能已损坏或只是改了扩展名；"
                          "请提交用标准模板填写的 .xlsx 工作簿。")


def _open_book(data: bytes, package: _Package, suffix: str):
    from python_calamine import CalamineWorkbook, PasswordError

    try:
        return CalamineWorkbook.from_object(io.BytesIO(data))
    except PasswordError:
        raise _refuse("E103", "文件已加密，请取消密码后重新提交。") from None
    except Exception:  # noqa: BLE001 - the library's failure is a finding (its name means nothing to a branch)
        if package.kind == "ole":
            if suffix in (".xlsx", ".xlsm", ".xlsb"):
                raise _refuse("E103", "文件已加密，请取消密码后重新提交。") from None
            raise _refuse("E111", f"无法读取这个旧版 Excel（.xls）文件。{SAVE_AS_XLSX}") from None
        raise _refuse("E110", f"文件已损坏，无法读取。{RESAVE}") from None


def _shown(name: str) -> str:
    """A sheet name as shown in messages."""
    return xml_safe(remove_bidi(name)[0])


def _load_grid(book, name: str, package: _Package, config: Config) -> _Grid:
    part = package.sheet_paths.get(name)
    formulas: frozenset[tuple[int, int]] = frozenset()
    if package.kind == "xlsx":  # refuse a huge sheet before calamine allocates it
        if part in package.parts:
            _check_extent(name, *sheet_extent(package.parts[part]), config)
            formulas = untrusted_formulas(package.parts[part], package.recalc)
        else:  # the sheet's part is not where the relationships say: check them all
            for other, blob in package.parts.items():
                if other.startswith("xl/worksheets/"):
                    _check_extent(name, *sheet_extent(blob), config)
    try:
        sheet = book.get_sheet_by_name(name)
    except Exception:  # noqa: BLE001
        raise _Refused(error("E110", f"“{_shown(name)}”表已损坏，无法读取；{RESAVE}", _shown(name))) from None
    if package.kind != "xlsx":  # other formats: check after loading
        _check_extent(name, sheet.total_height or 0, sheet.total_width or 0, None, None, config)
    return _grid(sheet, _shown(name), formulas)


def read_workbook(data: bytes, filename: str, config: Config) -> ReadResult:
    """Read one workbook's bytes; never raises for anything in the file."""
    suffix = os.path.splitext(filename)[1].lower()
    reader = _Reader(config)
    try:
        package = _precheck(data, suffix, config)
        book = _open_book(data, package, suffix)
        try:
            return _read(book, package, reader)
        finally:
            book.close()
    except _Refused as refused:  # the branch name, if it was read before, is kept
        return ReadResult(None, (refused.message,), reader.name)


def _read(book, package: _Package, reader: _Reader) -> ReadResult:
    config = reader.config
    names = [n for n in book.sheet_names if norm_name(n) != norm_name(INSTRUCTIONS_SHEET)]
    if package.version is not None and package.version > TEMPLATE_VERSION:
        reader.warn("W308", f"此工作簿来自更新版本的模板（第 {package.version} 版，本程序支持第 {TEMPLATE_VERSION} 版），"
                            "部分内容可能无法识别；请升级 reporter 或使用当前模板。")
    info_name = _find_sheet(names, (INFO_SHEET, *INFO_SHEET_SYNONYMS))
    info = reader.branch_info(_load_grid(book, info_name, package, config) if info_name else None)
    grids: dict[str, _Grid] = {}
    for section in SECTIONS:
        name = _find_sheet(names, section.names)
        if name is None:
            if section.required:
                found = "、".join(f"“{_shown(n)}”" for n in book.sheet_names) or "（没有工作表）"
                reader.fail("E202", f"缺少“{section.name}”工作表（本工作簿中的工作表有：{found}）；"
                                    f"请使用标准模板，保留“{section.name}”表并填写；如果表改了名字，请改回“{section.name}”。")
            continue
        grids[section.key] = _load_grid(book, name, package, config)
    rows = {key: reader.rows(grid, next(s for s in SECTIONS if s.key == key)) for key, grid in grids.items()}
    problems = reader.problems(grids["problems"], rows["problems"]) if rows.get("problems") is not None else []
    if rows.get("problems") == [] and not reader.formula_failed(grids["problems"]):
        reader.fail("E205", "“存在的问题”表中没有填写任何问题；请至少填写一个问题的“问题概述”。", grids["problems"])
    causes = reader.causes(grids["causes"], rows["causes"]) if rows.get("causes") is not None else []
    meeting = info.meeting_date if info else None
    measures = reader.measures(grids["measures"], rows["measures"], problems, meeting) \
        if rows.get("measures") is not None else []
    for key, label in (("causes", "原因剖析"), ("measures", "整改措施")):
        if rows.get(key) == [] and not reader.formula_failed(grids[key]):
            reader.warn("W311", f"“{label}”表中没有填写任何内容，材料中该部分将为空；请补充填写。", grids[key])
    messages = tuple(reader.messages)
    if info is None or any(m.level == "error" for m in messages):
        return ReadResult(None, messages, reader.name)
    branch = Branch(info, tuple(problems), tuple(causes), tuple(measures), package.version)
    return ReadResult(branch, messages, reader.name)


def read_path(path: Path, config: Config, root: Path | None = None) -> ReadResult:
    """Read a workbook file; file-system problems become findings."""
    path = Path(path)
    try:
        if root is not None:
            try:
                resolved = path.resolve()
            except RuntimeError:  # Python < 3.13 reports a symlink loop this way
                return ReadResult(None, (_symlink_loop(),))
            base = Path(root).resolve()
            if not resolved.is_relative_to(base):
                return ReadResult(None, (error("E123", "这是一个指向输入文件夹以外的快捷方式（符号链接），出于安全原因不读取；"
                                                      "请把工作簿本身放入文件夹。"),))
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            return ReadResult(None, (error("E122", "这不是一个普通文件（可能是文件夹或设备），无法作为工作簿读取。"),))
        if info.st_size > config.limits.max_file_mb * _MB:
            return ReadResult(None, (error("E104", f"文件大小 {info.st_size / _MB:.1f} MB，超过上限 "
                                                   f"{config.limits.max_file_mb:g} MB；请删除工作簿中的图片、多余工作表后重新提交。"),))
        data = path.read_bytes()
    except FileNotFoundError:
        if path.is_symlink():
            return ReadResult(None, (error("E121", "这是一个快捷方式（符号链接），但它指向的文件不存在；"
                                                  "请把工作簿本身放入文件夹。"),))
        return ReadResult(None, (error("E121", "读取时找不到该文件（可能在运行期间被移动或删除）。"),))
    except PermissionError:
        return ReadResult(None, (error("E120", "没有读取该文件的权限；请让管理员开放读取权限后重试。"),))
    except IsADirectoryError:
        return ReadResult(None, (error("E122", "这是一个文件夹，不是工作簿。"),))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return ReadResult(None, (_symlink_loop(),))
        return ReadResult(None, (error("E124", f"读取文件时出错（{os_reason(exc)}）；请稍后重试，或联系管理员检查文件所在的磁盘或共享文件夹。"),))
    return read_workbook(data, path.name, config)


def _symlink_loop() -> Message:
    return error("E122", "这是一个循环指向自身的快捷方式（符号链接），不是工作簿，无法读取；请把工作簿本身放入文件夹。")
