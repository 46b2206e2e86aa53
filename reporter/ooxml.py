"""The Open Packaging Conventions part of every file reporter writes (.docx, .xlsx).

One writer for what a Word document, the summary workbook and the template
share (ECMA-376 Part 2): ``[Content_Types].xml``, relationship parts, the
core and extended document properties, and a deterministic zip — every
entry dated :data:`ZIP_TIME`, entries in the order written (``[Content_Types].xml``
first, as file-type sniffers expect), so the same content gives the same bytes.

Usage::

    package = Package()
    package.put("[Content_Types].xml", content_types({"rels": CT_RELS, "xml": "application/xml"}, {...}))
    package.put("_rels/.rels", relationships([("rId1", REL + "officeDocument", "word/document.xml")]))
    with package.open("word/document.xml") as f:   # streamed: never the whole part in memory
        f.write(b"...")
    data = package.close()

:func:`normalise_zip` gives a zip written by someone else (openpyxl's
``ExcelWriter``) the same fixed timestamp and member attributes.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import IO

from .text import xml_safe

__all__ = ["CT_APP", "CT_CORE", "CT_NS", "CT_RELS", "CT_THEME", "DECL", "IMAGE_TYPES", "PKG_RELS_NS", "REL", "REL_CORE",
           "ZIP_TIME", "Package", "app_properties", "attr", "content_types", "core_properties", "normalise_zip",
           "relationships", "same_but_dates", "text"]

DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
PKG_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"  # + "officeDocument", "styles", …
REL_CORE = PKG_RELS_NS + "/metadata/core-properties"
CT_RELS = "application/vnd.openxmlformats-package.relationships+xml"
CT_CORE = "application/vnd.openxmlformats-package.core-properties+xml"
CT_APP = "application/vnd.openxmlformats-officedocument.extended-properties+xml"
CT_THEME = "application/vnd.openxmlformats-officedocument.theme+xml"
IMAGE_TYPES = {"png": "image/png", "svg": "image/svg+xml"}  # image part extension → content type
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry

_WS = re.compile(r"[\t\r\n]+")


def text(value: str) -> str:
    """Any text → element content: XML-illegal characters removed, tabs and
    line breaks one space, markup escaped."""
    value = _WS.sub(" ", xml_safe(value))
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def attr(value: str) -> str:
    """Any text → an attribute value (between double quotes)."""
    return text(value).replace('"', "&quot;")


def content_types(defaults: Mapping[str, str], overrides: Mapping[str, str]) -> bytes:
    """``[Content_Types].xml``: extension → type, then part name ("/word/document.xml") → type."""
    d = "".join(f'<Default Extension="{attr(e)}" ContentType="{attr(t)}"/>' for e, t in defaults.items())
    o = "".join(f'<Override PartName="{attr(p)}" ContentType="{attr(t)}"/>' for p, t in overrides.items())
    return f'{DECL}<Types xmlns="{CT_NS}">{d}{o}</Types>'.encode()


def relationships(rels: Iterable[tuple[str, str, str]]) -> bytes:
    """A relationships part from (Id, Type URI, Target) triples."""
    body = "".join(f'<Relationship Id="{i}" Type="{t}" Target="{attr(target)}"/>' for i, t, target in rels)
    return f'{DECL}<Relationships xmlns="{PKG_RELS_NS}">{body}</Relationships>'.encode()


def core_properties(created: datetime, *, title: str | None = None, subject: str | None = None,
                    author: str | None = None, description: str | None = None,
                    last_modified_by: str | None = None) -> bytes:
    """``docProps/core.xml``; a property left None is left out ("" is written
    empty).  ``created`` is also the modification time (naive: taken as UTC)."""
    when = created.replace(tzinfo=timezone.utc) if created.tzinfo is None else created.astimezone(timezone.utc)
    stamp = f"{when:%Y-%m-%dT%H:%M:%SZ}"
    fields = (("dc:title", title), ("dc:subject", subject), ("dc:creator", author),
              ("dc:description", description), ("cp:lastModifiedBy", last_modified_by))
    return "".join([
        DECL, '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"'
        ' xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">',
        *(f"<{tag}>{text(value)}</{tag}>" for tag, value in fields if value is not None),
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>',
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified></cp:coreProperties>',
    ]).encode()


def app_properties(application: str, extra: str = "") -> bytes:
    """``docProps/app.xml``: the application's name and ``extra`` elements (markup, after DocSecurity)."""
    return (f'{DECL}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"'
            ' xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
            f"<Application>{text(application)}</Application><DocSecurity>0</DocSecurity>{extra}</Properties>"
            ).encode()


