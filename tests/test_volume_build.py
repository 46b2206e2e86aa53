"""The bound volume in `reporter build` (汇编, DESIGN §10): made on every build, only when needed."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import docx
import pytest
from typer.testing import CliRunner

from reporter.cli import app
from reporter.pdf import find_soffice

from helpers import standard_bytes

runner = CliRunner()
AS_OF = "2024-01-10"
NAMES = ["甲党支部", "乙党支部", "丙党支部"]
ROSTER = ["丙党支部", "丁党支部", "甲党支部", "乙党支部"]  # 丁 hands nothing in


def workbooks(inp: Path) -> None:
    inp.mkdir(parents=True, exist_ok=True)
    for n, name in enumerate(NAMES, 1):
        (inp / f"{n}.xlsx").write_bytes(standard_bytes(info={"支部名称": name}))


def build(tmp_path: Path, *args: str):
    roster = tmp_path / "名单.csv"
    roster.write_text("支部名称\n" + "\n".join(ROSTER) + "\n", encoding="utf-8")
    return runner.invoke(app, ["build", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--as-of", AS_OF,
                               "--jobs", "1", "--roster", str(roster), *args])


def toc_names(path: Path) -> list[str]:
    document = docx.Document(str(path))
    entries = [p.text for p in document.paragraphs if p.style is not None and p.style.name.lower().startswith("toc")]
    return [re.sub(r"\s*\d+$", "", e) for e in entries]


def test_volume_in_roster_order_listed_in_the_report_and_made_again_only_when_needed(tmp_path):
    workbooks(tmp_path / "in")
    result = build(tmp_path)
    assert result.exit_code == 0, result.output
    volume = tmp_path / "out" / "summary" / "汇编.docx"
    assert toc_names(volume) == ["丙党支部", "甲党支部", "乙党支部"]  # roster order, 丁 skipped
    report = json.loads((tmp_path / "out" / "run-report.json").read_text("utf-8"))
    assert report["summary"]["volume"] == "summary/汇编.docx"
    assert "volume_pdf" not in report["summary"]

    before = (volume.stat().st_mtime_ns, volume.read_bytes())
    assert build(tmp_path).exit_code == 0
    assert (volume.stat().st_mtime_ns, volume.read_bytes()) == before  # nothing changed: not written again

    (tmp_path / "in" / "2.xlsx").write_bytes(standard_bytes(info={"支部名称": "乙党支部", "支部书记": "李四"}))
    assert build(tmp_path).exit_code == 0
    assert volume.stat().st_mtime_ns != before[0]
    assert toc_names(volume) == ["丙党支部", "甲党支部", "乙党支部"]


def test_failed_branch_is_left_out_and_a_users_file_is_never_removed(tmp_path):
    workbooks(tmp_path / "in")
    (tmp_path / "in" / "1.xlsx").write_bytes(b"not a workbook")
    summary = tmp_path / "out" / "summary"
    summary.mkdir(parents=True)
    mine = summary / "汇编.pdf"
    mine.write_bytes(b"a person's file")
    result = build(tmp_path)
    assert result.exit_code == 1
    assert toc_names(summary / "汇编.docx") == ["丙党支部", "乙党支部"]
    assert mine.read_bytes() == b"a person's file"


def test_without_a_roster_the_order_of_the_overview(tmp_path):
    workbooks(tmp_path / "in")
    result = runner.invoke(app, ["build", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--as-of", AS_OF])
    assert result.exit_code == 0, result.output
    assert toc_names(tmp_path / "out" / "summary" / "汇编.docx") == NAMES


@pytest.mark.skipif(find_soffice() is None, reason="needs LibreOffice")
def test_with_pdf_the_volume_pdf_has_one_bookmark_per_branch(tmp_path):
    workbooks(tmp_path / "in")
    result = build(tmp_path, "--pdf")
    assert result.exit_code == 0, result.output
    pdf = tmp_path / "out" / "summary" / "汇编.pdf"
    report = json.loads((tmp_path / "out" / "run-report.json").read_text("utf-8"))
    assert report["summary"]["volume_pdf"] == "summary/汇编.pdf"
    xml = subprocess.run(["pdftohtml", "-xml", "-i", "-stdout", str(pdf)], capture_output=True, text=True).stdout
    marks = [(t, int(n)) for n, t in re.findall(r'<item page="(\d+)">([^<]*)</item>', xml)]
    assert [t for t, _ in marks] == ["丙党支部", "甲党支部", "乙党支部"]
    assert all(n % 2 == 1 for _, n in marks)  # each on a right-hand page
    # A rerun with --pdf and nothing changed makes neither file again.
    before = [p.stat().st_mtime_ns for p in (pdf, pdf.with_suffix(".docx"))]
    assert build(tmp_path, "--pdf").exit_code == 0
    assert [p.stat().st_mtime_ns for p in (pdf, pdf.with_suffix(".docx"))] == before


NOTE = "PDF 中正文的字体“仿宋_GB2312”没有安装，也没有仿宋风格的替代字体，将以宋体风格的“X”代替（Word 文档不受影响）。"


def test_font_substitution_is_said_once_per_pdf_run_in_the_log_and_the_report(tmp_path, monkeypatch):
    import reporter.fonts

    monkeypatch.setattr(reporter.fonts, "substitutions", lambda fonts: (NOTE,))
    soffice = tmp_path / "fake-soffice"
    soffice.write_text("#!/bin/sh\nexit 81\n", encoding="utf-8")
    soffice.chmod(0o755)
    monkeypatch.setenv("REPORTER_SOFFICE", str(soffice))
    workbooks(tmp_path / "in")
    log = tmp_path / "run.log"
    result = build(tmp_path, "--pdf", "--log-file", str(log))
    assert result.exit_code == 3, result.output  # LibreOffice's trouble: the run's, exit 3
    report = json.loads((tmp_path / "out" / "run-report.json").read_text("utf-8"))
    assert report["warnings"].count(NOTE) == 1
    assert log.read_text("utf-8").count(NOTE) == 1
    assert not any(m["code"].startswith(("E5", "W5")) for w in report["workbooks"] for m in w["messages"])
    assert report["summary"]["volume"] == "summary/汇编.docx" and "volume_pdf" not in report["summary"]
    assert {e["kind"] for e in report["run_errors"]} == {"pdf"}
    # Without --pdf nothing is said.
    assert NOTE not in build(tmp_path).output
    report = json.loads((tmp_path / "out" / "run-report.json").read_text("utf-8"))
    assert NOTE not in report["warnings"]


@pytest.mark.skipif(find_soffice() is None, reason="needs LibreOffice")
def test_render_pdf_prints_the_substitution(tmp_path, monkeypatch):
    import reporter.fonts

    monkeypatch.setattr(reporter.fonts, "substitutions", lambda fonts: (NOTE,))
    workbooks(tmp_path / "in")
    result = runner.invoke(app, ["render", str(tmp_path / "in" / "1.xlsx"), "-o", str(tmp_path / "a.docx"), "--pdf"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "a.pdf").is_file()
    assert result.output.count(NOTE) == 1


def test_a_volume_that_cannot_be_written_is_a_run_error_not_a_finding(tmp_path):
    workbooks(tmp_path / "in")
    (tmp_path / "out" / "summary" / "汇编.docx").mkdir(parents=True)  # in the way: cannot be replaced
    result = build(tmp_path)
    assert result.exit_code == 3, result.output
    report = json.loads((tmp_path / "out" / "run-report.json").read_text("utf-8"))
    assert [e["kind"] for e in report["run_errors"]] == ["summary"] and "汇编" in report["run_errors"][0]["message"]
    assert "volume" not in report["summary"] and report["summary"]["xlsx"] == "summary/汇总表.xlsx"
    assert {w["status"] for w in report["workbooks"]} <= {"ok", "warning"}
    assert len(list((tmp_path / "out" / "docs").iterdir())) == 3
