"""A small, fast .xlsx writer: exactly what the summary workbook needs.

Worksheets of text, numbers, dates and empty (styled) cells; a handful of
cell styles; column widths; a frozen header row; an auto-filter; A4
landscape print set-up fitted to the page width with the header row repeated.
Nothing else (no formulas, shared strings, merged cells, charts, theme part).

Why not XlsxWriter: building every cell through its object layer took
~1.1 s for 1,000 seed-sized branches; this takes ~0.25 s (a cached
``str.format`` template per row shape, text escaped only when it needs it).
The parts follow ECMA-376 Part 1 (element order in ``worksheet`` and
``styleSheet`` as the schema's sequences require; Excel offers to "repair" a
file otherwise) and are modelled on what Excel and XlsxWriter write.

Text is always an inline string (``t="inlineStr"``): never a formula,
whatever it begins with.  Characters XML cannot hold are removed, and a
literal ``_xHHHH_`` is escaped so that Excel does not decode it.

Usage (sheets are named up front and written one after another)::

    book = Workbook(["总览"], Properties(title="…"))
    header = book.style(Style(bold=True, fill="D9E1F2", border="all", wrap=True))
    with book.add_sheet("总览", widths=[26, 12], freeze_rows=1) as sheet:
        sheet.append(["支部名称", "会议日期"], header)
        sheet.append(["第一党支部", date(2024, 1, 5)], [0, book.style(Style(num_format="yyyy-mm-dd"))])
        sheet.auto_filter()
    data = book.close()

Streaming, in one pass: the package is a :class:`reporter.ooxml.Package` in memory,
``[Content_Types].xml`` its first entry (as file-type sniffers expect: that
is why the sheet names are declared when the workbook is created).  A sheet's
XML goes straight into its zip entry: the head (everything before
``sheetData``: no ``dimension``, which is optional) when the sheet is added,
rows in chunks of :data:`CHUNK_ROWS`, the tail (auto-filter, print set-up)
when its ``with`` block ends (at the latest when the next sheet is added or
the workbook closed).  Memory holds the compressed file, not XML.
``workbook.xml`` (defined names) and ``styles.xml`` are written last.

Modules: :mod:`.cells` (values as XML), :mod:`.styles` (Style, styles.xml),
:mod:`.sheet` (a streamed worksheet), :mod:`.workbook` (the package).
"""

from __future__ import annotations

from .cells import DATE_FORMAT, MAX_TEXT, column_letter
from .sheet import CHUNK_ROWS, MAX_ROWS, Sheet
from .styles import Style
from .workbook import COMPRESS_LEVEL, Properties, Workbook

__all__ = ["CHUNK_ROWS", "COMPRESS_LEVEL", "DATE_FORMAT", "MAX_ROWS", "MAX_TEXT", "Properties", "Sheet", "Style", "Workbook",
           "column_letter"]
