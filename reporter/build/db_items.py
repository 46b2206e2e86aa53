"""A branch's items as rows of ``items`` and back (every field, so any run's state can be rebuilt)."""

from __future__ import annotations

import json
import sqlite3
from datetime import date

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..model import Branch

# The kinds of items and the Branch attribute holding them (the model and the schema are imported
# where a branch is made or read: a run with nothing new does neither).
KINDS = (("problem", "problems"), ("cause", "causes"), ("measure", "measures"))
COLUMNS = ("row, number, headline, details, category, problems, problems_as_written, owner, deadline,"
           " deadline_as_written, progress")


_ENCODE = json.JSONEncoder(ensure_ascii=False).encode  # one encoder: json.dumps makes one per call


def json_text(value) -> str | None:
    """JSON text (readable Chinese; \\u escapes only where a path holds undecodable bytes)."""
    if value is None:
        return None
    text = _ENCODE(value)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value)
    return text


Stored = tuple[str, "int | None", str]  # a Branch as the store keeps it: info, template version, item rows (JSON)


def stored_form(branch: Branch | None) -> Stored | None:
    """A Branch as the store's rows, made in the worker: the items travel as one JSON text that
    SQLite itself unpacks into rows (the build process makes no object per item or field)."""
    if branch is None:
        return None
    from ..schema import CAUSES, MEASURES, PROBLEMS

    rows = []
    for (kind, attr), sheet in zip(KINDS, (PROBLEMS.name, CAUSES.name, MEASURES.name)):
        for position, item in enumerate(getattr(branch, attr), 1):
            row = (kind, position, sheet, item.row, item.number, item.headline, item.details,
                   getattr(item, "category", None))
            if kind == "measure":
                row += (json.dumps(list(item.problems)), item.problems_text, item.owner,
                        item.deadline.isoformat() if item.deadline else None, item.deadline_text, item.status)
            else:
                row += (None,) * 6
            rows.append(row)
    return json_text(branch.info.to_json()), branch.template_version, json_text(rows)


_FIELDS = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(14))


def insert_items(db: sqlite3.Connection, version: int, rows: str) -> None:
    """The rows of :func:`stored_form` (a JSON array of arrays) under ``version``."""
    db.execute(f"INSERT INTO items (version, kind, position, sheet, {COLUMNS}) SELECT ?, {_FIELDS} FROM json_each(?)",
               (version, rows))


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def load_branch(db: sqlite3.Connection, version: int, only: str | None = None) -> Branch | None:
    """The Branch of a version, as the reader gave it (None: the version had none); ``only``
    "problems", "causes" or "measures": those items alone (the others left empty)."""
    from ..model import Branch, BranchInfo, Cause, Measure, Problem

    head = db.execute("SELECT info, template_version FROM versions WHERE id = ?", (version,)).fetchone()
    if head is None or head[0] is None:
        return None
    found: dict[str, list] = {"problem": [], "cause": [], "measure": []}
    kinds = tuple(kind for kind, attr in KINDS if only in (None, attr))
    for kind, row, number, headline, details, category, refs, refs_text, owner, deadline, deadline_text, progress \
            in db.execute(f"SELECT kind, {COLUMNS} FROM items WHERE version = ? AND kind IN ({','.join('?' * len(kinds))})"
                          " ORDER BY kind, position", (version, *kinds)):
        if kind == "problem":
            found[kind].append(Problem(headline, details, number, row, category))
        elif kind == "cause":
            found[kind].append(Cause(headline, details, number, row))
        else:
            found[kind].append(Measure(headline, details, number, row, tuple(json.loads(refs)), owner, _day(deadline),
                                       progress, deadline_text, refs_text if refs_text is not None else ""))
    return Branch(BranchInfo.from_json(json.loads(head[0])), tuple(found["problem"]), tuple(found["cause"]),
                  tuple(found["measure"]), head[1])
