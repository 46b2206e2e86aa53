"""`reporter import` (DESIGN.md §11): documents in, standard workbooks out."""

from __future__ import annotations

import io
import json
import os
import subprocess
import zipfile
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

import docx
import pytest

from reporter.cli import main
from reporter.config import Config
from reporter.docx import render_document
from reporter.importer import import_bytes, run_import
from reporter.importer.numbering import Numbering, format_number
from reporter.importer.write import workbook
from reporter.importer.xml import parse
from reporter.pdf import find_soffice
from reporter.reader import read_workbook

CONFIG = Config()
TESTS = Path(__file__).resolve().parent
SAMPLES = sorted((TESTS.parent / "sample_workbooks").glob("*.xlsx"))
SEED = TESTS / "data" / "seed.txt"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def seed_lines() -> list[str]:
    """The seed's lines, stripped (as tests/test_document.py compares them)."""
    return [line.strip() for line in SEED.read_text(encoding="utf-8").splitlines()]


def texts(data: bytes) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]


def reread(recognised, name: str = "甲党支部"):
    """The imported workbook, read back by the workbook reader."""
    result = read_workbook(workbook(recognised, recognised.name or name, CONFIG), "x.xlsx", CONFIG)
    assert not result.failed, result.messages
    return result


def rendered(recognised) -> list[str]:
    return texts(render_document(reread(recognised).branch, CONFIG))


def assert_seed_document(paragraphs: list[str]) -> None:
    lines = seed_lines()
    assert paragraphs == lines[: len(paragraphs)] and not any(lines[len(paragraphs):])


# ------------------------------------------------------------------ a .docx as typed in Word

NUMBERING = f"""<w:numbering xmlns:w="{W_NS}">
<w:abstractNum w:abstractNumId="3">
  <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>
  <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/></w:lvl>
</w:abstractNum>
<w:num w:numId="7"><w:abstractNumId w:val="3"/></w:num>
</w:numbering>"""

STYLES = f"""<w:styles xmlns:w="{W_NS}">
<w:style w:type="paragraph" w:default="1" w:styleId="a"><w:name w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/></w:style>
<w:style w:type="paragraph" w:styleId="1"><w:name w:val="heading 1"/><w:pPr><w:outlineLvl w:val="0"/></w:pPr></w:style>
</w:styles>"""


def run(text: str, bold: bool = False) -> str:
    rpr = "<w:rPr><w:b/><w:rFonts w:eastAsia=\"楷体\"/></w:rPr>" if bold else "<w:rPr><w:rFonts w:hint=\"eastAsia\"/></w:rPr>"
    return f'<w:r>{rpr}<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def para(*runs: str, level: int | None = None, style: str | None = None, jc: str | None = None) -> str:
    ppr = ""
    if style:
        ppr += f'<w:pStyle w:val="{style}"/>'
    if level is not None:
        ppr += f'<w:numPr><w:ilvl w:val="{level}"/><w:numId w:val="7"/></w:numPr>'
    if jc:
        ppr += f'<w:jc w:val="{jc}"/>'
    return f"<w:p>{'<w:pPr>' + ppr + '</w:pPr>' if ppr else ''}{''.join(runs)}</w:p>"


