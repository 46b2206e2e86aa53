"""The documents in OUTPUT_DIR/docs: names, moves into place, and removing
the files of ours no workbook keeps.

Names are safe (:func:`reporter.fsutil.safe_name`), collisions numbered in
source order, never over a file that is not ours.  Only the files the state
records as ours are ever removed; one a person changed since is left alone.
"""

from __future__ import annotations

import os
import zipfile
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from ..discover import Copy, duplicates
from ..errors import ReporterError, os_reason
from ..labels import shown_path as _shown
from ..fsutil import fsync_dir, fsync_files, safe_name, write_temp
from ..message import status_of
from .intake import stat_key
from .record import Record
from .state import DOCS

if TYPE_CHECKING:
    from .engine import Build


def made_by_reporter(path: Path) -> bool:
    """The .docx at ``path`` was written by reporter.docx and not saved since
    by Word or WPS (its docProps/app.xml still names this tool)."""
    try:
        with zipfile.ZipFile(path) as zf:
            app = zf.read("docProps/app.xml")[:4096]
    except (OSError, KeyError, zipfile.BadZipFile, ValueError, RuntimeError):
        return False
    return b"<Application>reporter " in app


def finish_documents(run: Build) -> None:
    """Statuses from all findings, names, the new documents renamed into place,
    stale documents of ours removed."""
    mark_duplicates(run)
    restatus(run)
    live = [r for r in run.records if r.status != "failed" and r.name is not None]
    targets = Names(run).assign(live)
    run.docs.mkdir(parents=True, exist_ok=True)
    moves = _moves(run, live, targets)
    fsync_files([rec.staged for rec in live if rec.staged is not None])
    for temp, final, rec in moves:
        os.replace(temp, os.path.join(run.out_s, final))
        rec.staged = None
    for rec in run.records:  # staged documents of workbooks that failed in the end
        if rec.staged is not None:
            os.unlink(rec.staged)
            rec.staged = None
        if rec.status == "failed":
            rec.document = None
    removed = len(run.removed)
    remove_stale(run, run.owned.docs, {r.document for r in live})
    if moves or len(run.removed) != removed:
        fsync_dir(run.docs)


def _moves(run: Build, live: list[Record], targets: dict[int, str]) -> list[tuple[Path, str, Record]]:
    """(temporary file, final name, record) for each document that must move into place."""
    # A document made again but left in place (already there, see Build._already_there) that
    # another record also holds: its own copy, taken before anything below moves a file.
    held = Counter(rec.document for rec in live if rec.staged is None)
    for rec in live:
        if rec.staged is None and rec.rendered and held[rec.document] > 1:
            rec.staged = os.fspath(write_temp(run.docs, (run.out / rec.document).read_bytes(), ".docx", sync=False))
    moves: list[tuple[Path, str, Record]] = []
    for rec in live:
        stem = targets[id(rec)]
        final = f"{DOCS}/{stem}.docx"
        if "/" in stem or "\\" in stem or stem.startswith(".") or "\0" in stem:  # safe_name's promise
            raise ReporterError(f"内部错误：文件名“{final}”不安全。")  # pragma: no cover
        if rec.staged is not None:
            moves.append((rec.staged, final, rec))
        elif rec.document != final:  # unchanged, but its name moved: park it first
            temp = write_temp(run.docs, b"", ".docx")
            os.replace(run.out / rec.document, temp)
            moves.append((temp, final, rec))
            rec.pdf_fresh = False
        rec.document = final
    return moves


def restatus(run: Build) -> None:
    """Status from all findings (W401, W5xx, --strict); drop documents of failures."""
    for rec in run.records:
        if rec.status == "failed":
            continue
        new = status_of(rec.messages, run.o.strict)
        if new == "failed":
            rec.status = "failed"
        elif rec.status != "unchanged":
            rec.status = new


def mark_duplicates(run: Build) -> None:
    """W401 on every copy of a branch handed in more than once; the summary
    uses the copy saved last (see :func:`reporter.discover.duplicates`)."""
    copies = [Copy(r.shown, r.name, r.stat[1] if r.stat else 0, r.status == "failed") for r in run.records]
    for index, dup in duplicates(copies).items():
        rec = run.records[index]
        if dup.message is not None:
            rec.extra += (dup.message,)
        rec.duplicate_of = dup.used if dup.used != rec.shown else None


