"""One run of `reporter build`: discover → map → documents → PDFs → reduce → report.

1. sweep temporary files a killed run left; load the state (:mod:`.state`);
2. discover the workbooks; read each one in this process, hash it and decide:
   unchanged since its last good build → reuse its state entry; else hand
   the bytes to a worker (:mod:`.intake`, :mod:`.pool`);
3. each new document is written at once to a temporary file in ``docs/``,
   so memory holds only the records the summary needs;
4. names, moves into place, stale documents of ours removed (:mod:`.outputs`);
   state saved; PDFs (:mod:`.pdfs`) and the state again;
5. the summary (:mod:`.summarize`) and run-report.json (:mod:`.report`).

Every output goes through :mod:`reporter.fsutil` (temporary file, fsync,
rename), so SIGKILL at any moment leaves old-complete or new-complete files
and the next run repairs the rest.
"""

from __future__ import annotations

import itertools
import os
import time
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__
from ..config import Config
from ..discover import discover
from ..errors import ReporterError, os_reason
from ..labels import shown_path as _shown
from ..fsutil import remove_temp_files, safe_name, write_temp
from ..message import status_of
from ..runlog import Row, RunLog, final_line
from . import chronicle, intake
from .outputs import finish_documents
from .pdfs import make_pdfs
from .record import Record, changed_after_read, same_or, shared_counts, timed_out, worker_died
from .report import REPORT_NAME, config_text, last_report_count, totals, write_report
from .reviewing import reopen, review_step
from .side import Side
from .signals import Interrupted
from .state import DOCS, PDF, Owned, StateEntry, StateStore, pdf_name
from .summarize import SUMMARY, give_back_freed_memory, prepare, summarize
from .volume import make_volume

if TYPE_CHECKING:
    from .pool import Packed, Supervisor


