"""Reading the parts of a reference .docx: relationships, part names, theme fonts."""

from __future__ import annotations

from pathlib import PurePosixPath

from lxml import etree

from ..config import Fonts
from .styles import A_NS, W_NS

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


