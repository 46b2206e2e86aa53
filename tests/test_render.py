"""``reporter render``: one workbook in, one .docx out (exit codes, findings, atomic write)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import docx
import pytest
from docx.shared import Mm
from typer.testing import CliRunner

from helpers import standard_sheets, write_workbook
from reporter.cli import app, main
from reporter.config import Config
from reporter.errors import UsageError
from reporter.pdf import SOFFICE_ENV
from reporter.render import run_render
from test_document import seed_lines

CONFIG = Config()


def said(capsys, *argv) -> tuple[int, str, str]:
    """`reporter render ARGV…` as the CLI runs it: (exit status, stdout, stderr)."""
    with pytest.raises(SystemExit) as done:
        main(["render", *map(str, argv)])
    out, err = capsys.readouterr()
    return done.value.code, out, err


def seed_workbook(path: Path, **info) -> Path:
    """The seed typed into the standard workbook, numbering prefixes and all."""
    lines = seed_lines()
    sections = {"一、存在的问题": [], "二、原因剖析": [], "三、整改措施": []}
    current = None
    for line in lines[3:]:
        if line in sections:
            current = sections[line]
        elif line:
            headline, _, details = line.partition("。")
            current.append((headline, details))
    categories = ["理论学习", "政治素质", "担当作为", "能力本领", "工作作风", "廉洁自律"]
    sheets = standard_sheets(
        info={"支部名称": "*党支部", "材料标题": lines[0], "导语": "\u00a0" + lines[2], **info},
        problems=[(c, h, d) for c, (h, d) in zip(categories, sections["一、存在的问题"])],
        causes=sections["二、原因剖析"],
        measures=[(h, d, "", "", None, "") for h, d in sections["三、整改措施"]],
    )
    return write_workbook(path, sheets)


def test_seed_workbook_renders_the_seed(tmp_path, capsys):
    book = seed_workbook(tmp_path / "seed.xlsx")
    code, said_out, _ = said(capsys, book)
    assert code == 0
    out = tmp_path / "seed.docx"  # next to the workbook by default
    assert f"已生成：{out}" in said_out
    paragraphs = [p.text for p in docx.Document(out).paragraphs]
    assert [t for t in paragraphs if t] == [t for t in seed_lines() if t]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["seed.docx", "seed.xlsx"]  # no temporary files


def test_signature_from_the_workbook(tmp_path):
    book = write_workbook(tmp_path / "a.xlsx", standard_sheets(
        info={"落款": "中共机关第一党支部委员会", "落款日期": date(2024, 1, 5)}))
    out = tmp_path / "out" / "材料.docx"
    assert run_render(book, out, CONFIG).exit_status == 0
    assert [p.text for p in docx.Document(out).paragraphs][-2:] == ["中共机关第一党支部委员会", "2024年1月5日"]


def test_workbook_with_errors_gives_findings_and_no_document(tmp_path, capsys):
    book = write_workbook(tmp_path / "bad.xlsx", standard_sheets(info={"支部名称": None}))
    code, out, _ = said(capsys, book)
    assert code == 1
    assert "错误" in out and "E2" in out and "未生成" in out
    assert not (tmp_path / "bad.docx").exists()


def test_warnings_still_give_a_document(tmp_path, capsys):
    sheets = standard_sheets(problems=[("不存在的方面", "学习不深入", "表现。")])
    book = write_workbook(tmp_path / "warn.xlsx", sheets)
    code, out, _ = said(capsys, book)
    assert code == 0
    assert "警告" in out and "存在的问题!" in out
    assert (tmp_path / "warn.docx").is_file()


def test_output_folder_and_no_temporary_files_left(tmp_path):
    book = seed_workbook(tmp_path / "seed.xlsx")
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "seed.docx").write_bytes(b"old")
    assert run_render(book, folder, CONFIG).exit_status == 0
    assert [p.name for p in folder.iterdir()] == ["seed.docx"]
    docx.Document(folder / "seed.docx")


def test_usage_errors(tmp_path):
    with pytest.raises(UsageError, match="找不到工作簿"):
        run_render(tmp_path / "missing.xlsx", None, CONFIG)
    book = seed_workbook(tmp_path / "seed.xlsx")
    with pytest.raises(UsageError, match=".docx"):
        run_render(book, tmp_path / "out.pdf", CONFIG)
    with pytest.raises(UsageError, match="参考文档"):
        run_render(book, None, CONFIG, reference_doc=tmp_path / "missing.docx")


def test_reference_doc_option(tmp_path, capsys):
    ref = docx.Document()
    ref.sections[0].left_margin = Mm(45)
    ref.sections[0].header.paragraphs[0].text = "红头"
    ref.save(tmp_path / "ref.docx")
    book = seed_workbook(tmp_path / "seed.xlsx")
    code, _, err = said(capsys, book, "--reference-doc", tmp_path / "ref.docx")
    assert code == 0
    doc = docx.Document(tmp_path / "seed.docx")
    assert doc.sections[0].header.paragraphs[0].text == "红头"  # the letterhead's header is taken
    assert round(doc.sections[0].left_margin.mm) == 28  # the official margins stay (DESIGN §3)
    warnings = [line for line in err.splitlines() if line.startswith("警告：")]
    assert any("页边距" in line and "45 毫米" in line for line in warnings), err


def test_cli_render(tmp_path):
    book = seed_workbook(tmp_path / "seed.xlsx")
    result = CliRunner().invoke(app, ["render", str(book), "-o", str(tmp_path / "x.docx")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "x.docx").is_file()
    result = CliRunner().invoke(app, ["render", str(tmp_path / "nope.xlsx")])
    assert result.exit_code == 2
    assert "找不到工作簿" in result.output


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_render_pdf(tmp_path):
    book = seed_workbook(tmp_path / "seed.xlsx")
    assert run_render(book, None, CONFIG, pdf=True).exit_status == 0
    assert (tmp_path / "seed.pdf").read_bytes().startswith(b"%PDF")


def test_render_pdf_with_a_broken_libreoffice_keeps_the_docx_and_exits_3(tmp_path, monkeypatch, capsys):
    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\necho 'cannot start' >&2\nexit 81\n")
    fake.chmod(0o755)
    monkeypatch.setenv(SOFFICE_ENV, str(fake))
    book = seed_workbook(tmp_path / "seed.xlsx")
    code, out, err = said(capsys, book, "--pdf")
    assert code == 3
    assert f"已生成：{tmp_path / 'seed.docx'}" in out
    assert "未能转换为 PDF" in err and "退出码 81" in err and "seed.docx 已生成" in err
    assert "Traceback" not in out + err
    docx.Document(tmp_path / "seed.docx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["seed.docx", "seed.xlsx", "soffice"]


def test_render_pdf_without_libreoffice_is_refused_before_writing(tmp_path, monkeypatch):
    monkeypatch.setenv(SOFFICE_ENV, str(tmp_path / "no-such-soffice"))
    book = seed_workbook(tmp_path / "seed.xlsx")
    with pytest.raises(UsageError, match="未找到 LibreOffice"):
        run_render(book, None, CONFIG, pdf=True)
    assert not (tmp_path / "seed.docx").exists()
