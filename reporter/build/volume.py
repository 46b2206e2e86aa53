"""The bound volume of `reporter build` (汇编, DESIGN §10): ``summary/汇编.docx``
on every build, ``summary/汇编.pdf`` with ``--pdf``.

Made again only when what it is made from changed: each branch in the
volume's order (支部名称, the workbook's sha256), the page counts used (the
branch PDFs' stat keys), ``volume_title_template``, the cover's date
(``--as-of``), the configuration's fingerprint and the tool version.  The
key and the files' stats are kept in ``OUTPUT_DIR/.reporter-volume.json``:
the files it lists are ours (removed only when they are stale); a file of
the same name that the state does not list is never touched.

Order: roster order when a roster is given (branches not handed in, failed
ones and second copies skipped; branches outside the roster after them, as
in 总览), otherwise 总览's order.  Trouble (LibreOffice, the disk) is a run
error (exit status 3), never a branch's finding.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__
from ..errors import os_reason
from ..fsutil import atomic_write
from ..text import clean
from .intake import stat_key
from .outputs import unlink
from .record import Record
from .state import pdf_name

if TYPE_CHECKING:
    from .engine import Build

VOLUME_DOCX = "summary/汇编.docx"
VOLUME_PDF = "summary/汇编.pdf"
VOLUME_STATE_NAME = ".reporter-volume.json"


def volume_records(run: Build) -> list[Record]:
    """The branches of the volume, in its order."""
    recs = [r for r in run.records if r.document and r.version is not None and r.duplicate_of is None
            and r.summary_status(run.o.strict) != "failed"]
    if run.roster is not None:
        names = list(dict.fromkeys(n for n in (clean(x) for x in run.roster) if n))
        position = {n: i for i, n in enumerate(names)}
        recs.sort(key=lambda r: position.get(clean(r.name or ""), len(names)))  # stable: 总览's order within
    return recs


def _pdf_of(run: Build, rec: Record) -> Path | None:
    return run.out / pdf_name(rec.document) if rec.pdf_fresh else None


def volume_key(run: Build, recs: list[Record]) -> str:
    digest = hashlib.sha256(repr((run.fingerprint, __version__, run.config.volume_title_template,
                                  run.as_of.isoformat())).encode())
    for rec in recs:
        pdf = _pdf_of(run, rec)
        row = (rec.name, rec.sha256, stat_key(pdf) if pdf is not None else None)
        digest.update(repr(row).encode("utf-8", "replace"))
    return digest.hexdigest()


def make_volume(run: Build) -> dict[str, str]:
    """汇编.docx (and .pdf), made again when needed: the entries for run-report.json's "summary"."""
    recs = volume_records(run)
    key = volume_key(run, recs)
    old = _load(run)
    docx_stat = _stat(run, VOLUME_DOCX)
    docx_fresh = not run.o.force and old.get("key") == key and docx_stat is not None and old.get("docx_stat") == docx_stat
    pdf_stat = old.get("pdf_stat") if docx_fresh else None
    if pdf_stat is not None and pdf_stat != _stat(run, VOLUME_PDF):
        pdf_stat = None  # changed by someone else: no longer ours to keep or remove
    need_pdf = run.o.pdf and pdf_stat is None
    if need_pdf and run.pdf_given_up:
        run.log.warning("汇编的 PDF 本次未生成（已放弃 PDF 转换）。")
        need_pdf = False
    new = {"key": key, "docx_stat": docx_stat, "pdf_stat": pdf_stat} if docx_fresh else {}
    if not docx_fresh or need_pdf:
        made = _write(run, recs, need_pdf)
        if made is not None:
            new = {"key": key, "docx_stat": _stat(run, VOLUME_DOCX),
                   "pdf_stat": _stat(run, VOLUME_PDF) if made else None}
    if new.get("pdf_stat") is None and old.get("pdf_stat") is not None and old["pdf_stat"] == _stat(run, VOLUME_PDF):
        unlink(run, VOLUME_PDF)  # ours and stale: made from an older volume
    _save(run, old, new)
    summary = {"volume": VOLUME_DOCX} if new else {}
    if new and run.o.pdf and new.get("pdf_stat") is not None:
        summary["volume_pdf"] = VOLUME_PDF
    return summary


def _write(run: Build, recs: list[Record], want_pdf: bool) -> bool | None:
    """Write the files: True with a PDF, False without one, None when the .docx failed."""
    from ..volume import page_counts, write_volume

    try:
        branches = StoredBranches(run.store, [r.version for r in recs])
        pdfs = {r.name: p for r in recs if (p := _pdf_of(run, r)) is not None and r.name}
        parent, theme = _most_common_info(run.store.infos(branches.versions))
        (run.out / "summary").mkdir(parents=True, exist_ok=True)
        result = write_volume(branches, run.config, run.out / VOLUME_DOCX,
                              run.out / VOLUME_PDF if want_pdf else None, parent=parent, theme=theme,
                              date=run.as_of, page_counts=page_counts(pdfs))
    except Exception as exc:  # noqa: BLE001 - the documents are done: the run's problem, not a branch's
        if isinstance(exc, OSError):
            why = f" {VOLUME_DOCX} 未能写出：{os_reason(exc)}。解决后重新运行即可"
        else:
            import traceback  # only when something failed

            run.log.traceback("汇编", traceback.format_exc())
            why = f"生成时程序内部出错（{type(exc).__name__}）"
        text = f"汇编{why}，各支部材料不受影响。"
        run.log.error(text)
        run.run_error("summary", text)
        return None
    for line in result.details:
        run.log.warning(line)
    if want_pdf and not result.pdf:
        text = f"汇编的 PDF 未能生成：{result.reason}（{VOLUME_DOCX} 已生成，不受影响）"
        run.log.error(text)
        run.run_error("pdf", text, file=VOLUME_PDF)
    if not result.layout.exact:
        run.log.info("汇编目录的页码按版面推算（没有各支部的 PDF）；在 Word 中打开时会提示更新目录。")
    return result.pdf


class StoredBranches:
    """The volume's branches, read back from the store one at a time on each pass (memory
    holds one Branch, never the volume)."""

    def __init__(self, store, versions: list[int]) -> None:
        self.store, self.versions = store, versions

    def __iter__(self):
        return (self.store.branch(v) for v in self.versions)


def _most_common_info(infos) -> tuple[str | None, str | None]:
    """The 上级党组织 and 会议主题 most branches wrote (the cover's), from their 基本信息."""
    parents, themes = Counter(), Counter()
    for info in infos:
        parents[info.parent] += 1
        themes[info.theme] += 1
    return tuple(next((v for v, _ in c.most_common() if v), None) for c in (parents, themes))


def _stat(run: Build, rel: str) -> list[int] | None:
    key = stat_key(run.out / rel)
    return list(key) if key else None


def _load(run: Build) -> dict:
    try:
        state = json.loads((run.out / VOLUME_STATE_NAME).read_bytes())
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def _save(run: Build, old: dict, new: dict) -> None:
    if new != old:
        atomic_write(run.out / VOLUME_STATE_NAME, json.dumps(new, ensure_ascii=False).encode())
