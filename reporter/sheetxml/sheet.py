"""One worksheet, streamed into its zip entry as rows are appended."""

from __future__ import annotations

import io
from collections.abc import Sequence

from ..ooxml import DECL
from .cells import MAIN_NS, REL_NS, column_letter, stored_width
from .styles import Styles

CHUNK_ROWS = 250  # rows joined and written at a time (1000 seed-sized rows: ~5 MB more peak memory)
MAX_ROWS, _MAX_COLS = 1_048_576, 16_384


class Sheet:
    """One worksheet, written as it is filled; create with :meth:`Workbook.add_sheet`,
    as a context manager (``with book.add_sheet(…) as sheet:``): leaving the block
    finishes the sheet, so that an error cannot leave its zip entry open."""

    def __init__(self, styles: Styles, index: int, name: str, out: io.BufferedIOBase, widths: Sequence[float | None],
                 freeze_rows: int, print_title_rows: int, paper: int, landscape: bool, fit_width: bool):
        self.index, self.name = index, name
        self._styles = styles  # (not the workbook: no reference cycle, so an abandoned one is freed at once)
        self.print_title_rows = print_title_rows
        self.rows = 0  # rows appended so far (row numbers are 1-based)
        self.columns = len(widths)  # widest row so far
        self.filter_ref: str | None = None
        self._setup = (f'paperSize="{paper}"' + (' fitToWidth="1" fitToHeight="0"' if fit_width else "")
                       + f' orientation="{"landscape" if landscape else "portrait"}"')
        self._out: io.BufferedIOBase | None = out  # the sheet's zip entry; None once finished
        self._pending: list[str] = [sheet_head(index, widths, freeze_rows, fit_width)]  # XML not yet written

    def __enter__(self) -> Sheet:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.finish()

    def append(self, values: Sequence[object], styles: int | Sequence[int] = 0) -> int:
        """Add one row; return its number.  ``styles``: one cellXfs index
        (from :meth:`Workbook.style`) for every cell, or one per cell.

        str → inline text; int/float → number; bool → boolean; date/datetime
        → serial number (a style without a date format gets :data:`DATE_FORMAT`;
        days before 1900-03-01, which Excel numbers wrongly, are written as
        text); None or "" → no value (a styled empty cell when the style is not 0).
        """
        if self._out is None:
            raise ValueError("the worksheet is closed (a later one was added, or the workbook closed)")
        r = self.rows + 1
        if r > MAX_ROWS or len(values) > _MAX_COLS:
            raise ValueError("beyond the size of an Excel worksheet")
        styles = (styles,) * len(values) if isinstance(styles, int) else tuple(styles)
        if len(styles) != len(values):
            raise ValueError(f"row {r}: {len(values)} values but {len(styles)} styles")
        if "" in values:
            values = [None if v == "" else v for v in values]
        # One str.format template per (styles, value types): the markup of a
        # row is built once, and each row only converts its values.
        key = (styles, tuple(map(type, values)))
        entry = self._styles.rows.get(key)
        if entry is None:
            entry = self._styles.rows[key] = self._styles.row_template(values, styles)
        template, converters = entry
        if converters:
            values = [v if c is None else c(v) for c, v in zip(converters, values)]
        self._pending.append(template.format(r, *values))
        self.rows = r
        if len(values) > self.columns:
            self.columns = len(values)
        if len(self._pending) >= CHUNK_ROWS:
            self._flush()
        return r

    def auto_filter(self) -> None:
        """Filter buttons on row 1 over the rows appended so far (at least one data row).
        Rows appended later (a totals row) stay out of sorting and filtering."""
        last_col = column_letter(max(self.columns, 1) - 1)
        self.filter_ref = f"A1:{last_col}{max(self.rows, 2)}"

    def _flush(self) -> None:
        if self._pending:
            self._out.write("".join(self._pending).encode())
            self._pending.clear()

    def finish(self) -> None:
        """Write the rest of the sheet and close its zip entry (no more rows)."""
        if self._out is None:
            return
        self._pending.append("</sheetData>")
        if self.filter_ref:
            self._pending.append(f'<autoFilter ref="{self.filter_ref}"/>')
        self._pending.append('<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
                             f"<pageSetup {self._setup}/></worksheet>")
        self._flush()
        self._out.close()
        self._out = None


def sheet_head(index: int, widths: Sequence[float | None], freeze_rows: int, fit_width: bool) -> str:
    """A worksheet's XML up to and including ``<sheetData>``."""
    parts = [DECL, f'<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">']
    if fit_width:
        parts.append('<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>')
    selected = ' tabSelected="1"' if index == 0 else ""
    parts.append(f'<sheetViews><sheetView{selected} workbookViewId="0">')
    if freeze_rows:
        top = f"A{freeze_rows + 1}"
        parts.append(f'<pane ySplit="{freeze_rows}" topLeftCell="{top}" activePane="bottomLeft" state="frozen"/>'
                     f'<selection pane="bottomLeft" activeCell="{top}" sqref="{top}"/>')
    parts.append('</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>')
    cols = [f'<col min="{i}" max="{i}" width="{stored_width(w)}" customWidth="1"/>'
            for i, w in enumerate(widths, 1) if w is not None]
    if cols:
        parts += ["<cols>", *cols, "</cols>"]
    parts.append("<sheetData>")
    return "".join(parts)
