"""The standard workbook as an openpyxl workbook, and its (reproducible) bytes."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import IO

from openpyxl import Workbook
from openpyxl.packaging.custom import IntProperty
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.writer.excel import ExcelWriter

from .. import TEMPLATE_VERSION
from ..config import Config
from ..fsutil import atomic_write
from ..ooxml import normalise_zip
from ..schema import INFO_FIELDS, INFO_SHEET, INSTRUCTIONS_SHEET, SECTIONS, VERSION_NAME
from .cells import LISTS_SHEET
from .instructions import instructions_sheet
from .sheets import info_sheet, lists_sheet, section_sheet


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

    lists_sheet(wb, lists, config)
    instructions_sheet(instructions, config)
    info_sheet(info_ws, info)
    for sheet in SECTIONS:
        section_sheet(section_ws[sheet.key], sheet)

    wb.defined_names[VERSION_NAME] = DefinedName(VERSION_NAME, attr_text=str(TEMPLATE_VERSION))
    wb.custom_doc_props.append(IntProperty(name=VERSION_NAME, value=TEMPLATE_VERSION))
    wb.properties.title = "对照检查材料填报模板"
    wb.properties.creator = "reporter"
    wb.properties.description = f"标准工作簿第 {TEMPLATE_VERSION} 版"
    wb.active = 0
    return wb


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
