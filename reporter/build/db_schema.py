"""The schema of ``OUTPUT_DIR/reporter.sqlite`` (DESIGN §8), created and migrated here.

``PRAGMA user_version`` is the schema's version: :data:`MIGRATIONS` [n] turns
version n into n + 1, so a database of any older version is brought up to
:data:`SCHEMA_VERSION` in order, each step in one transaction.  A database of
a newer version is not ours to change (the store moves it aside).

Tables (plain English names; dates ISO-8601, JSON where a list is kept):

- ``runs``           one row per run of `reporter build` (finished is NULL: killed)
- ``versions``       one row per version of a workbook ever seen (source + sha256, the run that
                     first saw it; the digest of its item rows, so identical items are not written again)
- ``version_seen``   per version, the last run that saw it (narrow rows: every run updates one row per
                     workbook, and a wide ``versions`` row would make that a rewrite of the whole table)
- ``items``          every problem, cause and measure of every version, all fields
- ``run_workbooks``  which version each workbook of a run was, its status and findings
- ``state``          the incremental state: per workbook, its last good build (with its sha256)
- ``leftovers``      files of ours a run could not remove (tried again next run)
- ``run_progress``   per run and 完成情况: measures and how many of them overdue (the trend)

Views: ``versions_seen`` (``versions`` with ``last_run``), ``current_measures``
(the measures of the last completed run), ``run_totals`` (runs with their
measure counts and whether interrupted; the views count 已完成 as done, the
default ``done_status``).

``run_workbooks`` has no index by version: each run adds one entry per workbook
next to every version's earlier ones, so such an index would be rewritten
whole by every run, a cost growing with the history; no query needs it.
"""

from __future__ import annotations

import sqlite3

SCHEMA_VERSION = 3

_V1 = """
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    started TEXT NOT NULL,
    finished TEXT,
    completed INTEGER NOT NULL DEFAULT 0,
    reason TEXT,
    exit_status INTEGER,
    as_of TEXT NOT NULL,
    tool_version TEXT NOT NULL,
    options TEXT NOT NULL,
    workbooks INTEGER NOT NULL DEFAULT 0,
    ok INTEGER NOT NULL DEFAULT 0,
    warning INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    unchanged INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE versions (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    first_run INTEGER NOT NULL REFERENCES runs(id),
    last_run INTEGER NOT NULL REFERENCES runs(id),
    status TEXT NOT NULL,
    branch TEXT,
    problems INTEGER NOT NULL DEFAULT 0,
    causes INTEGER NOT NULL DEFAULT 0,
    measures INTEGER NOT NULL DEFAULT 0,
    messages TEXT NOT NULL DEFAULT '[]',
    info TEXT,
    template_version INTEGER,
    UNIQUE (source, sha256)
);
CREATE TABLE items (
    version INTEGER NOT NULL REFERENCES versions(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('problem', 'cause', 'measure')),
    position INTEGER NOT NULL,
    sheet TEXT NOT NULL,
    row INTEGER NOT NULL,
    number INTEGER NOT NULL,
    headline TEXT NOT NULL,
    details TEXT NOT NULL DEFAULT '',
    category TEXT,
    problems TEXT,
    problems_as_written TEXT,
    owner TEXT,
    deadline TEXT,
    deadline_as_written TEXT,
    progress TEXT,
    PRIMARY KEY (version, kind, position)
) WITHOUT ROWID;
CREATE TABLE run_workbooks (
    run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    source TEXT NOT NULL,
    version INTEGER REFERENCES versions(id),
    status TEXT NOT NULL,
    branch TEXT,
    document TEXT,
    duplicate_of TEXT,
    messages TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (run, source)
);
CREATE INDEX run_workbooks_version ON run_workbooks(version);
CREATE TABLE state (
    source TEXT PRIMARY KEY,
    version INTEGER NOT NULL REFERENCES versions(id),
    source_key TEXT,
    fingerprint TEXT NOT NULL,
    tool_version TEXT NOT NULL,
    model TEXT NOT NULL,
    document TEXT NOT NULL,
    doc_stat TEXT,
    pdf_stat TEXT,
    status TEXT NOT NULL,
    branch TEXT NOT NULL,
    counts TEXT NOT NULL,
    messages TEXT NOT NULL
);
CREATE TABLE leftovers (path TEXT PRIMARY KEY);
CREATE TABLE run_progress (
    run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    progress TEXT NOT NULL,
    measures INTEGER NOT NULL,
    overdue INTEGER NOT NULL,
    PRIMARY KEY (run, progress)
);
CREATE VIEW run_totals AS
    SELECT r.id, r.started, r.finished, r.as_of, r.finished IS NULL OR r.completed = 0 AS interrupted,
           r.workbooks, r.ok, r.warning, r.failed, r.unchanged,
           (SELECT sum(measures) FROM run_progress p WHERE p.run = r.id) AS measures,
           (SELECT sum(measures) FROM run_progress p WHERE p.run = r.id AND p.progress = '已完成') AS done,
           (SELECT sum(overdue) FROM run_progress p WHERE p.run = r.id) AS overdue
    FROM runs r;
CREATE VIEW current_measures AS
    SELECT w.branch, w.source, i.row, i.number, i.headline, i.owner, i.deadline, i.deadline_as_written, i.progress
    FROM run_workbooks w JOIN items i ON i.version = w.version AND i.kind = 'measure'
    WHERE w.run = (SELECT max(id) FROM runs WHERE completed = 1)
      AND w.status != 'failed' AND w.duplicate_of IS NULL;
"""

