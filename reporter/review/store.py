"""The review's findings on disk: written as they are found, read back in streams.

A review never holds its findings in memory: :class:`Writer` puts each one
(and each similar pair, each large group with its items) into an SQLite
database as it is found — a file (`reporter build` keeps it as
``OUTPUT_DIR/.reporter-review.sqlite``, its reuse file) or a private
temporary one (``path=""``: `validate`, tests) — and :class:`Review` reads
them back: per workbook (:meth:`Review.get`, indexed), sorted by branch
(:attr:`Review.findings`), counted and ranked with SQL, and run-report.json's
``"review"`` written as a stream (:meth:`Review.write_json`).  Memory stays
the same whatever the number of findings.

Tables: ``meta`` (key, measure: what the review was made from; base: the
configuration part of the key), ``findings`` (one row per finding, with its
sort key), ``pairs`` (the report's ``similar``), ``groups`` and
``group_items`` (its ``groups``), ``workbook_json`` and ``review_json``
(run-report.json's texts, made once), ``workbook_counts`` (findings per
workbook, for the branches with most findings); and what the next review reuses
(:class:`Prior`): ``sources`` (each reviewed workbook, the sha256 of its
bytes, its branch), ``items`` (each compared item: workbook, sheet, row, the
digest of its normalised text), ``texts`` (each distinct text: digest, text,
MinHash band keys) and ``edges`` (each similar pair of texts with its
similarity).
"""

from __future__ import annotations

import io
import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import BinaryIO, TextIO

from ..message import Message

# The similarity measure and candidate search of .similar, by name: in the reuse key (a stored review
# made by another measure is stale).  Change it whenever .similar changes what it finds.
MEASURE = "indel-ratio; minhash 3-grams 20x3; anchors 2"

CODES = ("R601", "R602", "R611", "R612", "R613", "R614")
CODE_ORDER = {code: i for i, code in enumerate(CODES)}
BATCH = 2000  # rows inserted at once

_TABLES = """
CREATE TABLE meta (key TEXT, measure TEXT, base TEXT);
CREATE TABLE sources (source TEXT NOT NULL, sha TEXT, branch TEXT);
CREATE TABLE items (source TEXT NOT NULL, section INTEGER NOT NULL, row INTEGER NOT NULL, text INTEGER NOT NULL);
CREATE TABLE texts (digest INTEGER NOT NULL, text TEXT NOT NULL, keys BLOB NOT NULL);
CREATE TABLE edges (a INTEGER NOT NULL, b INTEGER NOT NULL, similarity REAL NOT NULL);
CREATE TABLE findings (
    source TEXT NOT NULL, branch TEXT,
    o_branch TEXT NOT NULL, o_sheet INTEGER NOT NULL, o_row INTEGER NOT NULL, o_code INTEGER NOT NULL,
    level TEXT NOT NULL, code TEXT NOT NULL, sheet TEXT, cell TEXT, message TEXT NOT NULL,
    other TEXT, similarity REAL);
CREATE TABLE pairs (a_branch TEXT NOT NULL, a_source TEXT NOT NULL, b_branch TEXT NOT NULL, pair TEXT NOT NULL);
CREATE TABLE groups (id INTEGER PRIMARY KEY, size INTEGER NOT NULL, similarity_min REAL NOT NULL);
CREATE TABLE group_items (grp INTEGER NOT NULL, item TEXT NOT NULL);
CREATE TABLE workbook_json (source TEXT PRIMARY KEY, messages TEXT NOT NULL);
CREATE TABLE review_json (text TEXT NOT NULL);
CREATE TABLE workbook_counts (source TEXT PRIMARY KEY, name TEXT NOT NULL, n INTEGER NOT NULL);
"""
_INDEXES = """
CREATE INDEX findings_in_order ON findings(o_branch, source, o_sheet, o_row, o_code, cell);
CREATE INDEX findings_by_source ON findings(source, o_sheet, o_row, o_code, cell);
CREATE INDEX findings_by_code ON findings(code);
CREATE INDEX pairs_in_order ON pairs(a_branch, a_source, b_branch);
CREATE INDEX group_items_by_group ON group_items(grp);
CREATE INDEX items_by_source ON items(source);
"""
_ORDER = "o_branch, source, o_sheet, o_row, o_code, cell, rowid"
_FINDING = "source, branch, level, code, message, sheet, cell, other, similarity"