def make_docx(paragraphs: list[str], numbering: str | None = NUMBERING) -> bytes:
    body = f'<w:document xmlns:w="{W_NS}"><w:body>{"".join(paragraphs)}<w:sectPr/></w:body></w:document>'
    rels = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="word/document.xml"/></Relationships>')
    doc_rels = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                'styles" Target="styles.xml"/>'
                '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                'numbering" Target="numbering.xml"/></Relationships>')
    main_type = "application/vnd.openxmlformats-officedocument.wordprocessingml"
    types = ('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
             '<Default Extension="xml" ContentType="application/xml"/>'
             f'<Override PartName="/word/document.xml" ContentType="{main_type}.document.main+xml"/>'
             f'<Override PartName="/word/styles.xml" ContentType="{main_type}.styles+xml"/>'
             f'<Override PartName="/word/numbering.xml" ContentType="{main_type}.numbering+xml"/></Types>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", types)
        zf.writestr("_rels/.rels", rels)
        zf.writestr("word/_rels/document.xml.rels", doc_rels)
        zf.writestr("word/document.xml", body)
        zf.writestr("word/styles.xml", STYLES)
        if numbering:
            zf.writestr("word/numbering.xml", numbering)
    return buffer.getvalue()


def seed_as_word() -> bytes:
    """The seed as a person types it in Word: the title, an indented preamble, then headings and
    items numbered by Word's automatic Chinese numbering (nothing typed) with bold lead-ins."""
    lines = [line for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]
    out = [para(run(lines[0], bold=True), jc="center"), para(), para(run("\u3000\u3000" + lines[1].strip()))]
    for line in lines[2:]:
        if line[0] in "一二三":
            out.append(para(run(line[2:]), level=0))
        else:
            text = line[line.index("）") + 1:]
            headline, _, details = text.partition("。")
            out.append(para(run(headline + "。", bold=True), run(details), level=1))
    return make_docx(out)


# ------------------------------------------------------------------ round trips


@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_import_of_a_rendered_sample_renders_the_same_paragraphs(path):
    original = read_workbook(path.read_bytes(), path.name, CONFIG).branch
    document = render_document(original, CONFIG)
    recognised = import_bytes(document, f"{path.stem}.docx", CONFIG)
    assert rendered(recognised) == texts(document)
    info = reread(recognised, path.stem).branch.info
    assert info.title == original.info.title  # 材料标题: the document's own title
    assert (info.signature, info.signature_date) == (original.info.signature, original.info.signature_date)
    assert [(i.headline, i.details) for i in reread(recognised).branch.problems] == \
        [(i.headline, i.details) for i in original.problems]


def test_sample_branch_names_come_back_from_signature_or_title():
    for path in SAMPLES:
        original = read_workbook(path.read_bytes(), path.name, CONFIG).branch
        recognised = import_bytes(render_document(original, CONFIG), "x.docx", CONFIG)
        if original.info.title.startswith(original.info.name) or original.info.signature:
            assert recognised.name == original.info.name, path.name


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_the_seed_as_text_gives_the_seed(encoding):
    data = SEED.read_text(encoding="utf-8").encode(encoding)
    recognised = import_bytes(data, "seed.txt", CONFIG)
    assert recognised.title == seed_lines()[0]
    assert [len(recognised.items[k]) for k in ("problems", "causes", "measures")] == [6, 4, 5]
    assert [n.message.code for n in recognised.notes] == []
    assert_seed_document(rendered(recognised))


def test_the_seed_typed_in_word_with_automatic_numbering_gives_the_seed():
    data = seed_as_word()
    body = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    assert "存在的问题" in body and "一、" not in body and "（一）" not in body  # the numbers are not in the text
    recognised = import_bytes(data, "seed.docx", CONFIG)
    assert [n.message.code for n in recognised.notes] == []
    assert_seed_document(rendered(recognised))


def _soffice_convert(source: Path, target_format: str, out_dir: Path) -> Path:
    soffice = find_soffice()
    profile = out_dir / "profile"
    subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                    "--convert-to", target_format, "--outdir", str(out_dir), str(source)],
                   check=True, timeout=180, capture_output=True)
    return out_dir / f"{source.stem}.{target_format}"


def test_a_doc_is_imported_through_libreoffice(tmp_path):
    if find_soffice() is None:
        pytest.skip("LibreOffice is not installed")
    source = tmp_path / "src" / "机关第一党支部.docx"
    source.parent.mkdir()
    source.write_bytes(seed_as_word())
    doc = _soffice_convert(source, "doc", tmp_path / "in")
    assert doc.read_bytes().startswith(b"\xd0\xcf\x11\xe0")
    result = run_import([doc], tmp_path / "out", CONFIG)
    assert result.exit_code == 0, result.lines()
    (imported,) = result.documents
    assert imported.workbook == tmp_path / "out" / "机关第一党支部.xlsx"
    branch = read_workbook(imported.workbook.read_bytes(), "x.xlsx", CONFIG).branch
    assert_seed_document(texts(render_document(branch, CONFIG)))


def test_without_libreoffice_a_doc_names_the_package(tmp_path, monkeypatch):
    monkeypatch.setattr("reporter.pdf.find_soffice", lambda: None)
    doc = tmp_path / "a.doc"
    doc.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    (good := tmp_path / "b.txt").write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    result = run_import([doc, good], tmp_path / "out", CONFIG)
    bad, ok = result.documents
    assert bad.status == "failed" and bad.notes[0].message.code == "I711"
    assert "libreoffice-writer-nogui" in bad.notes[0].message.message and "LibreOffice" in bad.notes[0].message.message
    assert ok.workbook is not None and result.exit_code == 1


# ------------------------------------------------------------------ numbering


