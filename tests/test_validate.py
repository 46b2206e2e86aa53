"""`reporter validate`: a folder of good and broken workbooks, the table, --json, exit codes."""

from __future__ import annotations

import json
import re

import pytest
from helpers import standard_bytes, standard_sheets, workbook_bytes, write_docx
from typer.testing import CliRunner

from reporter.cli import app
from reporter.config import Config
from reporter.findings import message
from reporter.validate import validate_dir, validation_json

runner = CliRunner()

BROKEN = {
    "坏/随机字节.xlsx": "E101",
    "坏/空文件.xlsx": "E102",
    "坏/Word改名.xlsx": "E109",
    "坏/缺少原因表.xlsx": "E202",
    "坏/缺少问题概述列.xlsx": "E203",
    "坏/没有支部名称.xlsx": "E204",
    "坏/没有问题.xlsx": "E205",
    "坏/表格.csv": "E108",
}
# findings after the first: the failed copies whose 支部名称 好1.xlsx also names
ALSO = {source: ("W401",) for source in ("坏/没有问题.xlsx", "坏/缺少原因表.xlsx", "坏/缺少问题概述列.xlsx")}


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "in"
    (root / "坏").mkdir(parents=True)
    (root / "好1.xlsx").write_bytes(standard_bytes())
    (root / "好2.xlsx").write_bytes(standard_bytes(info={"支部名称": "机关第二党支部"}, blank_rows=5))
    (root / "有警告.xlsx").write_bytes(standard_bytes(
        info={"支部名称": "机关第三党支部"}, problems=[("思想觉悟", "问题一", "a")],
        measures=[("措施一", "a", "1", "张三", "2024-03-31", "整改中")]))
    (root / "坏/随机字节.xlsx").write_bytes(bytes(range(256)) * 10)
    (root / "坏/空文件.xlsx").write_bytes(b"")
    write_docx(root / "坏/Word改名.xlsx")
    sheets = standard_sheets()
    del sheets["原因剖析"]
    (root / "坏/缺少原因表.xlsx").write_bytes(workbook_bytes(sheets))
    sheets = standard_sheets()
    sheets["存在的问题"][0][2] = "题目"
    (root / "坏/缺少问题概述列.xlsx").write_bytes(workbook_bytes(sheets))
    (root / "坏/没有支部名称.xlsx").write_bytes(standard_bytes(info={"支部名称": None}))
    (root / "坏/没有问题.xlsx").write_bytes(standard_bytes(problems=[], blank_rows=3))
    (root / "坏/表格.csv").write_text("支部名称\n机关第一党支部\n", encoding="utf-8")
    (root / "说明.txt").write_text("这里放各支部的工作簿。", encoding="utf-8")
    (root / "~$好1.xlsx").write_bytes(b"lock")
    return root


def test_folder_of_good_and_broken_files(folder):
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert "[通过] 好1.xlsx（机关第一党支部）" in lines
    assert "[通过] 好2.xlsx（机关第二党支部）" in lines
    assert "[有警告] 有警告.xlsx（机关第三党支部）" in lines
    assert any(re.fullmatch(r"\s+存在的问题!B2  W301  方面“思想觉悟”不在规定的类别中.*", line) for line in lines)
    for source, code in BROKEN.items():
        index = lines.index(f"[未通过] {source}")
        assert lines[index + 1].split()[1] == code, (source, lines[index + 1])
    assert "~$" not in result.output and "说明.txt" not in result.output
    assert lines[-1] == "共 11 个工作簿：通过 2，有警告 1，未通过 8；另有 1 个非工作簿文件已忽略。"
    assert "\x1b[" not in result.output  # not a terminal: no escape codes


def test_json_equals_the_library(folder):
    result = runner.invoke(app, ["validate", str(folder), "--json"])
    assert result.exit_code == 1
    document = json.loads(result.output)
    assert document == validation_json(validate_dir(folder, Config()))
    by_source = {w["source"]: w for w in document["workbooks"]}
    assert document["ignored"] == ["说明.txt"]
    assert document["totals"] == {"workbooks": 11, "ok": 2, "warning": 1, "failed": 8}
    for source, code in BROKEN.items():
        entry = by_source[source]
        assert entry["status"] == "failed"
        # its own error, then (for the failed copy of a branch that another copy passes) W401
        assert [m["code"] for m in entry["messages"]] == [code, *ALSO.get(source, ())], source  # not reviewed
    assert by_source["坏/随机字节.xlsx"]["branch"] is None
    # a failed workbook keeps the branch name it could read; the good copy of that
    # branch is the one counted, and gets no warning for the broken one
    assert by_source["坏/没有问题.xlsx"]["branch"] == "机关第一党支部"
    assert by_source["坏/没有问题.xlsx"]["duplicate_of"] == "好1.xlsx"
    assert "W401" in [m["code"] for m in by_source["坏/没有问题.xlsx"]["messages"]]
    good = {**by_source["好1.xlsx"], "messages": [m for m in by_source["好1.xlsx"]["messages"] if m["level"] != "review"]}
    assert good == {"source": "好1.xlsx", "status": "ok", "branch": "机关第一党支部", "duplicate_of": None,
                    "counts": {"problems": 3, "causes": 2, "measures": 2}, "messages": []}
    warned = [m for m in by_source["有警告.xlsx"]["messages"] if m["level"] != "review"]
    allowed = "、".join(Config().categories)
    assert warned == [message("W301", sheet="存在的问题", cell="B2", value="思想觉悟", allowed=allowed).to_json()]