# Version 2: a version's items are rewritten only when they differ (a forced rebuild of the same
# bytes by the same reader leaves them as they are); NULL: not known, rewritten on the next sight.
# Each run's measure counts (run_progress) read from an index, not from the items' whole rows.
_V2 = """
ALTER TABLE versions ADD COLUMN items_digest BLOB;
CREATE INDEX IF NOT EXISTS items_progress ON items(version, kind, progress, deadline);
"""

# Version 3: an unchanged night wrote ~1,100 pages at N = 1,000 (4.5 MB through the WAL, twice):
# versions.last_run (every version row, so every page of the table) and the index of run_workbooks
# by version (every leaf, growing with the history).  last_run moves to a narrow table; the index goes.
# The state keeps each workbook's sha256 itself: an unchanged night reads no page of versions.
# versions is made again without the column (the portable way: ALTER TABLE … DROP COLUMN needs
# SQLite 3.35), with the same ids, so items, run_workbooks and state still point at the same rows.
_V3 = """
CREATE TABLE version_seen (
    version INTEGER PRIMARY KEY REFERENCES versions(id),
    last_run INTEGER NOT NULL REFERENCES runs(id)
);
INSERT INTO version_seen SELECT id, last_run FROM versions;
ALTER TABLE state ADD COLUMN sha256 TEXT;
UPDATE state SET sha256 = (SELECT sha256 FROM versions v WHERE v.id = state.version);
CREATE TABLE versions_v3 (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    first_run INTEGER NOT NULL REFERENCES runs(id),
    status TEXT NOT NULL,
    branch TEXT,
    problems INTEGER NOT NULL DEFAULT 0,
    causes INTEGER NOT NULL DEFAULT 0,
    measures INTEGER NOT NULL DEFAULT 0,
    messages TEXT NOT NULL DEFAULT '[]',
    info TEXT,
    template_version INTEGER,
    items_digest BLOB,
    UNIQUE (source, sha256)
);
INSERT INTO versions_v3 SELECT id, source, sha256, first_run, status, branch, problems, causes, measures, messages,
    info, template_version, items_digest FROM versions;
DROP TABLE versions;
ALTER TABLE versions_v3 RENAME TO versions;
DROP INDEX IF EXISTS run_workbooks_version;
CREATE VIEW versions_seen AS
    SELECT v.*, s.last_run FROM versions v LEFT JOIN version_seen s ON s.version = v.id;
"""

# MIGRATIONS[n]: the statements that turn schema version n into n + 1.
MIGRATIONS: tuple[str, ...] = (_V1, _V2, _V3)
assert len(MIGRATIONS) == SCHEMA_VERSION


class NewerSchema(Exception):
    """The database was made by a newer version of the tool."""


def migrate(db: sqlite3.Connection) -> None:
    """Create or bring the schema up to :data:`SCHEMA_VERSION` (raises NewerSchema)."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise NewerSchema(version)
    if version == SCHEMA_VERSION:
        return
    # A table made again must not take its references with it: foreign keys off while migrating (outside a
    # transaction), and renaming leaves views and triggers as written (a person's own view of versions too).
    keys = db.execute("PRAGMA foreign_keys").fetchone()[0]
    db.execute("PRAGMA foreign_keys = OFF")
    db.execute("PRAGMA legacy_alter_table = ON")
    try:
        for n in range(version, SCHEMA_VERSION):
            db.executescript("BEGIN;" + MIGRATIONS[n] + f"PRAGMA user_version = {n + 1};COMMIT;")
    finally:
        if db.in_transaction:  # a step failed: none of it stays
            db.execute("ROLLBACK")
        db.execute("PRAGMA legacy_alter_table = OFF")
        db.execute(f"PRAGMA foreign_keys = {keys}")
