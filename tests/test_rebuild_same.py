"""A workbook rendered again to the same content (``--force``, or bytes that changed without
changing the document) leaves its document and its history rows as they are."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import docx
import pytest
from typer.testing import CliRunner

from helpers import PROBLEMS, rewrite_zip, standard_bytes
from reporter.build.db_schema import MIGRATIONS, SCHEMA_VERSION
from reporter.build.outputs import made_by_reporter
from reporter.cli import app
from reporter.config import Config
from reporter.docx.branch import render_document
from reporter.history import SCHEMA_VERSION as HISTORY_READS
from reporter.ooxml import same_but_dates
from reporter.reader import read_workbook

runner = CliRunner()


def build(inp: Path, out: Path, *args: str):
    result = runner.invoke(app, ["build", str(inp), "-o", str(out), "--as-of", "2024-06-30", "--jobs", "2", *args])
    assert result.exit_code == 0, result.output
    return json.loads((out / "run-report.json").read_text(encoding="utf-8"))


def good(path: Path, name: str, **kwargs) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(standard_bytes(info={"支部名称": name}, **kwargs))
    return path


def text_of(path: Path) -> str:
    return "\n".join(p.text for p in docx.Document(path).paragraphs)


def files(folder: Path) -> dict[str, tuple[int, int, bytes]]:
    """name → (inode, mtime_ns, bytes)."""
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns, p.read_bytes()) for p in sorted(folder.glob("*.docx"))}


OTHER_PROBLEMS = [("理论学习", "学习不够深入系统", "对新思想的学习停留在表面。"), *PROBLEMS[1:]]


# --- the comparison -----------------------------------------------------------------


def _document(created: datetime, **kwargs) -> bytes:
    branch = read_workbook(standard_bytes(**kwargs), "a.xlsx", Config()).branch
    return render_document(branch, Config(), created=created)


def test_same_but_dates():
    one = _document(datetime(2024, 1, 1, tzinfo=timezone.utc))
    two = _document(datetime(2025, 6, 30, 8, 15, tzinfo=timezone.utc))
    assert one != two and same_but_dates(one, two) and same_but_dates(one, one)
    other = _document(datetime(2024, 1, 1, tzinfo=timezone.utc), problems=OTHER_PROBLEMS)
    assert not same_but_dates(one, other)  # the body differs
    renamed = _document(datetime(2024, 1, 1, tzinfo=timezone.utc), info={"支部名称": "另一个党支部"})
    assert not same_but_dates(one, renamed)
    # Only the two dates of the core properties are set aside: another author there is a difference.
    core = rewrite_zip(one, lambda n, b: b.replace("<dc:creator>".encode(), "<dc:creator>某人".encode())
                       if n == "docProps/core.xml" else b)
    assert not same_but_dates(core, two)
    assert not same_but_dates(one[:-10], two) and not same_but_dates(b"", two) and not same_but_dates(b"damaged", two)
    assert not same_but_dates(one, one + b"x")  # trailing bytes: not the same file
    # A member changed in place with the same length still differs.
    flipped = bytearray(one)
    flipped[200] ^= 0xFF
    assert not same_but_dates(bytes(flipped), two)


# --- the build ------------------------------------------------------------------------


def test_forced_rebuild_leaves_same_documents_in_place(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    good(inp / "a.xlsx", "甲党支部")
    good(inp / "b.xlsx", "乙党支部")
    good(inp / "c.xlsx", "丙党支部")
    build(inp, out)
    before = files(out / "docs")

    good(inp / "b.xlsx", "乙党支部", problems=OTHER_PROBLEMS)  # its document changes
    person = docx.Document(out / "docs" / "丙党支部.docx")  # a person saves ours in Word
    person.add_paragraph("有人改过")
    person.save(out / "docs" / "丙党支部.docx")
    rep = build(inp, out, "--force")
    assert {w["status"] for w in rep["workbooks"]} == {"ok"}
    after = files(out / "docs")
    assert after["甲党支部.docx"] == before["甲党支部.docx"]  # same file, same time, same bytes
    assert after["乙党支部.docx"][2] != before["乙党支部.docx"][2]
    assert "学习不够深入系统" in text_of(out / "docs" / "乙党支部.docx")
    assert "有人改过" not in text_of(out / "docs" / "丙党支部.docx")  # made again from its workbook
    assert made_by_reporter(out / "docs" / "丙党支部.docx")
    assert sorted(after) == sorted(before) and not list((out / "docs").glob(".*"))

    # The next unchanged run trusts what it recorded: nothing is rendered.
    rep = build(inp, out)
    assert {w["status"] for w in rep["workbooks"]} == {"unchanged"}
    assert files(out / "docs") == after


def test_same_branch_twice_each_keeps_its_own_document(tmp_path):
    """Two workbooks of one 支部名称: the document they would both leave in place is copied,
    and when their order changes, each ends under the name its place gives it."""
    inp, out = tmp_path / "in", tmp_path / "out"
    good(inp / "a.xlsx", "甲党支部")
    good(inp / "b.xlsx", "甲党支部")
    build(inp, out)
    assert sorted(files(out / "docs")) == ["甲党支部-2.docx", "甲党支部.docx"]

    rep = build(inp, out, "--force")  # both find their content at 甲党支部.docx
    docs = {w["source"]: w["document"] for w in rep["workbooks"]}
    assert docs == {"a.xlsx": "docs/甲党支部.docx", "b.xlsx": "docs/甲党支部-2.docx"}
    for name in ("甲党支部.docx", "甲党支部-2.docx"):
        assert "不断增强工作实效" in text_of(out / "docs" / name)
    assert not list((out / "docs").glob(".*"))

    # b.xlsx now says something else; a.xlsx becomes c.xlsx, after b.xlsx in source order.
    good(inp / "b.xlsx", "甲党支部", problems=OTHER_PROBLEMS)
    (inp / "a.xlsx").rename(inp / "c.xlsx")
    rep = build(inp, out, "--force")
    docs = {w["source"]: w["document"] for w in rep["workbooks"]}
    assert docs == {"b.xlsx": "docs/甲党支部.docx", "c.xlsx": "docs/甲党支部-2.docx"}
    assert "学习不够深入系统" in text_of(out / "docs" / "甲党支部.docx")
    assert "学习不够深入系统" not in text_of(out / "docs" / "甲党支部-2.docx")
    assert sorted(files(out / "docs")) == ["甲党支部-2.docx", "甲党支部.docx"]


# --- the history rows -----------------------------------------------------------------


def _count_item_writes(db_path: Path) -> None:
    with sqlite3.connect(db_path) as db:
        db.executescript("CREATE TABLE test_writes (n INTEGER); INSERT INTO test_writes VALUES (0);"
                         "CREATE TRIGGER test_count AFTER INSERT ON items BEGIN"
                         " UPDATE test_writes SET n = n + 1; END;")


def _writes(db_path: Path) -> int:
    with sqlite3.connect(db_path) as db:
        return db.execute("SELECT n FROM test_writes").fetchone()[0]


def test_forced_rebuild_writes_items_only_where_they_differ(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    good(inp / "a.xlsx", "甲党支部")
    good(inp / "b.xlsx", "乙党支部")
    build(inp, out)
    db_path = out / "reporter.sqlite"
    _count_item_writes(db_path)
    build(inp, out, "--force")
    assert _writes(db_path) == 0  # the same bytes read the same way: their items stay

    good(inp / "b.xlsx", "乙党支部", problems=OTHER_PROBLEMS)
    build(inp, out, "--force")
    with sqlite3.connect(db_path) as db:
        wrote = _writes(db_path)
        items = db.execute("SELECT count(*) FROM items i JOIN versions v ON v.id = i.version"
                           " WHERE v.source = 'b.xlsx'").fetchone()[0]
        b_new = db.execute("SELECT count(*) FROM items WHERE version = (SELECT max(id) FROM versions)").fetchone()[0]
        digest_ok = all(d is not None and len(d) == 32 for (d,) in db.execute("SELECT items_digest FROM versions"))
    assert wrote == b_new > 0 and items > b_new and digest_ok  # only b.xlsx's new version was written

    # A digest that does not match what the items would be (lost, or from an older tool): written again.
    with sqlite3.connect(db_path) as db:
        db.execute("UPDATE versions SET items_digest = NULL WHERE source = 'a.xlsx'")
        db.execute("UPDATE items SET headline = '被改坏的' WHERE version IN (SELECT id FROM versions WHERE source = 'a.xlsx')")
    build(inp, out, "--force")
    with sqlite3.connect(db_path) as db:
        assert not db.execute("SELECT count(*) FROM items WHERE headline = '被改坏的'").fetchone()[0]
        assert db.execute("SELECT count(*) FROM versions WHERE items_digest IS NULL").fetchone()[0] == 0


def test_an_unchanged_run_writes_no_version_row(tmp_path):
    """Each run notes every workbook's last run in the narrow version_seen; the wide versions rows are
    not touched (a rewrite of every page of the table each night, growing with the number of workbooks)."""
    inp, out = tmp_path / "in", tmp_path / "out"
    good(inp / "a.xlsx", "甲党支部")
    good(inp / "b.xlsx", "乙党支部")
    build(inp, out)
    db_path = out / "reporter.sqlite"
    with sqlite3.connect(db_path) as db:
        db.executescript("CREATE TABLE test_writes (n INTEGER); INSERT INTO test_writes VALUES (0);"
                         "CREATE TRIGGER test_count AFTER UPDATE ON versions BEGIN"
                         " UPDATE test_writes SET n = n + 1; END;")
    for _ in range(2):
        assert [w["status"] for w in build(inp, out)["workbooks"]] == ["unchanged", "unchanged"]
    with sqlite3.connect(db_path) as db:
        assert _writes(db_path) == 0
        assert db.execute("SELECT source, first_run, last_run FROM versions_seen ORDER BY source").fetchall() == [
            ("a.xlsx", 1, 3), ("b.xlsx", 1, 3)]


def as_older_schema(db_path: Path, version: int) -> None:
    """Make ``db_path`` what schema ``version`` held: a new file made by that version's statements,
    every row copied over (versions.last_run from version_seen), the current file replaced by it."""
    older = db_path.with_name("older.sqlite")
    with sqlite3.connect(older) as db:
        db.executescript("".join(MIGRATIONS[:version]) + f"PRAGMA user_version = {version};")
        db.execute("ATTACH ? AS cur", (str(db_path),))
        for table in ("runs", "versions", "items", "run_workbooks", "state", "leftovers", "run_progress"):
            here = [r[1] for r in db.execute(f"PRAGMA main.table_info({table})")]
            there = {r[1] for r in db.execute(f"PRAGMA cur.table_info({table})")}
            columns = [c for c in here if c in there]
            values = [f"cur.{table}.{c}" for c in columns]
            if table == "versions":
                columns.append("last_run")
                values.append("(SELECT last_run FROM cur.version_seen WHERE version = id)")
            db.execute(f"INSERT INTO main.{table} ({', '.join(columns)}) SELECT {', '.join(values)} FROM cur.{table}")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    older.rename(db_path)


@pytest.mark.parametrize("version", [1, 2])
def test_older_database_migrated_in_place(tmp_path, monkeypatch, version):
    """A database of schema 1 or 2 is brought to the current one: its runs, versions and items stay."""
    inp, out = tmp_path / "in", tmp_path / "out"
    good(inp / "a.xlsx", "甲党支部")
    good(inp / "b.xlsx", "乙党支部")
    build(inp, out)
    good(inp / "b.xlsx", "乙党支部", problems=OTHER_PROBLEMS)
    build(inp, out)
    db_path = out / "reporter.sqlite"
    with sqlite3.connect(db_path) as db:
        before = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("runs", "versions", "items")}
    as_older_schema(db_path, version)
    with sqlite3.connect(db_path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == version
        assert "last_run" in {r[1] for r in db.execute("PRAGMA table_info(versions)")}
    rep = build(inp, out)
    assert [w["status"] for w in rep["workbooks"]] == ["unchanged", "unchanged"]
    with sqlite3.connect(db_path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == len(MIGRATIONS) == 3
        assert HISTORY_READS == SCHEMA_VERSION  # `reporter history` reads what the build writes
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        after = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("runs", "versions", "items")}
        assert after == {**before, "runs": before["runs"] + 1}
        columns = {r[1] for r in db.execute("PRAGMA table_info(versions)")}
        assert "items_digest" in columns and "last_run" not in columns
        indexes = {n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert "items_progress" in indexes and "run_workbooks_version" not in indexes
        assert db.execute("SELECT count(*) FROM state s JOIN versions v ON v.id = s.version"
                          " WHERE s.sha256 = v.sha256").fetchone()[0] == 2  # the state keeps its sha256
        # b.xlsx's first version was last seen in run 1 (kept from the old column), the others in run 3.
        seen = db.execute("SELECT source, first_run, last_run FROM versions_seen ORDER BY source, first_run").fetchall()
        assert seen == [("a.xlsx", 1, 3), ("b.xlsx", 1, 1), ("b.xlsx", 2, 3)]
    assert not list(out.glob("reporter.sqlite.*"))  # not moved aside
    history = json.loads(runner.invoke(app, ["history", str(out), "--json"]).output)["runs"]
    assert len(history) == before["runs"] + 1

    # A state row without its sha256 (not written by this tool) is no proof of anything: read again,
    # even when the file's stat key is the one stored (a settled file is otherwise not read).
    import reporter.build.intake as intake

    monkeypatch.setattr(intake, "RACY_NS", 0)
    build(inp, out)  # the stat keys stored
    with sqlite3.connect(db_path) as db:
        db.execute("UPDATE state SET sha256 = NULL WHERE source = '\"a.xlsx\"'")
    rep = {w["source"]: w for w in build(inp, out)["workbooks"]}
    assert rep["a.xlsx"]["status"] == "ok" and rep["b.xlsx"]["status"] == "unchanged"
    assert rep["a.xlsx"]["sha256"] == hashlib.sha256((inp / "a.xlsx").read_bytes()).hexdigest()


def test_the_result_lines_are_written_one_workbook_at_a_time(tmp_path, monkeypatch):
    """The log's per-workbook lines at the end of a run: made and written one at a time (memory:
    a list of every workbook's line was the build process's last peak at 30,000 workbooks)."""
    import gc

    from reporter import runlog

    inp, out = tmp_path / "in", tmp_path / "out"
    for i in range(12):
        good(inp / f"{i:02d}.xlsx", f"第{i}党支部")
    alive: list[int] = []
    line = runlog.RunLog._line

    def counting(self, level, body, screen=True):
        if "→ docs/" in body:
            gc.collect()
            alive.append(sum(1 for o in gc.get_objects() if type(o) is runlog.Row))
        return line(self, level, body, screen)

    monkeypatch.setattr(runlog.RunLog, "_line", counting)
    build(inp, out)
    assert len(alive) == 12 and max(alive) <= 2
