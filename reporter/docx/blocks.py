"""The block model of an official document, and each block's WordprocessingML.

A document is a sequence of blocks: :class:`Block` (one paragraph: title,
blank line, body text, heading, lead-in item, signature line),
:class:`Table` (rows read once, when written: a table of 10,000 rows is
streamed, never held; a caption above it), :class:`Picture` (a PNG, with
an SVG beside it when given, in its own centred paragraph; a caption below), :class:`TableOfContents` (a TOC field Word fills in) and
:class:`SectionBreak` (a new section, e.g. on the next odd page, as a bound
volume needs).  :func:`reporter.docx.render.render_blocks` turns them into
a .docx.  Every piece of text goes through :func:`~reporter.ooxml.text`:
it can only ever be text, never markup or a field code.

A number joined to its unit by a word joiner (U+2060, :data:`WORD_JOINER`:
"9\u2060份") is set in a run of its own tagged ``en-US``: LibreOffice breaks
Chinese text anywhere but honours the joiner under a Western language, so
the number never ends a line without its unit.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, Union

from ..ooxml import text as _esc
from .styles import MARGIN_LEFT, MARGIN_RIGHT, PAGE_W, chars_ind

BlockKind = Literal["title", "blank", "body", "heading", "heading2", "item", "signature", "subtitle"]


@dataclass(frozen=True, slots=True)
class TocEntry:
    """One line of a table of contents built from entries (a bound volume's
    目录): ``text`` (支部名称) and the cached ``page`` number; ``number``
    names the bookmark around the paragraph the entry points at."""

    text: str
    number: int
    page: int | None = None

    @property
    def bookmark(self) -> str:
        return f"_TocReporter{self.number:06d}"


@dataclass(frozen=True, slots=True)
class Block:
    """One paragraph of an official document."""

    kind: BlockKind
    text: str = ""  # the paragraph (for "item": the details after the lead-in)
    lead_in: str = ""  # "item": （一）headline。 in the lead-in character style
    right_chars: float = 0  # "signature": right indent in characters
    left: int | None = None  # "signature": given, the line is left-aligned this far in (twips)
    entry: TocEntry | None = None  # a table-of-contents entry pointing at this paragraph (TC field + bookmark)


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
    caption: str = ""  # a line above the table ("表1　…"), kept with it


@dataclass(frozen=True, slots=True)
class Picture:
    """A PNG centred in its own paragraph ("Figure" style), ``width_mm`` wide
    (the height keeps the image's proportions); with ``svg`` the picture is that
    vector image and the PNG its fallback (Office's ``asvg:svgBlip``, which Word
    and LibreOffice read); ``caption``: a line below it ("图1　…")."""

    png: bytes
    width_mm: float
    svg: bytes | None = None
    caption: str = ""


@dataclass(frozen=True, slots=True)
class TableOfContents:
    """A TOC field over the headings of ``levels`` ("1-2"); Word and
    LibreOffice fill it in when fields are updated, ``placeholder`` shows until then."""

    levels: str = "1-2"
    placeholder: str = "（目录：请在 Word 中右键单击此处并选择“更新域”。）"
    entries: tuple[TocEntry, ...] = ()  # given: a TOC over the TC fields, its cached result these lines
    dirty: bool = True  # Word updates the field when the document is opened


@dataclass(frozen=True, slots=True)
class SectionBreak:
    """The end of a section: what follows starts a new one, on the next page
    or the next odd page (a bound volume's parts start on a right-hand page)."""

    start: Literal["nextPage", "oddPage", "evenPage"] = "oddPage"
    page_numbers: bool = True  # False: the section has no headers and footers (a volume's cover and contents)
    restart: int | None = None  # the section's page numbering starts again at this number


AnyBlock = Union[Block, Table, Picture, TableOfContents, SectionBreak]


WORD_JOINER = "\u2060"
_JOINED = re.compile(r"[0-9.]*[0-9]\u2060.")  # a number, the joiner, its unit
_JOINED_LANG = '<w:lang w:val="en-US" w:eastAsia="en-US"/>'


def _joined(text: str) -> Iterator[tuple[str, bool]]:
    """``text`` in pieces: (piece, is a number joined to its unit)."""
    at = 0
    for m in _JOINED.finditer(text):
        if m.start() > at:
            yield text[at:m.start()], False
        yield m.group(), True
        at = m.end()
    if at < len(text):
        yield text[at:], False


def _run(text: str, style_id: str | None = None) -> str:
    # w:hint="eastAsia": quotes “” and dashes in Chinese text take the East
    # Asian font (as Word itself records for text typed with an IME).
    style = f'<w:rStyle w:val="{style_id}"/>' if style_id else ""
    if WORD_JOINER in text:
        return "".join(f'<w:r><w:rPr>{style}<w:rFonts w:hint="eastAsia"/>{_JOINED_LANG if joined else ""}</w:rPr>'
                       f'<w:t xml:space="preserve">{_esc(piece)}</w:t></w:r>' for piece, joined in _joined(text))
    return f'<w:r><w:rPr>{style}<w:rFonts w:hint="eastAsia"/></w:rPr><w:t xml:space="preserve">{_esc(text)}</w:t></w:r>'


def _cell_text(text: str, bold: bool) -> str:
    """A cell's escaped text between its run's opening and close (joined numbers in runs of their own)."""
    if WORD_JOINER not in text:
        return _esc(text)
    b = "<w:b/><w:bCs/>" if bold else ""
    return "".join(f'</w:t></w:r><w:r><w:rPr>{b}{_JOINED_LANG}</w:rPr><w:t xml:space="preserve">{_esc(piece)}'
                   f'</w:t></w:r><w:r>{f"<w:rPr>{b}</w:rPr>" if b else ""}<w:t xml:space="preserve">'
                   if joined else _esc(piece) for piece, joined in _joined(text))


def caption_xml(text: str, ids: dict[str, str], above: bool) -> str:
    """A caption's paragraph ("Figure" style, the lead-in face): above a table it is kept
    with the table, below a picture it is not kept with what follows."""
    keep = "" if above else '<w:keepNext w:val="0"/>'
    return (f'<w:p><w:pPr><w:pStyle w:val="{ids["figure"]}"/>{keep}<w:spacing w:before="60" w:after="60"/></w:pPr>'
            f'{_run(text, ids["lead_in"])}</w:p>')


def title_run(text: str) -> str:
    """A title's run, its lines ("\n" in ``text``, e.g. from :func:`reporter.title.break_title`)
    parted by explicit line breaks, so that Word and LibreOffice break it alike."""
    body = "<w:br/>".join(f'<w:t xml:space="preserve">{_esc(line)}</w:t>' for line in text.split("\n"))
    return f'<w:r><w:rPr><w:rFonts w:hint="eastAsia"/></w:rPr>{body}</w:r>'


_PARAGRAPH_STYLE = {"title": "title", "heading": "heading1", "heading2": "heading2", "subtitle": "subtitle"}


def block_xml(block: Block, ids: dict[str, str]) -> str:
    """One ``<w:p>``; ``ids`` maps logical style names to the file's styleIds."""
    if block.kind == "blank":
        return "<w:p/>"
    if block.kind == "title":
        return f'<w:p><w:pPr><w:pStyle w:val="{ids["title"]}"/></w:pPr>{title_run(block.text)}</w:p>'
    if block.kind in _PARAGRAPH_STYLE:
        return f'<w:p><w:pPr><w:pStyle w:val="{ids[_PARAGRAPH_STYLE[block.kind]]}"/></w:pPr>{_run(block.text)}</w:p>'
    if block.kind == "signature" and block.left is not None:  # where the first character stands, whatever the line's width
        ppr = f'<w:pStyle w:val="{ids["signature"]}"/><w:ind w:leftChars="0" w:left="{block.left}"/><w:jc w:val="left"/>'
        return f"<w:p><w:pPr>{ppr}</w:pPr>{_run(block.text)}</w:p>"
    if block.kind == "signature":
        ppr = f'<w:pStyle w:val="{ids["signature"]}"/>{chars_ind("right", block.right_chars)}'
        return f"<w:p><w:pPr>{ppr}</w:pPr>{_run(block.text)}</w:p>"
    runs = _run(block.lead_in, ids["lead_in"]) if block.lead_in else ""
    if block.text:
        runs += _run(block.text)
    return f"<w:p>{runs}</w:p>"


CELL_MARGIN = 57  # twips (1 mm) left and right in a cell: a column of a crowded table keeps its text on one line


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
    yield "".join([caption_xml(table.caption, ids, above=True) if table.caption else "",f'<w:tbl><w:tblPr><w:tblStyle w:val="{ids["table_grid"]}"/>'
                   f'<w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:jc w:val="center"/><w:tblLayout w:type="fixed"/>'
                   f'<w:tblCellMar><w:left w:w="{CELL_MARGIN}" w:type="dxa"/><w:right w:w="{CELL_MARGIN}" w:type="dxa"/>'
                   '</w:tblCellMar>'
                   '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="0" w:lastColumn="0"'
                   ' w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>',
                   *(f'<w:gridCol w:w="{w}"/>' for w in widths), "</w:tblGrid>"])
    first = table.header
    for values in table.rows:
        parts = ["<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>" if first else
                 "<w:tr><w:trPr><w:cantSplit/></w:trPr>"]
        for c, before in enumerate(openings[first]):
            value = values[c] if c < len(values) else None
            text = "" if value is None else str(value) if type(value) is int else _cell_text(str(value), first)
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


SVG_EXT = "{96DAC541-7B7A-43D3-8B79-37D633B846F1}"  # Office 2016's SVG blip extension
ASVG_NS = "http://schemas.microsoft.com/office/drawing/2016/SVG/main"


def svg_rid(rid: str) -> str:
    """The SVG part's relationship id beside the PNG's ``rid``."""
    return rid + "Svg"


def picture_xml(picture: Picture, ids: dict[str, str], rid: str, number: int) -> str:
    """The picture's paragraph (and its caption's); ``rid``: the PNG part's relationship id
    (the SVG's is :func:`svg_rid`), ``number``: the drawing's id in the document (1, 2, …)."""
    native_w, native_h = png_size(picture.png)
    cx = int(picture.width_mm * _EMU_PER_MM)
    cy = int(round(native_h * (cx / native_w)))
    svg = (f'<a:extLst><a:ext uri="{SVG_EXT}"><asvg:svgBlip xmlns:asvg="{ASVG_NS}" r:embed="{svg_rid(rid)}"/>'
           "</a:ext></a:extLst>") if picture.svg else ""
    return (f'<w:p><w:pPr><w:pStyle w:val="{ids["figure"]}"/></w:pPr><w:r><w:drawing>'
            '<wp:inline xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"'
            ' xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'
            ' xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture">'
            f'<wp:extent cx="{cx}" cy="{cy}"/><wp:docPr id="{number}" name="Picture {number}"/>'
            '<wp:cNvGraphicFramePr><a:graphicFrameLocks noChangeAspect="1"/></wp:cNvGraphicFramePr>'
            '<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic>'
            f'<pic:nvPicPr><pic:cNvPr id="0" name="image{number}.png"/><pic:cNvPicPr/></pic:nvPicPr>'
            f'<pic:blipFill><a:blip r:embed="{rid}">{svg}</a:blip><a:stretch><a:fillRect/></a:stretch></pic:blipFill>'
            f'<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm><a:prstGeom prst="rect"/>'
            "</pic:spPr></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>"
            + (caption_xml(picture.caption, ids, above=False) if picture.caption else ""))


def toc_xml(toc: TableOfContents, ids: dict[str, str] | None = None) -> Iterator[str]:
    """The contents as XML strings, a paragraph at a time (a 100,000-line 目录 is never one string)."""
    if toc.entries:
        yield from _toc_entries_xml(toc, ids or {})
        return
    levels = "".join(c for c in toc.levels if c.isdigit() or c == "-")
    yield ('<w:p><w:r><w:fldChar w:fldCharType="begin" w:dirty="true"/></w:r>'
            f'<w:r><w:instrText xml:space="preserve"> TOC \\o "{levels}" \\h \\z \\u </w:instrText></w:r>'
            f'<w:r><w:fldChar w:fldCharType="separate"/></w:r>{_run(toc.placeholder)}'
            '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>')


def section_pr(sect_pr: str, start: str | None, *, page_numbers: bool = True, restart: int | None = None) -> str:
    """The document's section properties for a section that starts as ``start`` (None: as the document's);
    without ``page_numbers`` no header or footer; ``restart``: its page numbering starts again there."""
    if not page_numbers:
        sect_pr = re.sub(r"<w:(?:header|footer)Reference\b[^>]*/>", "", sect_pr)
    if restart is not None:
        at = next((i for i in (sect_pr.find(t) for t in ("<w:cols", "<w:formProt", "<w:vAlign", "<w:noEndnote",
                   "<w:titlePg", "<w:textDirection", "<w:bidi", "<w:rtlGutter", "<w:docGrid")) if i >= 0),
                  sect_pr.rfind("</w:sectPr>"))
        sect_pr = f'{sect_pr[:at]}<w:pgNumType w:start="{restart}"/>{sect_pr[at:]}'
    if start is None:
        return sect_pr
    at = sect_pr.find("<w:pgSz")
    at = at if at >= 0 else sect_pr.rfind("</w:sectPr>")
    return f'{sect_pr[:at]}<w:type w:val="{start}"/>{sect_pr[at:]}'


def _field(code: str, result: str = "") -> str:
    """A complex field: ``code`` (already escaped), and a cached result's runs when given."""
    begin = '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
    code = f'<w:r><w:instrText xml:space="preserve"> {code} </w:instrText></w:r>'
    middle = f'<w:r><w:fldChar w:fldCharType="separate"/></w:r>{result}' if result else ""
    return f'{begin}{code}{middle}<w:r><w:fldChar w:fldCharType="end"/></w:r>'


def _toc_entries_xml(toc: TableOfContents, ids: dict[str, str]) -> Iterator[str]:
    """A TOC field over TC entries (``\\f``) whose cached result is the entries: one paragraph each in the
    "TOC 1" style (dot leader, page number right-aligned), a link to the bookmark and a PAGEREF."""
    dirty = ' w:dirty="true"' if toc.dirty else ""
    style = f'<w:pPr><w:pStyle w:val="{ids.get("toc1", "TOC1")}"/></w:pPr>'
    for n, entry in enumerate(toc.entries):
        page = "" if entry.page is None else str(entry.page)
        pageref = _field(f"PAGEREF {entry.bookmark} \\h", f"<w:r><w:t>{page}</w:t></w:r>")
        link = (f'<w:hyperlink w:anchor="{entry.bookmark}" w:history="1">{_run(entry.text)}'
                f"<w:r><w:tab/></w:r>{pageref}</w:hyperlink>")
        head = (f'<w:r><w:fldChar w:fldCharType="begin"{dirty}/></w:r><w:r><w:instrText xml:space="preserve">'
                ' TOC \\f \\h \\z </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>') if n == 0 else ""
        tail = '<w:r><w:fldChar w:fldCharType="end"/></w:r>' if n == len(toc.entries) - 1 else ""
        yield f"<w:p>{style}{head}{link}{tail}</w:p>"


def marked_xml(block: Block, ids: dict[str, str]) -> str:
    """A paragraph carrying a table-of-contents entry: a bookmark around it and a TC field (no visible text)."""
    xml = block_xml(block, ids)
    entry = block.entry
    if entry is None:
        return xml
    text = entry.text.replace("\\", "\\\\").replace('"', '\\"')
    mark = (f'<w:bookmarkStart w:id="{entry.number}" w:name="{entry.bookmark}"/>'
            + _field(f'TC "{_esc(text)}" \\l 1'))
    if xml == "<w:p/>":
        return f'<w:p>{mark}<w:bookmarkEnd w:id="{entry.number}"/></w:p>'
    at = xml.find("</w:pPr>")
    at = at + len("</w:pPr>") if at >= 0 else len("<w:p>")
    return f'{xml[:at]}{mark}{xml[at:-len("</w:p>")]}<w:bookmarkEnd w:id="{entry.number}"/></w:p>'
