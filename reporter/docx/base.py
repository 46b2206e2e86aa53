"""The base of a document: every part but its body and properties (built-in, or from a reference .docx)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ..config import Fonts
from ..ooxml import CT_APP, CT_CORE, CT_RELS, REL, REL_CORE, content_types, relationships
from .styles import CT_MAIN, CT_WML, DEFAULT_IDS, SECT_PR, SETTINGS, font_table, footer_xml, styles_xml

ROOT_RELS = [
    ("rId1", REL + "officeDocument", "word/document.xml"),
    ("rId2", REL_CORE, "docProps/core.xml"),
    ("rId3", REL + "extended-properties", "docProps/app.xml"),
]


@dataclass(frozen=True, eq=False)
class Base:
    """Everything of a document but its body and properties."""

    parts: dict[str, bytes]  # part name (no leading "/") → bytes, incl. [Content_Types].xml and rels
    main: str  # the main document part, "word/document.xml"
    sect_pr: str  # the body's final w:sectPr
    ids: dict[str, str]  # logical style → styleId in this styles part
    notes: tuple[str, ...] = ()  # Chinese sentences: what of a reference document was not taken, and why


BUILTIN_DEFAULTS = {"rels": CT_RELS, "xml": "application/xml"}
BUILTIN_OVERRIDES = {
    "/word/document.xml": CT_MAIN, "/word/styles.xml": CT_WML + "styles+xml",
    "/word/settings.xml": CT_WML + "settings+xml", "/word/fontTable.xml": CT_WML + "fontTable+xml",
    "/word/footer1.xml": CT_WML + "footer+xml", "/word/footer2.xml": CT_WML + "footer+xml",
    "/docProps/core.xml": CT_CORE, "/docProps/app.xml": CT_APP}
BUILTIN_RELS = [
    ("rIdStyles", REL + "styles", "styles.xml"),
    ("rIdSettings", REL + "settings", "settings.xml"),
    ("rIdFontTable", REL + "fontTable", "fontTable.xml"),
    ("rIdFooterOdd", REL + "footer", "footer1.xml"),
    ("rIdFooterEven", REL + "footer", "footer2.xml"),
]


@lru_cache(maxsize=4)
def builtin_base(fonts: Fonts) -> Base:
    parts = {
        "[Content_Types].xml": content_types(BUILTIN_DEFAULTS, BUILTIN_OVERRIDES),
        "_rels/.rels": relationships(ROOT_RELS),
        "word/_rels/document.xml.rels": relationships(BUILTIN_RELS),
        "word/styles.xml": styles_xml(fonts),
        "word/settings.xml": SETTINGS,
        "word/fontTable.xml": font_table(fonts),
        "word/footer1.xml": footer_xml("right", 1),
        "word/footer2.xml": footer_xml("left", 2),
    }
    return Base(parts, "word/document.xml", SECT_PR, dict(DEFAULT_IDS))
