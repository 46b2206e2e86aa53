"""The state and history store in ``OUTPUT_DIR/reporter.sqlite`` (DESIGN §8).

One writer (the run holding OUTPUT_DIR's lock), WAL journal, every write
in a transaction: a run killed at any moment leaves a database that passes
``PRAGMA integrity_check``, with that run's row unfinished (interrupted).
A database that cannot be opened, or that a newer version of the tool made,
is moved aside with a timestamped name (never deleted) and a new one is
started.  ``PRAGMA quick_check`` reads the whole file (its time grows with
the history), so it runs only when the file may have changed since this tool
last closed it cleanly: its ``-wal`` file is still there (a run killed, a
disk full), its stat key differs from the one noted then in
:data:`CLOSED_NAME` (anything else wrote to it, a partial copy), or the last
run did not complete (it may have stopped on a damaged page).  A file that
is no database fails on its header and schema at every open.  The state of
older versions (``.reporter-state.json``, version 1's pickle) is taken over
once: the files it records as ours are kept, every document is rebuilt, the
old file is removed.

Table layout: :mod:`.db_schema`.  Nothing read back is unpickled: a branch
is rebuilt from its ``versions`` and ``items`` rows (:func:`.db_items.load_branch`).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..message import Message
from .db_items import Stored, insert_items, json_text, load_branch
from .db_schema import NewerSchema, migrate
from .state import MODEL_SIGNATURE, LoadedState, Owned, StateEntry

if TYPE_CHECKING:
    from ..model import BranchInfo

DB_NAME = "reporter.sqlite"
CLOSED_NAME = ".reporter-sqlite-closed"  # the database's stat key when this tool last closed it cleanly
BATCH = 500  # versions written per transaction while the workers deliver


def connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    return db


_j = json_text


def _messages(messages) -> str:
    """Findings as stored (JSON text; most workbooks have none)."""
    return _j([m.to_json() for m in messages]) if messages else "[]"


def _key(values: tuple[int, ...] | None) -> str | None:
    """A stat key as stored: the text json.dumps makes of it, made directly (several a workbook a run)."""
    if values is not None and all(type(v) is int for v in values):
        return f"[{', '.join(map(str, values))}]"
    return _j(values)


def _t(text: str | None) -> tuple | None:
    """A stat key read back (:func:`_key`'s list of integers read directly; anything else as JSON)."""
    if text is None:
        return None
    try:
        return tuple(map(int, text[1:-1].split(", ")))
    except ValueError:
        return tuple(json.loads(text))


STATE_COLUMNS = ("source, version, sha256, source_key, fingerprint, tool_version, model, document, doc_stat,"
                 " pdf_stat, status, branch, counts, messages")


def _file_key(path: Path) -> str | None:
    """size, mtime, ctime (no program can set it) and inode of a file: equal, the file was not written."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return f"{st.st_size} {st.st_mtime_ns} {st.st_ctime_ns} {st.st_ino}"


def _last_run_completed(db: sqlite3.Connection) -> bool:
    """The last run completed (True for a new database): one that did not may have stopped on a damaged page."""
    last = db.execute("SELECT completed FROM runs ORDER BY id DESC LIMIT 1").fetchone()
    return last is None or bool(last[0])


class StoredEntries:
    """The state's entries, read from the database a few hundred at a time (:meth:`prefetch`, as the
    workbooks are decided in order) or one at a time (memory never holds them all)."""

    _COLUMNS = ("SELECT source, sha256, source_key, fingerprint, tool_version, model, document, doc_stat, pdf_stat,"
                " status, branch, counts, messages, version FROM state WHERE source IN ")

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.signature = MODEL_SIGNATURE
        self._rows: dict[str, tuple] = {}  # the prefetched rows, by source's key
        self._counts: dict[str, dict[str, int]] = {}  # counts as stored → parsed (shared, never changed)

    def prefetch(self, sources: list[str]) -> None:
        """Read the entries of ``sources`` at once (the next few hundred workbooks); the earlier ones go."""
        keys = [json.dumps(source) for source in sources]
        self._rows = {row[0]: row for row in self.db.execute(
            self._COLUMNS + f"({', '.join('?' * len(keys))})", keys)} if keys else {}

    def get(self, source: str) -> StateEntry | None:
        stored = json.dumps(source)
        row = self._rows.pop(stored, None) or self.db.execute(self._COLUMNS + "(?)", (stored,)).fetchone()
        if row is None:
            return None
        _, sha, key, fp, tool, model, document, doc_stat, pdf_stat, status, name, counts, msgs, version = row
        if model != self.signature or sha is None:
            return None
        if counts not in self._counts:  # a few distinct counts among all workbooks: each parsed once
            self._counts[counts] = json.loads(counts)
        messages = tuple(Message.from_json(m) for m in json.loads(msgs)) if msgs != "[]" else ()
        return StateEntry(sha, _t(key), fp, tool, document, _t(doc_stat), _t(pdf_stat), status, name,
                          self._counts[counts], messages, version)


class SqliteStore:
    """:class:`~.state.StateStore` over ``reporter.sqlite``, plus the run's history."""

    def __init__(self, output_dir: Path) -> None:
        self.out = Path(output_dir)
        self.path = self.out / DB_NAME
        self.db: sqlite3.Connection | None = None
        self.run_id: int | None = None
        self.notices: list[str] = []
        self._pending = 0  # versions written in the open transaction
        self._leftovers: set[str] | None = None  # as last loaded or saved (None: the state is always written)
        self._loaded: int | None = None  # the number of state rows loaded (None: not known)

    # -- opening ---------------------------------------------------------------
    def open(self) -> sqlite3.Connection:
        if self.db is None:
            try:
                self.db = self._open()
            except (sqlite3.DatabaseError, NewerSchema) as exc:
                self._move_aside(exc)
                self.db = self._open()
        return self.db

    def _open(self) -> sqlite3.Connection:
        as_closed = not os.path.exists(f"{self.path}-wal") and _file_key(self.path) == self._closed_key()
        db = connect(self.path)  # (makes a -wal file: looked at before)
        try:
            migrate(db)  # reads the header and the schema: a file that is no database fails here
            trusted = as_closed and _last_run_completed(db)
            if not trusted and db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise sqlite3.DatabaseError("quick_check failed")
        except BaseException:
            db.close()
            raise
        return db

    def _move_aside(self, exc: Exception) -> None:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{DB_NAME}.{stamp}.{'newer' if isinstance(exc, NewerSchema) else 'damaged'}")
        n = 1
        while aside.exists():
            n += 1
            aside = aside.with_name(f"{aside.name.rsplit('~', 1)[0]}~{n}")
        os.replace(self.path, aside)
        for suffix in ("-wal", "-shm"):
            try:
                os.replace(f"{self.path}{suffix}", f"{aside}{suffix}")
            except OSError:
                pass
        why = "由更新版本的本工具创建" if isinstance(exc, NewerSchema) else "已损坏，无法打开"
        self.notices.append(f"历史数据库 {DB_NAME} {why}，已改名保存为 {aside.name}（未删除），本次新建数据库并全部重新生成。")

    def close(self) -> None:
        if self.db is not None:
            if self.db.in_transaction:
                self.db.execute("COMMIT")
            self.db.close()
            self.db = None
            self._note_closed()

    def _closed_key(self) -> str | None:
        try:
            return (self.out / CLOSED_NAME).read_text(encoding="utf-8").strip()
        except (OSError, ValueError):
            return None

    def _note_closed(self) -> None:
        """Note the file's stat key after a clean close (the last connection folds the -wal file in and
        removes it); else no key: the next open checks the file."""
        key = None if os.path.exists(f"{self.path}-wal") else _file_key(self.path)
        try:
            if key is None:
                (self.out / CLOSED_NAME).unlink(missing_ok=True)
            else:
                (self.out / CLOSED_NAME).write_text(key + "\n", encoding="utf-8")
        except OSError:
            pass  # without the note the next run checks the database: slower, never wrong

    # -- the incremental state (StateStore) ------------------------------------------
    def load(self) -> LoadedState:
        db = self.open()
        owned = Owned()
        fresh = db.execute("SELECT count(*) FROM runs").fetchone()[0] == 0
        if fresh:
            from .legacy import take_over

            taken = take_over(self.out)
            taken.notices = self.notices
            return taken
        owned.note_leftovers(p for (p,) in db.execute("SELECT path FROM leftovers"))
        self._loaded = 0
        for document, doc_stat, pdf_stat in db.execute("SELECT document, doc_stat, pdf_stat FROM state"):
            owned.note(document, _t(doc_stat), _t(pdf_stat))
            self._loaded += 1
        self._leftovers = set(owned.leftovers)
        return LoadedState(StoredEntries(db), owned, notices=self.notices)

    def save(self, entries: Mapping[str, StateEntry] | Callable[[], Iterable[tuple[str, StateEntry]]],
             leftovers: set[str], as_loaded: int | None = None) -> None:
        """Replace the state with ``entries`` (a mapping, or a function giving (source, entry)
        pairs, called once: no dict of every entry is needed); an unchanged state is not rewritten.

        ``as_loaded``: the caller knows that there are that many entries, each the stored one as
        loaded; when the state held as many then (and the leftovers are the same), nothing is
        written or compared.  Otherwise the new rows go to a temporary table first and are compared
        there with the stored ones, in SQL (a run with nothing new writes nothing to the database file)."""
        if as_loaded is not None and as_loaded == self._loaded and self._leftovers == leftovers:
            if self.open().in_transaction:
                self.db.execute("COMMIT")  # the versions written so far
            self._pending = 0
            return
        self._loaded = None  # what was loaded is no longer what is stored
        pairs = entries.items if isinstance(entries, Mapping) else entries
        signature = MODEL_SIGNATURE
        made: dict[tuple, str] = {}

        def counts(value: dict[str, int]) -> str:  # a few distinct counts among all workbooks: each made once
            key = tuple(value.items())
            if key not in made:
                made[key] = _j(value)
            return made[key]

        rows = ((json.dumps(source), e.version, e.sha256, _key(e.source_key), e.fingerprint, e.tool_version,
                 signature, e.document, _key(e.doc_stat), _key(e.pdf_stat), e.status, e.name, counts(e.counts),
                 _messages(e.messages))
                for source, e in pairs())
        db = self.open()
        self._begin()
        db.execute(f"CREATE TEMP TABLE IF NOT EXISTS new_state AS SELECT {STATE_COLUMNS} FROM state WHERE 0")
        db.execute("DELETE FROM temp.new_state")
        db.executemany(f"INSERT INTO temp.new_state ({STATE_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        same = db.execute(f"SELECT (SELECT count(*) FROM main.state) = (SELECT count(*) FROM temp.new_state)"
                          f" AND NOT EXISTS (SELECT {STATE_COLUMNS} FROM temp.new_state"
                          f" EXCEPT SELECT {STATE_COLUMNS} FROM main.state)").fetchone()[0]
        if same and self._leftovers == leftovers:
            db.execute("DELETE FROM temp.new_state")
            db.execute("COMMIT")  # an unchanged run rewrites nothing (the versions written so far are kept)
            self._pending = 0
            return
        db.execute("DELETE FROM main.state")
        db.execute(f"INSERT INTO main.state ({STATE_COLUMNS}) SELECT {STATE_COLUMNS} FROM temp.new_state")
        db.execute("DELETE FROM temp.new_state")
        db.execute("DELETE FROM leftovers")
        db.executemany("INSERT INTO leftovers VALUES (?)", ((p,) for p in sorted(leftovers)))
        db.execute("COMMIT")
        self._pending = 0
        self._leftovers = set(leftovers)
        from .legacy import remove_old_state

        remove_old_state(self.out)

    # -- the run's history ------------------------------------------------------------
    def _begin(self) -> None:
        if not self.open().in_transaction:
            self.db.execute("BEGIN IMMEDIATE")

    def begin_run(self, started: str, as_of: str, tool_version: str, options: dict) -> int:
        db = self.open()
        self._begin()
        cur = db.execute("INSERT INTO runs (started, as_of, tool_version, options) VALUES (?,?,?,?)",
                         (started, as_of, tool_version, _j(options)))
        db.execute("COMMIT")
        self.run_id = cur.lastrowid
        return self.run_id

    def add_version(self, source: str, sha256: str, status: str, name: str | None, counts: dict,
                    messages, stored: Stored | None) -> int:
        """This run saw ``source`` with these bytes: its version row (and items, from :func:`.db_items.stored_form`),
        new or updated."""
        db = self.open()
        self._begin()
        info, tv, rows = stored if stored is not None else (None, None, None)
        digest = hashlib.sha256(rows.encode()).digest() if rows else None
        known = db.execute("SELECT id, items_digest FROM versions WHERE source = ? AND sha256 = ?",
                           (source, sha256)).fetchone()
        row = (status, name, counts.get("problems", 0), counts.get("causes", 0), counts.get("measures", 0),
               _j([m.to_json() for m in messages]), info, tv, digest)
        if known is None:
            version = db.execute(
                "INSERT INTO versions (status, branch, problems, causes, measures, messages, info, template_version,"
                " items_digest, source, sha256, first_run) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (*row, source, sha256, self.run_id)).lastrowid
        else:
            version = known[0]
            db.execute("UPDATE versions SET status = ?, branch = ?, problems = ?, causes = ?, measures = ?,"
                       " messages = ?, info = ?, template_version = ?, items_digest = ? WHERE id = ?",
                       (*row, version))
        db.execute("INSERT INTO version_seen VALUES (?, ?)"
                   " ON CONFLICT (version) DO UPDATE SET last_run = excluded.last_run", (version, self.run_id))
        if known is None or known[1] is None or known[1] != digest:  # the same items are not written again
            db.execute("DELETE FROM items WHERE version = ?", (version,))
            if rows:
                insert_items(db, version, rows)
        self._pending += 1
        if self._pending >= BATCH:
            db.execute("COMMIT")
            self._pending = 0
        return version

    def record_run(self, rows) -> None:
        """The run's workbooks: (source, version, status, branch, document, duplicate_of, messages)."""
        db = self.open()
        self._begin()
        db.execute("DELETE FROM run_workbooks WHERE run = ?", (self.run_id,))
        db.executemany("INSERT INTO run_workbooks VALUES (?,?,?,?,?,?,?,?)",
                       ((self.run_id, *row[:6], _messages(row[6])) for row in rows))
        db.execute("INSERT INTO version_seen SELECT version, run FROM run_workbooks WHERE run = ? AND version IS NOT NULL"
                   " ON CONFLICT (version) DO UPDATE SET last_run = excluded.last_run", (self.run_id,))
        db.execute("COMMIT")
        self._pending = 0

    def finish_run(self, finished: str, completed: bool, exit_status: int, reason: str | None, totals: dict) -> None:
        if self.run_id is None:
            return
        db = self.open()
        self._begin()
        db.execute("UPDATE runs SET finished = ?, completed = ?, exit_status = ?, reason = ?, workbooks = ?, ok = ?,"
                   " warning = ?, failed = ?, unchanged = ? WHERE id = ?",
                   (finished, int(completed), exit_status, reason, totals["workbooks"], totals["ok"],
                    totals["warning"], totals["failed"], totals["unchanged"], self.run_id))
        db.execute("COMMIT")
        self._pending = 0

    def record_progress(self, as_of: str, done_status: str) -> None:
        """The run's measures by 完成情况 and how many overdue (the trend's point)."""
        db = self.open()
        self._begin()
        db.execute("DELETE FROM run_progress WHERE run = ?", (self.run_id,))
        db.execute(
            "INSERT INTO run_progress SELECT w.run, coalesce(i.progress, ''), count(*),"
            " sum(i.deadline IS NOT NULL AND i.deadline < ? AND coalesce(i.progress, '') != ?)"
            " FROM run_workbooks w JOIN items i ON i.version = w.version AND i.kind = 'measure'"
            " WHERE w.run = ? AND w.status != 'failed' AND w.duplicate_of IS NULL"
            " GROUP BY coalesce(i.progress, '')", (as_of, done_status, self.run_id))
        db.execute("COMMIT")
        self._pending = 0

    def version_in_run(self, source: str) -> int | None:
        """The version of ``source`` this run recorded (run_workbooks)."""
        found = self.open().execute("SELECT version FROM run_workbooks WHERE run = ? AND source = ?",
                                    (self.run_id, source)).fetchone()
        return found[0] if found else None

    def branch(self, version: int, only: str | None = None):
        return load_branch(self.open(), version, only)

    def infos(self, versions: list[int], batch: int = 500) -> Iterator[BranchInfo]:
        """The 基本信息 of these versions, in order (their items not read)."""
        from ..model import BranchInfo

        db = self.open()
        for start in range(0, len(versions), batch):
            chunk = versions[start:start + batch]
            found = dict(db.execute(f"SELECT id, info FROM versions WHERE id IN ({','.join('?' * len(chunk))})",
                                    chunk))
            yield from (BranchInfo.from_json(json.loads(found[v])) for v in chunk if found.get(v))


def open_sqlite_store(output_dir: Path) -> SqliteStore:
    return SqliteStore(output_dir)
