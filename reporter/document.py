"""Branch record → 对照检查材料 (.docx) in the GB/T 9704-2012 official format.

Three layers, kept apart:

* what a branch document says — :func:`branch_blocks` turns a
  :class:`~reporter.model.Branch` into a list of :class:`Block` (title, blank
  line, body paragraph, heading, numbered item, signature line);
* how the format looks — :class:`_Base`, the package parts other than the
  body (styles, settings, font table, footers, page set-up), built once per
  process from ``config.fonts`` or taken from a reference .docx, as pandoc's
  ``--reference-doc`` does;
* how bytes are written — :func:`_body_xml` builds ``word/document.xml`` by
  string building (every piece of workbook text goes through :func:`_esc`),
  and :func:`_zip` writes the package.  No template engine ever sees the text
  and nothing from a workbook becomes a field code.

:func:`new_official_document` gives the same format as a python-docx
``Document`` (for the summary report), with :func:`add_title`,
:func:`add_heading`, :func:`add_paragraph`, :func:`add_picture`,
:func:`add_table` and :func:`add_long_table`, saved by :func:`save_document`.
"""

from __future__ import annotations

import copy
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Literal

from lxml import etree

from . import __version__
from .config import Config, Fonts
from .errors import ReporterError
from .model import Branch, Item
from .schema import SECTION_TITLES
from .text import chinese_date, chinese_number, headline_sentence, xml_safe

if TYPE_CHECKING:  # python-docx is imported lazily (it is slow to import)
    from docx.document import Document
    from docx.table import Table
    from docx.text.paragraph import Paragraph

# ------------------------------------------------------------ measurements
# GB/T 9704-2012: A4, margins 37/35/28/26 mm, text block 156 × 225 mm,
# 22 lines × 28 characters of 3号 (16 pt).  Lengths in twips (1/20 pt).
PAGE_W, PAGE_H = 11906, 16838
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = 2098, 1984, 1587, 1474  # 37, 35, 28, 26 mm
HEADER_DIST, FOOTER_DIST = 851, 1247  # 15 mm; 22 mm puts "— n —" about 7 mm below the text block
LINE_PITCH = 579  # 28.95 pt: 22 lines in 225 mm
BODY_HALF_PT, TITLE_HALF_PT, FOOTER_HALF_PT, TABLE_HALF_PT = 32, 44, 28, 24  # 3号, 2号, 4号, 小四
BODY_CHAR = 320  # one 3号 character in twips (16 pt)
# 156 mm = 442.2 pt holds 27 characters of 16 pt; condensing each by 0.25 pt
# (w:spacing -5) makes 28 × 15.75 pt = 441 pt fit, in Word and LibreOffice.
CONDENSE = -5

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
CT_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
CT_WML = "application/vnd.openxmlformats-officedocument.wordprocessingml."
_NS = f'xmlns:w="{W_NS}" xmlns:r="{R_NS}"'
_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

# Logical style → (type, name in the file, styleId of the built-in base).
STYLES: dict[str, tuple[str, str, str]] = {
    "normal": ("paragraph", "Normal", "Normal"),
    "title": ("paragraph", "Title", "Title"),
    "heading1": ("paragraph", "heading 1", "Heading1"),
    "heading2": ("paragraph", "heading 2", "Heading2"),
    "signature": ("paragraph", "Signature", "Signature"),
    "header": ("paragraph", "header", "Header"),
    "footer": ("paragraph", "footer", "Footer"),
    "table_text": ("paragraph", "Table Text", "TableText"),
    "figure": ("paragraph", "Figure", "Figure"),
    "default_font": ("character", "Default Paragraph Font", "DefaultParagraphFont"),
    "lead_in": ("character", "Lead-in", "LeadIn"),
    "table_normal": ("table", "Normal Table", "TableNormal"),
    "table_grid": ("table", "Table Grid", "TableGrid"),
    "no_list": ("numbering", "No List", "NoList"),
}
LEAD_IN_STYLE = STYLES["lead_in"][1]

# Font-table hints: the font Word/WPS may substitute when the named one is missing.
_ALT_NAMES = {"仿宋_GB2312": "仿宋", "楷体_GB2312": "楷体", "方正小标宋简体": "方正小标宋_GBK"}


# ------------------------------------------------------------ what it says

BlockKind = Literal["title", "blank", "body", "heading", "item", "signature"]


@dataclass(frozen=True, slots=True)
class Block:
    """One paragraph of an official document."""

    kind: BlockKind
    text: str = ""  # the paragraph (for "item": the details after the lead-in)
    lead_in: str = ""  # "item": （一）headline。 in the lead-in character style
    right_chars: float = 0  # "signature": right indent in characters


def item_block(n: int, item: Item) -> Block:
    return Block("item", item.details, f"（{chinese_number(n)}）{headline_sentence(item.headline)}")


def _char_width(text: str) -> float:
    """Width in 3号 characters: ASCII (Times New Roman digits, Latin) counts half."""
    return sum(0.5 if ord(c) < 0x2000 else 1 for c in text)


def signature_blocks(name: str | None, when: str | None) -> list[Block]:
    """GB/T 9704 §7.3.5.2: a blank line, the organisation two characters in from
    the right, the date on the next line starting two characters right of the
    organisation's first character (or, when the date is the longer one, the
    date two characters in and the organisation moved left to keep the offset)."""
    if not name and not when:
        return []
    if name and when:
        n, d = _char_width(name), _char_width(when)
        name_right, date_right = 2.0, n - d  # date starts 2 chars right of the name
        if date_right < 2:
            name_right, date_right = 2 + d + 2 - n, 2.0
        lines = [Block("signature", name, right_chars=name_right), Block("signature", when, right_chars=date_right)]
    else:
        lines = [Block("signature", name or when or "", right_chars=2.0)]
    return [Block("blank"), *lines]


def branch_blocks(branch: Branch) -> list[Block]:
    """The paragraphs of a branch's 对照检查材料, in order.

    A section without items keeps its heading: the three parts are the
    document's fixed structure (一、二、三、 stay in sequence) and the empty
    part stays visible to whoever signs the document.
    """
    info = branch.info
    blocks: list[Block] = []
    if info.title:
        blocks += [Block("title", info.title), Block("blank")]  # GB/T 9704: 标题下空一行
    if info.preamble:
        blocks.append(Block("body", info.preamble))
    for key, items in (("problems", branch.problems), ("causes", branch.causes), ("measures", branch.measures)):
        blocks.append(Block("heading", SECTION_TITLES[key]))
        blocks.extend(item_block(n, item) for n, item in enumerate(items, 1))
    when = chinese_date(info.signature_date) if info.signature_date else None
    blocks += signature_blocks(info.signature, when)
    return blocks


# ------------------------------------------------------------ XML text

_WS = re.compile(r"[\t\r\n]+")


def _esc(text: str) -> str:
    """Workbook text → element content: XML-illegal characters removed, markup escaped."""
    text = _WS.sub(" ", xml_safe(text))
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(text: str) -> str:
    return _esc(text).replace('"', "&quot;")


def _rfonts(east: str, latin: str) -> str:
    e, l = _attr(east), _attr(latin)
    return f'<w:rFonts w:ascii="{l}" w:hAnsi="{l}" w:eastAsia="{e}" w:cs="{l}"/>'


def _run(text: str, style_id: str | None = None) -> str:
    # w:hint="eastAsia": quotes “” and dashes in Chinese text take the East
    # Asian font (as Word itself records for text typed with an IME).
    style = f'<w:rStyle w:val="{style_id}"/>' if style_id else ""
    return f'<w:r><w:rPr>{style}<w:rFonts w:hint="eastAsia"/></w:rPr><w:t xml:space="preserve">{_esc(text)}</w:t></w:r>'


