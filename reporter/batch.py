"""`reporter build`: discover, map the per-workbook work in parallel, reduce.

The flow of one run, all under an exclusive lock on OUTPUT_DIR:

1. sweep temporary files a killed run left; load the incremental state;
2. discover the workbooks; read each one in this (parent) process, hash it
   and decide: unchanged since its last good build (bytes, configuration,
   tool version, document still in place) → reuse the stored Branch; else
   hand the bytes to a worker process (:func:`reporter.pipeline.process`).
   A settled file whose stat key is as when it was hashed is not read again;
3. workers send back outcomes; each new document is written at once to a
   temporary file in ``docs/`` (so memory holds only the Branch records the
   summary needs).  A worker that dies costs its workbook only (E404); one
   that holds a workbook longer than ``[limits] max_seconds`` is killed (E405);
4. names are assigned (safe, collisions numbered in source order, never
   over a file that is not ours), the new documents renamed into place; the
   documents the state records as ours whose workbook is gone or now fails
   are removed (nothing else ever is); state saved;
5. PDFs (``--pdf``) and the state again; then the summary (the pickled
   Branches are dropped as they are unpickled) and run-report.json.

Findings of the batch job itself: E403 (file changed while read), E404,
E405, W401 (several workbooks name the same branch), W405 (file name not
printable), W407 (file changed after it was read).  Trouble of the server
(LibreOffice, the summary) is never a branch's finding: it goes to the
report's ``run_errors`` and exit status 3.

Every run that starts writes run-report.json, also one stopped by SIGINT /
SIGTERM or aborted (``"completed": false`` and the reason); an input folder
that is suddenly empty is refused (exit 2, nothing removed) unless
``--allow-empty``.

Every output goes through :mod:`reporter.fsutil` (temporary file, fsync,
rename), so SIGKILL at any moment leaves old-complete or new-complete files
and the next run repairs the rest.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import os
import pickle
import signal
import stat
import threading
import time
import traceback
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from . import __version__
from . import model
from .config import Config
from .discover import Copy, discover, duplicates, name_findings
from .discover import shown as _shown
from .errors import ReporterError, UsageError, os_reason
from .fsutil import (
    OutputLock,
    atomic_write,
    fsync_dir,
    fsync_files,
    inside,
    remove_temp_files,
    safe_name,
    write_temp,
)
from .model import Branch, FileResult, Message, error, status_of, warning
from .pipeline import internal_error
from .pool import Item, Packed, _Pool, _work
from .runlog import Row, RunLog, final_line

if TYPE_CHECKING:
    from concurrent.futures import Future

# multiprocessing and concurrent.futures are imported only when there is work
# for the pool: an unchanged run never starts it (and --help never loads it).

DOCS, PDF, SUMMARY = "docs", "pdf", "summary"
SUMMARY_XLSX = f"{SUMMARY}/汇总表.xlsx"
SUMMARY_DOCX = f"{SUMMARY}/汇总报告.docx"
SUMMARY_PDF = f"{SUMMARY}/汇总报告.pdf"
REPORT_NAME = "run-report.json"
STATE_NAME = ".reporter-state.pickle"  # per workbook: hash, stat key, document, findings, pickled Branch
SUMMARY_STATE_NAME = ".reporter-summary.json"  # what the summary files were made from
STATE_FORMAT = 4



@dataclass(frozen=True, slots=True)
class BuildOptions:
    input_dir: Path
    output_dir: Path
    config: Config
    jobs: int | None = None
    force: bool = False
    as_of: date | None = None
    roster: Path | None = None
    strict: bool = False
    pdf: bool = False
    quiet: bool = False
    log_file: Path | None = None
    allow_empty: bool = False  # the input folder is meant to be empty: do not refuse the run


# --- findings of the batch job (E4xx / W4xx) ---------------------------------

def changed_while_read() -> Message:
    return error("E403", "读取时文件正在被修改（大小或修改时间发生变化），内容可能不完整，本次未处理。请在保存完成后重新运行。")


def worker_died() -> Message:
    return error(
        "E404",
        "处理时工作进程意外退出（可能是内存不足或被系统终止），此工作簿未能处理，其他工作簿不受影响。"
        "请检查文件是否过大或已损坏；如反复出现，请把该文件发给维护人员。",
    )


def timed_out(seconds: float) -> Message:
    """For the branch: what to do.  The administrator's advice ([limits] max_seconds) goes to the log."""
    return error(
        "E405",
        f"处理超过 {seconds:g} 秒仍未完成，已停止处理此工作簿，其他工作簿不受影响。"
        "文件可能过大或已损坏：请检查内容、在 Excel 或 WPS 中重新保存后再提交；"
        "如仍不行，请把该文件发给管理员。",
    )


def changed_after_read() -> Message:
    return warning("W407", "处理期间文件又被修改，本次材料按修改前的内容生成；下次运行时会按新内容重新生成。")


# --- the parent side -----------------------------------------------------------

@dataclass(slots=True)
class _Record:
    source: str  # relative to INPUT_DIR, "/"-separated (may hold surrogate escapes)
    shown: str  # printable, JSON-safe form of source
    sha256: str | None = None
    status: str = "failed"
    name: str | None = None  # 支部名称
    counts: dict[str, int] = field(default_factory=lambda: {"problems": 0, "causes": 0, "measures": 0})
    own: tuple[Message, ...] = ()  # the workbook's own findings (stored in the state)
    extra: list[Message] = field(default_factory=list)  # this run's findings (W401, W5xx, E4xx …)
    staged: Path | None = None  # new document in a temporary file, not yet in place
    document: str | None = None  # "docs/….docx" (relative to OUTPUT_DIR)
    old: dict | None = None  # the state entry of the last good build
    blob: bytes | None = None  # the pickled Branch, as stored in the state
    _branch: Branch | None = None
    stat: tuple[int, int] | None = None  # (size, mtime_ns) of the bytes processed
    source_key: tuple[int, ...] | None = None  # _source_key of a settled file (see _read)
    rendered: bool = False  # a new document was made in this run
    pdf_fresh: bool = False  # pdf/<stem>.pdf matches the document
    handled: bool = False  # decided in this run (a report of an interrupted run lists only these)
    duplicate_of: str | None = None  # the copy of the same branch the summary uses instead (shown form)

    @property
    def messages(self) -> tuple[Message, ...]:
        return (*self.own, *self.extra)

    @property
    def branch(self) -> Branch | None:
        """The parsed branch, unpickled on first use (only the summary needs it)."""
        if self._branch is None and self.blob is not None:
            self._branch = _StateUnpickler(io.BytesIO(self.blob)).load()
        return self._branch

    def fail(self, *messages: Message) -> None:
        self.status = "failed"
        self.handled = True
        self.extra.extend(messages)


