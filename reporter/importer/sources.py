"""Where documents come from: files and folders, bytes checked before anything parses them.

- .docx: the zip is checked by the workbook reader's own checks
  (:mod:`reporter.reader.package`: entry count, declared and real
  uncompressed size, compression ratio, XML entity declarations), then only
  the parts the text needs are inflated.
- .txt / .md: the encoding detected (BOM, UTF-8, else charset-normalizer
  among UTF-16/32, GB18030 — a superset of GBK — and Big5).
- .doc / .wps / .rtf / .odt: converted to .docx by LibreOffice through the
  project's runner (:func:`reporter.pdf.convert_files`: private profile,
  timeout, process group killed), after the same raw checks.

A file that cannot be read is :class:`Unreadable`, carrying its finding.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from ..config import Config
from ..errors import UsageError, os_reason
from ..reader.package import (_ENCRYPTED_STREAM, MB, OLE_MAGIC, Refused, _inflate, _no_entities, _zip_entries,
                              too_large)
from ..text import strip_numbering
from .document import PLAIN, Paragraph, docx_paragraphs
from .recognise import Note, note

DOCX_SUFFIXES = (".docx",)
TEXT_SUFFIXES = (".txt", ".md")
CONVERT_SUFFIXES = (".doc", ".wps", ".rtf", ".odt")
SUFFIXES = DOCX_SUFFIXES + TEXT_SUFFIXES + CONVERT_SUFFIXES
LIBREOFFICE_PACKAGE = "libreoffice-writer-nogui"
DOCX_PARTS = ("word/document.xml", "word/styles.xml", "word/numbering.xml")
_ENCODINGS = ["utf_8", "gb18030", "big5", "utf_16_le", "utf_16_be", "utf_32_le", "utf_32_be"]
_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
         (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
_REFUSAL = {"E105": "bomb", "E106": "bomb", "E107": "entities"}
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f]")


class Unreadable(Exception):
    """The file gives no paragraphs; carries the finding."""

    def __init__(self, finding: Note):
        self.note = finding


def _fail(variant: str, code: str = "I710", **fields) -> Unreadable:
    return Unreadable(note(code, variant=variant, **fields))


def find_sources(paths: list[Path]) -> tuple[list[Path], list[Path]]:
    """The documents named or found (recursively) in folders, and the other files found in folders."""
    found: list[Path] = []
    ignored: list[Path] = []
    for path in paths:
        if path.is_dir():
            for file in sorted(p for p in path.rglob("*") if p.is_file() or p.is_symlink()):
                rel = file.relative_to(path).parts
                if any(part.startswith((".", "~$")) for part in rel):
                    continue
                (found if file.suffix.lower() in SUFFIXES else ignored).append(file)
        elif path.exists() or path.is_symlink():
            found.append(path)
        else:
            raise UsageError(f"找不到要导入的文件或文件夹：{path}")
    return found, ignored


def read_bytes(path: Path, config: Config) -> bytes:
    """The file's bytes within the size limit."""
    try:
        size = path.stat().st_size
        large = too_large(size, config)
        if large is not None:
            raise _fail("large", size_mb=size / MB, limit_mb=config.limits.max_file_mb)
        data = path.read_bytes()
    except OSError as exc:
        raise _fail("read", "I714", reason=os_reason(exc)) from None
    if not data:
        raise _fail("empty")
    return data


def kind_of(data: bytes, suffix: str, config: Config) -> str:
    """"docx" (read directly), "convert" (LibreOffice first) or "text"; Unreadable otherwise."""
    if suffix in TEXT_SUFFIXES:
        return "text"
    if suffix not in SUFFIXES:
        raise _fail("", "I712", suffix=suffix or "无扩展名")
    if data.startswith(OLE_MAGIC):
        if _ENCRYPTED_STREAM in data:
            raise _fail("encrypted")
        return "convert"
    if data.startswith(b"{\\rtf"):
        return "convert"
    if data.startswith(b"PK"):
        names = {i.filename for i in _checked_zip(data, config)}
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            raise _fail("workbook")
        if "content.xml" in names and suffix == ".odt":
            return "convert"
    raise _fail("unknown", suffix=suffix)


def _checked_zip(data: bytes, config: Config):
    try:
        return _zip_entries(data, config)
    except Refused as refused:
        raise _fail(_REFUSAL.get(refused.message.code, "damaged")) from None


