"""`reporter build`: discover, map the per-workbook work in parallel, reduce.

The package, in the order a run goes through it:

- ``__init__``  :class:`BuildOptions`, :func:`run_build` (checks, lock, signals)
- ``engine``    one run: discover → map → documents → PDFs → summary → report
- ``intake``    reading in this process: stat cache, hash, the unchanged check
- ``pool``      the worker processes and their supervision (retries, isolation, time limit)
- ``record``    one workbook in a run; the batch job's own findings (E403–E405, W407)
- ``outputs``   safe names, moves into place, removing only the files of ours
- ``pdfs``      the PDF step; its trouble is the run's (exit status 3)
- ``summarize`` the summary, remade only when its inputs changed
- ``state``     :class:`StateEntry`, the :class:`StateStore` protocol, :func:`open_store`
- ``store_sqlite``  the store: ``OUTPUT_DIR/reporter.sqlite`` (schema in ``db_schema``, items in ``db_items``)
- ``chronicle`` the run's history in the store; ``changes``: changes since the last run, the trend
- ``legacy``    taking over the state files of older versions, once
- ``report``    run-report.json
- ``signals``   SIGINT / SIGTERM

Findings of the batch job itself: E403, E404, E405, W401 (several workbooks
name the same branch), W405 (file name not printable), W407.  Trouble of the
server (LibreOffice, the summary) is never a branch's finding: it goes to
the report's ``run_errors`` and exit status 3.  Every run that starts writes
run-report.json; an input folder that is suddenly empty is refused (exit 2,
nothing removed) unless ``--allow-empty``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..config import Config
from ..errors import ReporterError, UsageError, os_reason

# multiprocessing and concurrent.futures are imported only when there is work
# for the pool: an unchanged run never starts it (and --help never loads it).


@dataclass(frozen=True, slots=True)
class BuildOptions:
    """What `reporter build` is asked to do (the command line's options, parsed)."""

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
    review: bool = True  # the committee's review (R6xx, DESIGN §9); --no-review turns it off


@dataclass(frozen=True, slots=True)
class BuildResult:
    """What a run of `reporter build` gives the CLI (the details are in run-report.json).

    ``exit_status``: 0 every workbook gave a document; 1 at least one failed;
    3 every workbook was handled but a run-level output (PDFs, summary) could
    not be made; 130 / 143 stopped by SIGINT / SIGTERM."""

    exit_status: int
    report: Path  # OUTPUT_DIR/run-report.json


def run_build(options: BuildOptions) -> BuildResult:
    """Run `reporter build` (its progress and results go to the run log).

    Raises ReporterError (exit 2) when the run cannot start or is refused, or
    is aborted by the server (disk full …) — after writing a run report that
    says so."""
    from ..fsutil import OutputLock
    from ..runlog import RunLog
    from .engine import Build
    from .report import REPORT_NAME
    from .signals import signals_stop_the_run
    from .state import open_store

    input_dir, output_dir = _check_folders(options)
    roster, notes = _preflight(options)
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
            store = open_store(output_dir)
            try:
                with signals_stop_the_run():
                    build = Build(options, input_dir, output_dir, roster, log, store, notes)
                    code = build.run_guarded()
            finally:
                store.close()
        finally:
            lock.release()
    finally:
        log.close()
    return BuildResult(code, output_dir / REPORT_NAME)


def _check_folders(options: BuildOptions) -> tuple[Path, Path]:
    input_dir = Path(options.input_dir)
    if not input_dir.exists():
        raise UsageError(f"找不到输入文件夹：{input_dir}")
    if not input_dir.is_dir():
        raise UsageError(f"输入路径不是文件夹：{input_dir}")
    return input_dir, Path(options.output_dir)


def _preflight(options: BuildOptions) -> tuple[list[str] | None, tuple[str, ...]]:
    """The roster and the letterhead's notes; what stops the run before any work (exit 2)."""
    roster: list[str] | None = None
    roster_path = options.roster or (Path(options.config.roster) if options.config.roster else None)
    if roster_path is not None:
        from ..roster import read_roster

        roster = read_roster(Path(roster_path))
    notes: tuple[str, ...] = ()
    if options.config.reference_doc:  # a broken letterhead stops the run before any work
        from ..docx import base_for

        notes = base_for(options.config).notes
    if options.pdf:
        from ..pdf import find_soffice, missing_message

        if find_soffice() is None:
            raise ReporterError(missing_message())
    output_dir = Path(options.output_dir)
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"无法创建输出文件夹 {output_dir}：{os_reason(exc)}") from None
    if not output_dir.is_dir():
        raise UsageError(f"输出路径不是文件夹：{output_dir}")
    return roster, notes