def test_numbering_formats():
    assert [format_number(n, "chineseCounting") for n in (1, 10, 11, 20, 21)] == ["一", "十", "十一", "二十", "二十一"]
    assert format_number(3, "ideographTraditional") == "丙"
    assert format_number(105, "chineseCountingThousand") == "一百零五"
    assert format_number(4, "upperRoman") == "IV" and format_number(28, "lowerLetter") == "bb"
    assert format_number(2, "decimalEnclosedCircle") == "②"


def test_numbering_levels_restart_and_start_overrides():
    root = parse(f"""<w:numbering xmlns:w="{W_NS}">
      <w:abstractNum w:abstractNumId="0">
        <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>
        <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/></w:lvl>
        <w:lvl w:ilvl="2"><w:start w:val="3"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1.%3"/></w:lvl>
      </w:abstractNum>
      <w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>
      <w:num w:numId="2"><w:abstractNumId w:val="0"/><w:lvlOverride w:ilvl="1"><w:startOverride w:val="5"/></w:lvlOverride></w:num>
    </w:numbering>""".encode())
    n = Numbering(root)
    got = [n.label("1", 0), n.label("1", 1), n.label("1", 1), n.label("1", 2), n.label("1", 0), n.label("1", 1),
           n.label("2", 1), n.label("9", 0)]
    assert got == ["一、", "（一）", "（二）", "一.3", "二、", "（一）", "（五）", None]


# ------------------------------------------------------------------ recognition and findings


def _codes(recognised) -> list[str]:
    return [n.message.code for n in recognised.notes]


def test_signature_and_branch_name_from_it():
    text = "\n".join([*seed_lines(), "", "\u3000\u3000中共机关第三党支部委员会", "二〇二四年一月八日"])
    recognised = import_bytes(text.encode(), "x.txt", CONFIG)
    assert recognised.signature == "中共机关第三党支部委员会" and recognised.signature_date == date(2024, 1, 8)
    assert recognised.name == "机关第三党支部"
    assert _codes(recognised) == []


def test_guesses_are_findings_with_paragraph_numbers():
    long = "很长" * 31
    text = "\n".join(["机关第五党支部对照检查材料", "导语第一段。", "导语第二段。", "一、存在的问题",
                      "（一）学习不够。具体表现。", "这一段没有编号。", f"（二）{long}", "四、其他情况",
                      "（三）作风不实。表现。", "二、原因剖析", "（一）认识不足。剖析。", "三、整改措施", "（一）加强学习。内容。"])
    recognised = import_bytes(text.encode(), "x.txt", CONFIG)
    found = {(n.message.code, n.paragraph) for n in recognised.notes}
    assert found == {("I706", 2), ("I702", 6), ("I703", 7), ("I704", 8)}
    assert "第 6 段" in next(n.message.message for n in recognised.notes if n.message.code == "I702")
    assert recognised.name == "机关第五党支部"
    assert recognised.preamble == "导语第一段。导语第二段。"
    assert [i[0] for i in recognised.items["problems"]] == ["学习不够", long, "作风不实"]
    assert recognised.items["problems"][0][1] == "具体表现。这一段没有编号。"


def test_a_docx_without_sections_is_one_clear_finding(tmp_path):
    (tmp_path / "note.docx").write_bytes(make_docx([para(run("会议通知")), para(run("请各支部按时参加。"))]))
    result = run_import([tmp_path / "note.docx"], tmp_path / "out", CONFIG)
    (doc,) = result.documents
    assert doc.status == "failed" and [n.message.code for n in doc.notes] == ["I701"]
    assert not list((tmp_path / "out").glob("*.xlsx"))


def test_branch_name_from_the_file_name_is_a_finding(tmp_path):
    (tmp_path / "三支部材料.txt").write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    result = run_import([tmp_path], tmp_path / "out", CONFIG)
    (doc,) = result.documents
    assert [n.message.code for n in doc.notes] == ["I705"] and doc.status == "warning"
    assert doc.workbook == tmp_path / "out" / "三支部材料.xlsx"


def test_markdown_headings_and_bold_lead_ins():
    text = "# 机关第六党支部对照检查材料\n\n导语。\n\n## 一、存在的问题\n\n**（一）学习不够，有差距。**具体表现，\n接着写。\n\n" \
           "## 二、原因剖析\n\n1. 认识不足。剖析。\n\n## 三、整改措施\n\n- 加强学习。内容。\n"
    recognised = import_bytes(text.encode(), "x.md", CONFIG)
    assert recognised.title == "机关第六党支部对照检查材料"
    assert recognised.items["problems"] == [["学习不够，有差距", "具体表现，接着写。"]]
    assert recognised.items["causes"] == [["认识不足", "剖析。"]]
    assert recognised.items["measures"] == [["加强学习", "内容。"]]


