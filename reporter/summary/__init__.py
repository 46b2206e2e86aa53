"""The aggregate summary: a reduction over a run's per-file results, written
as the committee's files.

:func:`~.facts.reduce_results` turns the :class:`~reporter.model.FileResult`
of every current workbook (plus the roster, if any) into :class:`~.facts.Facts`;
each output in :data:`WRITERS` writes one file from them (汇总表.xlsx by
:mod:`.xlsx`, 汇总报告.docx by :mod:`.report`).  Pure: no file system; the
batch writes the bytes.  Adding an output: a module with a ``NAME`` and a
``write(facts, results, config, as_of, notices) -> bytes`` function, and one
line in :data:`WRITERS`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import BinaryIO

from ..config import Config
from ..model import FileResult
from . import report, xlsx
from .facts import (NAMED_BRANCHES, NAMED_COPIES, NO_STATUS, STATUS_FAILED, STATUS_MISSING, STATUS_OK, STATUS_WARNING,
                    UNCATEGORISED, Facts, Row, category_counts, reduce_results)
from .report import OVERDUE_LIST_LIMIT

__all__ = ["DOCX_NAME", "NAMED_BRANCHES", "NAMED_COPIES", "NO_STATUS", "OVERDUE_LIST_LIMIT", "STATUS_FAILED",
           "STATUS_MISSING", "STATUS_OK", "STATUS_WARNING", "UNCATEGORISED", "WRITERS", "XLSX_NAME", "Facts", "Row",
           "Writer", "build_outputs", "build_summary", "category_counts", "reduce_results"]


@dataclass(frozen=True, slots=True)
class Writer:
    """One summary output: its file name and how it is written from the facts."""

    name: str
    write: Callable[[Facts, Iterable[FileResult], Config, date, list[str] | None], bytes]
    streams: bool = False  # ``write`` also takes ``out=`` (a binary file) and writes there instead


WRITERS: tuple[Writer, ...] = (
    Writer(xlsx.NAME, xlsx.summary_workbook, streams=True),
    Writer(report.NAME, report.summary_report),
)
XLSX_NAME, DOCX_NAME = xlsx.NAME, report.NAME


def build_outputs(results: Iterable[FileResult], config: Config, as_of: date, roster: list[str] | None,
                  notices: list[str] | None = None, changes: dict | None = None,
                  trend: list[dict] | None = None, review=None, streamed: bool = False,
                  facts: Facts | None = None) -> dict[str, bytes | Callable[[BinaryIO], object]]:
    """Every output of :data:`WRITERS`: file name → bytes (with ``streamed``, a writer that
    streams gives instead a function writing the file into a binary file: the build's way,
    for :func:`reporter.fsutil.atomic_write`).

    ``results`` is iterated more than once (a list, or a re-iterable stream).
    ``roster``: the branch names expected (None: no roster).  ``notices``, when
    given, collects Chinese sentences for the run log (e.g. no CJK font for
    the chart); they are logged on ``reporter.summary`` as well.  ``changes``
    (since the previous completed run) and ``trend`` come from the history
    store (DESIGN §8): 本期变化, 整改进度 and the trend chart.  ``review``
    (:class:`reporter.review.Review`, None: not reviewed) gives the sheet and
    the section 审核意见 (DESIGN §9).  ``facts``: made beforehand from the same
    inputs by :func:`prepare` (None: made here).
    """
    if facts is None:
        facts = reduce_results(results, config, as_of, roster)
    facts.changes, facts.trend, facts.review = changes, trend, review
    return {w.name: (partial(w.write, facts, results, config, as_of, notices) if streamed and w.streams
                     else w.write(facts, results, config, as_of, notices)) for w in WRITERS}


def prepare(results: Iterable[FileResult], config: Config, as_of: date, roster: list[str] | None,
            trend: list[dict] | None = None) -> Facts:
    """The summary's facts with the report's charts drawn, for ``build_outputs(facts=…)``: what
    needs no review, which the build makes while the review runs on its other core."""
    facts = reduce_results(results, config, as_of, roster)
    facts.trend = trend
    facts.charts = report.draw_charts(facts, config)
    return facts


def build_summary(results: list[FileResult], config: Config, as_of: date, roster: list[str] | None,
                  notices: list[str] | None = None) -> tuple[bytes, bytes]:
    """(汇总表.xlsx, 汇总报告.docx) as bytes (see :func:`build_outputs`)."""
    outputs = build_outputs(results, config, as_of, roster, notices)
    return outputs[XLSX_NAME], outputs[DOCX_NAME]