def test_all_good_exits_zero_and_strict_fails_warnings(tmp_path):
    (tmp_path / "a.xlsx").write_bytes(standard_bytes())
    (tmp_path / "b.xlsx").write_bytes(standard_bytes(info={"支部名称": "乙支部"}, causes=[]))  # W311
    result = runner.invoke(app, ["validate", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "共 2 个工作簿：通过 1，有警告 1，未通过 0。"
    strict = runner.invoke(app, ["validate", str(tmp_path), "--strict"])
    assert strict.exit_code == 1
    assert "[未通过] b.xlsx（乙支部）" in strict.output.splitlines()


def test_missing_input_dir_exits_two(tmp_path):
    result = runner.invoke(app, ["validate", str(tmp_path / "没有这个文件夹")])
    assert result.exit_code == 2
    assert "找不到输入文件夹" in result.output
    assert "Traceback" not in result.output


def test_rich_table_on_a_terminal(folder):
    import io

    from reporter.console import print_validation

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    validation = validate_dir(folder, Config())
    stream = Terminal()
    print_validation(validation.results, validation.ignored, validation.totals, stream)
    text = stream.getvalue()
    assert "未通过" in text and "E109" in text and "存在的问题!B2" in text
    assert "共 11 个工作簿" in text


def test_odd_file_names_are_shown_escaped_with_a_warning(tmp_path):
    import os
    import subprocess
    import sys

    (tmp_path / "good.xlsx").write_bytes(standard_bytes())
    gbk = "党支部".encode("gbk") + b".xlsx"
    with open(os.path.join(os.fsencode(tmp_path), gbk), "wb") as f:
        f.write(standard_bytes(info={"支部名称": "另一个党支部"}))
    (tmp_path / "a\x1b[31mb.xlsx").write_bytes(standard_bytes(info={"支部名称": "第三党支部"}))
    proc = subprocess.run([sys.executable, "-m", "reporter", "validate", str(tmp_path), "--json"],
                          capture_output=True)
    assert proc.returncode == 0
    data = json.loads(proc.stdout.decode("utf-8"))  # valid UTF-8 whatever the names
    by_source = {r["source"]: r for r in data["workbooks"]}
    odd = [s for s in by_source if s != "good.xlsx"]
    assert len(odd) == 2 and all("\\x" in s and "\x1b" not in s for s in odd)
    for source in odd:
        assert [m["code"] for m in by_source[source]["messages"] if m["level"] != "review"] == ["W405"]
    plain = subprocess.run([sys.executable, "-m", "reporter", "validate", str(tmp_path)], capture_output=True)
    assert b"\x1b" not in plain.stdout


# ---------------------------------------------------------------- the review (R6xx, DESIGN §9)

COPIED = ("对开展政治理论学习缺乏深入细致谋划研究，学习方法较为单一，除集中学习外，"
          "没有经常性引导党员干部主动自学政治理论知识，导致学习不够深入、不够系统。")


@pytest.fixture
def copied(tmp_path):
    """Two branches with one copied problem (the name swapped), and a measure without 责任人."""
    root = tmp_path / "审核"
    root.mkdir()
    for n, name in ((1, "机关第一党支部"), (2, "机关第二党支部")):
        (root / f"{n}.xlsx").write_bytes(standard_bytes(
            info={"支部名称": name},
            problems=[("理论学习", "理论学习不深入", name + COPIED), ("工作作风", f"作风问题{n}", "")],
            measures=[("强化学习", "加强学习", "1", None, "2024-06-30", "整改中")]))
    return root


def test_validate_reviews_the_workbooks_it_is_given(copied):
    result = runner.invoke(app, ["validate", str(copied)])
    assert result.exit_code == 0, result.output  # review findings never fail a workbook
    lines = [line for line in result.output.splitlines() if line.startswith("[审核]")]
    assert any("R601" in line and "存在的问题!C2" in line and "机关第二党支部" in line for line in lines)
    assert any("R611" in line and "存在的问题!D3" in line for line in lines)
    assert any("R613" in line and "整改措施!E2" in line for line in lines)
    assert result.output.splitlines()[0].startswith("审核意见 ")
    assert result.output.splitlines()[-1].startswith("共 2 个工作簿")
    strict = runner.invoke(app, ["validate", str(copied), "--strict"])
    assert strict.exit_code == 0 and "[通过]" in strict.output


def test_validate_json_carries_review_messages(copied):
    result = runner.invoke(app, ["validate", str(copied), "--json"])
    document = json.loads(result.output)
    assert document["review"]["counts"]["R601"] == 2
    pair = document["review"]["similar"][0]
    assert {pair["a"]["source"], pair["b"]["source"]} == {"1.xlsx", "2.xlsx"} and pair["similarity"] == 1.0
    assert pair["a"]["sheet"] == "存在的问题" and pair["a"]["cell"] == "C2"
    for workbook in document["workbooks"]:
        assert workbook["status"] == "ok"
        review = [m for m in workbook["messages"] if m["level"] == "review"]
        assert {m["code"] for m in review} == {"R601", "R611", "R613", "R612"}


def test_validate_no_review(copied):
    result = runner.invoke(app, ["validate", str(copied), "--no-review"])
    assert "[审核]" not in result.output and "R60" not in result.output
    document = json.loads(runner.invoke(app, ["validate", str(copied), "--json", "--no-review"]).output)
    assert "review" not in document
    assert not [m for w in document["workbooks"] for m in w["messages"] if m["level"] == "review"]
    assert validate_dir(copied, Config(), review=False).review is None
