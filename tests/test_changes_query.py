"""run-report.json "changes" (DESIGN §8): the query of reporter.build.changes against a plain reference.

The reference is the first formulation (every previous measure copied to a temporary table, two
queries); the faster one must give the same pairs on random histories: duplicate copies, failed
workbooks, duplicate 序号 within a workbook, renamed headlines, deadlines around both as-of dates,
workbooks handed in again with the same bytes (the same version: each measure is its own previous)."""

from __future__ import annotations

import json
import random
import sqlite3

import pytest

from reporter.build.changes import changes
from reporter.build.db_schema import migrate

_MEASURES = ("SELECT w.branch, w.source, i.row, i.number, i.headline, i.progress, i.deadline, w.version, i.position"
             " FROM run_workbooks w JOIN items i ON i.version = w.version AND i.kind = 'measure'"
             " WHERE w.run = {run} AND w.status != 'failed' AND w.duplicate_of IS NULL AND w.branch IS NOT NULL")
_PAIRS = (f"WITH cur AS ({_MEASURES.format(run=':cur')})"
          " SELECT cur.branch, cur.source, cur.row, cur.headline, prev.progress, cur.progress, cur.deadline,"
          " prev.deadline FROM cur JOIN temp.ref_previous prev ON prev.branch = cur.branch AND CASE"
          " WHEN prev.version = cur.version THEN prev.position = cur.position"
          " ELSE prev.number = cur.number AND prev.headline = cur.headline END ")


def reference(db: sqlite3.Connection, run: int, prev: int, as_of: str, prev_as_of: str, done: str) -> tuple:
    db.execute(f"CREATE TEMP TABLE ref_previous AS {_MEASURES.format(run='?')}", (prev,))
    params = {"cur": run, "done": done, "as_of": as_of, "prev_as_of": prev_as_of}
    completed = [{"branch": b, "source": s, "row": r, "measure": m, "from": was, "to": is_}
                 for b, s, r, m, was, is_, _, _, *_ in db.execute(
                     _PAIRS + "WHERE cur.progress = :done AND coalesce(prev.progress, '') != :done", params)]
    late = ("WHERE cur.deadline IS NOT NULL AND cur.deadline < :as_of AND coalesce(cur.progress, '') != :done"
            " AND NOT (prev.deadline IS NOT NULL AND prev.deadline < :prev_as_of"
            " AND coalesce(prev.progress, '') != :done)")
    overdue = [{"branch": b, "source": s, "row": r, "measure": m, "deadline": d}
               for b, s, r, m, _, _, d, _, *_ in db.execute(_PAIRS + late, params)]
    db.execute("DROP TABLE temp.ref_previous")
    return completed, overdue


def history(rng: random.Random) -> tuple[sqlite3.Connection, list[str]]:
    db = sqlite3.connect(":memory:", isolation_level=None)
    migrate(db)
    dates = ["2024-03-31", "2024-06-30", "2024-06-30", "2024-09-30"]
    as_ofs = []
    for run in (1, 2):
        as_of = rng.choice(dates)
        as_ofs.append(as_of)
        db.execute("INSERT INTO runs (id, started, as_of, tool_version, options, completed) VALUES (?,?,?,?,?,1)",
                   (run, f"2024-07-0{run}T02:00:00", as_of, "x", "{}"))
    version = 0
    first: list[tuple] = []  # run 1's workbooks (source, version, status, branch, duplicate)
    for run in (1, 2):
        for n in range(rng.randint(1, 6)):
            if run == 2 and first and rng.random() < 0.4:  # handed in again unchanged
                again = rng.choice(first)
                if again[0] == f"{n}.xlsx":
                    db.execute("INSERT INTO run_workbooks VALUES (?,?,?,?,?,?,?,?)",
                               (run, again[0], again[1], again[2], again[3], None, again[4], "[]"))
                    continue
            version += 1
            source, branch = f"{n}.xlsx", rng.choice(["甲", "乙", "丙", None])
            status = rng.choice(["ok", "ok", "warning", "failed"])
            db.execute("INSERT INTO versions (id, source, sha256, first_run, status) VALUES (?,?,?,?,?)",
                       (version, source, f"{version:064x}", run, status))
            duplicate = rng.choice([None, None, None, "other.xlsx"])
            if run == 1:
                first.append((source, version, status, branch, duplicate))
            db.execute("INSERT INTO run_workbooks VALUES (?,?,?,?,?,?,?,?)",
                       (run, source, version, status, branch, None, duplicate, "[]"))
            for position in range(1, rng.randint(1, 5)):
                deadline = rng.choice([None, "2024-01-31", "2024-05-31", "2024-06-30", "2024-08-31", "2024-12-31"])
                db.execute("INSERT INTO items (version, kind, position, sheet, row, number, headline, deadline,"
                           " progress) VALUES (?,?,?,?,?,?,?,?,?)",
                           (version, "measure", position, "整改措施", position + 1, rng.randint(1, 3),
                            rng.choice(["甲措施", "乙措施"]), deadline, rng.choice([None, "未开始", "整改中", "已完成"])))
    return db, as_ofs


@pytest.mark.parametrize("seed", range(200))
def test_the_same_pairs_as_the_reference(seed):
    rng = random.Random(seed)
    db, (prev_as_of, as_of) = history(rng)
    found = changes(db, 2, as_of, "已完成")
    completed, overdue = reference(db, 2, 1, as_of, prev_as_of, "已完成")
    key = lambda entry: json.dumps(entry, ensure_ascii=False, sort_keys=True)  # noqa: E731
    assert sorted(map(key, found["measures_completed"])) == sorted(map(key, completed))
    assert sorted(map(key, found["became_overdue"])) == sorted(map(key, overdue))
    for entries in (found["measures_completed"], found["became_overdue"]):
        assert [e["branch"] for e in entries] == sorted(e["branch"] for e in entries)
