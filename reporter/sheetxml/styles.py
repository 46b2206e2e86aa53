"""Cell formats: :class:`Style`, the workbook's registry of them (cellXfs) and ``styles.xml``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from ..ooxml import DECL
from .cells import DATE_FORMAT, MAIN_NS, attr, cell_text, column_letter, date_cell, number


@dataclass(frozen=True, slots=True)
class Style:
    """One cell format.  ``fill``: RGB hex ("D9E1F2"); ``border``: "all" (thin
    box) or "top" (thin top line); alignments as in Excel ("left", "center",
    "top", …); ``num_format``: an Excel number format code."""

    bold: bool = False
    fill: str | None = None
    border: str | None = None
    wrap: bool = False
    halign: str | None = None
    valign: str | None = None
    num_format: str | None = None


_BORDERS = {
    None: "<border><left/><right/><top/><bottom/><diagonal/></border>",
    "all": ('<border><left style="thin"><color auto="1"/></left><right style="thin"><color auto="1"/></right>'
            '<top style="thin"><color auto="1"/></top><bottom style="thin"><color auto="1"/></bottom>'
            "<diagonal/></border>"),
    "top": '<border><left/><right/><top style="thin"><color auto="1"/></top><bottom/><diagonal/></border>',
}
_HALIGN = {None, "general", "left", "center", "right", "fill", "justify", "centerContinuous", "distributed"}
_VALIGN = {None, "top", "center", "bottom", "justify", "distributed"}
_BUILTIN_FORMATS = {"General": 0, "0": 1, "0.00": 2}  # others get ids from 164 (14 is locale-dependent)


class Styles:
    """Registered :class:`Style` s → cellXfs indexes (0 is the default), and
    the row templates that use them."""

    def __init__(self, font: str, size: float):
        self.font, self.size = font, size
        self.xfs: list[Style] = [Style()]
        self.index: dict[Style, int] = {Style(): 0}
        self.date_variant: dict[int, int] = {}
        self.dated: set[int] = set()  # xf indexes whose format is a date format
        self.rows: dict[tuple, tuple[str, list | None]] = {}  # row templates, see Sheet.append

    def add(self, style: Style) -> int:
        if style.border not in _BORDERS:
            raise ValueError(f"unknown border: {style.border!r}")
        if style.halign not in _HALIGN or style.valign not in _VALIGN:
            raise ValueError(f"unknown alignment: {style.halign!r} / {style.valign!r}")
        if style.fill is not None and not re.fullmatch(r"[0-9A-Fa-f]{6}", style.fill.lstrip("#")):
            raise ValueError(f"fill must be an RGB hex colour: {style.fill!r}")
        xf = self.index.get(style)
        if xf is None:
            xf = self.index[style] = len(self.xfs)
            self.xfs.append(style)
            if style.num_format and re.search(r"[dmy]", re.sub(r'"[^"]*"|\[[^]]*]', "", style.num_format)):
                self.dated.add(xf)
        return xf

    def for_date(self, xf: int) -> int:
        """``xf`` itself if it formats dates, else the same style with :data:`DATE_FORMAT`."""
        if xf in self.dated:
            return xf
        if xf not in self.date_variant:
            self.date_variant[xf] = self.add(replace(self.xfs[xf], num_format=DATE_FORMAT))
        return self.date_variant[xf]

    def row_template(self, values: Sequence[object], styles: tuple[int, ...]) -> tuple[str, list | None]:
        """A row's markup with ``{0}`` for the row number and ``{i+1}`` for
        value i, and the converter each value needs first (None: as is)."""
        parts, converters = ['<row r="{0}">'], []
        for c, (v, s) in enumerate(zip(values, styles)):
            if not 0 <= s < len(self.xfs):
                raise ValueError(f"{s} is not a style of this workbook (see Workbook.style)")
            ref = f'<c r="{column_letter(c)}{{0}}"'
            sa = f' s="{s}"' if s else ""
            arg = f"{{{c + 1}}}"
            convert = None
            if v is None:
                if s:
                    parts.append(f"{ref}{sa}/>")
            elif isinstance(v, str):
                parts.append(f'{ref}{sa} t="inlineStr"><is><t xml:space="preserve">{arg}</t></is></c>')
                convert = cell_text
            elif isinstance(v, bool):
                parts.append(f'{ref}{sa} t="b"><v>{arg}</v></c>')
                convert = int
            elif isinstance(v, int):
                parts.append(f"{ref}{sa}><v>{arg}</v></c>")
                convert = None if type(v) is int else int
            elif isinstance(v, float):
                parts.append(f"{ref}{sa}><v>{arg}</v></c>")
                convert = number
            elif isinstance(v, date):
                parts.append(f"{ref}{arg}")  # the converter writes the rest of the cell
                convert = date_cell(self.for_date(s))
            else:
                raise TypeError(f"cannot write a {type(v).__name__} to a worksheet")
            converters.append(convert)
        parts.append("</row>")
        return "".join(parts), converters if any(converters) else None

    def xml(self) -> str:
        """``styles.xml``: the fonts, fills, borders and number formats the registered styles use."""
        formats: dict[str, int] = {}
        fonts: dict[bool, int] = {False: 0}
        fills: dict[str | None, int] = {None: 0}  # 1 is gray125, which Excel requires
        borders: dict[str | None, int] = {None: 0}
        xfs = []
        for s in self.xfs:
            fmt = 0
            if s.num_format:
                fmt = _BUILTIN_FORMATS.get(s.num_format)
                if fmt is None:
                    fmt = formats.setdefault(s.num_format, 164 + len(formats))
            font = fonts.setdefault(s.bold, len(fonts))
            fill = fills.setdefault(s.fill.lstrip("#").upper() if s.fill else None, len(fills) + 1)
            border = borders.setdefault(s.border, len(borders))
            xfs.append(_xf(s, fmt, font, fill, border))
        parts = [DECL, f'<styleSheet xmlns="{MAIN_NS}">']
        if formats:
            parts.append(f'<numFmts count="{len(formats)}">')
            parts += [f'<numFmt numFmtId="{i}" formatCode="{attr(code)}"/>' for code, i in formats.items()]
            parts.append("</numFmts>")
        parts += [f'<fonts count="{len(fonts)}">', *(self._font(b) for b in fonts), "</fonts>",
                  f'<fills count="{len(fills) + 1}"><fill><patternFill patternType="none"/></fill>'
                  '<fill><patternFill patternType="gray125"/></fill>',
                  *(_fill(rgb) for rgb in fills if rgb), "</fills>",
                  f'<borders count="{len(borders)}">', *(_BORDERS[b] for b in borders), "</borders>",
                  '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>',
                  f'<cellXfs count="{len(xfs)}">', *xfs, "</cellXfs>",
                  '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>',
                  '<dxfs count="0"/><tableStyles count="0" defaultTableStyle="TableStyleMedium9"'
                  ' defaultPivotStyle="PivotStyleLight16"/></styleSheet>']
        return "".join(parts)

    def _font(self, bold: bool) -> str:
        return (f'<font>{"<b/>" if bold else ""}<sz val="{self.size:g}"/><name val="{attr(self.font)}"/>'
                '<family val="2"/></font>')


def _fill(rgb: str) -> str:
    return (f'<fill><patternFill patternType="solid"><fgColor rgb="FF{rgb}"/>'
            '<bgColor indexed="64"/></patternFill></fill>')


def _xf(s: Style, fmt: int, font: int, fill: int, border: int) -> str:
    """One ``cellXfs`` entry: ``s`` with the indexes of its number format, font, fill and border."""
    attrs = f'numFmtId="{fmt}" fontId="{font}" fillId="{fill}" borderId="{border}" xfId="0"'
    for flag, used in (("applyNumberFormat", fmt), ("applyFont", font), ("applyFill", fill),
                       ("applyBorder", border)):
        if used:
            attrs += f' {flag}="1"'
    align = ""
    if s.halign:
        align += f' horizontal="{s.halign}"'
    if s.valign:
        align += f' vertical="{s.valign}"'
    if s.wrap:
        align += ' wrapText="1"'
    return f'<xf {attrs} applyAlignment="1"><alignment{align}/></xf>' if align else f"<xf {attrs}/>"
