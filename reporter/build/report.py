"""run-report.json: what a run of `reporter build` did, for people and monitoring.

Every run that starts writes one, also a run stopped by a signal or aborted
(``"completed": false`` and the reason; it lists only the workbooks the run
had decided).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from .. import __version__
from ..config import Config
from ..fsutil import atomic_write
from .record import Record
from .state import pdf_name

if TYPE_CHECKING:
    from .engine import Build

REPORT_NAME = "run-report.json"
REVIEW_STREAMED = "\0review"  # stands for "review" in the top level until _write streams it


def config_json(config: Config) -> dict:
    """run-report.json "config": the file used (absolute), or the built-in defaults."""
    if config.source:
        return {"path": os.path.abspath(config.source), "defaults": False}
    return {"path": None, "defaults": True}


def config_text(config: Config) -> str:
    return f"配置文件 {config_json(config)['path']}" if config.source else "默认配置（未使用配置文件）"


def totals(records: list[Record]) -> dict[str, int]:
    counts = {"workbooks": len(records), "ok": 0, "warning": 0, "failed": 0, "unchanged": 0}
    for rec in records:
        counts[rec.status] += 1
    return counts


_encode = json.JSONEncoder(ensure_ascii=False).encode  # one encoder: json.dumps makes one a call with options


def workbook_json(rec: Record, pdf: bool, review=None) -> tuple[bytes, ...]:
    """One workbook's entry as a line of JSON (UTF-8), in parts written one after the other;
    ``review`` (a :class:`reporter.review.Review`) adds that workbook's R6xx messages as the
    review's file keeps them (UTF-8 bytes: thousands of findings are copied once, into the file,
    never decoded and encoded again nor spliced into a new line)."""
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
    if pdf:
        entry["pdf"] = pdf_name(rec.document) if rec.document and rec.pdf_fresh else None
    line = _utf8(_encode(entry))
    reviewed = review.messages_json(rec.shown) if review is not None else None
    if reviewed is None:
        return (line,)
    own = _utf8(_encode(entry["messages"])) if entry["messages"] else b"[]"
    at = line.index(b'"messages": ' + own) + len(b'"messages": ')  # the key (quotes inside values are escaped)
    merged = reviewed if own == b"[]" else own[:-1] + b", " + reviewed[1:]
    return line[:at], merged, line[at + len(own):]


def _utf8(text: str) -> bytes:
    """A path's undecodable bytes (surrogate escapes) become JSON's \\udcXX escapes."""
    return text.encode("utf-8", "backslashreplace")


def write_report(run: Build, *, completed: bool, exit_status: int, reason: str | None = None) -> None:
    """run-report.json; a run that did not complete lists the workbooks it had decided."""
    records = run.records if completed else [r for r in run.records if r.handled]
    report = {
        "tool_version": __version__,
        "started_at": run.started_at,
        "finished_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        "completed": completed,
        "reason": reason,
        "exit_status": exit_status,
        "config": config_json(run.config),
        "input_dir": str(run.o.input_dir),
        "output_dir": str(run.o.output_dir),
        "totals": totals(records),
        "workbooks": [],  # written one entry at a time (see _write)
        "ignored": run.ignored,
        "summary": run.summary,
        "changes": run.changes,
        "review": REVIEW_STREAMED if run.review is not None else None,  # written from the review's file
        "run_errors": run.run_errors,
        "warnings": run.warnings,
        "removed": sorted(run.removed),
        "as_of": run.as_of.isoformat(),
        "strict": run.o.strict,
        "jobs": run.jobs,
        "timings": {k: round(v, 3) for k, v in run.timings.items()},
    }
    entries = _entries(records, run.o.pdf, run.review)
    atomic_write(run.out / REPORT_NAME, lambda f: _write(f, report, entries, run.review))


def _entries(records: list[Record], pdf: bool, review, batch: int = 100) -> Iterator[tuple[bytes, ...]]:
    """Each workbook's entry as a line; the review's messages read ``batch`` workbooks at a time (a
    small batch: the memory one batch frees is what the next one reuses, no new pages each time —
    500 at a time made the run report of an unchanged run at N = 1,000 3 ms slower)."""
    prefetch = getattr(review, "prefetch", None)
    for i, rec in enumerate(records):
        if prefetch is not None and i % batch == 0:
            prefetch([r.shown for r in records[i:i + batch]])
        yield workbook_json(rec, pdf, review)


def _write(f: BinaryIO, report: dict, entries: Iterable[tuple[bytes, ...]], review=None) -> None:
    """The run report, readable and fast at 100,000 workbooks: the top level indented, each
    workbook entry on a line of its own (json's C encoder), written as it is made — the
    report never exists whole in memory."""
    head, tail = json.dumps(report, ensure_ascii=False, indent=2).split('"workbooks": []', 1)
    f.write(_utf8(head + '"workbooks": ['))
    separator = b"\n    "
    for parts in entries:
        f.write(separator)
        f.writelines(parts)
        separator = b",\n    "
    f.write(b"]" if separator == b"\n    " else b"\n  ]")
    if review is not None:  # "review" (DESIGN §9), streamed from the review's file (Review.write_json)
        before, tail = tail.split(json.dumps(REVIEW_STREAMED), 1)
        f.write(_utf8(before))
        review.write_json_bytes(f)
    f.write(_utf8(tail))
    f.flush()


def last_report_count(output_dir: Path) -> int:
    """How many workbooks the last completed run's report lists (0 when none can be read)."""
    try:
        with open(Path(output_dir) / REPORT_NAME, "rb") as f:
            last = json.load(f)
        if last.get("completed", True) is not False:
            return int(last["totals"]["workbooks"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    return 0