def _stat_key(path: str | Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns)


# A workbook whose file-system identity is exactly as when it was last hashed
# is not read again (git's "stat cache").  ctime is in the key because no
# program can set it: a rewrite that keeps the size and restores the
# modification time (cp -p, touch -d, an editor) still changes it; inode and
# device catch a file replaced by another.  Only a "settled" file is
# trusted: its last change at least RACY_NS before we read it, so a second
# write within the file system's timestamp granularity cannot hide behind an
# unchanged key.  --force reads and hashes everything.
RACY_NS = 2_000_000_000


def _source_key(st: os.stat_result) -> tuple[int, int, int, int, int]:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class _StateUnpickler(pickle.Unpickler):
    """Only our own plain records may come out of the state file."""

    ALLOWED = {("reporter.model", n) for n in ("Branch", "BranchInfo", "Problem", "Cause", "Measure", "Message")}
    ALLOWED |= {("datetime", "date")}

    def find_class(self, module: str, name: str):
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in the state file")


def _model_signature() -> str:
    classes = (model.Branch, model.BranchInfo, model.Problem, model.Cause, model.Measure, model.Message)
    text = repr([(c.__name__, [f.name for f in fields(c)]) for c in classes])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _give_back_freed_memory() -> None:
    """Return freed heap pages to the system (glibc only; elsewhere nothing).

    The pickled Branches are malloc'ed byte strings and the unpickled ones are
    mostly small objects in Python's own arenas, which cannot reuse the space
    the byte strings leave: without this, both copies count in the peak."""
    global _malloc_trim
    if _malloc_trim is None:
        try:
            import ctypes

            _malloc_trim = ctypes.CDLL("libc.so.6").malloc_trim
        except (OSError, AttributeError):
            _malloc_trim = False
    if _malloc_trim:
        _malloc_trim(0)


_malloc_trim = None


def _our_document_name(doc) -> bool:
    """A name this tool writes: docs/<name>.docx, no folder, not hidden."""
    return (isinstance(doc, str) and doc.startswith(f"{DOCS}/") and "/" not in doc[len(DOCS) + 1:]
            and not doc[len(DOCS) + 1:].startswith(".") and doc.endswith(".docx"))


def made_by_reporter(path: Path) -> bool:
    """The .docx at ``path`` was written by reporter.document and not saved since
    by Word or WPS (its docProps/app.xml still names this tool)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            app = zf.read("docProps/app.xml")[:4096]
    except (OSError, KeyError, zipfile.BadZipFile, ValueError, RuntimeError):
        return False
    return b"<Application>reporter " in app


def _terminate(pool: _Pool) -> None:
    """Stop the workers at once (a signal, an abort): nothing they hold is waited for."""
    terminate = getattr(pool, "terminate", None)  # reporter.pool's own, where it has one
    if terminate is not None:
        terminate()
        return
    for pid in list(pool.pids):
        if pid > 0:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
    pool.executor.shutdown(wait=True, cancel_futures=True)


def _default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived: the run stops where it is (raised in the main thread)."""

    NAMES = {signal.SIGINT: "中断信号（SIGINT）", signal.SIGTERM: "终止信号（SIGTERM）"}

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum  # 130 / 143, as a shell reports them

    @property
    def reason(self) -> str:
        return f"收到{self.NAMES.get(self.signum, f'信号 {self.signum}')}，本次运行未完成"


