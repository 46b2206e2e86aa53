"""Hostile and broken input (issue 6; DESIGN.md §2 and §6): nothing crashes, nothing is lost, nothing escapes.

One folder holds every kind of bad file a shared folder can collect, built
here in ``tmp_path``, next to good workbooks; ``reporter build`` runs on it as
a subprocess (stdout piped, as under cron) and every output is inspected.

A worker killed by a signal is covered by
``tests/test_batch.py::test_worker_killed_by_signal_fails_only_its_workbook``.
"""

from __future__ import annotations

import io
import json
import os
import re
import struct
import subprocess
import sys
import zipfile
import zlib
from datetime import date
from pathlib import Path

import docx
import openpyxl
import pytest
from helpers import rewrite_zip, standard_bytes, standard_sheets, write_docx
from hostile_inputs import CONTROL, ESCAPED_CONTROL, LIVE_WORD, xlsxwriter_bytes

from reporter.fsutil import safe_name

AS_OF = "2024-06-30"
CJK = re.compile("[\u4e00-\u9fff]")
FORMULAS = (
    '=HYPERLINK("http://example.com/x","点此查看")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A9)",
    "=cmd|' /C calc'!A0",
    "http://example.com/整改",
)

# A small process that runs a command and reports how long it took, the largest
# resident set size of any one of its descendants (ru_maxrss, exact, KiB) and
# the largest sum over the whole process tree seen by sampling every 20 ms.
_MEASURE = """
import json, resource, subprocess, sys, tempfile, time
import psutil
out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()
t = time.monotonic()
p = subprocess.Popen(sys.argv[1:], stdout=out, stderr=err, stdin=subprocess.DEVNULL)
tree_peak = 0
while p.poll() is None:
    try:
        top = psutil.Process(p.pid)
        procs = [top, *top.children(recursive=True)]
    except psutil.NoSuchProcess:
        break
    total = 0
    for proc in procs:
        try:
            total += proc.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    tree_peak = max(tree_peak, total)
    time.sleep(0.02)
p.wait()
seconds = time.monotonic() - t
out.seek(0), err.seek(0)
json.dump({"returncode": p.returncode, "seconds": seconds,
           "max_rss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, "tree_peak_kib": tree_peak // 1024,
           "stdout": out.read().decode("utf-8", "replace"), "stderr": err.read().decode("utf-8", "replace")}, sys.stdout)
"""


# ------------------------------------------------------------------ builders


def _sheet_member(data: bytes, sheet: str) -> str:
    """The zip member holding ``sheet`` (via workbook.xml and its relationships)."""
    z = zipfile.ZipFile(io.BytesIO(data))
    rid = re.search(rf'<sheet [^>]*name="{sheet}"[^>]*r:id="(rId\d+)"'.encode(), z.read("xl/workbook.xml")).group(1)
    target = re.search(rb'Id="' + rid + rb'"[^>]*Target="([^"]+)"|Target="([^"]+)"[^>]*Id="' + rid + rb'"',
                       z.read("xl/_rels/workbook.xml.rels"))
    path = (target.group(1) or target.group(2)).decode()
    return path.lstrip("/") if path.startswith("/") else "xl/" + path