def _chars_ind(side: str, chars: float) -> str:
    return f'<w:ind w:{side}Chars="{round(chars * 100)}" w:{side}="{round(chars * BODY_CHAR)}"/>'


def block_xml(block: Block, ids: dict[str, str]) -> str:
    """One ``<w:p>``; ``ids`` maps logical style names to the file's styleIds."""
    if block.kind == "blank":
        return "<w:p/>"
    if block.kind == "title":
        return f'<w:p><w:pPr><w:pStyle w:val="{ids["title"]}"/></w:pPr>{_run(block.text)}</w:p>'
    if block.kind == "heading":
        return f'<w:p><w:pPr><w:pStyle w:val="{ids["heading1"]}"/></w:pPr>{_run(block.text)}</w:p>'
    if block.kind == "signature":
        ppr = f'<w:pStyle w:val="{ids["signature"]}"/>{_chars_ind("right", block.right_chars)}'
        return f"<w:p><w:pPr>{ppr}</w:pPr>{_run(block.text)}</w:p>"
    runs = _run(block.lead_in, ids["lead_in"]) if block.lead_in else ""
    if block.text:
        runs += _run(block.text)
    return f"<w:p>{runs}</w:p>"


def _body_xml(blocks: list[Block], base: _Base) -> bytes:
    parts = [_DECL, f"<w:document {_NS}><w:body>"]
    parts.extend(block_xml(b, base.ids) for b in blocks)
    parts += [base.sect_pr, "</w:body></w:document>"]
    return "".join(parts).encode()


# ------------------------------------------------------------ how it looks

def _style(key: str, ids: dict[str, str], body: str, *, based_on: str | None = None, next_: str | None = None,
           extra: str = "", default: bool = False) -> str:
    kind, name, _ = STYLES[key]
    dflt = ' w:default="1"' if default else ""
    xml = f'<w:style w:type="{kind}"{dflt} w:styleId="{ids[key]}"><w:name w:val="{name}"/>'
    if based_on:
        xml += f'<w:basedOn w:val="{ids[based_on]}"/>'
    if next_:
        xml += f'<w:next w:val="{ids[next_]}"/>'
    return xml + extra + body + "</w:style>"


_NO_INDENT = '<w:ind w:firstLineChars="0" w:firstLine="0"/>'
_SINGLE = '<w:snapToGrid w:val="0"/><w:spacing w:line="240" w:lineRule="auto"/>'


def _size(half_points: int) -> str:
    return f'<w:sz w:val="{half_points}"/><w:szCs w:val="{half_points}"/>'


def style_elements(fonts: Fonts, ids: dict[str, str]) -> dict[str, str]:
    """Our styles as XML, by logical name (a reference .docx may lack some)."""
    lat = fonts.latin
    q = "<w:qFormat/>"
    hidden = '<w:uiPriority w:val="99"/><w:semiHidden/><w:unhideWhenUsed/>'
    cell_mar = ('<w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/>'
                '<w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/>'
                '<w:right w:w="108" w:type="dxa"/></w:tblCellMar>')
    borders = "".join(f'<w:{s} w:val="single" w:sz="4" w:space="0" w:color="auto"/>'
                      for s in ("top", "left", "bottom", "right", "insideH", "insideV"))
    return {
        "normal": _style("normal", ids, (
            '<w:pPr><w:widowControl w:val="0"/><w:overflowPunct w:val="1"/><w:spacing w:line="579" w:lineRule="exact"/>'
            f'{_chars_ind("firstLine", 2)}<w:jc w:val="both"/></w:pPr>'
            f'<w:rPr>{_rfonts(fonts.body, lat)}<w:spacing w:val="{CONDENSE}"/>{_size(BODY_HALF_PT)}</w:rPr>'),
            default=True, extra=q),
        "title": _style("title", ids, (
            f'<w:pPr>{_NO_INDENT}<w:jc w:val="center"/></w:pPr>'
            f'<w:rPr>{_rfonts(fonts.title, lat)}<w:spacing w:val="0"/>{_size(TITLE_HALF_PT)}</w:rPr>'),
            based_on="normal", next_="normal", extra='<w:uiPriority w:val="10"/>' + q),
        "heading1": _style("heading1", ids, (
            '<w:pPr><w:keepNext/><w:outlineLvl w:val="0"/></w:pPr>'
            f'<w:rPr>{_rfonts(fonts.heading, lat)}</w:rPr>'),
            based_on="normal", next_="normal", extra='<w:uiPriority w:val="9"/>' + q),
        "heading2": _style("heading2", ids, (
            '<w:pPr><w:keepNext/><w:outlineLvl w:val="1"/></w:pPr>'
            f'<w:rPr>{_rfonts(fonts.lead_in, lat)}</w:rPr>'),
            based_on="normal", next_="normal", extra='<w:uiPriority w:val="9"/><w:unhideWhenUsed/>' + q),
        "signature": _style("signature", ids, (  # no CJK/Latin auto-spacing: widths stay as computed
            '<w:pPr><w:autoSpaceDE w:val="0"/><w:autoSpaceDN w:val="0"/>'
            f'{_NO_INDENT}<w:jc w:val="right"/></w:pPr>'),
                            based_on="normal", extra=hidden),
        "header": _style("header", ids, (
            f'<w:pPr>{_SINGLE}{_NO_INDENT}<w:jc w:val="center"/></w:pPr>'
            f'<w:rPr><w:spacing w:val="0"/>{_size(18)}</w:rPr>'), based_on="normal", extra=hidden),
        "footer": _style("footer", ids, (
            f'<w:pPr>{_SINGLE}{_NO_INDENT}<w:jc w:val="left"/></w:pPr>'
            f'<w:rPr>{_rfonts(fonts.page_number, fonts.page_number)}<w:spacing w:val="0"/>'
            f'{_size(FOOTER_HALF_PT)}</w:rPr>'), based_on="normal", extra=hidden),
        "table_text": _style("table_text", ids, (
            # a little air above and below: wrapped cell text must not touch the borders
            '<w:pPr><w:snapToGrid w:val="0"/><w:spacing w:before="30" w:after="30" w:line="264" w:lineRule="auto"/>'
            f'{_NO_INDENT}<w:jc w:val="left"/></w:pPr>'
            f'<w:rPr><w:spacing w:val="0"/>{_size(TABLE_HALF_PT)}</w:rPr>'), based_on="normal", extra=q),
        "figure": _style("figure", ids, (
            f'<w:pPr><w:keepNext/>{_SINGLE}{_NO_INDENT}<w:jc w:val="center"/></w:pPr>'), based_on="normal", extra=q),
        "default_font": _style("default_font", ids, "", default=True,
                               extra='<w:uiPriority w:val="1"/><w:semiHidden/><w:unhideWhenUsed/>'),
        "lead_in": _style("lead_in", ids, f'<w:rPr>{_rfonts(fonts.lead_in, lat)}</w:rPr>',
                          based_on="default_font", extra='<w:uiPriority w:val="1"/>' + q),
        "table_normal": _style("table_normal", ids, f"<w:tblPr>{cell_mar}</w:tblPr>", default=True, extra=hidden),
        "table_grid": _style("table_grid", ids, f"<w:tblPr><w:tblBorders>{borders}</w:tblBorders></w:tblPr>",
                             based_on="table_normal", extra='<w:uiPriority w:val="39"/>'),
        "no_list": _style("no_list", ids, "", default=True, extra=hidden),
    }


