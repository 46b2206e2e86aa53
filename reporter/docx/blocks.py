"""The block model of an official document, and each block's WordprocessingML.

A document is a sequence of blocks: :class:`Block` (one paragraph: title,
blank line, body text, heading, lead-in item, signature line),
:class:`Table` (rows read once, when written: a table of 10,000 rows is
streamed, never held), :class:`Picture` (a PNG in its own centred
paragraph), :class:`TableOfContents` (a TOC field Word fills in) and
:class:`SectionBreak` (a new section, e.g. on the next odd page, as a bound
volume needs).  :func:`reporter.docx.render.render_blocks` turns them into
a .docx.  Every piece of text goes through :func:`~reporter.ooxml.text`:
it can only ever be text, never markup or a field code.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, Union

from ..ooxml import text as _esc
from .styles import MARGIN_LEFT, MARGIN_RIGHT, PAGE_W, chars_ind

BlockKind = Literal["title", "blank", "body", "heading", "heading2", "item", "signature"]


@dataclass(frozen=True, slots=True)
class Block:
    """One paragraph of an official document."""

    kind: BlockKind
    text: str = ""  # the paragraph (for "item": the details after the lead-in)
    lead_in: str = ""  # "item": （一）headline。 in the lead-in character style
    right_chars: float = 0  # "signature": right indent in characters


@dataclass(frozen=True, slots=True)
class Table:
    """A "Table Grid" table across the text block: cells in the "Table Text"
    style, rows that do not split; with ``header`` the first row is bold,
    centred and repeated on every page.  ``weights``: relative column widths;
    ``center``: which columns are centred.  ``rows`` is iterated once, when
    the document is written; every value is str()-ed."""

    rows: Iterable[Sequence[object]]
    weights: Sequence[float]
    center: Sequence[bool] = ()
    header: bool = True


@dataclass(frozen=True, slots=True)
class Picture:
    """A PNG centred in its own paragraph ("Figure" style), ``width_mm`` wide
    (the height keeps the image's proportions)."""

    png: bytes
    width_mm: float


@dataclass(frozen=True, slots=True)
class TableOfContents:
    """A TOC field over the headings of ``levels`` ("1-2"); Word and
    LibreOffice fill it in when fields are updated, ``placeholder`` shows until then."""

    levels: str = "1-2"
    placeholder: str = "（目录：请在 Word 中右键单击此处并选择“更新域”。）"


@dataclass(frozen=True, slots=True)
class SectionBreak:
    """The end of a section: what follows starts a new one, on the next page
    or the next odd page (a bound volume's parts start on a right-hand page)."""

    start: Literal["nextPage", "oddPage", "evenPage"] = "oddPage"


AnyBlock = Union[Block, Table, Picture, TableOfContents, SectionBreak]


def _run(text: str, style_id: str | None = None) -> str:
    # w:hint="eastAsia": quotes “” and dashes in Chinese text take the East
    # Asian font (as Word itself records for text typed with an IME).
    style = f'<w:rStyle w:val="{style_id}"/>' if style_id else ""
    return f'<w:r><w:rPr>{style}<w:rFonts w:hint="eastAsia"/></w:rPr><w:t xml:space="preserve">{_esc(text)}</w:t></w:r>'


_PARAGRAPH_STYLE = {"title": "title", "heading": "heading1", "heading2": "heading2"}


def block_xml(block: Block, ids: dict[str, str]) -> str:
    """One ``<w:p>``; ``ids`` maps logical style names to the file's styleIds."""
    if block.kind == "blank":
        return "<w:p/>"
    if block.kind in _PARAGRAPH_STYLE:
        return f'<w:p><w:pPr><w:pStyle w:val="{ids[_PARAGRAPH_STYLE[block.kind]]}"/></w:pPr>{_run(block.text)}</w:p>'
    if block.kind == "signature":
        ppr = f'<w:pStyle w:val="{ids["signature"]}"/>{chars_ind("right", block.right_chars)}'
        return f"<w:p><w:pPr>{ppr}</w:pPr>{_run(block.text)}</w:p>"
    runs = _run(block.lead_in, ids["lead_in"]) if block.lead_in else ""
    if block.text:
        runs += _run(block.text)
    return f"<w:p>{runs}</w:p>"


def table_parts(table: Table, ids: dict[str, str]) -> Iterator[str]:
    """A table's XML: the opening, then one string per row, then the close."""
    total = sum(table.weights)
    widths = [round((PAGE_W - MARGIN_LEFT - MARGIN_RIGHT) * w / total) for w in table.weights]
    centred = list(table.center) + [False] * (len(widths) - len(table.center))

    def opening(width: int, centre: bool, bold: bool) -> str:  # a cell's markup before its text
        jc = '<w:jc w:val="center"/>' if centre or bold else ""
        rpr = "<w:rPr><w:b/><w:bCs/></w:rPr>" if bold else ""
        return (f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/><w:vAlign w:val="center"/></w:tcPr><w:p><w:pPr>'
                f'<w:pStyle w:val="{ids["table_text"]}"/>{jc}</w:pPr><w:r>{rpr}<w:t xml:space="preserve">')

    openings = {bold: [opening(w, c, bold) for w, c in zip(widths, centred)] for bold in (False, True)}
    yield "".join([f'<w:tbl><w:tblPr><w:tblStyle w:val="{ids["table_grid"]}"/>'
                   f'<w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:jc w:val="center"/><w:tblLayout w:type="fixed"/>'
                   '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="0" w:lastColumn="0"'
                   ' w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>',
                   *(f'<w:gridCol w:w="{w}"/>' for w in widths), "</w:tblGrid>"])
    first = table.header
    for values in table.rows:
        parts = ["<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>" if first else
                 "<w:tr><w:trPr><w:cantSplit/></w:trPr>"]
        for c, before in enumerate(openings[first]):
            value = values[c] if c < len(values) else None
            text = "" if value is None else str(value) if type(value) is int else _esc(str(value))
            parts += [before, text, "</w:t></w:r></w:p></w:tc>"]
        parts.append("</w:tr>")
        yield "".join(parts)
        first = False
    yield "</w:tbl>"


_EMU_PER_MM, _EMU_PER_INCH = 36000, 914400


def png_size(png: bytes) -> tuple[int, int]:
    """A PNG's natural size in EMU (its pHYs resolution, else 72 dpi), as Word computes it."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        raise ValueError("not a PNG image")
    width, height = struct.unpack(">II", png[16:24])
    dpi_x = dpi_y = 72
    at = png.find(b"pHYs", 8)
    if at > 0:
        x, y, unit = struct.unpack(">IIB", png[at + 4:at + 13])
        if unit == 1 and x and y:
            dpi_x, dpi_y = round(x * 0.0254), round(y * 0.0254)
    return int(width / dpi_x * _EMU_PER_INCH), int(height / dpi_y * _EMU_PER_INCH)


def picture_xml(picture: Picture, ids: dict[str, str], rid: str, number: int) -> str:
    """The picture's paragraph; ``rid``: the image part's relationship id,
    ``number``: the drawing's id in the document (1, 2, …)."""
    native_w, native_h = png_size(picture.png)
    cx = int(picture.width_mm * _EMU_PER_MM)
    cy = int(round(native_h * (cx / native_w)))
    return (f'<w:p><w:pPr><w:pStyle w:val="{ids["figure"]}"/></w:pPr><w:r><w:drawing>'
            '<wp:inline xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"'
            ' xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'
            ' xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture">'
            f'<wp:extent cx="{cx}" cy="{cy}"/><wp:docPr id="{number}" name="Picture {number}"/>'
            '<wp:cNvGraphicFramePr><a:graphicFrameLocks noChangeAspect="1"/></wp:cNvGraphicFramePr>'
            '<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic>'
            f'<pic:nvPicPr><pic:cNvPr id="0" name="image{number}.png"/><pic:cNvPicPr/></pic:nvPicPr>'
            f'<pic:blipFill><a:blip r:embed="{rid}"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>'
            f'<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm><a:prstGeom prst="rect"/>'
            "</pic:spPr></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>")


def toc_xml(toc: TableOfContents) -> str:
    levels = "".join(c for c in toc.levels if c.isdigit() or c == "-")
    return ('<w:p><w:r><w:fldChar w:fldCharType="begin" w:dirty="true"/></w:r>'
            f'<w:r><w:instrText xml:space="preserve"> TOC \\o "{levels}" \\h \\z \\u </w:instrText></w:r>'
            f'<w:r><w:fldChar w:fldCharType="separate"/></w:r>{_run(toc.placeholder)}'
            '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>')


def section_pr(sect_pr: str, start: str | None) -> str:
    """The document's section properties for a section that starts as ``start`` (None: as the document's)."""
    if start is None:
        return sect_pr
    at = sect_pr.find("<w:pgSz")
    at = at if at >= 0 else sect_pr.rfind("</w:sectPr>")
    return f'{sect_pr[:at]}<w:type w:val="{start}"/>{sect_pr[at:]}'
