"""``reference_styles = true``: a reference .docx's styles, page set-up, headers and footers taken wholesale (pandoc's way)."""

from __future__ import annotations

from lxml import etree

from ..config import Fonts
from ..ooxml import CT_APP, CT_CORE, CT_NS, REL, content_types, relationships
from .base import ROOT_RELS, Base
from .styles import CT_MAIN, CT_WML, DEFAULT_IDS, NS, R_NS, SECT_PR, STYLES, style_elements, styles_xml
from .xmlparts import _KEEP_REL_TYPES, _PARSER, _fix_theme_fonts, _main_part, _reachable, _rels_name, _resolve, _theme_fonts, _w

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
        styles.append(etree.fromstring(f"<w:styles {NS}>{ours[key]}</w:styles>")[0])
    return ids



def _wholesale_base(files: dict[str, bytes], fonts: Fonts) -> Base:
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
        files[_resolve(main, target)] = styles_xml(fonts)
        ct_over[_resolve(main, target)] = CT_WML + "styles+xml"
        kept.append(("rIdReporterStyles", REL + "styles", target))
        ids = dict(DEFAULT_IDS)

    # Walk the relationships from the main part: only what they reach is kept.
    files[main_rels_name] = relationships(kept)
    for name in _reachable(files, main):
        parts[name] = files[name]
        ext = name.rsplit(".", 1)[-1].lower()
        if name in ct_over:
            overrides["/" + name] = ct_over[name]
        elif ext not in defaults:
            raise ValueError(name)
    overrides["/" + main] = CT_MAIN  # a .dotx/.docm reference still gives a .docx
    overrides["/docProps/core.xml"] = CT_CORE
    overrides["/docProps/app.xml"] = CT_APP
    parts["[Content_Types].xml"] = content_types(defaults, overrides)
    parts["_rels/.rels"] = relationships([(i, t, main if t.endswith("/officeDocument") else target) for i, t, target in ROOT_RELS])

    if sect is not None:
        for ref in list(sect):
            if ref.tag in (_w("headerReference"), _w("footerReference")):
                if ref.get(f"{{{R_NS}}}id") not in {k[0] for k in kept}:
                    sect.remove(ref)
        sect_xml = etree.tostring(sect, encoding="unicode")
    else:
        sect_xml = SECT_PR.replace('<w:footerReference w:type="default" r:id="rIdFooterOdd"/>', "").replace(
            '<w:footerReference w:type="even" r:id="rIdFooterEven"/>', "")
    return Base(parts, main, sect_xml, ids)


# ------------------------------------------------------------ the letterhead on the official format
#
# By default a reference .docx (a unit's 红头 letterhead) contributes its
# headers (default, first-page, even), what they show (images and their
# relationships), its theme and the styles it defines beyond ours.  The
# official format — our styles for body, title, headings, lead-in and
# signature, our page-number footers, page size, margins and document grid —
# stays, and what the reference would have changed is said in ``notes``.
