"""The committee's review in `reporter build` (审核意见, DESIGN §9).

Computed after the per-workbook work over every current branch (one
workbook per branch: the one the summary uses), the branches streamed from
the store (:class:`.summarize.StoredResults`).  Its findings (level
``review``) are added to each workbook's messages in run-report.json only:
they never change a status (not even with --strict), never enter the state
of a workbook and so never make it "changed".

The findings are written to an SQLite file as they are found and read back
in streams (:mod:`reporter.review.store`): per workbook for run-report.json,
sorted for the 审核意见 sheet, counted for 汇总报告 — the review's memory
does not grow with the number of findings.

That file, ``OUTPUT_DIR/.reporter-review.sqlite``, is also what an unchanged
run reuses (opened, its key compared, nothing read whole): its ``meta`` row
holds the key of what it was made from — each reviewed workbook's bytes
(sha256), its branch name and duplicate mark, the configuration, the
[review] settings, the similarity measure (:data:`..review.store.MEASURE`:
a file made by an earlier measure is not trusted) and the tool version.  Any
changed workbook changes the key: the review is made again, into a temporary
file renamed into place when complete — incrementally when the file's
``base`` (the configuration, [review] settings, measure and tool version)
is unchanged: the workbooks whose bytes are the same are taken over from it
without being read (:class:`..review.Prior`), only the added and changed
workbooks' items are signed and checked against the others, and R601 is
regrouped over all (the same findings as a full review; ``--force`` makes a
full one).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import tempfile
from contextlib import suppress
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__
from ..fsutil import FILE_MODE, TEMP_PREFIX, fsync_dir
from ..review import MEASURE, Prior, Review, counts_line

if TYPE_CHECKING:
    from .engine import Build

REVIEW_STATE_NAME = ".reporter-review.sqlite"  # the last review and the key of what it was made from
OLD_STATE_NAME = ".reporter-review.json"  # the earlier reuse file (whole JSON), removed


def review_step(run: Build, apart: bool = False) -> Review | bool | None:
    """The review of this run (None with --no-review), made again only when its inputs changed.

    ``apart``: run in the build's side process (:mod:`.side`), which hands back True when
    there is a review file; the build then opens it (:func:`reopen`)."""
    if not run.o.review:
        return None
    key = review_key(run)
    review = None if run.o.force else _load(run, key)
    if review is None:
        review = _make(run, key)
    run.log.info(counts_line(review))
    if apart:
        review.close()
        return True
    return review


def reopen(run: Build, review: Review | bool | None) -> Review | None:
    """What :func:`review_step` gave, as the build uses it (the file made apart, opened here)."""
    return Review.open(run.out / REVIEW_STATE_NAME) if review is True else review


def base_key(run: Build) -> str:
    """The configuration part of the key: a review made under another one is not reused at all."""
    settings = json.dumps(asdict(run.config.review), sort_keys=True, default=str)
    return hashlib.sha256(repr((__version__, MEASURE, run.fingerprint, settings)).encode()).hexdigest()


def review_key(run: Build) -> str:
    """What the review is made from (see the module's docstring)."""
    digest = hashlib.sha256(base_key(run).encode())
    for r in _reviewed(run):
        digest.update(repr((r.shown, r.sha256, r.name)).encode("utf-8", "replace"))
    return digest.hexdigest()


def _reviewed(run: Build):
    """The records the review covers: one workbook per branch, the one the summary uses."""
    return (r for r in run.records
            if r.version is not None and r.duplicate_of is None and r.summary_status(run.o.strict) != "failed")


def _workbooks(run: Build, prior: Prior | None):
    """(source, Branch, sha256) of each reviewed workbook, streamed from the store; (source, None,
    sha256) for one ``prior`` already has with the same bytes (not read)."""
    for r in _reviewed(run):
        if prior is not None and prior.unchanged(r.shown, r.sha256):
            yield r.shown, None, r.sha256
        elif (branch := run.store.branch(r.version)) is not None:
            yield r.shown, branch, r.sha256


def _make(run: Build, key: str) -> Review:
    """Review the stored branches into a temporary file (incrementally from the last one when its
    configuration is this run's), then rename it into place."""
    fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".sqlite", dir=run.out)
    os.close(fd)
    temp = Path(name)
    base = base_key(run)
    prior = None if run.o.force else Prior.open(run.out / REVIEW_STATE_NAME, base)
    try:
        temp.chmod(FILE_MODE)
        try:
            from ..review import run as reviewer  # numpy and rapidfuzz: only when the review is made

            reviewer.run_review(_workbooks(run, prior), run.config.review, temp, key, base, prior).close()
        finally:
            if prior is not None:
                prior.close()
        with open(temp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(temp, run.out / REVIEW_STATE_NAME)
    finally:  # stopped part-way: no half-made file is left (after the rename there is none)
        temp.unlink(missing_ok=True)
    fsync_dir(run.out)
    with suppress(OSError):
        (run.out / OLD_STATE_NAME).unlink()
    return Review.open(run.out / REVIEW_STATE_NAME)


def _load(run: Build, key: str) -> Review | None:
    """The last review when it was made from the same inputs (None when absent, damaged or stale)."""
    path = run.out / REVIEW_STATE_NAME
    if not path.is_file():
        return None
    try:
        review = Review.open(path)
    except sqlite3.Error:
        return None
    if review.key == key and review.measure == MEASURE:
        return review
    review.close()
    return None
