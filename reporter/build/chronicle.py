"""The run's history in the store (DESIGN §8): the run's row, each workbook
version as it is decided, the run's workbooks, its measure counts and the
changes since the previous completed run.

A run's row is written when it starts and finished when it ends: a run
killed in between stays unfinished (``interrupted`` in ``reporter history``).
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import TYPE_CHECKING

from .. import __version__
from ..message import status_of
from .changes import changes, counts_line, empty_changes
from .record import Record
from .report import config_json

if TYPE_CHECKING:
    from .engine import Build


def start(run: Build) -> None:
    o = run.o
    options = {"input_dir": os.fspath(o.input_dir), "output_dir": os.fspath(o.output_dir), "force": o.force,
               "strict": o.strict, "pdf": o.pdf, "jobs": run.jobs, "as_of": run.as_of.isoformat(),
               "roster": os.fspath(o.roster) if o.roster else None, "config": config_json(run.config)["path"]}
    run.store.begin_run(run.started_at, run.as_of.isoformat(), __version__, options)


def store_version(run: Build, rec: Record) -> None:
    """The record's version (and items) into the store; its rows are then given back."""
    if rec.sha256 is None or rec.version is not None:
        return
    status = "failed" if rec.status == "failed" and not rec.own else status_of(rec.own)  # its own findings'
    rec.version = run.store.add_version(rec.shown, rec.sha256, status, rec.name, rec.counts, rec.own, rec.stored)
    rec.stored = None


def record(run: Build) -> None:
    """The run's workbooks as decided so far (failed ones read here get their version too)."""
    for rec in run.records:
        if rec.handled:
            store_version(run, rec)
    run.store.record_run((rec.shown, rec.version, rec.status, rec.name, rec.document, rec.duplicate_of, rec.messages)
                         for rec in run.records if rec.handled)


def progress_and_changes(run: Build) -> dict:
    """The run's measure counts (the trend's point) and "changes"; one line of counts in the log."""
    record(run)
    as_of = run.as_of.isoformat()
    run.store.record_progress(as_of, run.config.done_status)
    found = changes(run.store.open(), run.store.run_id, as_of, run.config.done_status)
    run.log.info(counts_line(found))
    return found


def finish(run: Build, completed: bool, exit_status: int, reason: str | None, totals: dict) -> None:
    finished = datetime.now().astimezone().isoformat(timespec="seconds")
    run.store.finish_run(finished, completed, exit_status, reason, totals)


__all__ = ["empty_changes", "finish", "progress_and_changes", "record", "start", "store_version"]
