"""How an official document looks (GB/T 9704-2012): page set-up, the
styles, font table, settings and the "— n —" page-number footers."""

from __future__ import annotations

from typing import Literal

from ..config import Fonts
from ..ooxml import DECL as _DECL
from ..ooxml import attr as _attr

# GB/T 9704-2012: A4, margins 37/35/28/26 mm, text block 156 × 225 mm,
# 22 lines × 28 characters of 3号 (16 pt).  Lengths in twips (1/20 pt).
PAGE_W, PAGE_H = 11906, 16838
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = 2098, 1984, 1587, 1474  # 37, 35, 28, 26 mm
HEADER_DIST, FOOTER_DIST = 851, 1435  # 15 mm; 25.3 mm puts the 一字线 of "— n —" 7 mm below the text block
LINE_PITCH = 579  # 28.95 pt: 22 lines in 225 mm
BODY_HALF_PT, TITLE_HALF_PT, FOOTER_HALF_PT, TABLE_HALF_PT = 32, 44, 28, 24  # 3号, 2号, 4号, 小四
BODY_CHAR = 320  # one 3号 character in twips (16 pt)
# 156 mm = 442.2 pt holds 27 characters of 16 pt; condensing each by 0.25 pt
# (w:spacing -5) makes 28 × 15.75 pt = 441 pt fit, in Word and LibreOffice.
CONDENSE = -5

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
CT_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
CT_WML = "application/vnd.openxmlformats-officedocument.wordprocessingml."
NS = f'xmlns:w="{W_NS}" xmlns:r="{R_NS}"'

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
    "subtitle": ("paragraph", "Subtitle", "Subtitle"),  # a bound volume's cover: the date under the title
    "toc1": ("paragraph", "toc 1", "TOC1"),  # a bound volume's 目录: name …… page
}
LEAD_IN_STYLE = STYLES["lead_in"][1]
DEFAULT_IDS = {key: sid for key, (_, _, sid) in STYLES.items()}  # the styleIds of our own styles part

# Font-table hints: the font Word/WPS may substitute when the named one is missing.
_ALT_NAMES = {"仿宋_GB2312": "仿宋", "楷体_GB2312": "楷体", "方正小标宋简体": "方正小标宋_GBK"}



def rfonts(east: str, latin: str) -> str:
    e, l = _attr(east), _attr(latin)
    return f'<w:rFonts w:ascii="{l}" w:hAnsi="{l}" w:eastAsia="{e}" w:cs="{l}"/>'


def chars_ind(side: str, chars: float) -> str:
    return f'<w:ind w:{side}Chars="{round(chars * 100)}" w:{side}="{round(chars * BODY_CHAR)}"/>'


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
# The title's lines are not on the body grid (a 2号 line does not fit one grid line, and
# LibreOffice would give each two): exactly one grid pitch apart, so the lines stand about
# 10 mm apart and the body below the title stays on its grid lines.
TITLE_SPACING = f'<w:snapToGrid w:val="0"/><w:spacing w:line="{LINE_PITCH}" w:lineRule="exact"/>'
_SINGLE = '<w:snapToGrid w:val="0"/><w:spacing w:line="240" w:lineRule="auto"/>'


