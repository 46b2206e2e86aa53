"""Finding the workbooks under INPUT_DIR, and the branches handed in more than once.

`build` and `validate` share both, so they always see the same workbooks and
report the same duplicates.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from .labels import shown_path
from .message import Message

# File extensions of workbooks.
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".xlsb")
# Spreadsheet-ish files we recognise but cannot read: a finding telling the
# user to save as .xlsx.
CONVERT_SUFFIXES = (".et", ".ett", ".csv", ".numbers", ".xltx", ".xltm", ".wps", ".tsv")


def name_findings(rel: str) -> tuple[Message, ...]:
    """W405 for a file name that cannot be shown as it is.

    The test is on the name's bytes, so a UTF-8 name read under a GBK or
    GB18030 locale (where Python decodes it differently) is not flagged."""
    text = shown_path(rel)
    try:
        if os.fsencode(rel).decode("utf-8") == text:
            return ()
    except UnicodeDecodeError:
        pass
    from .findings import message  # imported when needed: an unchanged `build` makes no finding

    return (message("W405", name=text),)


@dataclass(slots=True)
class Discovery:
    workbooks: list[str] = field(default_factory=list)  # relative paths ("/"-separated), sorted
    ignored: list[str] = field(default_factory=list)  # not spreadsheets: listed, never failed
    unreadable: list[str] = field(default_factory=list)  # folders os.walk could not list


def _hidden(name: str) -> bool:
    return name.startswith(".") or name.startswith("~$")


# What marks a folder as an OUTPUT_DIR of this tool: its hidden files (the
# lock exists from the first moment of the first run), or a run report beside
# a docs/ or summary/ folder.  In such a folder the tool's own outputs are not
# input; anything else a person keeps there (-o INPUT) still is.
OUTPUT_MARKERS = frozenset({".reporter.lock", "reporter.sqlite", ".reporter-state.json", ".reporter-summary.json",
                            ".reporter-state.pickle"})  # the last: version 1's state
REPORT_NAME = "run-report.json"
OUTPUT_FOLDERS = ("docs", "pdf", "summary")


def is_output_folder(filenames: Iterable[str], dirnames: Iterable[str]) -> bool:
    names = set(filenames)
    if names & OUTPUT_MARKERS:
        return True
    return REPORT_NAME in names and any(d in ("docs", "summary") for d in dirnames)


def discover(input_dir: Path, exclude: Path | None = None) -> Discovery:
    """Walk ``input_dir`` recursively.

    Hidden files and folders and Excel lock files (``~$…``) are skipped
    silently.  Files with a workbook extension — or one of the spreadsheet
    formats we can only name (``.et``, ``.csv`` …) — are workbooks (the
    reader reports the latter with a "save as .xlsx" finding); anything else
    is ``ignored``.  In every output folder of this tool (see
    :func:`is_output_folder`; ``exclude``, the run's own OUTPUT_DIR, counts
    as one even before its first run) docs/, pdf/, summary/ and
    run-report.json are skipped.  Symbolic links are listed as workbooks
    too; the reader refuses those pointing outside INPUT_DIR.
    """
    root = input_dir.resolve()
    excl = exclude.resolve() if exclude is not None else None
    found = Discovery()

    def unreadable(exc: OSError) -> None:
        if exc.filename is not None:
            found.unreadable.append(Path(exc.filename).relative_to(root).as_posix())

    for dirpath, dirnames, filenames in os.walk(root, onerror=unreadable, followlinks=False):
        here = Path(dirpath)
        output = is_output_folder(filenames, dirnames) or (excl is not None and here.resolve() == excl)
        if output:
            filenames = [n for n in filenames if n != REPORT_NAME]
        dirnames[:] = sorted(d for d in dirnames if not _hidden(d) and not (output and d in OUTPUT_FOLDERS))
        # A string join per file, not Path objects: this runs on every (even unchanged) run.
        prefix = "" if here == root else here.relative_to(root).as_posix() + "/"
        for name in filenames:
            if _hidden(name):
                continue
            rel = prefix + name
            suffix = os.path.splitext(name)[1].lower()
            if suffix in WORKBOOK_SUFFIXES or suffix in CONVERT_SUFFIXES:
                found.workbooks.append(rel)
            else:
                found.ignored.append(rel)
    found.workbooks.sort()
    found.ignored.sort()
    found.unreadable.sort()
    return found


# --- duplicates: several workbooks naming the same branch ---------------------

NAMED_COPIES = 10  # a W401 names at most this many other copies, then counts the rest


@dataclass(slots=True)
class Copy:
    """One workbook as the duplicate check sees it."""

    source: str  # shown form of the path relative to INPUT_DIR
    name: str | None  # 支部名称 (None: could not be read)
    mtime_ns: int  # when it was saved
    failed: bool = False


@dataclass(slots=True)
class Duplicate:
    """What the duplicate check says about one copy."""

    message: Message | None  # W401 (None: this copy passed and is the only one that did)
    used: str  # source of the copy the summary uses (may be this one)


def duplicates(copies: list[Copy]) -> dict[int, Duplicate]:
    """For every workbook whose 支部名称 another workbook also names (by index):
    the copy the summary uses, and a W401 when it deserves one.

    The summary uses one copy per branch: the one saved last among those that
    passed (modification time, then file name), or among all when none passed.
    W401 goes to every failed copy, and to the copies that passed when two or
    more did (an old broken submission does not turn a good one into a
    warning).  Each W401 names at most :data:`NAMED_COPIES` other copies and
    counts the rest, so time, memory and report size stay linear whatever
    the names.
    """
    groups: dict[str, list[int]] = {}
    for i, copy in enumerate(copies):
        if copy.name is not None:
            groups.setdefault(copy.name, []).append(i)
    found: dict[int, Duplicate] = {}
    for name, members in groups.items():
        if len(members) < 2:
            continue
        passed = [i for i in members if not copies[i].failed]
        used = max(passed or members, key=lambda i: (copies[i].mtime_ns, copies[i].source))
        ordered = [used, *(i for i in members if i != used)]  # the used copy is named first
        for i in members:
            message = None
            if copies[i].failed or len(passed) > 1:
                others = [copies[j].source for j in itertools.islice((j for j in ordered if j != i), NAMED_COPIES)]
                message = duplicate_branch(name, len(members), others, copies[used].source, i == used)
            found[i] = Duplicate(message, copies[used].source)
    return found


def duplicate_branch(name: str, count: int, others: list[str], used: str, is_used: bool) -> Message:
    from .findings import listing, message

    others_text = listing(others, total=count - 1)
    if is_used:
        return message("W401", variant="used", count=count, name=name, others=others_text)
    return message("W401", variant="other", count=count, name=name, others=others_text, used=used)
