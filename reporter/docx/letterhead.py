"""A reference .docx (a unit's 红头 letterhead) on the official format."""

from __future__ import annotations

import copy
from collections.abc import Sequence

from lxml import etree

from ..config import Fonts
from ..ooxml import CT_NS, CT_THEME, DECL, REL, content_types, relationships
from .base import BUILTIN_DEFAULTS, BUILTIN_OVERRIDES, BUILTIN_RELS, Base, builtin_base
from .styles import (CT_WML, DEFAULT_IDS, LEAD_IN_STYLE, LINE_PITCH, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, NS, PAGE_H,
                     PAGE_W, R_NS, STYLES, W_NS, doc_defaults, sect_pr, size, style_elements)
from .xmlparts import _PARSER, _child, _fix_theme_fonts, _main_part, _reachable, _rels_name, _resolve, _theme_fonts, _w

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
    return etree.fromstring(f"<w:root {NS}>{xml}</w:root>")[0]


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
    ids = dict(DEFAULT_IDS)
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
    rpr = _merged("rPr", _wml(f"<w:rPr>{size(20)}</w:rPr>"),
                  defaults.find(f"{_w('rPrDefault')}/{_w('rPr')}") if defaults is not None else None,
                  normal.find(_w("rPr")) if normal is not None else None)
    reference_normal = (f'<w:style w:type="paragraph" w:customStyle="1" w:styleId="{REFERENCE_NORMAL_ID}">'
                        f'<w:name w:val="{REFERENCE_NORMAL_NAME}"/><w:uiPriority w:val="99"/>'
                        f'{_tidy(ppr)}{_tidy(rpr)}</w:style>')

    our_defaults = _wml(doc_defaults(fonts))
    changed = [label for key, label in OFFICIAL_STYLE_LABELS.items() if key in matched and (
        _props(matched[key], defaults if key == "normal" else None)
        != _props(_wml(ours[key]), our_defaults if key == "normal" else None))]
    body = "".join(ours.values()) + reference_normal + "".join(_tidy(s) for s in kept)
    return f"{DECL}<w:styles {NS}>{doc_defaults(fonts)}{body}</w:styles>".encode(), remap, changed


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


def _referenced(sect: etree._Element | None, by_id: dict[str, tuple[str, str]], kind: str) -> dict[str, str]:
    """The ``kind`` ("header"/"footer") parts the section refers to: type (default/first/even) → part."""
    found: dict[str, str] = {}
    for ref_el in sect.findall(_w(f"{kind}Reference")) if sect is not None else ():
        suffix, part = by_id.get(ref_el.get(f"{{{R_NS}}}id", ""), ("", ""))
        if suffix == kind:
            found.setdefault(ref_el.get(_w("type"), "default"), part)
    return found


def _chosen_headers(headers: dict[str, str], sect: etree._Element | None,
                    settings: etree._Element | None) -> tuple[dict[str, str], bool]:
    """(header type → part to use, whether the first page has its own header)."""
    # Which header shows where: Word shows the default header on even pages
    # unless the reference asks for its own even header; the first page has
    # its own (possibly empty) header only when the reference says so.
    title_page = sect is not None and _on(sect.find(_w("titlePg")))
    chosen: dict[str, str] = {}
    if "default" in headers:
        chosen["default"] = headers["default"]
    even_odd = settings is not None and _on(settings.find(_w("evenAndOddHeaders")))
    if (headers.get("even") if even_odd else None) or "default" in headers:
        chosen["even"] = headers["even"] if even_odd and "even" in headers else headers["default"]
    if title_page and "first" in headers:
        chosen["first"] = headers["first"]
    return chosen, title_page


def _font_table(ours: bytes, theirs: bytes) -> bytes:
    """Our font table plus the fonts of the reference's that it lacks."""
    table = etree.fromstring(ours)
    known = {f.get(_w("name")) for f in table}
    for font in etree.fromstring(theirs, _PARSER).findall(_w("font")):
        if font.get(_w("name")) not in known:
            table.append(font)
    return etree.tostring(table, xml_declaration=True, encoding="UTF-8", standalone=True)


def _letterhead_base(files: dict[str, bytes], fonts: Fonts) -> Base:
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

    notes = _page_notes(sect)
    if _referenced(sect, by_id, "footer"):
        notes.append(FOOTER_NOTE.format(font=fonts.page_number))
    styles = etree.fromstring(files[targets["styles"]], _PARSER) if "styles" in targets else None
    if styles is not None:
        _fix_theme_fonts(styles, _theme_fonts(files.get(targets.get("theme", ""))), fonts)
    styles_xml, remap, changed = _letterhead_styles(styles, fonts)
    if changed:
        notes.append(f"参考文档中的样式{'、'.join(f'“{c}”' for c in changed)}已按公文格式重设。")

    settings = etree.fromstring(files[targets["settings"]], _PARSER) if "settings" in targets else None
    chosen, title_page = _chosen_headers(_referenced(sect, by_id, "header"), sect, settings)

    base = builtin_base(fonts)
    folder = base.main.rpartition("/")[0]  # "word": our parts' folder
    parts = dict(base.parts)
    parts[f"{folder}/styles.xml"] = styles_xml
    ct = etree.fromstring(files["[Content_Types].xml"], _PARSER)
    defaults = dict(BUILTIN_DEFAULTS)
    for d in ct.iter(f"{{{CT_NS}}}Default"):
        defaults.setdefault(d.get("Extension", "").lower(), d.get("ContentType", ""))
    ct_over = {o.get("PartName", "").lstrip("/"): o.get("ContentType", "") for o in ct.iter(f"{{{CT_NS}}}Override")}
    overrides = dict(BUILTIN_OVERRIDES)
    doc_rels = list(BUILTIN_RELS)
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
        add(targets["theme"], files[targets["theme"]], CT_THEME)
        doc_rels.append(("rIdTheme", REL + "theme", target(targets["theme"])))
    if "fontTable" in targets:  # the letterhead's fonts too, as hints for Word and WPS
        parts[f"{folder}/fontTable.xml"] = _font_table(parts[f"{folder}/fontTable.xml"], files[targets["fontTable"]])
    parts[f"{folder}/_rels/document.xml.rels"] = relationships(doc_rels)
    parts["[Content_Types].xml"] = content_types(defaults, overrides)
    return Base(parts, base.main, sect_pr(header_ids, title_page), dict(DEFAULT_IDS), tuple(notes))