@dataclass(frozen=True, slots=True)
class Finding:
    """One review finding as the 审核意见 sheet shows it."""

    source: str
    branch: str | None
    message: Message
    other: dict | None = None  # R601 pairs: {"source", "branch", "sheet", "cell"} of the similar item
    similarity: float | None = None  # R601 (of a large group: its lowest similarity)


_json = json.JSONEncoder(ensure_ascii=False).encode  # one encoder: json.dumps makes one per call


def connect(path: Path | str) -> sqlite3.Connection:
    """The review's database (``""``: a private temporary one, removed when closed)."""
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA cache_size = -8000")  # 8 MB of pages at most, whatever the number of findings
    db.execute("PRAGMA temp_store = FILE")
    return db


_SHEET_ORDER: dict[str, int] = {}  # filled when first needed (the schema is not imported by a run with nothing new)


def sort_key(branch: str | None, source: str, m: Message) -> tuple:
    """By branch, workbook, sheet, row, code (then cell)."""
    if not _SHEET_ORDER:
        from ..schema import SECTIONS

        _SHEET_ORDER.update((s.name, i) for i, s in enumerate(SECTIONS))
    sheet = _SHEET_ORDER.get(m.sheet, len(_SHEET_ORDER))
    return (branch or "", source, sheet, _row_of(m.cell), CODE_ORDER[m.code], m.cell or "")


def _row_of(cell: str | None) -> int:
    """The row number in a cell reference (``C7`` → 7)."""
    if not cell:
        return 0
    digits = cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    return int(digits) if digits.isdigit() else int("".join(ch for ch in cell if ch.isdigit()) or 0)


