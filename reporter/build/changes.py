"""What changed since the previous completed run (run-report.json ``"changes"``, DESIGN §8), in SQL.

A workbook is new / removed when its source is in one run and not the other,
changed when its bytes (sha256, so its version) differ.  A measure's identity is
(支部名称, 序号) while its headline stays the same; only the workbooks the
summary counts (not failed, not a duplicate copy) have measures.
"""

from __future__ import annotations

import sqlite3

# A workbook's version stands for its bytes: one row per (source, sha256), so for one source two runs
# have the same version exactly when they read the same bytes (the versions table is not read).
_SOURCES = "SELECT source, version FROM run_workbooks WHERE run = ?"
# The workbooks whose measures count (not failed, not a duplicate copy, a 支部名称).
_COUNTED = "w.status != 'failed' AND w.duplicate_of IS NULL AND w.branch IS NOT NULL"
_COMPLETED = "i.progress = :done AND coalesce(p.progress, '') != :done"
_OVERDUE = "i.deadline IS NOT NULL AND i.deadline < :as_of AND coalesce(i.progress, '') != :done"
_WAS_OVERDUE = "p.deadline IS NOT NULL AND p.deadline < :prev_as_of AND coalesce(p.progress, '') != :done"
# Each measure of this run (i) paired with each measure of the previous run of the same identity (p),
# where it was completed or became overdue.  The condition on i alone comes first, so only the
# measures that are done or overdue now are paired; the previous run's workbooks are found by
# branch in temp.previous_workbooks.  A workbook handed in with the same bytes (the same version)
# is its own previous: nothing in it was completed, and a measure became overdue only when its
# deadline lies between the two as-of dates (no pairing: most workbooks of a night are unchanged).
_PAIRS = (
    "SELECT w.branch, w.source, i.row, i.headline, p.progress, i.progress, i.deadline, " + _COMPLETED + ", i.number"
    " FROM run_workbooks w JOIN items i ON i.version = w.version AND i.kind = 'measure'"
    " JOIN temp.previous_workbooks pw ON pw.branch = w.branch AND pw.version != w.version"
    " JOIN items p ON p.version = pw.version AND p.kind = 'measure' AND p.number = i.number"
    " AND p.headline = i.headline"
    f" WHERE w.run = :cur AND {_COUNTED} AND (i.progress = :done OR {_OVERDUE})"
    f" AND ({_COMPLETED} OR ({_OVERDUE} AND NOT ({_WAS_OVERDUE})))"
    " UNION ALL"
    " SELECT w.branch, w.source, i.row, i.headline, i.progress, i.progress, i.deadline, 0, i.number"
    " FROM run_workbooks w JOIN temp.previous_workbooks pw ON pw.branch = w.branch AND pw.version = w.version"
    " JOIN items i ON i.version = w.version AND i.kind = 'measure'"
    f" WHERE :as_of > :prev_as_of AND w.run = :cur AND {_COUNTED} AND i.deadline >= :prev_as_of AND {_OVERDUE}"
    " ORDER BY 1, 9, 2, 3"  # branch, 序号, source, row
)


def empty_changes(since: str | None = None) -> dict:
    return {"since": since, "new": [], "changed": [], "removed": [], "measures_completed": [], "became_overdue": []}


def previous_run(db: sqlite3.Connection, run: int) -> tuple[int, str, str] | None:
    """(id, started, as_of) of the last completed run before ``run``."""
    return db.execute("SELECT id, started, as_of FROM runs WHERE completed = 1 AND id < ? ORDER BY id DESC LIMIT 1",
                      (run,)).fetchone()


def changes(db: sqlite3.Connection, run: int, as_of: str, done_status: str) -> dict:
    """run-report.json's "changes" of ``run`` (its run_workbooks written)."""
    prev = previous_run(db, run)
    now = dict(db.execute(_SOURCES, (run,)))
    if prev is None:
        return {**empty_changes(), "new": sorted(now)}
    prev_id, since, prev_as_of = prev
    before = dict(db.execute(_SOURCES, (prev_id,)))
    result = empty_changes(since)
    result["new"] = sorted(s for s in now if s not in before)
    result["removed"] = sorted(s for s in before if s not in now)
    result["changed"] = sorted(s for s in now if s in before and now[s] != before[s])
    # The previous run's workbooks, indexed by branch (a temporary table: the database file is not touched).
    db.execute("DROP TABLE IF EXISTS temp.previous_workbooks")
    db.execute(f"CREATE TEMP TABLE previous_workbooks AS SELECT w.branch, w.version FROM run_workbooks w"
               f" WHERE w.run = ? AND {_COUNTED}", (prev_id,))
    db.execute("CREATE INDEX temp.previous_workbooks_branch ON previous_workbooks (branch)")
    params = {"cur": run, "done": done_status, "as_of": as_of, "prev_as_of": prev_as_of}
    for branch, source, row, measure, was, is_, deadline, completed, _ in db.execute(_PAIRS, params):
        if completed:
            result["measures_completed"].append(
                {"branch": branch, "source": source, "row": row, "measure": measure, "from": was, "to": is_})
        else:
            result["became_overdue"].append(
                {"branch": branch, "source": source, "row": row, "measure": measure, "deadline": deadline})
    db.execute("DROP TABLE temp.previous_workbooks")
    return result


def counts_line(changes: dict) -> str:
    """The one line of counts on screen and in the log."""
    if changes["since"] is None:
        return f"与上次运行相比：首次运行（收到 {len(changes['new'])} 份工作簿）。"
    return (f"与上次运行相比：新增 {len(changes['new'])} 份、修改 {len(changes['changed'])} 份、"
            f"删除 {len(changes['removed'])} 份工作簿；新完成措施 {len(changes['measures_completed'])} 项，"
            f"新逾期措施 {len(changes['became_overdue'])} 项。")


def trend(db: sqlite3.Connection, statuses: tuple[str, ...]) -> list[dict]:
    """One point per as-of date, from the last completed run of that date (and the
    run in progress, which has its run_progress rows and is the latest):
    {"as_of", "measures", "overdue", "progress": {完成情况: n}}."""
    rows = db.execute(
        "SELECT r.as_of, p.progress, p.measures, p.overdue FROM runs r JOIN run_progress p ON p.run = r.id"
        " WHERE r.id IN (SELECT max(id) FROM runs WHERE completed = 1 OR id = (SELECT max(id) FROM runs)"
        " AND EXISTS (SELECT 1 FROM run_progress q WHERE q.run = runs.id) GROUP BY as_of) ORDER BY r.as_of")
    points: dict[str, dict] = {}
    for as_of, progress, measures, overdue in rows:
        point = points.setdefault(as_of, {"as_of": as_of, "measures": 0, "overdue": 0,
                                          "progress": {s: 0 for s in statuses}})
        point["measures"] += measures
        point["overdue"] += overdue
        key = progress if progress in statuses else ""
        point["progress"][key] = point["progress"].get(key, 0) + measures
    return list(points.values())