class Build:
    """The state of one run; the steps live in the modules named above."""

    def __init__(self, options, input_dir: Path, output_dir: Path, roster: list[str] | None, log: RunLog,
                 store: StateStore, notes: tuple[str, ...] = ()) -> None:
        self.o = options
        self.config: Config = options.config
        self.as_of: date = options.as_of or date.today()
        self.input_root = input_dir.resolve()
        self.out = output_dir
        self.input_s, self.out_s = os.fspath(self.input_root), os.fspath(output_dir)  # for per-workbook joins
        self.docs = output_dir / DOCS
        self.roster = roster
        self.log = log
        self.store = store
        self.jobs = options.jobs or default_jobs()
        self.fingerprint = self.config.fingerprint()
        self.records: list[Record] = []
        self.ignored: list[str] = []
        self.removed: list[str] = []
        self.timings: dict[str, float] = {}
        self.run_errors: list[dict] = []  # {"kind": "pdf" | "summary", "message": …}: no branch's fault
        self.warnings: list[str] = list(notes)  # run-level warnings (the letterhead's notes)
        self.pdf_given_up = False  # LibreOffice failed or hung as a whole: not called again this run
        self.summary: dict | None = None
        self.changes: dict = chronicle.empty_changes()  # since the previous completed run (DESIGN §8)
        self.trend: list[dict] | None = None  # the trend's points, read once when the summary needs them
        self.review = None  # the committee's review (reporter.review.Review; None with --no-review)
        self.facts = None  # the summary's facts and charts, made while the review runs (summarize.prepare)
        self.owned = Owned()  # the only files this tool ever removes (from the state)
        self.entries = {}  # source → StateEntry of the last good build (the store's, read one at a time)
        self.supervisor: Supervisor | None = None  # the map at work, stopped at once on a signal
        self.started_at = datetime.now().astimezone().isoformat(timespec="seconds")
        self.t0 = time.monotonic()

    # -- the run ---------------------------------------------------------------
    def run_guarded(self) -> int:
        """:meth:`run`, with a run report for a run that stops part-way."""
        try:
            return self.run()
        except Interrupted as exc:
            self._abort(exc.reason, exc.exit_code)
            self.log.error(f"已中止：{exc.reason}；已写出的文件都是完整的。")
            return exc.exit_code
        except ReporterError as exc:  # refused part-way (empty input …) or a write failed
            self._abort(str(exc), exc.exit_code)
            raise self._logged(exc)
        except OSError as exc:  # disk full, permissions …: every file written so far is complete
            where = f"（{_shown(os.fsdecode(exc.filename))}）" if exc.filename else ""
            text = f"写入输出文件夹时出错{where}：{os_reason(exc)}。已写出的文件都是完整的，解决后重新运行即可。"
            self._abort(text, 2)
            raise self._logged(ReporterError(text)) from None
        except Exception as exc:  # a bug of ours: the report says the run did not complete
            import traceback

            self.log.traceback("运行", traceback.format_exc())
            text = f"程序内部出错（{type(exc).__name__}），本次运行未完成；已写出的文件都是完整的。请把日志发给维护人员。"
            self._abort(text, 2)
            raise self._logged(ReporterError(text)) from None

    def run(self) -> int:
        self._sweep()
        self._discover()
        self._timed("process", self._map)
        self._timed("documents", finish_documents, self)
        self.save_state(first=True)
        leftovers = set(self.owned.leftovers)
        self._timed("pdf", make_pdfs, self)
        if self.o.pdf or self.owned.leftovers != leftovers:
            self.save_state()  # the PDFs' stat keys, or PDFs it could not remove (else nothing changed)
        for rec in self.records:
            rec.forget_state()
        self.owned.forget_files()
        self.changes = self._timed("history", chronicle.progress_and_changes, self)
        # When there is something new, the review (DESIGN §9: it never changes a status) runs on
        # the other core while the summary's facts and charts are made here; then 汇编 (§10) runs
        # there while the summary is written here.
        busy = self._anything_new()
        review = Side(self, review_step, fork=self.o.review and busy)
        try:
            if review.apart:
                self.facts = self._timed("facts", prepare, self)
            self.review = self._timed("review", lambda: reopen(self, review.join()))  # apart: the time waited
        finally:
            review.stop()
        volume = Side(self, lambda run, apart: make_volume(run), fork=busy)
        try:
            # The summary reads the branches back from the store, one at a time.
            self.summary = self._timed("summary", summarize, self)
            self.facts = None
            made = self._timed("volume", volume.join)
        finally:
            volume.stop()
        for side, name in ((review, "review_apart"), (volume, "volume_apart")):
            if side.seconds is not None:
                self.timings[name] = side.seconds
        if made:
            self.summary = {**(self.summary or {}), **made}
        seconds = time.monotonic() - self.t0
        self.timings["total"] = seconds
        counts = totals(self.records)
        code = 1 if counts["failed"] > 0 else 3 if self.run_errors else 0
        chronicle.finish(self, True, code, None, counts)
        write_report(self, completed=True, exit_status=code)
        self._tell(counts, seconds, code)
        return code

    def _anything_new(self) -> bool:
        return self.o.force or any(r.status != "unchanged" for r in self.records)

    def _timed(self, name: str, step, *args):
        t = time.monotonic()
        try:
            return step(*args)
        finally:
            if self._anything_new():  # what a step freed goes back to the system before the next one
                give_back_freed_memory()
            self.timings[name] = time.monotonic() - t

    def _sweep(self) -> None:
        for folder in (self.out, self.docs, self.out / PDF, self.out / SUMMARY):
            remove_temp_files(folder)

    def _discover(self) -> None:
        t = time.monotonic()
        state = self.store.load()  # also with --force: it says which files are ours
        for notice in state.notices:
            self.log.warning(notice)
        if state.damaged:
            self.log.warning("运行状态文件无法读取，本次将全部重新生成。")
        chronicle.start(self)
        self.owned = state.owned
        found = discover(self.input_root, exclude=self.out)
        self.ignored = [_shown(r) for r in found.ignored]
        for folder in found.unreadable:
            self.log.warning(f"无法读取文件夹 {_shown(folder)}，其中的文件未处理（请检查权限）。")
        self.entries = {} if self.o.force else state.entries  # read one at a time, as each workbook is decided
        self.records = [Record(rel, same_or(_shown(rel), rel)) for rel in found.workbooks]
        del state
        self.timings["discover"] = time.monotonic() - t
        self.log.info(
            f"开始：{self.input_root} 中有 {len(self.records)} 个工作簿"
            + (f"，另有 {len(self.ignored)} 个其他文件不处理" if self.ignored else "")
            + f"；输出到 {self.out}；{config_text(self.config)}"
        )
        for note in self.warnings:
            self.log.warning(note)
        if not self.records:
            self._refuse_empty_input(len(self.owned.docs))

    def _refuse_empty_input(self, documents: int) -> None:
        """No workbook found: fine on a first run (or with --allow-empty); refused
        when the last run had some (a share not mounted, a wrong path) — nothing removed."""
        before = max(documents, last_report_count(self.out))
        if before == 0 or self.o.allow_empty:
            return
        raise ReporterError(
            f"在输入文件夹 {self.input_root} 中没有找到任何工作簿，而上次运行时有 {before} 个。"
            "可能是共享文件夹没有挂载，或路径写错了。为避免误删，本次没有删除任何文件，也没有生成汇总。"
            "如果该文件夹确实应当为空，请加上 --allow-empty 重新运行。"
        )

    def _tell(self, counts: dict[str, int], seconds: float, code: int) -> None:
        self.log.results(Row(r.shown, r.status, r.name, r.document, r.messages) for r in self.records)  # streamed
        for path in self.removed:
            self.log.info(f"已删除 {path}（对应的工作簿已删除、改名或未通过）")
        for problem in self.run_errors:
            self.log.error(f"本次运行的问题（与各支部无关）：{problem['message']}")
        self.log.final(final_line(counts, len(self.ignored), seconds), code != 0)

    # -- the map ---------------------------------------------------------------
    def _map(self) -> None:
        self.log.start(len(self.records))
        try:
            tasks = intake.tasks(self)
            first = next(tasks, None)
            if first is None:  # every workbook decided on the way (an unchanged run): no workers
                return
            from .pool import Supervisor

            self.supervisor = Supervisor(self.jobs, len(self.records), self.config, self.o.strict,
                                         self._done, self._lost)
            self.supervisor.run(itertools.chain([first], tasks))
        finally:
            self.log.stop()

    def _done(self, index: int, packed: Packed) -> None:
        """A worker's outcome: keep the Branch and findings, put the document on disk."""
        rec = self.records[index]
        if packed.traceback:
            self.log.traceback(rec.shown, packed.traceback)
        rec.status, rec.name, rec.counts, rec.own = packed.status, packed.name, shared_counts(packed.counts), packed.messages
        rec.stored, rec.handled = packed.stored, True
        if rec.sha256 is not None:
            chronicle.store_version(self, rec)  # the Branch goes to the store now: memory holds none of them
        if packed.document is not None and rec.status != "failed":
            if not self._already_there(rec, packed.document):
                try:
                    self.docs.mkdir(parents=True, exist_ok=True)
                    rec.staged = os.fspath(write_temp(self.docs, packed.document, ".docx", sync=False))
                except OSError as exc:
                    raise ReporterError(f"写入输出文件夹 {self.docs} 失败：{os_reason(exc)}") from None
            rec.rendered = True
        if rec.stat is not None and intake.stat_key(os.path.join(self.input_s, rec.source)) != rec.stat:
            rec.extra += (changed_after_read(),)
        self.log.advance()

    def _already_there(self, rec: Record, document: bytes) -> bool:
        """The document of ours at the branch's usual name already holds this content (the same
        workbook rendered again, e.g. with --force): it is left as it is, file and dates, and not
        written again (outputs.finish_documents copies it should another name be needed)."""
        usual = f"{DOCS}/{safe_name(rec.name)}.docx" if rec.name else None
        if usual is None or usual not in self.owned.docs:
            return False
        from ..ooxml import same_but_dates

        try:
            with open(os.path.join(self.out_s, usual), "rb") as f:
                old = f.read(len(document) + 1)
        except OSError:
            return False
        if not same_but_dates(old, document):
            return False
        rec.document = usual
        return True

    def _lost(self, index: int, too_slow: bool) -> None:
        """The worker processing this workbook died (a crash) or was stopped (too slow)."""
        rec = self.records[index]
        if too_slow:
            seconds = self.config.limits.max_seconds
            rec.fail(timed_out(seconds))
            self.log.error(f"{rec.shown}：处理超过 {seconds:g} 秒，已停止并跳过。"
                           "若确需更长时间，可调大配置文件中 [limits] 的 max_seconds。")
        else:
            rec.fail(worker_died())
            self.log.error(f"{rec.shown}：处理时工作进程意外退出，已跳过。")
        self.log.advance()

    # -- state, errors, abort ----------------------------------------------------
    def save_state(self, first: bool = False) -> None:
        for rec in self.records:
            chronicle.store_version(self, rec)
        self.store.save(self._entries, self.owned.leftovers, as_loaded=self._as_loaded() if first else None)

    def _as_loaded(self) -> int | None:
        """The number of state entries when each is the stored one as it was loaded (an unchanged
        workbook whose file, document and PDF did not move: Record.kept); None when any other has one.
        Only before the PDFs' step: it may make or remove PDFs."""
        kept = 0
        for rec in self.records:
            if rec.kept:
                kept += 1
            elif rec.has_entry():
                return None
        return kept

    def _entries(self):
        """(source, entry) of every workbook with a document, made as they are written (no dict of them)."""
        for rec in self.records:
            entry = self._entry(rec)
            if entry is not None:
                yield rec.source, entry

    def _entry(self, rec: Record) -> StateEntry | None:
        if not rec.has_entry():
            return None
        if rec.saved_doc is not None and rec.document == rec.saved_doc[0]:
            doc_stat = rec.saved_doc[1]  # checked in intake.unchanged, or measured when last saved
        else:
            doc_stat = intake.stat_key(os.path.join(self.out_s, rec.document))
            rec.saved_doc = (rec.document, doc_stat)
        pdf_stat = intake.stat_key(self.out / pdf_name(rec.document)) if rec.pdf_fresh else None
        return StateEntry(rec.sha256, rec.source_key, self.fingerprint, __version__, rec.document, doc_stat,
                          pdf_stat, status_of(rec.own), rec.name, rec.counts, rec.own, rec.version)

    def run_error(self, kind: str, message: str, **extra: str) -> None:
        self.run_errors.append({"kind": kind, "message": message, **extra})

    def _logged(self, exc: ReporterError) -> ReporterError:
        """Into the log file now (the CLI says it on the terminal, not in the log again)."""
        self.log.file_only("ERROR", str(exc))
        exc.logged = True
        return exc

    def _abort(self, reason: str, exit_status: int) -> None:
        """Stop workers, remove temporary files, write a report saying the run did not complete."""
        if self.supervisor is not None:
            self.supervisor.terminate()
        for rec in self.records:
            if rec.staged is not None:
                try:
                    os.unlink(rec.staged)
                except OSError:
                    pass
                rec.staged = None
        self._sweep()
        try:
            chronicle.record(self)  # the workbooks it had decided
            chronicle.finish(self, False, exit_status, reason, totals([r for r in self.records if r.handled]))
        except Exception as exc:  # noqa: BLE001 - the database may be what stopped the run: it stays unfinished
            self.log.warning(f"无法在历史数据库中记下本次运行已中止：{exc}")
        try:
            write_report(self, completed=False, reason=reason, exit_status=exit_status)
        except (OSError, Exception) as exc:  # noqa: BLE001 - the disk may be what stopped the run
            self.log.warning(f"无法写出运行报告 {REPORT_NAME}：{os_reason(exc) if isinstance(exc, OSError) else exc}")


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1

