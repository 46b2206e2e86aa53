"""The roster: the branches expected to hand in a workbook (.xlsx or .csv).

The header row (with a 支部名称 column, and optionally 上级党组织) is found
within the first rows, like the reader finds headers; names are cleaned,
empties and duplicates dropped, order kept.  Every problem is a
:class:`UsageError` with a Chinese message (the command cannot start).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError, os_reason
from .schema import HEADER_SEARCH_ROWS, INFO_FIELDS
from .text import plain_text

SHEET_NAMES = ("名单", "支部名单")  # preferred sheets of an .xlsx roster
_FIELDS = {f.key: f for f in INFO_FIELDS}
_NAME = _FIELDS["name"]
_PARENT = _FIELDS["parent"]


@dataclass(frozen=True, slots=True)
class RosterEntry:
    name: str  # 支部名称
    parent: str | None = None  # 上级党组织, when the roster has that column


def _label(value: object) -> str:
    """A header cell as a label: cleaned, trailing colon / asterisk dropped."""
    return plain_text(value).rstrip("：:*＊ \u3000")


def _column(header: Sequence[object], names: tuple[str, ...]) -> int | None:
    labels = [_label(v) for v in header]
    for name in names:  # the label first, then its synonyms
        if name in labels:
            return labels.index(name)
    return None


def _entries(rows: Iterable[Sequence[object]], source: Path) -> list[RosterEntry]:
    rows = iter(rows)
    header: Sequence[object] = ()
    name_col: int | None = None
    for _, header in zip(range(HEADER_SEARCH_ROWS), rows):
        name_col = _column(header, _NAME.names)
        if name_col is not None:
            break
    if name_col is None:
        raise UsageError(f"名单文件 {source} 的前 {HEADER_SEARCH_ROWS} 行中找不到“支部名称”列，请加一行标题“支部名称”。")
    parent_col = _column(header, _PARENT.names)

    entries: list[RosterEntry] = []
    seen: set[str] = set()
    for row in rows:
        name = plain_text(row[name_col]) if name_col < len(row) else ""
        if not name or name in seen:
            continue
        seen.add(name)
        parent = plain_text(row[parent_col]) if parent_col is not None and parent_col < len(row) else ""
        entries.append(RosterEntry(name, parent or None))
    if not entries:
        raise UsageError(f"名单文件 {source} 中没有任何支部名称。")
    return entries


def _xlsx_rows(path: Path) -> list[tuple[object, ...]]:
    import warnings

    import openpyxl

    try:
        with warnings.catch_warnings():  # e.g. "no default style" from other tools' files
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except OSError:
        raise  # reported with its reason by read_roster_entries
    except zipfile.BadZipFile:
        raise UsageError(f"名单文件 {path} 不是有效的 .xlsx 工作簿（文件已损坏，或是改了扩展名的其他文件），"
                         "请用 Excel 或 WPS 打开后另存为 .xlsx 工作簿。") from None
    except Exception:  # noqa: BLE001 - any parse failure is a usage error
        raise UsageError(f"无法读取名单文件 {path}，文件内容无法识别；请用 Excel 或 WPS 打开后另存为 .xlsx 工作簿。") from None
    try:
        names = [n for n in wb.sheetnames if n.strip() in SHEET_NAMES]
        ws = wb[names[0]] if names else wb.worksheets[0]
        return [tuple(r) for r in ws.iter_rows(values_only=True)]
    finally:
        wb.close()


def _csv_rows(path: Path) -> list[list[str]]:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes almost anything
        raise UsageError(f"名单文件 {path} 的编码无法识别，请另存为 UTF-8 编码的 CSV。")
    return list(csv.reader(io.StringIO(text)))


def read_roster_entries(path: Path) -> list[RosterEntry]:
    """The roster's branches (name and, when present, 上级党组织), in file order."""
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"找不到名单文件：{path}")
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            rows: Sequence[Sequence[object]] = _xlsx_rows(path)
        elif suffix == ".csv":
            rows = _csv_rows(path)
        else:
            raise UsageError(f"名单文件应为 .xlsx 或 .csv（含“支部名称”列）：{path}")
    except OSError as exc:
        raise UsageError(f"无法读取名单文件 {path}：{os_reason(exc)}。") from None
    return _entries(rows, path)


def read_roster(path: Path) -> list[str]:
    """The names of the branches expected to hand in a workbook."""
    return [entry.name for entry in read_roster_entries(path)]