# ------------------------------------------------------------------ hostile inputs


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", b"<a>" + b" " * (300 * 1024 * 1024) + b"</a>")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return _zip_bomb()


@pytest.mark.parametrize(("name", "content", "variant"), [
    ("random.docx", os.urandom(4096), "不是 .docx 文档"),
    ("empty.txt", b"", "空的"),
    ("blank.txt", "\u3000\n  \n".encode(), "没有文字"),
    ("binary.txt", bytes(range(256)) * 8, "不是文本文件"),
    ("encrypted.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptedPackage".encode("utf-16-le") + b"\0" * 512, "已加密"),
    ("entities.docx", None, "实体声明"),
    ("book.docx", None, "Excel 工作簿"),
    ("a.pdf", b"%PDF-1.4", "不能导入"),
])
def test_hostile_files_are_clear_errors_and_the_others_go_on(tmp_path, name, content, variant):
    if name == "entities.docx":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as zf:
            zf.writestr("word/document.xml", '<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>')
        content = buffer.getvalue()
    if name == "book.docx":
        content = SAMPLES[0].read_bytes()
    (tmp_path / name).write_bytes(content)
    (tmp_path / "good.txt").write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    result = run_import([tmp_path / name, tmp_path / "good.txt"], tmp_path / "out", CONFIG)
    bad, good = result.documents
    assert bad.status == "failed" and bad.workbook is None and bad.notes[0].message.level == "error"
    assert bad.notes[0].message.code.startswith("I7") and variant in bad.notes[0].message.message
    assert good.workbook is not None and result.exit_code == 1


def test_a_zip_bomb_named_docx_is_refused(tmp_path, bomb):
    (tmp_path / "bomb.docx").write_bytes(bomb)
    result = run_import([tmp_path / "bomb.docx"], tmp_path / "out", CONFIG)
    (doc,) = result.documents
    assert doc.status == "failed" and doc.notes[0].message.code == "I710"
    assert "压缩炸弹" in doc.notes[0].message.message or "超过上限" in doc.notes[0].message.message


# ------------------------------------------------------------------ the command


def test_cli_writes_workbooks_never_overwrites_and_says_so_in_json(tmp_path, capsys):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "seed.docx").write_bytes(seed_as_word())
    (tmp_path / "in" / "readme.pdf").write_bytes(b"%PDF")
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_:
        main(["import", str(tmp_path / "in"), "-o", str(out)])
    assert exit_.value.code == 0
    printed = capsys.readouterr().out
    assert "seed.xlsx" in printed and "问题 6 条" in printed and "I705" in printed
    before = (out / "seed.xlsx").read_bytes()
    with pytest.raises(SystemExit) as exit_:
        main(["import", str(tmp_path / "in"), "-o", str(out), "--json"])
    assert exit_.value.code == 1
    report = json.loads(capsys.readouterr().out)
    assert set(report) >= {"tool_version", "output_dir", "totals", "documents", "ignored"}
    assert report["totals"] == {"documents": 1, "ok": 0, "warning": 0, "failed": 1}
    (doc,) = report["documents"]
    assert set(doc) == {"source", "status", "workbook", "branch", "counts", "messages"}
    assert "I713" in [m["code"] for m in doc["messages"]] and (out / "seed.xlsx").read_bytes() == before
    assert report["ignored"] == [str(tmp_path / "in" / "readme.pdf")]
    with pytest.raises(SystemExit) as exit_:
        main(["import", str(tmp_path / "in"), "-o", str(out), "--force", "--json"])
    assert exit_.value.code == 0
    assert json.loads(capsys.readouterr().out)["documents"][0]["workbook"] == str(out / "seed.xlsx")


@pytest.mark.parametrize("args", [["import"], ["import", ""], ["import", "/nonexistent/x.docx"]])
def test_cli_refuses_to_start(args, capsys, tmp_path):
    with pytest.raises(SystemExit) as exit_:
        main([*args, "-o", str(tmp_path)])
    assert exit_.value.code == 2
    assert "错误：" in capsys.readouterr().err


def test_two_documents_of_one_branch_do_not_overwrite_each_other(tmp_path):
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text("\n".join([*seed_lines(), "机关第七党支部"]), encoding="utf-8")
    result = run_import([tmp_path / "a.txt", tmp_path / "b.txt"], tmp_path / "out", CONFIG)
    first, second = result.documents
    assert first.workbook.name == "机关第七党支部.xlsx" and second.workbook.name == "机关第七党支部-2.xlsx"
    assert "I715" in [n.message.code for n in second.notes]