def _doc_defaults(fonts: Fonts) -> str:
    return (
        f'<w:docDefaults><w:rPrDefault><w:rPr>{_rfonts(fonts.body, fonts.latin)}<w:kern w:val="2"/>'
        f'{_size(BODY_HALF_PT)}<w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/></w:rPr></w:rPrDefault>'
        '<w:pPrDefault><w:pPr><w:spacing w:line="579" w:lineRule="exact"/></w:pPr></w:pPrDefault></w:docDefaults>'
    )


def _styles_xml(fonts: Fonts) -> bytes:
    ids = {k: v[2] for k, v in STYLES.items()}
    body = "".join(style_elements(fonts, ids).values())
    return f"{_DECL}<w:styles {_NS}>{_doc_defaults(fonts)}{body}</w:styles>".encode()


def _font_table(fonts: Fonts) -> bytes:
    entries = []
    for name in dict.fromkeys((fonts.body, fonts.title, fonts.heading, fonts.lead_in, fonts.page_number)):
        alt = f'<w:altName w:val="{_attr(_ALT_NAMES[name])}"/>' if name in _ALT_NAMES else ""
        entries.append(f'<w:font w:name="{_attr(name)}">{alt}<w:charset w:val="86"/>'
                       '<w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>')
    entries.append(f'<w:font w:name="{_attr(fonts.latin)}"><w:charset w:val="00"/>'
                   '<w:family w:val="roman"/><w:pitch w:val="variable"/></w:font>')
    return f"{_DECL}<w:fonts {_NS}>{''.join(entries)}</w:fonts>".encode()


_SETTINGS = (
    f'{_DECL}<w:settings {_NS}><w:zoom w:percent="100"/><w:defaultTabStop w:val="420"/>'
    '<w:evenAndOddHeaders/><w:characterSpacingControl w:val="doNotCompress"/>'
    '<w:compat><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word"'
    ' w:val="15"/></w:compat><w:decimalSymbol w:val="."/><w:listSeparator w:val=","/></w:settings>'
).encode()


def _footer_xml(side: Literal["right", "left"], cached: int) -> bytes:
    """GB/T 9704 §7.5: "— n —", odd pages right / even pages left, one character in.

    The PAGE field carries a cached result (Word asks to repair a field
    without one)."""
    ind = f'<w:ind w:{side}Chars="100" w:{side}="{FOOTER_HALF_PT * 10}"/>'
    runs = (
        '<w:r><w:t xml:space="preserve">— </w:t></w:r>'
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        '<w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        f"<w:r><w:t>{cached}</w:t></w:r>"
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        '<w:r><w:t xml:space="preserve"> —</w:t></w:r>'
    )
    return (f'{_DECL}<w:ftr {_NS}><w:p><w:pPr><w:pStyle w:val="Footer"/>{ind}<w:jc w:val="{side}"/></w:pPr>'
            f"{runs}</w:p></w:ftr>").encode()


def _sect_pr(headers: dict[str, str] | None = None, title_page: bool = False) -> str:
    """The official page set-up with our page-number footers; ``headers``:
    header type (default / even / first) → relationship id; ``title_page``:
    the first page has its own header (and our odd-page footer)."""
    refs = "".join(f'<w:headerReference w:type="{kind}" r:id="{rid}"/>' for kind, rid in (headers or {}).items())
    first = '<w:footerReference w:type="first" r:id="rIdFooterOdd"/>' if title_page else ""
    return (
        f'<w:sectPr>{refs}<w:footerReference w:type="default" r:id="rIdFooterOdd"/>'
        f'<w:footerReference w:type="even" r:id="rIdFooterEven"/>{first}'
        f'<w:pgSz w:w="{PAGE_W}" w:h="{PAGE_H}"/>'
        f'<w:pgMar w:top="{MARGIN_TOP}" w:right="{MARGIN_RIGHT}" w:bottom="{MARGIN_BOTTOM}" w:left="{MARGIN_LEFT}"'
        f' w:header="{HEADER_DIST}" w:footer="{FOOTER_DIST}" w:gutter="0"/>'
        f'<w:cols w:space="425"/>{"<w:titlePg/>" if title_page else ""}'
        f'<w:docGrid w:type="lines" w:linePitch="{LINE_PITCH}"/></w:sectPr>'
    )


_SECT_PR = _sect_pr()


def _rels(rels: list[tuple[str, str, str]]) -> bytes:
    body = "".join(f'<Relationship Id="{i}" Type="{t}" Target="{_attr(target)}"/>' for i, t, target in rels)
    return f'{_DECL}<Relationships xmlns="{PKG_RELS_NS}">{body}</Relationships>'.encode()


def _content_types(defaults: dict[str, str], overrides: dict[str, str]) -> bytes:
    d = "".join(f'<Default Extension="{_attr(e)}" ContentType="{_attr(t)}"/>' for e, t in defaults.items())
    o = "".join(f'<Override PartName="{_attr(p)}" ContentType="{_attr(t)}"/>' for p, t in overrides.items())
    return f'{_DECL}<Types xmlns="{CT_NS}">{d}{o}</Types>'.encode()


_CT_CORE = "application/vnd.openxmlformats-package.core-properties+xml"
_CT_APP = "application/vnd.openxmlformats-officedocument.extended-properties+xml"
_CT_THEME = "application/vnd.openxmlformats-officedocument.theme+xml"
_ROOT_RELS = [
    ("rId1", REL + "officeDocument", "word/document.xml"),
    ("rId2", "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties",
     "docProps/core.xml"),
    ("rId3", REL + "extended-properties", "docProps/app.xml"),
]


@dataclass(frozen=True, eq=False)
class _Base:
    """Everything of a document but its body and properties."""

    parts: dict[str, bytes]  # part name (no leading "/") → bytes, incl. [Content_Types].xml and rels
    main: str  # the main document part, "word/document.xml"
    sect_pr: str  # the body's final w:sectPr
    ids: dict[str, str]  # logical style → styleId in this styles part
    notes: tuple[str, ...] = ()  # Chinese sentences: what of a reference document was not taken, and why


_BUILTIN_DEFAULTS = {"rels": "application/vnd.openxmlformats-package.relationships+xml", "xml": "application/xml"}
_BUILTIN_OVERRIDES = {
    "/word/document.xml": CT_MAIN, "/word/styles.xml": CT_WML + "styles+xml",
    "/word/settings.xml": CT_WML + "settings+xml", "/word/fontTable.xml": CT_WML + "fontTable+xml",
    "/word/footer1.xml": CT_WML + "footer+xml", "/word/footer2.xml": CT_WML + "footer+xml",
    "/docProps/core.xml": _CT_CORE, "/docProps/app.xml": _CT_APP}
_BUILTIN_RELS = [
    ("rIdStyles", REL + "styles", "styles.xml"),
    ("rIdSettings", REL + "settings", "settings.xml"),
    ("rIdFontTable", REL + "fontTable", "fontTable.xml"),
    ("rIdFooterOdd", REL + "footer", "footer1.xml"),
    ("rIdFooterEven", REL + "footer", "footer2.xml"),
]


