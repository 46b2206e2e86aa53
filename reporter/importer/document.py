"""A document as a list of paragraphs: the text a reader sees, with what recognition needs.

:func:`docx_paragraphs` reads WordprocessingML parts (already checked for
size, zip bombs and entities by :mod:`reporter.importer.sources`): the
body's paragraphs in order (also those in tables), the number Word's
automatic list numbering shows before a paragraph, the paragraph's style
and outline level, its alignment, and its runs with how each looks (for the
lead-in set apart by bold or a character style).  Deleted (tracked) text,
hidden text, field codes and text boxes are not read; nothing is followed
or executed.
"""

from __future__ import annotations

from dataclasses import dataclass

from .numbering import Numbering
from .xml import attr, child, children, local, on, parse

# How a run looks: (character style, bold, italic, underline, East Asian font, colour).
Look = tuple
PLAIN: Look = ()


@dataclass(frozen=True, slots=True)
class Paragraph:
    text: str  # what is typed (runs joined); line breaks inside kept as "\n"
    runs: tuple[tuple[str, Look], ...] = ()
    label: str = ""  # the number automatic list numbering shows (not in ``text``)
    level: int | None = None  # its list level (0 = the top)
    style: str = ""  # the paragraph style's name, lower case ("title", "heading 1" …)
    outline: int | None = None  # outline level (0 = Heading 1)
    right: bool = False  # aligned right (a signature)


_SKIP = {"pPr", "rPr", "del", "moveFrom", "Fallback", "drawing", "pict", "object", "instrText", "delText",
         "footnoteReference", "endnoteReference", "commentReference"}
_STOP_INSIDE_P = {"txbxContent"}


def _styles(root) -> dict[str, dict]:
    """styleId → {name, based, outline, num (numId, ilvl)} from styles.xml."""
    out: dict[str, dict] = {}
    for style in children(root, "style"):
        sid = attr(style, "styleId") or ""
        ppr = child(style, "pPr")
        numpr = child(ppr, "numPr")
        outline = child(ppr, "outlineLvl")
        out[sid] = {
            "name": (attr(child(style, "name"), "val") or sid).lower(),
            "based": attr(child(style, "basedOn"), "val"),
            "outline": attr(outline, "val"),
            "num": (attr(child(numpr, "numId"), "val"), attr(child(numpr, "ilvl"), "val")) if numpr is not None else None,
        }
    return out


def _inherited(styles: dict[str, dict], sid: str | None, key: str):
    seen = set()
    while sid and sid in styles and sid not in seen:
        seen.add(sid)
        if styles[sid][key] is not None:
            return styles[sid][key]
        sid = styles[sid]["based"]
    return None


def _look(rpr) -> Look:
    if rpr is None:
        return PLAIN
    fonts = child(rpr, "rFonts")
    u = child(rpr, "u")
    look = (attr(child(rpr, "rStyle"), "val"), on(child(rpr, "b")), on(child(rpr, "i")),
            (attr(u, "val") or "single") if u is not None and attr(u, "val") != "none" else None,
            attr(fonts, "eastAsia") if fonts is not None else None, attr(child(rpr, "color"), "val"))
    return look if any(look) else PLAIN


def _run_text(run) -> str:
    out = []
    for el in run:
        name = local(el.tag)
        if name == "t":
            out.append(el.text or "")
        elif name == "tab":
            out.append("\t")
        elif name in ("br", "cr"):
            out.append("\n")
        elif name == "noBreakHyphen":
            out.append("-")
    return "".join(out)


def _runs(element, out: list) -> None:
    for el in element:
        name = local(el.tag)
        if name in _SKIP or name in _STOP_INSIDE_P:
            continue
        if name == "r":
            rpr = child(el, "rPr")
            if rpr is not None and on(child(rpr, "vanish")):
                continue
            text = _run_text(el)
            if text:
                out.append((text, _look(rpr)))
        else:
            _runs(el, out)


def _paragraph_elements(element):
    """The body's w:p in document order (table cells and content controls included, text boxes not)."""
    for el in element:
        name = local(el.tag)
        if name == "p":
            yield el
        elif name not in _SKIP and name not in _STOP_INSIDE_P and name != "sectPr":
            yield from _paragraph_elements(el)


class _Reader:
    def __init__(self, parts: dict[str, bytes]):
        self.styles = _styles(parse(parts["word/styles.xml"])) if parts.get("word/styles.xml") else {}
        style_num = {s["name"]: s["num"] for s in self.styles.values() if s["num"]}
        style_num.update({sid: s["num"] for sid, s in self.styles.items() if s["num"]})
        root = parse(parts["word/numbering.xml"]) if parts.get("word/numbering.xml") else None
        self.numbering = Numbering(root, style_num)

    def paragraph(self, p) -> Paragraph:
        ppr = child(p, "pPr")
        sid = attr(child(ppr, "pStyle"), "val")
        runs: list = []
        _runs(p, runs)
        label, level = self._label(ppr, sid)
        outline = attr(child(ppr, "outlineLvl"), "val") or _inherited(self.styles, sid, "outline")
        jc = attr(child(ppr, "jc"), "val")
        name = self.styles[sid]["name"] if sid in self.styles else (sid or "").lower()
        return Paragraph("".join(t for t, _ in runs), tuple(runs), label or "", level, name,
                         int(outline) if outline and outline.isdigit() else None, jc in ("right", "end"))

    def _label(self, ppr, sid: str | None) -> tuple[str | None, int | None]:
        numpr = child(ppr, "numPr")
        num_id = ilvl = None
        if numpr is not None:
            num_id, ilvl = attr(child(numpr, "numId"), "val"), attr(child(numpr, "ilvl"), "val")
        if num_id is None:
            from_style = _inherited(self.styles, sid, "num")
            if from_style:
                num_id, ilvl = from_style[0], ilvl or from_style[1]
        if num_id is None:
            return None, None
        level = int(ilvl) if ilvl and ilvl.isdigit() else 0
        label = self.numbering.label(num_id, level)
        return label, (level if label is not None else None)


def docx_paragraphs(parts: dict[str, bytes]) -> list[Paragraph]:
    """The body's paragraphs; ValueError when a part is not well-formed XML."""
    reader = _Reader(parts)
    body = child(parse(parts["word/document.xml"]), "body")
    if body is None:
        return []
    return [reader.paragraph(p) for p in _paragraph_elements(body)]


__all__ = ["Paragraph", "Look", "PLAIN", "docx_paragraphs"]