class Names:
    """Safe names: a branch keeps its plain name when it can, in source order;
    the rest get "-2", "-3" … (never a name another document already has,
    nor one where a file that is not ours sits)."""

    def __init__(self, run: Build) -> None:
        self.run = run
        self.unowned: dict[str, str] | None = None  # docs/*.docx not in the state: casefolded → name
        self.foreign: dict[str, bool] = {}  # name in docs/ → it is not ours (checked once)

    def assign(self, live: list[Record]) -> dict[int, str]:
        targets: dict[int, str] = {}
        taken: set[str] = set()
        wanted = {id(r): safe_name(r.name) for r in live}
        for rec in live:
            stem = wanted[id(rec)]
            if stem.casefold() not in taken and not self.is_foreign(stem):
                taken.add(stem.casefold())
                targets[id(rec)] = stem
        for rec in live:
            if id(rec) in targets:
                continue
            stem, n = wanted[id(rec)], 2
            while f"{stem}-{n}".casefold() in taken or self.is_foreign(f"{stem}-{n}"):
                n += 1
            taken.add(f"{stem}-{n}".casefold())
            targets[id(rec)] = f"{stem}-{n}"
            if self.is_foreign(stem):
                self.run.log.warning(f"{DOCS}/{_shown(stem)}.docx 不是本工具生成的文件，保持原样；"
                                     f"{rec.shown} 的材料改存为 {DOCS}/{_shown(targets[id(rec)])}.docx。")
        return targets

    def is_foreign(self, stem: str) -> bool:
        """A file that is not ours sits at docs/<stem>.docx (in any letter case)?

        Ours: recorded in the state, or — when the state was lost — written by
        reporter.docx (see :func:`made_by_reporter`)."""
        docs = self.run.docs
        if self.unowned is None:  # one look at docs/ per run
            owned = {rel.casefold() for rel in self.run.owned.docs}
            try:
                names = [e.name for e in os.scandir(docs) if e.name.lower().endswith(".docx")]
            except OSError:
                names = []
            self.unowned = {n.casefold(): n for n in names if f"{DOCS}/{n}".casefold() not in owned}
        name = self.unowned.get(f"{stem}.docx".casefold())
        if name is None:
            return False
        if name not in self.foreign:
            self.foreign[name] = not made_by_reporter(docs / name)
        return self.foreign[name]


def remove_stale(run: Build, owned: dict[str, tuple | None], keep: set[str]) -> None:
    """Remove the files this tool recorded as its own that no current workbook keeps.

    A file a person changed since (its stat differs and it is no longer
    recognisably ours) is left in place; one that cannot be removed now
    is remembered and tried again next run."""
    leftovers = run.owned.leftovers
    leftovers -= keep
    for rel in sorted(set(owned) - keep):
        path = run.out / rel
        key = stat_key(path)
        recorded = owned[rel]
        if key is not None and recorded is not None and tuple(recorded) != key and not (
                rel.endswith(".docx") and made_by_reporter(path)):
            run.log.warning(f"{_shown(rel)} 在上次生成后被修改过，不再视为本工具的文件，保持原样。")
            key = None
        if key is None:
            leftovers.discard(rel)  # already gone (or moved to its new name), or not ours any more
            continue
        try:
            os.unlink(path)
        except FileNotFoundError:
            leftovers.discard(rel)
        except OSError as exc:
            run.log.warning(f"无法删除过时的 {_shown(rel)}：{os_reason(exc)}（下次运行时再试）")
            leftovers.add(rel)
        else:
            leftovers.discard(rel)
            run.removed.append(_shown(rel))


def unlink(run: Build, rel: str) -> None:
    """Remove a file of ours in OUTPUT_DIR (gone already is fine) and say so in the report."""
    try:
        os.unlink(run.out / rel)
        run.removed.append(_shown(rel))
    except FileNotFoundError:
        pass


def relative(run: Build, path: Path) -> str:
    """A path in OUTPUT_DIR as the report shows it."""
    try:
        return _shown(Path(path).relative_to(run.out).as_posix())
    except ValueError:
        return _shown(os.fspath(path))
