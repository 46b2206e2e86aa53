"""`reporter import`: documents in, standard workbooks out (DESIGN.md §11).

:func:`run_import` returns an :class:`ImportResult`; only the CLI prints it.
One file that cannot be read never stops the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..config import Config
from ..errors import UsageError, os_reason
from ..fsutil import atomic_write, safe_name
from ..labels import NO_PLACE, STATUS, shown_path, tally
from ..model import Status, status_of
from ..text import clean
from .document import Paragraph
from .recognise import Note, Recognised, note, recognise
from .sources import (CONVERT_SUFFIXES, Unreadable, convert, decode, find_sources, kind_of, read_bytes, read_docx,
                      text_paragraphs)
from .write import workbook


@dataclass(frozen=True, slots=True)
class Imported:
    """One document's outcome."""

    source: str  # the path as shown
    status: Status
    notes: tuple[Note, ...] = ()
    workbook: Path | None = None
    branch: str | None = None
    counts: dict[str, int] = field(default_factory=lambda: {"problems": 0, "causes": 0, "measures": 0})

    def to_json(self) -> dict:
        return {"source": self.source, "status": self.status,
                "workbook": str(self.workbook) if self.workbook else None, "branch": self.branch,
                "counts": self.counts,
                "messages": [{"level": n.message.level, "code": n.message.code, "paragraph": n.paragraph,
                              "message": n.message.message} for n in self.notes]}


@dataclass(slots=True)
class ImportResult:
    output_dir: Path
    documents: list[Imported] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, int]:
        totals = {"documents": len(self.documents), "ok": 0, "warning": 0, "failed": 0}
        for doc in self.documents:
            totals[doc.status] += 1
        return totals

    @property
    def exit_code(self) -> int:
        return 1 if any(d.status == "failed" for d in self.documents) else 0

    def to_json(self) -> dict:
        """What `reporter import --json` prints."""
        return {"tool_version": __version__, "output_dir": str(self.output_dir), "totals": self.totals,
                "documents": [d.to_json() for d in self.documents], "ignored": self.ignored}

    def lines(self) -> list[str]:
        """The summary on screen: file → workbook, counts, findings, totals."""
        out = []
        for doc in self.documents:
            head = f"[{STATUS[doc.status]}] {doc.source}"
            if doc.workbook:
                c = doc.counts
                head += (f" → {shown_path(doc.workbook)}（{doc.branch}；问题 {c['problems']} 条，"
                         f"原因 {c['causes']} 条，措施 {c['measures']} 条）")
            out.append(head)
            out += [f"    {'第 %d 段' % n.paragraph if n.paragraph else NO_PLACE}  {n.message.code}  {n.message.message}"
                    for n in doc.notes]
        written = sum(1 for d in self.documents if d.workbook)
        line = f"共 {len(self.documents)} 个文档：{tally(self.totals)}；已生成 {written} 个工作簿"
        line += f"，保存在 {shown_path(self.output_dir)}" if written else ""
        if self.ignored:
            line += f"；另有 {len(self.ignored)} 个不能导入的文件已忽略"
        return out + [line + "。"]


def paragraphs_of(data: bytes, suffix: str, config: Config) -> list[Paragraph]:
    """A .docx / .txt / .md file's paragraphs (Unreadable when it is none of them)."""
    kind = kind_of(data, suffix, config)
    if kind == "docx":
        paragraphs = read_docx(data, config)
    elif kind == "text":
        paragraphs = text_paragraphs(decode(data), markdown=suffix == ".md")
    else:
        raise Unreadable(note("I710", variant="unknown", suffix=suffix))
    if not any(clean(p.text) or p.label for p in paragraphs):
        raise Unreadable(note("I710", variant="no_text"))
    return paragraphs


def import_bytes(data: bytes, filename: str, config: Config) -> Recognised:
    """The fields of one .docx / .txt / .md document (pure); Unreadable for a file that is not one."""
    return recognise(paragraphs_of(data, Path(filename).suffix.lower(), config))


class _Run:
    def __init__(self, out_dir: Path, config: Config, force: bool):
        self.out_dir, self.config, self.force = out_dir, config, force
        self.used: dict[str, str] = {}  # file name (casefolded) → the source that took it

    def document(self, path: Path, data: bytes | Note) -> Imported:
        shown = shown_path(path)
        try:
            if isinstance(data, Note):
                raise Unreadable(data)
            suffix = ".docx" if path.suffix.lower() in CONVERT_SUFFIXES else path.suffix.lower()  # converted
            recognised = recognise(paragraphs_of(data, suffix, self.config))
        except Unreadable as bad:
            return Imported(shown, "failed", (bad.note,))
        notes = list(recognised.notes)
        if not recognised.sections:
            return Imported(shown, "failed", tuple(notes))
        name = recognised.name
        if not name:
            name = clean(path.stem) or path.stem
            notes.insert(0, note("I705", name=name))
        target, clash = self._target(name, shown)
        if clash:
            notes.append(note("I715", other=clash, name=name, path=shown_path(target)))
        written = self._write(target, recognised, name, notes)
        counts = {key: len(items) for key, items in recognised.items.items()}
        return Imported(shown, status_of(tuple(n.message for n in notes)), tuple(notes), written, name, counts)

    def _target(self, name: str, source: str) -> tuple[Path, str | None]:
        stem, n, clash = safe_name(name), 1, None
        candidate = stem
        while candidate.casefold() in self.used:
            clash = clash or self.used[candidate.casefold()]
            n += 1
            candidate = f"{stem}-{n}"
        self.used[candidate.casefold()] = source
        return self.out_dir / f"{candidate}.xlsx", clash

    def _write(self, target: Path, recognised: Recognised, name: str, notes: list[Note]) -> Path | None:
        if target.exists() and not self.force:
            notes.append(note("I713", path=shown_path(target)))
            return None
        try:
            atomic_write(target, workbook(recognised, name, self.config))
        except OSError as exc:
            notes.append(note("I714", variant="write", path=shown_path(target), reason=os_reason(exc)))
            return None
        return target


def run_import(sources: list[Path], out_dir: Path, config: Config, force: bool = False) -> ImportResult:
    """`reporter import`: one workbook per document in ``out_dir``; UsageError when it cannot start."""
    if not sources:
        raise UsageError("缺少参数“文档”：要导入的文件或文件夹。\n运行 reporter import -h 查看用法。")
    files, ignored = find_sources([Path(s) for s in sources])
    if not files:
        raise UsageError("没有找到可以导入的文档（.docx、.doc、.wps、.rtf、.odt、.txt、.md）。")
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"-o/--output 应为文件夹：{out_dir} 是一个文件。")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"无法创建输出文件夹 {out_dir}：{os_reason(exc)}。") from None
    loaded: dict[Path, bytes | Note] = {}
    pending: list[Path] = []
    for path in files:
        try:
            data = read_bytes(path, config)
            if kind_of(data, path.suffix.lower(), config) == "convert":
                pending.append(path)
            loaded[path] = data
        except Unreadable as bad:
            loaded[path] = bad.note
    converted, failed = convert(pending, config)
    loaded.update(converted)
    loaded.update(failed)
    run = _Run(out_dir, config, force)
    result = ImportResult(out_dir, ignored=[shown_path(p) for p in ignored])
    result.documents = [run.document(path, loaded[path]) for path in files]
    return result