@lru_cache(maxsize=4)
def _builtin_base(fonts: Fonts) -> _Base:
    parts = {
        "[Content_Types].xml": _content_types(_BUILTIN_DEFAULTS, _BUILTIN_OVERRIDES),
        "_rels/.rels": _rels(_ROOT_RELS),
        "word/_rels/document.xml.rels": _rels(_BUILTIN_RELS),
        "word/styles.xml": _styles_xml(fonts),
        "word/settings.xml": _SETTINGS,
        "word/fontTable.xml": _font_table(fonts),
        "word/footer1.xml": _footer_xml("right", 1),
        "word/footer2.xml": _footer_xml("left", 2),
    }
    return _Base(parts, "word/document.xml", _SECT_PR, {k: v[2] for k, v in STYLES.items()})


# ------------------------------------------------------------ reference .docx

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False)
_KEEP_REL_TYPES = {"styles", "stylesWithEffects", "settings", "webSettings", "fontTable", "theme", "numbering",
                   "footnotes", "endnotes", "header", "footer", "customXml", "glossaryDocument"}


def _w(tag: str) -> str:
    return f"{{{W_NS}}}{tag}"


def _rels_name(part: str) -> str:
    """word/document.xml → word/_rels/document.xml.rels"""
    head, _, name = part.rpartition("/")
    return f"{head}/_rels/{name}.rels" if head else f"_rels/{name}.rels"


