"""Hostile-input pieces shared by test_hostile.py and test_properties.py.

What the outputs must never contain, and a second workbook writer
(XlsxWriter: shared strings, control characters escaped as ``_xHHHH_``).
"""

from __future__ import annotations

import io
import re
from datetime import date

# What XML 1.0 cannot hold, raw or as the OOXML escape _xHHHH_ of a C0 control.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
ESCAPED_CONTROL = re.compile(r"_x00[01][0-9A-Fa-f]_")
# Word constructs that would make workbook text live: fields and links.
LIVE_WORD = re.compile(rb"<w:(?:fldSimple|instrText|fldChar|hyperlink)\b")


def xlsxwriter_bytes(sheets: dict[str, list[list]]) -> bytes:
    """The sheets written by XlsxWriter: shared strings, control characters escaped as _xHHHH_."""
    import xlsxwriter

    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"strings_to_formulas": False, "strings_to_urls": False,
                                   "strings_to_numbers": False})
    date_format = wb.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, str):
                    ws.write_string(r, c, value)
                elif isinstance(value, date):
                    ws.write_datetime(r, c, value, date_format)
                elif value is not None:
                    ws.write_number(r, c, value)
    wb.close()
    return out.getvalue()
