"""Finding the workbooks under INPUT_DIR."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .model import Message, warning
from .schema import CONVERT_SUFFIXES, WORKBOOK_SUFFIXES

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def shown(rel: str) -> str:
    """A relative path as safe text for reports and logs.

    Bytes that are not UTF-8 (names from another system's encoding) and
    control characters (which could forge a log line or colour a terminal)
    become ``\\xNN`` escapes.
    """
    text = os.fsencode(rel).decode("utf-8", "backslashreplace")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def name_findings(rel: str) -> tuple[Message, ...]:
    """W405 for a file name that cannot be shown as it is."""
    text = shown(rel)
    if text == rel:
        return ()
    return (warning("W405", f"文件名含有无法正常显示的字符或不是 UTF-8 编码（显示为“{text}”），"
                            "请把文件改用正常的中文或英文名称后重新提交。"),)


@dataclass(slots=True)
class Discovery:
    workbooks: list[str] = field(default_factory=list)  # relative paths ("/"-separated), sorted
    ignored: list[str] = field(default_factory=list)  # not spreadsheets: listed, never failed
    unreadable: list[str] = field(default_factory=list)  # folders os.walk could not list


def _hidden(name: str) -> bool:
    return name.startswith(".") or name.startswith("~$")


def discover(input_dir: Path, exclude: Path | None = None) -> Discovery:
    """Walk ``input_dir`` recursively.

    Hidden files and folders and Excel lock files (``~$…``) are skipped
    silently.  Files with a workbook extension — or one of the spreadsheet
    formats we can only name (``.et``, ``.csv`` …) — are workbooks (the
    reader reports the latter with a "save as .xlsx" finding); anything else
    is ``ignored``.  Nothing under ``exclude`` (OUTPUT_DIR) is read.
    Symbolic links are listed as workbooks too; the reader refuses those
    pointing outside INPUT_DIR.
    """
    root = input_dir.resolve()
    excl = exclude.resolve() if exclude is not None else None
    found = Discovery()

    def unreadable(exc: OSError) -> None:
        if exc.filename is not None:
            found.unreadable.append(Path(exc.filename).relative_to(root).as_posix())

    for dirpath, dirnames, filenames in os.walk(root, onerror=unreadable, followlinks=False):
        here = Path(dirpath)
        dirnames[:] = sorted(
            d for d in dirnames if not _hidden(d) and (excl is None or (here / d).resolve() != excl)
        )
        # A string join per file, not Path objects: this runs on every (even unchanged) run.
        prefix = "" if here == root else here.relative_to(root).as_posix() + "/"
        for name in filenames:
            if _hidden(name):
                continue
            rel = prefix + name
            suffix = os.path.splitext(name)[1].lower()
            if suffix in WORKBOOK_SUFFIXES or suffix in CONVERT_SUFFIXES:
                found.workbooks.append(rel)
            else:
                found.ignored.append(rel)
    found.workbooks.sort()
    found.ignored.sort()
    found.unreadable.sort()
    return found