def _resolve(source: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    parts: list[str] = list(PurePosixPath(source).parent.parts)
    for seg in target.split("/"):
        if seg == "..":
            if parts:
                parts.pop()
        elif seg not in ("", "."):
            parts.append(seg)
    return "/".join(parts)


def _theme_fonts(theme: bytes | None) -> dict[str, str]:
    """``minorEastAsia`` → 等线 … from a theme part (empty without one)."""
    fonts: dict[str, str] = {}
    if not theme:
        return fonts
    root = etree.fromstring(theme, _PARSER)
    for kind in ("major", "minor"):
        node = root.find(f".//{{{A_NS}}}{kind}Font")
        if node is None:
            continue
        latin, ea, cs = (node.find(f"{{{A_NS}}}{t}") for t in ("latin", "ea", "cs"))
        hans = node.find(f"{{{A_NS}}}font[@script='Hans']")
        fonts[f"{kind}HAnsi"] = fonts[f"{kind}Ascii"] = latin.get("typeface", "") if latin is not None else ""
        fonts[f"{kind}Bidi"] = cs.get("typeface", "") if cs is not None else ""
        east = hans.get("typeface", "") if hans is not None else ""
        fonts[f"{kind}EastAsia"] = east or (ea.get("typeface", "") if ea is not None else "")
    return fonts


def _child(parent: etree._Element, tag: str) -> etree._Element:
    """``parent``'s first ``w:tag`` child, made as its first child when missing."""
    element = parent.find(_w(tag))
    if element is None:
        element = etree.Element(_w(tag))
        parent.insert(0, element)
    return element


def _fix_theme_fonts(styles: etree._Element, theme: dict[str, str], fonts: Fonts) -> None:
    """Replace theme font attributes by explicit names (theme ones override names),
    and make sure the document defaults name an East Asian font."""
    slots = {"asciiTheme": "ascii", "hAnsiTheme": "hAnsi", "eastAsiaTheme": "eastAsia", "cstheme": "cs"}
    fallback = {"ascii": fonts.latin, "hAnsi": fonts.latin, "eastAsia": fonts.body, "cs": fonts.latin}
    for rfonts in styles.iter(_w("rFonts")):
        for theme_attr, slot in slots.items():
            value = rfonts.attrib.pop(_w(theme_attr), None)
            if value is not None and rfonts.get(_w(slot)) is None:
                rfonts.set(_w(slot), theme.get(value) or fallback[slot])
    rfonts = _child(_child(_child(_child(styles, "docDefaults"), "rPrDefault"), "rPr"), "rFonts")
    for slot, value in fallback.items():
        if rfonts.get(_w(slot)) is None:
            rfonts.set(_w(slot), value)


def _merge_styles(styles: etree._Element, fonts: Fonts) -> dict[str, str]:
    """Map our style names onto the reference's styleIds (Chinese Word writes
    ids such as "1" for heading 1); add ours where the reference lacks them."""
    by_name: dict[tuple[str, str], str] = {}
    taken: set[str] = set()
    for style in styles.iter(_w("style")):
        sid = style.get(_w("styleId"), "")
        taken.add(sid)
        name = style.find(_w("name"))
        if name is not None:
            by_name.setdefault((style.get(_w("type"), "paragraph"), name.get(_w("val"), "").lower()), sid)
    ids: dict[str, str] = {}
    missing: list[str] = []
    for key, (kind, name, sid) in STYLES.items():
        if (kind, name.lower()) in by_name:
            ids[key] = by_name[(kind, name.lower())]
        else:
            while sid in taken:
                sid += "0"
            taken.add(sid)
            ids[key] = sid
            missing.append(key)
    ours = style_elements(fonts, ids)
    for key in missing:
        styles.append(etree.fromstring(f"<w:styles {_NS}>{ours[key]}</w:styles>")[0])
    return ids


def _load_reference(path: Path, fonts: Fonts, wholesale: bool) -> _Base:
    """A base from the user's .docx (its body is dropped): the letterhead's
    headers on the official format (:func:`_letterhead_base`), or with
    ``wholesale`` its styles, page set-up, headers and footers (pandoc's way)."""
    try:
        with zipfile.ZipFile(path) as zf:
            files = {i.filename: zf.read(i) for i in zf.infolist() if not i.is_dir()}
    except (OSError, zipfile.BadZipFile, KeyError) as exc:
        raise ReporterError(f"参考文档 {path} 无法读取（{exc}），请确认它是 Word 的 .docx 文件。") from None
    try:
        return (_wholesale_base if wholesale else _letterhead_base)(files, fonts)
    except (etree.XMLSyntaxError, KeyError, ValueError, StopIteration) as exc:
        raise ReporterError(f"参考文档 {path} 的内容无法识别（{type(exc).__name__}），请用 Word 另存为 .docx 后再试。") from None


def _main_part(files: dict[str, bytes]) -> tuple[str, etree._Element | None, etree._Element | None]:
    """(main part name, its body's final w:sectPr, its relationships) of a package."""
    root_rels = etree.fromstring(files["_rels/.rels"], _PARSER)
    main = next(_resolve("", r.get("Target", "")) for r in root_rels
                if r.get("Type", "").endswith("/officeDocument"))
    doc = etree.fromstring(files[main], _PARSER)
    body = doc.find(_w("body"))
    sect = body.find(_w("sectPr")) if body is not None else None
    main_rels_name = _rels_name(main)
    rels = etree.fromstring(files[main_rels_name], _PARSER) if main_rels_name in files else None
    return main, sect, rels


def _reachable(files: dict[str, bytes], source: str) -> set[str]:
    """The parts ``source``'s relationships reach, recursively, with their .rels parts."""
    reached: set[str] = set()
    todo = [source]
    while todo:
        part = todo.pop()
        rels_part = _rels_name(part)
        if rels_part not in files:
            continue
        reached.add(rels_part)
        for r in etree.fromstring(files[rels_part], _PARSER):
            target = _resolve(part, r.get("Target", ""))
            if r.get("TargetMode") != "External" and target in files and target not in reached and target != source:
                reached.add(target)
                todo.append(target)
    return reached


def _wholesale_base(files: dict[str, bytes], fonts: Fonts) -> _Base:
    main, sect, rels = _main_part(files)
    main_rels_name = _rels_name(main)

    kept: list[tuple[str, str, str]] = []
    targets: dict[str, str] = {}  # rel type suffix → part
    for r in rels if rels is not None else ():
        rtype = r.get("Type", "")
        suffix = rtype.rsplit("/", 1)[-1]
        if suffix in _KEEP_REL_TYPES and r.get("TargetMode") != "External":
            part = _resolve(main, r.get("Target", ""))
            if part in files:
                kept.append((r.get("Id", ""), rtype, r.get("Target", "")))
                targets.setdefault(suffix, part)

    parts: dict[str, bytes] = {}
    overrides: dict[str, str] = {}
    ct = etree.fromstring(files["[Content_Types].xml"], _PARSER)
    defaults = {d.get("Extension", "").lower(): d.get("ContentType", "") for d in ct.iter(f"{{{CT_NS}}}Default")}
    ct_over = {o.get("PartName", "").lstrip("/"): o.get("ContentType", "") for o in ct.iter(f"{{{CT_NS}}}Override")}
    defaults.setdefault("rels", "application/vnd.openxmlformats-package.relationships+xml")
    defaults.setdefault("xml", "application/xml")

    # Styles: theirs, with theme fonts made explicit and our missing styles added.
    if "styles" in targets:
        styles = etree.fromstring(files[targets["styles"]], _PARSER)
        _fix_theme_fonts(styles, _theme_fonts(files.get(targets.get("theme", ""))), fonts)
        ids = _merge_styles(styles, fonts)
        files[targets["styles"]] = etree.tostring(styles, xml_declaration=True, encoding="UTF-8", standalone=True)
    else:
        target = "styles.xml" if _resolve(main, "styles.xml") not in files else "reporter-styles.xml"
        files[_resolve(main, target)] = _styles_xml(fonts)
        ct_over[_resolve(main, target)] = CT_WML + "styles+xml"
        kept.append(("rIdReporterStyles", REL + "styles", target))
        ids = {k: v[2] for k, v in STYLES.items()}

    # Walk the relationships from the main part: only what they reach is kept.
    files[main_rels_name] = _rels(kept)
    for name in _reachable(files, main):
        parts[name] = files[name]
        ext = name.rsplit(".", 1)[-1].lower()
        if name in ct_over:
            overrides["/" + name] = ct_over[name]
        elif ext not in defaults:
            raise ValueError(name)
    overrides["/" + main] = CT_MAIN  # a .dotx/.docm reference still gives a .docx
    overrides["/docProps/core.xml"] = _CT_CORE
    overrides["/docProps/app.xml"] = _CT_APP
    parts["[Content_Types].xml"] = _content_types(defaults, overrides)
    parts["_rels/.rels"] = _rels([(i, t, main if t.endswith("/officeDocument") else target) for i, t, target in _ROOT_RELS])

    if sect is not None:
        for ref in list(sect):
            if ref.tag in (_w("headerReference"), _w("footerReference")):
                if ref.get(f"{{{R_NS}}}id") not in {k[0] for k in kept}:
                    sect.remove(ref)
        sect_xml = etree.tostring(sect, encoding="unicode")
    else:
        sect_xml = _SECT_PR.replace('<w:footerReference w:type="default" r:id="rIdFooterOdd"/>', "").replace(
            '<w:footerReference w:type="even" r:id="rIdFooterEven"/>', "")
    return _Base(parts, main, sect_xml, ids)


# ------------------------------------------------------------ the letterhead on the official format
#
# By default a reference .docx (a unit's 红头 letterhead) contributes its
# headers (default, first-page, even), what they show (images and their
# relationships), its theme and the styles it defines beyond ours.  The
# official format — our styles for body, title, headings, lead-in and
# signature, our page-number footers, page size, margins and document grid —
# stays, and what the reference would have changed is said in ``notes``.

REFERENCE_NORMAL_ID, REFERENCE_NORMAL_NAME = "ReferenceNormal", "参考文档正文"
# Styles of the official format whose redefinition in a reference is reported (as Word's Chinese UI names them).
OFFICIAL_STYLE_LABELS = {"normal": "正文", "title": "标题", "heading1": "标题 1", "heading2": "标题 2",
                         "lead_in": LEAD_IN_STYLE, "signature": "签名"}
FOOTER_NOTE = "参考文档的页脚已忽略，页码按公文格式（“— 1 —”，4号{font}，单页居右、双页居左）生成。"

_RPR_ORDER = ("rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike", "outline",
              "shadow", "emboss", "imprint", "noProof", "snapToGrid", "vanish", "webHidden", "color", "spacing",
              "w", "kern", "position", "sz", "szCs", "highlight", "u", "effect", "bdr", "shd", "fitText",
              "vertAlign", "rtl", "cs", "em", "lang", "eastAsianLayout", "specVanish", "oMath")
_PPR_ORDER = ("pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
              "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap",
              "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd",
              "snapToGrid", "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc",
              "textDirection", "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr")
_MERGED_ATTRS = {_w("rFonts"), _w("spacing"), _w("ind"), _w("lang")}


def _wml(xml: str) -> etree._Element:
    """A WordprocessingML fragment (namespaces declared for it)."""
    return etree.fromstring(f"<w:root {_NS}>{xml}</w:root>")[0]


def _merged(tag: str, *sources: etree._Element | None) -> etree._Element:
    """One w:rPr / w:pPr from several, later ones winning property by
    property (the attributes of rFonts, spacing, ind and lang one by one),
    its children in schema order."""
    children: dict[str, etree._Element] = {}
    for source in sources:
        for child in source if source is not None else ():
            if not isinstance(child.tag, str) or child.tag == _w("rPr"):
                continue
            if child.tag in _MERGED_ATTRS and child.tag in children:
                merged = copy.deepcopy(children[child.tag])
                merged.attrib.update(child.attrib)
                children[child.tag] = merged
            else:
                children[child.tag] = copy.deepcopy(child)
    order = {_w(name): i for i, name in enumerate(_RPR_ORDER if tag == "rPr" else _PPR_ORDER)}
    out = etree.Element(_w(tag), nsmap={"w": W_NS})
    out.extend(sorted(children.values(), key=lambda c: order.get(c.tag, len(order))))
    etree.cleanup_namespaces(out)
    return out


def _tidy(element: etree._Element) -> str:
    """An element of another part as a string, without the namespace declarations it does not use."""
    element = copy.deepcopy(element)
    etree.cleanup_namespaces(element)
    return etree.tostring(element, encoding="unicode")


def _props(style: etree._Element | None, defaults: etree._Element | None = None) -> tuple[str, ...]:
    """A style's paragraph and run properties (over ``defaults``, the
    w:docDefaults), canonical: for telling whether two styles look alike."""
    def merged(tag: str) -> etree._Element:
        default = defaults.find(f"{_w(tag + 'Default')}/{_w(tag)}") if defaults is not None else None
        return _merged(tag, default, style.find(_w(tag)) if style is not None else None)

    return tuple(sorted(etree.tostring(c, method="c14n", exclusive=True).decode()
                        for tag in ("pPr", "rPr") for c in merged(tag)))


def _letterhead_styles(ref: etree._Element | None, fonts: Fonts) -> tuple[bytes, dict[str, str], list[str]]:
    """(our styles part plus the reference's own styles, their styleId →
    styleId in ours, labels of the official styles the reference would
    have changed).

    The reference's Normal becomes "参考文档正文" (over its document
    defaults): its styles and header paragraphs keep their look on top of it.
    """
    ids = {k: v[2] for k, v in STYLES.items()}
    ours = style_elements(fonts, ids)
    if ref is None:  # a package without styles: its headers still get "参考文档正文"
        ref = etree.Element(_w("styles"))
    wanted = {(kind, name.lower()): key for key, (kind, name, _) in STYLES.items()}
    matched: dict[str, etree._Element] = {}
    remap: dict[str, str] = {}
    kept: list[etree._Element] = []
    for style in ref.findall(_w("style")):
        name = style.find(_w("name"))
        key = wanted.get((style.get(_w("type"), "paragraph"), name.get(_w("val"), "").lower() if name is not None else ""))
        if key is not None and key not in matched:
            matched[key] = style
        if key is None or (key == "header" and matched[key] is style):
            kept.append(style)  # the letterhead's own styles, and its header style (its headers use it)
        else:
            remap[style.get(_w("styleId"), "")] = REFERENCE_NORMAL_ID if key == "normal" else ids[key]
    if "header" in matched:
        del ours["header"]
    taken = {ids[k] for k in ours} | {REFERENCE_NORMAL_ID}
    for style in kept:
        sid = new = style.get(_w("styleId"), "")
        while new in taken:
            new += "0"
        taken.add(new)
        if new != sid:
            remap[sid] = new
            style.set(_w("styleId"), new)
    for style in kept:
        style.attrib.pop(_w("default"), None)  # the defaults are ours
        for tag in ("basedOn", "next", "link"):
            ref_el = style.find(_w(tag))
            if ref_el is not None and ref_el.get(_w("val")) in remap:
                ref_el.set(_w("val"), remap[ref_el.get(_w("val"))])
        if style.get(_w("type"), "paragraph") == "paragraph" and style.find(_w("basedOn")) is None:
            name = style.find(_w("name"))
            based = etree.Element(_w("basedOn"))
            based.set(_w("val"), REFERENCE_NORMAL_ID)
            style.insert(style.index(name) + 1 if name is not None else 0, based)

    defaults = ref.find(_w("docDefaults"))
    normal = matched.get("normal")
    # Their Normal over their document defaults, and whatever ours would
    # otherwise give it (size, line spacing, our document grid).
    ppr = _merged("pPr", _wml('<w:pPr><w:spacing w:line="240" w:lineRule="auto"/></w:pPr>'),
                  defaults.find(f"{_w('pPrDefault')}/{_w('pPr')}") if defaults is not None else None,
                  normal.find(_w("pPr")) if normal is not None else None,
                  _wml('<w:pPr><w:snapToGrid w:val="0"/></w:pPr>'))
    rpr = _merged("rPr", _wml(f"<w:rPr>{_size(20)}</w:rPr>"),
                  defaults.find(f"{_w('rPrDefault')}/{_w('rPr')}") if defaults is not None else None,
                  normal.find(_w("rPr")) if normal is not None else None)
    reference_normal = (f'<w:style w:type="paragraph" w:customStyle="1" w:styleId="{REFERENCE_NORMAL_ID}">'
                        f'<w:name w:val="{REFERENCE_NORMAL_NAME}"/><w:uiPriority w:val="99"/>'
                        f'{_tidy(ppr)}{_tidy(rpr)}</w:style>')

    our_defaults = _wml(_doc_defaults(fonts))
    changed = [label for key, label in OFFICIAL_STYLE_LABELS.items() if key in matched and (
        _props(matched[key], defaults if key == "normal" else None)
        != _props(_wml(ours[key]), our_defaults if key == "normal" else None))]
    body = "".join(ours.values()) + reference_normal + "".join(_tidy(s) for s in kept)
    return f"{_DECL}<w:styles {_NS}>{_doc_defaults(fonts)}{body}</w:styles>".encode(), remap, changed


def _restyled(data: bytes, remap: dict[str, str]) -> bytes:
    """A header part with its style references moved to the merged styles: a
    paragraph in their Normal (named or by default) gets "参考文档正文"."""
    root = etree.fromstring(data, _PARSER)
    for p in root.iter(_w("p")):
        ppr = _child(p, "pPr")
        if ppr.find(_w("pStyle")) is None:
            _child(ppr, "pStyle").set(_w("val"), REFERENCE_NORMAL_ID)
    for tag in ("pStyle", "rStyle", "tblStyle"):
        for el in root.iter(_w(tag)):
            el.set(_w("val"), remap.get(el.get(_w("val"), ""), el.get(_w("val"), "")))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _twips(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:  # "25mm", "1in": not worth a note
        return None


def _mm(twips: int) -> str:
    return f"{round(twips * 25.4 / 1440, 1):g}"


def _margins(values: Sequence[int | None]) -> str:
    return "、".join(f"{side} {_mm(v)} 毫米" for side, v in zip("上下左右", values) if v is not None)


def _page_notes(sect: etree._Element | None) -> list[str]:
    """What the reference's page set-up would have changed (half a millimetre tolerated)."""
    if sect is None:
        return []
    notes = []
    size = sect.find(_w("pgSz"))
    if size is not None:
        w, h = _twips(size.get(_w("w"))), _twips(size.get(_w("h")))
        if w and h and (abs(w - PAGE_W) > 28 or abs(h - PAGE_H) > 28):
            notes.append(f"参考文档的纸张大小（{_mm(w)}×{_mm(h)} 毫米）与公文格式不同，已按公文格式（A4，210×297 毫米）生成。")
    mar = sect.find(_w("pgMar"))
    if mar is not None:
        theirs = [_twips(mar.get(_w(side))) for side in ("top", "bottom", "left", "right")]
        ours = (MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT)
        if any(t is not None and abs(t - o) > 28 for t, o in zip(theirs, ours)):
            notes.append(f"参考文档的页边距（{_margins(theirs)}）与公文格式不同，已按公文格式（{_margins(ours)}）生成。")
    grid = sect.find(_w("docGrid"))
    if grid is not None and grid.get(_w("type")) in ("lines", "linesAndChars", "snapToChars"):
        pitch = _twips(grid.get(_w("linePitch")))
        if pitch and abs(pitch - LINE_PITCH) > 1:
            notes.append(f"参考文档的文档网格（行距 {pitch / 20:g} 磅）与公文格式不同，"
                         f"已按公文格式（每页 22 行，行距 {LINE_PITCH / 20:g} 磅）生成。")
    return notes


def _on(el: etree._Element | None) -> bool:
    """An OOXML on/off element (present, and not w:val="0"/"false"/"off")."""
    return el is not None and el.get(_w("val"), "true").lower() not in ("0", "false", "off")


def _letterhead_base(files: dict[str, bytes], fonts: Fonts) -> _Base:
    """Our base plus the reference's headers, logo, theme and own styles."""
    main, sect, rels = _main_part(files)
    targets: dict[str, str] = {}  # relationship type suffix → first part of that type
    by_id: dict[str, tuple[str, str]] = {}  # relationship id → (type suffix, part)
    for r in rels if rels is not None else ():
        part = _resolve(main, r.get("Target", ""))
        if r.get("TargetMode") != "External" and part in files:
            suffix = r.get("Type", "").rsplit("/", 1)[-1]
            by_id[r.get("Id", "")] = (suffix, part)
            targets.setdefault(suffix, part)

    def referenced(kind: str) -> dict[str, str]:  # header/footer type → part
        found = {}
        for ref_el in sect.findall(_w(f"{kind}Reference")) if sect is not None else ():
            suffix, part = by_id.get(ref_el.get(f"{{{R_NS}}}id", ""), ("", ""))
            if suffix == kind:
                found.setdefault(ref_el.get(_w("type"), "default"), part)
        return found

    notes = _page_notes(sect)
    if referenced("footer"):
        notes.append(FOOTER_NOTE.format(font=fonts.page_number))
    styles = etree.fromstring(files[targets["styles"]], _PARSER) if "styles" in targets else None
    if styles is not None:
        _fix_theme_fonts(styles, _theme_fonts(files.get(targets.get("theme", ""))), fonts)
    styles_xml, remap, changed = _letterhead_styles(styles, fonts)
    if changed:
        notes.append(f"参考文档中的样式{'、'.join(f'“{c}”' for c in changed)}已按公文格式重设。")

    # Which header shows where: Word shows the default header on even pages
    # unless the reference asks for its own even header; the first page has
    # its own (possibly empty) header only when the reference says so.
    headers = referenced("header")
    settings = etree.fromstring(files[targets["settings"]], _PARSER) if "settings" in targets else None
    title_page = sect is not None and _on(sect.find(_w("titlePg")))
    chosen: dict[str, str] = {}
    if "default" in headers:
        chosen["default"] = headers["default"]
    even_odd = settings is not None and _on(settings.find(_w("evenAndOddHeaders")))
    if (headers.get("even") if even_odd else None) or "default" in headers:
        chosen["even"] = headers["even"] if even_odd and "even" in headers else headers["default"]
    if title_page and "first" in headers:
        chosen["first"] = headers["first"]

    base = _builtin_base(fonts)
    folder = base.main.rpartition("/")[0]  # "word": our parts' folder
    parts = dict(base.parts)
    parts[f"{folder}/styles.xml"] = styles_xml
    ct = etree.fromstring(files["[Content_Types].xml"], _PARSER)
    defaults = dict(_BUILTIN_DEFAULTS)
    for d in ct.iter(f"{{{CT_NS}}}Default"):
        defaults.setdefault(d.get("Extension", "").lower(), d.get("ContentType", ""))
    ct_over = {o.get("PartName", "").lstrip("/"): o.get("ContentType", "") for o in ct.iter(f"{{{CT_NS}}}Override")}
    overrides = dict(_BUILTIN_OVERRIDES)
    doc_rels = list(_BUILTIN_RELS)
    ours = set(parts)

    def target(part: str) -> str:  # relative to the main part when it can be
        return part[len(folder) + 1:] if folder and part.startswith(folder + "/") else "/" + part

    def add(name: str, data: bytes, content_type: str | None = None) -> None:
        parts[name] = data
        content_type = content_type or ct_over.get(name)
        if content_type:
            overrides["/" + name] = content_type
        elif name.rsplit(".", 1)[-1].lower() not in defaults:
            raise ValueError(name)

    header_ids: dict[str, str] = {}
    for kind, part in chosen.items():
        head, _, leaf = part.rpartition("/")
        name = part if part not in parts else f"{head}/reporter-{kind}-{leaf}"  # one part per reference
        add(name, _restyled(files[part], remap), CT_WML + "header+xml")
        if _rels_name(part) in files:  # the same folder: its relative targets stay right
            parts[_rels_name(name)] = files[_rels_name(part)]
        for reached in _reachable(files, part):
            if reached not in ours and reached != _rels_name(part):
                add(reached, files[reached])
        header_ids[kind] = f"rIdHeader{kind.capitalize()}"
        doc_rels.append((header_ids[kind], REL + "header", target(name)))
    if "theme" in targets and targets["theme"] not in ours:
        add(targets["theme"], files[targets["theme"]], _CT_THEME)
        doc_rels.append(("rIdTheme", REL + "theme", target(targets["theme"])))
    if "fontTable" in targets:  # the letterhead's fonts too, as hints for Word and WPS
        table = etree.fromstring(parts[f"{folder}/fontTable.xml"])
        known = {f.get(_w("name")) for f in table}
        for font in etree.fromstring(files[targets["fontTable"]], _PARSER).findall(_w("font")):
            if font.get(_w("name")) not in known:
                table.append(font)
        parts[f"{folder}/fontTable.xml"] = etree.tostring(table, xml_declaration=True, encoding="UTF-8",
                                                          standalone=True)
    parts[f"{folder}/_rels/document.xml.rels"] = _rels(doc_rels)
    parts["[Content_Types].xml"] = _content_types(defaults, overrides)
    ids = {k: v[2] for k, v in STYLES.items()}
    return _Base(parts, base.main, _sect_pr(header_ids, title_page), ids, tuple(notes))


@lru_cache(maxsize=8)
def _reference_cached(path: str, _mtime_ns: int, _size: int, fonts: Fonts, wholesale: bool) -> _Base:
    return _load_reference(Path(path), fonts, wholesale)


def base_for(config: Config) -> _Base:
    """The cached base for this configuration (reference .docx or built-in).

    Its ``notes`` say what of a reference document was left out to keep the
    official format (margins, footers, restyled styles): for the run log."""
    if not config.reference_doc:
        return _builtin_base(config.fonts)
    path = Path(config.reference_doc)
    try:
        st = path.stat()
    except OSError:
        raise ReporterError(f"找不到参考文档：{path}") from None
    return _reference_cached(str(path.resolve()), st.st_mtime_ns, st.st_size, config.fonts, config.reference_styles)


# ------------------------------------------------------------ bytes

def _core_xml(title: str, subject: str, author: str, created: datetime) -> bytes:
    stamp = created.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        f'{_DECL}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"'
        ' xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{_esc(title)}</dc:title><dc:subject>{_esc(subject)}</dc:subject>"
        f"<dc:creator>{_esc(author)}</dc:creator><cp:lastModifiedBy>{_esc(author)}</cp:lastModifiedBy>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified></cp:coreProperties>'
    ).encode()


_APP_XML = (
    f'{_DECL}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"'
    ' xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    f"<Application>reporter {_esc(__version__)}</Application><DocSecurity>0</DocSecurity></Properties>"
).encode()

_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _put(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, _ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data)


@lru_cache(maxsize=16)
def _static_zip(base: _Base) -> bytes:
    """The parts every document shares, compressed once ([Content_Types].xml first)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name in ("[Content_Types].xml", "_rels/.rels"):
            _put(zf, name, base.parts[name])
        for name, data in base.parts.items():
            if name not in ("[Content_Types].xml", "_rels/.rels"):
                _put(zf, name, data)
        _put(zf, "docProps/app.xml", _APP_XML)
    return out.getvalue()


def _zip(base: _Base, document: bytes, core: bytes) -> bytes:
    """The shared parts (copied, not recompressed) plus this document's body and properties."""
    out = io.BytesIO(_static_zip(base))
    with zipfile.ZipFile(out, "a") as zf:
        _put(zf, base.main, document)
        _put(zf, "docProps/core.xml", core)
    return out.getvalue()


def render_blocks(blocks: list[Block], config: Config, *, title: str, subject: str, author: str,
                  created: datetime | None = None) -> bytes:
    """Any official document made of :class:`Block` paragraphs, as .docx bytes."""
    base = base_for(config)
    core = _core_xml(title, subject, author, created or datetime.now(timezone.utc))
    return _zip(base, _body_xml(blocks, base), core)


def render_document(branch: Branch, config: Config, *, created: datetime | None = None) -> bytes:
    """The branch's 对照检查材料 as .docx bytes (pure: no file system but a reference .docx)."""
    info = branch.info
    return render_blocks(branch_blocks(branch), config, title=info.title, subject=f"{info.theme}对照检查材料",
                         author=info.name, created=created)


# ------------------------------------------------------------ python-docx API

def new_official_document(config: Config, *, title: str = "", author: str = "") -> Document:
    """A python-docx Document in the official format (styles, page set-up,
    "— n —" footers), with no body content."""
    import docx

    doc = docx.Document(io.BytesIO(render_blocks([], config, title=title, subject="", author=author)))
    return doc


def _ids(doc: Document) -> dict[str, str]:
    """Logical style → styleId in this document (found by the style's name)."""
    ids = {}
    for key in ("title", "heading1", "heading2", "lead_in", "signature", "figure", "table_grid", "table_text"):
        try:
            ids[key] = doc.styles[STYLES[key][1]].style_id
        except KeyError:
            ids[key] = STYLES[key][2]
    return ids


def _append(doc: Document, xml: str) -> Paragraph:
    from docx.oxml import parse_xml
    from docx.text.paragraph import Paragraph

    p = parse_xml(xml.replace("<w:p>", f"<w:p {_NS}>", 1) if xml.startswith("<w:p>") else
                  xml.replace("<w:p/>", f"<w:p {_NS}/>", 1))
    _insert(doc, p)
    return Paragraph(p, doc._body)


def _insert(doc: Document, element: etree._Element) -> None:
    """Add a block element at the end of the body (before its section properties)."""
    body = doc.element.body
    sect = body.find(_w("sectPr"))
    if sect is not None:
        sect.addprevious(element)
    else:
        body.append(element)


def add_title(doc: Document, text: str) -> Paragraph:
    """The centred 2号 title, followed by the blank line GB/T 9704 puts under it."""
    ids = _ids(doc)
    para = _append(doc, block_xml(Block("title", text), ids))
    _append(doc, block_xml(Block("blank"), ids))
    return para


def add_heading(doc: Document, text: str, level: int = 1) -> Paragraph:
    """A level-1 heading (一、… 黑体), or level 2 (（一）… 楷体) as its own paragraph."""
    ids = _ids(doc)
    key = "heading1" if level <= 1 else "heading2"
    return _append(doc, f'<w:p><w:pPr><w:pStyle w:val="{ids[key]}"/></w:pPr>{_run(text)}</w:p>')


def add_paragraph(doc: Document, text: str, lead_in: str | None = None) -> Paragraph:
    """A body paragraph (仿宋, two-character indent), optionally opened by a
    lead-in in the 楷体 character style, as the items of a branch document."""
    return _append(doc, block_xml(Block("item" if lead_in else "body", text, lead_in or ""), _ids(doc)))


def add_picture(doc: Document, image, width=None) -> Paragraph:
    """A picture centred in its own paragraph ("Figure" style: single spacing,
    so the exact 28.95 pt body line spacing cannot clip it)."""
    para = _append(doc, f'<w:p><w:pPr><w:pStyle w:val="{_ids(doc)["figure"]}"/></w:pPr></w:p>')
    para.add_run().add_picture(image, width=width)
    return para


def _table_parts(ids: dict[str, str], rows: Iterable[Sequence[object]], header: bool,
                 weights: Sequence[float], center: Sequence[bool], standalone: bool = True) -> Iterator[str]:
    """A table's XML: the opening, then one string per row, then the close.
    ``standalone``: declare the namespaces (not needed inside document.xml)."""
    total = sum(weights)
    widths = [round((PAGE_W - MARGIN_LEFT - MARGIN_RIGHT) * w / total) for w in weights]
    centred = list(center) + [False] * (len(widths) - len(center))

    def opening(width: int, centre: bool, bold: bool) -> str:  # a cell's markup before its text
        jc = '<w:jc w:val="center"/>' if centre or bold else ""
        rpr = "<w:rPr><w:b/><w:bCs/></w:rPr>" if bold else ""
        return (f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/><w:vAlign w:val="center"/></w:tcPr><w:p><w:pPr>'
                f'<w:pStyle w:val="{ids["table_text"]}"/>{jc}</w:pPr><w:r>{rpr}<w:t xml:space="preserve">')

    openings = {bold: [opening(w, c, bold) for w, c in zip(widths, centred)] for bold in (False, True)}
    yield "".join([f'<w:tbl {_NS}>' if standalone else "<w:tbl>",
                   f'<w:tblPr><w:tblStyle w:val="{ids["table_grid"]}"/>'
                   f'<w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:jc w:val="center"/><w:tblLayout w:type="fixed"/>'
                   '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="0" w:lastColumn="0"'
                   ' w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>',
                   *(f'<w:gridCol w:w="{w}"/>' for w in widths), "</w:tblGrid>"])
    first = header
    for values in rows:
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


def add_table(doc: Document, rows: Iterable[Sequence[object]], header: bool = True, *,
              weights: Sequence[float] | None = None, center: Sequence[bool] = ()) -> Table:
    """A "Table Grid" table across the text block: text cells in the "Table
    Text" style (no indent, single spacing), rows that do not split; when
    ``header``, the first row is bold, centred and repeated on each page.
    ``weights``: relative column widths, one per column (default: equal, as
    many columns as the longest row); ``center``: which columns are centred.

    Built as one XML string and parsed once (python-docx's cell API is
    quadratic in the number of rows).  Every value is str()-ed, made
    XML-safe and escaped: it can only ever be text.
    """
    from docx.oxml import parse_xml
    from docx.table import Table

    if weights is None:
        rows = list(rows)
        weights = [1] * max((len(r) for r in rows), default=1)
    tbl = parse_xml("".join(_table_parts(_ids(doc), rows, header, weights, center)))
    _insert(doc, tbl)
    return Table(tbl, doc._body)


@dataclass
class LongTable:
    """A table written into the package by :func:`save_document`, never parsed."""

    marker: str  # the placeholder paragraph, as serialised
    parts: Iterator[str]


def add_long_table(doc: Document, rows: Iterable[Sequence[object]], *, weights: Sequence[float],
                   center: Sequence[bool] = (), tables: list[LongTable]) -> None:
    """:func:`add_table` for tables of thousands of rows (the summary's list of
    every branch): a placeholder paragraph now, the rows streamed into
    ``word/document.xml`` by :func:`save_document` (``rows`` is read then).
    As an lxml tree, a 10,000-row table would take some 200 MB."""
    name = f"_reporter_table_{len(tables) + 1}"
    marker = f'<w:p><w:bookmarkStart w:id="0" w:name="{name}"/></w:p>'
    _append(doc, marker)
    tables.append(LongTable(marker, _table_parts(_ids(doc), rows, True, weights, center, standalone=False)))


def save_document(doc: Document, tables: Sequence[LongTable] = ()) -> bytes:
    """The package's bytes, with each :class:`LongTable` in place of its placeholder."""
    out = io.BytesIO()
    doc.save(out)
    if not tables:
        return out.getvalue()
    result = io.BytesIO()
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(result, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != "word/document.xml":
                dst.writestr(info, src.read(info))
                continue
            text = src.read(info).decode("utf-8")
            entry = zipfile.ZipInfo(info.filename, info.date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            with dst.open(entry, "w") as f:
                pos = 0
                for table in tables:
                    at = text.find(table.marker, pos)
                    if at < 0:
                        raise ReporterError("内部错误：汇总报告中找不到表格的位置。")  # pragma: no cover
                    f.write(text[pos:at].encode("utf-8"))
                    chunk: list[str] = []
                    for part in table.parts:
                        chunk.append(part)
                        if len(chunk) >= 256:
                            f.write("".join(chunk).encode("utf-8"))
                            chunk.clear()
                    f.write("".join(chunk).encode("utf-8"))
                    pos = at + len(table.marker)
                f.write(text[pos:].encode("utf-8"))
    return result.getvalue()
