"""A PDF's pages and named destinations, and bookmarks written into it.

Enough of PDF (ISO 32000-1) for what LibreOffice writes: a classic cross-
reference table (§7.5.4, with ``/Prev`` for updates), the page tree
(§7.7.3) and the catalog's ``/Dests`` (§12.3.2.3).  Bookmarks (the
document outline, §12.3.3) are added by an incremental update (§7.5.6):
new objects, a new catalog and a new cross-reference section appended to
the file, nothing before them rewritten.  A PDF this cannot read (object
or cross-reference streams, encryption) raises :class:`UnreadablePdf`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")
_SUBSECTION = re.compile(rb"\s*(\d+)\s+(\d+)\s*[\r\n]+")
_ENTRY = re.compile(rb"(\d{10}) (\d{5}) ([nf])")
_REF = re.compile(rb"(\d+)\s+(\d+)\s+R")
_DEST = re.compile(rb"/([^\s/\[(<]+)\s*\[\s*(\d+)\s+\d+\s+R")


class UnreadablePdf(ValueError):
    """The PDF is not in the form this module reads."""


class Pdf:
    """A parsed PDF: its objects' offsets, trailer and pages (object numbers, in order)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        found = _STARTXREF.search(data[-2048:])
        if not found:
            raise UnreadablePdf("no startxref")
        self.startxref = int(found.group(1))
        self.offsets: dict[int, int] = {}
        self.trailer = b""
        at: int | None = self.startxref
        seen = set()
        while at is not None and at not in seen:
            seen.add(at)
            trailer = self._read_xref(at)
            self.trailer = self.trailer or trailer
            prev = re.search(rb"/Prev\s+(\d+)", trailer)
            at = int(prev.group(1)) if prev else None
        if b"/Encrypt" in self.trailer:
            raise UnreadablePdf("encrypted")
        self.root = self._ref(self.trailer, b"Root")
        self.pages = self._pages(self._ref(self.object(self.root), b"Pages"), 0)

    def _read_xref(self, at: int) -> bytes:
        if not self.data.startswith(b"xref", at):
            raise UnreadablePdf("cross-reference stream")
        at += 4
        while (sub := _SUBSECTION.match(self.data, at)) is not None:
            first, count = int(sub.group(1)), int(sub.group(2))
            at = sub.end()
            for n in range(first, first + count):
                entry = _ENTRY.match(self.data, at)
                if entry is None:
                    raise UnreadablePdf("bad cross-reference entry")
                if entry.group(3) == b"n":
                    self.offsets.setdefault(n, int(entry.group(1)))
                at = entry.end() + 2
        start = self.data.find(b"trailer", at)
        return self.data[start:self.data.find(b"startxref", start)]

    def object(self, number: int) -> bytes:
        """An object's text between ``obj`` and ``endobj`` (streams included)."""
        if number not in self.offsets:
            raise UnreadablePdf(f"object {number} missing")
        at = self.offsets[number]
        head = re.match(rb"\s*\d+\s+\d+\s+obj", self.data[at:at + 40])
        if head is None:
            raise UnreadablePdf(f"object {number} in an object stream")
        return self.data[at + head.end():self.data.find(b"endobj", at)]

    @staticmethod
    def _ref(text: bytes, key: bytes) -> int:
        found = re.search(rb"/" + key + rb"\s+(\d+)\s+\d+\s+R", text)
        if found is None:
            raise UnreadablePdf(f"no /{key.decode()}")
        return int(found.group(1))

    def _pages(self, number: int, depth: int) -> list[int]:
        if depth > 32:
            raise UnreadablePdf("page tree too deep")
        text = self.object(number)
        if not re.search(rb"/Type\s*/Pages\b", text):
            return [number]
        kids = re.search(rb"/Kids\s*\[([^\]]*)\]", text)
        if kids is None:
            raise UnreadablePdf("pages without kids")
        return [p for kid in _REF.finditer(kids.group(1)) for p in self._pages(int(kid.group(1)), depth + 1)]

    def destinations(self) -> dict[str, int]:
        """The catalog's named destinations (``/Dests``): name → 1-based page number."""
        catalog = self.object(self.root)
        if not re.search(rb"/Dests\s+\d+\s+\d+\s+R", catalog):
            return {}
        index = {obj: n for n, obj in enumerate(self.pages, 1)}
        text = self.object(self._ref(catalog, b"Dests"))
        return {m.group(1).decode("latin-1"): index[int(m.group(2))] for m in _DEST.finditer(text)
                if int(m.group(2)) in index}


def page_count(data: bytes) -> int:
    return len(Pdf(data).pages)


def _title(text: str) -> bytes:
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode() + b">"


def with_bookmarks(data: bytes, marks: Sequence[tuple[str, int]]) -> bytes:
    """``data`` with its bookmarks replaced by ``marks``: (title, 1-based page), in order, one level."""
    pdf = Pdf(data)
    size = int(re.search(rb"/Size\s+(\d+)", pdf.trailer).group(1))
    outline, first = size, size + 1
    objects: dict[int, bytes] = {}
    items = [(t, pdf.pages[min(max(p, 1), len(pdf.pages)) - 1]) for t, p in marks]
    for n, (title, page) in enumerate(items):
        links = (b" /Prev %d 0 R" % (first + n - 1) if n else b"") + (
            b" /Next %d 0 R" % (first + n + 1) if n < len(items) - 1 else b"")
        objects[first + n] = (b"<</Title " + _title(title) + b" /Parent %d 0 R%s /Dest [%d 0 R /XYZ null null null]>>"
                              % (outline, links, page))
    ends = b" /First %d 0 R /Last %d 0 R" % (first, first + len(items) - 1) if items else b""
    objects[outline] = b"<</Type /Outlines%s /Count %d>>" % (ends, len(items))
    catalog = re.sub(rb"/(?:Outlines\s+\d+\s+\d+\s+R|PageMode\s*/\w+)", b"", pdf.object(pdf.root)).strip()
    objects[pdf.root] = b"<</Outlines %d 0 R /PageMode /UseOutlines " % outline + catalog.removeprefix(b"<<")
    return _append(data, pdf, objects, size + len(items) + 1)


def _append(data: bytes, pdf: Pdf, objects: dict[int, bytes], size: int) -> bytes:
    """The incremental update: ``objects`` (number → dictionary) and their cross-reference section."""
    out = bytearray(data if data.endswith(b"\n") else data + b"\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, objects[number])
    xref = len(out)
    out += b"xref\n0 1\n0000000000 65535 f\r\n"
    numbers = sorted(offsets)
    runs: list[list[int]] = []
    for n in numbers:
        if runs and runs[-1][-1] == n - 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    for run in runs:
        out += b"%d %d\n" % (run[0], len(run)) + b"".join(b"%010d 00000 n\r\n" % offsets[n] for n in run)
    keep = b"".join(m.group(0) for m in re.finditer(rb"/(?:Info\s+\d+\s+\d+\s+R|ID\s*\[[^\]]*\])", pdf.trailer))
    out += b"trailer\n<</Size %d /Root %d 0 R %s /Prev %d>>\nstartxref\n%d\n%%%%EOF\n" % (
        size, pdf.root, keep, pdf.startxref, xref)
    return bytes(out)
