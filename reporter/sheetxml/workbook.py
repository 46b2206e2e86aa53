"""The .xlsx package: declared worksheets, document properties, ``workbook.xml``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import IO

from ..ooxml import (CT_APP, CT_CORE, CT_RELS, DECL, PKG_RELS_NS, Package, app_properties, content_types,
                     core_properties, relationships)
from ..text import xml_safe
from .cells import MAIN_NS, REL_NS, attr
from .sheet import Sheet
from .styles import Style, Styles

COMPRESS_LEVEL = 3  # zlib: a third of level 6's time for 15 % more bytes (1: 30 % more)

_CT = "application/vnd.openxmlformats-officedocument"
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True, slots=True)
class Properties:
    """docProps/core.xml: title, author (dc:creator), comments (dc:description);
    ``created`` defaults to now (a naive datetime is taken as UTC)."""

    title: str = ""
    author: str = ""
    comments: str = ""
    created: datetime | None = None


class Workbook:
    """An .xlsx package written in one pass into memory (:meth:`close` returns its bytes) or,
    with ``out``, straight into that binary file (a 100,000-branch summary never in memory).

    ``sheet_names``: every worksheet, in order; each is then started with
    :meth:`add_sheet` (which finishes the one before)."""

    def __init__(self, sheet_names: Sequence[str], properties: Properties | None = None, font: str = "Calibri",
                 font_size: float = 11, out: IO[bytes] | None = None):
        taken: set[str] = set()
        for name in sheet_names:
            _check_sheet_name(name, taken)
            taken.add(name.casefold())
        if not taken:
            raise ValueError("a workbook needs at least one worksheet")
        self.names = list(sheet_names)
        self.properties = properties or Properties()
        self.sheets: list[Sheet] = []  # added so far
        self._styles = Styles(font, font_size)
        self._package = Package(COMPRESS_LEVEL, out=out)
        self._zip: Package | None = self._package  # None once closed
        self._put("[Content_Types].xml", self._content_types())
        self._put("_rels/.rels", _rels([("officeDocument", "xl/workbook.xml", REL_NS),
                                        ("metadata/core-properties", "docProps/core.xml", PKG_RELS_NS),
                                        ("extended-properties", "docProps/app.xml", REL_NS)]))
        self._put("docProps/app.xml", self._app())
        self._put("docProps/core.xml", self._core())
        self._put("xl/_rels/workbook.xml.rels", _rels([("worksheet", f"worksheets/sheet{i}.xml", REL_NS)
                                                       for i in range(1, len(self.names) + 1)]
                                                      + [("styles", "styles.xml", REL_NS)]))

    def style(self, style: Style) -> int:
        """The cellXfs index of ``style`` (registered on first use; 0 = default)."""
        return self._styles.add(style)

    def add_sheet(self, name: str, widths: Sequence[float | None] = (), *, freeze_rows: int = 0,
                  print_title_rows: int = 0, paper: int = 9, landscape: bool = False,
                  fit_width: bool = False) -> Sheet:
        """Start the next declared worksheet; the previous one is finished (no more rows).

        ``widths``: characters per column (None: default); ``freeze_rows``:
        top rows kept in view when scrolling; ``print_title_rows``: top rows
        printed on every page; ``paper``: paper size code (9 = A4);
        ``fit_width``: print all columns on one page width.
        """
        if self._zip is None:
            raise ValueError("the workbook is closed")
        i = len(self.sheets)
        expected = self.names[i] if i < len(self.names) else None
        if name != expected:
            raise ValueError(f"worksheets are added in the declared order: expected {expected!r}, not {name!r}")
        if self.sheets:
            self.sheets[-1].finish()
        out = self._zip.open(f"xl/worksheets/sheet{i + 1}.xml")
        sheet = Sheet(self._styles, i, name, out, widths, freeze_rows, print_title_rows, paper, landscape, fit_width)
        self.sheets.append(sheet)
        return sheet

    def close(self) -> bytes:
        """Finish the last worksheet and the package; the .xlsx file's bytes (b"" when written to ``out``)."""
        if self._zip is None:
            raise ValueError("the workbook is closed")
        if len(self.sheets) < len(self.names):
            raise ValueError(f"declared worksheets not added: {self.names[len(self.sheets):]}")
        self.sheets[-1].finish()
        self._put("xl/workbook.xml", self._workbook())
        self._put("xl/styles.xml", self._styles.xml())
        self._zip = None
        return self._package.close()

    def _put(self, name: str, xml: str | bytes) -> None:
        self._package.put(name, xml)

    # -- package parts
    def _content_types(self) -> bytes:
        overrides = {
            "/docProps/app.xml": CT_APP,
            "/docProps/core.xml": CT_CORE,
            "/xl/styles.xml": f"{_CT}.spreadsheetml.styles+xml",
            "/xl/workbook.xml": f"{_CT}.spreadsheetml.sheet.main+xml",
            **{f"/xl/worksheets/sheet{i}.xml": f"{_CT}.spreadsheetml.worksheet+xml"
               for i in range(1, len(self.names) + 1)},
        }
        return content_types({"rels": CT_RELS, "xml": "application/xml"}, overrides)

    def _workbook(self) -> str:
        parts = [DECL, f'<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">',
                 '<workbookPr/><bookViews><workbookView xWindow="240" yWindow="15" windowWidth="16095"'
                 ' windowHeight="9660"/></bookViews><sheets>']
        parts += [f'<sheet name="{attr(s.name)}" sheetId="{s.index + 1}" r:id="rId{s.index + 1}"/>'
                  for s in self.sheets]
        parts.append("</sheets>")
        names = _defined_names(self.sheets)
        if names:
            parts.append("<definedNames>")
            for name, i, ref, hidden in names:
                flag = ' hidden="1"' if hidden else ""
                parts.append(f'<definedName name="{name}" localSheetId="{i}"{flag}>{attr(ref)}</definedName>')
            parts.append("</definedNames>")
        parts.append("</workbook>")
        return "".join(parts)

    def _core(self) -> bytes:
        p = self.properties
        author = p.author or None
        return core_properties(p.created or datetime.now(timezone.utc), title=p.title or None, author=author,
                               description=p.comments or None, last_modified_by=author)

    def _app(self) -> bytes:
        n = len(self.names)
        return app_properties("Microsoft Excel", "".join([
            "<ScaleCrop>false</ScaleCrop>",
            '<HeadingPairs><vt:vector size="2" baseType="variant"><vt:variant><vt:lpstr>Worksheets</vt:lpstr>'
            f"</vt:variant><vt:variant><vt:i4>{n}</vt:i4></vt:variant></vt:vector></HeadingPairs>",
            f'<TitlesOfParts><vt:vector size="{n}" baseType="lpstr">',
            *(f"<vt:lpstr>{attr(name)}</vt:lpstr>" for name in self.names),
            "</vt:vector></TitlesOfParts><LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc>"
            "<HyperlinksChanged>false</HyperlinksChanged><AppVersion>12.0000</AppVersion>"]))