def docx_parts(data: bytes, config: Config) -> dict[str, bytes]:
    """The parts the text needs, inflated within the limits and free of entity declarations."""
    infos = {i.filename: i for i in _checked_zip(data, config)}
    budget = int(config.limits.max_uncompressed_mb * MB)
    parts: dict[str, bytes] = {}
    try:
        for name in DOCX_PARTS:
            if name in infos and not infos[name].is_dir():
                blob = _inflate(data, infos[name], budget)
                budget -= len(blob)
                _no_entities(name, blob)
                parts[name] = blob
    except Refused as refused:
        raise _fail(_REFUSAL.get(refused.message.code, "damaged")) from None
    if "word/document.xml" not in parts:
        raise _fail("unknown", suffix=".docx")
    return parts


def read_docx(data: bytes, config: Config) -> list[Paragraph]:
    try:
        return docx_paragraphs(docx_parts(data, config))
    except ValueError:  # not well-formed XML
        raise _fail("damaged") from None


# ------------------------------------------------------------------ text


def decode(data: bytes) -> str:
    """Text from a text file: BOM, else UTF-8, else the detector's choice among Chinese encodings."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                raise _fail("encoding") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        best = from_bytes(data, cp_isolation=_ENCODINGS).best()
        if best is None:
            raise _fail("binary" if b"\x00" in data or _CONTROL.search(data.decode("latin-1")) else "encoding") from None
        text = str(best)
    if "\x00" in text or len(_CONTROL.findall(text)) > max(2, len(text) // 200):
        raise _fail("binary")
    return text


def text_paragraphs(text: str, markdown: bool = False) -> list[Paragraph]:
    """One paragraph per line (.txt); Markdown's blocks, headings and **bold** lead-ins (.md)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not markdown:
        return [Paragraph(line, ((line, PLAIN),)) for line in lines]
    return _markdown(lines)


_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_MD_BULLET = re.compile(r"^\s*[-*+]\s+")
_MD_QUOTE = re.compile(r"^\s*>\s?")
_MD_BOLD = re.compile(r"^\s*(\*\*|__)(.+?)\1")


def _md_paragraph(line: str, style: str = "") -> Paragraph:
    label = ""
    if _MD_BULLET.match(line):
        line, label = _MD_BULLET.sub("", line), "•"
    runs: list = []
    m = _MD_BOLD.match(line)
    if m and m.end() < len(line.rstrip()):
        runs.append((m.group(2), ("md", True)))
        line = line[m.end():]
    rest = line.replace("**", "")
    runs.append((rest, PLAIN))
    return Paragraph("".join(t for t, _ in runs), tuple(runs), label, 0 if label else None, style)


def _markdown(lines: list[str]) -> list[Paragraph]:
    out: list[Paragraph] = []
    block: list[str] = []

    def flush():
        if block:
            out.append(_md_paragraph("\n".join(block)))
            block.clear()

    for raw in lines:
        line = _MD_QUOTE.sub("", raw)
        heading = _MD_HEADING.match(line)
        if heading:
            flush()
            level = len(heading.group(1))
            out.append(_md_paragraph(heading.group(2), "title" if level == 1 and not out else f"heading {level}"))
        elif not line.strip():
            flush()
        else:
            stripped = line.strip()
            if _MD_BULLET.match(line) or strip_numbering(stripped) != stripped:
                flush()
            block.append(line)
    flush()
    return out


# ------------------------------------------------------------------ LibreOffice


def convert(paths: list[Path], config: Config) -> tuple[dict[Path, bytes], dict[Path, Note]]:
    """.doc / .wps / .rtf / .odt (or a file of another format under such a name) → .docx bytes, one LibreOffice start."""
    from ..pdf import convert_files, find_soffice

    if not paths:
        return {}, {}
    if find_soffice() is None:
        return {}, {p: note("I711", variant="missing", suffix=p.suffix.lower(), package=LIBREOFFICE_PACKAGE)
                    for p in paths}
    with tempfile.TemporaryDirectory(prefix="reporter-import-") as work:
        targets = {p: Path(work) / f"{i:06d}.docx" for i, p in enumerate(paths)}
        outcome = convert_files(targets, timeout=config.pdf.timeout, fmt="docx")
        done, failed = {}, {}
        for path, target in targets.items():
            if path in outcome.failed or not target.is_file():
                reason = outcome.failed.get(path, "").split("：", 1)[-1].rstrip("。") or "没有生成文档"
                failed[path] = note("I711", variant="failed", suffix=path.suffix.lower(), reason=reason)
            else:
                done[path] = target.read_bytes()
    return done, failed
