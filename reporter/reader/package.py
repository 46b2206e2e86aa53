"""Raw bytes → a checked package: size, format, zip bombs, XML entities, encryption.

Every check that can be made on the raw bytes is made here, before a
spreadsheet library parses anything (DESIGN.md §6).  A refusal is a
:class:`Refused` carrying its finding.
"""

from __future__ import annotations

import io
import os
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field

from ..config import Config
from ..model import Message, error
from ..schema import CONVERT_SUFFIXES, VERSION_NAME, WORKBOOK_SUFFIXES

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
MB = 1024 * 1024
SAVE_AS_XLSX = "请用 Excel 或 WPS 打开后“另存为” Excel 工作簿（.xlsx）格式，再重新提交。"
RESAVE = "请用 Excel 或 WPS 打开此工作簿，确认内容完整后“另存为” Excel 工作簿（.xlsx）格式，再重新提交；如果打不开，请从原稿重新填写。"
_FULL_CALC = re.compile(rb"""<(?:[\w.-]+:)?calcPr\b[^>]*\sfullCalcOnLoad\s*=\s*["'](?:1|true)["']""")


class Refused(Exception):
    """The workbook cannot be read; carries the finding."""

    def __init__(self, message: Message):
        self.message = message


def refuse(code: str, text: str, sheet: str | None = None) -> Refused:
    return Refused(error(code, text, sheet))


@dataclass(slots=True)
class Package:
    """What the raw-byte checks learnt about a workbook file."""

    kind: str  # "xlsx" | "xlsb" | "ods" | "ole"
    parts: dict[str, bytes] = field(default_factory=dict)  # inflated XML parts (xlsx)
    sheet_paths: dict[str, str] = field(default_factory=dict)  # sheet name → part name
    version: int | None = None
    recalc: bool = False  # workbook.xml asks for a full recalculation: no stored formula value counts


def too_large(size: int, config: Config) -> Message | None:
    """E104 when ``size`` bytes exceed ``limits.max_file_mb``."""
    limit = config.limits.max_file_mb
    if size <= limit * MB:
        return None
    return error("E104", f"文件大小 {size / MB:.1f} MB，超过上限 {limit:g} MB；"
                         "请删除工作簿中的图片、多余工作表后重新提交。")


def check_package(data: bytes, suffix: str, config: Config) -> Package:
    """The checks on the raw bytes, by file extension and magic number."""
    if suffix in CONVERT_SUFFIXES:
        raise refuse("E108", f"不支持 {suffix} 格式的文件。{SAVE_AS_XLSX}")
    if suffix not in WORKBOOK_SUFFIXES:
        raise refuse("E108", f"“{suffix or '无扩展名'}”不是 Excel 工作簿格式。请提交用标准模板填写的 .xlsx 工作簿。")
    if not data:
        raise refuse("E102", "文件是空的（0 字节），可能没有保存成功，请重新保存后提交。")
    large = too_large(len(data), config)
    if large is not None:
        raise Refused(large)
    if data.startswith(OLE_MAGIC):
        if _ENCRYPTED_STREAM in data:
            raise encrypted()
        return Package("ole")
    if data.startswith(b"PK"):
        return _open_zip(data, config)
    raise refuse("E101", "文件不是 Excel 工作簿（内容无法识别），可能已损坏或只是改了扩展名；"
                         "请提交用标准模板填写的 .xlsx 工作簿。")


def encrypted() -> Refused:
    return refuse("E103", "文件已加密，请取消密码后重新提交。")


def open_book(data: bytes, package: Package, suffix: str):
    """The calamine workbook; the library's failures become findings."""
    from python_calamine import CalamineWorkbook, PasswordError

    try:
        return CalamineWorkbook.from_object(io.BytesIO(data))
    except PasswordError:
        raise encrypted() from None
    except Exception:  # noqa: BLE001 - the library's failure is a finding (its name means nothing to a branch)
        if package.kind == "ole":
            if suffix in (".xlsx", ".xlsm", ".xlsb"):
                raise encrypted() from None
            raise refuse("E111", f"无法读取这个旧版 Excel（.xls）文件。{SAVE_AS_XLSX}") from None
        raise refuse("E110", f"文件已损坏，无法读取。{RESAVE}") from None


# ------------------------------------------------------------------ zip


def _bomb() -> Refused:
    return refuse("E105", "文件解压后的内容超出上限（疑似“压缩炸弹”），已拒绝读取。")