class Writer:
    """Where a review puts what it finds (a new, empty database)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        db.execute("PRAGMA journal_mode = OFF")  # made whole or thrown away: the file is renamed into place
        db.execute("PRAGMA synchronous = OFF")
        db.executescript(_TABLES)
        db.execute("BEGIN")
        self._findings: list[tuple] = []
        self._pairs: list[tuple] = []

    def finding(self, source: str, branch: str | None, m: Message, other: dict | None = None,
                similarity: float | None = None) -> None:
        o_branch, _, o_sheet, o_row, o_code, _ = sort_key(branch, source, m)
        self._findings.append((source, branch, o_branch, o_sheet, o_row, o_code, m.level, m.code, m.sheet, m.cell,
                               m.message, None if other is None else _json(other), similarity))
        if len(self._findings) >= BATCH:
            self._flush()

    def pair(self, pair: dict) -> None:
        """One similar pair (run-report.json ``similar``): ``{"a": place, "b": place, "similarity"}``."""
        self._pairs.append((pair["a"]["branch"] or "", pair["a"]["source"], pair["b"]["branch"] or "", _json(pair)))
        if len(self._pairs) >= BATCH:
            self._flush()

    def source(self, source: str, sha: str | None, branch: str | None) -> None:
        self.db.execute("INSERT INTO sources VALUES (?, ?, ?)", (source, sha, branch))

    def copy(self, rows: Iterable[tuple]) -> None:
        """Findings of the previous review (rows of its ``findings``) as they were."""
        self.db.executemany(f"INSERT INTO findings VALUES ({', '.join('?' * 13)})", rows)

    def items(self, rows: Iterable[tuple]) -> None:
        self._rows("items", 4, rows)

    def texts(self, rows: Iterable[tuple]) -> None:
        self._rows("texts", 3, rows)

    def edges(self, rows: Iterable[tuple]) -> None:
        self._rows("edges", 3, rows)

    def _rows(self, table: str, width: int, rows: Iterable[tuple]) -> None:
        batch: list[tuple] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH:
                self.db.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * width)})", batch)
                batch.clear()
        self.db.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * width)})", batch)

    def group(self, size: int, similarity_min: float, items: Iterable[dict]) -> None:
        """One large group (run-report.json ``groups``), its items (places) streamed in order."""
        grp = self.db.execute("INSERT INTO groups (size, similarity_min) VALUES (?, ?)",
                              (size, similarity_min)).lastrowid
        self._rows("group_items", 2, ((grp, _json(item)) for item in items))

    def _flush(self) -> None:
        self.db.executemany(f"INSERT INTO findings VALUES ({', '.join('?' * 13)})", self._findings)
        self.db.executemany("INSERT INTO pairs VALUES (?, ?, ?, ?)", self._pairs)
        self._findings.clear()
        self._pairs.clear()

    def close(self, key: str | None = None, measure: str | None = None, base: str | None = None) -> None:
        """Everything written, indexed and committed; ``key``/``measure``/``base``: what it was made from."""
        self._flush()
        self.db.execute("INSERT INTO meta VALUES (?, ?, ?)", (key, measure, base))
        self.db.execute("COMMIT")
        self.db.executescript(_INDEXES)
        self._texts()

    def _texts(self) -> None:
        """run-report.json's texts, made once: each workbook's R6xx messages and the ``review``
        section (an unchanged run copies them instead of encoding thousands of findings again)."""
        review = Review(self.db)
        self.db.execute("BEGIN")
        rows = self.db.execute("SELECT source, level, code, message, sheet, cell FROM findings "
                               "ORDER BY source, o_sheet, o_row, o_code, cell, rowid")
        self._rows("workbook_json", 2, (
            (source, _json([Message(*row[1:]).to_json() for row in group]))
            for source, group in groupby(rows, key=lambda row: row[0])))
        chunks = _Chunks(self.db)
        review.write_json(chunks)
        chunks.flush()
        # Findings per workbook and its name: the branches with most findings are then found without
        # sorting every finding (a sort that grew with the number of findings, at the summary's peak).
        self.db.execute("INSERT INTO workbook_counts SELECT source, coalesce(branch, source), count(*) FROM findings"
                        " GROUP BY source")
        self.db.execute("CREATE INDEX workbook_counts_by_name ON workbook_counts (name, n)")
        self.db.execute("COMMIT")


class _Chunks:
    """A text file's ``write`` into the table review_json, 64 KB a row."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db, self.parts, self.size = db, [], 0

    def write(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)
        if self.size >= 65536:
            self.flush()

    def flush(self) -> None:
        if self.parts:
            self.db.execute("INSERT INTO review_json VALUES (?)", ("".join(self.parts),))
        self.parts, self.size = [], 0


def _finding(row: tuple) -> Finding:
    source, branch, level, code, text, sheet, cell, other, similarity = row
    return Finding(source, branch, Message(level, code, text, sheet, cell),
                   None if other is None else json.loads(other), similarity)


