"""Blocks → ``word/document.xml`` → a .docx package (:mod:`reporter.ooxml`).

``document.xml`` is streamed into its zip entry: a table's rows are read
and written in chunks, so a 10,000-row table never exists as one string or
an lxml tree.  The parts every document of a base shares are compressed
once (:func:`_static_zip`) and copied into each package.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from functools import lru_cache

from .. import __version__
from ..config import Config
from ..ooxml import IMAGE_TYPES, REL, Package, app_properties, core_properties, relationships
from .base import Base
from .blocks import (AnyBlock, Block, Picture, SectionBreak, Table, TableOfContents, block_xml, marked_xml,
                     picture_xml, section_pr, svg_rid, table_parts, toc_xml)
from .reference import base_for
from .styles import NS
from .xmlparts import _rels_name

CHUNK_PARTS = 256  # strings joined and written at a time
_APP_XML = app_properties(f"reporter {__version__}")
_SHARED = ("[Content_Types].xml", "_rels/.rels")  # first in every package, in this order


def _section(base: Base, section: SectionBreak | None) -> str:
    if section is None:
        return base.sect_pr
    return section_pr(base.sect_pr, section.start, page_numbers=section.page_numbers, restart=section.restart)


def _body_parts(blocks: Iterable[AnyBlock], base: Base, images: dict[int, str],
                first: SectionBreak | None = None) -> Iterator[str]:
    """document.xml as strings; ``images``: id() of each :class:`Picture` → its relationship id;
    ``first``: how the first section is set up (None: as the base's)."""
    ids = base.ids
    yield f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document {NS}><w:body>'
    current = first  # how the current section starts (None: as the base's)
    for n, block in enumerate(blocks):
        if type(block) is Block:
            yield block_xml(block, ids) if block.entry is None else marked_xml(block, ids)
        elif isinstance(block, Table):
            yield from table_parts(block, ids)
        elif isinstance(block, Picture):
            if id(block) not in images:
                raise TypeError("pictures need the blocks as a list, not a stream")
            yield picture_xml(block, ids, images[id(block)], list(images).index(id(block)) + 1)
        elif isinstance(block, TableOfContents):
            yield from toc_xml(block, ids)
        elif isinstance(block, SectionBreak):
            yield f"<w:p><w:pPr>{_section(base, current)}</w:pPr></w:p>"
            current = block
        else:
            raise TypeError(f"not a block: {block!r}")
    yield _section(base, current) + "</w:body></w:document>"


def _shared_zip(base: Base) -> bytes:
    """The parts every document of ``base`` shares, as a package ([Content_Types].xml first)."""
    package = Package()
    for name in _SHARED:
        package.put(name, base.parts[name])
    for name, data in base.parts.items():
        if name not in _SHARED:
            package.put(name, data)
    package.put("docProps/app.xml", _APP_XML)
    return package.close()


_static_zip = lru_cache(maxsize=16)(_shared_zip)  # compressed once per base


def _with_images(base: Base, images: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    """The shared parts with image relationships and the content types added;
    ``images``: relationship id → extension ("png", "svg"); the media part name of each relationship id."""
    rels_name = _rels_name(base.main)
    folder = base.main.rpartition("/")[0]
    media = {rid: f"media/reporter-image{i}.{ext}" for i, (rid, ext) in enumerate(images.items(), 1)}
    extra = relationships((rid, REL + "image", target) for rid, target in media.items()).decode()
    extra = extra[extra.index("<Relationship "):extra.rindex("</Relationships>")]
    parts = dict(base.parts)
    parts[rels_name] = parts[rels_name].replace(b"</Relationships>", extra.encode() + b"</Relationships>")
    for ext in dict.fromkeys(images.values()):
        types = parts["[Content_Types].xml"]
        if not re.search(rb'<Default Extension="%s"' % ext.encode(), types, re.IGNORECASE):
            at = types.index(b"<", types.index(b"<Types") + 1)
            default = f'<Default Extension="{ext}" ContentType="{IMAGE_TYPES[ext]}"/>'.encode()
            parts["[Content_Types].xml"] = types[:at] + default + types[at:]
    return _shared_zip(Base(parts, base.main, base.sect_pr, base.ids, base.notes)), {
        rid: f"{folder}/{target}" if folder else target for rid, target in media.items()}


@lru_cache(maxsize=4)
def _updating(base: Base) -> Base:
    """``base`` with Word told to update the fields on opening (w:updateFields, in schema order)."""
    settings = base.parts["word/settings.xml"]
    at = next((i for i in (settings.find(t) for t in (b"<w:hdrShapeDefaults", b"<w:footnotePr", b"<w:endnotePr",
                                                        b"<w:compat", b"<w:docVars", b"<w:rsids", b"<m:mathPr",
                                                        b"<w:attachedSchema", b"<w:themeFontLang",
                                                        b"<w:clrSchemeMapping", b"<w:decimalSymbol",
                                                        b"<w:listSeparator")) if i >= 0),
              settings.rfind(b"</w:settings>"))
    parts = {**base.parts, "word/settings.xml": settings[:at] + b'<w:updateFields w:val="true"/>' + settings[at:]}
    return Base(parts, base.main, base.sect_pr, base.ids, base.notes)


def render_blocks(blocks: Iterable[AnyBlock], config: Config, *, title: str, subject: str, author: str,
                  created: datetime | None = None, first_section: SectionBreak | None = None,
                  update_fields: bool = False) -> bytes:
    """Any official document made of blocks, as .docx bytes; ``first_section``: how the first
    section is set up (e.g. without page numbers); ``update_fields``: Word updates every field on opening."""
    base = base_for(config)
    if update_fields:
        base = _updating(base)
    # A list may hold pictures (their parts are named before document.xml is written); a stream
    # (the volume's, one branch at a time) is rendered as it comes and may not.
    pictures = [b for b in blocks if isinstance(b, Picture)] if isinstance(blocks, (list, tuple)) else []
    images = {id(p): f"rIdReporterImage{i}" for i, p in enumerate(pictures, 1)}
    parts = {}  # relationship id → (extension, bytes)
    for picture in pictures:
        parts[images[id(picture)]] = ("png", picture.png)
        if picture.svg:
            parts[svg_rid(images[id(picture)])] = ("svg", picture.svg)
    static, media = _with_images(base, {rid: ext for rid, (ext, _) in parts.items()}) if pictures else (
        _static_zip(base), {})
    package = Package(base=static)
    with package.open(base.main) as f:
        chunk: list[str] = []
        for part in _body_parts(blocks, base, images, first_section):
            chunk.append(part)
            if len(chunk) >= CHUNK_PARTS:
                f.write("".join(chunk).encode())
                chunk.clear()
        f.write("".join(chunk).encode())
    package.put("docProps/core.xml", core_properties((created or datetime.now(timezone.utc)).astimezone(timezone.utc), title=title,
                                                     subject=subject, author=author, last_modified_by=author))
    for rid, name in media.items():
        package.put(name, parts[rid][1])
    return package.close()
