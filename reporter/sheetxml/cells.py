"""Cell values as SpreadsheetML: escaping, numbers, dates, column letters and widths."""

from __future__ import annotations

import math
import re
from datetime import date, datetime

from ..text import xml_safe

DATE_FORMAT = "yyyy-mm-dd"
MAX_TEXT = 32_767  # characters a cell can hold in Excel (more: a repair prompt)
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_EPOCH = date(1899, 12, 30)  # Excel's day 0 in the 1900 date system
_FIRST_SERIAL_DATE = date(1900, 3, 1)  # earlier days are off by Excel's 1900 leap-year bug
_ESCAPE_LIKE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")  # Excel decodes _xHHHH_ in text
# Characters cell_text must escape or remove.
_SPECIAL = re.compile('[&<>"\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]')

_LETTERS: list[str] = []


def column_letter(index: int) -> str:
    """0 → "A", 25 → "Z", 26 → "AA"."""
    while len(_LETTERS) <= index:
        n, s = len(_LETTERS) + 1, ""
        while n:
            n, rem = divmod(n - 1, 26)
            s = chr(65 + rem) + s
        _LETTERS.append(s)
    return _LETTERS[index]


def attr(value: str) -> str:
    """Escape for an XML attribute value or text node (the value is XML-safe already)."""
    return (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def cell_text(value: str) -> str:
    """Cell text as XML character data: XML-safe, escaped, ``_xHHHH_`` kept
    literal, cut at Excel's limit of :data:`MAX_TEXT` characters a cell."""
    if len(value) > MAX_TEXT:
        value = value[:MAX_TEXT]
    if _SPECIAL.search(value) is None and "_x" not in value:  # the usual case: nothing to do
        return value
    value = xml_safe(value)
    if "_x" in value:
        value = _ESCAPE_LIKE.sub(r"_x005F_\1", value)
    return attr(value).replace("\r", "&#13;")


def number(value: float) -> str:
    if not math.isfinite(value):
        raise ValueError(f"a worksheet cannot hold {value!r}")
    return repr(float(value))


def date_cell(style: int):
    """The rest of a date cell after ``<c r="…"``: a serial number in ``style``."""
    def convert(value: date) -> str:
        day = value.date() if isinstance(value, datetime) else value
        if day < _FIRST_SERIAL_DATE:
            return f' s="{style}" t="inlineStr"><is><t>{value.isoformat()}</t></is></c>'
        serial: float = (day - _EPOCH).days
        if isinstance(value, datetime):
            seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
            if seconds:
                serial += seconds / 86400
        return f' s="{style}"><v>{serial}</v></c>'
    return convert


def stored_width(chars: float) -> float:
    """Excel's stored column width for a width in characters of the default
    font (7 px digits, 5 px padding), as Excel and XlsxWriter compute it."""
    if chars <= 0:
        return 0.0
    pixels = int(chars * 7 + 0.5) + 5 if chars >= 1 else int(chars * 12 + 0.5)
    return int(pixels / 7 * 256) / 256