@contextmanager
def _signals_stop_the_run() -> Iterator[None]:
    """SIGINT and SIGTERM raise :class:`Interrupted` in the main thread (once;
    a second signal while the run cleans up is ignored).  A forked worker
    that inherited the handler simply dies of the signal."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    parent, fired = os.getpid(), []

    def handler(signum, frame) -> None:
        if os.getpid() != parent:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        if not fired:
            fired.append(signum)
            raise Interrupted(signum)

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


def config_json(config: Config) -> dict:
    """run-report.json "config": the file used (absolute), or the built-in defaults."""
    if config.source:
        return {"path": os.path.abspath(config.source), "defaults": False}
    return {"path": None, "defaults": True}


def config_text(config: Config) -> str:
    return f"配置文件 {config_json(config)['path']}" if config.source else "默认配置（未使用配置文件）"


def run_build(options: BuildOptions) -> int:
    """Run `reporter build`; returns the exit status.

    0 every workbook gave a document; 1 at least one failed; 3 every workbook
    was handled but a run-level output (PDFs, summary) could not be made;
    130 / 143 stopped by SIGINT / SIGTERM.  Raises ReporterError (exit 2)
    when the run cannot start or is refused, or is aborted by the server
    (disk full …) — after writing a run report that says so."""
    input_dir = Path(options.input_dir)
    if not input_dir.exists():
        raise UsageError(f"找不到输入文件夹：{input_dir}")
    if not input_dir.is_dir():
        raise UsageError(f"输入路径不是文件夹：{input_dir}")
    output_dir = Path(options.output_dir)
    roster: list[str] | None = None
    roster_path = options.roster or (Path(options.config.roster) if options.config.roster else None)
    if roster_path is not None:
        from .roster import read_roster

        roster = read_roster(Path(roster_path))
    notes: tuple[str, ...] = ()
    if options.config.reference_doc:  # a broken letterhead stops the run before any work (exit 2)
        from .document import base_for

        notes = base_for(options.config).notes
    if options.pdf:
        from .pdf import find_soffice, missing_message

        if find_soffice() is None:
            raise ReporterError(missing_message())
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"无法创建输出文件夹 {output_dir}：{os_reason(exc)}") from None
    if not output_dir.is_dir():
        raise UsageError(f"输出路径不是文件夹：{output_dir}")
    log = RunLog(options.quiet, options.log_file)
    try:
        lock = OutputLock(output_dir)
        try:
            lock.acquire()
        except ReporterError as exc:  # refused: say so in the log file too, with its time
            log.file_only("ERROR", str(exc))
            exc.logged = True
            raise
        try:
            with _signals_stop_the_run():
                return _Build(options, input_dir, output_dir, roster, log, notes).run_guarded()
        finally:
            lock.release()
    finally:
        log.close()


class _Build:
    def __init__(self, options: BuildOptions, input_dir: Path, output_dir: Path, roster, log: RunLog,
                 notes: tuple[str, ...] = ()) -> None:
        self.o = options
        self.config = options.config
        self.as_of = options.as_of or date.today()
        self.input_root = input_dir.resolve()
        self.out = output_dir
        self.input_s, self.out_s = os.fspath(self.input_root), os.fspath(output_dir)  # for per-workbook joins
        self.docs = output_dir / DOCS
        self.roster = roster
        self.log = log
        self.jobs = options.jobs or _default_jobs()
        self.fingerprint = self.config.fingerprint()
        self.records: list[_Record] = []
        self.ignored: list[str] = []
        self.removed: list[str] = []
        self.timings: dict[str, float] = {}
        self.run_errors: list[dict] = []  # {"kind": "pdf" | "summary", "message": …}: no branch's fault
        self.warnings: list[str] = list(notes)  # run-level warnings (the letterhead's notes)
        self.pdf_given_up = False  # LibreOffice failed or hung as a whole: not called again this run
        self.summary: dict | None = None
        self.timed_out: set[int] = set()  # records whose worker was stopped for taking too long
        # Files this tool wrote and recorded in its state (OUTPUT_DIR-relative →
        # stat key when recorded): the only files it ever removes.
        self.owned_docs: dict[str, tuple | None] = {}
        self.owned_pdfs: dict[str, tuple | None] = {}
        self.leftovers: set[str] = set()  # owned files a run could not remove (tried again next run)
        self.saved_leftovers: set[str] = set()
        self.unowned: dict[str, str] | None = None  # docs/*.docx not in the state: casefolded → name
        self.foreign: dict[str, bool] = {}  # name in docs/ → it is not ours (checked once)
        # The state file as last read or written: its format and number of
        # entries (each record keeps its own entry in ``old``).
        self.saved_format: tuple | None = None
        self.saved_count = 0
        self.started_at = datetime.now().astimezone().isoformat(timespec="seconds")
        self.t0 = time.monotonic()
        self.pool: _Pool | None = None  # the pool at work, stopped at once on a signal

    # -- orchestration ------------------------------------------------------
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
            self.log.traceback("运行", traceback.format_exc())
            text = f"程序内部出错（{type(exc).__name__}），本次运行未完成；已写出的文件都是完整的。请把日志发给维护人员。"
            self._abort(text, 2)
            raise self._logged(ReporterError(text)) from None

    def _logged(self, exc: ReporterError) -> ReporterError:
        """Into the log file now (the CLI says it on the terminal, not in the log again)."""
        self.log.file_only("ERROR", str(exc))
        exc.logged = True
        return exc

    def _abort(self, reason: str, exit_status: int) -> None:
        """Stop workers, remove temporary files, write a report saying the run did not complete."""
        if self.pool is not None:
            _terminate(self.pool)
            self.pool = None
        for rec in self.records:
            if rec.staged is not None:
                try:
                    os.unlink(rec.staged)
                except OSError:
                    pass
                rec.staged = None
        for folder in (self.out, self.docs, self.out / PDF, self.out / SUMMARY):
            remove_temp_files(folder)
        try:
            self._write_report(completed=False, reason=reason, exit_status=exit_status)
        except (OSError, Exception) as exc:  # noqa: BLE001 - the disk may be what stopped the run
            self.log.warning(f"无法写出运行报告 {REPORT_NAME}：{os_reason(exc) if isinstance(exc, OSError) else exc}")

    def run(self) -> int:
        for folder in (self.out, self.docs, self.out / PDF, self.out / SUMMARY):
            remove_temp_files(folder)
        entries = self._load_state()  # also with --force: it says which files are ours

        t = time.monotonic()
        found = discover(self.input_root, exclude=self.out)
        self.ignored = [_shown(r) for r in found.ignored]
        for folder in found.unreadable:
            self.log.warning(f"无法读取文件夹 {_shown(folder)}，其中的文件未处理（请检查权限）。")
        self.records = [_Record(rel, _shown(rel), old=None if self.o.force else entries.get(rel))
                        for rel in found.workbooks]
        self.timings["discover"] = time.monotonic() - t
        self.log.info(
            f"开始：{self.input_root} 中有 {len(self.records)} 个工作簿"
            + (f"，另有 {len(self.ignored)} 个其他文件不处理" if self.ignored else "")
            + f"；输出到 {self.out}；{config_text(self.config)}"
        )
        for note in self.warnings:
            self.log.warning(note)
        if not self.records:
            self._refuse_empty_input(len(self.owned_docs))
        del entries  # the entries of removed workbooks (and all of them with --force) are freed here

        t = time.monotonic()
        self.log.start(len(self.records))
        try:
            self._map()
        finally:
            self.log.stop()
        self.timings["process"] = time.monotonic() - t

        t = time.monotonic()
        self._finish_documents()
        self._save_state()
        self.timings["documents"] = time.monotonic() - t

        t = time.monotonic()
        self._pdfs()
        self._save_state()  # the PDFs' stat keys
        self.timings["pdf"] = time.monotonic() - t

        # From here on each Branch exists once, as an object for the summary
        # (the pickled copies are dropped as they are unpickled): the state is final.
        t = time.monotonic()
        self.summary = self._summary()
        self.timings["summary"] = time.monotonic() - t

        seconds = time.monotonic() - self.t0
        self.timings["total"] = seconds
        totals = self._totals()
        code = 1 if totals["failed"] > 0 else 3 if self.run_errors else 0
        self._write_report(completed=True, exit_status=code)

        self.log.results(
            [Row(r.shown, r.status, r.name, r.document, r.messages) for r in self.records]
        )
        for path in self.removed:
            self.log.info(f"已删除 {path}（对应的工作簿已删除、改名或未通过）")
        for problem in self.run_errors:
            self.log.error(f"本次运行的问题（与各支部无关）：{problem['message']}")
        self.log.final(final_line(totals, len(self.ignored), seconds), code != 0)
        return code

    def _refuse_empty_input(self, documents: int) -> None:
        """No workbook found: fine on a first run (or with --allow-empty); refused
        when the last run had some (a share not mounted, a wrong path) — nothing removed."""
        before = max(documents, self._last_report_count())
        if before == 0 or self.o.allow_empty:
            return
        raise ReporterError(
            f"在输入文件夹 {self.input_root} 中没有找到任何工作簿，而上次运行时有 {before} 个。"
            "可能是共享文件夹没有挂载，或路径写错了。为避免误删，本次没有删除任何文件，也没有生成汇总。"
            "如果该文件夹确实应当为空，请加上 --allow-empty 重新运行。"
        )

    def _last_report_count(self) -> int:
        """How many workbooks the last completed run's report lists (0 when none can be read)."""
        try:
            with open(self.out / REPORT_NAME, "rb") as f:
                last = json.load(f)
            if last.get("completed", True) is not False:
                return int(last["totals"]["workbooks"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass
        return 0


    # -- reading in the parent -------------------------------------------------
    def _read(self, rec: _Record) -> bytes | None:
        """The workbook's bytes to process, or None when decided here (unchanged / failed)."""
        if rec.shown != rec.source:
            rec.extra.extend(name_findings(rec.source))
        path = os.path.join(self.input_s, rec.source)
        limit = int(self.config.limits.max_file_mb * 1024 * 1024)
        # Anything unusual (vanished, no permission, a symlink pointing outside
        # INPUT_DIR or dangling, not a regular file, too large) is worded by the
        # reader, exactly as `reporter validate` words it.
        try:
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                if not inside(Path(path), self.input_root):
                    return self._reader_verdict(rec, Path(path))
                st = os.stat(path)
            if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
                return self._reader_verdict(rec, Path(path))
            old = rec.old
            if not self.o.force and old is not None and old["source_key"] == _source_key(st):
                rec.sha256, rec.stat, rec.source_key = old["sha256"], (st.st_size, st.st_mtime_ns), old["source_key"]
                if self._unchanged(rec):
                    return None
            now = time.time_ns()
            with open(path, "rb") as f:
                before = os.fstat(f.fileno())
                data = f.read(limit + 1)
                after = os.fstat(f.fileno())
        except OSError:
            return self._reader_verdict(rec, Path(path))
        key = (after.st_size, after.st_mtime_ns)
        if (before.st_size, before.st_mtime_ns) != key or len(data) != after.st_size:
            rec.fail(changed_while_read())
            return None
        rec.stat = key
        settled = max(after.st_mtime_ns, after.st_ctime_ns) < now - RACY_NS
        rec.source_key = _source_key(after) if settled else None
        rec.sha256 = _digest(data)
        if self._unchanged(rec):
            return None
        return data

    def _reader_verdict(self, rec: _Record, path: Path) -> None:
        """Let the reader word a file-system problem (permissions, symlink, size …)."""
        from .workbook import read_path

        try:
            result = read_path(path, self.config, self.input_root)
        except Exception as exc:  # noqa: BLE001
            self.log.traceback(rec.shown, traceback.format_exc())
            rec.fail(internal_error(exc))
            return None
        errors = tuple(m for m in result.messages if m.level == "error")
        rec.fail(*(errors or (changed_while_read(),)))
        return None

    def _unchanged(self, rec: _Record) -> bool:
        old = rec.old
        if self.o.force or old is None:
            return False
        if (old["sha256"], old["fingerprint"], old["tool_version"]) != (rec.sha256, self.fingerprint, __version__):
            return False
        doc = old["document"]
        if not _our_document_name(doc):
            return False  # not a name this tool writes: never touch it
        if self.o.strict and old["status"] != "ok":
            return False  # its warnings now fail it: let the normal path say so
        if _stat_key(os.path.join(self.out_s, doc)) != old["doc_stat"]:
            return False  # the document is missing or was changed: make it again
        rec.status, rec.handled = "unchanged", True
        rec.blob, rec.name, rec.counts, rec.own = old["blob"], old["name"], old["counts"], old["messages"]
        rec.document = old["document"]
        rec.pdf_fresh = old["pdf_stat"] is not None and _stat_key(self._pdf_of(rec.document)) == old["pdf_stat"]
        return True

    def _tasks(self) -> Iterator[Item]:
        for index, rec in enumerate(self.records):
            data = self._read(rec)
            if data is None:
                self.log.advance()
                continue
            rec.old = None  # processed anew: its old entry (and pickled Branch) is not needed
            yield index, data, rec.shown

    # -- the map ------------------------------------------------------------------
    def _map(self) -> None:
        tasks = self._tasks()
        first = next(tasks, None)
        if first is None:  # nothing to process (an unchanged run)
            return
        tasks = itertools.chain([first], tasks)
        # Always in worker processes, even with --jobs 1: a crash or a hang
        # costs one workbook, never the run.
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        chunk = max(1, min(8, len(self.records) // (self.jobs * 8)))
        window = self.jobs * 2
        retry: deque[Item] = deque()
        isolate: list[Item] = []
        inflight: dict[Future, list[Item]] = {}
        pool: _Pool | None = None
        exhausted = False
        breaks_without_suspect = 0
        try:
            while True:
                while len(inflight) < window and (retry or not exhausted):
                    items: list[Item] = []
                    while len(items) < chunk:
                        if retry:
                            items.append(retry.popleft())
                            continue
                        item = next(tasks, None)
                        if item is None:
                            exhausted = True
                            break
                        items.append(item)
                    if not items:
                        break
                    if pool is None:
                        pool = self.pool = _Pool(min(self.jobs, len(self.records)), self.config, self.o.strict)
                    try:
                        inflight[pool.executor.submit(_work, items)] = items
                    except BrokenProcessPool:
                        retry.extendleft(reversed(items))
                        break
                if not inflight:
                    if retry and pool is not None:  # the pool broke while submitting
                        pool.close()
                        pool = self.pool = None
                        continue
                    break
                done, _ = wait(list(inflight), timeout=1.0, return_when=FIRST_COMPLETED)
                if not done:
                    self.timed_out |= pool.stop_overdue(self.config.limits.max_seconds)
                    continue
                lost: list[Item] = []
                for fut in done:
                    items = inflight.pop(fut)
                    try:
                        for result in fut.result():
                            self._done(*result)
                    except BrokenProcessPool:
                        lost.extend(items)
                if not lost:
                    continue
                # A worker died: every unfinished chunk is lost.  The items that
                # were in progress are suspects, retried one by one later in a
                # pool of their own; the rest are simply submitted again.
                suspects = pool.in_progress() if pool else set()
                for fut, items in list(inflight.items()):
                    wait([fut])
                    inflight.pop(fut)
                    try:
                        for result in fut.result():
                            self._done(*result)
                    except BrokenProcessPool:
                        lost.extend(items)
                pool.close()
                pool = self.pool = None
                if not suspects:
                    breaks_without_suspect += 1
                for item in sorted(lost, key=lambda i: i[0], reverse=True):
                    if item[0] in self.timed_out:
                        self._failed_in_worker(item[0])
                    elif item[0] in suspects or breaks_without_suspect >= 3:
                        isolate.append(item)
                    else:
                        retry.appendleft(item)
        except BaseException:  # a signal, a write error: stop the workers now, do not wait for them
            if pool is not None:
                _terminate(pool)
                pool = self.pool = None
            raise
        finally:
            if pool is not None:
                pool.close()
                self.pool = None
        self._isolated(sorted(isolate, key=lambda i: i[0]))

    def _isolated(self, items: list[Item]) -> None:
        """Process suspects of a worker crash one at a time: a crash now is theirs alone."""
        from concurrent.futures import wait
        from concurrent.futures.process import BrokenProcessPool

        pool: _Pool | None = None
        try:
            for item in items:
                if pool is None:
                    pool = self.pool = _Pool(1, self.config, self.o.strict)
                future = pool.executor.submit(_work, [item])
                while not wait([future], timeout=1.0).done:
                    self.timed_out |= pool.stop_overdue(self.config.limits.max_seconds)
                try:
                    for result in future.result():
                        self._done(*result)
                except BrokenProcessPool:
                    pool.close()
                    pool = self.pool = None
                    self._failed_in_worker(item[0])
        except BaseException:
            if pool is not None:
                _terminate(pool)
                pool = self.pool = None
            raise
        finally:
            if pool is not None:
                pool.close()
                self.pool = None

    def _failed_in_worker(self, index: int) -> None:
        """The worker processing this workbook died (a crash) or was stopped (too slow)."""
        rec = self.records[index]
        if index in self.timed_out:
            seconds = self.config.limits.max_seconds
            rec.fail(timed_out(seconds))
            self.log.error(f"{rec.shown}：处理超过 {seconds:g} 秒，已停止并跳过。"
                           "若确需更长时间，可调大配置文件中 [limits] 的 max_seconds。")
        else:
            rec.fail(worker_died())
            self.log.error(f"{rec.shown}：处理时工作进程意外退出，已跳过。")
        self.log.advance()

    def _done(self, index: int, packed: Packed) -> None:
        """A worker's outcome: keep the Branch and findings, put the document on disk."""
        rec = self.records[index]
        if packed.traceback:
            self.log.traceback(rec.shown, packed.traceback)
        rec.status, rec.name, rec.counts, rec.own = packed.status, packed.name, packed.counts, packed.messages
        rec.blob, rec.handled = packed.blob, True
        document = packed.document
        if document is not None and rec.status != "failed":
            try:
                self.docs.mkdir(parents=True, exist_ok=True)
                rec.staged = write_temp(self.docs, document, ".docx", sync=False)
            except OSError as exc:
                raise ReporterError(f"写入输出文件夹 {self.docs} 失败：{os_reason(exc)}") from None
            rec.rendered = True
        if rec.stat is not None and _stat_key(os.path.join(self.input_s, rec.source)) != rec.stat:
            rec.extra.append(changed_after_read())
        self.log.advance()

    # -- documents: names, renames, deletions ---------------------------------
    def _restatus(self) -> None:
        """Status from all findings (W401, W5xx, --strict); drop documents of failures."""
        for rec in self.records:
            if rec.status == "failed":
                continue
            new = status_of(rec.messages, self.o.strict)
            if new == "failed":
                rec.status = "failed"
            elif rec.status != "unchanged":
                rec.status = new

    def _finish_documents(self) -> None:
        self._mark_duplicates()
        self._restatus()
        live = [r for r in self.records if r.status != "failed" and r.name is not None]
        targets = self._targets(live)

        self.docs.mkdir(parents=True, exist_ok=True)
        moves: list[tuple[Path, str, _Record]] = []
        for rec in live:
            final = f"{DOCS}/{targets[id(rec)]}.docx"
            stem = targets[id(rec)]
            if "/" in stem or "\\" in stem or stem.startswith(".") or "\0" in stem:  # safe_name's promise
                raise ReporterError(f"内部错误：文件名“{final}”不安全。")  # pragma: no cover
            if rec.staged is not None:
                moves.append((rec.staged, final, rec))
            elif rec.document != final:  # unchanged, but its name moved: park it first
                temp = write_temp(self.docs, b"", ".docx")
                os.replace(self.out / rec.document, temp)
                moves.append((temp, final, rec))
                rec.pdf_fresh = False
            rec.document = final
        fsync_files([rec.staged for rec in live if rec.staged is not None])
        for temp, final, rec in moves:
            os.replace(temp, os.path.join(self.out_s, final))
            rec.staged = None
        for rec in self.records:  # staged documents of workbooks that failed in the end
            if rec.staged is not None:
                os.unlink(rec.staged)
                rec.staged = None
            if rec.status == "failed":
                rec.document = None
        removed = len(self.removed)
        self._remove_stale(self.owned_docs, {r.document for r in live})
        if moves or len(self.removed) != removed:
            fsync_dir(self.docs)

    def _mark_duplicates(self) -> None:
        """W401 on every copy of a branch handed in more than once; the summary
        uses the copy saved last (see :func:`reporter.discover.duplicates`)."""
        copies = [Copy(r.shown, r.name, r.stat[1] if r.stat else 0, r.status == "failed") for r in self.records]
        for index, dup in duplicates(copies).items():
            rec = self.records[index]
            if dup.message is not None:
                rec.extra.append(dup.message)
            rec.duplicate_of = dup.used if dup.used != rec.shown else None

    def _targets(self, live: list[_Record]) -> dict[int, str]:
        """Safe names: a branch keeps its plain name when it can, in source order;
        the rest get "-2", "-3" … (never a name another document already has,
        nor one where a file that is not ours sits)."""
        targets: dict[int, str] = {}
        taken: set[str] = set()
        wanted = {id(r): safe_name(r.name) for r in live}
        for rec in live:
            stem = wanted[id(rec)]
            if stem.casefold() not in taken and not self._foreign(stem):
                taken.add(stem.casefold())
                targets[id(rec)] = stem
        for rec in live:
            if id(rec) in targets:
                continue
            stem, n = wanted[id(rec)], 2
            while f"{stem}-{n}".casefold() in taken or self._foreign(f"{stem}-{n}"):
                n += 1
            taken.add(f"{stem}-{n}".casefold())
            targets[id(rec)] = f"{stem}-{n}"
            if self._foreign(stem):
                self.log.warning(f"{DOCS}/{_shown(stem)}.docx 不是本工具生成的文件，保持原样；"
                                 f"{rec.shown} 的材料改存为 {DOCS}/{_shown(targets[id(rec)])}.docx。")
        return targets

    def _foreign(self, stem: str) -> bool:
        """A file that is not ours sits at docs/<stem>.docx (in any letter case)?

        Ours: recorded in the state, or — when the state was lost — written by
        reporter.document (see :func:`made_by_reporter`)."""
        if self.unowned is None:  # one look at docs/ per run
            owned = {rel.casefold() for rel in self.owned_docs}
            try:
                names = [e.name for e in os.scandir(self.docs) if e.name.lower().endswith(".docx")]
            except OSError:
                names = []
            self.unowned = {n.casefold(): n for n in names if f"{DOCS}/{n}".casefold() not in owned}
        name = self.unowned.get(f"{stem}.docx".casefold())
        if name is None:
            return False
        if name not in self.foreign:
            self.foreign[name] = not made_by_reporter(self.docs / name)
        return self.foreign[name]

    def _note_owned(self, entries: dict) -> None:
        """Which files in OUTPUT_DIR are ours: the documents and PDFs the state records."""
        for entry in entries.values():
            doc = entry.get("document")
            if not _our_document_name(doc):
                continue
            self.owned_docs[doc] = entry.get("doc_stat")
            if entry.get("pdf_stat") is not None:
                self.owned_pdfs[f"{PDF}/{Path(doc).stem}.pdf"] = entry["pdf_stat"]
        for rel in self.leftovers:
            target = self.owned_pdfs if rel.startswith(f"{PDF}/") else self.owned_docs
            target.setdefault(rel, None)

    def _remove_stale(self, owned: dict[str, tuple | None], keep: set[str]) -> None:
        """Remove the files this tool recorded as its own that no current workbook keeps.

        A file a person changed since (its stat differs and it is no longer
        recognisably ours) is left in place; one that cannot be removed now
        is remembered and tried again next run."""
        self.leftovers -= keep
        for rel in sorted(set(owned) - keep):
            path = self.out / rel
            key = _stat_key(path)
            if key is None:
                self.leftovers.discard(rel)
                continue  # already gone (or moved to its new name)
            recorded = owned[rel]
            if recorded is not None and tuple(recorded) != key and not (
                    rel.endswith(".docx") and made_by_reporter(path)):
                self.log.warning(f"{_shown(rel)} 在上次生成后被修改过，不再视为本工具的文件，保持原样。")
                self.leftovers.discard(rel)
                continue
            try:
                os.unlink(path)
            except FileNotFoundError:
                self.leftovers.discard(rel)
                continue
            except OSError as exc:
                self.log.warning(f"无法删除过时的 {_shown(rel)}：{os_reason(exc)}（下次运行时再试）")
                self.leftovers.add(rel)
                continue
            self.leftovers.discard(rel)
            self.removed.append(_shown(rel))

    # -- PDF ---------------------------------------------------------------------
    def _pdf_of(self, document: str) -> Path:
        return self.out / PDF / (Path(document).stem + ".pdf")

    def _pdfs(self) -> None:
        """PDF trouble is the run's, never a branch's: statuses and documents stay."""
        live = [r for r in self.records if r.document]
        if self.o.pdf:
            todo = [r for r in live if r.rendered or not r.pdf_fresh]
            if todo:
                self.log.info(f"正在转换 {len(todo)} 份 PDF……")
                failed = self._convert_pdfs([self.out / r.document for r in todo], self.out / PDF)
                for rec in todo:
                    rec.pdf_fresh = (self.out / rec.document) not in failed
        keep = {f"{PDF}/{Path(r.document).stem}.pdf" for r in self.records if r.document and r.pdf_fresh}
        self._remove_stale(self.owned_pdfs, keep)

    def _convert_pdfs(self, documents: list[Path], out_dir: Path) -> dict[Path, str]:
        """Convert with LibreOffice; the documents that got no PDF → why (Chinese).

        Failures become run errors (kind "pdf") with LibreOffice's own output
        in the log; after LibreOffice failed or hung as a whole it is not
        called again in this run."""
        if self.pdf_given_up:
            return {d: "本次运行已放弃转换 PDF。" for d in documents}
        from .pdf import convert_to_pdf

        outcome = convert_to_pdf(documents, out_dir, timeout=self.config.pdf.timeout)
        failed, run_error = dict(outcome.failed), outcome.run_error
        for line in outcome.details:  # LibreOffice's own words, for the administrator
            self.log.warning(line)
        if run_error:
            self._give_up_pdfs(run_error, len(failed))
        else:
            for document, reason in failed.items():
                self._run_error("pdf", reason, file=self._rel(document))
        return failed

    def _give_up_pdfs(self, reason: str, count: int | None = None) -> None:
        if self.pdf_given_up:
            return
        self.pdf_given_up = True
        text = f"PDF 转换失败，本次运行不再调用 LibreOffice：{reason}"
        if count:
            text += f"（{count} 份文档没有 PDF；Word 文档不受影响）"
        self._run_error("pdf", text)
        self.log.error(text)

    def _run_error(self, kind: str, message: str, **extra: str) -> None:
        self.run_errors.append({"kind": kind, "message": message, **extra})

    def _rel(self, path: Path) -> str:
        try:
            return _shown(Path(path).relative_to(self.out).as_posix())
        except ValueError:
            return _shown(os.fspath(path))

    def _unlink(self, rel: str) -> None:
        try:
            os.unlink(self.out / rel)
            self.removed.append(_shown(rel))
        except FileNotFoundError:
            pass

    # -- summary -------------------------------------------------------------------
    def _summary(self) -> dict | None:
        # What the summary is made from: a branch is determined by its bytes
        # (sha256), the configuration and the tool version.
        digest = hashlib.sha256(repr((self.fingerprint, __version__, self.as_of, self.roster)).encode())
        for r in self.records:
            row = (r.shown, self._status_for_summary(r), r.sha256, r.document, r.messages, r.name, r.duplicate_of)
            digest.update(repr(row).encode("utf-8", "replace"))
        key = digest.hexdigest()
        old = self._load_summary_state()
        files = (SUMMARY_XLSX, SUMMARY_DOCX)
        fresh = not self.o.force and old.get("key") == key and old.get("stats") == self._json_stats(files)
        if not fresh:
            from .summary import build_summary

            try:
                # The state is written: from here each Branch is kept once, as an
                # object, its pickled copy given back as soon as it is unpickled.
                results = []
                for i, rec in enumerate(self.records, 1):
                    results.append(self._file_result(rec))
                    rec.old = rec.blob = None
                    if i % 1000 == 0:
                        _give_back_freed_memory()
                xlsx, docx = build_summary(results, self.config, self.as_of, self.roster)
            except Exception as exc:  # noqa: BLE001 - the documents are done; report and go on
                self.log.traceback("汇总", traceback.format_exc())
                text = f"生成汇总材料时程序内部出错（{type(exc).__name__}），各支部材料不受影响。"
                self.log.error(text)
                self._run_error("summary", text)
                return None
            try:
                for rel, data in ((SUMMARY_XLSX, xlsx), (SUMMARY_DOCX, docx)):
                    atomic_write(self.out / rel, data)
            except OSError as exc:  # every workbook is handled: the run's problem, not a branch's
                text = f"汇总材料 {rel} 未能写出：{os_reason(exc)}。各支部材料不受影响，解决后重新运行即可。"
                self.log.error(text)
                self._run_error("summary", text)
                return None
            del xlsx, docx
        summary = {"xlsx": SUMMARY_XLSX, "docx": SUMMARY_DOCX}
        stats = self._json_stats(files)
        pdf_stat = old.get("pdf_stat") if fresh else None
        if pdf_stat is not None and self._json_stats([SUMMARY_PDF])[SUMMARY_PDF] != pdf_stat:
            pdf_stat = None
        if self.o.pdf:
            if pdf_stat is None and self.pdf_given_up:
                self.log.warning("汇总报告的 PDF 本次未生成（已放弃 PDF 转换）。")
            elif pdf_stat is None:
                failed = self._convert_pdfs([self.out / SUMMARY_DOCX], self.out / SUMMARY)
                pdf_stat = None if failed else self._json_stats([SUMMARY_PDF])[SUMMARY_PDF]
            if pdf_stat is not None:
                summary["pdf"] = SUMMARY_PDF
        elif pdf_stat is None and (self.out / SUMMARY_PDF).exists():
            self._unlink(SUMMARY_PDF)  # stale: made from an older summary report
        new = {"key": key, "stats": stats, "pdf_stat": pdf_stat}
        if new != old:
            atomic_write(self.out / SUMMARY_STATE_NAME, json.dumps(new, ensure_ascii=False).encode())
        return summary

    def _load_summary_state(self) -> dict:
        """{"key": …, "stats": {file: [size, mtime_ns]}, "pdf_stat": …} ({} when absent or damaged)."""
        try:
            state = json.loads((self.out / SUMMARY_STATE_NAME).read_bytes())
        except (OSError, ValueError):
            return {}
        return state if isinstance(state, dict) else {}

    def _json_stats(self, files) -> dict[str, list[int] | None]:
        return {rel: list(key) if (key := _stat_key(self.out / rel)) else None for rel in files}

    # -- state and report ------------------------------------------------------------
    def _load_state(self) -> dict:
        """The entries of the last run's state file ({} when absent, old or damaged).

        Which files are ours (documents, PDFs, files a run could not remove)
        is taken from any state that can be read, also one of an older format."""
        path = self.out / STATE_NAME
        try:
            with open(path, "rb") as f:
                state = _StateUnpickler(f).load()
        except FileNotFoundError:
            return {}
        except Exception:  # noqa: BLE001 - a damaged state only costs a full rebuild
            self.log.warning("运行状态文件无法读取，本次将全部重新生成。")
            return {}
        if not isinstance(state, dict):
            return {}
        entries = state.get("entries")
        if not isinstance(entries, dict) or not all(isinstance(e, dict) for e in entries.values()):
            return {}
        leftovers = state.get("leftovers", [])
        self.saved_leftovers = {r for r in leftovers if isinstance(r, str)} if isinstance(leftovers, list) else set()
        self.leftovers = set(self.saved_leftovers)
        self._note_owned(entries)
        keys = {"sha256", "source_key", "fingerprint", "tool_version", "document", "doc_stat", "pdf_stat",
                "status", "name", "counts", "messages", "blob"}
        if state.get("format") != (STATE_FORMAT, _model_signature()) or not all(
                keys <= e.keys() for e in entries.values()):
            return {}
        self.saved_format, self.saved_count = state["format"], len(entries)
        return entries

    def _save_state(self) -> None:
        """Write the state file when it would differ from the one on disk.

        Each record's ``old`` is its entry in that file, so the file differs
        exactly when an entry differs, the number of entries does, or the
        files a run could not remove do."""
        pairs = [(rec, entry) for rec in self.records if (entry := self._entry(rec)) is not None]
        fmt = (STATE_FORMAT, _model_signature())
        if (fmt == self.saved_format and len(pairs) == self.saved_count and self.leftovers == self.saved_leftovers
                and all(e == r.old for r, e in pairs)):
            return  # an unchanged run rewrites nothing
        state = {"format": fmt, "entries": {rec.source: entry for rec, entry in pairs},
                 "leftovers": sorted(self.leftovers)}
        atomic_write(self.out / STATE_NAME, lambda f: pickle.dump(state, f, protocol=5))
        self.saved_format, self.saved_count, self.saved_leftovers = fmt, len(pairs), set(self.leftovers)
        for rec, entry in pairs:
            rec.old = entry

    def _entry(self, rec: _Record) -> dict | None:
        if rec.document is None or rec.sha256 is None or rec.blob is None or rec.name is None:
            return None
        old = rec.old
        if old is not None and rec.document == old["document"]:
            doc_stat = old["doc_stat"]  # checked in _unchanged, or measured when last saved
        else:
            doc_stat = _stat_key(os.path.join(self.out_s, rec.document))
        return {
                "sha256": rec.sha256,
                "source_key": rec.source_key,
                "fingerprint": self.fingerprint,
                "tool_version": __version__,
                "document": rec.document,
                "doc_stat": doc_stat,
                "pdf_stat": _stat_key(self._pdf_of(rec.document)) if rec.pdf_fresh else None,
                "status": status_of(rec.own),
                "name": rec.name,
                "counts": rec.counts,
                "messages": rec.own,
                "blob": rec.blob,
        }

    def _file_result(self, rec: _Record) -> FileResult:
        """For the summary: "unchanged" means nothing to a committee reader, so it
        gets the workbook's real status (which also keeps the summary's inputs,
        and so its cache key, identical from one unchanged run to the next)."""
        return FileResult(
            rec.shown, self._status_for_summary(rec), rec.messages, rec.branch, rec.sha256, rec.document,
            name=rec.name, duplicate_of=rec.duplicate_of,
        )

    def _status_for_summary(self, rec: _Record) -> str:
        return status_of(rec.messages, self.o.strict) if rec.status == "unchanged" else rec.status

    def _totals(self, records: list[_Record] | None = None) -> dict[str, int]:
        records = self.records if records is None else records
        totals = {"workbooks": len(records), "ok": 0, "warning": 0, "failed": 0, "unchanged": 0}
        for rec in records:
            totals[rec.status] += 1
        return totals

    def _write_report(self, *, completed: bool, exit_status: int, reason: str | None = None) -> None:
        """run-report.json; a run that did not complete lists the workbooks it had decided."""
        records = self.records if completed else [r for r in self.records if r.handled]
        workbooks = []
        for rec in records:
            entry = {
                "source": rec.shown,
                "sha256": rec.sha256,
                "status": rec.status,
                "branch": rec.name,
                "document": rec.document,
                "counts": rec.counts,
                "messages": [m.to_json() for m in rec.messages],
                "duplicate_of": rec.duplicate_of,
            }
            if self.o.pdf:
                entry["pdf"] = f"{PDF}/{Path(rec.document).stem}.pdf" if rec.document and rec.pdf_fresh else None
            workbooks.append(entry)
        report = {
            "tool_version": __version__,
            "started_at": self.started_at,
            "finished_at": datetime.now().astimezone().isoformat(timespec="seconds"),
            "completed": completed,
            "reason": reason,
            "exit_status": exit_status,
            "config": config_json(self.config),
            "input_dir": str(self.o.input_dir),
            "output_dir": str(self.o.output_dir),
            "totals": self._totals(records),
            "workbooks": workbooks,
            "ignored": self.ignored,
            "summary": self.summary,
            "run_errors": self.run_errors,
            "warnings": self.warnings,
            "removed": sorted(self.removed),
            "as_of": self.as_of.isoformat(),
            "strict": self.o.strict,
            "jobs": self.jobs,
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
        }
        atomic_write(self.out / REPORT_NAME, _report_json(report).encode("utf-8", "backslashreplace"))


def _report_json(report: dict) -> str:
    """The run report, readable and fast at 10,000 workbooks: the top level
    indented, each workbook entry on a line of its own (json's C encoder)."""
    entries = ",\n    ".join(json.dumps(w, ensure_ascii=False) for w in report["workbooks"])
    head = json.dumps({**report, "workbooks": []}, ensure_ascii=False, indent=2)
    return head.replace('"workbooks": []', f'"workbooks": [\n    {entries}\n  ]' if entries else '"workbooks": []', 1)
