"""What changed since the previous completed run (run-report.json ``"changes"``, DESIGN §8), in SQL.

A workbook is new / removed when its source is in one run and not the other,
changed when its bytes (sha256) differ.  A measure's identity is
(支部名称, 序号) while its headline stays the same; only the workbooks the
summary counts (not failed, not a duplicate copy) have measures.
"""

from __future__ import annotations

import sqlite3

_SOURCES = "SELECT w.source, v.sha256 FROM run_workbooks w LEFT JOIN versions v ON v.id = w.version WHERE w.run = ?"
_MEASURES = ("SELECT w.branch, w.source, i.row, i.number, i.headline, i.progress, i.deadline"
             " FROM run_workbooks w JOIN items i ON i.version = w.version AND i.kind = 'measure'"
             " WHERE w.run = {run} AND w.status != 'failed' AND w.duplicate_of IS NULL AND w.branch IS NOT NULL")
_PAIRS = (f"WITH cur AS ({_MEASURES.format(run=':cur')})"
          " SELECT cur.branch, cur.source, cur.row, cur.headline, prev.progress, cur.progress, cur.deadline,"
          " prev.deadline FROM cur JOIN temp.previous_measures prev ON prev.branch = cur.branch"
          " AND prev.number = cur.number AND prev.headline = cur.headline ")


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
    # The previous run's measures, indexed by identity (a temporary table: the database file is not touched).
    db.execute("DROP TABLE IF EXISTS temp.previous_measures")
    db.execute(f"CREATE TEMP TABLE previous_measures AS {_MEASURES.format(run='?')}", (prev_id,))
    db.execute("CREATE INDEX temp.previous_measures_identity ON previous_measures (branch, number, headline)")
    params = {"cur": run, "done": done_status, "as_of": as_of, "prev_as_of": prev_as_of}
    order = " ORDER BY cur.branch, cur.number, cur.source"
    for branch, source, row, measure, was, is_, _, _ in db.execute(
            _PAIRS + "WHERE cur.progress = :done AND coalesce(prev.progress, '') != :done" + order, params):
        result["measures_completed"].append(
            {"branch": branch, "source": source, "row": row, "measure": measure, "from": was, "to": is_})
    late = ("WHERE cur.deadline IS NOT NULL AND cur.deadline < :as_of AND coalesce(cur.progress, '') != :done"
            " AND NOT (prev.deadline IS NOT NULL AND prev.deadline < :prev_as_of"
            " AND coalesce(prev.progress, '') != :done)")
    for branch, source, row, measure, _, _, deadline, _ in db.execute(_PAIRS + late + order, params):
        result["became_overdue"].append(
            {"branch": branch, "source": source, "row": row, "measure": measure, "deadline": deadline})
    db.execute("DROP TABLE temp.previous_measures")
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
