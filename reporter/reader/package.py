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
from ..findings import message
from ..model import Message
from ..discover import CONVERT_SUFFIXES, WORKBOOK_SUFFIXES
from ..schema import VERSION_NAME

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
MB = 1024 * 1024
_FULL_CALC = re.compile(rb"""<(?:[\w.-]+:)?calcPr\b[^>]*\sfullCalcOnLoad\s*=\s*["'](?:1|true)["']""")


class Refused(Exception):
    """The workbook cannot be read; carries the finding."""

    def __init__(self, message: Message):
        self.message = message


def refuse(code: str, variant: str = "", *, sheet: str | None = None, **fields: object) -> Refused:
    """A refusal with the catalogue's finding ``code`` (see :func:`reporter.findings.message`)."""
    return Refused(message(code, variant=variant, sheet=sheet, **fields))


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
    return message("E104", size_mb=size / MB, limit_mb=limit)


def check_package(data: bytes, suffix: str, config: Config) -> Package:
    """The checks on the raw bytes, by file extension and magic number."""
    if suffix in CONVERT_SUFFIXES:
        raise refuse("E108", "convert", suffix=suffix)
    if suffix not in WORKBOOK_SUFFIXES:
        raise refuse("E108", "other", suffix=suffix) if suffix else refuse("E108", "no_suffix")
    if not data:
        raise refuse("E102")
    large = too_large(len(data), config)
    if large is not None:
        raise Refused(large)
    if data.startswith(OLE_MAGIC):
        if _ENCRYPTED_STREAM in data:
            raise encrypted()
        return Package("ole")
    if data.startswith(b"PK"):
        return _open_zip(data, config)
    raise refuse("E101", "unknown")


def encrypted() -> Refused:
    return refuse("E103")


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
            raise refuse("E111") from None
        raise refuse("E110", "book") from None


# ------------------------------------------------------------------ zip


def _inflate(data: bytes, info: zipfile.ZipInfo, limit: int) -> bytes:
    """A member's bytes, decompressed by us with a hard output bound.

    The sizes in a zip's directory can lie; inflating the raw stream with
    ``max_length`` keeps memory bounded whatever the header says.
    """
    if limit <= 0:  # zlib's max_length 0 would mean "no limit"
        raise refuse("E105", "bomb")
    start = info.header_offset
    header = data[start:start + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise refuse("E101", "truncated")
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    begin = start + 30 + name_len + extra_len
    raw = data[begin:begin + info.compress_size]
    if info.compress_type == zipfile.ZIP_STORED:
        out = raw
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        try:
            out = zlib.decompressobj(-15).decompress(raw, limit + 1)
        except zlib.error:
            raise refuse("E101", "bad_data") from None
    else:
        raise refuse("E101", "compression")
    if len(out) > limit or len(out) > info.file_size:
        raise refuse("E105", "bomb")
    return out


def _no_entities(name: str, blob: bytes) -> None:
    head = blob[:2]
    if head in (b"\xff\xfe", b"\xfe\xff"):
        blob = blob.decode("utf-16", "replace").encode("utf-8", "replace")
    if b"<!DOCTYPE" in blob or b"<!ENTITY" in blob:
        raise refuse("E107", "part", part=name)


def _zip_entries(data: bytes, config: Config) -> list[zipfile.ZipInfo]:
    """The zip's directory, within the entry-count, total-size and ratio limits."""
    limits = config.limits
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise refuse("E101", "not_zip") from None
    if len(infos) > limits.max_zip_entries:
        raise refuse("E106", count=len(infos), limit=limits.max_zip_entries)
    declared = sum(i.file_size for i in infos)
    if declared > int(limits.max_uncompressed_mb * MB):
        raise refuse("E105", "size", size_mb=declared / MB, limit_mb=limits.max_uncompressed_mb)
    if declared > limits.max_compression_ratio * len(data) and declared > MB:
        raise refuse("E105", "ratio")
    return infos


def _zip_kind(names: set[str]) -> str:
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "xl/workbook.bin" in names:
        return "xlsb"
    if "content.xml" in names and "mimetype" in names:
        return "ods"
    if "word/document.xml" in names:
        raise refuse("E109", "word")
    if "ppt/presentation.xml" in names:
        raise refuse("E109", "powerpoint")
    raise refuse("E101", "no_workbook")


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
        raise refuse("E107", "parser") from None
    except ET.ParseError:
        raise refuse("E110", "structure") from None


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