def _inflate(data: bytes, info: zipfile.ZipInfo, limit: int) -> bytes:
    """A member's bytes, decompressed by us with a hard output bound.

    The sizes in a zip's directory can lie; inflating the raw stream with
    ``max_length`` keeps memory bounded whatever the header says.
    """
    if limit <= 0:  # zlib's max_length 0 would mean "no limit"
        raise _bomb()
    start = info.header_offset
    header = data[start:start + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise refuse("E101", "文件已损坏（压缩包结构不完整），无法读取；请重新保存后提交。")
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    begin = start + 30 + name_len + extra_len
    raw = data[begin:begin + info.compress_size]
    if info.compress_type == zipfile.ZIP_STORED:
        out = raw
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        try:
            out = zlib.decompressobj(-15).decompress(raw, limit + 1)
        except zlib.error:
            raise refuse("E101", "文件已损坏（压缩数据有误），无法读取；请重新保存后提交。") from None
    else:
        raise refuse("E101", "文件使用了不支持的压缩方式，请用 Excel 或 WPS 重新保存为 .xlsx 后提交。")
    if len(out) > limit or len(out) > info.file_size:
        raise _bomb()
    return out


def _no_entities(name: str, blob: bytes) -> None:
    head = blob[:2]
    if head in (b"\xff\xfe", b"\xfe\xff"):
        blob = blob.decode("utf-16", "replace").encode("utf-8", "replace")
    if b"<!DOCTYPE" in blob or b"<!ENTITY" in blob:
        raise refuse("E107", f"文件中的 {name} 含有 XML 实体声明（DOCTYPE/ENTITY），出于安全原因拒绝读取；"
                             "请用 Excel 或 WPS 重新另存为 .xlsx 后提交。")


def _zip_entries(data: bytes, config: Config) -> list[zipfile.ZipInfo]:
    """The zip's directory, within the entry-count, total-size and ratio limits."""
    limits = config.limits
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise refuse("E101", "文件已损坏（不是完整的 Excel 工作簿），无法读取；请重新保存后提交。") from None
    if len(infos) > limits.max_zip_entries:
        raise refuse("E106", f"文件内部包含 {len(infos)} 个部件，超过上限 {limits.max_zip_entries} 个，已拒绝读取。")
    declared = sum(i.file_size for i in infos)
    if declared > int(limits.max_uncompressed_mb * MB):
        raise refuse("E105", f"文件解压后约 {declared / MB:.0f} MB，超过上限 {limits.max_uncompressed_mb:g} MB，已拒绝读取。")
    if declared > limits.max_compression_ratio * len(data) and declared > MB:
        raise refuse("E105", "文件的压缩比异常（疑似“压缩炸弹”），已拒绝读取。")
    return infos


_NOT_A_SPREADSHEET = "（只是扩展名为表格格式），不是 Excel 工作簿；请提交用标准模板填写的 .xlsx 工作簿。"


def _zip_kind(names: set[str]) -> str:
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "xl/workbook.bin" in names:
        return "xlsb"
    if "content.xml" in names and "mimetype" in names:
        return "ods"
    if "word/document.xml" in names:
        raise refuse("E109", f"这是一个 Word 文档{_NOT_A_SPREADSHEET}")
    if "ppt/presentation.xml" in names:
        raise refuse("E109", f"这是一个 PowerPoint 演示文稿{_NOT_A_SPREADSHEET}")
    raise refuse("E101", "文件不是 Excel 工作簿（压缩包中没有工作簿内容），请提交用标准模板填写的 .xlsx 工作簿。")


def _open_zip(data: bytes, config: Config) -> Package:
    infos = _zip_entries(data, config)
    package = Package(_zip_kind({i.filename for i in infos}))
    budget = int(config.limits.max_uncompressed_mb * MB)
    for info in infos:
        lower = info.filename.lower()
        if not (lower.endswith(".xml") or lower.endswith(".rels")) or info.is_dir():
            continue
        blob = _inflate(data, info, budget)
        budget -= len(blob)
        _no_entities(info.filename, blob)
        package.parts[info.filename] = blob
    if package.kind == "xlsx":
        _read_package_xml(package)
    return package


# ------------------------------------------------------------ workbook.xml


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


def _parse_parts(package: Package, *names: str) -> list:
    """The named parts parsed (the first must exist; None for a later missing or empty one).

    Entity declarations and broken XML are findings."""
    from defusedxml import ElementTree as ET
    from defusedxml.common import DefusedXmlException

    try:
        return [ET.fromstring(package.parts[n]) if i == 0 or package.parts.get(n) else None for i, n in enumerate(names)]
    except DefusedXmlException:
        raise refuse("E107", "文件中含有 XML 实体声明，出于安全原因拒绝读取；请用 Excel 或 WPS 重新另存为 .xlsx 后提交。") from None
    except ET.ParseError:
        raise refuse("E110", "文件已损坏（工作簿结构无法解析），请用 Excel 或 WPS 重新保存后提交。") from None


def _read_package_xml(package: Package) -> None:
    """Sheet name → part, and the template version (defined name or custom property)."""
    book, rels, custom = _parse_parts(package, "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "docProps/custom.xml")
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
