"""`reporter history`: what the history store of an OUTPUT_DIR remembers (DESIGN §8).

Read only (the database is opened read-only and never migrated or moved
here).  Without a branch: one entry per run; with one: the versions that
branch handed in and each measure's status changes.  Dates are the runs'
as-of dates.  :func:`history_json` gives the data (``--json``),
:func:`history_lines` the plain text, :func:`print_history` a Rich table on a
terminal.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from .errors import ReporterError

DB_NAME = "reporter.sqlite"  # as reporter.build.store_sqlite (not imported: --help stays light)
SCHEMA_VERSION = 3  # as reporter.build.db_schema (a test keeps them equal)


def _open(output_dir: Path) -> sqlite3.Connection:
    path = Path(output_dir) / DB_NAME
    if not path.is_file():
        raise ReporterError(f"{output_dir} 中没有历史数据库 {DB_NAME}：请先对该输出文件夹运行 reporter build。")
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        version = db.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.Error:
        raise ReporterError(f"历史数据库 {path} 无法读取（可能已损坏）；下次运行 reporter build 时会另存并新建。") from None
    if version > SCHEMA_VERSION:
        raise ReporterError(f"历史数据库 {path} 由更新版本的本工具创建，请升级 reporter 后再查看。")
    return db


def history_json(output_dir: Path, branch: str | None = None) -> dict:
    db = _open(output_dir)
    try:
        return _branch(db, branch) if branch is not None else {"runs": _runs(db)}
    except sqlite3.Error as exc:
        raise ReporterError(f"读取历史数据库时出错：{exc}") from None
    finally:
        db.close()


def _runs(db: sqlite3.Connection) -> list[dict]:
    runs = []
    for (rid, started, finished, as_of, interrupted, exit_status, n, ok, warning, failed, unchanged, measures, done,
         overdue) in db.execute("SELECT t.id, t.started, t.finished, t.as_of, t.interrupted, r.exit_status,"
                                " t.workbooks, t.ok, t.warning, t.failed, t.unchanged, t.measures, t.done, t.overdue"
                                " FROM run_totals t JOIN runs r ON r.id = t.id ORDER BY t.id"):
        runs.append({"id": rid, "started": started, "finished": finished, "as_of": as_of,
                     "interrupted": bool(interrupted), "exit_status": exit_status,
                     "totals": {"workbooks": n, "ok": ok, "warning": warning, "failed": failed, "unchanged": unchanged},
                     "measures": {"total": measures or 0, "done": done or 0, "overdue": overdue or 0}})
    return runs


def _branch(db: sqlite3.Connection, name: str) -> dict:
    versions = [{"date": as_of, "source": source, "sha256": sha[:12], "status": status,
                 "counts": {"problems": p, "causes": c, "measures": m}}
                for as_of, source, sha, status, p, c, m in db.execute(
                    "SELECT r.as_of, v.source, v.sha256, v.status, v.problems, v.causes, v.measures"
                    " FROM versions v JOIN runs r ON r.id = v.first_run WHERE v.branch = ? ORDER BY v.first_run, v.id",
                    (name,))]
    last: dict[tuple, str | None] = {}
    measures: dict[tuple, dict] = {}
    for as_of, number, headline, progress in db.execute(
            "SELECT r.as_of, i.number, i.headline, i.progress FROM runs r JOIN run_workbooks w ON w.run = r.id"
            " JOIN items i ON i.version = w.version AND i.kind = 'measure'"
            " WHERE r.completed = 1 AND w.branch = ? AND w.status != 'failed' AND w.duplicate_of IS NULL"
            " ORDER BY r.id, i.position", (name,)):
        key = (number, headline)
        entry = measures.setdefault(key, {"number": number, "measure": headline, "changes": []})
        if key not in last or last[key] != progress:
            entry["changes"].append({"date": as_of, "status": progress})
            last[key] = progress
    return {"branch": name, "versions": versions, "measures": list(measures.values())}


def _counts(c: dict) -> str:
    return f"问题{c['problems']} 原因{c['causes']} 措施{c['measures']}"


STATUS = {"ok": "通过", "warning": "有警告", "failed": "未通过"}


def run_row(run: dict) -> list[str]:
    t, m = run["totals"], run["measures"]
    return [str(run["id"]), run["started"][:16].replace("T", " "), run["as_of"],
            f"{t['workbooks']}（通过{t['ok']} 警告{t['warning']} 未通过{t['failed']} 未变化{t['unchanged']}）",
            f"{m['total']}（已完成{m['done']} 逾期{m['overdue']}）", "中断" if run["interrupted"] else "完成"]


RUN_HEADER = ["运行", "开始时间", "判断日期", "工作簿", "整改措施", "状态"]


def history_lines(data: dict) -> list[str]:
    """The plain text (not on a terminal)."""
    if "runs" in data:
        if not data["runs"]:
            return ["历史数据库中还没有运行记录。"]
        return ["  ".join(f"{h}：{v}" for h, v in zip(RUN_HEADER, run_row(run))) for run in data["runs"]]
    lines = [f"支部：{data['branch']}"]
    if not data["versions"] and not data["measures"]:
        return lines + ["历史数据库中没有该支部的记录（请核对支部名称）。"]
    lines.append("提交的版本：")
    lines += [f"  {v['date']}  {v['sha256']}  {v['source']}  {_counts(v['counts'])}  {STATUS.get(v['status'], v['status'])}"
              for v in data["versions"]]
    lines.append("整改措施完成情况变化：")
    for m in data["measures"]:
        steps = " → ".join(f"{c['date']} {c['status'] or '未填写'}" for c in m["changes"])
        lines.append(f"  （{m['number']}）{m['measure']}：{steps}")
    return lines


def print_history(data: dict, as_json: bool) -> None:
    import sys

    if as_json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return
    if not sys.stdout.isatty() or "runs" not in data or not data["runs"]:
        for line in history_lines(data):
            print(line)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(*RUN_HEADER, title="运行历史")
    for run in data["runs"]:
        table.add_row(*run_row(run), style="red" if run["interrupted"] else None)
    Console().print(table)