def billion_laughs() -> bytes:
    """A standard workbook whose problems sheet declares nested entities (10⁹ "lol"s) and uses them."""
    data = standard_bytes(info={"支部名称": "实体炸弹党支部"}, problems=[("理论学习", "LAUGHS", "具体表现")])
    part = _sheet_member(data, "存在的问题")
    entities = b'<!ENTITY lol0 "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10) for i in range(1, 10))
    doctype = b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE worksheet [' + entities + b"]>\n"

    def change(name: str, blob: bytes) -> bytes:
        if name != part:
            return blob
        blob = re.sub(rb"^<\?xml[^>]*\?>\s*", b"", blob)
        return doctype + blob.replace(b"LAUGHS", b"&lol9;")

    bomb = rewrite_zip(data, change)
    assert b"&lol9;" in zipfile.ZipFile(io.BytesIO(bomb)).read(part)
    return bomb


def _raw_zip(members: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip from (name, raw deflate stream, crc32, uncompressed size) members, written by hand.

    zipfile can only write what it compresses itself; this lets a test put a
    precomputed stream of hundreds of MB (inflated) into a small file at once.
    """
    out = io.BytesIO()
    central = []
    for name, stream, crc, size in members:
        encoded = name.encode()
        offset = out.tell()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0x0800, 8, 0, 0x21, crc, len(stream), size,
                              len(encoded), 0) + encoded + stream)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0x0800, 8, 0, 0x21, crc,
                                   len(stream), size, len(encoded), 0, 0, 0, 0, 0, offset) + encoded)
    start = out.tell()
    directory = b"".join(central)
    out.write(directory)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), len(directory), start, 0))
    return out.getvalue()


def _deflated(name: str, blob: bytes) -> tuple[str, bytes, int, int]:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return name, c.compress(blob) + c.flush(), zlib.crc32(blob), len(blob)


def zip_bomb(inflated_mb: int = 300) -> bytes:
    """A valid-looking standard workbook whose problems sheet inflates to ``inflated_mb`` MB of XML.

    The padding is whitespace between rows (valid XML); its deflate stream is
    one compressed MB repeated, so building it costs a CRC pass, not a compression.
    """
    data = standard_bytes(info={"支部名称": "压缩炸弹党支部"})
    part = _sheet_member(data, "存在的问题")
    source = zipfile.ZipFile(io.BytesIO(data))
    members = []
    for info in source.infolist():
        blob = source.read(info)
        if info.filename != part:
            members.append(_deflated(info.filename, blob))
            continue
        head, tail = blob.split(b"</sheetData>")
        tail = b"</sheetData>" + tail
        mb = b" " * (1 << 20)
        pieces = []
        for piece in (head, mb, tail):
            c = zlib.compressobj(9, zlib.DEFLATED, -15)
            pieces.append(c.compress(piece) + c.flush(zlib.Z_FULL_FLUSH if piece is not tail else zlib.Z_FINISH))
        crc = zlib.crc32(head)
        for _ in range(inflated_mb):
            crc = zlib.crc32(mb, crc)
        crc = zlib.crc32(tail, crc)
        stream = pieces[0] + pieces[1] * inflated_mb + pieces[2]
        members.append((part, stream, crc, len(head) + inflated_mb * len(mb) + len(tail)))
    return _raw_zip(members)


def encrypted_workbook() -> tuple[bytes, str]:
    """A password-protected .xlsx (an OLE compound file): real, made by msoffcrypto-tool when installed."""
    data = standard_bytes(info={"支部名称": "加密党支部"})
    try:
        from msoffcrypto.format.ooxml import OOXMLFile
    except ImportError:  # hand-built: the OLE magic and an EncryptedPackage stream name
        ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "EncryptedPackage".encode("utf-16-le") + bytes(1000)
        return ole, "hand-built OLE file"
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt("密码123", out)
    return out.getvalue(), "msoffcrypto-tool"


CONTROL_NAME = "控制\x01字符RAW1党支部"


def control_characters() -> bytes:
    """Shared strings holding _x0001_-style escapes (XlsxWriter), raw C0 bytes and &#6; references."""
    sheets = standard_sheets(
        info={"支部名称": CONTROL_NAME, "上级党组织": "机关\x1f党委", "支部书记": "张\x08三",
              "落款": "中共控制字符\x0c党支部", "会议日期": date(2023, 12, 20)},
        problems=[("理论\x02学习", "学习\x1f不深入RAW2", "具体\x0b表现RAW3。"),
                  ("不存在\x03的方面", "政治\x07敏锐性不强", "对风险\x1b认识不够。")],
        causes=[("理论武装\x0e抓得不紧", "精力\x10不足RAW2")],
        measures=[("强化\x11学习", "增强\x12自觉性", "1\x13,2", "李\x14四", "2024-0\x15-31", "整改\x16中")],
    )
    data = xlsxwriter_bytes(sheets)
    strings = zipfile.ZipFile(io.BytesIO(data)).read("xl/sharedStrings.xml")
    assert b"_x0001_" in strings and b"_x001F_" in strings  # escapes really in the XML
    raw = {b"RAW1": b"\x03", b"RAW2": b"\x04\x05", b"RAW3": b"&#6;&#x1e;\xef\xbf\xbe"}  # &#6;, &#x1e;, a raw U+FFFE

    def change(name: str, blob: bytes) -> bytes:
        if name == "xl/sharedStrings.xml":
            for token, value in raw.items():
                blob = blob.replace(token, value)
        return blob

    damaged = rewrite_zip(data, change)
    strings = zipfile.ZipFile(io.BytesIO(damaged)).read("xl/sharedStrings.xml")
    assert b"\x03" in strings and b"&#6;" in strings and b"\xef\xbf\xbe" in strings  # raw ones too
    return damaged


def formula_like() -> bytes:
    """Texts that a spreadsheet or Word would make live, in every text field (written as strings)."""
    problems = [("理论学习", f, f"{f} 具体表现") for f in FORMULAS]
    causes = [(f, f"原因 {f}") for f in FORMULAS]
    overdue = date(2024, 1, 31)  # before --as-of: listed in the summary report's overdue table
    measures = [(f, f"措施 {f}", "1", f, overdue, "整改中") for f in FORMULAS]
    sheets = standard_sheets(info={"支部名称": "=1+1党支部", "上级党组织": "@机关党委", "支部书记": "-张三",
                                   "导语": "+根据要求，现报告如下："},
                             problems=problems, causes=causes, measures=measures)
    return xlsxwriter_bytes(sheets)


def _ok(name: str, **kwargs) -> bytes:
    return standard_bytes(info={"支部名称": name}, **kwargs)


# ------------------------------------------------------------------ the folder


def _snapshot(root: Path, skip: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``root`` (not following links, not under ``skip``): size and mtime."""
    found = {}
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = [d for d in dirnames if here / d != skip]
        for name in filenames:
            st = os.lstat(here / name)
            found[os.fsencode(here / name).decode("utf-8", "backslashreplace")] = (st.st_size, st.st_mtime_ns)
    return found


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory) -> dict:
    """Build the hostile folder, run `reporter build` on it once, return what the tests inspect."""
    root = tmp_path_factory.mktemp("hostile")
    inp, out = root / "in", root / "work" / "out"
    inp.mkdir()
    (root / "work").mkdir()
    outside = root / "外部" / "secret.xlsx"
    outside.parent.mkdir()
    outside.write_bytes(_ok("外部党支部"))

    expected: dict[str, tuple[str, str | None]] = {}  # source → (status, first message code)

    def put(name: str, data: bytes, status: str, code: str | None) -> None:
        (inp / name).write_bytes(data)
        expected[name] = (status, code)

    put("空文件.xlsx", b"", "failed", "E102")
    put("随机字节.xlsx", os.urandom(40_000), "failed", "E101")
    write_docx(inp / "Word改名.xlsx", "这是一份 Word 文档。")
    expected["Word改名.xlsx"] = ("failed", "E109")
    put("实体炸弹.xlsx", billion_laughs(), "failed", "E107")
    bomb = zip_bomb(300)
    put("压缩炸弹.xlsx", bomb, "failed", "E105")
    encrypted, how = encrypted_workbook()
    put("加密.xlsx", encrypted, "failed", "E103")
    put("控制字符.xlsx", control_characters(), "warning", "W301")
    put("公式.xlsx", formula_like(), "ok", None)
    put("穿越1.xlsx", _ok("../../x"), "ok", None)
    put("穿越2.xlsx", _ok("..\\..\\y"), "ok", None)
    put("穿越3.xlsx", _ok("/etc/passwd"), "ok", None)
    put("重复甲.xlsx", _ok("重复党支部"), "warning", "W401")
    put("重复乙.xlsx", _ok("重复党支部"), "warning", "W401")
    put("正常一.xlsx", _ok("第一党支部"), "ok", None)
    (inp / "子文件夹").mkdir()
    put("子文件夹/正常二.xlsx", _ok("第二党支部"), "ok", None)
    os.mkfifo(inp / "管道.xlsx")  # not a regular file: fails as root too, and must not block
    expected["管道.xlsx"] = ("failed", "E122")
    if os.geteuid() != 0:  # root reads anything: see test_unreadable_file_is_its_own_finding
        put("无权限.xlsx", _ok("无权限党支部"), "failed", "E120")
        (inp / "无权限.xlsx").chmod(0)
    (inp / "悬空链接.xlsx").symlink_to(inp / "已删除.xlsx")
    expected["悬空链接.xlsx"] = ("failed", "E121")
    (inp / "外部链接.xlsx").symlink_to(outside)
    expected["外部链接.xlsx"] = ("failed", "E123")
    gbk = "第三党支部".encode("gbk") + b".xlsx"  # a name from a Windows zip: not UTF-8
    with open(os.path.join(os.fsencode(inp), gbk), "wb") as f:
        f.write(_ok("第三党支部"))
    expected[gbk.decode("utf-8", "backslashreplace")] = ("warning", "W405")
    (inp / "说明.txt").write_text("各支部请把工作簿放在这里。", encoding="utf-8")
    (inp / "~$正常一.xlsx").write_bytes(b"\x00" * 165)  # Excel's lock file: not in the report

    passwd = os.stat("/etc/passwd")
    before = _snapshot(root, out)
    cmd = [sys.executable, "-m", "reporter", "build", str(inp), "-o", str(out), "--as-of", AS_OF, "--jobs", "2"]
    proc = subprocess.run([sys.executable, "-c", _MEASURE, *cmd], capture_output=True, text=True, cwd=root,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr
    run = json.loads(proc.stdout)
    print(f"\nhostile folder: {len(expected)} workbooks, build {run['seconds']:.2f} s, "
          f"peak RSS of the largest process {run['max_rss_kib'] / 1024:.0f} MiB, "
          f"of the process tree (sampled) {run['tree_peak_kib'] / 1024:.0f} MiB; "
          f"zip bomb {len(bomb) / 1024:.0f} KiB → 300 MiB; encrypted workbook: {how}")
    return {
        "root": root, "inp": inp, "out": out, "expected": expected, "run": run,
        "before": before, "after": _snapshot(root, out), "passwd": (passwd, os.stat("/etc/passwd")),
    }


def _report(run: dict) -> dict:
    return json.loads((run["out"] / "run-report.json").read_text(encoding="utf-8"))


def _by_source(run: dict) -> dict[str, dict]:
    return {w["source"]: w for w in _report(run)["workbooks"]}


def _document_of(run: dict, source: str) -> Path:
    return run["out"] / _by_source(run)[source]["document"]


def _strings(value) -> list[str]:
    """Every string in a JSON value (keys too)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (k, *_strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _xml_parts(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n).decode("utf-8") for n in z.namelist() if n.endswith((".xml", ".rels"))}


# ------------------------------------------------------------------ the tests


def test_run_fails_cleanly_quickly_and_with_bounded_memory(hostile_run):
    run = hostile_run["run"]
    assert run["returncode"] == 1, run["stdout"] + run["stderr"]
    assert "Traceback" not in run["stdout"] + run["stderr"]
    assert "\x1b" not in run["stdout"]  # piped: plain lines
    assert run["stdout"].splitlines()[-1].split(" ", 2)[2].startswith("完成：")
    assert run["seconds"] < 120  # generous: a few seconds here
    assert run["max_rss_kib"] < 1024 * 1024  # 1 GiB; the zip bomb alone would need 300 MiB+
    assert run["tree_peak_kib"] < 2 * 1024 * 1024  # parent and workers together


def test_every_file_has_its_status_and_a_chinese_message(hostile_run):
    report = _report(hostile_run)
    found = {w["source"]: w for w in report["workbooks"]}
    expected = hostile_run["expected"]
    assert sorted(found) == sorted(expected)
    for source, (status, code) in expected.items():
        entry = found[source]
        assert entry["status"] == status, (source, entry)
        codes = [m["code"] for m in entry["messages"] if m["level"] != "review"]
        if code is None:
            assert codes == [], (source, codes)
        else:
            assert codes[0] == code, (source, codes)
        for m in entry["messages"]:
            assert CJK.search(m["message"]), m
        if status == "failed":
            assert entry["document"] is None and entry["messages"][0]["level"] == "error"
        else:
            assert entry["document"] and (hostile_run["out"] / entry["document"]).is_file()
    assert report["ignored"] == ["说明.txt"]
    totals = report["totals"]
    assert totals["workbooks"] == len(expected)
    assert totals["failed"] == sum(1 for s, _ in expected.values() if s == "failed")
    # Both same-branch workbooks are named in each other's finding, and both got a document.
    assert "重复乙.xlsx" in found["重复甲.xlsx"]["messages"][0]["message"]
    assert found["重复甲.xlsx"]["document"] != found["重复乙.xlsx"]["document"]


def test_documents_stay_in_docs_with_safe_names_and_nothing_is_written_elsewhere(hostile_run):
    out = hostile_run["out"]
    docs = (out / "docs").resolve()
    report = _report(hostile_run)
    made = sorted(w["document"] for w in report["workbooks"] if w["document"])
    assert sorted(f"docs/{p.name}" for p in docs.iterdir()) == made
    for rel in made:
        path = (out / rel).resolve()
        assert path.parent == docs and path.suffix == ".docx"
        assert not CONTROL.search(path.name) and "\\" not in path.name and not path.name.startswith(".")
        docx.Document(path)  # a real document
    for source, branch in (("穿越1.xlsx", "../../x"), ("穿越2.xlsx", "..\\..\\y"), ("穿越3.xlsx", "/etc/passwd")):
        assert _by_source(hostile_run)[source]["branch"] == branch
        name = _document_of(hostile_run, source).name
        assert name == f"{safe_name(branch)}.docx" and "/" not in name and not name.startswith("."), name
    # Nothing outside OUTPUT_DIR changed: not the input folder, not its neighbours, not /etc/passwd.
    assert hostile_run["after"] == hostile_run["before"]
    before, after = hostile_run["passwd"]
    assert (before.st_size, before.st_mtime_ns) == (after.st_size, after.st_mtime_ns)
    assert {p.name for p in out.iterdir()} <= {"docs", "summary", "run-report.json", ".reporter.lock",
                                               ".reporter-summary.json", ".reporter-review.sqlite", ".reporter-volume.json",
                                               "reporter.sqlite", "reporter.sqlite-wal", "reporter.sqlite-shm",
                                               ".reporter-sqlite-closed"}


def test_the_outside_symlink_is_not_followed(hostile_run):
    assert not any("外部" in p.name for p in (hostile_run["out"] / "docs").iterdir())
    sheet = openpyxl.load_workbook(hostile_run["out"] / "summary" / "汇总表.xlsx")["总览"]
    assert "外部党支部" not in [c.value for c in sheet["A"]]


def test_formula_like_text_stays_literal_text(hostile_run):
    out = hostile_run["out"]
    path = _document_of(hostile_run, "公式.xlsx")
    assert path.name == "=1+1党支部.docx"
    body = zipfile.ZipFile(path).read("word/document.xml")
    assert not LIVE_WORD.search(body)
    text = "\n".join(p.text for p in docx.Document(path).paragraphs)
    for f in FORMULAS:
        assert f"（一）{f}。" in text or f"{f}。" in text, f
        assert f"{f} 具体表现" in text and f"原因 {f}" in text and f"措施 {f}" in text
    assert "+根据要求，现报告如下：" in text

    report_docx = out / "summary" / "汇总报告.docx"
    assert not LIVE_WORD.search(zipfile.ZipFile(report_docx).read("word/document.xml"))
    cells = [c.text for t in docx.Document(report_docx).tables for row in t.rows for c in row.cells]
    for f in FORMULAS:  # the overdue measures are listed by headline and 责任人
        assert f in cells, f

    summary = out / "summary" / "汇总表.xlsx"
    for name, xml in _xml_parts(summary).items():
        assert not re.search(r"<f[ >]", xml), name  # no formula anywhere
        assert "<hyperlink" not in xml and "relationships/hyperlink" not in xml, name
    book = openpyxl.load_workbook(summary)
    values = {}
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    values.setdefault(cell.value, cell.data_type)
    for f in FORMULAS:
        assert values.get(f) == "s", f  # a string cell, never a formula
    assert values.get("=1+1党支部") == "s" and values.get("@机关党委") == "s"


def test_control_characters_reach_no_output(hostile_run):
    out = hostile_run["out"]
    path = _document_of(hostile_run, "控制字符.xlsx")
    assert path.name == "控制字符党支部.docx"
    for output in (path, out / "summary" / "汇总表.xlsx", out / "summary" / "汇总报告.docx",
                   *(out / "docs").iterdir()):
        for name, xml in _xml_parts(output).items():
            assert not CONTROL.search(xml), (output.name, name)
            assert not ESCAPED_CONTROL.search(xml), (output.name, name)
    text = "\n".join(p.text for p in docx.Document(path).paragraphs)
    for cleaned in ("学习不深入。具体表现。", "政治敏锐性不强。对风险认识不够。", "理论武装抓得不紧。精力不足",
                    "强化学习。增强自觉性", "中共控制字符党支部"):
        assert cleaned in text, cleaned
    report_text = (out / "run-report.json").read_text(encoding="utf-8")
    for s in _strings(json.loads(report_text)):
        assert not CONTROL.search(s) and not ESCAPED_CONTROL.search(s), s
    entry = _by_source(hostile_run)["控制字符.xlsx"]
    assert entry["branch"] == "控制字符党支部"
    # 方面 and 完成时限 are wrong once the control characters are gone; 完成情况 and 对应问题 are fine.
    findings = [m for m in entry["messages"] if m["level"] != "review"]
    assert [(m["code"], m["cell"]) for m in findings] == [("W301", "B3"), ("W302", "F2")]
    assert "“不存在的方面”" in findings[0]["message"]
    assert "“2024-0-31”" in findings[1]["message"]
    book = openpyxl.load_workbook(out / "summary" / "汇总表.xlsx")
    overview = {row[0].value: row for row in book["总览"].iter_rows(min_row=2)}
    assert overview["控制字符党支部"][1].value == "机关党委"
    assert overview["控制字符党支部"][2].value == "张三"


def test_summary_names_every_failed_file(hostile_run):
    sheet = openpyxl.load_workbook(hostile_run["out"] / "summary" / "汇总表.xlsx")["校验问题"]
    listed = {row[0].value for row in sheet.iter_rows(min_row=2)}
    failed = {s for s, (status, _) in hostile_run["expected"].items() if status == "failed"}
    assert failed <= listed


@pytest.mark.skipif(os.geteuid() == 0, reason="running as root: file permissions are not enforced")
def test_unreadable_file_is_its_own_finding(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    inp.mkdir()
    (inp / "正常.xlsx").write_bytes(_ok("第一党支部"))
    locked = inp / "无权限.xlsx"
    locked.write_bytes(_ok("第二党支部"))
    locked.chmod(0)
    proc = subprocess.run([sys.executable, "-m", "reporter", "build", str(inp), "-o", str(out), "--as-of", AS_OF],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1 and "Traceback" not in proc.stdout + proc.stderr
    found = {w["source"]: w for w in json.loads((out / "run-report.json").read_text("utf-8"))["workbooks"]}
    assert [m["code"] for m in found["无权限.xlsx"]["messages"]] == ["E120"]
    assert found["正常.xlsx"]["status"] == "ok"


def test_symlink_loop_is_a_finding_not_a_crash(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    inp.mkdir()
    (inp / "正常.xlsx").write_bytes(_ok("第一党支部"))
    (inp / "环1.xlsx").symlink_to(inp / "环2.xlsx")
    (inp / "环2.xlsx").symlink_to(inp / "环1.xlsx")
    proc = subprocess.run([sys.executable, "-m", "reporter", "build", str(inp), "-o", str(out), "--as-of", AS_OF],
                          capture_output=True, text=True, timeout=300)
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr[-2000:]
    assert proc.returncode == 1
    found = {w["source"]: w for w in json.loads((out / "run-report.json").read_text("utf-8"))["workbooks"]}
    for name in ("环1.xlsx", "环2.xlsx"):
        assert found[name]["status"] == "failed"
        assert [m["code"] for m in found[name]["messages"]] == ["E122"]
    assert found["正常.xlsx"]["status"] == "ok"


def test_control_characters_in_file_names_reach_neither_report_nor_log(tmp_path):
    """A file name may hold ESC and a line break: the log keeps one stamped line per entry."""
    inp, out = tmp_path / "in", tmp_path / "out"
    inp.mkdir()
    (inp / "甲\x1b[31m红\n2024-01-01T00:00:00 INFO 伪造的一行.xlsx").write_bytes(_ok("第一党支部"))
    (inp / "乙\x01.xlsx").write_bytes(b"")
    proc = subprocess.run([sys.executable, "-m", "reporter", "build", str(inp), "-o", str(out), "--as-of", AS_OF],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1 and "Traceback" not in proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert all(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d (INFO|WARNING|ERROR) ", line) for line in lines), lines
    assert not CONTROL.search(proc.stdout)
    assert any("甲" in line and "伪造的一行" in line for line in lines), lines  # the name on one line
    report = json.loads((out / "run-report.json").read_text(encoding="utf-8"))
    for s in _strings(report):
        assert not CONTROL.search(s) and "\n" not in s, s
    statuses = sorted(w["status"] for w in report["workbooks"])
    assert statuses == ["failed", "ok"] or statuses == ["failed", "warning"]
    assert (out / "docs" / "第一党支部.docx").is_file()
