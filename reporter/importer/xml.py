"""Small helpers over WordprocessingML parsed with defusedxml (no entities, no network)."""

from __future__ import annotations

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W = "{" + W + "}"


def parse(blob: bytes):
    """The root element of an XML part; ValueError when it is not well-formed or declares entities."""
    from defusedxml import ElementTree as ET
    from defusedxml.common import DefusedXmlException

    try:
        return ET.fromstring(blob)
    except (DefusedXmlException, ET.ParseError) as exc:
        raise ValueError(str(exc)) from None


def local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def attr(element, name: str) -> str | None:
    """``w:name`` (or a plain ``name``) attribute."""
    if element is None:
        return None
    value = element.get(_W + name)
    return value if value is not None else element.get(name)


def child(element, name: str):
    return element.find(_W + name) if element is not None else None


def children(element, name: str) -> list:
    return element.findall(_W + name) if element is not None else []


def on(element) -> bool:
    """A toggle property (``<w:b/>``, ``<w:b w:val="0"/>``): present and not switched off."""
    return element is not None and (attr(element, "val") or "1").lower() not in ("0", "false", "off", "none")