class Review:
    """A finished review, read from its database in streams (nothing of it is held in memory).

    ``findings``, ``pairs()`` and ``group_stream()`` are streams; ``similar``,
    ``groups`` and ``report`` are whole lists — for `validate` (a committee's
    folder) and tests, never for `reporter build`."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        row = db.execute("SELECT key, measure FROM meta").fetchone()
        self.key, self.measure = row if row else (None, None)
        # run-report.json's texts, made when the review was (see Writer._texts); absent in an older file
        self.cached = db.execute("SELECT count(*) FROM sqlite_master WHERE name = 'review_json'").fetchone()[0] == 1 \
            and db.execute("SELECT count(*) FROM review_json").fetchone()[0] > 0
        self.counted = db.execute("SELECT count(*) FROM sqlite_master WHERE name = 'workbook_counts'").fetchone()[0] == 1
        self._texts: dict[str, str] = {}  # prefetched messages (see prefetch)
        self._fetched: set[str] = set()

    @classmethod
    def open(cls, path: Path) -> Review:
        """The review kept in ``path`` (raises sqlite3.Error when it is not one)."""
        db = connect(path)
        try:
            db.execute("PRAGMA query_only = ON")
            # Read in streams, each page about once: SQLite's default cache is enough, and the
            # run report's ~6 MB of messages at N = 1,000 come through 2 MB of new pages, not 8.
            db.execute("PRAGMA cache_size = -2000")
            return cls(db)
        except BaseException:
            db.close()
            raise

    def close(self) -> None:
        self.db.close()

    # -- per workbook -----------------------------------------------------------
    def messages_for(self, source: str) -> tuple[Message, ...]:
        """That workbook's R6xx messages (level "review"), in sheet, row and code order."""
        rows = self.db.execute("SELECT level, code, message, sheet, cell FROM findings WHERE source = ? "
                               "ORDER BY o_sheet, o_row, o_code, cell, rowid", (source,))
        return tuple(Message(*row) for row in rows)

    def get(self, source: str, default=()) -> tuple[Message, ...]:
        """As a mapping source → messages."""
        return self.messages_for(source) or default

    def prefetch(self, sources: list[str]) -> None:
        """Read the messages of ``sources`` at once (the next few hundred entries of the run report)."""
        if self.cached and sources:
            self._texts = dict(self.db.execute(
                "SELECT source, CAST(messages AS BLOB) FROM workbook_json"
                f" WHERE source IN ({', '.join('?' * len(sources))})", sources))
            self._fetched = set(sources)

    def messages_json(self, source: str) -> bytes | None:
        """That workbook's R6xx messages as a JSON array in UTF-8 (run-report.json), None when it has none."""
        if self.cached and source in self._fetched:
            return self._texts.get(source)
        if self.cached:
            row = self.db.execute("SELECT CAST(messages AS BLOB) FROM workbook_json WHERE source = ?",
                                  (source,)).fetchone()
            return row[0] if row else None
        messages = self.messages_for(source)
        return _json([m.to_json() for m in messages]).encode("utf-8", "backslashreplace") if messages else None

    # -- the whole review, streamed ----------------------------------------------
    @property
    def counts(self) -> dict[str, int]:
        counted = dict(self.db.execute("SELECT code, count(*) FROM findings GROUP BY code"))
        return {code: counted.get(code, 0) for code in CODES}

    @property
    def findings(self) -> Iterator[Finding]:
        """Every finding, sorted by branch, workbook, sheet, row and code (a stream)."""
        for row in self.db.execute(f"SELECT {_FINDING} FROM findings ORDER BY {_ORDER}"):
            yield _finding(row)

    @property
    def pair_count(self) -> int:
        return self.db.execute("SELECT count(*) FROM pairs").fetchone()[0]

    def pairs(self) -> Iterator[dict]:
        """run-report.json's ``similar``, each pair once, by the first item's branch (a stream)."""
        for (pair,) in self.db.execute("SELECT pair FROM pairs ORDER BY a_branch, a_source, b_branch, rowid"):
            yield json.loads(pair)

    def group_stream(self, items: int | None = None) -> Iterator[dict]:
        """Each large group with its first ``items`` items (None: all of them)."""
        for grp, size, lowest in self.db.execute("SELECT id, size, similarity_min FROM groups ORDER BY id"):
            yield {"size": size, "similarity_min": lowest, "items": list(self._group_items(grp, items))}

    def _group_items(self, grp: int, limit: int | None = None) -> Iterator[dict]:
        rows = self.db.execute("SELECT item FROM group_items WHERE grp = ? ORDER BY rowid LIMIT ?",
                               (grp, -1 if limit is None else limit))
        return (json.loads(item) for (item,) in rows)

    def top_branches(self, n: int = 10) -> list[tuple[str, int]]:
        """The branches with most findings: (支部名称 or source, count), most first."""
        if self.counted:  # from the counts made with the review (an older file: from the findings)
            query = "SELECT name, sum(n) AS total FROM workbook_counts GROUP BY name ORDER BY total DESC, name LIMIT ?"
        else:
            query = ("SELECT coalesce(branch, source) AS name, count(*) AS n FROM findings GROUP BY name "
                     "ORDER BY n DESC, name LIMIT ?")
        return [tuple(row) for row in self.db.execute(query, (n,))]

    def write_json_bytes(self, out: BinaryIO) -> None:
        """:meth:`write_json` in UTF-8 into a binary file (the made text copied as it is kept)."""
        if self.cached:
            for (chunk,) in self.db.execute("SELECT CAST(text AS BLOB) FROM review_json ORDER BY rowid"):
                out.write(chunk)
            return
        text = io.TextIOWrapper(out, encoding="utf-8", errors="backslashreplace")
        self.write_json(text)
        text.flush()
        text.detach()

    def write_json(self, out: TextIO) -> None:
        """run-report.json's ``"review"`` (DESIGN §9) into ``out``, one pair or group item a line:
        ``{"counts": {…}, "similar": [{"a", "b", "similarity"}…], "groups": [{"size",
        "similarity_min", "items": […]}…]}`` — never whole in memory (copied from the text made
        with the review when there is one)."""
        if self.cached:
            for (text,) in self.db.execute("SELECT text FROM review_json ORDER BY rowid"):
                out.write(text)
            return
        out.write('{"counts": ' + _json(self.counts) + ', "similar": [')
        _lines(out, (_json(p) for p in self.pairs()), "\n    ", "\n  ")
        out.write('], "groups": [')
        separator = "\n    "
        for grp, size, lowest in self.db.execute("SELECT id, size, similarity_min FROM groups ORDER BY id"):
            out.write(f'{separator}{{"size": {size}, "similarity_min": {_json(lowest)}, "items": [')
            _lines(out, (_json(item) for item in self._group_items(grp)), "\n      ", "\n    ")
            out.write("]}")
            separator = ",\n    "
        out.write(("" if separator == "\n    " else "\n  ") + "]}")

    # -- whole (validate, tests) --------------------------------------------------------
    @property
    def similar(self) -> list[dict]:
        return list(self.pairs())

    @property
    def groups(self) -> list[dict]:
        return list(self.group_stream())

    @property
    def report(self) -> dict:
        """run-report.json's ``"review"`` as one dict (validate; the build streams :meth:`write_json`)."""
        return {"counts": self.counts, "similar": self.similar, "groups": self.groups}