def size(half_points: int) -> str:
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
            f'{chars_ind("firstLine", 2)}<w:jc w:val="both"/></w:pPr>'
            f'<w:rPr>{rfonts(fonts.body, lat)}<w:spacing w:val="{CONDENSE}"/>{size(BODY_HALF_PT)}</w:rPr>'),
            default=True, extra=q),
        "title": _style("title", ids, (
            f'<w:pPr>{TITLE_SPACING}{_NO_INDENT}<w:jc w:val="center"/></w:pPr>'
            f'<w:rPr>{rfonts(fonts.title, lat)}<w:spacing w:val="0"/>{size(TITLE_HALF_PT)}</w:rPr>'),
            based_on="normal", next_="normal", extra='<w:uiPriority w:val="10"/>' + q),
        "heading1": _style("heading1", ids, (
            '<w:pPr><w:keepNext/><w:outlineLvl w:val="0"/></w:pPr>'
            f'<w:rPr>{rfonts(fonts.heading, lat)}</w:rPr>'),
            based_on="normal", next_="normal", extra='<w:uiPriority w:val="9"/>' + q),
        "heading2": _style("heading2", ids, (
            '<w:pPr><w:keepNext/><w:outlineLvl w:val="1"/></w:pPr>'
            f'<w:rPr>{rfonts(fonts.lead_in, lat)}</w:rPr>'),
            based_on="normal", next_="normal", extra='<w:uiPriority w:val="9"/><w:unhideWhenUsed/>' + q),
        "signature": _style("signature", ids, (  # no CJK/Latin auto-spacing: widths stay as computed
            '<w:pPr><w:autoSpaceDE w:val="0"/><w:autoSpaceDN w:val="0"/>'
            f'{_NO_INDENT}<w:jc w:val="right"/></w:pPr>'),
                            based_on="normal", extra=hidden),
        "header": _style("header", ids, (
            f'<w:pPr>{_SINGLE}{_NO_INDENT}<w:jc w:val="center"/></w:pPr>'
            f'<w:rPr><w:spacing w:val="0"/>{size(18)}</w:rPr>'), based_on="normal", extra=hidden),
        "footer": _style("footer", ids, (
            f'<w:pPr>{_SINGLE}{_NO_INDENT}<w:jc w:val="left"/></w:pPr>'
            f'<w:rPr>{rfonts(fonts.page_number, fonts.page_number)}<w:spacing w:val="0"/>'
            f'{size(FOOTER_HALF_PT)}</w:rPr>'), based_on="normal", extra=hidden),
        "table_text": _style("table_text", ids, (
            # a little air above and below: wrapped cell text must not touch the borders
            '<w:pPr><w:snapToGrid w:val="0"/><w:spacing w:before="30" w:after="30" w:line="264" w:lineRule="auto"/>'
            f'{_NO_INDENT}<w:jc w:val="left"/></w:pPr>'
            f'<w:rPr><w:spacing w:val="0"/>{size(TABLE_HALF_PT)}</w:rPr>'), based_on="normal", extra=q),
        "figure": _style("figure", ids, (
            f'<w:pPr><w:keepNext/>{_SINGLE}{_NO_INDENT}<w:jc w:val="center"/></w:pPr>'), based_on="normal", extra=q),
        "default_font": _style("default_font", ids, "", default=True,
                               extra='<w:uiPriority w:val="1"/><w:semiHidden/><w:unhideWhenUsed/>'),
        "lead_in": _style("lead_in", ids, f'<w:rPr>{rfonts(fonts.lead_in, lat)}</w:rPr>',
                          based_on="default_font", extra='<w:uiPriority w:val="1"/>' + q),
        "table_normal": _style("table_normal", ids, f"<w:tblPr>{cell_mar}</w:tblPr>", default=True, extra=hidden),
        "table_grid": _style("table_grid", ids, f"<w:tblPr><w:tblBorders>{borders}</w:tblBorders></w:tblPr>",
                             based_on="table_normal", extra='<w:uiPriority w:val="39"/>'),
        "no_list": _style("no_list", ids, "", default=True, extra=hidden),
        "subtitle": _style("subtitle", ids, f'<w:pPr>{_NO_INDENT}<w:jc w:val="center"/></w:pPr>',
                           based_on="normal", next_="normal", extra='<w:uiPriority w:val="11"/>' + q),
        "toc1": _style("toc1", ids, (  # dot leader to the page number at the right edge of the text block
            f'<w:pPr><w:tabs><w:tab w:val="right" w:leader="dot" w:pos="{PAGE_W - MARGIN_LEFT - MARGIN_RIGHT}"/>'
            f'</w:tabs>{_NO_INDENT}<w:jc w:val="left"/></w:pPr>'), based_on="normal", next_="normal",
                       extra='<w:uiPriority w:val="39"/><w:unhideWhenUsed/>'),
    }


def doc_defaults(fonts: Fonts) -> str:
    return (
        f'<w:docDefaults><w:rPrDefault><w:rPr>{rfonts(fonts.body, fonts.latin)}<w:kern w:val="2"/>'
        f'{size(BODY_HALF_PT)}<w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/></w:rPr></w:rPrDefault>'
        '<w:pPrDefault><w:pPr><w:spacing w:line="579" w:lineRule="exact"/></w:pPr></w:pPrDefault></w:docDefaults>'
    )


def styles_xml(fonts: Fonts) -> bytes:
    body = "".join(style_elements(fonts, DEFAULT_IDS).values())
    return f"{_DECL}<w:styles {NS}>{doc_defaults(fonts)}{body}</w:styles>".encode()


def font_table(fonts: Fonts) -> bytes:
    entries = []
    for name in dict.fromkeys((fonts.body, fonts.title, fonts.heading, fonts.lead_in, fonts.page_number)):
        alt = f'<w:altName w:val="{_attr(_ALT_NAMES[name])}"/>' if name in _ALT_NAMES else ""
        entries.append(f'<w:font w:name="{_attr(name)}">{alt}<w:charset w:val="86"/>'
                       '<w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>')
    entries.append(f'<w:font w:name="{_attr(fonts.latin)}"><w:charset w:val="00"/>'
                   '<w:family w:val="roman"/><w:pitch w:val="variable"/></w:font>')
    return f"{_DECL}<w:fonts {NS}>{''.join(entries)}</w:fonts>".encode()


SETTINGS = (
    f'{_DECL}<w:settings {NS}><w:zoom w:percent="100"/><w:defaultTabStop w:val="420"/>'
    '<w:evenAndOddHeaders/><w:characterSpacingControl w:val="doNotCompress"/>'
    '<w:compat><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word"'
    ' w:val="15"/></w:compat><w:decimalSymbol w:val="."/><w:listSeparator w:val=","/></w:settings>'
).encode()


def footer_xml(side: Literal["right", "left"], cached: int) -> bytes:
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
    return (f'{_DECL}<w:ftr {NS}><w:p><w:pPr><w:pStyle w:val="Footer"/>{ind}<w:jc w:val="{side}"/></w:pPr>'
            f"{runs}</w:p></w:ftr>").encode()


def sect_pr(headers: dict[str, str] | None = None, title_page: bool = False) -> str:
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


SECT_PR = sect_pr()