class Package:
    """A zip package written in one pass into memory (:meth:`close` returns its bytes) or,
    with ``out``, straight into that binary file (:meth:`close` returns b"").

    Every entry is deflated (``compresslevel``: zlib's level, None for its
    default) and dated :data:`ZIP_TIME`.  ``base``: the bytes of a package to
    add to (its entries are copied, not recompressed: parts shared by many
    documents are compressed once)."""

    def __init__(self, compresslevel: int | None = None, base: bytes | None = None, out: IO[bytes] | None = None):
        if out is not None and base:
            raise ValueError("a package written to a file starts empty")
        self._buffer = io.BytesIO(base or b"") if out is None else None
        self._zip: zipfile.ZipFile | None = zipfile.ZipFile(
            out if out is not None else self._buffer, "a" if base else "w", zipfile.ZIP_DEFLATED,
            compresslevel=compresslevel)

    def open(self, name: str) -> IO[bytes]:
        """A writable stream for part ``name`` (close it before the next part)."""
        if self._zip is None:
            raise ValueError("the package is closed")
        return self._zip.open(name, "w")  # ZipInfo(name): dated 1980-01-01 (ZIP_TIME)

    def put(self, name: str, data: bytes | str) -> None:
        with self.open(name) as f:
            f.write(data.encode() if isinstance(data, str) else data)

    def close(self) -> bytes:
        if self._zip is not None:
            self._zip.close()
            self._zip = None
        return self._buffer.getvalue() if self._buffer is not None else b""


def normalise_zip(data: bytes, when: datetime | tuple[int, ...] = ZIP_TIME) -> bytes:
    """``data`` (a zip) rewritten with every member dated ``when``, deflated at
    zlib's default level, permissions 0644, in the same order: what a
    writer that dates members "now" or copies temporary files' times gives,
    made reproducible."""
    stamp = tuple(when.timetuple()[:6]) if isinstance(when, datetime) else tuple(when)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, src.read(info))
    return out.getvalue()


CORE = "docProps/core.xml"
_CORE_DATES = re.compile(rb"<dcterms:(created|modified)\b[^>]*>[^<]*</dcterms:\1>")


def same_but_dates(old: bytes, new: bytes) -> bool:
    """Two packages of this writer hold the same content, the creation and modification dates
    of ``docProps/core.xml`` aside (a document made again from the same workbook).

    Exact where it says yes: every entry but the core properties is the same bytes at the same
    place (those properties come last), the same central directory entries, and the core
    properties the same text once their two dates are taken out.  Anything unreadable: no."""
    try:
        with zipfile.ZipFile(io.BytesIO(old)) as a, zipfile.ZipFile(io.BytesIO(new)) as b:
            ia, ib = a.infolist(), b.infolist()
            if not ib or ib[-1].filename != CORE or [i.filename for i in ia] != [i.filename for i in ib]:
                return False
            end = ib[-1].header_offset
            if any(i.header_offset >= end for i in ib[:-1]) or ia[-1].header_offset != end or old[:end] != new[:end]:
                return False
            # Nothing after the core properties but the central directory, of the same length.
            if len(old) - a.start_dir != len(new) - b.start_dir or any(
                    z.start_dir != i.header_offset + 30 + len(i.orig_filename.encode()) + len(i.extra) + i.compress_size
                    for z, i in ((a, ia[-1]), (b, ib[-1]))):
                return False
            if [(i.header_offset, i.compress_size, i.file_size, i.CRC) for i in ia[:-1]] != \
                    [(i.header_offset, i.compress_size, i.file_size, i.CRC) for i in ib[:-1]]:
                return False
            return _CORE_DATES.sub(b"", a.read(CORE)) == _CORE_DATES.sub(b"", b.read(CORE))
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError, RuntimeError, NotImplementedError):
        return False