class Prior:
    """The previous review, for an incremental one: what each unchanged workbook had (its findings other
    than R601, its items) and the texts and similar pairs of texts, read in streams."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self._sources = {source: (sha, branch) for source, sha, branch in db.execute("SELECT * FROM sources")}

    @classmethod
    def open(cls, path: Path, base: str) -> Prior | None:
        """The review kept in ``path`` when made under the configuration ``base`` (None otherwise)."""
        if not path.is_file():
            return None
        db = None
        try:
            db = connect(path)
            db.execute("PRAGMA query_only = ON")
            if db.execute("SELECT base FROM meta").fetchone() == (base,):
                return cls(db)
        except sqlite3.Error:
            pass
        if db is not None:
            db.close()
        return None

    def close(self) -> None:
        self.db.close()

    def unchanged(self, source: str, sha: str | None) -> bool:
        return sha is not None and self._sources.get(source, (None,))[0] == sha

    def branch(self, source: str) -> str | None:
        return self._sources[source][1]

    def findings(self, source: str) -> Iterator[tuple]:
        return self.db.execute("SELECT * FROM findings WHERE source = ? AND code != 'R601' ORDER BY rowid",
                               (source,))

    def items(self, source: str) -> Iterator[tuple[int, int, int]]:
        return self.db.execute("SELECT section, row, text FROM items WHERE source = ? ORDER BY rowid", (source,))

    def texts(self) -> Iterator[tuple[int, str, bytes]]:
        return self.db.execute("SELECT digest, text, keys FROM texts ORDER BY rowid")

    def edges(self) -> Iterator[tuple[int, int, float]]:
        return self.db.execute("SELECT a, b, similarity FROM edges ORDER BY rowid")


def _lines(out: TextIO, texts: Iterable[str], indent: str, close: str) -> None:
    """``texts`` as the elements of a JSON array, one a line."""
    separator = indent
    for text in texts:
        out.write(separator + text)
        separator = "," + indent
    if separator != indent:
        out.write(close)