def _defined_names(sheets: Sequence[Sheet]) -> list[tuple[str, int, str, bool]]:
    """(name, sheet index, reference, hidden) of the auto-filters and print titles, in Excel's order."""
    names: list[tuple[str, int, str, bool]] = []
    for s in sheets:
        if s.filter_ref:
            a, b = s.filter_ref.split(":")
            absolute = "$" + re.sub(r"(\d+)", r"$\1", a) + ":$" + re.sub(r"(\d+)", r"$\1", b)
            names.append(("_xlnm._FilterDatabase", s.index, f"{_quoted(s.name)}!{absolute}", True))
        if s.print_title_rows:
            names.append(("_xlnm.Print_Titles", s.index, f"{_quoted(s.name)}!$1:${s.print_title_rows}", False))
    names.sort(key=lambda n: (n[0].lower(), n[1]))  # Excel's order: _FilterDatabase, Print_Titles
    return names


def _check_sheet_name(name: str, taken: set[str]) -> None:
    if not name or len(name) > 31 or _BAD_SHEET_CHARS.search(name) or name[0] == "'" or name[-1] == "'":
        raise ValueError(f"invalid worksheet name: {name!r}")
    if name.casefold() == "history":  # reserved by Excel
        raise ValueError(f"invalid worksheet name: {name!r}")
    if name.casefold() in taken:
        raise ValueError(f"duplicate worksheet name: {name!r}")
    if name != xml_safe(name):
        raise ValueError(f"worksheet name holds characters XML cannot: {name!r}")


def _quoted(name: str) -> str:
    """A sheet name as formulas and defined names write it: 'It''s'."""
    return "'" + name.replace("'", "''") + "'"


def _rels(targets: list[tuple[str, str, str]]) -> bytes:
    """A relationships part; ``targets``: (type suffix, target, type namespace)."""
    return relationships((f"rId{i}", f"{ns}/{kind}", target) for i, (kind, target, ns) in enumerate(targets, 1))
